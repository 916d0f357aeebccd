//! `Call`: one operation driven to its end with the retry policy and a deadline, as a pure state
//! machine. The clients' single-user methods are small drivers of it.

use std::fmt;
use std::time::Duration;

use crate::Instant;

use http::Request;

use crate::attempts::Attempts;
use crate::config::ApiConfig;
use crate::error::{BuildError, ResponseError, RetryAfter};
use crate::operation::Operation;
use crate::retry::{RetryPolicy, StopReason};
use crate::run::AttemptId;
use crate::transport::FailureClass;

/// What the driver of a [`Call`] does next. Not `#[non_exhaustive]`: a driver must handle every
/// step, so a new one is a breaking change on purpose.
// Returned by value once per step and never stored: boxing the request would cost an
// allocation per request for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum CallStep<T, E> {
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
    /// Wait until then (a backoff), or until the answer in flight comes.
    Wait {
        /// When to poll again; `None` while a request is in flight with no deadline.
        until: Option<Instant>,
    },
    /// The result: handed out once.
    Done(Result<T, CallError<E>>),
    /// The result was already handed out.
    Finished,
}

/// Why a call failed: the last outcome, why no further attempt was made, how many were made.
#[derive(Debug)]
#[non_exhaustive]
pub struct CallError<E> {
    /// The last outcome.
    pub kind: CallErrorKind<E>,
    /// Why the call stopped trying.
    pub stop: StopReason,
    /// Attempts made (0 when the request could not be built).
    pub attempts: u32,
}

/// The last outcome of a failed call.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallErrorKind<E> {
    /// The request could not be built; nothing was sent.
    Build(BuildError),
    /// An error response.
    Response(ResponseError),
    /// No response: the transport's error, and what it means.
    Transport(E, FailureClass),
    /// The deadline passed with the request in flight: it may have been applied.
    TimedOut,
}

impl<E: fmt::Display> fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CallErrorKind::Build(_) => f.write_str("the request could not be built"),
            CallErrorKind::Response(_) => {
                write!(
                    f,
                    "error response after {} attempt(s); {}",
                    self.attempts, self.stop
                )
            }
            CallErrorKind::Transport(..) => {
                write!(
                    f,
                    "no response after {} attempt(s); {}",
                    self.attempts, self.stop
                )
            }
            CallErrorKind::TimedOut => write!(
                f,
                "the deadline passed with attempt {} in flight (it may have been applied)",
                self.attempts
            ),
        }
    }
}

enum State<T, E> {
    /// Ready to send at this time (now, or after a backoff).
    Ready(Option<Instant>),
    InFlight(AttemptId),
    Done(Result<T, CallError<E>>),
    Finished,
}

/// One operation driven to its end: sends, reads, retries what the [`RetryPolicy`] allows,
/// gives up at the deadline. No I/O, no clock.
///
/// Its last error response keeps no secret: anything in it equal to the key is masked.
///
/// ```
/// use clerk_moderation_core::{ApiConfig, Call, CallStep, RetryPolicy, SecretKey, UnlockUser, UserId};
/// use std::time::{Duration, Instant};
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let unlock = UnlockUser::new(UserId::new("user_1").unwrap());
/// let policy = RetryPolicy::default();
/// let mut call = Call::<_, std::io::Error>::new(&config, &unlock, &policy, Some(Duration::from_secs(60)), 1);
/// let now = Instant::now();
///
/// let CallStep::Send { attempt, .. } = call.poll(now) else { panic!() };
/// // A 503: retry after a backoff.
/// call.on_response(attempt, http::Response::builder().status(503).body("").unwrap(), now);
/// let CallStep::Wait { until: Some(until) } = call.poll(now) else { panic!() };
/// let CallStep::Send { attempt, .. } = call.poll(until) else { panic!() };
/// let ok = http::Response::builder().status(200).body(r#"{"id":"user_1","locked":false}"#).unwrap();
/// call.on_response(attempt, ok, until);
/// let CallStep::Done(Ok(user)) = call.poll(until) else { panic!() };
/// assert!(!user.locked);
/// ```
pub struct Call<'a, O: Operation, E> {
    config: &'a ApiConfig,
    operation: &'a O,
    policy: &'a RetryPolicy,
    deadline_after: Option<Duration>,
    attempts: Attempts,
    state: State<O::Output, E>,
    next_attempt: u64,
    random_state: u64,
}

