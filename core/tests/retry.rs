//! The retry policy decides from its inputs alone: exact, instant tests. What is worth a retry
//! is the failure's to say (`ResponseError::is_retryable`), how long the server asked for is the
//! response's (`ResponseError::retry_delay`), and the policy turns those into a wait, as `Call`
//! and `Run` do.

// Under wasm32-unknown-unknown these tests run in Node, through wasm-bindgen-test.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_moderation_core::http::Response;
use clerk_moderation_core::{
    Operation, ResponseError, RetryDecision, RetryPolicy, StopReason, UnlockUser, UserId,
};

/// How an attempt failed.
enum AttemptOutcome<'a> {
    Response(&'a ResponseError),
    TransportFailure,
}

/// The decision `Call` and `Run` make after a failed attempt.
fn decide(
    policy: &RetryPolicy,
    attempts: u32,
    outcome: AttemptOutcome<'_>,
    waited: Duration,
    now: SystemTime,
    random: u64,
) -> RetryDecision {
    let server_delay = match outcome {
        AttemptOutcome::Response(error) if !error.is_retryable() => {
            return RetryDecision::Stop(StopReason::NotRetryable);
        }
        AttemptOutcome::Response(error) => error.retry_delay(now),
        AttemptOutcome::TransportFailure => None,
    };
    policy.plan(attempts, server_delay, waited, random)
}

