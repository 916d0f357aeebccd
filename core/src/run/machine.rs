//! `Run`: the moderation run's state machine and its API. No I/O, no clock: the driver passes
//! the time in, sends what [`Run::poll`] hands out, and reports each answer back.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use http::{Request, Response, StatusCode};

use super::ledger::Ledger;
use super::options::RunOptions;
use super::outcome::{FatalError, NotAttemptedReason, Outcome, RunStats, UserOutcome, is_fatal};
use super::pace::{Pacer, RateLimit};
use super::schedule::Schedule;
use super::unit::{Unit, UnitKind, listable};
use crate::Instant;
use crate::action::Action;
use crate::attempts::AttemptId;
use crate::config::ApiConfig;
use crate::failure::FailureCause;
use crate::model::User;
use crate::operation::parse_json_response;
use crate::operations::{MAX_BULK_USER_IDS, MAX_FILTER_VALUES};
use crate::retry::{StopReason, splitmix64};
use crate::transport::{Delivery, TransportFailure};
use crate::user_id::UserId;

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

/// How the server has behaved so far, for the rules that stop a run early.
#[derive(Debug, Default)]
pub(super) struct Health {
    /// Transport failures with no response in between.
    pub(super) transport_failures_in_a_row: u32,
    /// 404 or 405 answers in no shape of Clerk's, with no Clerk answer in between.
    pub(super) not_clerk_in_a_row: u32,
    /// Whether the first request was answered, failed, or given up on at its deadline.
    pub(super) first_request_settled: bool,
}

