//! `clerk-moderate ban|unban|lock|unlock|get` against the emulator: the outcomes, exactly, as
//! JSON Lines and counted in the summary; the emulator's users as the outcomes say.

mod cli_support;

use std::collections::HashMap;

use clerk_moderation_conformance::emulator::{BulkUnknown, Emulator};
use cli_support::{Scratch, Target, banned_users, ids_changed_by, is, path_str, run};
use serde_json::Value;

/// Outcome per user, checking that each user has exactly one.
fn outcome_by_user(lines: &[Value]) -> HashMap<String, String> {
    let mut by_user = HashMap::new();
    for line in lines {
        let id = line["user_id"].as_str().unwrap().to_owned();
        let outcome = line["outcome"].as_str().unwrap().to_owned();
        assert!(by_user.insert(id.clone(), outcome).is_none(), "{id} twice");
    }
    by_user
}

#[test]
fn a_dry_run_changes_nothing_and_says_what_would() {
    let emulator = Emulator::start().unwrap();
    let banned = banned_users(&emulator, 3);
    let free = emulator.seed_user(None);
    let target = Target::of(&emulator);
    let mut args = vec![
        "unban",
        "--dry-run",
        "--json",
        "user_2NoSuchUserAtAll000000000",
    ];
    args.extend(banned.iter().map(String::as_str));
    args.push(&free);
    let ran = run(Some(&target), &args, None);
    ran.assert_code(1); // the unknown user
    let outcomes = outcome_by_user(&ran.json_lines());
    for id in &banned {
        assert_eq!(outcomes[id], "would_change");
    }
    assert_eq!(outcomes[&free], "unchanged");
    assert_eq!(outcomes["user_2NoSuchUserAtAll000000000"], "not_found");
    let would = ran
        .json_lines()
        .into_iter()
        .find(|l| l["user_id"] == banned[0].as_str())
        .unwrap();
    assert_eq!(would["banned"], true);
    assert_eq!(would["action"], "unban");

    let summary = ran.summary();
    assert_eq!(
        (
            summary["would_change"].as_u64(),
            summary["unchanged"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(summary["done"], 0);
    // Nothing changed, and nothing but reads was sent.
    assert!(banned.iter().all(|id| is(&emulator, id, "banned")));
    assert!(
        emulator
            .requests()
            .iter()
            .all(|r| r.method == http::Method::GET),
        "a dry run sent a change"
    );
}

/// 10 000 ids from a file, 500 of them unknown, some repeated: every user gets exactly one
/// outcome, the right one, in both bulk behaviours of the emulator.
#[test]
fn ten_thousand_ids_with_unknown_ones_among_them_give_exact_outcomes() {
    for mode in [BulkUnknown::Reject, BulkUnknown::Skip] {
        let emulator = Emulator::builder()
            .no_rate_limit()
            .bulk_unknown(mode)
            .start()
            .unwrap();
        let known = banned_users(&emulator, 9_500);
        let mut ids = Vec::with_capacity(10_100);
        let mut unknown = Vec::new();
        for (i, id) in known.iter().enumerate() {
            ids.push(id.clone());
            if i % 19 == 0 && unknown.len() < 500 {
                let missing = format!("user_2Missing{i:0>16}");
                unknown.push(missing.clone());
                ids.push(missing);
            }
        }
        assert_eq!(unknown.len(), 500);
        // Repeats: acted on once.
        ids.extend(known.iter().take(100).cloned());
        let scratch = Scratch::new("ten-thousand");
        let file = scratch.file("ids.txt", ids.join("\n").as_bytes());

        let ran = run(
            Some(&Target::of(&emulator)),
            &[
                "unban",
                "--from",
                path_str(&file),
                "--yes",
                "--json",
                "--rate",
                "100000/1",
            ],
            None,
        );
        ran.assert_code(1);
        let outcomes = outcome_by_user(&ran.json_lines());
        assert_eq!(outcomes.len(), 10_000, "{mode:?}");
        assert!(known.iter().all(|id| outcomes[id] == "done"), "{mode:?}");
        assert!(
            unknown.iter().all(|id| outcomes[id] == "not_found"),
            "{mode:?}"
        );
        let summary = ran.summary();
        assert_eq!(summary["done"], 9_500, "{mode:?}");
        assert_eq!(summary["not_found"], 500, "{mode:?}");
        assert_eq!(summary["failed"], 0);
        assert_eq!(summary["not_attempted"], 0);
        assert!(known.iter().all(|id| !is(&emulator, id, "banned")));
        // Bulk requests, 50 users at most each: 200 at least for 10 000 users.
        let requests = summary["requests"].as_u64().unwrap();
        assert!((200..2_000).contains(&requests), "{mode:?}: {requests}");
        assert_eq!(emulator.request_count() as u64, requests, "{mode:?}");
    }
}

#[test]
fn a_wrong_key_stops_after_one_request_and_leaves_the_rest_not_attempted() {
    let emulator = Emulator::start().unwrap();
    let users = banned_users(&emulator, 120);
    let scratch = Scratch::new("wrong-key");
    let file = scratch.file("ids.txt", users.join("\n").as_bytes());
    let wrong = Target::of(&emulator).with_key("sk_live_wrongwrongwrong0000");
    for (action, carried) in [("unban", 50), ("lock", 1)] {
        emulator.clear_requests();
        let ran = run(
            Some(&wrong),
            &[action, "--from", path_str(&file), "--yes", "--json"],
            None,
        );
        ran.assert_code(3);
        assert_eq!(emulator.request_count(), 1, "{action}: one request");
        assert_eq!(ran.outcomes("failed"), carried, "{action}");
        assert_eq!(ran.outcomes("not_attempted"), 120 - carried, "{action}");
        let line = ran
            .json_lines()
            .into_iter()
            .find(|l| l["outcome"] == "not_attempted")
            .unwrap();
        assert_eq!(line["status"], 401);
        assert_eq!(line["code"], "clerk_key_invalid");
        assert!(line["trace_id"].is_string());
        let summary = ran.summary();
        assert!(
            summary["stopped"]
                .as_str()
                .is_some_and(|s| s.contains("401")),
            "{summary}"
        );
        assert!(
            ran.stderr.contains("check CLERK_SECRET_KEY"),
            "{}",
            ran.stderr
        );
    }
    assert!(users.iter().all(|id| is(&emulator, id, "banned")));
}

#[test]
fn crlf_comments_blank_lines_and_duplicates_in_the_file() {
    let emulator = Emulator::start().unwrap();
    let users: Vec<String> = (0..4).map(|_| emulator.seed_locked_user()).collect();
    let content = format!(
        "# locked by the spam filter, 2026-11-20\r\n\r\n{}\r\n  {}  \r\n{} # again\r\n\t{}\r\n{}\r\n\r\n# end\r\n{}",
        users[0], users[1], users[0], users[2], users[1], users[3]
    );
    let scratch = Scratch::new("crlf");
    let file = scratch.file("ids.txt", content.as_bytes());
    emulator.clear_requests();
    let ran = run(
        Some(&Target::of(&emulator)),
        &["unlock", "--from", path_str(&file), "--json"],
        None,
    );
    ran.assert_code(0);
    let outcomes = outcome_by_user(&ran.json_lines());
    assert_eq!(outcomes.len(), 4);
    assert!(users.iter().all(|id| outcomes[id] == "done"));
    assert!(users.iter().all(|id| !is(&emulator, id, "locked")));
    // One request per distinct user: the repeats were dropped, not sent.
    let changed: Vec<String> = emulator
        .requests()
        .iter()
        .flat_map(ids_changed_by)
        .collect();
    let mut sorted = changed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(changed.len(), 4, "{changed:?}");
    assert_eq!(sorted.len(), 4);
    assert!(
        ran.stderr.contains("2 repeated ids dropped"),
        "{}",
        ran.stderr
    );
}

#[test]
fn readable_lines_and_exit_statuses() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_user(None);
    let target = Target::of(&emulator);

    let ran = run(Some(&target), &["ban", user.as_str()], None);
    ran.assert_code(0);
    assert!(
        ran.stdout.starts_with("done ") && ran.stdout.contains(&user),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("banned, not locked"), "{}", ran.stdout);
    assert!(ran.stderr.contains("ban: 1 done"), "{}", ran.stderr);
    assert!(is(&emulator, &user, "banned"));

    let ran = run(Some(&target), &["lock", user.as_str()], None);
    ran.assert_code(0);
    let ran = run(
        Some(&target),
        &["get", user.as_str(), "user_2NoSuchUserAtAll000000000"],
        None,
    );
    ran.assert_code(1);
    assert!(ran.stdout.contains("banned, locked"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .lines()
            .any(|l| l.starts_with("not_found") && l.contains("user_2NoSuchUserAtAll000000000")),
        "{}",
        ran.stdout
    );
    // A second ban of a banned user is done again: Clerk's ban is idempotent.
    run(Some(&target), &["ban", user.as_str()], None).assert_code(0);
}

#[test]
fn a_server_error_that_does_not_clear_is_failed_exit_1() {
    use clerk_moderation_conformance::emulator::Fault;
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_locked_user();
    // A 400 that no retry can fix, for the only request.
    emulator.push_fault(Fault::Status {
        status: 400,
        body: r#"{"errors":[{"message":"bad","long_message":"Bad request.","code":"form_param_invalid"}],"clerk_trace_id":"trace123"}"#.to_owned(),
        content_type: "application/json".to_owned(),
    });
    let ran = run(
        Some(&Target::of(&emulator)),
        &["unlock", user.as_str(), "--json"],
        None,
    );
    ran.assert_code(1);
    let line = &ran.json_lines()[0];
    assert_eq!(line["outcome"], "failed");
    assert_eq!(line["status"], 400);
    assert_eq!(line["code"], "form_param_invalid");
    assert_eq!(line["trace_id"], "trace123");
    assert!(line["message"].as_str().unwrap().contains("Bad request."));
    assert!(is(&emulator, &user, "locked"));
}

#[test]
fn quiet_prints_only_what_needs_attention_then_the_summary() {
    let emulator = Emulator::start().unwrap();
    let banned = banned_users(&emulator, 3);
    let free = emulator.seed_user(None);
    let unknown = "user_2NoSuchUserAtAll000000000";
    let target = Target::of(&emulator);
    let mut ids = vec![unknown];
    ids.extend(banned.iter().map(String::as_str));
    ids.push(&free);

    // A dry run: would_change and unchanged are what it is for; only the unknown user shows.
    for json in [false, true] {
        let mut args = vec!["unban", "--dry-run", "--quiet"];
        if json {
            args.push("--json");
        }
        args.extend(&ids);
        let ran = run(Some(&target), &args, None);
        ran.assert_code(1);
        let lines: Vec<&str> = ran.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "{}", ran.stdout);
        assert!(lines[0].contains(unknown), "{}", lines[0]);
        if json {
            assert_eq!(ran.json_lines()[0]["outcome"], "not_found");
            assert_eq!(ran.summary()["would_change"], 3);
            assert_eq!(ran.summary()["unchanged"], 1);
        } else {
            assert!(lines[0].starts_with("not_found"), "{}", lines[0]);
            assert!(
                ran.stderr
                    .contains("3 would change, 1 unchanged, 1 not found"),
                "{}",
                ran.stderr
            );
        }
    }

    // The real run: no done lines.
    let mut args = vec!["unban", "-q"];
    args.extend(&ids);
    let ran = run(Some(&target), &args, None);
    ran.assert_code(1);
    assert_eq!(ran.stdout.lines().count(), 1, "{}", ran.stdout);
    assert!(ran.stdout.starts_with("not_found"), "{}", ran.stdout);
    assert!(ran.stderr.contains("4 done, 1 not found"), "{}", ran.stderr);
    assert!(banned.iter().all(|id| !is(&emulator, id, "banned")));

    // Everything done: nothing on stdout at all, the summary on stderr.
    let ran = run(Some(&target), &["get", "--quiet", free.as_str()], None);
    ran.assert_code(0);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    assert!(ran.stderr.contains("get: 1 done"), "{}", ran.stderr);
}

#[test]
fn counts_read_right_in_the_singular_and_the_plural() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_locked_user();
    let other = emulator.seed_locked_user();
    let target = Target::of(&emulator);
    let cases: [(Vec<&str>, &[&str]); 4] = [
        (
            vec!["unlock", &user, &user, "--rate", "1/1"],
            &[
                "unlock 1 user (1 repeated id dropped) · at most 1 request per 1 s",
                "; 1 request (0 rate-limited)",
            ],
        ),
        (
            vec!["get", &user, &other, &other, &other],
            &[
                "get 2 users (2 repeated ids dropped)",
                "; 2 requests (0 rate-limited)",
            ],
        ),
        (
            vec!["list", "--limit", "1"],
            &["clerk-moderate: 1 user listed"],
        ),
        (
            vec!["list", "--limit", "2"],
            &["clerk-moderate: 2 users listed"],
        ),
    ];
    for (args, texts) in cases {
        let ran = run(Some(&target), &args, None);
        ran.assert_code(0);
        for text in texts {
            assert!(ran.stderr.contains(text), "{text}: {}", ran.stderr);
        }
    }
}
