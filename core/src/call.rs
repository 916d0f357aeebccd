//! `Call`: one operation driven to its end with the retry policy and a deadline, as a pure state
//! machine. The clients' single-user methods are small drivers of it.

use std::time::{Duration, SystemTime};

use http::Request;

use crate::Instant;
use crate::attempts::{AttemptId, Attempts};
use crate::config::ApiConfig;
use crate::failure::{CallError, FailureCause};
use crate::operation::Operation;
use crate::retry::{RetryPolicy, StopReason, splitmix64};
use crate::run::WaitReason;
use crate::transport::TransportFailure;

/// What the driver of a [`Call`] does next. Not `#[non_exhaustive]`: a driver must handle every
/// step, so a new one is a breaking change on purpose.
// Returned by value once per step and never stored: boxing the request would cost an
// allocation per request for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum CallStep<T> {
    /// Send this request and report its answer with [`Call::on_response`] or
    /// [`Call::on_transport_error`]. The driver may give up on it at `deadline`; it then reports
    /// nothing and polls at the deadline.
    Send {
        /// Quote it when reporting.
        attempt: AttemptId,
        /// The request.
        request: Request<Vec<u8>>,
        /// When the call's deadline passes.
        deadline: Option<Instant>,
    },
    /// Wait until then (a backoff, or a 429's `Retry-After`), or until the answer in flight
    /// comes.
    Wait {
        /// When to poll again; `None` while a request is in flight with no deadline.
        until: Option<Instant>,
        /// Why: [`WaitReason::RateLimited`] after a 429, [`WaitReason::Backoff`] after another
        /// failure, [`WaitReason::InFlight`] for the answer.
        reason: WaitReason,
    },
    /// The result: handed out once.
    Done(Result<T, CallError>),
    /// The result was already handed out.
    Finished,
}

enum State<T> {
    /// Ready to send at this time (now, or after a backoff).
    Ready(Option<Instant>),
    InFlight(AttemptId),
    Done(Result<T, CallError>),
    Finished,
}

/// One operation driven to its end: sends, reads, retries what the [`RetryPolicy`] allows,
/// gives up at the deadline. No I/O, no clock.
///
/// Its last error response keeps no secret: anything in it equal to the key is masked.
///
/// ```
/// use clerk_moderation_core::{ApiConfig, Call, CallStep, Instant, RetryPolicy, SecretKey, UnlockUser, UserId};
/// use std::time::{Duration, SystemTime};
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let unlock = UnlockUser::new(UserId::new("user_1").unwrap());
/// let policy = RetryPolicy::default();
/// let mut call = Call::new(&config, &unlock, &policy, Some(Duration::from_secs(60)), 1);
/// let now = Instant::now();
///
/// let CallStep::Send { attempt, .. } = call.poll(now) else { panic!() };
/// // A 503: retry after a backoff.
/// let unavailable = http::Response::builder().status(503).body("").unwrap();
/// call.on_response(attempt, unavailable, now, SystemTime::now());
/// let CallStep::Wait { until: Some(until), .. } = call.poll(now) else { panic!() };
/// let CallStep::Send { attempt, .. } = call.poll(until) else { panic!() };
/// let ok = http::Response::builder().status(200).body(r#"{"id":"user_1","locked":false}"#).unwrap();
/// call.on_response(attempt, ok, until, SystemTime::now());
/// let CallStep::Done(Ok(user)) = call.poll(until) else { panic!() };
/// assert!(!user.locked);
/// ```
pub struct Call<'a, O: Operation> {
    config: &'a ApiConfig,
    operation: &'a O,
    policy: &'a RetryPolicy,
    deadline_after: Option<Duration>,
    attempts: Attempts,
    state: State<O::Output>,
    next_attempt: u64,
    random_state: u64,
    /// Why the retry waits: a 429's pause, or a backoff.
    waiting: WaitReason,
}

impl<'a, O: Operation> Call<'a, O> {
    /// A call of `operation` with `policy`, ending within `deadline` of its first send (all
    /// attempts and waits included); `seed` picks the jitter.
    pub fn new(
        config: &'a ApiConfig,
        operation: &'a O,
        policy: &'a RetryPolicy,
        deadline: Option<Duration>,
        seed: u64,
    ) -> Self {
        Self {
            config,
            operation,
            policy,
            deadline_after: deadline,
            attempts: Attempts::default(),
            state: State::Ready(None),
            next_attempt: 0,
            random_state: seed,
            waiting: WaitReason::Backoff,
        }
    }

