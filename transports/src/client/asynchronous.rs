//! `AsyncClient`: drives calls and runs over an async transport, on any async runtime: it
//! waits through a timer, and keeps its requests in flight in one task. Written once for both
//! flavours: over an [`AsyncTransport`](clerk_moderation_core::AsyncTransport) and a [`Timer`]
//! its futures are `Send` (tokio's `spawn`); over a [`LocalAsyncTransport`] or a
//! [`LocalTimer`] they need not be (a single-threaded executor, wasm32's `fetch`).

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use clerk_moderation_core::http::Response;
use clerk_moderation_core::{
    Action, ApiConfig, BanUser, Call, CallStep, CountUsers, GetUser, Instant, ListUsers,
    LocalAsyncTransport, LockUser, Operation, RateLimit, RetryPolicy, Run, RunOptions, RunStep,
    TransportFailure, UnbanUser, UnlockUser, User, UserId, UserPages,
};

use super::blocking::not_sent;
use super::error::ClientError;
use super::observer::{Interrupt, RunObserver, RunReport};
use super::timer::{LocalTimer, Timer, TimerHandle};
use super::{
    DEFAULT_CALL_DEADLINE, INTERRUPT_CHECK, before, engine_now, random_u64, trace, wall_clock,
};
use crate::budget::{AsyncBudget, NoPlace, PlaceStep, PlaceWait, Slot};

/// An async client: runs operations over any
/// [`AsyncTransport`](clerk_moderation_core::AsyncTransport) (or [`LocalAsyncTransport`]),
/// retrying as its
/// [`RetryPolicy`] says within a deadline per call (60 s by default, the attempt in flight cut
/// there), and runs whole moderation jobs ([`AsyncClient::run`]) with several requests in
/// flight in one task.
///
/// It needs no particular runtime: it waits through a [`Timer`]. `AsyncClient::new` (feature
/// `tokio`) uses tokio's; [`AsyncClient::with_timer`] takes any other, such as smol's. Its
/// futures are `Send` when the transport's are (and the observer of a run is).
///
/// On a single-threaded executor, over a transport or a timer whose futures are not `Send` (a
/// JavaScript `fetch` and `setTimeout` on wasm32), it is a [`LocalAsyncClient`], made with
/// [`AsyncClient::with_local_timer`]: the same client, holding its timer as
/// `Rc<dyn LocalTimer>` (see [`TimerHandle`]).
///
/// ```
/// use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
/// use clerk_moderation_transports::AsyncClient;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let transport = |_request: http::Request<Vec<u8>>| async {
///     http::Response::builder()
///         .status(200)
///         .body(br#"{"id":"user_1","object":"user","banned":false}"#.to_vec())
/// };
/// // `AsyncClient::new(config, transport)` with the `tokio` feature; any timer otherwise.
/// let timer = |at| tokio::time::sleep_until(tokio::time::Instant::from_std(at));
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let client = AsyncClient::with_timer(config, transport, timer);
/// let user = client.unban(&UserId::new("user_1").unwrap()).await.unwrap();
/// assert_eq!(user.id, "user_1");
/// # }
/// ```
#[derive(Clone)]
pub struct AsyncClient<T, K = Arc<dyn Timer>> {
    config: ApiConfig,
    transport: T,
    retry: RetryPolicy,
    deadline: Option<Duration>,
    timer: K,
    budget: Option<Arc<dyn AsyncBudget>>,
}

