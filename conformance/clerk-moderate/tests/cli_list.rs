//! `clerk-moderate list` and `count`: exactly the users the filters select, page after page;
//! `list … | clerk-moderate unban --from - --yes`; and `| head -1` ends it quietly.

mod cli_support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};

use clerk_moderation_conformance::emulator::Emulator;
use cli_support::{RUN_LIMIT, Target, finish, is, run, slow_emulator, spawn, wait_bounded};

/// The emulator's users for which `keep` holds.
fn selected(emulator: &Emulator, keep: impl Fn(&serde_json::Value) -> bool) -> HashSet<String> {
    emulator
        .user_ids()
        .into_iter()
        .filter(|id| keep(&emulator.user(id).unwrap()))
        .collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[test]
fn list_banned_finds_exactly_the_banned_users_across_pages() {
    let emulator = Emulator::builder().no_rate_limit().start().unwrap();
    emulator.seed_realistic(1_200);
    let target = Target::of(&emulator);
    let banned = selected(&emulator, |u| u["banned"] == true);
    assert!(banned.len() >= 100);

    let ran = run(Some(&target), &["list", "--banned"], None);
    ran.assert_code(0);
    let listed = lines(&ran.stdout);
    assert_eq!(listed.len(), banned.len(), "no user twice");
    assert_eq!(listed.into_iter().collect::<HashSet<_>>(), banned);

    // Every user: three pages of 500, each user once.
    emulator.clear_requests();
    let ran = run(Some(&target), &["list"], None);
    ran.assert_code(0);
    let all = lines(&ran.stdout);
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 1_200);
    assert_eq!(emulator.request_count(), 3);

    // --limit caps the total, and stops the paging there.
    emulator.clear_requests();
    let ran = run(Some(&target), &["list", "--limit", "700"], None);
    ran.assert_code(0);
    assert_eq!(lines(&ran.stdout), all[..700]);
    assert_eq!(emulator.request_count(), 2);
    let ran = run(
        Some(&target),
        &["list", "--not-banned", "--limit", "3"],
        None,
    );
    assert_eq!(lines(&ran.stdout).len(), 3);
    assert!(lines(&ran.stdout).iter().all(|id| !banned.contains(id)));

    // --json: one whole user per line.
    let ran = run(Some(&target), &["list", "--banned", "--json"], None);
    ran.assert_code(0);
    let users = ran.json_lines();
    assert_eq!(users.len(), banned.len());
    assert!(
        users
            .iter()
            .all(|u| u["banned"] == true && u["object"] == "user")
    );

    // count agrees.
    let ran = run(Some(&target), &["count", "--banned"], None);
    ran.assert_code(0);
    assert_eq!(ran.stdout.trim(), banned.len().to_string());
    let ran = run(Some(&target), &["count", "--json"], None);
    assert_eq!(ran.json_lines()[0]["total_count"], 1_200);
}

#[test]
fn time_filters_take_dates_timestamps_and_milliseconds() {
    let emulator = Emulator::builder().no_rate_limit().start().unwrap();
    emulator.seed_realistic(300);
    let target = Target::of(&emulator);
    // 2024-01-01, in the seeded users' year.
    let cut_ms: i64 = 1_704_067_200_000;
    let after = selected(&emulator, |u| u["created_at"].as_i64().unwrap() > cut_ms);
    assert!(!after.is_empty() && after.len() < 300);
    for when in [
        "2024-01-01",
        "2024-01-01T00:00:00Z",
        "2024-01-01T01:00:00+01:00",
        "1704067200000",
    ] {
        let ran = run(Some(&target), &["list", "--created-after", when], None);
        ran.assert_code(0);
        assert_eq!(
            lines(&ran.stdout).into_iter().collect::<HashSet<_>>(),
            after,
            "{when}"
        );
    }
    let before = selected(&emulator, |u| u["created_at"].as_i64().unwrap() < cut_ms);
    let ran = run(
        Some(&target),
        &["count", "--created-before", "2024-01-01"],
        None,
    );
    assert_eq!(ran.stdout.trim(), before.len().to_string());
    let signed_in = selected(&emulator, |u| {
        u["last_sign_in_at"].as_i64().is_some_and(|t| t > cut_ms)
    });
    let ran = run(
        Some(&target),
        &["count", "--last-sign-in-after", "2024-01-01"],
        None,
    );
    assert_eq!(ran.stdout.trim(), signed_in.len().to_string());
}