impl<'a, O: Operation, E> Call<'a, O, E> {
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
        }
    }

    /// What to do next, as of `now`.
    pub fn poll(&mut self, now: Instant) -> CallStep<O::Output, E> {
        let deadline = self.attempts.deadline();
        let past_deadline = deadline.is_some_and(|d| d <= now);
        match &self.state {
            State::InFlight(_) if past_deadline => {
                self.finish(CallErrorKind::TimedOut, StopReason::DeadlineExceeded);
            }
            State::InFlight(_) => return CallStep::Wait { until: deadline },
            State::Ready(Some(at)) if *at > now => return CallStep::Wait { until: Some(*at) },
            State::Ready(_) => return self.send(now),
            State::Done(_) | State::Finished => {}
        }
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Done(result) => CallStep::Done(result),
            _ => CallStep::Finished,
        }
    }

    /// Reports the answer to `attempt` (an attempt that is not the one in flight is ignored).
    pub fn on_response<B: AsRef<[u8]>>(
        &mut self,
        attempt: AttemptId,
        response: http::Response<B>,
        now: Instant,
    ) {
        if !self.is_in_flight(attempt) {
            return;
        }
        match self.operation.parse_response(response) {
            Ok(output) => self.state = State::Done(Ok(output)),
            Err(error) => {
                if !error.is_retryable() {
                    self.finish(CallErrorKind::Response(error), StopReason::NotRetryable);
                    return;
                }
                let delay = server_delay(&error);
                self.retry_or_finish(CallErrorKind::Response(error), delay, now);
            }
        }
    }

    /// Reports that `attempt` got no response: the transport's `error`, and its `class`.
    pub fn on_transport_error(
        &mut self,
        attempt: AttemptId,
        error: E,
        class: FailureClass,
        now: Instant,
    ) {
        if !self.is_in_flight(attempt) {
            return;
        }
        if class.is_transient() {
            self.retry_or_finish(CallErrorKind::Transport(error, class), None, now);
        } else {
            self.finish(
                CallErrorKind::Transport(error, class),
                StopReason::NotRetryable,
            );
        }
    }

    fn is_in_flight(&self, attempt: AttemptId) -> bool {
        matches!(self.state, State::InFlight(current) if current == attempt)
    }

    fn send(&mut self, now: Instant) -> CallStep<O::Output, E> {
        let request = match self.operation.build_request(self.config) {
            Ok(request) => request,
            Err(error) => {
                self.finish(CallErrorKind::Build(error), StopReason::NotRetryable);
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

    fn retry_or_finish(&mut self, kind: CallErrorKind<E>, delay: Option<Duration>, now: Instant) {
        let random = self.random();
        match self
            .attempts
            .next_try(self.policy, delay, None, now, random)
        {
            Ok(at) => self.state = State::Ready(Some(at)),
            Err(stop) => self.finish(kind, stop),
        }
    }

    fn finish(&mut self, mut kind: CallErrorKind<E>, stop: StopReason) {
        if let CallErrorKind::Response(error) = &mut kind {
            error.redact_secret(self.config.secret_key());
        }
        self.state = State::Done(Err(CallError {
            kind,
            stop,
            attempts: self.attempts.sent(),
        }));
    }

    fn random(&mut self) -> u64 {
        crate::run::splitmix64(&mut self.random_state)
    }
}

/// The wait a `Retry-After` asks for, a date read against the response's own `Date`.
pub(crate) fn server_delay(error: &ResponseError) -> Option<Duration> {
    match error.retry_after()? {
        RetryAfter::Delay(delay) => Some(delay),
        RetryAfter::At(at) => {
            let headers = match error {
                ResponseError::Api(e) => &e.headers,
                ResponseError::Unstructured(e) => &e.headers,
                _ => return None,
            };
            let date = headers.get(http::header::DATE)?.to_str().ok()?;
            let sent = httpdate::parse_http_date(date).ok()?;
            Some(at.duration_since(sent).unwrap_or(Duration::ZERO))
        }
    }
}
