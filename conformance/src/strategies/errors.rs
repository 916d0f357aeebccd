//! Clerk's error bodies as typed values: [`ClerkError`] and [`ClerkErrors`]. (Their JSON form,
//! with drift, is [`super::clerk_errors_json`].)

use clerk_moderation_core::{ClerkError, ClerkErrors};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::common::{extra_fields, non_null_json_value, opt_string, short_string};

/// The codes Clerk documents for the moderation endpoints, and some it may add.
const KNOWN_CODES: &[&str] = &[
    "api_version_invalid",
    "bulk_size_exceeded",
    "authentication_invalid",
    "clerk_key_invalid",
    "feature_not_enabled",
    "resource_not_found",
    "resource_locked",
    "too_many_requests",
    "form_param_missing",
    "form_param_format_invalid",
    "internal_clerk_error",
    "payment_required",
];

/// An error `code`: a documented one, or one no version knows yet.
pub fn error_code() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(KNOWN_CODES).prop_map(str::to_owned),
        1 => "[a-z][a-z_]{0,24}",
        1 => short_string(),
    ]
    .boxed()
}

/// A [`ClerkError`] (one entry of Clerk's error body), with unknown fields now and then.
pub fn clerk_error() -> BoxedStrategy<ClerkError> {
    (
        short_string(),
        opt_string(),
        error_code(),
        option::of(non_null_json_value()),
        extra_fields(ClerkError::FIELDS),
    )
        .prop_map(|(message, long_message, code, meta, extra)| {
            let mut e = ClerkError::default();
            e.message = message;
            e.long_message = long_message;
            e.code = code;
            e.meta = meta;
            e.extra = extra;
            e
        })
        .boxed()
}

/// A [`ClerkErrors`] body: 0 to 3 errors, sometimes `meta`, a trace id and unknown fields.
pub fn clerk_errors() -> BoxedStrategy<ClerkErrors> {
    (
        vec(clerk_error(), 0..=3),
        option::of(non_null_json_value()),
        option::of("[a-f0-9]{8,32}"),
        extra_fields(ClerkErrors::FIELDS),
    )
        .prop_map(|(errors, meta, clerk_trace_id, extra)| {
            let mut e = ClerkErrors::default();
            e.errors = errors;
            e.meta = meta;
            e.clerk_trace_id = clerk_trace_id;
            e.extra = extra;
            e
        })
        .boxed()
}
