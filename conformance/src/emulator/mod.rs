//! An emulator of Clerk's Backend API user-moderation endpoints: a real HTTP/1.1 server on
//! `127.0.0.1` that keeps users with their ban and lock state.
//!
//! It runs a tokio runtime on its own thread, so blocking tests can use it as well as async
//! ones. It checks the bearer key and the `Clerk-API-Version` header, applies a per-key
//! fixed-window rate limit, answers with Clerk's error shapes, and injects faults on request.
//! Routing uses the crate's independent [`decoder`](crate::decoder).
//!
//! ```
//! use clerk_moderation_conformance::emulator::{Emulator, Fault};
//!
//! let emulator = Emulator::start().unwrap();
//! let id = emulator.seed_user(None);
//! assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
//! assert!(emulator.secret_key().starts_with("sk_test_"));
//! assert_eq!(emulator.user(&id).unwrap()["banned"], false);
//! emulator.push_fault(Fault::Html502);
//! emulator.shutdown();
//! ```
//!
//! Before anything else, the server reads the request within its limits: a head slower than the
//! read timeout (30 s by default) closes the connection; a body slower than it gets 408
//! `request_timeout`; a body over [`MAX_REQUEST_BODY`] gets 413 `request_body_too_large`
//! (both close the connection). The body of a request without the emulator's key is read and
//! thrown away, never kept. Then every request is checked in this order:
//!
//! 1. the next queued [`Fault`], if any (one per request, first in first out);
//! 2. `Authorization: Bearer <secret key>`: 401 `authentication_invalid` when missing or
//!    malformed, 401 `clerk_key_invalid` when the key is wrong;
//! 3. `Clerk-API-Version`, optional, but when present it must look like `YYYY-MM-DD`, else
//!    400 `api_version_invalid`;
//! 4. the rate limit of the key: 429 `too_many_requests` with `Retry-After` (seconds);
//! 5. the route: 404 `resource_not_found` for an unknown one, 405 for a wrong method (with
//!    `Allow`), 400 for a malformed body (as the spec documents for the bulk endpoints); `GET /v1/users` and `GET /v1/users/count` check their query
//!    parameters (422 `form_param_format_invalid` or `form_param_value_invalid` with
//!    `meta.param_name`) and answer a JSON array of users or `{"object":"total_count",…}`;
//! 6. bulk size: 1 to 50 ids, else 400 `bulk_size_exceeded`;
//! 7. the users: 404 `resource_not_found` when one does not exist (nothing changes); a bulk
//!    request with unknown ids is refused that way too, or, with [`BulkUnknown::Skip`], acts on
//!    the known ids and leaves the others out of its answer.
//!
//! Every error body is `{"errors":[{"message","long_message","code","meta"}],"clerk_trace_id"}`
//! and comes with a `Clerk-Trace-Id` header (random per emulator); every JSON answer has
//! `Content-Type: application/json`, exactly, as Clerk's.
//!
//! Memory stays bounded whatever callers do: at most [`MAX_CONNECTIONS`] connections at once
//! (each with a 64 KiB read buffer at most), request bodies of at most [`MAX_REQUEST_BODY`],
//! 32 MiB of bodies in flight in all, and a request log of at most [`MAX_RECORDED_REQUESTS`]
//! entries and [`MAX_RECORDED_BYTES`] bytes.

mod list;
mod log;
mod options;
mod random;
mod server;
mod state;
mod users;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use http::{HeaderMap, Method, Request, Response};
use serde_json::Value;
use tokio::sync::oneshot;

pub use log::{MAX_RECORDED_BYTES, MAX_RECORDED_REQUESTS};
pub use options::{BulkUnknown, EmulatorBuilder, Instance};
pub use server::{MAX_CONNECTIONS, MAX_REQUEST_BODY};
use state::Shared;
use users::LOCKOUT_SECONDS;

