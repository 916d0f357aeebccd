//! Every outcome true to Clerk, through both clients against an emulator that misbehaves the way
//! servers have been seen to: a 200 that changes nothing, a bulk 200 with nobody in it or with a
//! stranger in it, answers that are not Clerk's at all, Clerk's own 500s, a 429 whose
//! `Retry-After` is a date on a response without a `Date`, and users of real size.
//!
//! The rule checked everywhere: a `done` user shows the action in effect at the emulator, a
//! `not_found` user is unknown to it, and every user gets exactly one outcome.

mod run_support;

use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::{BulkAnswer, Emulator, Fault, NotClerk};
use clerk_moderation_core::{
    Action, FailureCause, FatalError, NotAttemptedReason, Outcome, OutcomeKind, UserOutcome,
};
use run_support::*;

/// Checks each outcome against the emulator's state: done only with the action in effect there,
/// not found only for users it does not have.
fn assert_true_to_the_emulator(emulator: &Emulator, action: Action, outcomes: &[UserOutcome]) {
    for outcome in outcomes {
        let state = emulator.user(outcome.user_id.as_str());
        match &outcome.outcome {
            Outcome::Done(_) => {
                let state = state.expect("a done user exists");
                let in_effect = match action {
                    Action::Ban => state["banned"] == true,
                    Action::Unban => state["banned"] == false,
                    Action::Lock => state["locked"] == true,
                    Action::Unlock => state["locked"] == false,
                    _ => true,
                };
                assert!(
                    in_effect,
                    "{} done, but the emulator shows {state}",
                    outcome.user_id
                );
            }
            Outcome::NotFound(_) => assert!(state.is_none(), "{} not found", outcome.user_id),
            _ => {}
        }
    }
}

#[test]
fn a_200_that_changes_nothing_is_read_again_and_fails_as_not_applied() {
    for index in 0..2 {
        let emulator = Emulator::builder()
            .no_rate_limit()
            .not_applied()
            .start()
            .unwrap();
        let banned: Vec<String> = (0..60).map(|_| emulator.seed_banned_user()).collect();
        let locked: Vec<String> = (0..5).map(|_| emulator.seed_locked_user()).collect();
        let driver = drivers(&emulator, emulator.secret_key()).remove(index);
        let name = driver.name();
        for (action, users) in [(Action::Unban, &banned), (Action::Unlock, &locked)] {
            emulator.clear_requests();
            let (report, outcomes) = driver.run(action, ids(users), options());
            assert_one_each(&outcomes, users);
            assert_true_to_the_emulator(&emulator, action, &outcomes);
            for outcome in &outcomes {
                let Outcome::Failed(failure) = &outcome.outcome else {
                    panic!("{name}: {action} {outcome:?}");
                };
                let FailureCause::NotApplied { user, .. } = &failure.cause else {
                    panic!("{name}: {failure}");
                };
                assert!(user.banned || user.locked);
                let text = failure.to_string();
                assert!(
                    text.contains("Clerk answered 200") && text.contains("still"),
                    "{text}"
                );
            }
            // One re-read per answer that showed users unchanged: a list read for each bulk
            // chunk of unbans (60 users, 2 chunks), a read by id for each single unlock.
            let expected_rereads = if action == Action::Unban { 2 } else { 5 };
            assert_eq!(report.stats.rereads, expected_rereads, "{name} {action}");
        }
    }
}

#[test]
fn an_empty_bulk_200_is_looked_up_and_only_clerk_says_who_is_missing() {
    for applied in [true, false] {
        for index in 0..2 {
            let emulator = Emulator::builder().no_rate_limit().start().unwrap();
            let banned: Vec<String> = (0..50).map(|_| emulator.seed_banned_user()).collect();
            let mut input = banned.clone();
            input.push("user_unknownToTheEmulator".to_owned());
            // Every bulk answer is `200 []`; the change applied or not.
            for _ in 0..4 {
                emulator.push_fault(Fault::BulkAnswer {
                    answer: BulkAnswer::Empty,
                    applied,
                });
            }
            let driver = drivers(&emulator, emulator.secret_key()).remove(index);
            let (_, outcomes) = driver.run(Action::Unban, ids(&input), options());
            assert_one_each(&outcomes, &input);
            assert_true_to_the_emulator(&emulator, Action::Unban, &outcomes);
            let counts = kinds(&outcomes);
            // The one unknown id is the only user not found, whatever the bulk answers said.
            assert_eq!(counts.get(&OutcomeKind::NotFound), Some(&1), "{counts:?}");
            if applied {
                // The read shows them unbanned: done, on that evidence.
                assert_eq!(counts.get(&OutcomeKind::Done), Some(&50), "{counts:?}");
            } else {
                // Unchanged after the action went again and was left out again: not applied.
                assert_eq!(counts.get(&OutcomeKind::Failed), Some(&50), "{counts:?}");
            }
        }
    }
}

