//! `clerk-moderate` refuses what it cannot do safely, before it sends anything: no key, an
//! unknown option, an invalid id, a journal that is not one, many users unconfirmed (exit 2).

mod cli_support;

use clerk_moderation_conformance::emulator::Emulator;
use cli_support::{Scratch, Target, banned_users, is, path_str, run};

#[test]
fn without_a_key_every_command_but_demo_exits_2_naming_the_variable_and_sends_nothing() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_banned_user();
    let only_url = Target::of(&emulator).with_key("");
    for args in [
        vec!["unban", user.as_str()],
        vec!["get", user.as_str()],
        vec!["unban", "--dry-run", user.as_str()],
        vec!["list", "--banned"],
        vec!["count"],
    ] {
        let ran = run(Some(&only_url), &args, None);
        ran.assert_code(2);
        assert!(
            ran.stderr.contains("CLERK_SECRET_KEY is not set"),
            "{args:?}: {}",
            ran.stderr
        );
        assert!(ran.stdout.is_empty(), "{args:?}: {}", ran.stdout);
    }
    assert_eq!(emulator.request_count(), 0);
    assert!(is(&emulator, &user, "banned"));
}

#[test]
fn an_unknown_option_exits_2_and_sends_nothing() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_banned_user();
    let target = Target::of(&emulator);
    for args in [
        vec!["unban", "--bogus", user.as_str()],
        vec!["unban", user.as_str(), "--dryrun"],
        vec!["unban", "-x", user.as_str()],
        vec!["unban", "--rate", "0/10", user.as_str()],
        vec!["unban", "--concurrency", "0", user.as_str()],
        vec!["list", "--banned", "--not-banned"],
        vec!["list", "--created-after", "1763596800"],
        vec!["list", "--created-after", "yesterday"],
        vec!["count", "--limit", "3"],
        vec!["frobnicate"],
        vec![],
    ] {
        let ran = run(Some(&target), &args, None);
        ran.assert_code(2);
        assert!(ran.stdout.is_empty(), "{args:?}: {}", ran.stdout);
    }
    assert_eq!(emulator.request_count(), 0);
    assert!(is(&emulator, &user, "banned"));
}

#[test]
fn an_option_is_never_an_id_even_after_a_double_dash() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_banned_user();
    let ran = run(
        Some(&Target::of(&emulator)),
        &["unban", user.as_str(), "--", "--dry-run"],
        None,
    );
    ran.assert_code(2);
    assert!(
        ran.stderr.contains("options are never user ids"),
        "{}",
        ran.stderr
    );
    assert_eq!(emulator.request_count(), 0);
    assert!(is(&emulator, &user, "banned"));
}

#[test]
fn an_invalid_id_stops_the_command_naming_its_line_before_anything_is_sent() {
    let emulator = Emulator::start().unwrap();
    let users = banned_users(&emulator, 3);
    let scratch = Scratch::new("invalid");
    let file = scratch.file(
        "ids.txt",
        format!(
            "{}\n# fine\n{}\nuser_2/../admin\n{}\n",
            users[0], users[1], users[2]
        )
        .as_bytes(),
    );
    let target = Target::of(&emulator);
    let ran = run(
        Some(&target),
        &["unban", "--yes", "--from", path_str(&file)],
        None,
    );
    ran.assert_code(2);
    assert!(ran.stderr.contains("ids.txt line 4"), "{}", ran.stderr);
    // From stdin too, and as an argument.
    let ran = run(
        Some(&target),
        &["unban", "--from", "-"],
        Some(b"user_1\nuser 2\n"),
    );
    ran.assert_code(2);
    assert!(
        ran.stderr.contains("standard input line 2"),
        "{}",
        ran.stderr
    );
    let ran = run(Some(&target), &["lock", "user_1", "user_2?x=1"], None);
    ran.assert_code(2);
    assert!(ran.stderr.contains("argument 2"), "{}", ran.stderr);
    let ran = run(
        Some(&target),
        &["unban", "--from", "/nonexistent/ids"],
        None,
    );
    ran.assert_code(2);
    assert_eq!(emulator.request_count(), 0);
    assert!(users.iter().all(|id| is(&emulator, id, "banned")));
}