/// A fault the emulator applies to one request instead of (or on top of) its normal answer.
///
/// Faults are queued with [`Emulator::push_fault`] and taken one per request, in order.
/// Every faulted request is recorded. [`Fault::Delay`], [`Fault::ResetAfterHeaders`] and
/// [`Fault::TruncatedBody`] handle the request normally (all checks, rate limit and state
/// change included) before misbehaving; the other faults replace the answer: no check, no
/// state change, no rate-limit count.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then answer normally (the request is handled, state may change).
    Delay(Duration),
    /// Read the request, then close the connection without writing a byte.
    ResetBeforeHeaders,
    /// Handle the request normally (state may change), send the status and headers of the
    /// answer (200 for a valid request) with its full `Content-Length`, then abort the
    /// connection without sending a body byte.
    ResetAfterHeaders,
    /// Like [`Fault::ResetAfterHeaders`], but send the first half of the real body before
    /// aborting, so the body is shorter than its `Content-Length`.
    TruncatedBody,
    /// A `502` with `Content-Type: text/html` and an nginx error page, as a load balancer
    /// sends it.
    Html502,
    /// A `200` JSON body of exactly `bytes` bytes: a valid `User` padded with a long
    /// `public_metadata.padding` string (or `bytes` spaces when too small for a user).
    Oversized {
        /// The body's size in bytes.
        bytes: usize,
    },
    /// A `307 Temporary Redirect` to `location`, with an empty body.
    Redirect {
        /// The `Location` header.
        location: String,
    },
    /// A `429 too_many_requests` in Clerk's shape with `Retry-After: <retry_after_secs>`.
    TooManyRequests {
        /// The `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// Exactly this status, body and `Content-Type` (none when empty). An invalid status
    /// becomes 500.
    Status {
        /// The status code.
        status: u16,
        /// The body.
        body: String,
        /// The `Content-Type` header; empty for none.
        content_type: String,
    },
}

/// A request as the emulator received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The raw request target: path and query as received, not percent-decoded.
    pub path: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body; empty when the request did not carry the emulator's key (such bodies are read
    /// and discarded, never kept), when it was over [`MAX_REQUEST_BODY`] or too slow, or when
    /// it alone was larger than the log's byte limit.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// What this entry costs the log, roughly: its bytes and a fixed overhead per header and
    /// per entry, as counted against [`MAX_RECORDED_BYTES`].
    pub fn approximate_size(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 64)
            .sum();
        256 + self.path.len() + headers + self.body.len()
    }
}

