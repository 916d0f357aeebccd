//! `Run`: the moderation run's state machine. No I/O, no clock: the driver passes `now` in,
//! sends what [`Run::poll`] hands out, and reports each answer back.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use crate::Instant;

use http::{Request, Response};

use super::action::Action;
use super::answers::is_fatal;
use super::options::RunOptions;
use super::outcome::{
    FailureCause, FatalError, NotAttemptedReason, Outcome, RunStats, UserOutcome,
};
use super::pace::Pacer;
use super::unit::{Unit, UnitKind};
use crate::config::ApiConfig;
use crate::model::User;
use crate::operation::parse_json_response;
use crate::operations::{MAX_BULK_USER_IDS, MAX_FILTER_VALUES};
use crate::retry::StopReason;
use crate::transport::TransportFailure;
use crate::user_id::UserId;

/// Names one request a run handed out, so that its answer can be matched to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttemptId(u64);

impl AttemptId {
    pub(crate) fn new(n: u64) -> Self {
        Self(n)
    }
}

impl fmt::Display for AttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What the driver does next. Not `#[non_exhaustive]`: a driver must handle every step, so a
/// new one is a breaking change on purpose.
// Returned by value once per step and never stored: boxing the request would cost an
// allocation per request for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum RunStep {
    /// Send this request, then report its answer with [`Run::on_response`] or
    /// [`Run::on_transport_error`], quoting `attempt`. The driver may stop waiting for it at
    /// `deadline` (the run counts the users as failed then), and should then report
    /// [`TransportFailure::deadline_reached`] so that the run frees its place.
    Send {
        /// Quote it when reporting the answer.
        attempt: AttemptId,
        /// The request.
        request: Request<Vec<u8>>,
        /// When its users' deadline passes.
        deadline: Option<Instant>,
    },
    /// Nothing to send now: call [`Run::poll`] again at `until`, or as soon as an answer is
    /// reported. `None`: nothing is due until an answer comes.
    Wait {
        /// When something is next due.
        until: Option<Instant>,
        /// Why the run waits.
        reason: WaitReason,
    },
    /// Every user has an outcome and no request is in flight.
    Finished,
}

/// Why a run waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// For answers: as many requests as allowed are in flight, or the run is stopping.
    InFlight,
    /// Keeping the pace under the rate limit.
    Pace,
    /// Paused after a 429, until its `Retry-After`.
    RateLimited,
    /// Backing off before a retry.
    Backoff,
}

/// A request handed to the driver and not yet answered.
#[derive(Debug)]
pub(super) struct InFlight {
    attempt: AttemptId,
    /// `None` once its users were given up on at their deadline: the answer, when it comes,
    /// only frees the place.
    unit: Option<Unit>,
    deadline: Option<Instant>,
}

