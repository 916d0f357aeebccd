//! [`Fault`]: one-shot misbehaviours, queued with
//! [`Emulator::push_fault`](super::handle::Emulator::push_fault) and taken one per request.

use std::time::Duration;

use super::knobs::{BulkAnswer, NotClerk};

/// A fault the emulator applies to one request instead of (or on top of) its normal answer.
///
/// Faults are queued with [`Emulator::push_fault`](super::handle::Emulator::push_fault) and
/// taken one per request, in order, whatever the request is. Every faulted request is recorded,
/// and one that carries the emulator's key counts in the rate-limit window like any arrival.
///
/// Two kinds:
/// - the request is handled normally (all checks, rate limit and state change included), then
///   the answer misbehaves: [`Fault::Delay`], [`Fault::ResetAfterHeaders`],
///   [`Fault::TruncatedBody`], [`Fault::NotApplied`], [`Fault::BulkAnswer`];
/// - the answer is replaced (no check, no state change): every other variant.
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
    /// A `429 too_many_requests` in Clerk's shape whose `Retry-After` is an HTTP-date
    /// `retry_after_secs` ahead (rounded up to a whole second), on an answer without a `Date`
    /// header.
    TooManyRequestsHttpDate {
        /// How far ahead the date is, in seconds.
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
    /// A `500 internal_clerk_error` in Clerk's shape, as Clerk answers when it fails.
    ClerkInternalError,
    /// An answer that is not Clerk's: a 404 or 405 with HTML, nothing, or JSON of another
    /// shape.
    NotClerk(NotClerk),
    /// A ban, unban, lock or unlock (single or bulk) answers 200 as usual but changes nothing:
    /// the answer shows the users as they are (still banned after an unban, say). Other
    /// requests are answered normally.
    NotApplied,
    /// A bulk ban or unban answers 200 with the array `answer` describes; the change is
    /// applied when `applied`. On a single-user action only `applied` counts; other requests
    /// are answered normally.
    BulkAnswer {
        /// Which users the array holds.
        answer: BulkAnswer,
        /// Whether the users change.
        applied: bool,
    },
}
