//! Whole moderation runs against the emulator over loopback, through both clients: the blocking
//! `Client` over ureq and the `AsyncClient` over hyper. The same scenarios as the core's
//! simulation, with real sockets, real answers and real faults: unknown ids in both bulk
//! behaviours, 429s that pause the run, retried 503s and resets, a wrong key mid-run, users past
//! their deadline, dry runs.

use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::{BulkUnknown, Emulator, Fault};
use clerk_moderation_core::{
    Action, FailureCause, NotAttemptedReason, Outcome, OutcomeKind, StopReason,
};

mod run_support;
use run_support::*;

/// 600 banned users, and 12 ids the emulator does not know, spread through the input, plus
/// repeats.
fn banned_and_unknown(emulator: &Emulator) -> (Vec<String>, Vec<String>) {
    let known: Vec<String> = (0..600).map(|_| emulator.seed_banned_user()).collect();
    let unknown: Vec<String> = (0..12).map(|i| format!("user_unknown{i:03}")).collect();
    let mut input = known.clone();
    for (i, id) in unknown.iter().enumerate() {
        input.insert(i * 50 + 7, id.clone());
    }
    input.extend(known.iter().take(30).cloned());
    (input, unknown)
}

#[test]
fn unknown_ids_are_isolated_in_both_bulk_behaviours_and_the_rest_are_unbanned() {
    for mode in [BulkUnknown::Reject, BulkUnknown::Skip] {
        for index in 0..2 {
            let emulator = Emulator::builder()
                .no_rate_limit()
                .bulk_unknown(mode)
                .start()
                .unwrap();
            let (input, unknown) = banned_and_unknown(&emulator);
            let driver = drivers(&emulator, emulator.secret_key()).remove(index);
            let (report, outcomes) = driver.run(Action::Unban, ids(&input), options());
            let name = driver.name();

            assert_one_each(&outcomes, &input);
            let counts = kinds(&outcomes);
            assert_eq!(
                counts.get(&OutcomeKind::Done),
                Some(&600),
                "{name} {mode:?}"
            );
            assert_eq!(
                counts.get(&OutcomeKind::NotFound),
                Some(&12),
                "{name} {mode:?}"
            );
            for outcome in &outcomes {
                match &outcome.outcome {
                    Outcome::Done(user) => {
                        assert!(!user.banned);
                        assert_eq!(emulator.user(&user.id).unwrap()["banned"], false);
                    }
                    Outcome::NotFound(_) => assert!(unknown.contains(&outcome.user_id.to_string())),
                    other => panic!("{name}: {other:?}"),
                }
            }
            // Skip: one request per 50 users, and a read by id of each user an answer left
            // out, whose 404 is Clerk saying it does not exist. Reject: each chunk with an
            // unknown id costs the 404, one read of who exists, and the chunk again without it.
            let chunks = 612usize.div_ceil(50) as u64;
            let expected = match mode {
                BulkUnknown::Skip => chunks + 12,
                _ => chunks + 2 * 12,
            };
            assert_eq!(report.stats.requests, expected, "{name} {mode:?}");
            assert_eq!(emulator.request_count() as u64, expected);
        }
    }
}

#[test]
fn a_429_pauses_the_run_and_503s_and_resets_are_retried() {
    for index in 0..2 {
        // The emulator allows 30 requests per second: the run, unpaced, runs into it.
        let emulator = Emulator::builder()
            .rate_limit(30, Duration::from_secs(1))
            .start()
            .unwrap();
        let users: Vec<String> = (0..80).map(|_| emulator.seed_locked_user()).collect();
        emulator.push_fault(Fault::Status {
            status: 503,
            body: String::new(),
            content_type: String::new(),
        });
        emulator.push_fault(Fault::ResetBeforeHeaders);
        let driver = drivers(&emulator, emulator.secret_key()).remove(index);
        let started = Instant::now();
        let (report, outcomes) = driver.run(Action::Unlock, ids(&users), options());
        let name = driver.name();
        assert_one_each(&outcomes, &users);
        assert_eq!(report.stats.done, 80, "{name}: {report:?}");
        assert!(
            report.stats.rate_limited > 0,
            "{name}: the emulator's limit was met"
        );
        assert!(report.stats.retries >= 2 + report.stats.rate_limited);
        // 80 requests at 30 a second need at least two pauses of about a second.
        assert!(started.elapsed() >= Duration::from_millis(1500), "{name}");
        assert!(
            users
                .iter()
                .all(|id| emulator.user(id).unwrap()["locked"] == false)
        );
    }
}