#[test]
fn list_then_unban_from_stdin() {
    let emulator = Emulator::builder().no_rate_limit().start().unwrap();
    emulator.seed_realistic(400);
    let target = Target::of(&emulator);
    let banned = selected(&emulator, |u| u["banned"] == true);
    let listed = run(Some(&target), &["list", "--banned"], None);
    listed.assert_code(0);
    let ran = run(
        Some(&target),
        &["unban", "--from", "-", "--yes", "--rate", "100000/1"],
        Some(listed.stdout.as_bytes()),
    );
    ran.assert_code(0);
    assert!(banned.iter().all(|id| !is(&emulator, id, "banned")));
    let count = run(Some(&target), &["count", "--banned"], None);
    assert_eq!(count.stdout.trim(), "0");
    // The output of `list --json` feeds it as well.
    let users: Vec<String> = banned.iter().take(5).cloned().collect();
    let json = run(
        Some(&target),
        &["list", "--json", "--not-banned", "--limit", "5"],
        None,
    );
    let ran = run(
        Some(&target),
        &["ban", "--from", "-"],
        Some(json.stdout.as_bytes()),
    );
    ran.assert_code(0);
    assert_eq!(lines(&ran.stdout).len(), users.len());
}

/// Reads one line of the child's stdout, then closes the pipe, as `| head -1` does.
fn head_one(mut child: std::process::Child) -> (String, cli_support::Ran) {
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    drop(reader);
    let ran = finish(child, Vec::new(), RUN_LIMIT);
    (first, ran)
}

#[test]
fn a_closed_stdout_ends_it_quietly() {
    let emulator = slow_emulator(20);
    let ids = emulator.seed(1_500);
    let target = Target::of(&emulator);

    // list --json | head -1: the first user, then a quiet exit 0 and no more pages (a page of
    // whole users is larger than a pipe's buffer, so the close is seen within the first page).
    let child = spawn(Some(&target), &["list", "--json", "--limit", "1200"]);
    let (first, ran) = head_one(child);
    assert!(first.starts_with("{\"id\":\"user_"), "{first}");
    ran.assert_code(0);
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("Broken pipe"), "{}", ran.stderr);
    assert_eq!(
        emulator.request_count(),
        1,
        "paging stopped at the closed pipe"
    );

    // lock ... | head -1: the run stops (nothing more sent), the summary says why, exit 3.
    emulator.clear_requests();
    let mut args = vec!["lock", "--yes", "--concurrency", "1", "--rate", "100000/1"];
    args.extend(ids.iter().take(300).map(String::as_str));
    let mut child = spawn(Some(&target), &args);
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    drop(reader);
    let stderr = child.stderr.take().unwrap();
    let code = wait_bounded(&mut child, RUN_LIMIT);
    let mut err = String::new();
    BufReader::new(stderr).lines().for_each(|l| {
        err.push_str(&l.unwrap());
        err.push('\n');
    });
    assert_eq!(code, Some(3), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("standard output closed"), "{err}");
    assert!(emulator.request_count() < 300, "it stopped sending");

    // The same with `get --json`: the JSON summary is still stderr's last line.
    let mut args = vec!["get", "--json", "--concurrency", "1"];
    args.extend(ids.iter().take(100).map(String::as_str));
    let child = spawn(Some(&target), &args);
    let (first, ran) = head_one(child);
    assert!(first.starts_with('{'), "{first}");
    ran.assert_code(3);
    assert_eq!(ran.summary()["stopped"], "standard output closed");
}
