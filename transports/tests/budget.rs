//! Runs that share a rate budget keep together under its limit, counted where the requests
//! arrive; a store that cannot grant a place means nothing is sent.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clerk_moderation_core::{Action, OutcomeKind, RateLimit, RunOptions, UserOutcome};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::budget::{Budget, BudgetError, MemoryBudget, Slot, Take};
use support::*;

/// What a closure transport answers.
type Canned = Result<http::Response<Vec<u8>>, std::io::Error>;

/// A transport that notes when each request reaches it, and answers as Clerk does for an
/// unlock.
fn recording(arrivals: &Mutex<Vec<Instant>>) -> impl Fn(http::Request<Vec<u8>>) -> Canned + '_ {
    move |request| {
        arrivals.lock().unwrap().push(Instant::now());
        Ok(http::Response::new(
            user_json(&path_user_id(request.uri().path())).into_bytes(),
        ))
    }
}

#[test]
fn two_runs_sharing_a_memory_budget_never_pass_its_limit_together() {
    let arrivals = Mutex::new(Vec::new());
    let budget = Arc::new(MemoryBudget::new());
    let limit = RateLimit::new(10, Duration::from_millis(300));
    let transport = recording(&arrivals);
    let run = |prefix: &str| {
        let client =
            Client::new(config("https://api.clerk.com"), &transport).with_budget(budget.clone());
        let ids: Vec<_> = (0..30).map(|i| uid(&format!("user_{prefix}{i}"))).collect();
        let options = RunOptions::default()
            .with_rate_limit(limit)
            .with_concurrency(4)
            .with_first_request_alone(false);
        let mut done = 0;
        client.run(Action::Unlock, ids, options, |o: UserOutcome| {
            done += usize::from(o.outcome.kind() == OutcomeKind::Done)
        });
        done
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| run("a"));
        let b = scope.spawn(|| run("b"));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!((a, b), (30, 30));
    drop(transport);
    // Each run alone keeps 10 per 300 ms; sharing the budget, both together do.
    let mut arrivals = arrivals.into_inner().unwrap();
    arrivals.sort_unstable();
    assert_eq!(arrivals.len(), 60);
    for window in arrivals.windows(11) {
        assert!(
            window[10].duration_since(window[0]) >= limit.per,
            "11 requests within {:?}",
            window[10].duration_since(window[0])
        );
    }
}

/// A store that never answers.
struct Unreachable(AtomicUsize);

impl Budget for Unreachable {
    fn take(&self, _: RateLimit, _: Duration) -> Result<Take, BudgetError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(BudgetError::new(
            "redis://127.0.0.1:1/0",
            "take a place",
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        ))
    }

    fn release(&self, _: Slot, _: Duration) -> Result<(), BudgetError> {
        Ok(())
    }
}

#[test]
fn without_a_place_nothing_is_sent_and_every_user_still_gets_an_outcome() {
    let arrivals = Mutex::new(Vec::new());
    let store = Arc::new(Unreachable(AtomicUsize::new(0)));
    let client = Client::new(config("https://api.clerk.com"), recording(&arrivals))
        .with_budget(store.clone());
    let options = RunOptions::default().with_user_deadline(Some(Duration::from_secs(1)));
    let mut kinds = Vec::new();
    let report = client.run(
        Action::Unlock,
        [uid("user_1"), uid("user_2"), uid("user_3")],
        options,
        |o: UserOutcome| kinds.push(o.outcome.kind()),
    );
    assert!(
        arrivals.lock().unwrap().is_empty(),
        "a request went out without a place"
    );
    assert!(
        store.0.load(Ordering::SeqCst) > 1,
        "the store was asked again"
    );
    assert_eq!(kinds.len(), 3);
    assert!(kinds.iter().all(|k| *k != OutcomeKind::Done), "{kinds:?}");
    assert_eq!(report.stats.responses, 0);

    // A single call too: it says nothing was sent, and why.
    let client = client.with_deadline(Some(Duration::from_secs(1)));
    let error = client.unlock(&uid("user_1")).unwrap_err();
    let text = format!("{error}: {}", std::error::Error::source(&error).unwrap());
    assert!(text.contains("not sent"), "{text}");
    assert!(arrivals.lock().unwrap().is_empty());
}

#[cfg(feature = "tokio")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_runs_sharing_a_memory_budget_never_pass_its_limit_together() {
    use clerk_moderation_transports::AsyncClient;

    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let budget = Arc::new(MemoryBudget::new());
    let limit = RateLimit::new(8, Duration::from_millis(250));
    let run = |prefix: &'static str| {
        let arrivals = arrivals.clone();
        let transport = move |request: http::Request<Vec<u8>>| {
            arrivals.lock().unwrap().push(Instant::now());
            let id = path_user_id(request.uri().path());
            async move { Ok::<_, std::io::Error>(http::Response::new(user_json(&id).into_bytes())) }
        };
        let client = AsyncClient::new(config("https://api.clerk.com"), transport)
            .with_budget(budget.clone());
        async move {
            let ids: Vec<_> = (0..20).map(|i| uid(&format!("user_{prefix}{i}"))).collect();
            let options = RunOptions::default()
                .with_rate_limit(limit)
                .with_concurrency(4)
                .with_first_request_alone(false);
            client
                .run(Action::Unlock, ids, options, |_: UserOutcome| {})
                .await
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(run("a")), tokio::spawn(run("b")));
    assert_eq!((a.unwrap().stats.done, b.unwrap().stats.done), (20, 20));
    let mut arrivals = arrivals.lock().unwrap().clone();
    arrivals.sort_unstable();
    assert_eq!(arrivals.len(), 40);
    for window in arrivals.windows(9) {
        assert!(window[8].duration_since(window[0]) >= limit.per);
    }
}