/// An [`AsyncClient`] for single-threaded executors: its timer (and, if it likes, its
/// transport) need not be `Send`, so neither are its futures. Made with
/// [`AsyncClient::with_local_timer`].
///
/// ```
/// use std::rc::Rc;
/// use clerk_moderation_core::{ApiConfig, SecretKey, UserId, local_transport_fn};
/// use clerk_moderation_transports::{AsyncClient, LocalAsyncClient, local_timer_fn};
///
/// // A transport and a timer whose futures hold an `Rc`, as JavaScript's do on wasm32.
/// let body = Rc::new(br#"{"id":"user_1","object":"user","banned":false}"#.to_vec());
/// let transport = local_transport_fn(move |_request: http::Request<Vec<u8>>| {
///     let body = Rc::clone(&body);
///     async move { Ok::<_, std::io::Error>(http::Response::new(body.to_vec())) }
/// });
/// let timer = local_timer_fn(|_at| {
///     let here = Rc::new(());
///     async move { drop(here) }
/// });
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let client: LocalAsyncClient<_> = AsyncClient::with_local_timer(config, transport, timer);
/// let user = smol::block_on(client.unban(&UserId::new("user_1").unwrap())).unwrap();
/// assert_eq!(user.id, "user_1");
/// ```
pub type LocalAsyncClient<T> = AsyncClient<T, Rc<dyn LocalTimer>>;

impl<T, K> fmt::Debug for AsyncClient<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncClient")
            .field("config", &self.config)
            .field("retry", &self.retry)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "tokio")]
impl<T: LocalAsyncTransport> AsyncClient<T> {
    /// A client on tokio's timer (the runtime needs its time driver on), with the default
    /// [`RetryPolicy`] and a 60 s deadline per call.
    pub fn new(config: ApiConfig, transport: T) -> Self {
        Self::with_timer(config, transport, super::TokioTimer)
    }
}

impl<T: LocalAsyncTransport> AsyncClient<T> {
    /// A client that waits with `timer`, on any runtime. Its futures are `Send` when the
    /// transport's are.
    pub fn with_timer(config: ApiConfig, transport: T, timer: impl Timer) -> Self {
        Self::with_timer_handle(config, transport, Arc::new(timer))
    }
}

impl<T: LocalAsyncTransport> LocalAsyncClient<T> {
    /// A client for a single-threaded executor, that waits with `timer`, whose futures need not
    /// be `Send` (on wasm32, the `fetch` feature's `fetch::JsTimer`). Any [`Timer`] is a
    /// [`LocalTimer`] too.
    pub fn with_local_timer(config: ApiConfig, transport: T, timer: impl LocalTimer) -> Self {
        Self::with_timer_handle(config, transport, Rc::new(timer))
    }
}

impl<T: LocalAsyncTransport, K: TimerHandle> AsyncClient<T, K> {
    fn with_timer_handle(config: ApiConfig, transport: T, timer: K) -> Self {
        Self {
            config,
            transport,
            retry: RetryPolicy::default(),
            deadline: Some(DEFAULT_CALL_DEADLINE),
            timer,
            budget: None,
        }
    }

