//! Unlocks a user with the blocking client over ureq.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… [CLERK_API_URL=http://127.0.0.1:8080] \
//!     cargo run -p clerk-moderation-transports --features ureq --example unlock_ureq -- user_123
//! ```
//!
//! A `CLERK_API_URL` of plain `http://` is accepted for loopback hosts only (an emulator), with
//! no setting on the transport: the core marks the requests of such a configuration.

use clerk_moderation_core::{ApiConfig, UserId};
use clerk_moderation_transports::{Client, ureq::UreqTransport};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .ok_or("usage: unlock_ureq <user_id>")?;

    // A loopback `http://` CLERK_API_URL marks every request as allowed over plain HTTP; the
    // transport still checks the host is loopback. Anything else must be `https://`.
    let client = Client::new(ApiConfig::from_env()?, UreqTransport::new());
    let user = client.unlock(&UserId::new(user_id)?)?;
    println!("{} locked: {}", user.id, user.locked);
    Ok(())
}
