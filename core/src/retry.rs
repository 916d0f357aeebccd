//! `RetryPolicy`: how long to wait before trying an idempotent request again, and when to stop.
//!
//! A pure decision: the randomness for jitter comes in as an argument, so the policy runs the
//! same in any runtime and its tests are exact and instant.

use std::time::Duration;

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Give up and return the last outcome.
    Stop(StopReason),
}

/// Why a [`RetryDecision::Stop`], or why a call or a user's run ended without success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The outcome is not worth retrying (a 404, a 401, a decode error, a certificate error…).
    NotRetryable,
    /// The policy's attempt count is used up.
    AttemptsExhausted,
    /// The wait needed would go past the policy's total wait budget.
    WaitBudgetExhausted {
        /// The wait that did not fit.
        needed: Duration,
    },
    /// The deadline for the call (or for the user, in a run) would pass before the next attempt
    /// could start, or passed with an attempt in flight.
    DeadlineExceeded,
    /// The run stopped (a fatal answer for another request, or an interruption) before this
    /// user could be retried.
    RunStopped,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotRetryable => f.write_str("a retry cannot help"),
            Self::AttemptsExhausted => {
                f.write_str("every attempt the retry policy allows was used")
            }
            Self::WaitBudgetExhausted { needed } => write!(
                f,
                "the next wait ({needed:?}) would pass the retry policy's total wait budget"
            ),
            Self::DeadlineExceeded => f.write_str("the deadline passed"),
            Self::RunStopped => f.write_str("the run stopped before a retry"),
        }
    }
}

/// How long to wait before trying a failed idempotent request again, and when to stop: capped
/// exponential backoff with jitter, or the server's `Retry-After` with a little jitter on top;
/// at most `max_attempts` attempts and `max_total_wait` of waiting in all.
///
/// What is worth retrying is the failure's to say
/// ([`ResponseError::is_retryable`](crate::ResponseError::is_retryable): 429, 409
/// `resource_locked`, a 500 from Clerk, 502, 503, 504; a transport's
/// [`FailureClass::is_transient`](crate::FailureClass::is_transient)); how long the server asked
/// for is the response's ([`ResponseError::retry_delay`](crate::ResponseError::retry_delay)).
/// The policy turns those into a wait, from its inputs alone (the randomness for the jitter
/// comes in as an argument), so [`Call`](crate::Call) and [`Run`](crate::Run) decide alike.
///
/// ```
/// use clerk_moderation_core::{RetryDecision, RetryPolicy};
/// use std::time::Duration;
///
/// let policy = RetryPolicy::default();
/// // The first attempt failed to connect: wait (with jitter) and go again.
/// match policy.plan(1, None, Duration::ZERO, 42) {
///     RetryDecision::RetryAfter(wait) => assert!(wait <= Duration::from_millis(500)),
///     stop => panic!("expected a retry, got {stop:?}"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_total_wait: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts; backoff from 500 ms doubling up to 8 s; 30 s of waiting in all, which covers
    /// a `Retry-After` from Clerk's 10-second rate-limit window.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_total_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the most attempts, the first included (at least 1).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Sets the first backoff; each next one doubles.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Caps a single computed backoff (a server's `Retry-After` is honoured beyond it).
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Caps the waiting over all attempts.
    pub fn with_max_total_wait(mut self, wait: Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    /// The most attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The total wait budget.
    pub fn max_total_wait(&self) -> Duration {
        self.max_total_wait
    }

    /// The decision after `attempts` attempts that waited `waited` in all, for a failure worth
    /// retrying: `server_delay` is the wait the server asked for (`Retry-After`), if any.
    ///
    /// A server's delay is honoured beyond the backoff cap and gets a little jitter on top (up to
    /// 100 ms plus a tenth of it, never zero), so clients told "0" or "1" do not return in
    /// lockstep; without one, the wait is the capped exponential backoff with equal jitter.
    ///
    /// ```
    /// use clerk_moderation_core::{RetryDecision, RetryPolicy};
    /// use std::time::Duration;
    ///
    /// let policy = RetryPolicy::default();
    /// let RetryDecision::RetryAfter(wait) = policy.plan(1, Some(Duration::ZERO), Duration::ZERO, 7)
    /// else { panic!() };
    /// assert!(wait > Duration::ZERO && wait <= Duration::from_millis(100));
    /// ```
    pub fn plan(
        &self,
        attempts: u32,
        server_delay: Option<Duration>,
        waited: Duration,
        random: u64,
    ) -> RetryDecision {
        if attempts >= self.max_attempts {
            return RetryDecision::Stop(StopReason::AttemptsExhausted);
        }
        let wait = match server_delay {
            Some(delay) => delay.saturating_add(server_jitter(delay, random)),
            None => self.backoff(attempts, random),
        };
        if waited.saturating_add(wait) > self.max_total_wait {
            return RetryDecision::Stop(StopReason::WaitBudgetExhausted { needed: wait });
        }
        RetryDecision::RetryAfter(wait)
    }

    /// Equal-jitter backoff: half the capped exponential step, plus a random part of the other
    /// half. Never zero, so a fleet does not retry in lockstep, and never above the cap.
    fn backoff(&self, attempts: u32, random: u64) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        let step = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(unit_fraction(random))
    }
}

/// The top 53 bits of `random` as a fraction in [0, 1).
fn unit_fraction(random: u64) -> f64 {
    (random >> 11) as f64 / (1u64 << 53) as f64
}

/// The jitter added to a server's `Retry-After`: up to 100 ms plus a tenth of the delay, and at
/// least 1 ms, so that a "0" still spreads clients out.
pub(crate) fn server_jitter(delay: Duration, random: u64) -> Duration {
    let spread = Duration::from_millis(100).saturating_add(delay / 10);
    spread
        .mul_f64(unit_fraction(random))
        .max(Duration::from_millis(1))
}

/// The next value of the splitmix64 sequence in `state`: small, fast, and good enough for jitter.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
