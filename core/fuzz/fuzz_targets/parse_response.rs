//! Every operation's `parse_response` on any status, headers and body.
//!
//! Invariants: it never panics; a non-2xx is never a success; a success serializes, and its JSON
//! read back by the same operation gives an equal value; an error's text, `Debug` and
//! classifiers never panic either.

#![no_main]

use clerk_moderation_core::http::{Response, StatusCode};
use clerk_moderation_core::{
    BanUser, BanUsers, GetUser, LockUser, Operation, ResponseError, UnbanUser, UnbanUsers,
    UnlockUser, UserId,
};
use clerk_moderation_core_fuzz::FuzzResponse;
use libfuzzer_sys::fuzz_target;
use serde::Serialize as _;

fuzz_target!(|data: &[u8]| {
    let response = FuzzResponse::parse(data);
    let id = UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S").unwrap();
    check(&UnlockUser::new(id.clone()), &response);
    check(&UnbanUser::new(id.clone()), &response);
    check(&LockUser::new(id.clone()), &response);
    check(&BanUser::new(id.clone()), &response);
    check(&GetUser::new(id.clone()), &response);
    check(&BanUsers::new([id.clone()]).unwrap(), &response);
    check(&UnbanUsers::new([id]).unwrap(), &response);
});

fn check<O>(operation: &O, response: &FuzzResponse<'_>)
where
    O: Operation,
    O::Output: serde::Serialize + PartialEq + std::fmt::Debug,
{
    match operation.parse_response(response.to_response()) {
        Ok(output) => {
            assert!(
                response.status.is_success(),
                "{}: status {} parsed as a success",
                O::NAME,
                response.status
            );
            let json = serde_json::to_vec(&output).expect("a parsed output serializes");
            let again = Response::builder()
                .status(StatusCode::OK)
                .body(json.as_slice())
                .unwrap();
            let reparsed = operation
                .parse_response(again)
                .unwrap_or_else(|e| panic!("{}: its own JSON does not parse back: {e}", O::NAME));
            assert_eq!(reparsed, output, "{}: JSON round trip changed it", O::NAME);
        }
        Err(error) => exercise(&error),
    }
}

/// Everything a caller may do with an error, none of which may panic.
fn exercise(error: &ResponseError) {
    let _ = error.to_string();
    let _ = format!("{error:?}");
    let _ = std::error::Error::source(error);
    let _ = (error.status(), error.clerk_trace_id(), error.retry_after());
    let _ = (error.errors().len(), error.code(), error.has_code("x"));
    let _ = (
        error.is_not_found(),
        error.is_unauthorized(),
        error.is_payment_required(),
        error.is_forbidden(),
        error.is_resource_locked(),
        error.is_rate_limited(),
        error.is_redirect(),
        error.is_server_error(),
        error.is_decode(),
        error.is_retryable(),
    );
    // The error body is kept whole: serializing what was parsed of it must work.
    if let ResponseError::Api(api) = error {
        for entry in &api.errors {
            entry
                .serialize(serde_json::value::Serializer)
                .expect("a parsed Clerk error serializes");
        }
    }
}