/// A running emulator. Dropping it (or [`Emulator::shutdown`]) stops the server, closes every
/// connection and joins its thread.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator with the defaults: a free port, a generated `sk_test_` key, 1000
    /// requests per 10 s (Clerk's production limit, so that tests can go fast), no path
    /// prefix, no latency, bulk requests with unknown ids rejected.
    pub fn start() -> std::io::Result<Self> {
        EmulatorBuilder::default().start()
    }

    /// A builder for a configured emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The base URL clients should use, e.g. `http://127.0.0.1:43125` (with the path prefix,
    /// if one was configured, and no trailing `/`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The secret key clients must send as `Authorization: Bearer <key>`.
    pub fn secret_key(&self) -> &str {
        &self.shared.secret_key
    }

    // ---- users -----------------------------------------------------------------------------

    /// Creates a normal user (not banned, not locked) and returns its id: `id` if given
    /// (replacing any user with that id), else a generated `user_…` id (deterministic: the
    /// same sequence in every emulator).
    pub fn seed_user(&self, id: Option<&str>) -> String {
        self.shared.seed_user(id, |_| {})
    }

    /// Creates a banned user and returns its id.
    pub fn seed_banned_user(&self) -> String {
        self.shared
            .seed_user(None, |user| user["banned"] = true.into())
    }

    /// Creates a locked user (lockout expiring in an hour, no attempts left) and returns its id.
    pub fn seed_locked_user(&self) -> String {
        self.shared.seed_user(None, |user| {
            user["locked"] = true.into();
            user["lockout_expires_in_seconds"] = LOCKOUT_SECONDS.into();
            user["verification_attempts_remaining"] = 0.into();
        })
    }

    /// Creates `n` normal users and returns their ids, in creation order.
    pub fn seed(&self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.seed_user(None)).collect()
    }

    /// Creates `n` realistic users and returns their ids, in creation order: varied names,
    /// email addresses on reserved example domains, usernames (some missing), some external
    /// ids, creation times spread over the year before the emulator's epoch (2024-05-28), last
    /// sign-in and activity times after that (some never signed in). Every tenth user from the
    /// second on is banned, and every tenth from the third on is locked, so three or more
    /// users include both. The users are the same in every emulator; their ids too, for a
    /// fresh emulator.
    pub fn seed_realistic(&self, n: usize) -> Vec<String> {
        self.shared.seed_realistic(n)
    }

    /// Inserts (or replaces) a user given as a whole JSON object, exactly as it should be
    /// served, and returns its id. Moderation operations change `banned`, `locked`,
    /// `lockout_expires_in_seconds`, `verification_attempts_remaining` and `updated_at` and
    /// leave every other field as given.
    ///
    /// # Panics
    ///
    /// When `user` is not an object with a string `"id"`.
    pub fn insert_user(&self, user: Value) -> String {
        let id = user
            .get("id")
            .and_then(Value::as_str)
            .expect("insert_user: the user must be a JSON object with a string \"id\"")
            .to_owned();
        self.shared.insert_user(id.clone(), user);
        id
    }

    /// The current state of a user, as `GET /v1/users/{id}` would return it.
    pub fn user(&self, id: &str) -> Option<Value> {
        self.shared.user(id)
    }

    /// Removes a user (later requests for it answer 404) and returns it.
    pub fn remove_user(&self, id: &str) -> Option<Value> {
        self.shared.remove_user(id)
    }

    /// The ids of all users, sorted.
    pub fn user_ids(&self) -> Vec<String> {
        self.shared.user_ids()
    }

    // ---- faults ------------------------------------------------------------------------------

    /// Queues a fault for the next request that has none yet (first in, first out).
    pub fn push_fault(&self, fault: Fault) {
        self.shared.push_fault(fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// How many faults are still queued.
    pub fn pending_faults(&self) -> usize {
        self.shared.pending_faults()
    }

    // ---- request log and rate limit ----------------------------------------------------------

    /// The requests received so far (faulted ones included), in arrival order: the newest
    /// [`MAX_RECORDED_REQUESTS`] within [`MAX_RECORDED_BYTES`], so that a long-running emulator
    /// does not grow without bound.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// How many requests were received since the log was last cleared (all of them, even those
    /// the log no longer keeps).
    pub fn request_count(&self) -> usize {
        self.shared.request_count()
    }

    /// Starts every key's rate-limit window afresh.
    pub fn reset_rate_limits(&self) {
        self.shared.reset_rate_limits();
    }

    // ---- without the network -----------------------------------------------------------------

    /// Answers a request without the network, as the server would without a fault: it is
    /// recorded, checked (key, version, rate limit) and applied to the users. Queued faults are
    /// left for the server, and there is no latency. `req`'s URI may be a bare path
    /// (`/v1/users/…`) or absolute.
    pub fn handle(&self, req: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let path = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
        let authenticated = self.shared.is_authenticated(req.headers());
        self.shared.record(RecordedRequest {
            method: req.method().clone(),
            path: path.clone(),
            headers: req.headers().clone(),
            body: if authenticated {
                req.body().clone()
            } else {
                Vec::new()
            },
        });
        self.shared
            .respond(req.method(), &path, req.headers(), req.body())
    }

    /// Stops the server, closes every connection (even one waiting in a [`Fault::Delay`]) and
    /// joins the server thread.
    pub fn shutdown(self) {
        drop(self);
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}
