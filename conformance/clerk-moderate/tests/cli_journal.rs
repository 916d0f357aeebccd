//! The journal: a run stopped mid-way (Ctrl-C, or killed outright) and run again with the same
//! journal acts on no finished user twice, and ends with every user accounted for.

mod cli_support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::Emulator;
use cli_support::{
    RUN_LIMIT, Scratch, Target, finish, ids_changed_by, is, path_str, run, signal, slow_emulator,
    spawn,
};
use serde_json::Value;

/// Every line of the journal: its run lines (one per run, the first binding it) and its outcomes.
fn all_journal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The journal's outcome lines.
fn journal_lines(path: &Path) -> Vec<Value> {
    all_journal_lines(path)
        .into_iter()
        .filter(|line| line.get("clerk_moderate_journal").is_none())
        .collect()
}

/// Waits (bounded) until the journal holds at least `n` outcome lines.
fn wait_for_lines(path: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let outcomes = |text: String| text.lines().filter(|l| l.contains("\"user_id\"")).count();
    while std::fs::read_to_string(path).map_or(0, outcomes) < n {
        assert!(
            Instant::now() < deadline,
            "the journal did not grow in time"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Users with a `done` line, and how many each has.
fn done_counts(lines: &[Value]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in lines.iter().filter(|l| l["outcome"] == "done") {
        *counts
            .entry(line["user_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

/// Runs `action` over `users` with a journal, stops it with `signal_name` once `after` outcomes
/// are journaled, runs it again, and checks: no user finished in the first run was acted on in
/// the second, every user is done exactly once in the journal, and the emulator agrees.
fn stop_and_resume(action: &str, field: &str, users: &[String], signal_name: &str, after: usize) {
    let emulator = slow_emulator(40);
    for id in users {
        let mut user = serde_json::json!({
            "id": id, "object": "user", "banned": action == "unban", "locked": action == "unlock",
            "created_at": 1_700_000_000_000_i64, "updated_at": 1_700_000_000_000_i64,
        });
        if action == "unlock" {
            user["lockout_expires_in_seconds"] = 3600.into();
        }
        emulator.insert_user(user);
    }
    let scratch = Scratch::new(&format!("resume-{action}-{signal_name}"));
    let ids = scratch.file("ids.txt", users.join("\n").as_bytes());
    let journal = scratch.path("journal.jsonl");
    let target = Target::of(&emulator);
    let args = [
        action,
        "--from",
        path_str(&ids),
        "--yes",
        "--json",
        "--journal",
        path_str(&journal),
        "--concurrency",
        "2",
        "--rate",
        "100000/1",
    ];

    let child = spawn(Some(&target), &args);
    wait_for_lines(&journal, after);
    signal(&child, signal_name);
    let first = finish(child, Vec::new(), RUN_LIMIT);
    if signal_name == "INT" {
        first.assert_code(3);
        let summary = first.summary();
        assert_eq!(summary["stopped"], "interrupted", "{}", first.stderr);
        assert!(summary["not_attempted"].as_u64().unwrap() > 0, "{summary}");
        // Every user is accounted for: in the journal, as on stdout.
        assert_eq!(journal_lines(&journal).len(), users.len());
        assert_eq!(first.json_lines().len(), users.len());
    } else {
        assert_eq!(first.code, None, "killed by the signal");
    }
    let finished_first: HashSet<String> =
        done_counts(&journal_lines(&journal)).into_keys().collect();
    assert!(!finished_first.is_empty() && finished_first.len() < users.len());
    let requests_first = emulator.requests().len();

    let second = run(Some(&target), &args, None);
    second.assert_code(0);
    let summary = second.summary();
    assert_eq!(summary["skipped"], finished_first.len());
    assert_eq!(
        summary["done"].as_u64().unwrap() as usize,
        users.len() - finished_first.len()
    );

    // No user finished in the first run was sent again.
    let sent_again: Vec<String> = emulator.requests()[requests_first..]
        .iter()
        .flat_map(ids_changed_by)
        .filter(|id| finished_first.contains(id))
        .collect();
    assert!(sent_again.is_empty(), "acted on twice: {sent_again:?}");
    // Every user done exactly once in the journal, and in the emulator's state.
    let done = done_counts(&journal_lines(&journal));
    assert_eq!(done.len(), users.len());
    assert!(done.values().all(|&n| n == 1), "a user done twice");
    assert!(users.iter().all(|id| !is(&emulator, id, field)));
}

fn users(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user_2{prefix}{i:0>20}")).collect()
}

#[test]
fn ctrl_c_mid_run_then_the_same_command_finishes_the_job_once() {
    // One request per user (lock and unlock), and bulk requests of 50 (ban and unban).
    stop_and_resume("unlock", "locked", &users("Unlock", 200), "INT", 20);
    stop_and_resume("unban", "banned", &users("Unban", 1_000), "INT", 100);
}

#[test]
fn killed_outright_mid_run_then_the_same_command_finishes_the_job_once() {
    stop_and_resume("unlock", "locked", &users("Kill", 200), "KILL", 20);
}

#[test]
fn sigterm_stops_like_ctrl_c() {
    let emulator = slow_emulator(40);
    let ids: Vec<String> = (0..100).map(|_| emulator.seed_user(None)).collect();
    let scratch = Scratch::new("term");
    let file = scratch.file("ids.txt", ids.join("\n").as_bytes());
    let journal = scratch.path("journal.jsonl");
    let child = spawn(
        Some(&Target::of(&emulator)),
        &[
            "lock",
            "--from",
            path_str(&file),
            "--yes",
            "--journal",
            path_str(&journal),
            "--concurrency",
            "1",
        ],
    );
    wait_for_lines(&journal, 5);
    signal(&child, "TERM");
    let ran = finish(child, Vec::new(), RUN_LIMIT);
    ran.assert_code(3);
    assert!(
        ran.stderr.contains("stopped early: interrupted"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("run the same command again"),
        "{}",
        ran.stderr
    );
    assert_eq!(journal_lines(&journal).len(), 100);
}

#[test]
fn a_finished_journal_sends_nothing_and_a_dry_run_journal_does_not_count_for_the_real_run() {
    let emulator = Emulator::start().unwrap();
    let ids: Vec<String> = (0..3).map(|_| emulator.seed_banned_user()).collect();
    let scratch = Scratch::new("finished");
    let journal = scratch.path("journal.jsonl");
    let target = Target::of(&emulator);
    let with = |extra: &[&str]| {
        let mut args = vec!["unban", "--json", "--journal", path_str(&journal)];
        args.extend(ids.iter().map(String::as_str));
        args.extend(extra);
        run(Some(&target), &args, None)
    };
    with(&["--dry-run"]).assert_code(0);
    assert!(ids.iter().all(|id| is(&emulator, id, "banned")));
    // The dry run's would_change lines do not finish the real run.
    let real = with(&[]);
    real.assert_code(0);
    assert_eq!(real.summary()["done"], 3);
    assert!(ids.iter().all(|id| !is(&emulator, id, "banned")));
    // Now everything is finished: nothing is sent.
    let before = emulator.request_count();
    let again = with(&[]);
    again.assert_code(0);
    assert_eq!(again.summary()["skipped"], 3);
    assert_eq!(emulator.request_count(), before);
}

/// An emulator with users banned, and a journal an unban of them wrote (one run line, then an
/// outcome per user).
fn journaled_unban(scratch: &Scratch, emulator: &Emulator, n: usize) -> (Vec<String>, PathBuf) {
    let ids: Vec<String> = (0..n).map(|_| emulator.seed_banned_user()).collect();
    let journal = scratch.path("unban.journal");
    let mut args = vec!["unban", "--journal", path_str(&journal)];
    args.extend(ids.iter().map(String::as_str));
    run(Some(&Target::of(emulator)), &args, None).assert_code(0);
    (ids, journal)
}

#[test]
fn the_journal_starts_with_its_run_line_which_holds_no_key() {
    let emulator = Emulator::start().unwrap();
    let scratch = Scratch::new("run-line");
    let (_, journal) = journaled_unban(&scratch, &emulator, 2);
    let lines = all_journal_lines(&journal);
    let first = &lines[0];
    assert_eq!(first["clerk_moderate_journal"], 1, "{first}");
    assert_eq!(first["instance"], "development");
    assert_eq!(first["api_url"], format!("{}/v1", emulator.base_url()));
    assert_eq!(first["action"], "unban");
    assert_eq!(first["dry_run"], false);
    let fingerprint = clerk_moderation_core::SecretKey::new(emulator.secret_key())
        .unwrap()
        .fingerprint();
    assert_eq!(first["key_fingerprint"], fingerprint.as_str());
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(
        !text.contains(emulator.secret_key()),
        "the key is in the journal"
    );
    assert_eq!(lines.len(), 3);
}

#[test]
fn a_journal_of_another_instance_url_or_action_is_refused_naming_both_and_sends_nothing() {
    let development = Emulator::start().unwrap();
    let scratch = Scratch::new("bound");
    let (ids, journal) = journaled_unban(&scratch, &development, 3);
    let before = std::fs::read(&journal).unwrap();
    let refused = |target: &Target, action: &str, sides: &[String]| {
        let mut args = vec![action, "--journal", path_str(&journal)];
        args.extend(ids.iter().map(String::as_str));
        let ran = run(Some(target), &args, None);
        ran.assert_code(2);
        assert!(
            ran.stderr.contains("belongs to another run"),
            "{}",
            ran.stderr
        );
        for side in sides {
            assert!(ran.stderr.contains(side.as_str()), "{side}: {}", ran.stderr);
        }
        assert!(ran.stdout.is_empty(), "{}", ran.stdout);
        assert_eq!(
            std::fs::read(&journal).unwrap(),
            before,
            "the journal was changed"
        );
    };
    let fingerprint = |key: &str| {
        clerk_moderation_core::SecretKey::new(key)
            .unwrap()
            .fingerprint()
    };

    // Another instance: a production emulator with the same users, the same command.
    let production = Emulator::builder()
        .instance(clerk_moderation_conformance::emulator::Instance::Production)
        .start()
        .unwrap();
    for id in &ids {
        production.seed_user(Some(id));
    }
    let sides = [
        format!(
            "{} (a development instance)",
            fingerprint(development.secret_key())
        ),
        format!(
            "{} (a production instance)",
            fingerprint(production.secret_key())
        ),
    ];
    refused(&Target::of(&production), "unban", &sides);
    assert_eq!(production.request_count(), 0);

    // The same key at another URL.
    let elsewhere = Emulator::builder()
        .secret_key(development.secret_key())
        .start()
        .unwrap();
    let sides = [
        format!("{}/v1", development.base_url()),
        format!("{}/v1", elsewhere.base_url()),
    ];
    refused(&Target::of(&elsewhere), "unban", &sides);
    assert_eq!(elsewhere.request_count(), 0);

    // Another action on the same instance.
    let requests = development.request_count();
    let sides = ["for unban".to_owned(), "this run is ban".to_owned()];
    refused(&Target::of(&development), "ban", &sides);
    assert_eq!(development.request_count(), requests);
}

#[test]
fn a_journal_another_run_holds_is_refused() {
    let emulator = slow_emulator(50);
    let first_ids: Vec<String> = (0..200).map(|_| emulator.seed_user(None)).collect();
    let second_ids: Vec<String> = (0..3).map(|_| emulator.seed_user(None)).collect();
    let scratch = Scratch::new("held");
    let ids = scratch.file("ids.txt", first_ids.join("\n").as_bytes());
    let journal = scratch.path("lock.journal");
    let target = Target::of(&emulator);
    let first = spawn(
        Some(&target),
        &[
            "lock",
            "--from",
            path_str(&ids),
            "--yes",
            "--concurrency",
            "1",
            "--journal",
            path_str(&journal),
        ],
    );
    wait_for_lines(&journal, 1);

    let mut args = vec!["lock", "--journal", path_str(&journal)];
    args.extend(second_ids.iter().map(String::as_str));
    let second = run(Some(&target), &args, None);
    second.assert_code(2);
    assert!(
        second
            .stderr
            .contains("is held by another run of clerk-moderate"),
        "{}",
        second.stderr
    );

    signal(&first, "INT");
    finish(first, Vec::new(), RUN_LIMIT).assert_code(3);
    let sent: Vec<String> = emulator
        .requests()
        .iter()
        .flat_map(ids_changed_by)
        .collect();
    assert!(
        second_ids.iter().all(|id| !sent.contains(id)),
        "the refused run sent a request"
    );
    // Once the first run is over, the journal is free again.
    run(Some(&target), &args, None).assert_code(0);
}

#[test]
fn a_journal_from_before_the_binding_is_refused_and_left_alone() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_banned_user();
    let scratch = Scratch::new("legacy");
    let content = format!(
        "{{\"user_id\":\"{user}\",\"action\":\"unban\",\"outcome\":\"done\",\"banned\":false,\"locked\":false,\"status\":null,\"code\":null,\"trace_id\":null,\"message\":null}}\n"
    );
    let journal = scratch.file("old.journal", content.as_bytes());
    let ran = run(
        Some(&Target::of(&emulator)),
        &["unban", user.as_str(), "--journal", path_str(&journal)],
        None,
    );
    ran.assert_code(2);
    assert!(
        ran.stderr.contains("earlier clerk-moderate"),
        "{}",
        ran.stderr
    );
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), content);
    assert_eq!(emulator.request_count(), 0);
    assert!(is(&emulator, &user, "banned"));
}

#[test]
fn a_byte_order_mark_at_the_start_of_a_journal_is_accepted() {
    let emulator = Emulator::start().unwrap();
    let scratch = Scratch::new("bom");
    let (ids, journal) = journaled_unban(&scratch, &emulator, 3);
    let mut content = "\u{feff}".as_bytes().to_vec();
    content.extend(std::fs::read(&journal).unwrap());
    std::fs::write(&journal, content).unwrap();
    let before = emulator.request_count();
    let mut args = vec!["unban", "--json", "--journal", path_str(&journal)];
    args.extend(ids.iter().map(String::as_str));
    let ran = run(Some(&Target::of(&emulator)), &args, None);
    ran.assert_code(0);
    assert_eq!(ran.summary()["skipped"], 3);
    assert_eq!(emulator.request_count(), before);
}

#[test]
fn quiet_leaves_the_journal_whole() {
    let emulator = Emulator::start().unwrap();
    let ids: Vec<String> = (0..3).map(|_| emulator.seed_banned_user()).collect();
    let scratch = Scratch::new("quiet-journal");
    let journal = scratch.path("unban.journal");
    let mut args = vec!["unban", "--quiet", "--journal", path_str(&journal)];
    args.extend(ids.iter().map(String::as_str));
    let ran = run(Some(&Target::of(&emulator)), &args, None);
    ran.assert_code(0);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    assert_eq!(done_counts(&journal_lines(&journal)).len(), 3);
}