#[test]
fn more_than_ten_users_without_a_terminal_needs_yes() {
    let emulator = Emulator::start().unwrap();
    let users = banned_users(&emulator, 11);
    let target = Target::of(&emulator);
    let mut args = vec!["unban"];
    args.extend(users.iter().map(String::as_str));

    // Eleven users, stderr a pipe (no terminal to ask on), no --yes: refused, nothing sent.
    let ran = run(Some(&target), &args, None);
    ran.assert_code(2);
    assert!(ran.stderr.contains("pass --yes"), "{}", ran.stderr);
    assert_eq!(emulator.request_count(), 0);
    assert!(users.iter().all(|id| is(&emulator, id, "banned")));

    // A dry run and a read change nothing: no confirmation needed.
    for read in ["--dry-run", "get"] {
        let mut args = args.clone();
        if read == "get" {
            args[0] = "get";
        } else {
            args.push(read);
        }
        run(Some(&target), &args, None).assert_code(0);
    }
    assert!(users.iter().all(|id| is(&emulator, id, "banned")));

    // Ten need none; eleven with --yes go ahead.
    run(Some(&target), &args[..11], None).assert_code(0);
    assert!(users[..10].iter().all(|id| !is(&emulator, id, "banned")));
    args.push("--yes");
    run(Some(&target), &args, None).assert_code(0);
    assert!(!is(&emulator, &users[10], "banned"));
}

#[test]
fn a_journal_that_is_not_one_is_left_alone_and_nothing_is_sent() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_banned_user();
    let scratch = Scratch::new("not-a-journal");
    let content = format!("{user}\nuser_other\n");
    let ids = scratch.file("ids.txt", content.as_bytes());
    let ran = run(
        Some(&Target::of(&emulator)),
        &["unban", user.as_str(), "--journal", path_str(&ids)],
        None,
    );
    ran.assert_code(2);
    assert!(ran.stderr.contains("not an outcome"), "{}", ran.stderr);
    assert_eq!(std::fs::read_to_string(&ids).unwrap(), content);
    assert_eq!(emulator.request_count(), 0);
}

#[test]
fn plain_http_is_refused_unless_the_host_is_loopback() {
    let target = Target {
        url: "http://api.clerk.example".to_owned(),
        key: "sk_live_abcdef0123456789".to_owned(),
    };
    let ran = run(Some(&target), &["get", "user_1"], None);
    ran.assert_code(2);
    assert!(ran.stderr.contains("loopback"), "{}", ran.stderr);
}

