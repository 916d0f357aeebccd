//! Ready-made I/O for [`clerk_moderation_core`]: blocking and async transports (ureq, hyper,
//! reqwest, and any tower service), and clients that drive the core's state machines:
//! [`Client`] on threads, [`AsyncClient`] on any async runtime.
//!
//! The core builds `http::Request`s, reads `http::Response`s and decides everything else
//! (retries, deadlines, pacing, bulk chunking, one outcome per user); this crate only sends,
//! waits and reports. Any [`Transport`] or [`AsyncTransport`] works with the clients (a closure
//! is one), so the built-in adapters are a convenience, not a requirement.
//!
//! # Features
//!
//! | feature | adds | pulls in |
//! | --- | --- | --- |
//! | *(none)* | [`Client`] (blocking, over any [`Transport`]), [`AsyncClient`] (over any [`AsyncTransport`], with a [`Timer`] you give), [`TransportError`], [`TransportErrorKind`], [`is_loopback_host`] | the core and `http` only |
//! | `tokio` | `AsyncClient::new` and `TokioTimer`: tokio's timer | tokio (`time`) |
//! | `ureq` | `ureq::UreqTransport` (blocking) | ureq 3 (stable API only), rustls (ring), webpki-roots, webpki-root-certs, rustls-native-certs |
//! | `hyper` | `hyper::HyperTransport` (async); implies `tokio` | hyper 1, hyper-util, hyper-rustls (ring), webpki-roots, rustls-native-certs, tokio |
//! | `reqwest` | `reqwest::ReqwestTransport` (async); implies `tokio` | reqwest 0.13 (rustls, no default features), webpki-roots, rustls-native-certs, tokio |
//! | `tower` | `tower::TowerTransport` (async): over any `tower::Service<http::Request<B>>` | tower-service, http-body, http-body-util: no runtime, no TLS |
//! | `fetch` | on `wasm32-unknown-unknown` only: `fetch::FetchTransport` (JavaScript's `fetch`) and `fetch::JsTimer` (`setTimeout`), for a [`LocalAsyncClient`]; nothing on other targets | wasm-bindgen, wasm-bindgen-futures, js-sys, web-sys |
//! | `redis` | `budget::RedisBudget`: a rate budget shared by a fleet through Redis (its async side with `tokio`) | redis (`script`; `tokio-comp` with `tokio`): no HTTP adapter, no TLS |
//! | `tracing` | spans per call, run and attempt (operation, user id, attempt, status, Clerk code, trace id, waits); never a header or body | tracing |
//!
//! Each adapter module re-exports the crates its escape hatches take (`ureq::ureq`,
//! `hyper::hyper_util`, `hyper::hyper_rustls`, `reqwest::reqwest`, `tower::tower_service`), so
//! a user-built agent, client or service is of the very version this crate links.
//!
//! No feature is on by default. No OpenSSL, nothing that needs a C toolchain beyond `ring`'s.
//!
//! # Safe defaults
//!
//! Every built-in transport (the `fetch` transport as far as JavaScript lets it: its module says
//! what the platform cannot give, such as a connect timeout or a choice of TLS roots):
//! - **never follows redirects**: a 3xx comes back as a response (the core reads it as an error
//!   with [`ResponseError::is_redirect`](clerk_moderation_core::ResponseError::is_redirect)),
//!   so the `Authorization` header is never carried to another host;
//! - **returns every status as a response**, never as a transport error, so Clerk's error body
//!   (code, trace id, `Retry-After`) is read by the core;
//! - **requires HTTPS**: plain `http://` is refused before any DNS lookup or connection, unless
//!   the host is loopback (`localhost`, `127.0.0.0/8`, `::1`) *and* the caller asked for it: the
//!   request carries the core's [`LoopbackHttp`](clerk_moderation_core::LoopbackHttp) mark (an
//!   [`ApiConfig`] whose base URL is an explicit loopback `http://` URL gives it to every
//!   request), or `allow_loopback_http(true)` was set on the builder. The transport checks the
//!   host itself either way; loopback HTTP never goes through a proxy;
//! - **times out**: 5 s to connect (TLS handshake included), 30 s for the whole call, body
//!   included (both configurable);
//! - **caps the response body**, sized per request: the larger of the builder's
//!   `max_body_size` (1 MiB by default) and the request's
//!   [`ResponseCap`](clerk_moderation_core::ResponseCap) (64 KiB for each user the answer can
//!   hold: 6.4 MiB for a read of 100 users), failing with a typed error that says which cap
//!   applied and how to raise it;
//! - **trusts Mozilla's roots**, plus any PEM roots (`add_root_certificates_pem`, for a private
//!   CA or a corporate TLS proxy) and the operating system's store (`add_os_root_certificates`)
//!   you add on its builder, with the default timeouts kept;
//! - **reuses connections** (keep-alive pools), and sends `Content-Length: 0` on an empty POST;
//! - **never shows the secret key**: its errors hold neither the request nor its headers, and an
//!   underlying error whose text would mention the key is withheld.
//!
//! # What a failure means
//!
//! Every built-in adapter fails with one type, [`TransportError`], and classifies its failures
//! the same way ([`Transport::classify`], and `class()` on each error), so that a caller, and the
//! core's run, know whether the request reached Clerk and whether a retry can help:
//!
//! | failure | delivery | a retry can help |
//! | --- | --- | --- |
//! | refused insecure URL, invalid request, refused configuration | not sent | no |
//! | DNS failure, connection refused or unreachable, connect timeout | not sent | yes |
//! | TLS handshake failure (which one: [`TlsFailure`] — unknown issuer, expired, wrong name, not TLS at all) | not sent | no |
//! | whole-call timeout, reset or early close after sending | may have been sent | yes |
//! | body over the cap, malformed response | sent | no |
//!
//! A closure transport's plain error is read the safe way: may have been sent, transient.
//!
//! Every builder's `build…` returns `Result<_, TransportError>` (reading extra roots, say, can
//! fail), and every `new()` the defaults, which cannot.
//!
//! # Calls and runs
//!
//! A client's single-user methods (`unlock`, `unban`, `lock`, `ban`, `get_user`) and `execute`
//! retry as the [`RetryPolicy`] says (429 after its `Retry-After`, 409 `resource_locked`, a 500
//! from Clerk, 502/503/504, transient transport failures; never a 404 or a 401), within a 60 s
//! deadline per call. [`ClientError`] says why it stopped, with what Clerk answered.
//!
//! `run` does one action to any number of users with the core's
//! [`Run`](clerk_moderation_core::Run): paced under the key's rate limit, 50 a request for ban
//! and unban, one outcome per user handed to a [`RunObserver`] (a closure is one) as soon as it
//! is known, each on Clerk's evidence. [`Interrupt`] stops it cleanly. With a shared
//! [`budget`], several runs (threads, processes, machines) keep one key's pace together.
//!
//! # Tracing
//!
//! With the `tracing` feature, every call and run is traced under the crate's own target,
//! `clerk_moderation_transports`:
//!
//! | span | level | fields |
//! | --- | --- | --- |
//! | `clerk.call` | INFO | `operation` (`unlock_user`…), `user_id` |
//! | `clerk.run` | INFO | `action`, `users` |
//! | `clerk.attempt` (inside either) | DEBUG | `attempt` (`#3`), `user_id` or `users`, then `status`, `code`, `trace_id` once answered |
//!
//! Events: `answered` (DEBUG, `status`), `error response` (INFO, `status`, `code`,
//! `trace_id`), `no response` (INFO, `delivery`, `transient`), and `waiting` (DEBUG, `reason`
//! — `Pace`, `RateLimited` after a 429, `Backoff` before a retry, `InFlight` — and `wait_ms`).
//! No header and no body is ever recorded: the key cannot reach a log from here. With
//! `tracing-subscriber`'s `EnvFilter`, this shows a run request by request:
//!
//! ```text
//! RUST_LOG=clerk_moderation_transports=debug cargo run --example …
//! ```
//!
//! # Example
//!
//! ```
//! use clerk_moderation_transports::{
//!     Action, ApiConfig, Client, RetryPolicy, RunOptions, SecretKey, UserId, UserOutcome,
//! };
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
//!
//! // The same user, as a run of one with bulk off: one request, one outcome.
//! let mut outcomes = Vec::new();
//! let options = RunOptions::default().with_bulk(false);
//! let report = client.run(Action::Ban, [UserId::new("user_1")?], options,
//!     |outcome: UserOutcome| outcomes.push(outcome));
//! assert!(report.all_done());
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