/// A moderation run: one action over many users, as a pure state machine.
///
/// It keeps the rules the whole job needs, so that every driver (threads, tokio, any runtime, a
/// simulation) gets them for free:
///
/// - every distinct id ends with exactly one [`UserOutcome`]; duplicates are acted on once;
/// - an outcome says only what Clerk showed: [`Outcome::Done`] only when Clerk's answer shows
///   the user banned or locked as the action leaves them (else the run reads the user again
///   once, and a user still unchanged ends [`Failed`](Outcome::Failed) with
///   [`FailureCause::NotApplied`]); [`Outcome::NotFound`] only when Clerk said so about that
///   id (a 404 for it, or a read by id that does not list it);
/// - ban and unban go through the bulk endpoints, 50 users a request; a bulk request answered
///   with Clerk's 404 is followed by one read that says which of its users exist (a probe), a
///   200 that leaves users out likewise, and 422s are split in halves until the users at fault
///   are isolated; a 200 holding a user nobody asked for is a wrong answer, never success;
/// - lock, unlock and get send one request per user, several in flight;
/// - a fatal answer stops the run at once (401, 402, 403 feature off, 400
///   `api_version_invalid`, a transport that cannot send at all, and answers that are not
///   Clerk's — a 404 or 405 in another shape — to the first request or several in a row):
///   nothing more is sent, and users no request carried end [`Outcome::NotAttempted`];
/// - a 429 pauses the whole run until its `Retry-After` (plus jitter), and lowers the pace;
/// - retries only where they can help (429, 409 `resource_locked`, a 500 from Clerk,
///   502/503/504, transient transport failures), within the
///   [`RetryPolicy`](crate::RetryPolicy) and a per-user deadline that bounds all of a user's
///   attempts and waits;
/// - requests are paced as Clerk counts them ([`Pacer`]);
/// - a dry run reads users (100 a request) and says what would change.
///
/// # Driving a run
///
/// The methods come in three kinds, called in this order by a driver's loop:
///
/// 1. **Polling**: [`Run::poll`] with the current time says what to do — send a request, wait
///    (until a time, or for an answer), or stop because the run is finished.
/// 2. **Reporting**: each request handed out gets exactly one report, [`Run::on_response`] (any
///    status) or [`Run::on_transport_error`] (no response, or the driver gave up at the
///    request's deadline), with the time it came. [`Run::interrupt`] stops the run early.
/// 3. **Reading**: [`Run::take_outcomes`] hands out each user's outcome once, as soon as it is
///    known (journal it before acting on the next); [`Run::stats`], [`Run::pace`] and
///    [`Run::stopped`] say how it goes.
///
/// Then poll again, until [`RunStep::Finished`].
///
/// ```
/// use clerk_moderation_core::{Action, ApiConfig, Instant, Outcome, Run, RunOptions, RunStep, SecretKey, UserId};
/// use std::time::SystemTime;
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let ids = ["user_1", "user_2", "user_1"].map(|id| UserId::new(id).unwrap());
/// let mut run = Run::new(config, Action::Unban, ids, RunOptions::default());
/// let now = Instant::now();
///
/// // One bulk request for the two distinct users.
/// let RunStep::Send { attempt, request, .. } = run.poll(now) else { panic!() };
/// assert_eq!(request.uri().path(), "/v1/users/unban");
/// // Clerk answers with one of them, unbanned, and leaves the other out.
/// let answer = http::Response::builder()
///     .status(200)
///     .body(r#"[{"id":"user_1","object":"user","banned":false}]"#)
///     .unwrap();
/// run.on_response(attempt, answer, now, SystemTime::now());
///
/// // The one left out is read by id before anything is said about it.
/// let RunStep::Send { attempt, request, .. } = run.poll(now) else { panic!() };
/// assert_eq!(request.uri().path(), "/v1/users/user_2");
/// let missing = http::Response::builder()
///     .status(404)
///     .body(r#"{"errors":[{"message":"not found","code":"resource_not_found"}]}"#)
///     .unwrap();
/// run.on_response(attempt, missing, now, SystemTime::now());
/// assert!(matches!(run.poll(now), RunStep::Finished));
///
/// let outcomes: Vec<_> = run.take_outcomes().collect();
/// assert!(matches!(outcomes[0].outcome, Outcome::Done(_)));
/// assert!(matches!(outcomes[1].outcome, Outcome::NotFound(Some(_))));
/// assert_eq!(run.stats().duplicates, 1);
/// ```
pub struct Run {
    pub(super) config: ApiConfig,
    pub(super) action: Action,
    pub(super) options: RunOptions,
    pub(super) ledger: Ledger,
    pub(super) schedule: Schedule,
    pub(super) pacer: Option<Pacer>,
    pub(super) paused_until: Option<Instant>,
    pub(super) stopped: Option<NotAttemptedReason>,
    pub(super) health: Health,
    next_attempt: u64,
    random_state: u64,
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("action", &self.action)
            .field("stats", self.ledger.stats())
            .field("in_flight", &self.schedule.in_flight())
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
        let mut ledger = Ledger::new(action, ids);
        let pacer = options
            .rate_limit_for(config.secret_key().instance())
            .map(Pacer::new);
        ledger.stats_mut().pace = pacer.as_ref().map(Pacer::current);
        Self {
            schedule: Schedule::new(ledger.ids().len()),
            ledger,
            pacer,
            paused_until: None,
            stopped: None,
            health: Health::default(),
            next_attempt: 0,
            random_state: options.seed().unwrap_or(0),
            config,
            action,
            options,
        }
    }

    // ---- reading -----------------------------------------------------------------------------

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
        self.ledger.ids()
    }

    /// Counts so far.
    pub fn stats(&self) -> &RunStats {
        self.ledger.stats()
    }

    /// The pace the run keeps now: the configured one, or less after 429s (see [`Pacer`]);
    /// `None` when unpaced. A driver that shares the key's budget with other processes asks
    /// its store for places under this limit.
    pub fn pace(&self) -> Option<RateLimit> {
        self.pacer.as_ref().map(Pacer::current)
    }

    /// Why the run stopped early, if it did: users no request carried end `NotAttempted` with
    /// this reason.
    pub fn stopped(&self) -> Option<&NotAttemptedReason> {
        self.stopped.as_ref()
    }

    /// Requests handed out and not yet answered (those given up on at a deadline included).
    pub fn in_flight(&self) -> usize {
        self.schedule.in_flight()
    }

    /// The users a request in flight carries (none for one already answered): for logs.
    pub fn users_of(&self, attempt: AttemptId) -> impl Iterator<Item = &UserId> + '_ {
        self.schedule
            .unit_of(attempt)
            .into_iter()
            .flat_map(|unit| unit.users.iter())
            .map(|&index| self.ledger.id(index))
    }

    /// When the run is paused after a 429, until when.
    pub fn paused_until(&self) -> Option<Instant> {
        self.paused_until
    }

    /// Whether every user has an outcome and nothing is left to wait for.
    pub fn is_finished(&self) -> bool {
        self.ledger.all_recorded() && self.schedule.live_in_flight() == 0
    }

    /// Hands out the outcomes known since the last call, in the order they became known. Each
    /// user's comes out once; journal it before acting on the next.
    pub fn take_outcomes(&mut self) -> impl Iterator<Item = UserOutcome> + '_ {
        self.ledger.take_outcomes()
    }

    // ---- polling -----------------------------------------------------------------------------

    /// Stops the run (Ctrl-C): nothing more is sent; users no request carried end
    /// `NotAttempted(Interrupted)`, users waiting for a retry or a re-read end `Failed`;
    /// requests in flight are still awaited and their answers reported.
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
            let wake_for_deadline = self.schedule.earliest_deadline();
            // A request given up on at its deadline keeps its place until the driver reports it:
            // a blocking driver's thread is still busy with it.
            if self.stopped.is_some() || self.schedule.in_flight() >= self.options.concurrency() {
                return wait(wake_for_deadline, WaitReason::InFlight);
            }
            // The first request alone: its answer may be fatal (a wrong key) for all the others.
            // Once it is answered, or given up on at its deadline, the rest may go.
            if self.options.first_request_alone()
                && !self.health.first_request_settled
                && self.ledger.stats().requests > 0
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
            if self.schedule.nothing_due(now) {
                let next_retry = self.schedule.next_retry_at();
                let reason = match next_retry {
                    Some(_) => WaitReason::Backoff,
                    None => WaitReason::InFlight,
                };
                return wait(earliest(next_retry, wake_for_deadline), reason);
            }
            if let Some(pacer) = &mut self.pacer {
                let allowed = pacer.next_allowed(now);
                self.ledger.stats_mut().pace = Some(pacer.current());
                match allowed {
                    Some(at) if at <= now => {}
                    // Only an answer frees a place (`None`), or one frees at `at`.
                    at => return wait(earliest(at, wake_for_deadline), WaitReason::Pace),
                }
            }
            let unit = match self.schedule.pop_due(now) {
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
            let request = match unit.build_request(self.action, self.ledger.ids(), &self.config) {
                Ok(request) => request,
                Err(error) => {
                    self.fail(unit, FailureCause::Build(error), StopReason::NotRetryable);
                    continue;
                }
            };
            return self.hand_out(unit, request, now);
        }
    }

    // ---- reporting ---------------------------------------------------------------------------

    /// Reports the answer to `attempt`, whatever its status. An attempt the run does not know
    /// (already answered, or from another run) is ignored.
    ///
    /// `now` is the engine's clock when the answer came; `received_at` is the wall clock then,
    /// which reads a `Retry-After` date when the response carries no `Date` of its own (see
    /// [`ResponseError::retry_delay`](crate::ResponseError::retry_delay)).
    pub fn on_response<B: AsRef<[u8]>>(
        &mut self,
        attempt: AttemptId,
        response: Response<B>,
        now: Instant,
        received_at: SystemTime,
    ) {
        let Some(flight) = self.schedule.land(attempt) else {
            return;
        };
        self.health.first_request_settled = true;
        if let Some(pacer) = &mut self.pacer {
            pacer.on_answered(flight.sent_at, now);
        }
        self.ledger.stats_mut().responses += 1;
        self.health.transport_failures_in_a_row = 0;
        if response.status() == StatusCode::TOO_MANY_REQUESTS
            && let Some(pacer) = &mut self.pacer
        {
            pacer.on_rate_limited(flight.sent_at, now);
            self.ledger.stats_mut().pace = Some(pacer.current());
        }
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
        let parsed = if unit.kind.answers_a_list(unit.users.len()) {
            // Boxed as parsed: a `User` is large, and each move of one is a copy.
            parse_json_response::<Vec<Box<User>>, B>(response)
        } else {
            parse_json_response::<Box<User>, B>(response).map(|user| vec![user])
        };
        match parsed {
            Ok(users) => {
                self.health.not_clerk_in_a_row = 0;
                self.on_users(unit, users);
            }
            Err(mut error) => {
                // A server that echoes the Authorization header must not put the key in an
                // outcome, a journal or a log.
                error.redact_secret(self.config.secret_key());
                self.on_error_response(unit, error, now, received_at);
            }
        }
    }

    /// Reports that `attempt` got no response: the transport failed, or the driver gave up
    /// at the request's deadline ([`TransportFailure::deadline_reached`]).
    pub fn on_transport_error(
        &mut self,
        attempt: AttemptId,
        failure: TransportFailure,
        now: Instant,
    ) {
        // A failure at or past the deadline (a driver cutting the request there) is the
        // deadline's, not a reason to retry.
        self.give_up_past_deadline(now);
        let Some(flight) = self.schedule.land(attempt) else {
            return;
        };
        self.health.first_request_settled = true;
        let failure = failure.without_secret(self.config.secret_key().expose_secret().as_bytes());
        let class = failure.class();
        if let Some(pacer) = &mut self.pacer {
            match class.delivery() {
                Delivery::NotSent => pacer.on_not_sent(),
                Delivery::Sent => pacer.on_answered(flight.sent_at, now),
                _ => pacer.on_lost(now),
            }
        }
        self.ledger.stats_mut().transport_failures += 1;
        let Some(unit) = flight.unit else {
            if !class.is_transient() && class.was_not_sent() {
                self.stop(NotAttemptedReason::Fatal(Arc::new(FatalError::Transport(
                    failure,
                ))));
            }
            return;
        };
        self.health.transport_failures_in_a_row += 1;
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
        let failures = self.health.transport_failures_in_a_row;
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

    // ---- handing out -------------------------------------------------------------------------

    fn hand_out(&mut self, mut unit: Unit, request: Request<Vec<u8>>, now: Instant) -> RunStep {
        let deadline = unit.attempts.on_send(now, self.options.user_deadline());
        if let Some(pacer) = &mut self.pacer {
            pacer.on_send(now);
        }
        let attempt = AttemptId::new(self.next_attempt);
        self.next_attempt += 1;
        let stats = self.ledger.stats_mut();
        stats.requests += 1;
        if matches!(unit.kind, UnitKind::Reread(_)) {
            stats.rereads += 1;
        }
        unit.ready_at = None;
        self.schedule.fly(attempt, unit, deadline, now);
        RunStep::Send {
            attempt,
            request,
            deadline,
        }
    }

    /// The next users no request carried yet, as one unit.
    fn take_fresh_unit(&mut self) -> Unit {
        let start = self
            .schedule
            .next_fresh()
            .expect("poll takes a fresh unit only when one is left");
        let ids = self.ledger.ids();
        let (kind, most) = match (self.action, self.options.dry_run(), self.options.bulk()) {
            (Action::Get, ..) => (UnitKind::ReadOne, 1),
            (_, true, _) if !listable(&ids[start]) => (UnitKind::ReadOne, 1),
            (_, true, _) => (UnitKind::ReadMany, MAX_FILTER_VALUES),
            (action, false, true) if action.has_bulk_endpoint() => {
                (UnitKind::Bulk, MAX_BULK_USER_IDS)
            }
            _ => (UnitKind::Single, 1),
        };
        let mut end = (start + most).min(ids.len());
        if kind == UnitKind::ReadMany {
            end = start + ids[start..end].iter().take_while(|id| listable(id)).count();
        }
        let taken = self.schedule.take_fresh(end);
        // Indexes fit in u32: a run of more than 4 billion users cannot be built in memory.
        Unit::fresh(kind, taken.map(|i| i as u32).collect())
    }

    // ---- bookkeeping -------------------------------------------------------------------------

    /// Gives up on users whose deadline passed: with a request in flight (it may have been
    /// applied), or waiting for a retry the deadline will not allow.
    fn give_up_past_deadline(&mut self, now: Instant) {
        let expired = self.schedule.take_past_deadline(now);
        for unit in expired.in_flight {
            self.health.first_request_settled = true;
            self.fail(unit, FailureCause::TimedOut, StopReason::DeadlineExceeded);
        }
        for mut unit in expired.queued {
            let cause = unit.last_failure.take().unwrap_or(FailureCause::TimedOut);
            self.fail(unit, cause, StopReason::DeadlineExceeded);
        }
    }

    /// Gives user `index` its outcome.
    pub(super) fn record(&mut self, index: u32, outcome: Outcome, requests: u32) {
        self.ledger.record(index, outcome, requests);
    }

    /// The jitter's randomness: the next value of a sequence from the seed.
    pub(super) fn random(&mut self) -> u64 {
        splitmix64(&mut self.random_state)
    }

    /// Stops the run: from now on nothing is sent. Users no request carried end
    /// `NotAttempted`; queued units end as [`Run::end_queued`] says.
    pub(super) fn stop(&mut self, reason: NotAttemptedReason) {
        if self.stopped.is_some() {
            return;
        }
        self.stopped = Some(reason.clone());
        self.paused_until = None;
        for index in self.schedule.take_all_fresh() {
            self.record(index as u32, Outcome::NotAttempted(reason.clone()), 0);
        }
        for unit in self.schedule.drain_queued() {
            self.end_queued(unit);
        }
    }
}

fn wait(until: Option<Instant>, reason: WaitReason) -> RunStep {
    RunStep::Wait { until, reason }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
