//! The journal: a run stopped mid-way (Ctrl-C, or killed outright) and run again with the same
//! journal acts on no finished user twice, and ends with every user accounted for.

mod cli_support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::Emulator;
use cli_support::{
    RUN_LIMIT, Scratch, Target, command, finish, ids_changed_by, is, path_str, run, signal,
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
    let emulator = Emulator::builder()
        .no_rate_limit()
        .latency(Duration::from_millis(40))
        .start()
        .unwrap();
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

    let child = command(Some(&target), &args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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
    let emulator = Emulator::builder()
        .no_rate_limit()
        .latency(Duration::from_millis(40))
        .start()
        .unwrap();
    let ids: Vec<String> = (0..100).map(|_| emulator.seed_user(None)).collect();
    let scratch = Scratch::new("term");
    let file = scratch.file("ids.txt", ids.join("\n").as_bytes());
    let journal = scratch.path("journal.jsonl");
    let child = command(
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
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
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
