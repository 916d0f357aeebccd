//! The async client's two flavours, one client: over `Send` transports and timers its futures
//! are `Send` (checked at compile time, for tokio's `spawn`); over transports and timers whose
//! futures are not (`Rc`s held across awaits, as JavaScript's `fetch` and `setTimeout` on
//! wasm32), the same calls and runs work on a single-threaded executor, the shared budget too.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use clerk_moderation_core::{
    Action, AsyncTransport, Instant, OutcomeKind, RateLimit, RunOptions, UserOutcome,
    local_transport_fn,
};
use clerk_moderation_transports::budget::MemoryBudget;
use clerk_moderation_transports::{AsyncClient, LocalAsyncClient, local_timer_fn};
use support::*;

fn assert_send<F: Send>(_: &F) {}

/// Compiles only if the futures of a client over any `Send` transport are `Send`: what tokio
/// users spawn. Never called; compiling it is the test.
#[allow(dead_code)]
fn futures_over_any_send_transport_are_send<T: AsyncTransport + Sync>(client: &AsyncClient<T>) {
    assert_send(&client.run(Action::Ban, [uid("user_1")], RunOptions::default(), |_| {}));
    assert_send(&client.unban(&uid("user_1")));
    assert_send(&client.execute(&clerk_moderation_core::GetUser::new(uid("user_1"))));
    let list = clerk_moderation_core::ListUsers::new(Default::default());
    let pages = clerk_moderation_core::UserPages::new(list, 100).unwrap();
    assert_send(&client.list_users(pages, |_| {}));
}

#[test]
fn a_run_over_a_closure_transport_and_timer_is_send() {
    let transport = |_: http::Request<Vec<u8>>| async {
        http::Response::builder()
            .status(200)
            .body(user_json("user_1").into_bytes())
    };
    let timer = |at: Instant| async move {
        async_io::Timer::at(at).await;
    };
    let client = AsyncClient::with_timer(config("https://api.clerk.com"), transport, timer)
        .with_budget(Arc::new(MemoryBudget::new()));
    let run = client.run(
        Action::Unlock,
        [uid("user_1")],
        RunOptions::default(),
        |_| {},
    );
    assert_send(&run);
    assert!(smol::block_on(run).all_done());
}

/// A transport whose futures are not `Send`: each holds an `Rc` across its await, and counts its
/// requests in a `Cell`. A 503 the first time, to make the client wait on the local timer.
fn local_transport(requests: Rc<Cell<usize>>) -> impl clerk_moderation_core::LocalAsyncTransport {
    local_transport_fn(move |request: http::Request<Vec<u8>>| {
        let requests = Rc::clone(&requests);
        async move {
            async_io::Timer::after(Duration::from_millis(1)).await;
            let n = requests.get();
            requests.set(n + 1);
            let id = path_user_id(request.uri().path());
            http::Response::builder()
                .status(if n == 0 { 503 } else { 200 })
                .body(user_json(&id).into_bytes())
        }
    })
}

/// smol's timer, as a future that is not `Send`.
fn local_client<T: clerk_moderation_core::LocalAsyncTransport>(
    transport: T,
) -> LocalAsyncClient<T> {
    let timer = local_timer_fn(|at: Instant| {
        let here = Rc::new(at);
        async move {
            async_io::Timer::at(*here).await;
        }
    });
    AsyncClient::with_local_timer(config("https://api.clerk.com"), transport, timer)
        .with_retry_policy(fast_retries(3))
}

#[test]
fn on_one_thread_calls_retry_and_runs_pace_over_futures_that_are_not_send() {
    let requests = Rc::new(Cell::new(0));
    let client = local_client(local_transport(Rc::clone(&requests)));
    let executor = smol::LocalExecutor::new();
    smol::block_on(executor.run(async {
        // The 503 is waited out on the local timer, then retried.
        let user = client.unlock(&uid("user_1")).await.unwrap();
        assert_eq!(user.id, "user_1");
        assert_eq!(requests.get(), 2);

        // A paced run of 12 single requests, 5 per 200 ms, several in flight in this task.
        let limit = RateLimit::new(5, Duration::from_millis(200));
        let options = RunOptions::default()
            .with_rate_limit(limit)
            .with_concurrency(4)
            .with_seed(1)
            .with_retry_policy(fast_retries(3));
        let mut done = 0;
        let report = client
            .run(
                Action::Unlock,
                (0..12).map(|i| uid(&format!("user_{i}"))),
                options,
                |o: UserOutcome| done += usize::from(o.outcome.kind() == OutcomeKind::Done),
            )
            .await;
        assert_eq!(done, 12);
        assert_eq!(report.stats.requests, 12);
        assert!(report.all_done());
    }));
}

#[test]
fn on_one_thread_a_shared_budget_gives_a_place_to_every_request() {
    // Two local clients, each paced at 4 requests per 200 ms, share one budget, so that
    // together they keep to 4 per 200 ms: every request first takes a place in it and hands
    // it back with its answer.
    let budget = Arc::new(MemoryBudget::new());
    let requests = Rc::new(Cell::new(1)); // no 503: every request is answered 200
    let client_a =
        local_client(local_transport(Rc::clone(&requests))).with_budget(Arc::clone(&budget) as _);
    let client_b =
        local_client(local_transport(Rc::clone(&requests))).with_budget(Arc::clone(&budget) as _);
    let limit = RateLimit::new(4, Duration::from_millis(200));
    let options = || {
        RunOptions::default()
            .with_rate_limit(limit)
            .with_concurrency(2)
            .with_seed(2)
    };
    let executor = smol::LocalExecutor::new();
    let (a, b) = smol::block_on(executor.run(async {
        let a = client_a.run(
            Action::Unlock,
            (0..6).map(|i| uid(&format!("user_a{i}"))),
            options(),
            |_| {},
        );
        let b = client_b.run(
            Action::Unlock,
            (0..6).map(|i| uid(&format!("user_b{i}"))),
            options(),
            |_| {},
        );
        smol::future::zip(a, b).await
    }));
    assert!(a.all_done() && b.all_done());
    assert_eq!(a.stats.requests + b.stats.requests, 12);
    assert_eq!(requests.get(), 13);
}
