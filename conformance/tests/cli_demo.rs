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
            let unban = ran
                .stdout
                .lines()
                .skip_while(|l| !(l.starts_with(transport) && l.contains(" unban ")))
                .nth(1)
                .unwrap_or_else(|| panic!("{transport} unban\n{}", ran.stdout));
            assert!(
                unban.contains("banned, not locked  ->  not banned, not locked"),
                "{unban}"
            );
            let unlock = ran
                .stdout
                .lines()
                .skip_while(|l| !(l.starts_with(transport) && l.contains(" unlock ")))
                .nth(1)
                .unwrap();
            assert!(
                unlock.contains("locked (3600 s left)  ->  not banned, not locked"),
                "{unlock}"
            );
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