    /// What to do next, as of `now`.
    pub fn poll(&mut self, now: Instant) -> CallStep<O::Output> {
        let deadline = self.attempts.deadline();
        let past_deadline = deadline.is_some_and(|d| d <= now);
        match &self.state {
            State::InFlight(_) if past_deadline => {
                self.finish(FailureCause::TimedOut, StopReason::DeadlineExceeded);
            }
            State::InFlight(_) => {
                return CallStep::Wait {
                    until: deadline,
                    reason: WaitReason::InFlight,
                };
            }
            State::Ready(Some(at)) if *at > now => {
                return CallStep::Wait {
                    until: Some(*at),
                    reason: self.waiting,
                };
            }
            State::Ready(_) => return self.send(now),
            State::Done(_) | State::Finished => {}
        }
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Done(result) => CallStep::Done(result),
            _ => CallStep::Finished,
        }
    }

    /// Reports the answer to `attempt` (an attempt that is not the one in flight is ignored).
    ///
    /// `now` is the engine's clock; `received_at` is the wall clock when the answer came, which
    /// reads a `Retry-After` date when the response carries no `Date` of its own.
    pub fn on_response<B: AsRef<[u8]>>(
        &mut self,
        attempt: AttemptId,
        response: http::Response<B>,
        now: Instant,
        received_at: SystemTime,
    ) {
        if !self.is_in_flight(attempt) {
            return;
        }
        match self.operation.parse_response(response) {
            Ok(output) => self.state = State::Done(Ok(output)),
            Err(mut error) => {
                // A server that echoes the Authorization header must not put the key in an
                // error that is printed and logged.
                error.redact_secret(self.config.secret_key());
                if !error.is_retryable() {
                    self.finish(FailureCause::Response(error), StopReason::NotRetryable);
                    return;
                }
                let delay = error.retry_delay(received_at);
                self.retry_or_finish(FailureCause::Response(error), delay, now);
            }
        }
    }

    /// Reports that `attempt` got no response; the failure's class says whether a retry can
    /// help.
    pub fn on_transport_error(
        &mut self,
        attempt: AttemptId,
        failure: TransportFailure,
        now: Instant,
    ) {
        if !self.is_in_flight(attempt) {
            return;
        }
        let failure = failure.without_secret(self.config.secret_key().expose_secret().as_bytes());
        let transient = failure.class().is_transient();
        let cause = FailureCause::Transport(failure);
        if transient {
            self.retry_or_finish(cause, None, now);
        } else {
            self.finish(cause, StopReason::NotRetryable);
        }
    }

    fn is_in_flight(&self, attempt: AttemptId) -> bool {
        matches!(self.state, State::InFlight(current) if current == attempt)
    }

    fn send(&mut self, now: Instant) -> CallStep<O::Output> {
        let request = match self.operation.build_request(self.config) {
            Ok(request) => request,
            Err(error) => {
                self.finish(FailureCause::Build(error), StopReason::NotRetryable);
                return self.poll(now);
            }
        };
        let deadline = self.attempts.on_send(now, self.deadline_after);
        let attempt = AttemptId::new(self.next_attempt);
        self.next_attempt += 1;
        self.state = State::InFlight(attempt);
        CallStep::Send {
            attempt,
            request,
            deadline,
        }
    }

    fn retry_or_finish(&mut self, cause: FailureCause, delay: Option<Duration>, now: Instant) {
        let rate_limited = cause
            .response_error()
            .is_some_and(|error| error.is_rate_limited());
        self.waiting = if rate_limited {
            WaitReason::RateLimited
        } else {
            WaitReason::Backoff
        };
        let random = splitmix64(&mut self.random_state);
        match self
            .attempts
            .next_try(self.policy, delay, None, now, random)
        {
            Ok(at) => self.state = State::Ready(Some(at)),
            Err(stop) => self.finish(cause, stop),
        }
    }

    fn finish(&mut self, cause: FailureCause, stop: StopReason) {
        let error = CallError::new(O::NAME, cause, stop, self.attempts.sent());
        self.state = State::Done(Err(error));
    }
}