#[test]
fn help_and_version_exit_0() {
    for args in [
        vec!["--help"],
        vec!["--version"],
        vec!["unban", "--help"],
        vec!["help", "list"],
    ] {
        let ran = run(None, &args, None);
        ran.assert_code(0);
        assert!(
            ran.stdout.contains("clerk-moderate"),
            "{args:?}: {}",
            ran.stdout
        );
    }
    let version = run(None, &["--version"], None);
    assert_eq!(
        version.stdout.trim(),
        format!("clerk-moderate {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_banner_names_the_instance_and_the_url_never_the_key() {
    let emulator = Emulator::builder()
        .instance(clerk_moderation_conformance::emulator::Instance::Production)
        .start()
        .unwrap();
    let user = emulator.seed_user(None);
    let target = Target::of(&emulator);
    let ran = run(Some(&target), &["get", user.as_str()], None);
    ran.assert_code(0);
    assert!(
        ran.stderr.contains("production instance (sk_live_ key)")
            && ran.stderr.contains(&format!("{}/v1", emulator.base_url())),
        "{}",
        ran.stderr
    );
    // `run` checked the key is in neither output; a wrong key is not echoed either.
    let wrong = target.with_key("sk_test_this_is_not_the_emulators_key");
    let ran = run(Some(&wrong), &["get", user.as_str()], None);
    ran.assert_code(3);
    assert!(ran.stderr.contains("development instance (sk_test_ key)"));
}

#[test]
fn ids_not_of_clerks_form_are_each_reported_with_their_line_and_nothing_is_sent() {
    let emulator = Emulator::start().unwrap();
    let users = banned_users(&emulator, 2);
    let scratch = Scratch::new("clerk-form");
    let file = scratch.file(
        "export.csv",
        format!(
            "email,user_id\n{}\nusr_123\n# fine\nuser_x,user_y\n{}\n",
            users[0], users[1]
        )
        .as_bytes(),
    );
    let target = Target::of(&emulator);
    let ran = run(
        Some(&target),
        &["unban", "--from", path_str(&file), "--yes"],
        None,
    );
    ran.assert_code(2);
    let notes: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(notes.len(), 4, "{}", ran.stderr);
    for (note, (number, id)) in
        notes
            .iter()
            .zip([(1, "email,user_id"), (3, "usr_123"), (5, "user_x,user_y")])
    {
        assert!(
            note.starts_with(&format!(
                "clerk-moderate: {} line {number}: {id:?} is not a user id",
                path_str(&file)
            )),
            "{note}"
        );
    }
    assert!(notes[0].contains("a CSV line?"), "{}", notes[0]);
    assert_eq!(
        notes[3],
        "clerk-moderate: 3 of 5 ids refused (above): nothing was sent"
    );
    assert!(ran.stdout.is_empty());

    // As arguments too.
    let ran = run(Some(&target), &["lock", "usr_123", users[0].as_str()], None);
    ran.assert_code(2);
    assert!(
        ran.stderr
            .contains("argument 1: \"usr_123\" is not a user id"),
        "{}",
        ran.stderr
    );
    assert_eq!(emulator.request_count(), 0);
    assert!(users.iter().all(|id| is(&emulator, id, "banned")));
}

#[test]
fn past_twenty_bad_lines_the_rest_are_counted() {
    let emulator = Emulator::start().unwrap();
    let text: String = (0..30).map(|i| format!("usr_{i}\n")).collect();
    let ran = run(
        Some(&Target::of(&emulator)),
        &["get", "--from", "-"],
        Some(text.as_bytes()),
    );
    ran.assert_code(2);
    let notes: Vec<&str> = ran.stderr.lines().collect();
    assert_eq!(notes.len(), 22, "{}", ran.stderr);
    assert!(
        notes[19].starts_with("clerk-moderate: standard input line 20: \"usr_19\""),
        "{}",
        notes[19]
    );
    assert_eq!(notes[20], "clerk-moderate: … and 10 more bad ids");
    assert_eq!(
        notes[21],
        "clerk-moderate: 30 of 30 ids refused (above): nothing was sent"
    );
    assert_eq!(emulator.request_count(), 0);
}

#[test]
fn a_byte_order_mark_at_the_start_of_an_ids_file_is_accepted() {
    let emulator = Emulator::start().unwrap();
    let users = banned_users(&emulator, 2);
    let scratch = Scratch::new("bom-ids");
    let file = scratch.file(
        "ids.txt",
        format!("\u{feff}{}\r\n{}\r\n", users[0], users[1]).as_bytes(),
    );
    let ran = run(
        Some(&Target::of(&emulator)),
        &["unban", "--from", path_str(&file)],
        None,
    );
    ran.assert_code(0);
    assert!(users.iter().all(|id| !is(&emulator, id, "banned")));
}

#[test]
fn a_key_that_is_not_a_secret_key_exits_2_naming_the_variable_never_the_value() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_banned_user();
    for key in [
        "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k",
        "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k",
        "eyJhbGciOiJSUzI1NiJ9.payload.signature",
        "live_0123456789abcdef",
    ] {
        let target = Target::of(&emulator).with_key(key);
        for args in [vec!["unban", user.as_str()], vec!["count"]] {
            // `run` checks that the key shows in neither output.
            let ran = run(Some(&target), &args, None);
            ran.assert_code(2);
            assert!(
                ran.stderr.contains("CLERK_SECRET_KEY"),
                "{key}: {}",
                ran.stderr
            );
            assert!(ran.stdout.is_empty());
        }
    }
    assert_eq!(emulator.request_count(), 0);
    assert!(is(&emulator, &user, "banned"));
}

#[test]
fn get_takes_no_dry_run_journal_or_yes() {
    let emulator = Emulator::start().unwrap();
    let user = emulator.seed_banned_user();
    let scratch = Scratch::new("get-options");
    let journal = scratch.path("get.journal");
    let target = Target::of(&emulator);
    for option in [
        vec!["--dry-run"],
        vec!["--journal", path_str(&journal)],
        vec!["--yes"],
    ] {
        let mut args = vec!["get", user.as_str()];
        args.extend(&option);
        let ran = run(Some(&target), &args, None);
        ran.assert_code(2);
        assert!(
            ran.stderr
                .contains(&format!("unexpected argument '{}'", option[0])),
            "{option:?}: {}",
            ran.stderr
        );
        assert!(ran.stdout.is_empty());
    }
    assert!(!journal.exists());
    assert_eq!(emulator.request_count(), 0);
    // The options it has still work.
    run(
        Some(&target),
        &["get", user.as_str(), "--json", "--quiet"],
        None,
    )
    .assert_code(0);
}
