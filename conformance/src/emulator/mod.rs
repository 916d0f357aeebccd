//! An emulator of Clerk's Backend API user-moderation endpoints: a real HTTP/1.1 server on
//! `127.0.0.1` that keeps users with their ban and lock state.
//!
//! It runs a tokio runtime on its own thread, so blocking tests can use it as well as async
//! ones. It checks the bearer key and the `Clerk-API-Version` header, applies the key's rate
//! limit as Clerk counts it (a sliding window over arrivals), answers with Clerk's error
//! shapes, and misbehaves on request: once, with a queued [`Fault`], or for its whole life,
//! with the [`EmulatorBuilder`]'s knobs. Routing uses the crate's independent
//! [`decoder`](crate::decoder).
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
//! When a request's head has been read, an HTTP/1.1 request without exactly one `Host` header
//! gets 400 and the connection closes (RFC 9112, section 3.2), and `GET /_emulator/stats`
//! answers [`EmulatorStats`] as JSON (outside Clerk's API: no key needed, nothing counted).
//! Every other request is counted, and, when it carries the emulator's key, its arrival is
//! counted in the rate-limit window then, before its body and any latency. Then the server
//! reads the body within its limits: a head slower than the read timeout (30 s by default)
//! closes the connection; a body slower than it gets 408 `request_timeout`; a body over
//! [`MAX_REQUEST_BODY`] gets 413 `request_body_too_large` (both close the connection). The body
//! of a request without the emulator's key is read and thrown away, never kept. Then every
//! request is answered by the first of these that applies:
//!
//! 1. the next queued [`Fault`], if any (one per request, first in first out);
//! 2. an answer that is not Clerk's, for every request, with [`EmulatorBuilder::not_clerk`];
//! 3. Clerk's `500 internal_clerk_error`, for the first requests, with
//!    [`EmulatorBuilder::fail_first`];
//! 4. `Authorization: Bearer <secret key>`: 401 `authentication_invalid` when missing or
//!    malformed, 401 `clerk_key_invalid` when the key is wrong;
//! 5. `Clerk-API-Version`, optional, but when present it must look like `YYYY-MM-DD`, else
//!    400 `api_version_invalid`;
//! 6. the rate limit of the key, as decided on arrival: 429 `too_many_requests` with
//!    `Retry-After` (whole seconds until the window has room, or an HTTP-date with
//!    [`RetryAfter::HttpDate`]);
//! 7. the route: 404 `resource_not_found` for an unknown one, 405 for a wrong method (with
//!    `Allow`), 400 for a malformed body (as the spec documents for the bulk endpoints); `GET /v1/users` and `GET /v1/users/count` check their query
//!    parameters (422 `form_param_format_invalid` or `form_param_value_invalid` with
//!    `meta.param_name`) and answer a JSON array of users or `{"object":"total_count",…}`;
//! 8. bulk size: 1 to 50 ids, else 400 `bulk_size_exceeded`;
//! 9. the users: 404 `resource_not_found` when one does not exist (nothing changes); a bulk
//!    request with unknown ids is refused that way too, or, with [`BulkUnknown::Skip`], acts on
//!    the known ids and leaves the others out of its answer. An action changes its users and
//!    answers them (unless [`EmulatorBuilder::not_applied`] or [`Fault::NotApplied`] says it
//!    changes nothing, or [`EmulatorBuilder::bulk_answer`] or [`Fault::BulkAnswer`] says a
//!    bulk answer holds other users).
//!
//! Every error body is `{"errors":[{"message","long_message","code","meta"}],"clerk_trace_id"}`
//! and comes with a `Clerk-Trace-Id` header (random per emulator); every JSON answer has
//! `Content-Type: application/json`, exactly, as Clerk's. Every answer has a `Date` header,
//! but a 429 whose `Retry-After` is an HTTP-date.
//!
//! The rate limit: see [`EmulatorBuilder::rate_limit`]. An arrival is refused when the window
//! `(now - per, now]` already holds the limit; refused arrivals count too (the stricter reading
//! of Clerk's "all subsequent requests ... will be blocked"), and so do the phantom arrivals of
//! an [`EmulatorBuilder::neighbour`]. [`Emulator::stats`] reports the requests, the 429s and the
//! peak number of real arrivals in any window.
//!
//! Memory stays bounded whatever callers do: at most [`MAX_CONNECTIONS`] connections at once
//! (each with a 64 KiB read buffer at most), request bodies of at most [`MAX_REQUEST_BODY`],
//! 32 MiB of bodies in flight in all, a request log of at most [`MAX_RECORDED_REQUESTS`]
//! entries and [`MAX_RECORDED_BYTES`] bytes, and a rate-limit window of at most 100 000
//! entries. Users are kept as the bytes they are served as, and answers share those bytes
//! instead of copying them, so a page of 100 users of 40 KB costs no more memory than a page
//! of small ones, however many clients ask at once.

// Imports go one way, from the handle and the builder down to the leaves:
// builder -> handle -> server -> api -> state -> store -> list -> user_view, with
// answers, body, fault, knobs, rate_limit, request_log and stats below what uses them.
mod answers;
mod api;
mod body;
mod builder;
mod fault;
mod handle;
mod knobs;
mod list;
mod random;
mod rate_limit;
mod request_log;
mod server;
mod state;
mod stats;
mod store;
mod user_view;
mod users;
mod users_file;

pub use body::MAX_REQUEST_BODY;
pub use builder::EmulatorBuilder;
pub use fault::Fault;
pub use handle::Emulator;
pub use knobs::{BulkAnswer, BulkUnknown, Instance, NotClerk, RetryAfter};
pub use rate_limit::RateLimit;
pub use request_log::{MAX_RECORDED_BYTES, MAX_RECORDED_REQUESTS, RecordedRequest};
pub use server::MAX_CONNECTIONS;
pub use stats::EmulatorStats;
