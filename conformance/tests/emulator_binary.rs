//! The `clerk-emulator` binary as a child process: its printed lines, how it stops, its options.

use std::process::{Command, Stdio};
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
    let output = Command::new(env!("CARGO_BIN_EXE_clerk-emulator"))
        .args(["--users", file.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
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
fn help_and_bad_arguments() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clerk-emulator"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let output = run(&["--help"]);
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
    ] {
        assert!(help.contains(option), "{option}");
    }
    for bad in [
        &["--bogus"][..],
        &["--instance", "staging"],
        &["--bulk-unknown", "maybe"],
        &["--latency", "soon"],
        &["--read-timeout", "0"],
        &["--seed"],
    ] {
        assert_eq!(run(bad).status.code(), Some(2), "{bad:?}");
    }
}
