//! A transport over a tower service: hyper-util's client behind tower's timeout layer, through
//! `TowerTransport`, driven by the async client. Reads a user.
//!
//! ```text
//! clerk-emulator &    # prints its base_url and secret_key
//! CLERK_SECRET_KEY=sk_test_… CLERK_API_URL=http://127.0.0.1:8080 \
//!     cargo run -p clerk-moderation-transports --features tower,hyper --example tower_timeout -- user_123
//! ```
//!
//! A loopback `http://` `CLERK_API_URL` (an emulator) is accepted as it is: the requests of such
//! a configuration carry the core's `LoopbackHttp` mark. Any other URL must be `https://`.
//!
//! Why a timeout layer and not a retry layer: retries are the client's, whose `RetryPolicy`
//! knows what Clerk's answers mean (a 429's `Retry-After`, a 404 that no retry helps); a tower
//! retry layer under it would multiply its attempts.

use std::time::Duration;

use clerk_moderation_core::{ApiConfig, UserId};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::tower::TowerTransport;
use clerk_moderation_transports::{AsyncClient, TransportErrorKind};
use tower::ServiceBuilder;
use tower::timeout::error::Elapsed;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let user_id = std::env::args()
        .nth(1)
        .ok_or("usage: tower_timeout <user_id>")?;
    let config = ApiConfig::from_env()?;

    // Any hyper-util client is a tower service; this one is the hyper transport's own (rustls
    // with Mozilla's roots, a 5 s connect timeout, a keep-alive pool). The whole-call timeout
    // is the layer's: the tower transport leaves timeouts to the service it wraps.
    let client = HyperTransport::new().client().clone();
    let service = ServiceBuilder::new()
        .timeout(Duration::from_secs(30))
        .service(client);
    // The layer's error is tower's own: say what it means, so that a run retries it as a
    // timeout that may have been sent.
    let transport: TowerTransport<_> = TowerTransport::builder()
        .error_kind(|error| error.is::<Elapsed>().then_some(TransportErrorKind::Timeout))
        .build(service)?;

    let client = AsyncClient::new(config, transport);
    let user = client.get_user(&UserId::new(user_id)?).await?;
    println!(
        "{}: banned {}, locked {}",
        user.id, user.banned, user.locked
    );
    Ok(())
}
