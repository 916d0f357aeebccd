//! `RunOptions`: how a run paces, retries, bounds and batches its requests.

use std::time::Duration;

use super::pace::RateLimit;
use crate::retry::RetryPolicy;
use crate::secret_key::Instance;

/// How fast a run may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pace {
    /// [`RateLimit::default_pace`] for the key's instance: 950 per 10 s for `sk_live_` keys,
    /// 95 per 10 s for `sk_test_` and any other key.
    FromKey,
    /// This limit.
    Limit(RateLimit),
    /// No pacing: only 429s slow the run down. For emulators and tests.
    Unlimited,
}

/// How a run paces, retries, bounds and batches its requests.
///
/// The defaults suit a run against Clerk: the pace from the key, 32 requests in flight (after
/// the first, which goes alone: a wrong key then costs one request), the default
/// [`RetryPolicy`], 60 s per user for all its attempts and waits, bulk endpoints for ban and
/// unban, and at most 32 transport failures in a row before the run stops.
///
/// ```
/// use clerk_moderation_core::{RateLimit, RunOptions};
/// use std::time::Duration;
///
/// let options = RunOptions::default()
///     .with_rate_limit(RateLimit::new(50, Duration::from_secs(10)))
///     .with_concurrency(4)
///     .with_dry_run(true);
/// assert_eq!(options.concurrency(), 4);
/// assert!(options.dry_run());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RunOptions {
    retry: RetryPolicy,
    pace: Pace,
    concurrency: usize,
    user_deadline: Option<Duration>,
    bulk: bool,
    dry_run: bool,
    seed: Option<u64>,
    max_consecutive_transport_failures: u32,
    first_request_alone: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            pace: Pace::FromKey,
            // Enough to keep Clerk's production pace (95 a second) at 300 ms a round trip: in
            // flight is latency times rate, and the pace, not this, is the limit.
            concurrency: 32,
            user_deadline: Some(Duration::from_secs(60)),
            bulk: true,
            dry_run: false,
            seed: None,
            max_consecutive_transport_failures: 32,
            first_request_alone: true,
        }
    }
}

impl RunOptions {
    /// The retry policy each request follows.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends at most `limit.requests` in any window of `limit.per`.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.pace = Pace::Limit(limit);
        self
    }

    /// Sets the pace.
    pub fn with_pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    /// At most `n` requests in flight at once (at least 1).
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Bounds each user's attempts and waits together, from its first request; `None` for no
    /// bound. A user still unfinished at its deadline fails with
    /// [`StopReason::DeadlineExceeded`](crate::StopReason::DeadlineExceeded), even with a
    /// request in flight (drivers may cut that request then: [`RunStep::Send`](crate::RunStep)
    /// carries the deadline).
    pub fn with_user_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.user_deadline = deadline;
        self
    }

    /// Whether ban and unban use the bulk endpoints (50 users a request). Default on.
    pub fn with_bulk(mut self, bulk: bool) -> Self {
        self.bulk = bulk;
        self
    }

    /// Reads each user and says what would change, changing nothing.
    pub fn with_dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// The seed of the jitter. Drivers give a random one; tests a fixed one, for runs that
    /// repeat exactly. Without one the run uses 0.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Stops the run after `n` transport failures in a row with no response in between (at
    /// least 1): a server that cannot be reached fails fast instead of user after user.
    pub fn with_max_consecutive_transport_failures(mut self, n: u32) -> Self {
        self.max_consecutive_transport_failures = n.max(1);
        self
    }

    /// Sends the first request alone, and the others only once it was answered (or failed):
    /// a wrong key, a plan without the feature or an instance with it off then costs one
    /// request instead of a whole window of them. Costs one round trip. Default on.
    pub fn with_first_request_alone(mut self, alone: bool) -> Self {
        self.first_request_alone = alone;
        self
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The pace.
    pub fn pace(&self) -> Pace {
        self.pace
    }

    /// The rate limit the run keeps for a key of `instance`, or `None` when unpaced.
    pub fn rate_limit_for(&self, instance: Instance) -> Option<RateLimit> {
        match self.pace {
            Pace::FromKey => Some(RateLimit::default_pace(instance)),
            Pace::Limit(limit) => Some(limit),
            Pace::Unlimited => None,
        }
    }

    /// Requests in flight at most.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// The per-user deadline.
    pub fn user_deadline(&self) -> Option<Duration> {
        self.user_deadline
    }

    /// Whether ban and unban use the bulk endpoints.
    pub fn bulk(&self) -> bool {
        self.bulk
    }

    /// Whether this is a dry run.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// The jitter seed, if one was set.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// Whether the first request goes alone.
    pub fn first_request_alone(&self) -> bool {
        self.first_request_alone
    }

    /// Transport failures in a row that stop the run.
    pub fn max_consecutive_transport_failures(&self) -> u32 {
        self.max_consecutive_transport_failures
    }
}
