//! A newcomer's web handler: an axum service whose `POST /users/{user_id}/unlock` unlocks the
//! user through the async client, and answers with what Clerk answered when it fails.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_test_… [CLERK_API_URL=http://127.0.0.1:8080] \
//!     cargo run -p clerk-moderation-transports --features hyper --example axum_unlock -- 127.0.0.1:3000
//! curl -X POST http://127.0.0.1:3000/users/user_123/unlock
//! ```
//!
//! `UserId` deserializes with its checks, so a path segment that could name another Clerk path
//! (`..`, `%2F`…) is a 400 before anything is sent. It prints `listening on http://ADDR` and
//! serves until Ctrl-C or SIGTERM.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::{ApiConfig, AsyncClient, ClientError, UserId};

type Clerk = Arc<AsyncClient<HyperTransport>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let client = AsyncClient::new(ApiConfig::from_env()?, HyperTransport::new());
    let app = Router::new()
        .route("/users/{user_id}/unlock", post(unlock))
        .with_state(Arc::new(client));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(stopped())
        .await?;
    Ok(())
}

/// `POST /users/{user_id}/unlock`: the user as Clerk answered, or the error.
async fn unlock(State(clerk): State<Clerk>, Path(user_id): Path<UserId>) -> Response {
    match clerk.unlock(&user_id).await {
        Ok(user) => {
            Json(serde_json::json!({ "id": user.id, "locked": user.locked })).into_response()
        }
        Err(error) => failure(&error),
    }
}

/// Clerk's 4xx passes through (a 404 stays a 404); anything else is the gateway's failure. The
/// body is the error's own words: what happened, and what Clerk answered.
fn failure(error: &ClientError) -> Response {
    let status = match error.status() {
        Some(status) if status.is_client_error() => {
            StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
        }
        _ => StatusCode::BAD_GATEWAY,
    };
    (status, error.to_string()).into_response()
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stopped() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM can be watched");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
