//! The `clerk-emulator` binary as a child process: its printed lines, how it stops, its options.

use std::time::{Duration, Instant};

use serde_json::json;

mod emulator_support;
use emulator_support::*;

const EXIT_WAIT: Duration = Duration::from_secs(10);

#[test]
fn prints_its_lines_and_serves_with_stdin_closed_until_sigterm() {
    let mut emulator = EmulatorProcess::spawn(&["--seed", "5"]);
    assert!(emulator.base_url.starts_with("http://127.0.0.1:"));
    assert!(emulator.secret_key.starts_with("sk_test_"));
    assert_eq!(emulator.ids("user").len(), 3);
    assert_eq!(emulator.ids("banned_user").len(), 1);
    assert_eq!(emulator.ids("locked_user").len(), 1);

    // As under `clerk-emulator &` or systemd: standard input at its end.
    drop(emulator.stdin.take());
    assert!(emulator.wait_exit(Duration::from_millis(500)).is_none());
    let banned = emulator.ids("banned_user").remove(0);
    let resp = emulator.call("GET", &format!("/v1/users/{banned}"), b"");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["banned"], true);

    emulator.signal("TERM");
    let status = emulator.wait_exit(EXIT_WAIT).expect("exits on SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[test]
fn sigint_stops_it() {
    let mut emulator = EmulatorProcess::spawn(&["--seed", "0"]);
    assert!(emulator.users.is_empty());
    emulator.signal("INT");
    let status = emulator.wait_exit(EXIT_WAIT).expect("exits on SIGINT");
    assert!(status.success(), "{status:?}");
}

#[test]
fn exit_on_stdin_close_when_asked() {
    let mut emulator = EmulatorProcess::spawn(&["--exit-on-stdin-close"]);
    assert_eq!(emulator.call("GET", "/v1/users/count", b"").status, 200);
    drop(emulator.stdin.take());
    let status = emulator
        .wait_exit(EXIT_WAIT)
        .expect("exits when stdin closes");
    assert!(status.success(), "{status:?}");
}

#[test]
fn instances_and_rate_limits() {
    let production = EmulatorProcess::spawn(&["--instance", "production", "--seed", "1"]);
    assert!(production.secret_key.starts_with("sk_live_"));
    let development = EmulatorProcess::spawn(&["--instance", "development", "--seed", "1"]);
    assert!(development.secret_key.starts_with("sk_test_"));
    let overridden = EmulatorProcess::spawn(&["--instance", "production", "--rate-limit", "2"]);
    for (emulator, limit) in [(&development, 100), (&overridden, 2)] {
        let auth = format!("Bearer {}", emulator.secret_key);
        let mut client = Client::connect_to(emulator.addr);
        for i in 0..=limit {
            let resp = client.request("GET", "/v1/users/count", &[("Authorization", &auth)], b"");
            let expected = if i < limit { 200 } else { 429 };
            assert_eq!(resp.status, expected, "request {i} of limit {limit}");
        }
    }
    let auth = format!("Bearer {}", production.secret_key);
    let mut client = Client::connect_to(production.addr);
    for _ in 0..150 {
        let resp = client.request("GET", "/v1/users/count", &[("Authorization", &auth)], b"");
        assert_eq!(resp.status, 200);
    }
}

#[test]
fn latency_option() {
    let emulator = EmulatorProcess::spawn(&["--latency", "250"]);
    let start = Instant::now();
    assert_eq!(emulator.call("GET", "/v1/users/count", b"").status, 200);
    assert!(start.elapsed() >= Duration::from_millis(250));
}

#[test]
fn users_file_is_served_as_given() {
    let dir = std::env::temp_dir().join(format!("clerk-emulator-users-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users.json");
    let users = json!([
        { "id": "user_plain", "banned": false, "locked": false, "future_field": [1] },
        { "id": "user_banned", "banned": true, "locked": false },
        { "id": "user_locked", "banned": false, "locked": true, "lockout_expires_in_seconds": null },
    ]);
    std::fs::write(&file, serde_json::to_vec(&users).unwrap()).unwrap();
    let emulator = EmulatorProcess::spawn(&["--users", file.to_str().unwrap()]);
    assert_eq!(emulator.ids("user"), ["user_plain"]);
    assert_eq!(emulator.ids("banned_user"), ["user_banned"]);
    assert_eq!(emulator.ids("locked_user"), ["user_locked"]);
    let resp = emulator.call("GET", "/v1/users/user_plain", b"");
    assert_eq!(resp.json(), users[0]);
    drop(emulator);

    // With --seed too, both.
    let emulator = EmulatorProcess::spawn(&["--users", file.to_str().unwrap(), "--seed", "3"]);
    assert_eq!(emulator.users.len(), 6);

    std::fs::write(&file, b"[{\"no\":\"id\"}]").unwrap();
    let output = run_emulator(&["--users", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("item 0"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn realistic_seed_option() {
    let emulator = EmulatorProcess::spawn(&["--seed", "20"]);
    assert_eq!(emulator.users.len(), 20);
    assert_eq!(emulator.ids("banned_user").len(), 2);
    assert_eq!(emulator.ids("locked_user").len(), 2);
    let resp = emulator.call("GET", "/v1/users?limit=100", b"");
    assert_eq!(ids_of(&resp).len(), 20);
}

#[test]
fn bulk_unknown_option() {
    let emulator = EmulatorProcess::spawn(&["--bulk-unknown", "skip", "--seed", "1"]);
    let known = emulator.ids("user");
    let body = bulk_body(&[known[0].clone(), "user_unknown".into()]);
    let resp = emulator.call("POST", "/v1/users/ban", &body);
    assert_eq!(resp.status, 200);
    assert_eq!(ids_of(&resp), known);
    drop(emulator);

    let emulator = EmulatorProcess::spawn(&["--seed", "1"]);
    let known = emulator.ids("user");
    let resp = emulator.call(
        "POST",
        "/v1/users/ban",
        &bulk_body(&[known[0].clone(), "x".into()]),
    );
    assert_eq!(resp.status, 404);
}

#[test]
fn trace_ids_differ_between_processes() {
    let trace = || {
        let emulator = EmulatorProcess::spawn(&["--seed", "0"]);
        let resp = emulator.call("GET", "/v1/users/nobody", b"");
        resp.header("clerk-trace-id").unwrap().to_owned()
    };
    assert_ne!(trace(), trace());
}

#[test]
fn help_version_and_bad_arguments() {
    let output = run_emulator(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--rate-limit",
        "--instance",
        "--latency",
        "--users",
        "--seed",
        "--bulk-unknown",
        "--exit-on-stdin-close",
        "--neighbour",
        "--retry-after",
        "--seed-size",
        "--bulk-answer",
        "--not-applied",
        "--not-clerk",
        "--fail-first",
        "--version",
        "peak_window",
        "/_emulator/stats",
    ] {
        assert!(help.contains(option), "{option}");
    }
    assert!(run_emulator(&["-h"]).status.success());
    let output = run_emulator(&["--version"]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("clerk-emulator {}", env!("CARGO_PKG_VERSION"))
    );
    for bad in [
        &["--bogus"][..],
        &["--instance", "staging"],
        &["--bulk-unknown", "maybe"],
        &["--latency", "soon"],
        &["--read-timeout", "0"],
        &["--seed"],
        &["--rate-limit", "5/0"],
        &["--rate-limit", "x"],
        &["--rate-limit", "5/"],
        &["--neighbour", "many"],
        &["--not-clerk", "teapot"],
        &["--bulk-answer", "some"],
        &["--retry-after", "later"],
        &["--seed-size", "big"],
        &["--fail-first", "-1"],
        &["--port", "70000"],
        &["positional"],
    ] {
        let output = run_emulator(bad);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(output.stdout.is_empty(), "{bad:?}");
        assert!(!output.stderr.is_empty(), "{bad:?}");
    }
    // `--name=value` works as before.
    let emulator = EmulatorProcess::spawn(&["--seed=1", "--instance=production"]);
    assert!(emulator.secret_key.starts_with("sk_live_"));
    assert_eq!(emulator.users.len(), 1);
}

/// `n` authenticated counts on one connection; their statuses.
fn statuses(emulator: &EmulatorProcess, n: usize) -> Vec<u16> {
    let auth = format!("Bearer {}", emulator.secret_key);
    let mut client = Client::connect_to(emulator.addr);
    (0..n)
        .map(|_| {
            client
                .request("GET", "/v1/users/count", &[("Authorization", &auth)], b"")
                .status
        })
        .collect()
}

#[test]
fn counts_are_served_and_printed_when_it_stops() {
    let mut emulator = EmulatorProcess::spawn(&["--rate-limit", "3/2", "--seed", "0"]);
    assert_eq!(statuses(&emulator, 5), [200, 200, 200, 429, 429]);
    let resp = emulator.call("GET", "/v1/users/count", b"");
    assert_eq!(resp.status, 429);
    let wait: u64 = resp.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    let stats = stats_of(emulator.addr);
    assert_eq!(stats["requests"], 6);
    assert_eq!(stats["rate_limited"], 3);
    assert_eq!(stats["peak_window"], 6);
    assert_eq!(stats["limit"], 3);
    assert_eq!(stats["window_ms"], 2000);

    let lines = emulator.stop_with("TERM");
    let expected = [
        ("requests", "6"),
        ("rate_limited", "3"),
        ("peak_window", "6"),
        ("neighbour_arrivals", "0"),
        ("limit", "3"),
        ("window_ms", "2000"),
    ];
    let lines: Vec<(&str, &str)> = lines
        .iter()
        .map(|(l, v)| (l.as_str(), v.as_str()))
        .collect();
    assert_eq!(lines, expected);

    let mut emulator = EmulatorProcess::spawn(&["--rate-limit", "0", "--seed", "0"]);
    assert_eq!(statuses(&emulator, 3), [200, 200, 200]);
    let lines = emulator.stop_with("INT");
    assert!(lines.contains(&("limit".to_owned(), "off".to_owned())));
    assert!(lines.contains(&("peak_window".to_owned(), "3".to_owned())));
    assert!(lines.contains(&("window_ms".to_owned(), "10000".to_owned())));
}

#[test]
fn a_neighbour_and_dated_retry_afters() {
    let emulator = EmulatorProcess::spawn(&[
        "--rate-limit",
        "10",
        "--neighbour",
        "5/10",
        "--retry-after",
        "http-date",
    ]);
    let got = statuses(&emulator, 7);
    assert_eq!(got, [200, 200, 200, 200, 200, 429, 429]);
    let resp = emulator.call("GET", "/v1/users/count", b"");
    assert_eq!(resp.status, 429);
    assert!(resp.header("date").is_none());
    let date = resp.header("retry-after").unwrap();
    assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
    assert!(
        (5..=6).contains(
            &stats_of(emulator.addr)["neighbour_arrivals"]
                .as_u64()
                .unwrap()
        )
    );
}

#[test]
fn misbehaviours_from_the_command_line() {
    let emulator = EmulatorProcess::spawn(&["--not-applied", "--seed", "2"]);
    let banned = emulator.ids("banned_user").remove(0);
    let resp = emulator.call("POST", &format!("/v1/users/{banned}/unban"), b"");
    assert_eq!(
        (resp.status, resp.json()["banned"].clone()),
        (200, json!(true))
    );
    let resp = emulator.call("GET", &format!("/v1/users/{banned}"), b"");
    assert_eq!(resp.json()["banned"], true);
    drop(emulator);

    let emulator = EmulatorProcess::spawn(&["--bulk-answer", "empty", "--seed", "2"]);
    let banned = emulator.ids("banned_user");
    let resp = emulator.call("POST", "/v1/users/unban", &bulk_body(&banned));
    assert_eq!((resp.status, resp.body.as_slice()), (200, &b"[]"[..]));
    let resp = emulator.call("GET", &format!("/v1/users/{}", banned[0]), b"");
    assert_eq!(resp.json()["banned"], false, "applied");
    drop(emulator);

    for (flag, extra_exists) in [("extra-existing", true), ("extra-made-up", false)] {
        let emulator = EmulatorProcess::spawn(&["--bulk-answer", flag, "--seed", "3"]);
        let asked = emulator.ids("user")[..1].to_vec();
        let answered = ids_of(&emulator.call("POST", "/v1/users/ban", &bulk_body(&asked)));
        assert_eq!((answered.len(), &answered[..1]), (2, &asked[..]), "{flag}");
        let extra = emulator.call("GET", &format!("/v1/users/{}", answered[1]), b"");
        assert_eq!(extra.status == 200, extra_exists, "{flag}");
    }

    for (flag, status, content_type) in [
        ("html-404", 404, Some("text/html")),
        ("empty-404", 404, None),
        ("json-404", 404, Some("application/json")),
        ("html-405", 405, Some("text/html")),
        ("empty-405", 405, None),
        ("json-405", 405, Some("application/json")),
    ] {
        let emulator = EmulatorProcess::spawn(&["--not-clerk", flag, "--seed", "1"]);
        let resp = emulator.call("GET", "/v1/users/count", b"");
        assert_eq!(resp.status, status, "{flag}");
        assert_eq!(resp.header("content-type"), content_type, "{flag}");
        assert!(resp.header("clerk-trace-id").is_none(), "{flag}");
    }

    let emulator = EmulatorProcess::spawn(&["--fail-first", "2", "--seed", "0"]);
    for _ in 0..2 {
        let resp = emulator.call("GET", "/v1/users/count", b"");
        assert_eq!(
            (resp.status, resp.error_code()),
            (500, "internal_clerk_error".into())
        );
    }
    assert_eq!(emulator.call("GET", "/v1/users/count", b"").status, 200);
}

#[test]
fn large_seeded_users_and_the_host_rule() {
    let emulator = EmulatorProcess::spawn(&["--seed", "3", "--seed-size", "20000"]);
    let id = emulator.ids("user").remove(0);
    let resp = emulator.call("GET", &format!("/v1/users/{id}"), b"");
    assert!(resp.body.len() >= 20_000, "{}", resp.body.len());
    let auth = format!("Bearer {}", emulator.secret_key);
    let raw = format!("GET /v1/users/{id} HTTP/1.1\r\nAuthorization: {auth}\r\n\r\n");
    let resp = raw_exchange(emulator.addr, raw.as_bytes());
    assert_eq!(resp.status, 400);
    assert_eq!(resp.header("connection"), Some("close"));
}
