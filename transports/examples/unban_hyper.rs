//! Unbans a user with the async client over hyper.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… [CLERK_API_URL=http://127.0.0.1:8080] \
//!     cargo run -p clerk-moderation-transports --features hyper --example unban_hyper -- user_123
//! ```
//!
//! A `CLERK_API_URL` of plain `http://` is accepted for loopback hosts only (an emulator).

use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
use clerk_moderation_transports::{AsyncClient, hyper::HyperTransport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("CLERK_SECRET_KEY").map_err(|_| "set CLERK_SECRET_KEY")?;
    let user_id = std::env::args()
        .nth(1)
        .ok_or("usage: unban_hyper <user_id>")?;

    let mut config = ApiConfig::new(SecretKey::new(key)?);
    let mut transport = HyperTransport::builder();
    if let Ok(url) = std::env::var("CLERK_API_URL") {
        config = config.with_base_url(&url)?;
        // Plain HTTP stays refused for anything but a loopback host.
        transport = transport.allow_loopback_http(true);
    }

    let client = AsyncClient::new(config, transport.build()?);
    let user = client.unban(&UserId::new(user_id)?).await?;
    println!("{} banned: {}", user.id, user.banned);
    Ok(())
}
