//! Reads a user with the async client over reqwest, trusting an extra root certificate if one
//! is given (a corporate TLS proxy's CA, say).
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… [CLERK_API_URL=http://127.0.0.1:8080] [EXTRA_ROOTS_PEM=ca.pem] \
//!     cargo run -p clerk-moderation-transports --features reqwest --example get_user_reqwest -- user_123
//! ```
//!
//! A `CLERK_API_URL` of plain `http://` is accepted for loopback hosts only (an emulator), with
//! no setting on the transport: the core marks the requests of such a configuration.

use clerk_moderation_core::{ApiConfig, UserId};
use clerk_moderation_transports::{AsyncClient, reqwest::ReqwestTransport};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .ok_or("usage: get_user_reqwest <user_id>")?;

    let config = ApiConfig::from_env()?;
    let mut transport = ReqwestTransport::builder();
    if let Ok(path) = std::env::var("EXTRA_ROOTS_PEM") {
        // Added to Mozilla's roots; the timeouts and the body cap stay as they are.
        transport = transport.add_root_certificates_pem(std::fs::read(path)?)?;
    }

    let client = AsyncClient::new(config, transport.build()?);
    let user = client.get_user(&UserId::new(user_id)?).await?;
    println!(
        "{}: banned {}, locked {}",
        user.id, user.banned, user.locked
    );
    Ok(())
}