#[test]
fn a_wrong_key_mid_run_stops_it_after_one_request_in_flight() {
    for index in 0..2 {
        let emulator = Emulator::builder().no_rate_limit().start().unwrap();
        let users: Vec<String> = (0..300).map(|_| emulator.seed_banned_user()).collect();
        // Three chunks go through, then the key stops working.
        for _ in 0..3 {
            emulator.push_fault(Fault::Delay(Duration::ZERO));
        }
        emulator.push_fault(Fault::Status {
            status: 401,
            body: r#"{"errors":[{"message":"Secret Key is invalid","code":"clerk_key_invalid"}],"clerk_trace_id":"t401"}"#.into(),
            content_type: "application/json".into(),
        });
        let driver = drivers(&emulator, emulator.secret_key()).remove(index);
        let (report, outcomes) =
            driver.run(Action::Unban, ids(&users), options().with_concurrency(1));
        let name = driver.name();
        assert_one_each(&outcomes, &users);
        let counts = kinds(&outcomes);
        assert_eq!(counts.get(&OutcomeKind::Done), Some(&150), "{name}");
        assert_eq!(counts.get(&OutcomeKind::Failed), Some(&50), "{name}");
        assert_eq!(counts.get(&OutcomeKind::NotAttempted), Some(&100), "{name}");
        assert_eq!(emulator.request_count(), 4, "{name}: nothing after the 401");
        let Some(NotAttemptedReason::Fatal(fatal)) = &report.stopped else {
            panic!("{name}: {report:?}");
        };
        assert_eq!(fatal.status().map(|s| s.as_u16()), Some(401));
    }
}

#[test]
fn a_wrong_key_from_the_start_costs_one_request() {
    for index in 0..2 {
        let emulator = Emulator::builder().no_rate_limit().start().unwrap();
        let users: Vec<String> = (0..40).map(|_| emulator.seed_locked_user()).collect();
        let driver = drivers(&emulator, "sk_test_wrong_key_0123456789").remove(index);
        let (report, outcomes) =
            driver.run(Action::Unlock, ids(&users), options().with_concurrency(1));
        assert_one_each(&outcomes, &users);
        assert_eq!(emulator.request_count(), 1, "{}", driver.name());
        assert_eq!((report.stats.failed, report.stats.not_attempted), (1, 39));
        let failed = outcomes
            .iter()
            .find(|o| o.outcome.kind() == OutcomeKind::Failed)
            .unwrap();
        assert_eq!(
            failed.outcome.response_error().and_then(|e| e.code()),
            Some("clerk_key_invalid")
        );
    }
}

#[test]
fn users_past_their_deadline_fail_while_the_rest_go_on() {
    for index in 0..2 {
        let emulator = Emulator::builder().no_rate_limit().start().unwrap();
        let users: Vec<String> = (0..10).map(|_| emulator.seed_locked_user()).collect();
        // The first request takes 1.5 s: longer than its user's 400 ms deadline.
        emulator.push_fault(Fault::Delay(Duration::from_millis(1500)));
        let driver = drivers(&emulator, emulator.secret_key()).remove(index);
        let (report, outcomes) = driver.run(
            Action::Unlock,
            ids(&users),
            options()
                .with_concurrency(2)
                .with_user_deadline(Some(Duration::from_millis(400))),
        );
        let name = driver.name();
        assert_one_each(&outcomes, &users);
        assert_eq!((report.stats.done, report.stats.failed), (9, 1), "{name}");
        let failed = outcomes
            .iter()
            .find(|o| o.outcome.kind() == OutcomeKind::Failed)
            .unwrap();
        let Outcome::Failed(failure) = &failed.outcome else {
            unreachable!()
        };
        assert!(matches!(failure.cause, FailureCause::TimedOut), "{name}");
        assert_eq!(failure.stop, StopReason::DeadlineExceeded);
    }
}

#[test]
fn a_dry_run_reads_and_changes_no_one() {
    for index in 0..2 {
        let emulator = Emulator::builder().no_rate_limit().start().unwrap();
        let banned: Vec<String> = (0..120).map(|_| emulator.seed_banned_user()).collect();
        let free: Vec<String> = (0..80).map(|_| emulator.seed_user(None)).collect();
        let mut input = banned.clone();
        input.extend(free.iter().cloned());
        input.push("user_nobody".into());
        let driver = drivers(&emulator, emulator.secret_key()).remove(index);
        let (report, outcomes) =
            driver.run(Action::Unban, ids(&input), options().with_dry_run(true));
        assert_one_each(&outcomes, &input);
        let s = report.stats;
        assert_eq!((s.would_change, s.unchanged, s.not_found), (120, 80, 1));
        assert_eq!(s.requests, 3, "{}: 201 users, 100 a read", driver.name());
        assert!(
            emulator
                .requests()
                .iter()
                .all(|r| r.method == http::Method::GET)
        );
        assert!(
            banned
                .iter()
                .all(|id| emulator.user(id).unwrap()["banned"] == true)
        );
    }
}
