//! A newcomer's first program: unban a user, blocking, configured from the environment. The
//! README's three steps, as written.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… [CLERK_API_URL=http://127.0.0.1:8080] \
//!     cargo run -p clerk-moderation-transports --features ureq --example unban_from_env -- user_123
//! ```
//!
//! On failure it prints what went wrong, with what Clerk answered, then each cause under it,
//! and exits 1.

use std::process::ExitCode;

use clerk_moderation_transports::{ApiConfig, Client, UserId, ureq::UreqTransport};

fn main() -> ExitCode {
    match unban() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `unban_user failed after 1 attempt: Clerk answered 404 resource_not_found; …`,
            // then Clerk's own message and trace id.
            eprintln!("error: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn unban() -> Result<(), Box<dyn std::error::Error>> {
    let user_id: UserId = std::env::args()
        .nth(1)
        .ok_or("usage: unban_from_env <user_id>")?
        .parse()?;
    // 1. Configure from CLERK_SECRET_KEY and CLERK_API_URL (a loopback http:// URL is fine).
    let config = ApiConfig::from_env()?;
    // 2. A transport with safe defaults.
    let client = Client::new(config, UreqTransport::new());
    // 3. Call.
    let user = client.unban(&user_id)?;
    println!("{} banned: {}", user.id, user.banned);
    Ok(())
}