    /// Shares the key's rate budget with other runs (other tasks, processes or machines)
    /// through `budget`: every request first takes a place in it, under the run's pace (or the
    /// key's default pace for a single call), and hands it back with the answer. See
    /// [`budget`](crate::budget) for the stores, and what happens when one cannot be reached.
    pub fn with_budget(mut self, budget: Arc<dyn AsyncBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Replaces the retry policy ([`RetryPolicy::never`] turns retries off).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Bounds each call, all attempts and waits included, from its first send; `None` for no
    /// bound. An attempt still in flight at the deadline is dropped (cancelled).
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
    pub async fn execute<O: Operation>(&self, operation: &O) -> Result<O::Output, ClientError> {
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
                    let send = self.send_with_place(request, limit, deadline, None);
                    let answer = match deadline {
                        Some(deadline) => before(send, self.timer.sleep_until(deadline)).await,
                        None => Some(send.await),
                    };
                    match answer {
                        Some(Err(no_place)) => {
                            call.on_transport_error(attempt, no_place, engine_now());
                        }
                        Some(Ok(Ok(response))) => {
                            trace::answered(&attempt_span, &response);
                            call.on_response(attempt, response, engine_now(), wall_clock());
                        }
                        Some(Ok(Err(error))) => {
                            let failure = TransportFailure::from_async_transport::<T>(error);
                            trace::failed(&attempt_span, failure.class());
                            call.on_transport_error(attempt, failure, engine_now());
                        }
                        // The deadline passed: the next poll ends the call.
                        None => {}
                    }
                }
                CallStep::Wait { until, reason } => {
                    trace::waiting(&span, reason, until, now);
                    let until = until.unwrap_or(now + INTERRUPT_CHECK);
                    self.timer.sleep_until(until).await;
                }
                CallStep::Done(result) => {
                    return result;
                }
                CallStep::Finished => unreachable!("the loop returns at Done"),
            }
        }
    }

    /// `POST /v1/users/{id}/unlock`.
    pub async fn unlock(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&UnlockUser::new(user_id.clone())).await
    }

    /// `POST /v1/users/{id}/unban`.
    pub async fn unban(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&UnbanUser::new(user_id.clone())).await
    }

    /// `POST /v1/users/{id}/lock`.
    pub async fn lock(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&LockUser::new(user_id.clone())).await
    }

    /// `POST /v1/users/{id}/ban`.
    pub async fn ban(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&BanUser::new(user_id.clone())).await
    }

    /// `GET /v1/users/{id}`.
    pub async fn get_user(&self, user_id: &UserId) -> Result<User, ClientError> {
        self.execute(&GetUser::new(user_id.clone())).await
    }

    /// `GET /v1/users/count`.
    pub async fn count_users(&self, count: &CountUsers) -> Result<u64, ClientError> {
        self.execute(count).await
    }

    /// Every user `pages` walks to, page after page, handed to `each` in order; returns how many
    /// there were. A page that would loop ends the walk with what came before it.
    pub async fn list_users(
        &self,
        mut pages: UserPages,
        mut each: impl FnMut(User),
    ) -> Result<u64, ClientError> {
        let mut listed = 0;
        while let Some(page) = pages.next_page().cloned() {
            let users: Vec<User> = self.execute::<ListUsers>(&page).await?;
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
    /// [`RunOptions::concurrency`] requests are in flight, all in this task; one still in flight
    /// at its users' deadline is dropped.
    pub async fn run(
        &self,
        action: Action,
        ids: impl IntoIterator<Item = UserId>,
        options: RunOptions,
        observer: impl RunObserver,
    ) -> RunReport {
        self.run_until(action, ids, options, observer, &Interrupt::new())
            .await
    }

    /// [`AsyncClient::run`], stopping early once `interrupt` is triggered: nothing more is
    /// sent, the requests in flight are awaited, users no request carried end `NotAttempted`.
    pub async fn run_until(
        &self,
        action: Action,
        ids: impl IntoIterator<Item = UserId>,
        options: RunOptions,
        mut observer: impl RunObserver,
        interrupt: &Interrupt,
    ) -> RunReport {
        let started = engine_now();
        let options = match options.seed() {
            Some(_) => options,
            None => options.with_seed(random_u64()),
        };
        let mut run = Run::new(self.config.clone(), action, ids, options);
        let span = trace::run(action.as_str(), run.user_ids().len());
        // One type of future (the block below), boxed to stay pinned as the list changes; it is
        // `Send` when the transport's and the timer's futures are.
        let mut in_flight = Vec::new();
        let default_pace = RateLimit::default_pace(self.config.secret_key().instance());
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
                    let limit = run.pace().unwrap_or(default_pace);
                    let send = self.send_with_place(request, limit, deadline, Some(interrupt));
                    let cut = deadline.map(|d| self.timer.sleep_until(d));
                    in_flight.push(Box::pin(async move {
                        let answer = match cut {
                            Some(cut) => before(send, cut).await,
                            None => Some(send.await),
                        };
                        (attempt, answer)
                    }));
                }
                RunStep::Wait { until, reason } => {
                    observer.on_wait(reason, until, run.stats());
                    trace::waiting(&span, reason, until, now);
                    let check = now + INTERRUPT_CHECK;
                    let wake = until.map_or(check, |u| u.min(check));
                    let answers = next_answers(&mut in_flight, self.timer.sleep_until(wake)).await;
                    for (attempt, answer) in answers {
                        let attempt_span = attempt_spans.remove(&attempt);
                        let now = engine_now();
                        match answer {
                            Some(Err(no_place)) => run.on_transport_error(attempt, no_place, now),
                            Some(Ok(Ok(response))) => {
                                if let Some(s) = &attempt_span {
                                    trace::answered(s, &response);
                                }
                                run.on_response(attempt, response, now, wall_clock());
                            }
                            Some(Ok(Err(error))) => {
                                let failure = TransportFailure::from_async_transport::<T>(error);
                                if let Some(s) = &attempt_span {
                                    trace::failed(s, failure.class());
                                }
                                run.on_transport_error(attempt, failure, now);
                            }
                            None => {
                                let failure = TransportFailure::deadline_reached();
                                run.on_transport_error(attempt, failure, now);
                            }
                        }
                    }
                }
                RunStep::Finished => break,
            }
        }
        run.take_outcomes().for_each(|o| observer.on_outcome(o));
        RunReport {
            stats: *run.stats(),
            stopped: run.stopped().cloned(),
            elapsed: started.elapsed(),
        }
    }
}