use std::time::Duration;

pub mod budget;
mod client;
mod error;
#[cfg(any(
    feature = "ureq",
    feature = "hyper",
    feature = "reqwest",
    feature = "tower",
    all(feature = "fetch", target_family = "wasm", target_os = "unknown")
))]
mod scheme;
#[cfg(any(
    feature = "ureq",
    feature = "hyper",
    feature = "reqwest",
    feature = "tower",
    all(feature = "fetch", target_family = "wasm", target_os = "unknown")
))]
mod settings;
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
mod tls;
#[cfg(any(
    feature = "ureq",
    feature = "hyper",
    feature = "reqwest",
    feature = "tower"
))]
mod wire;

#[cfg(all(feature = "fetch", target_family = "wasm", target_os = "unknown"))]
pub mod fetch;
#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(feature = "tower")]
pub mod tower;
#[cfg(feature = "ureq")]
pub mod ureq;

pub use clerk_moderation_core;
pub use clerk_moderation_core::http;
// The core's names a call or a run needs, so that one import does for the common path.
pub use clerk_moderation_core::{
    Action, ApiConfig, AsyncTransport, BuildError, CallError, Delivery, EnvError, Failure,
    FailureCause, FailureClass, Instance, LocalAsyncTransport, NotAttemptedReason, Outcome,
    OutcomeKind, Pace, RateLimit, ResponseError, RetryPolicy, RunOptions, RunStats, SecretKey,
    StopReason, Transport, TransportFailure, User, UserId, UserOutcome, is_loopback_host,
};

#[cfg(feature = "tokio")]
pub use client::TokioTimer;
pub use client::{
    AsyncClient, Client, ClientError, DEFAULT_CALL_DEADLINE, Interrupt, LocalAsyncClient,
    LocalTimer, LocalTimerFn, RunObserver, RunReport, Timer, TimerHandle, local_timer_fn,
};
pub use error::{TlsFailure, TransportError, TransportErrorKind};

/// The default connect timeout of the built-in transports: 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default whole-call timeout of the built-in transports, response body included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The least response-body cap of the built-in transports: 1 MiB (a request may allow more, see
/// [`ResponseCap`](clerk_moderation_core::ResponseCap)).
pub const DEFAULT_MAX_BODY_SIZE: u64 = 1024 * 1024;

/// The README's examples, compiled as doctests when both adapters are on.
#[cfg(all(doctest, feature = "ureq", feature = "hyper"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
