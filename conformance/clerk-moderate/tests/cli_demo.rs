//! `clerk-moderate demo`, the README's main job: it runs with nothing set, acts through both
//! transports on the embedded emulator, shows each user before and after, and says it was local.

mod cli_support;

use cli_support::{Target, run};

#[test]
fn the_demo_needs_no_key_and_shows_before_and_after_through_both_transports() {
    // A key in the environment is not used: the demo never leaves the machine.
    let decoy = Target {
        url: "https://api.clerk.com".to_owned(),
        key: "sk_live_decoy_must_not_be_used_0123".to_owned(),
    };
    for target in [None, Some(&decoy)] {
        let ran = run(target, &["demo"], None);
        ran.assert_code(0);
        for transport in ["[ureq] ", "[hyper]"] {
            for (command, before) in [
                (" unban ", "banned, not locked"),
                (" unlock ", "not banned, locked (3600 s left)"),
            ] {
                // The lines under the command's header, up to the blank line.
                let block: Vec<&str> = ran
                    .stdout
                    .lines()
                    .skip_while(|l| {
                        !(l.starts_with(transport)
                            && l.contains(command)
                            && !l.contains("--dry-run"))
                    })
                    .skip(1)
                    .take_while(|l| !l.is_empty())
                    .collect();
                let changed = format!("{before}  ->  not banned, not locked");
                assert!(
                    block.len() >= 2
                        && block
                            .iter()
                            .filter(|l| !l.contains("not_found"))
                            .all(|l| l.starts_with("        done") && l.contains(&changed)),
                    "{transport}{command}: {block:?}"
                );
            }
        }
        assert!(ran.stdout.contains("--dry-run"), "{}", ran.stdout);
        assert!(ran.stdout.contains("would_change"), "{}", ran.stdout);
        assert!(ran.stdout.contains("not_found"), "{}", ran.stdout);
        assert!(
            ran.stdout.contains("That was a local demo"),
            "{}",
            ran.stdout
        );
        assert!(
            ran.stdout.contains("export CLERK_SECRET_KEY="),
            "{}",
            ran.stdout
        );
        assert!(
            !ran.stdout.contains("api.clerk.com/v1/users"),
            "{}",
            ran.stdout
        );
    }
}
