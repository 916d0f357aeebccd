//! Unbans a user with the async client over hyper.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… [CLERK_API_URL=http://127.0.0.1:8080] \
//!     cargo run -p clerk-moderation-transports --features hyper --example unban_hyper -- user_123
//! ```
//!
//! A `CLERK_API_URL` of plain `http://` is accepted for loopback hosts only (an emulator), with
//! no setting on the transport: the core marks the requests of such a configuration.

use clerk_moderation_core::{ApiConfig, UserId};
use clerk_moderation_transports::{AsyncClient, hyper::HyperTransport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .ok_or("usage: unban_hyper <user_id>")?;

    let client = AsyncClient::new(ApiConfig::from_env()?, HyperTransport::new());
    let user = client.unban(&UserId::new(user_id)?).await?;
    println!("{} banned: {}", user.id, user.banned);
    Ok(())
}