#[test]
fn a_bulk_200_holding_a_stranger_is_a_wrong_answer_not_a_success() {
    for answer in [BulkAnswer::ExtraExisting, BulkAnswer::ExtraMadeUp] {
        for index in 0..2 {
            let emulator = Emulator::builder()
                .no_rate_limit()
                .bulk_answer(answer)
                .start()
                .unwrap();
            let banned: Vec<String> = (0..10).map(|_| emulator.seed_banned_user()).collect();
            emulator.seed_user(None);
            let driver = drivers(&emulator, emulator.secret_key()).remove(index);
            let (_, outcomes) = driver.run(Action::Unban, ids(&banned), options());
            assert_one_each(&outcomes, &banned);
            for outcome in &outcomes {
                let Outcome::Failed(failure) = &outcome.outcome else {
                    panic!("{answer:?}: {outcome:?}");
                };
                assert!(
                    matches!(failure.cause, FailureCause::WrongUser { .. }),
                    "{failure}"
                );
            }
        }
    }
}

#[test]
fn answers_that_are_not_clerks_stop_the_run_after_the_first_request() {
    let kinds_of_page = [
        NotClerk::Html404,
        NotClerk::Empty404,
        NotClerk::Json404,
        NotClerk::Html405,
    ];
    for page in kinds_of_page {
        for index in 0..2 {
            let emulator = Emulator::builder()
                .no_rate_limit()
                .not_clerk(page)
                .start()
                .unwrap();
            let users: Vec<String> = (0..200).map(|i| format!("user_n{i:04}")).collect();
            let driver = drivers(&emulator, emulator.secret_key()).remove(index);
            let (report, outcomes) = driver.run(Action::Unlock, ids(&users), options());
            assert_one_each(&outcomes, &users);
            assert_eq!(report.stats.requests, 1, "{page:?}: one request, not 200");
            assert_eq!(report.stats.not_attempted, 199);
            let Some(NotAttemptedReason::Fatal(fatal)) = &report.stopped else {
                panic!("{page:?}: {:?}", report.stopped);
            };
            assert!(matches!(**fatal, FatalError::NotClerk { .. }), "{fatal}");
            let text = fatal.to_string();
            assert!(text.contains(&emulator.base_url()), "names the URL: {text}");
        }
    }
}

#[test]
fn clerks_own_500s_are_retried_like_502s() {
    for index in 0..2 {
        let emulator = Emulator::builder()
            .no_rate_limit()
            .fail_first(2)
            .start()
            .unwrap();
        let banned: Vec<String> = (0..120).map(|_| emulator.seed_banned_user()).collect();
        let driver = drivers(&emulator, emulator.secret_key()).remove(index);
        let (report, outcomes) = driver.run(Action::Unban, ids(&banned), options());
        assert_true_to_the_emulator(&emulator, Action::Unban, &outcomes);
        assert_eq!(report.stats.done, 120, "{:?}", kinds(&outcomes));
        assert!(report.stats.retries >= 2);
    }
}

#[test]
fn a_retry_after_date_without_a_date_header_is_read_against_the_wall_clock() {
    for index in 0..2 {
        let emulator = Emulator::builder().no_rate_limit().start().unwrap();
        let locked = emulator.seed_locked_user();
        // A date 3 s ahead, in whole seconds: at least 2 s from now. The old reading fell back
        // to a 1 s pause.
        emulator.push_fault(Fault::TooManyRequestsHttpDate {
            retry_after_secs: 3,
        });
        let driver = drivers(&emulator, emulator.secret_key()).remove(index);
        let started = Instant::now();
        let (report, _) = driver.run(Action::Unlock, ids(&[locked]), options());
        assert_eq!(report.stats.done, 1);
        assert_eq!(report.stats.rate_limited, 1);
        // A lower bound only: a sleep never ends early.
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "came back after {:?}",
            started.elapsed()
        );
        let first = &emulator.requests()[0];
        assert!(first.headers.get("date").is_none());
    }
}

#[test]
fn users_of_real_size_fit_every_read_and_bulk_answer() {
    // 40 KB each: a dry run's read of 100 is 4 MB, a bulk answer of 50 is 2 MB, both past the
    // transports' 1 MiB default, which each request's own cap raises.
    for index in 0..2 {
        let emulator = Emulator::builder().no_rate_limit().start().unwrap();
        let users = emulator.seed_large(120, 40_000);
        for id in &users {
            emulator.handle(
                &http::Request::post(format!("/v1/users/{id}/ban"))
                    .header("authorization", format!("Bearer {}", emulator.secret_key()))
                    .body(Vec::new())
                    .unwrap(),
            );
        }
        let driver = drivers(&emulator, emulator.secret_key()).remove(index);
        let (dry, outcomes) = driver.run(Action::Unban, ids(&users), options().with_dry_run(true));
        assert_eq!(dry.stats.would_change, 120, "{:?}", kinds(&outcomes));
        let (real, outcomes) = driver.run(Action::Unban, ids(&users), options());
        assert_true_to_the_emulator(&emulator, Action::Unban, &outcomes);
        assert_eq!(real.stats.done, 120, "{:?}", kinds(&outcomes));
    }
}
