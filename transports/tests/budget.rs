//! Runs that share a rate budget keep together under its limit, counted where the requests
//! arrive; a store that cannot grant a place means nothing is sent.

mod budget_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[cfg(feature = "tokio")]
use budget_support::two_async_runs_sharing;
use budget_support::{Arrivals, assert_within, recording, two_runs_sharing};
use clerk_moderation_core::{Action, OutcomeKind, RateLimit, RunOptions, UserOutcome};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::budget::{Budget, BudgetError, MemoryBudget, Slot, Take};
use support::*;

#[test]
fn two_runs_sharing_a_memory_budget_never_pass_its_limit_together() {
    // Each run alone keeps 10 per 300 ms; sharing the budget, both together do.
    let limit = RateLimit::new(10, Duration::from_millis(300));
    let (done, arrivals) = two_runs_sharing(Arc::new(MemoryBudget::new()), limit, 30);
    assert_eq!(done, (30, 30));
    assert_eq!(arrivals.lock().unwrap().len(), 60);
    assert_within(&arrivals, limit);
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
    let arrivals = Arrivals::default();
    let store = Arc::new(Unreachable(AtomicUsize::new(0)));
    let client = Client::new(config("https://api.clerk.com"), recording(arrivals.clone()))
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
    let limit = RateLimit::new(8, Duration::from_millis(250));
    let (done, arrivals) = two_async_runs_sharing(Arc::new(MemoryBudget::new()), limit, 20).await;
    assert_eq!(done, (20, 20));
    assert_eq!(arrivals.lock().unwrap().len(), 40);
    assert_within(&arrivals, limit);
}
