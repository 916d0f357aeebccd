//! `clerk-moderate` says only what Clerk showed: against an emulator whose answers change nothing,
//! leave users out, hold strangers, or are not Clerk's at all, the command prints no `done` the
//! emulator contradicts, no `not_found` for a user it has, and stops with the URL named when
//! nothing there answers as Clerk.

mod cli_support;

use clerk_moderation_conformance::emulator::{BulkAnswer, Emulator, Fault, NotClerk};
use cli_support::{Scratch, Target, banned_users, is, path_str, run};

#[test]
fn a_200_that_changes_nothing_prints_failed_not_done_and_a_rerun_tries_again() {
    let emulator = Emulator::builder().not_applied().start().unwrap();
    let banned = banned_users(&emulator, 12);
    let target = Target::of(&emulator);
    let scratch = Scratch::new("not-applied");
    let journal = scratch.path("unban.journal");
    let mut args = vec!["unban", "--json", "--yes", "--journal", path_str(&journal)];
    args.extend(banned.iter().map(String::as_str));
    let ran = run(Some(&target), &args, None);
    ran.assert_code(1);
    assert_eq!(ran.outcomes("done"), 0, "{}", ran.stdout);
    assert_eq!(ran.outcomes("failed"), 12);
    for line in ran.json_lines() {
        assert_eq!(line["banned"], true, "the state the read showed: {line}");
        let message = line["message"].as_str().unwrap();
        assert!(message.contains("still banned"), "{message}");
    }
    for id in &banned {
        assert!(is(&emulator, id, "banned"));
    }
    // Failed users are not finished: the same command with the same journal tries them again.
    let again = run(Some(&target), &args, None);
    assert_eq!(again.outcomes("failed"), 12, "{}", again.stderr);
}

#[test]
fn an_empty_bulk_answer_is_looked_up_so_existing_users_are_never_not_found() {
    let emulator = Emulator::start().unwrap();
    let banned = banned_users(&emulator, 50);
    emulator.push_fault(Fault::BulkAnswer {
        answer: BulkAnswer::Empty,
        applied: true,
    });
    let target = Target::of(&emulator);
    let mut args = vec!["unban", "--json", "--yes"];
    args.extend(banned.iter().map(String::as_str));
    let ran = run(Some(&target), &args, None);
    ran.assert_code(0);
    assert_eq!(ran.outcomes("not_found"), 0, "{}", ran.stdout);
    assert_eq!(ran.outcomes("done"), 50);
    for id in &banned {
        assert!(!is(&emulator, id, "banned"));
    }
}

#[test]
fn a_wrong_url_answered_by_html_404s_stops_after_one_request_naming_it() {
    let emulator = Emulator::builder()
        .not_clerk(NotClerk::Html404)
        .start()
        .unwrap();
    let target = Target::of(&emulator);
    let ids: Vec<String> = (0..40).map(|i| format!("user_wrongUrl{i:03}")).collect();
    let mut args = vec!["unlock", "--yes"];
    args.extend(ids.iter().map(String::as_str));
    let ran = run(Some(&target), &args, None);
    ran.assert_code(3);
    assert_eq!(emulator.request_count(), 1, "one request, not 40");
    assert!(
        ran.stderr.contains(&target.url) && ran.stderr.contains("Clerk"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stdout.contains("not_found"), "{}", ran.stdout);
}

#[test]
fn a_dry_run_of_users_of_real_size_reads_them_all() {
    let emulator = Emulator::start().unwrap();
    let users = emulator.seed_large(150, 12_000);
    let target = Target::of(&emulator);
    let scratch = Scratch::new("large");
    let file = scratch.file("ids.txt", users.join("\n").as_bytes());
    let ran = run(
        Some(&target),
        &["unban", "--dry-run", "--json", "--from", path_str(&file)],
        None,
    );
    ran.assert_code(0);
    assert_eq!(ran.outcomes("unchanged"), 150, "{}", ran.stderr);
}