/// What sending one request gave: the response, the transport's error, or why it could not be
/// sent (no place in the shared budget).
type Sent<E> = Result<Result<Response<Vec<u8>>, E>, TransportFailure>;

impl<T: LocalAsyncTransport, K: TimerHandle> AsyncClient<T, K> {
    /// Sends `request`, first taking a place in the shared budget if there is one (and handing
    /// it back with the answer). Without a place by the deadline, or with a store that keeps
    /// failing, nothing is sent: the failure says so.
    async fn send_with_place(
        &self,
        request: http::Request<Vec<u8>>,
        limit: RateLimit,
        deadline: Option<Instant>,
        interrupt: Option<&Interrupt>,
    ) -> Sent<T::Error> {
        let Some(budget) = self.budget.as_deref() else {
            return Ok(self.transport.send(request).await);
        };
        let slot = self
            .take_place(budget, limit, deadline, interrupt)
            .await
            .map_err(not_sent)?;
        let answer = self.transport.send(request).await;
        // A release that fails leaves the place to its lease, longer than a window: the budget
        // only errs on the safe side.
        let hold = crate::budget::hold_after(&answer, limit.per);
        let _ = budget.release(slot, hold).await;
        Ok(answer)
    }

    /// Waits for a place in `budget` as [`PlaceWait`] decides: until one is granted, the
    /// deadline passes, the run is interrupted, or the store has kept failing.
    async fn take_place(
        &self,
        budget: &dyn AsyncBudget,
        limit: RateLimit,
        deadline: Option<Instant>,
        interrupt: Option<&Interrupt>,
    ) -> Result<Slot, NoPlace> {
        let mut wait = PlaceWait::new(limit, deadline);
        loop {
            let interrupted = interrupt.is_some_and(Interrupt::is_triggered);
            let lease = wait.lease(engine_now(), interrupted)?;
            let taken = budget.take(limit, lease).await;
            match wait.after(taken, engine_now()) {
                PlaceStep::Granted(slot) => return Ok(slot),
                PlaceStep::Sleep(sleep) => {
                    let until = engine_now() + sleep.min(INTERRUPT_CHECK);
                    self.timer.sleep_until(until).await;
                }
                PlaceStep::GiveUp(no_place) => return Err(no_place),
            }
        }
    }
}

/// Waits until a request in flight is answered or `timer` completes; returns every answer ready
/// by then (none if the timer came first).
async fn next_answers<F: Future>(
    in_flight: &mut Vec<Pin<Box<F>>>,
    mut timer: impl Future<Output = ()> + Unpin,
) -> Vec<F::Output> {
    poll_fn(|cx| {
        let mut ready = Vec::new();
        let mut i = 0;
        while i < in_flight.len() {
            match in_flight[i].as_mut().poll(cx) {
                Poll::Ready(answer) => {
                    ready.push(answer);
                    // A finished future is never polled again.
                    drop(in_flight.swap_remove(i));
                }
                Poll::Pending => i += 1,
            }
        }
        if !ready.is_empty() || Pin::new(&mut timer).poll(cx).is_ready() {
            return Poll::Ready(std::mem::take(&mut ready));
        }
        Poll::Pending
    })
    .await
}
