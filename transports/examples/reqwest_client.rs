//! A newcomer's custom transport: a `reqwest::Client` the application already has (its own user
//! agent, pool and proxy settings) becomes the client's transport in one line, with no
//! conversion between `http` and reqwest types.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… [CLERK_API_URL=http://127.0.0.1:8080] \
//!     cargo run -p clerk-moderation-transports --features reqwest --example reqwest_client -- user_123
//! ```
//!
//! The transport's builder hands out a reqwest builder already set up as its own client is
//! (TLS with its roots, no redirects, HTTP/1.1, its connect timeout); the application adds its
//! settings and hands the client back. The transport keeps its own rules on top: HTTPS unless
//! the configured base URL is loopback `http://`, a response cap sized per request, every status
//! returned as a response.

use clerk_moderation_transports::reqwest::ReqwestTransport;
use clerk_moderation_transports::{ApiConfig, AsyncClient, UserId};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id: UserId = std::env::args()
        .nth(1)
        .ok_or("usage: reqwest_client <user_id>")?
        .parse()?;
    // The application's own client, on the transport's TLS and redirect settings.
    let transport = ReqwestTransport::builder();
    let http = transport
        .reqwest_builder()?
        .user_agent("my-app/1.0")
        .timeout(std::time::Duration::from_secs(20))
        .build()?;

    let client = AsyncClient::new(ApiConfig::from_env()?, transport.build_with_client(http)?);
    let user = client.get_user(&user_id).await?;
    println!(
        "{}: banned {}, locked {}",
        user.id, user.banned, user.locked
    );
    Ok(())
}