fn error(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseError {
    let mut builder = Response::builder().status(status);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    UnlockUser::new(UserId::new("user_1").unwrap())
        .parse_response(builder.body(body).unwrap())
        .unwrap_err()
}

const NOW: SystemTime = UNIX_EPOCH;
const LOCKED: &str = r#"{"errors":[{"message":"locked","code":"resource_locked"}]}"#;

#[test]
fn retryable_outcomes_are_retried() {
    let policy = RetryPolicy::default();
    for e in [
        error(429, &[], ""),
        error(409, &[], LOCKED),
        error(
            500,
            &[],
            r#"{"errors":[{"message":"oops","code":"internal_clerk_error"}]}"#,
        ),
        error(502, &[], ""),
        error(503, &[], ""),
        error(504, &[], ""),
    ] {
        let decision = decide(
            &policy,
            1,
            AttemptOutcome::Response(&e),
            Duration::ZERO,
            NOW,
            0,
        );
        assert!(
            matches!(decision, RetryDecision::RetryAfter(_)),
            "{e:?}: {decision:?}"
        );
    }
    let decision = decide(
        &policy,
        1,
        AttemptOutcome::TransportFailure,
        Duration::ZERO,
        NOW,
        0,
    );
    assert!(matches!(decision, RetryDecision::RetryAfter(_)));
}

#[test]
fn other_outcomes_stop_at_once() {
    let policy = RetryPolicy::default();
    let conflict = r#"{"errors":[{"message":"dup","code":"duplicate_record"}]}"#;
    for e in [
        error(404, &[], ""),
        error(401, &[], ""),
        error(400, &[], ""),
        error(500, &[], ""),
        error(409, &[], conflict),
        error(200, &[], "nope"),
    ] {
        let decision = decide(
            &policy,
            1,
            AttemptOutcome::Response(&e),
            Duration::ZERO,
            NOW,
            0,
        );
        assert_eq!(
            decision,
            RetryDecision::Stop(StopReason::NotRetryable),
            "{e:?}"
        );
    }
}

/// The wait a decision asks for; panics on a stop.
fn wait_of(decision: RetryDecision) -> Duration {
    match decision {
        RetryDecision::RetryAfter(wait) => wait,
        stop => panic!("expected a retry, got {stop:?}"),
    }
}

#[test]
fn retry_after_is_honoured_in_seconds_and_as_a_date_with_jitter_on_top() {
    let policy = RetryPolicy::default();
    let e = error(429, &[("retry-after", "2")], "");
    // The smallest random value gives the smallest jitter: 1 ms, never none.
    let least = decide(
        &policy,
        1,
        AttemptOutcome::Response(&e),
        Duration::ZERO,
        NOW,
        0,
    );
    assert_eq!(wait_of(least), Duration::from_millis(2001));
    // The largest gives up to 100 ms plus a tenth of the delay.
    let most = decide(
        &policy,
        1,
        AttemptOutcome::Response(&e),
        Duration::ZERO,
        NOW,
        u64::MAX,
    );
    let most = wait_of(most);
    assert!(
        most > Duration::from_millis(2290) && most <= Duration::from_millis(2300),
        "{most:?}"
    );

    let e = error(503, &[("retry-after", "Thu, 01 Jan 1970 00:00:07 GMT")], "");
    let now = UNIX_EPOCH + Duration::from_secs(3);
    let wait = wait_of(decide(
        &policy,
        1,
        AttemptOutcome::Response(&e),
        Duration::ZERO,
        now,
        0,
    ));
    assert_eq!(wait, Duration::from_millis(4001));
}

#[test]
fn a_server_zero_wait_still_gets_jitter() {
    let policy = RetryPolicy::default();
    let waits: Vec<Duration> = [0, 1 << 62, 1 << 63, u64::MAX]
        .into_iter()
        .map(|random| wait_of(policy.plan(1, Some(Duration::ZERO), Duration::ZERO, random)))
        .collect();
    assert!(
        waits.iter().all(|w| *w >= Duration::from_millis(1)),
        "{waits:?}"
    );
    assert!(
        waits.iter().all(|w| *w <= Duration::from_millis(100)),
        "{waits:?}"
    );
    assert!(
        waits[3] > waits[1],
        "the jitter follows the random input: {waits:?}"
    );
}

#[test]
fn a_retry_after_beyond_the_budget_stops() {
    let policy = RetryPolicy::default().with_max_total_wait(Duration::from_secs(5));
    let e = error(429, &[("retry-after", "6")], "");
    assert_eq!(
        decide(
            &policy,
            1,
            AttemptOutcome::Response(&e),
            Duration::ZERO,
            NOW,
            0
        ),
        RetryDecision::Stop(StopReason::WaitBudgetExhausted {
            needed: Duration::from_millis(6001)
        })
    );
    let e = error(429, &[("retry-after", "3")], "");
    assert!(matches!(
        decide(
            &policy,
            2,
            AttemptOutcome::Response(&e),
            Duration::from_secs(3),
            NOW,
            0
        ),
        RetryDecision::Stop(StopReason::WaitBudgetExhausted { .. })
    ));
}

#[test]
fn backoff_doubles_with_jitter_and_is_capped() {
    let policy = RetryPolicy::default()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_millis(1000))
        .with_max_total_wait(Duration::from_secs(3600));
    let wait = |attempts, random| match decide(
        &policy,
        attempts,
        AttemptOutcome::TransportFailure,
        Duration::ZERO,
        NOW,
        random,
    ) {
        RetryDecision::RetryAfter(wait) => wait,
        other => panic!("{other:?}"),
    };
    // Equal jitter: between half the step and the whole step.
    assert_eq!(wait(1, 0), Duration::from_millis(50));
    assert!(
        wait(1, u64::MAX) <= Duration::from_millis(100)
            && wait(1, u64::MAX) > Duration::from_millis(99)
    );
    assert_eq!(wait(2, 0), Duration::from_millis(100));
    assert_eq!(wait(3, 0), Duration::from_millis(200));
    assert_eq!(
        wait(5, 0),
        Duration::from_millis(500),
        "capped at 1000 ms, half of it without jitter"
    );
    assert_eq!(wait(9, 0), Duration::from_millis(500));
    let mid = wait(3, u64::MAX / 2);
    assert!(
        mid > Duration::from_millis(290) && mid < Duration::from_millis(310),
        "{mid:?}"
    );
}

#[test]
fn attempts_are_bounded() {
    let policy = RetryPolicy::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(10));
    let after = |attempts| policy.plan(attempts, None, Duration::ZERO, 1);
    assert!(matches!(after(1), RetryDecision::RetryAfter(_)));
    assert!(matches!(after(2), RetryDecision::RetryAfter(_)));
    assert_eq!(after(3), RetryDecision::Stop(StopReason::AttemptsExhausted));
    assert_eq!(
        RetryPolicy::never().plan(1, None, Duration::ZERO, 1),
        RetryDecision::Stop(StopReason::AttemptsExhausted)
    );
}