/// A moderation run: one action over many users, as a pure state machine.
///
/// It keeps the rules the whole job needs, so that every driver (threads, tokio, any runtime, a
/// simulation) gets them for free:
///
/// - every distinct id ends with exactly one [`UserOutcome`]; duplicates are acted on once;
/// - ban and unban go through the bulk endpoints, 50 users a request; a bulk request answered
///   404 or 422 is split in halves until the users at fault are isolated, and the others
///   complete; a 200 that leaves out a user reports it [`Outcome::NotFound`], never done;
/// - lock, unlock and get send one request per user, several in flight;
/// - a fatal answer (401, 402, 403 feature off, 400 `api_version_invalid`, a transport that cannot
///   send at all) stops the run at once: nothing more is sent, and users no request carried
///   end [`Outcome::NotAttempted`];
/// - a 429 pauses the whole run until its `Retry-After` (plus jitter);
/// - retries only where they can help (429, 409 `resource_locked`, 502/503/504, transient
///   transport failures), within the [`RetryPolicy`](crate::RetryPolicy) and a per-user
///   deadline that bounds all of a user's attempts and waits;
/// - requests are paced under the instance's rate limit ([`Pacer`]);
/// - a dry run reads users (100 a request) and says what would change.
///
/// ```
/// use clerk_moderation_core::{Action, ApiConfig, Outcome, Run, RunOptions, RunStep, SecretKey, UserId};
/// use std::time::Instant;
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let ids = ["user_1", "user_2", "user_1"].map(|id| UserId::new(id).unwrap());
/// let mut run = Run::new(config, Action::Unban, ids, RunOptions::default());
/// let now = Instant::now();
///
/// // One bulk request for the two distinct users.
/// let RunStep::Send { attempt, request, .. } = run.poll(now) else { panic!() };
/// assert_eq!(request.uri().path(), "/v1/users/unban");
/// // Clerk answers with one of them: the other does not exist.
/// let answer = http::Response::builder()
///     .status(200)
///     .body(r#"[{"id":"user_1","object":"user","banned":false}]"#)
///     .unwrap();
/// run.on_response(attempt, answer, now);
/// assert!(matches!(run.poll(now), RunStep::Finished));
///
/// let outcomes: Vec<_> = run.take_outcomes().collect();
/// assert!(matches!(outcomes[0].outcome, Outcome::Done(_)));
/// assert!(matches!(outcomes[1].outcome, Outcome::NotFound(None)));
/// assert_eq!(run.stats().duplicates, 1);
/// ```
pub struct Run {
    pub(super) config: ApiConfig,
    pub(super) action: Action,
    pub(super) options: RunOptions,
    /// The distinct ids, in input order.
    pub(super) ids: Vec<UserId>,
    /// Whether each user has its outcome: the guard behind "exactly one".
    pub(super) has_outcome: Vec<bool>,
    /// The first user no unit has taken yet; every user before it is in a unit or finished.
    pub(super) next_fresh: usize,
    /// Units due now, ahead of fresh users: halves of split requests, released siblings.
    pub(super) ready: VecDeque<Unit>,
    /// Units waiting for a retry, each with its `ready_at`.
    pub(super) waiting: Vec<Unit>,
    pub(super) in_flight: Vec<InFlight>,
    pub(super) outcomes: VecDeque<UserOutcome>,
    pub(super) pacer: Option<Pacer>,
    pub(super) paused_until: Option<Instant>,
    pub(super) stopped: Option<NotAttemptedReason>,
    pub(super) next_attempt: u64,
    pub(super) random_state: u64,
    pub(super) transport_failures_in_a_row: u32,
    /// Whether the first request was answered, failed, or given up on at its deadline.
    pub(super) first_request_settled: bool,
    pub(super) stats: RunStats,
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("action", &self.action)
            .field("stats", &self.stats)
            .field("in_flight", &self.in_flight.len())
            .field("stopped", &self.stopped)
            .finish_non_exhaustive()
    }
}

impl Run {
    /// A run of `action` over `ids` (duplicates are dropped, the first kept).
    pub fn new(
        config: ApiConfig,
        action: Action,
        ids: impl IntoIterator<Item = UserId>,
        options: RunOptions,
    ) -> Self {
        let ids = ids.into_iter();
        let mut seen = HashSet::with_capacity(ids.size_hint().0);
        let mut distinct = Vec::with_capacity(ids.size_hint().0);
        let mut duplicates = 0;
        for id in ids {
            if seen.insert(id.clone()) {
                distinct.push(id);
            } else {
                duplicates += 1;
            }
        }
        let pacer = options
            .rate_limit_for(config.secret_key().instance())
            .map(Pacer::new);
        let stats = RunStats {
            users: distinct.len(),
            duplicates,
            ..RunStats::default()
        };
        Self {
            has_outcome: vec![false; distinct.len()],
            ids: distinct,
            next_fresh: 0,
            ready: VecDeque::new(),
            waiting: Vec::new(),
            in_flight: Vec::new(),
            outcomes: VecDeque::new(),
            pacer,
            paused_until: None,
            stopped: None,
            next_attempt: 0,
            random_state: options.seed().unwrap_or(0),
            transport_failures_in_a_row: 0,
            first_request_settled: false,
            stats,
            config,
            action,
            options,
        }
    }

    /// The action.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The options.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The distinct ids, in input order.
    pub fn user_ids(&self) -> &[UserId] {
        &self.ids
    }

    /// Counts so far.
    pub fn stats(&self) -> &RunStats {
        &self.stats
    }

    /// Why the run stopped early, if it did: users no request carried end `NotAttempted` with
    /// this reason.
    pub fn stopped(&self) -> Option<&NotAttemptedReason> {
        self.stopped.as_ref()
    }

