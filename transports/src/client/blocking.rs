//! `Client`: drives calls and runs over a blocking [`Transport`], on the calling thread and a
//! few worker threads.

use std::fmt;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use std::sync::Arc;

use clerk_moderation_core::http::{Request, Response};
use clerk_moderation_core::{
    Action, ApiConfig, AttemptId, BanUser, Call, CallStep, CountUsers, Delivery, FailureClass,
    GetUser, Instant, ListUsers, LockUser, Operation, RateLimit, RetryPolicy, Run, RunOptions,
    RunStep, Transport, TransportFailure, UnbanUser, UnlockUser, User, UserId, UserPages,
};

use super::error::ClientError;
use super::observer::{Interrupt, RunObserver, RunReport};
use super::{DEFAULT_CALL_DEADLINE, INTERRUPT_CHECK, engine_now, random_u64, trace, wall_clock};
use crate::budget::{Budget, NoPlace, PlaceStep, PlaceWait, Slot};

/// A blocking client: runs operations over any [`Transport`], retrying as its [`RetryPolicy`]
/// says within a deadline per call (60 s by default), and runs whole moderation jobs
/// ([`Client::run`]) on a few worker threads.
///
/// ```
/// use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
/// use clerk_moderation_transports::Client;
///
/// // Any closure is a transport; this one answers every request with the same user.
/// let transport = |_request: http::Request<Vec<u8>>| {
///     http::Response::builder()
///         .status(200)
///         .body(br#"{"id":"user_1","object":"user","locked":false}"#.to_vec())
/// };
/// let client = Client::new(ApiConfig::new(SecretKey::new("sk_test_x").unwrap()), transport);
/// let user = client.unlock(&UserId::new("user_1").unwrap()).unwrap();
/// assert_eq!(user.id, "user_1");
/// ```
#[derive(Clone)]
pub struct Client<T> {
    config: ApiConfig,
    transport: T,
    retry: RetryPolicy,
    deadline: Option<Duration>,
    budget: Option<Arc<dyn Budget>>,
}

impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("retry", &self.retry)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Client<T> {
    /// A client with the default [`RetryPolicy`] and a 60 s deadline per call.
    pub fn new(config: ApiConfig, transport: T) -> Self {
        Self {
            config,
            transport,
            retry: RetryPolicy::default(),
            deadline: Some(DEFAULT_CALL_DEADLINE),
            budget: None,
        }
    }

    /// Shares the key's rate budget with other runs (other threads, processes or machines)
    /// through `budget`: every request first takes a place in it, under the run's pace (or the
    /// key's default pace for a single call), and hands it back with the answer. See
    /// [`budget`](crate::budget) for the stores, and what happens when one cannot be reached.
    pub fn with_budget(mut self, budget: Arc<dyn Budget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Replaces the retry policy ([`RetryPolicy::never`] turns retries off).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Bounds each call, all attempts and waits included, from its first send; `None` for no
    /// bound. A blocking transport cannot be interrupted, so an attempt in flight ends with the
    /// transport's own timeout (30 s for the built-in ones); no retry starts past the deadline.
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The config.
    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Runs any operation, retrying as the policy says.
    pub fn execute<O: Operation>(&self, operation: &O) -> Result<O::Output, ClientError> {
        let span = trace::call(O::NAME, operation.user_id().map(UserId::as_str));
        let mut call = Call::new(
            &self.config,
            operation,
            &self.retry,
            self.deadline,
            random_u64(),
        );
        loop {
            let now = engine_now();
            match call.poll(now) {
                CallStep::Send {
                    attempt,
                    request,
                    deadline,
                } => {
                    let attempt_span =
                        trace::attempt(&span, attempt, operation.user_id().map(UserId::as_str), 1);
                    let limit = RateLimit::default_pace(self.config.secret_key().instance());
                    let sent = send_with_place(
                        &self.transport,
                        self.budget.as_deref(),
                        request,
                        limit,
                        deadline,
                        &Interrupt::new(),
                    );
                    match sent {
                        Err(no_place) => {
                            call.on_transport_error(attempt, no_place, engine_now());
                        }
                        Ok(Ok(response)) => {
                            trace::answered(&attempt_span, &response);
                            call.on_response(attempt, response, engine_now(), wall_clock());
                        }
                        Ok(Err(error)) => {
                            let failure = TransportFailure::from_transport::<T>(error);
                            trace::failed(&attempt_span, failure.class());
                            call.on_transport_error(attempt, failure, engine_now());
                        }
                    }
                }
                CallStep::Wait { until, reason } => {
                    trace::waiting(&span, reason, until, now);
                    // `None` cannot come here (every attempt is answered before the next
                    // poll); a short sleep keeps even that case from spinning.
                    let until = until.unwrap_or(now + INTERRUPT_CHECK);
                    std::thread::sleep(until.saturating_duration_since(now));
                }
                CallStep::Done(result) => {
                    return result;
                }
                CallStep::Finished => unreachable!("the loop returns at Done"),
            }
        }
    }

    /// `POST /v1/users/{id}/unlock`.
    pub fn unlock(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&UnlockUser::new(user_id.clone()))
    }

    /// `POST /v1/users/{id}/unban`.
    pub fn unban(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&UnbanUser::new(user_id.clone()))
    }

    /// `POST /v1/users/{id}/lock`.
    pub fn lock(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&LockUser::new(user_id.clone()))
    }

    /// `POST /v1/users/{id}/ban`.
    pub fn ban(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&BanUser::new(user_id.clone()))
    }

    /// `GET /v1/users/{id}`.
    pub fn get_user(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&GetUser::new(user_id.clone()))
    }

    /// `GET /v1/users/count`.
    pub fn count_users(&self, count: &CountUsers) -> Result<u64, ClientError> {
        self.execute(count)
    }

    /// Every user `pages` walks to, page after page, handed to `each` in order; returns how many
    /// there were. A page that would loop ends the walk with what came before it.
    pub fn list_users(
        &self,
        mut pages: UserPages,
        mut each: impl FnMut(User),
    ) -> Result<u64, ClientError> {
        let mut listed = 0;
        while let Some(page) = pages.next_page().cloned() {
            let users: Vec<User> = self.execute::<ListUsers>(&page)?;
            let stop = pages.on_page(&users).is_err();
            listed += users.len() as u64;
            users.into_iter().for_each(&mut each);
            if stop {
                break;
            }
        }
        Ok(listed)
    }

    /// Runs `action` over `ids`: paced, retried, in bulk where Clerk allows, with one outcome per
    /// distinct user handed to `observer` as soon as it is known (see
    /// [`Run`](clerk_moderation_core::Run) for the rules). Up to
    /// [`RunOptions::concurrency`] requests are in flight, each on a worker thread.
    pub fn run(
        &self,
        action: Action,
        ids: impl IntoIterator<Item = UserId>,
        options: RunOptions,
        observer: impl RunObserver,
    ) -> RunReport
    where
        T: Sync,
        T::Error: Send,
    {
        self.run_until(action, ids, options, observer, &Interrupt::new())
    }

    /// [`Client::run`], stopping early once `interrupt` is triggered: nothing more is sent, the
    /// requests in flight are awaited, users no request carried end `NotAttempted`.
    pub fn run_until(
        &self,
        action: Action,
        ids: impl IntoIterator<Item = UserId>,
        options: RunOptions,
        mut observer: impl RunObserver,
        interrupt: &Interrupt,
    ) -> RunReport
    where
        T: Sync,
        T::Error: Send,
    {
        let started = engine_now();
        let options = match options.seed() {
            Some(_) => options,
            None => options.with_seed(random_u64()),
        };
        let mut run = Run::new(self.config.clone(), action, ids, options);
        let span = trace::run(action.as_str(), run.user_ids().len());
        let workers = run.options().concurrency().min(run.user_ids().len()).max(1);
        let (job_sender, jobs) = mpsc::channel::<Job>();
        let jobs = Mutex::new(jobs);
        let default_pace = RateLimit::default_pace(self.config.secret_key().instance());
        let (answer_sender, answers) = mpsc::channel::<Answer<T::Error>>();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let answer_sender = answer_sender.clone();
                let jobs = &jobs;
                let transport = &self.transport;
                let budget = self.budget.as_deref();
                scope.spawn(move || {
                    loop {
                        // The lock is held only while taking a job.
                        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        let Ok(job) = job else {
                            break;
                        };
                        let answer = send_with_place(
                            transport,
                            budget,
                            job.request,
                            job.limit,
                            job.deadline,
                            interrupt,
                        );
                        if answer_sender.send((job.attempt, answer)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(answer_sender);
            let mut attempt_spans = std::collections::HashMap::new();
            loop {
                if interrupt.is_triggered() && run.stopped().is_none() {
                    run.interrupt();
                }
                let now = engine_now();
                let step = run.poll(now);
                run.take_outcomes().for_each(|o| observer.on_outcome(o));
                match step {
                    RunStep::Send {
                        attempt,
                        request,
                        deadline,
                    } => {
                        let mut users = run.users_of(attempt);
                        let first = users.next().map(UserId::as_str);
                        let count = first.map_or(0, |_| 1 + users.count());
                        let one = if count == 1 { first } else { None };
                        attempt_spans.insert(attempt, trace::attempt(&span, attempt, one, count));
                        observer.on_send(run.stats());
                        let job = Job {
                            attempt,
                            request,
                            deadline,
                            limit: run.pace().unwrap_or(default_pace),
                        };
                        if job_sender.send(job).is_err() {
                            // Every worker is gone (a panicking transport): nothing can be sent.
                            run.interrupt();
                        }
                    }
                    RunStep::Wait { until, reason } => {
                        observer.on_wait(reason, until, run.stats());
                        trace::waiting(&span, reason, until, now);
                        let wait = until
                            .map_or(INTERRUPT_CHECK, |u| u.saturating_duration_since(now))
                            .min(INTERRUPT_CHECK);
                        match answers.recv_timeout(wait) {
                            Ok(answer) => {
                                deliver::<T>(&mut run, &mut attempt_spans, answer);
                                while let Ok(answer) = answers.try_recv() {
                                    deliver::<T>(&mut run, &mut attempt_spans, answer);
                                }
                            }
                            Err(RecvTimeoutError::Timeout) => {}
                            // No worker left to answer what is in flight: stop waiting for it.
                            Err(RecvTimeoutError::Disconnected) => break,
                        }
                    }
                    RunStep::Finished => break,
                }
            }
            // Lets the workers go; the scope waits for any still inside a send.
            drop(job_sender);
        });
        run.take_outcomes().for_each(|o| observer.on_outcome(o));
        RunReport {
            stats: *run.stats(),
            stopped: run.stopped().cloned(),
            elapsed: started.elapsed(),
        }
    }
}

/// A request for a worker to send.
struct Job {
    attempt: AttemptId,
    request: Request<Vec<u8>>,
    /// When its users' deadline passes: no place in a shared budget is waited for beyond it.
    deadline: Option<Instant>,
    /// The run's pace when it was handed out: the place is asked for under it.
    limit: RateLimit,
}

/// What a worker hands back: the attempt, and its response, the transport's error, or why it
/// could not be sent.
type Answer<E> = (
    AttemptId,
    Result<Result<Response<Vec<u8>>, E>, TransportFailure>,
);

/// Sends `request`, first taking a place in `budget` if there is one (and handing it back with
/// the answer). Without a place by the deadline, or with a store that keeps failing, nothing is
/// sent: the failure says so.
fn send_with_place<T: Transport>(
    transport: &T,
    budget: Option<&dyn Budget>,
    request: Request<Vec<u8>>,
    limit: RateLimit,
    deadline: Option<Instant>,
    interrupt: &Interrupt,
) -> Result<Result<Response<Vec<u8>>, T::Error>, TransportFailure> {
    let Some(budget) = budget else {
        return Ok(transport.send(request));
    };
    let slot = take_place(budget, limit, deadline, interrupt).map_err(not_sent)?;
    let answer = transport.send(request);
    // A release that fails leaves the place to its lease, longer than a window: the budget
    // only errs on the safe side.
    let hold = crate::budget::hold_after(&answer, limit.per);
    let _ = budget.release(slot, hold);
    Ok(answer)
}

/// Waits for a place in `budget` as [`PlaceWait`] decides: until one is granted, the deadline
/// passes, the run is interrupted, or the store has kept failing.
fn take_place(
    budget: &dyn Budget,
    limit: RateLimit,
    deadline: Option<Instant>,
    interrupt: &Interrupt,
) -> Result<Slot, NoPlace> {
    let mut wait = PlaceWait::new(limit, deadline);
    loop {
        let lease = wait.lease(engine_now(), interrupt.is_triggered())?;
        match wait.after(budget.take(limit, lease), engine_now()) {
            PlaceStep::Granted(slot) => return Ok(slot),
            PlaceStep::Sleep(sleep) => std::thread::sleep(sleep.min(INTERRUPT_CHECK)),
            PlaceStep::GiveUp(no_place) => return Err(no_place),
        }
    }
}

/// A request that got no place: certainly not sent, and worth a retry later.
pub(super) fn not_sent(no_place: NoPlace) -> TransportFailure {
    TransportFailure::new(FailureClass::new(Delivery::NotSent, true), no_place)
}

/// Reports a worker's answer to the run.
fn deliver<T: Transport>(
    run: &mut Run,
    attempt_spans: &mut std::collections::HashMap<AttemptId, trace::AttemptSpan>,
    (attempt, answer): Answer<T::Error>,
) {
    let attempt_span = attempt_spans.remove(&attempt);
    match answer {
        Err(no_place) => run.on_transport_error(attempt, no_place, engine_now()),
        Ok(Ok(response)) => {
            if let Some(span) = &attempt_span {
                trace::answered(span, &response);
            }
            run.on_response(attempt, response, engine_now(), wall_clock());
        }
        Ok(Err(error)) => {
            let failure = TransportFailure::from_transport::<T>(error);
            if let Some(span) = &attempt_span {
                trace::failed(span, failure.class());
            }
            run.on_transport_error(attempt, failure, engine_now());
        }
    }
}
