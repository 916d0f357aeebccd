//! The `tracing` feature's spans and events, in one place so that the drivers read the same
//! with it or without it: without the feature every function here is an empty inline one.
//!
//! Spans: `clerk.call` (operation, user id) and `clerk.run` (action, users) over the whole job;
//! `clerk.attempt` (attempt, user id or user count) per request, which gets `status`, `code` and
//! `trace_id` when answered. Events: each answer, each transport failure (its class only: a
//! transport's error text is not ours to vouch for), each wait (reason, milliseconds). Never a
//! header, never a body: the key cannot reach a log from here.

#[cfg(feature = "tracing")]
mod enabled {
    use std::time::Duration;

    use clerk_moderation_core::http::Response;
    use clerk_moderation_core::{AttemptId, FailureClass, Instant, ResponseError, WaitReason};
    use tracing::{Span, field};

    /// A span over a whole call or run.
    pub(crate) struct JobSpan(Span);

    /// A span over one attempt.
    pub(crate) struct AttemptSpan(Span);

    pub(crate) fn call(operation: &'static str, user_id: Option<&str>) -> JobSpan {
        JobSpan(tracing::info_span!("clerk.call", operation, user_id))
    }

    pub(crate) fn run(action: &str, users: usize) -> JobSpan {
        JobSpan(tracing::info_span!("clerk.run", action, users))
    }

    pub(crate) fn attempt(
        job: &JobSpan,
        attempt: AttemptId,
        user_id: Option<&str>,
        users: usize,
    ) -> AttemptSpan {
        let span = tracing::debug_span!(
            parent: &job.0,
            "clerk.attempt",
            attempt = attempt.to_string(),
            user_id,
            users,
            status = field::Empty,
            code = field::Empty,
            trace_id = field::Empty,
        );
        span.in_scope(|| tracing::trace!("sending"));
        AttemptSpan(span)
    }

    pub(crate) fn answered<B: AsRef<[u8]>>(span: &AttemptSpan, response: &Response<B>) {
        let status = response.status().as_u16();
        span.0.record("status", status);
        if response.status().is_success() {
            span.0.in_scope(|| tracing::debug!(status, "answered"));
            return;
        }
        // The same reading the core makes, for the code and the trace id.
        let error: ResponseError = clerk_moderation_core::response_error(response);
        if let Some(code) = error.code() {
            span.0.record("code", code);
        }
        if let Some(trace_id) = error.clerk_trace_id() {
            span.0.record("trace_id", trace_id);
        }
        span.0.in_scope(|| {
            tracing::info!(
                status,
                code = error.code(),
                trace_id = error.clerk_trace_id(),
                "error response"
            )
        });
    }

    pub(crate) fn failed(span: &AttemptSpan, class: FailureClass) {
        span.0.in_scope(|| {
            tracing::info!(
                delivery = ?class.delivery(),
                transient = class.is_transient(),
                "no response"
            )
        });
    }

    pub(crate) fn waiting(job: &JobSpan, reason: WaitReason, until: Option<Instant>, now: Instant) {
        let wait = until
            .map(|u| u.saturating_duration_since(now))
            .unwrap_or(Duration::ZERO);
        job.0.in_scope(
            || tracing::debug!(reason = ?reason, wait_ms = wait.as_millis() as u64, "waiting"),
        );
    }
}

#[cfg(feature = "tracing")]
pub(crate) use enabled::*;

#[cfg(not(feature = "tracing"))]
mod disabled {
    use clerk_moderation_core::http::Response;
    use clerk_moderation_core::{AttemptId, FailureClass, Instant, WaitReason};

    pub(crate) struct JobSpan;
    pub(crate) struct AttemptSpan;

    #[inline]
    pub(crate) fn call(_: &'static str, _: Option<&str>) -> JobSpan {
        JobSpan
    }
    #[inline]
    pub(crate) fn run(_: &str, _: usize) -> JobSpan {
        JobSpan
    }
    #[inline]
    pub(crate) fn attempt(_: &JobSpan, _: AttemptId, _: Option<&str>, _: usize) -> AttemptSpan {
        AttemptSpan
    }
    #[inline]
    pub(crate) fn answered<B: AsRef<[u8]>>(_: &AttemptSpan, _: &Response<B>) {}
    #[inline]
    pub(crate) fn failed(_: &AttemptSpan, _: FailureClass) {}
    #[inline]
    pub(crate) fn waiting(_: &JobSpan, _: WaitReason, _: Option<Instant>, _: Instant) {}
}

#[cfg(not(feature = "tracing"))]
pub(crate) use disabled::*;
