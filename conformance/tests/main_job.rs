//! The main job (`moderate`), run as a user runs it: as a process.

use std::process::{Command, Output};

use clerk_moderation_conformance::emulator::Emulator;

fn moderate(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_moderate"));
    command
        .args(args)
        .env_remove("CLERK_SECRET_KEY")
        .env_remove("CLERK_API_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

#[test]
fn with_nothing_set_it_unbans_and_unlocks_through_both_transports_on_the_emulator() {
    let output = moderate(&[], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("emulator listening on http://127.0.0.1:"),
        "{stdout}"
    );
    for transport in ["ureq", "hyper"] {
        let unban = stdout
            .lines()
            .find(|l| l.contains(transport) && l.contains("unban "))
            .expect("an unban line");
        assert!(
            unban.contains("banned, unlocked  ->  not banned, unlocked"),
            "{unban}"
        );
        let unlock = stdout
            .lines()
            .find(|l| l.contains(transport) && l.contains("unlock "))
            .expect("an unlock line");
        assert!(
            unlock.contains("locked (3600 s left)  ->  not banned, unlocked"),
            "{unlock}"
        );
    }
}

#[test]
fn with_a_key_it_acts_on_the_ids_given_against_the_named_server() {
    let emulator = Emulator::start().unwrap();
    let banned = emulator.seed_banned_user();
    let locked = emulator.seed_locked_user();
    let url = emulator.base_url();
    let env = [
        ("CLERK_SECRET_KEY", emulator.secret_key()),
        ("CLERK_API_URL", url.as_str()),
    ];

    let output = moderate(&[&banned, &locked], &env);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(emulator.user(&banned).unwrap()["banned"], false);
    assert_eq!(emulator.user(&locked).unwrap()["locked"], false);
    assert!(stdout.contains("acting on 2 user(s)"), "{stdout}");

    // An unknown id is reported, the others still acted on, and the exit status says so.
    let other = emulator.seed_banned_user();
    let output = moderate(&["user_unknown", &other], &env);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("user_unknown") && stderr.contains("resource_not_found"),
        "{stderr}"
    );
    assert_eq!(emulator.user(&other).unwrap()["banned"], false);
    assert!(
        !stderr.contains(emulator.secret_key()),
        "the key must not be printed: {stderr}"
    );
    emulator.shutdown();
}

#[test]
fn with_a_key_and_no_ids_it_says_what_is_missing() {
    let output = moderate(
        &[],
        &[
            ("CLERK_SECRET_KEY", "sk_test_x"),
            ("CLERK_API_URL", "http://127.0.0.1:9"),
        ],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("name the user ids"));
}
