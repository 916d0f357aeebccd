//! `--budget`: runs of one instance share its rate budget — the machine's budget file by
//! default, Redis when given, none with `off` — and say which on the banner.

mod cli_support;

use std::process::Stdio;
use std::time::Duration;

use clerk_moderation_conformance::emulator::Emulator;
use clerk_moderation_conformance::redis_server::{RedisServer, free_port};
use cli_support::*;

/// An emulator that allows 20 requests per 2 s, with `n` users to unlock.
fn limited(n: usize) -> (Emulator, Vec<String>) {
    let emulator = Emulator::builder()
        .rate_limit(20, Duration::from_secs(2))
        .start()
        .expect("the emulator starts");
    let users = emulator.seed(n);
    (emulator, users)
}

/// `clerk-moderate unlock` of `users` at the emulator's limit, with its state directory in
/// `state` and `args` added; started, not awaited.
fn unlock(
    target: &Target,
    state: &Scratch,
    users: &[String],
    args: &[&str],
) -> std::process::Child {
    let mut all = vec!["unlock", "--yes", "--json", "--rate", "20/2"];
    all.extend_from_slice(args);
    all.extend(users.iter().map(String::as_str));
    command(Some(target), &all)
        .env("XDG_STATE_HOME", path_str(&state.path("")))
        .env_remove("CLERK_MODERATE_BUDGET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clerk-moderate starts")
}

/// Waits for each run; checks each ended 0 with one `done` per user and no 429: returns the
/// runs.
fn all_done(children: Vec<std::process::Child>, users_each: usize) -> Vec<Ran> {
    let runs: Vec<Ran> = children
        .into_iter()
        .map(|child| finish(child, Vec::new(), RUN_LIMIT))
        .collect();
    for ran in &runs {
        ran.assert_code(0);
        assert_eq!(ran.outcomes("done"), users_each, "{}", ran.stderr);
        assert_eq!(ran.summary()["rate_limited"], 0, "{}", ran.stderr);
    }
    runs
}

#[test]
fn runs_side_by_side_and_one_after_the_other_share_the_machines_budget_without_a_429() {
    let (emulator, users) = limited(90);
    let target = Target::of(&emulator);
    let state = Scratch::new("budget-file");
    // Each run alone paces itself to the limit: side by side, only a shared budget keeps them
    // together under it.
    let side_by_side = vec![
        unlock(&target, &state, &users[..30], &[]),
        unlock(&target, &state, &users[30..60], &[]),
    ];
    let runs = all_done(side_by_side, 30);
    assert!(
        runs[0]
            .stderr
            .contains("budget: shared by this machine's runs through"),
        "{}",
        runs[0].stderr
    );
    // Then one more right after: the window the two just spent is still counted.
    all_done(vec![unlock(&target, &state, &users[60..], &[])], 30);
    let fingerprint = clerk_moderation_core::SecretKey::new(emulator.secret_key())
        .unwrap()
        .fingerprint();
    assert!(
        state
            .path(&format!("clerk-moderate/budget-{fingerprint}"))
            .is_file(),
        "the budget file is in the state directory, named by the fingerprint"
    );
}

#[test]
fn off_shares_nothing_and_a_budget_that_is_none_is_a_usage_error() {
    let (emulator, users) = limited(2);
    let target = Target::of(&emulator);
    let state = Scratch::new("budget-off");
    let ran = all_done(
        vec![unlock(&target, &state, &users, &["--budget", "off"])],
        2,
    );
    assert!(
        ran[0].stderr.contains("budget: not shared (--budget off)"),
        "{}",
        ran[0].stderr
    );
    assert!(!state.path("clerk-moderate").exists(), "no budget file");

    let before = emulator.request_count();
    let child = unlock(
        &target,
        &state,
        &users,
        &["--budget", "memcached://u:Secret9@h/0"],
    );
    let ran = finish(child, Vec::new(), RUN_LIMIT);
    ran.assert_code(2);
    assert!(ran.stderr.contains("is not a budget"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("Secret9"), "{}", ran.stderr);
    assert_eq!(emulator.request_count(), before, "nothing was sent");
}

#[test]
fn a_redis_that_cannot_be_reached_is_a_usage_error_before_anything_is_sent() {
    let (emulator, users) = limited(2);
    let target = Target::of(&emulator);
    let state = Scratch::new("budget-unreachable");
    let url = format!("redis://ops:Hunter2Pass@127.0.0.1:{}/0", free_port());
    let mut command = command(Some(&target), &["unlock", "--yes", &users[0]]);
    command
        .env("XDG_STATE_HOME", path_str(&state.path("")))
        .env("CLERK_MODERATE_BUDGET", &url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let ran = finish(command.spawn().unwrap(), Vec::new(), RUN_LIMIT);
    ran.assert_code(2);
    assert!(
        ran.stderr.contains("CLERK_MODERATE_BUDGET"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("nothing was sent"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("Hunter2Pass"), "{}", ran.stderr);
    assert_eq!(emulator.request_count(), 0);
}

#[test]
fn runs_side_by_side_share_a_redis_budget_named_by_option_or_environment() {
    let redis = RedisServer::start();
    let (emulator, users) = limited(60);
    let target = Target::of(&emulator);
    let state = Scratch::new("budget-redis");
    let by_option = unlock(&target, &state, &users[..30], &["--budget", &redis.url(0)]);
    let mut by_env = command(
        Some(&target),
        &[
            &["unlock", "--yes", "--json", "--rate", "20/2"][..],
            &users[30..].iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat(),
    );
    by_env
        .env("XDG_STATE_HOME", path_str(&state.path("")))
        .env("CLERK_MODERATE_BUDGET", redis.url(0))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let runs = all_done(vec![by_option, by_env.spawn().unwrap()], 30);
    for ran in &runs {
        assert!(
            ran.stderr.contains(&format!(
                "budget: shared through redis://127.0.0.1:{}/0 (key clerk-moderation:budget:",
                redis.port
            )),
            "{}",
            ran.stderr
        );
    }
    assert!(
        !state.path("clerk-moderate").exists(),
        "Redis, not the file"
    );
}