    /// Requests handed out and not yet answered (those given up on at a deadline included).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The users a request in flight carries (none for one already answered): for logs.
    pub fn users_of(&self, attempt: AttemptId) -> impl Iterator<Item = &UserId> + '_ {
        self.in_flight
            .iter()
            .filter(move |f| f.attempt == attempt)
            .filter_map(|f| f.unit.as_ref())
            .flat_map(|unit| unit.users.iter())
            .map(|&index| &self.ids[index as usize])
    }

    /// When the run is paused after a 429, until when.
    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }

    /// Whether every user has an outcome and nothing is left to wait for.
    pub fn is_finished(&self) -> bool {
        self.stats.finished() == self.ids.len() && self.live_in_flight() == 0
    }

    /// Hands out the outcomes known since the last call, in the order they became known. Each
    /// user's comes out once; journal it before acting on the next.
    pub fn take_outcomes(&mut self) -> impl Iterator<Item = UserOutcome> + '_ {
        self.outcomes.drain(..)
    }

    /// Stops the run (Ctrl-C): nothing more is sent; users no request carried end
    /// `NotAttempted(Interrupted)`, users waiting for a retry end `Failed`; requests in flight
    /// are still awaited and their answers reported.
    pub fn interrupt(&mut self) {
        self.stop(NotAttemptedReason::Interrupted);
    }

    /// What to do next, as of `now`.
    pub fn poll(&mut self, now: Instant) -> RunStep {
        self.give_up_past_deadline(now);
        loop {
            if self.is_finished() {
                return RunStep::Finished;
            }
            let wake_for_deadline = self.earliest_deadline();
            // A request given up on at its deadline keeps its place until the driver reports it:
            // a blocking driver's thread is still busy with it.
            if self.stopped.is_some() || self.in_flight.len() >= self.options.concurrency() {
                return wait(wake_for_deadline, WaitReason::InFlight);
            }
            // The first request alone: its answer may be fatal (a wrong key) for all the others.
            // Once it is answered, or given up on at its deadline, the rest may go.
            if self.options.first_request_alone()
                && !self.first_request_settled
                && self.stats.requests > 0
            {
                return wait(wake_for_deadline, WaitReason::InFlight);
            }
            match self.paused_until {
                Some(until) if until > now => {
                    return wait(
                        earliest(Some(until), wake_for_deadline),
                        WaitReason::RateLimited,
                    );
                }
                _ => self.paused_until = None,
            }
            self.move_due_retries_to_ready(now);
            if self.ready.is_empty() && self.next_fresh == self.ids.len() {
                let next_retry = self.waiting.iter().filter_map(|unit| unit.ready_at).min();
                let reason = match next_retry {
                    Some(_) => WaitReason::Backoff,
                    None => WaitReason::InFlight,
                };
                return wait(earliest(next_retry, wake_for_deadline), reason);
            }
            if let Some(pacer) = &mut self.pacer {
                let allowed = pacer.next_allowed(now);
                if allowed > now {
                    return wait(earliest(Some(allowed), wake_for_deadline), WaitReason::Pace);
                }
            }
            let unit = match self.ready.pop_front() {
                Some(unit) => unit,
                None => self.take_fresh_unit(),
            };
            if unit
                .attempts
                .deadline()
                .is_some_and(|deadline| deadline <= now)
            {
                let cause = unit.last_failure.clone().unwrap_or(FailureCause::TimedOut);
                self.fail(unit, cause, StopReason::DeadlineExceeded);
                continue;
            }
            let request = match unit.build_request(self.action, &self.ids, &self.config) {
                Ok(request) => request,
                Err(error) => {
                    self.fail(unit, FailureCause::Build(error), StopReason::NotRetryable);
                    continue;
                }
            };
            return self.hand_out(unit, request, now);
        }
    }

    /// Reports the answer to `attempt`. An attempt the run does not know (already answered, or
    /// from another run) is ignored.
    pub fn on_response<B: AsRef<[u8]>>(
        &mut self,
        attempt: AttemptId,
        response: Response<B>,
        now: Instant,
    ) {
        let Some(flight) = self.take_flight(attempt) else {
            return;
        };
        self.stats.responses += 1;
        self.transport_failures_in_a_row = 0;
        let Some(unit) = flight.unit else {
            // Its users were given up on at their deadline, but a fatal answer (the key revoked
            // meanwhile, say) is still news for every request to come.
            if !response.status().is_success() {
                let mut error = crate::operation::response_error(&response);
                if is_fatal(&error) {
                    error.redact_secret(self.config.secret_key());
                    self.stop(NotAttemptedReason::Fatal(Arc::new(FatalError::Response(
                        error,
                    ))));
                }
            }
            return;
        };
        let parsed = if unit.kind.answers_a_list() {
            // Boxed as parsed: a `User` is large, and each move of one is a copy.
            parse_json_response::<Vec<Box<User>>, B>(response)
        } else {
            parse_json_response::<Box<User>, B>(response).map(|user| vec![user])
        };
        match parsed {
            Ok(users) => self.on_users(unit, users),
            Err(mut error) => {
                // A server that echoes the Authorization header must not put the key in an
                // outcome, a journal or a log.
                error.redact_secret(self.config.secret_key());
                self.on_error_response(unit, error, now);
            }
        }
    }

    /// Reports that `attempt` got no response.
    pub fn on_transport_error(
        &mut self,
        attempt: AttemptId,
        failure: TransportFailure,
        now: Instant,
    ) {
        // A failure at or past the deadline (a driver cutting the request there) is the
        // deadline's, not a reason to retry.
        self.give_up_past_deadline(now);
        let Some(flight) = self.take_flight(attempt) else {
            return;
        };
        self.stats.transport_failures += 1;
        let failure = failure.without_secret(self.config.secret_key().expose_secret().as_bytes());
        let class = failure.class();
        let Some(unit) = flight.unit else {
            if !class.is_transient() && class.was_not_sent() {
                self.stop(NotAttemptedReason::Fatal(Arc::new(FatalError::Transport(
                    failure,
                ))));
            }
            return;
        };
        self.transport_failures_in_a_row += 1;
        let failure = failure.without_secret(self.config.secret_key().expose_secret().as_bytes());
        let class = failure.class();
        let cause = FailureCause::Transport(failure.clone());
        if !class.is_transient() {
            self.fail(unit, cause, StopReason::NotRetryable);
            if class.was_not_sent() {
                // Refused before sending, and it will be refused again: nothing can be sent.
                self.stop(NotAttemptedReason::Fatal(Arc::new(FatalError::Transport(
                    failure,
                ))));
            }
            return;
        }
        let failures = self.transport_failures_in_a_row;
        if failures >= self.options.max_consecutive_transport_failures() {
            self.fail(unit, cause, StopReason::RunStopped);
            let fatal = FatalError::Unreachable {
                failures,
                last: failure,
            };
            self.stop(NotAttemptedReason::Fatal(Arc::new(fatal)));
            return;
        }
        self.retry(unit, cause, None, now);
    }

    // ---- handing out ----------------------------------------------------------------------

    fn hand_out(&mut self, mut unit: Unit, request: Request<Vec<u8>>, now: Instant) -> RunStep {
        let deadline = unit.attempts.on_send(now, self.options.user_deadline());
        if let Some(pacer) = &mut self.pacer {
            pacer.record(now);
        }
        let attempt = AttemptId(self.next_attempt);
        self.next_attempt += 1;
        self.stats.requests += 1;
        unit.ready_at = None;
        self.in_flight.push(InFlight {
            attempt,
            unit: Some(unit),
            deadline,
        });
        RunStep::Send {
            attempt,
            request,
            deadline,
        }
    }

    /// The next users no request carried yet, as one unit.
    fn take_fresh_unit(&mut self) -> Unit {
        let start = self.next_fresh;
        let (kind, most) = match (self.action, self.options.dry_run(), self.options.bulk()) {
            (Action::Get, ..) => (UnitKind::ReadOne, 1),
            // A `+` or `-` in front of an id is read by the list filter as include or exclude.
            (_, true, _) if self.ids[start].as_str().starts_with(['+', '-']) => {
                (UnitKind::ReadOne, 1)
            }
            (_, true, _) => (UnitKind::ReadMany, MAX_FILTER_VALUES),
            (action, false, true) if action.has_bulk_endpoint() => {
                (UnitKind::Bulk, MAX_BULK_USER_IDS)
            }
            _ => (UnitKind::Single, 1),
        };
        let mut end = (start + most).min(self.ids.len());
        if kind == UnitKind::ReadMany {
            end = start
                + self.ids[start..end]
                    .iter()
                    .take_while(|id| !id.as_str().starts_with(['+', '-']))
                    .count();
        }
        self.next_fresh = end;
        // Indexes fit in u32: a run of more than 4 billion users cannot be built in memory.
        Unit::fresh(kind, (start..end).map(|i| i as u32).collect())
    }

    fn move_due_retries_to_ready(&mut self, now: Instant) {
        if self.waiting.is_empty() {
            return;
        }
        // Due retries go out earliest first, ahead of fresh users.
        let mut due: Vec<Unit> = Vec::new();
        let mut i = 0;
        while i < self.waiting.len() {
            if self.waiting[i].ready_at.is_none_or(|at| at <= now) {
                due.push(self.waiting.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|unit| unit.ready_at);
        for unit in due.into_iter().rev() {
            self.ready.push_front(unit);
        }
    }

    // ---- requests in flight, and deadlines -----------------------------------------------------

    fn take_flight(&mut self, attempt: AttemptId) -> Option<InFlight> {
        let position = self.in_flight.iter().position(|f| f.attempt == attempt)?;
        self.first_request_settled = true;
        Some(self.in_flight.swap_remove(position))
    }

    /// Gives up on users whose deadline passed: with a request in flight (it may have been
    /// applied), or waiting for a retry the deadline will not allow.
    pub(super) fn give_up_past_deadline(&mut self, now: Instant) {
        let mut expired = Vec::new();
        for flight in &mut self.in_flight {
            if flight.unit.is_some() && flight.deadline.is_some_and(|d| d <= now) {
                expired.extend(flight.unit.take());
            }
        }
        for unit in expired {
            self.first_request_settled = true;
            self.fail(unit, FailureCause::TimedOut, StopReason::DeadlineExceeded);
        }
        let past = |unit: &Unit| unit.attempts.deadline().is_some_and(|d| d <= now);
        let mut queued_past = Vec::new();
        let mut i = 0;
        while i < self.waiting.len() {
            if past(&self.waiting[i]) {
                queued_past.push(self.waiting.swap_remove(i));
            } else {
                i += 1;
            }
        }
        let ready = std::mem::take(&mut self.ready);
        for unit in ready {
            if past(&unit) {
                queued_past.push(unit);
            } else {
                self.ready.push_back(unit);
            }
        }
        for mut unit in queued_past {
            let cause = unit.last_failure.take().unwrap_or(FailureCause::TimedOut);
            self.fail(unit, cause, StopReason::DeadlineExceeded);
        }
    }

    // ---- bookkeeping --------------------------------------------------------------------------

    pub(super) fn emit(&mut self, index: u32, outcome: Outcome, requests: u32) {
        let index = index as usize;
        // The guard behind "exactly one outcome per user": a second is a bug, never output.
        if std::mem::replace(&mut self.has_outcome[index], true) {
            debug_assert!(false, "a second outcome for user {}", self.ids[index]);
            return;
        }
        self.stats.count(outcome.kind());
        self.outcomes.push_back(UserOutcome {
            user_id: self.ids[index].clone(),
            action: self.action,
            outcome,
            requests,
        });
    }

    pub(super) fn live_in_flight(&self) -> usize {
        self.in_flight.iter().filter(|f| f.unit.is_some()).count()
    }

    /// The earliest deadline of a user without an outcome: in flight, waiting or ready.
    pub(super) fn earliest_deadline(&self) -> Option<Instant> {
        let in_flight = self
            .in_flight
            .iter()
            .filter(|f| f.unit.is_some())
            .filter_map(|f| f.deadline);
        let queued = self
            .ready
            .iter()
            .chain(&self.waiting)
            .filter_map(|unit| unit.attempts.deadline());
        in_flight.chain(queued).min()
    }

    /// The jitter's randomness: the next value of a sequence from the seed.
    pub(super) fn random(&mut self) -> u64 {
        splitmix64(&mut self.random_state)
    }
}

/// The next value of the splitmix64 sequence in `state`: small, fast, and good enough for jitter.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(super) fn wait(until: Option<Instant>, reason: WaitReason) -> RunStep {
    RunStep::Wait { until, reason }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
