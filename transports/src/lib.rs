//! Ready-made I/O for [`clerk_moderation_core`]: a blocking transport on ureq, an async one on
//! hyper, and clients that run Clerk's user-moderation operations over any transport with the
//! core's retry policy.
//!
//! The core builds `http::Request`s and reads `http::Response`s; this crate sends them. Any
//! [`Transport`] or [`AsyncTransport`] works with the clients (a closure is one), so the
//! built-in adapters are a convenience, not a requirement.
//!
//! # Features
//!
//! | feature | adds | pulls in |
//! | --- | --- | --- |
//! | *(none)* | [`Client`] (blocking, over any [`Transport`]), [`TransportErrorKind`], [`is_loopback_host`] | the core and `http` only |
//! | `ureq` | `ureq::UreqTransport` (blocking) | ureq 3, rustls (ring), webpki-roots, webpki-root-certs, rustls-native-certs |
//! | `tokio` | `AsyncClient` (async, over any [`AsyncTransport`]; sleeps with tokio's timer) | tokio (`time`) |
//! | `hyper` | `hyper::HyperTransport` (async); implies `tokio` | hyper 1, hyper-util, hyper-rustls (ring), webpki-roots, rustls-native-certs, tokio |
//! | `reqwest` | `reqwest::ReqwestTransport` (async); implies `tokio` | reqwest 0.13 (rustls, no default features), webpki-roots, rustls-native-certs, tokio |
//!
//! Each adapter module re-exports the crates its escape hatches take (`ureq::ureq`,
//! `hyper::hyper_util`, `hyper::hyper_rustls`, `reqwest::reqwest`), so a user-built agent or
//! client is of the very version this crate links.
//!
//! No feature is on by default. No OpenSSL, nothing that needs a C toolchain beyond `ring`'s.
//!
//! # Safe defaults
//!
//! Both built-in transports:
//! - **never follow redirects**: a 3xx comes back as a response (the core reads it as an error
//!   with [`ResponseError::is_redirect`](clerk_moderation_core::ResponseError::is_redirect)),
//!   so the `Authorization` header is never carried to another host;
//! - **return every status as a response**, never as a transport error, so Clerk's error body
//!   (code, trace id, `Retry-After`) is read by the core;
//! - **require HTTPS**: plain `http://` is refused before any DNS lookup or connection, unless
//!   the host is loopback (`localhost`, `127.0.0.0/8`, `::1`) *and* `allow_loopback_http(true)`
//!   was set on the builder (for emulators and tests). Checked on every send;
//! - **time out**: 5 s to connect, 30 s for the whole call, body included (both configurable);
//! - **cap the response body** at 1 MiB (configurable), failing with a typed error;
//! - **reuse connections** (keep-alive pools);
//! - **never show the secret key**: their errors hold neither the request nor its headers, and
//!   an underlying error whose text would mention the key is withheld.
//!
//! Each transport error says whether the request may have been sent (`may_have_been_sent()`):
//! `false` when it certainly was not (refused URL, connection refused, TLS handshake failed),
//! `true` otherwise (a timeout or reset after writing, a body too large).
//!
//! The clients retry as [`RetryPolicy`](clerk_moderation_core::RetryPolicy) says (429 after its
//! `Retry-After`, 409 `resource_locked`, 502/503/504, transport failures; never a 404), sleeping
//! in between; the bulk calls take any number of ids and send them 50 at a time.
//!
//! # Example
//!
//! ```
//! use clerk_moderation_core::{ApiConfig, RetryPolicy, SecretKey, UserId};
//! use clerk_moderation_transports::Client;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A closure standing in for a transport; with the `ureq` feature, use `UreqTransport::new()`.
//! let transport = |request: http::Request<Vec<u8>>| {
//!     assert_eq!(request.uri(), "https://api.clerk.com/v1/users/user_1/ban");
//!     http::Response::builder()
//!         .status(200)
//!         .body(br#"{"id":"user_1","object":"user","banned":true}"#.to_vec())
//! };
//! let client = Client::new(ApiConfig::new(SecretKey::new("sk_test_x")?), transport)
//!     .with_retry_policy(RetryPolicy::default().with_max_attempts(3));
//! let user = client.ban(&UserId::new("user_1")?)?;
//! assert!(user.banned);
//! # Ok(()) }
//! ```

use std::time::Duration;

mod client;
mod error;
mod scheme;
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
mod tls;
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
mod wire;

#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(feature = "ureq")]
pub mod ureq;
#[cfg(feature = "ureq")]
mod ureq_connect;
#[cfg(feature = "ureq")]
mod ureq_resolver;

pub use clerk_moderation_core;
pub use clerk_moderation_core::{AsyncTransport, Transport};

#[cfg(feature = "tokio")]
pub use client::TokioTimer;
pub use client::{
    AsyncClient, Client, ClientError, ClientErrorKind, DEFAULT_CALL_DEADLINE, Interrupt,
    RunObserver, RunReport, Timer,
};
pub use error::TransportErrorKind;
pub use scheme::is_loopback_host;

/// The default connect timeout of the built-in transports: 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default whole-call timeout of the built-in transports, response body included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default response-body cap of the built-in transports: 1 MiB.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 1024 * 1024;

/// The README's examples, compiled as doctests when both adapters are on.
#[cfg(all(doctest, feature = "ureq", feature = "hyper"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
