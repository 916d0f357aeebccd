//! `ClientError`: why a client call failed. It is the core's [`CallError`]: the clients only
//! drive the core's [`Call`](clerk_moderation_core::Call), so one type says what went wrong
//! for a call, a client and (as [`FailureCause`](clerk_moderation_core::FailureCause)) each
//! user of a run.
//!
//! ```
//! use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
//! use clerk_moderation_transports::{Client, ClientError};
//!
//! // A transport that answers every request as Clerk does for an unknown user.
//! let transport = |_request: http::Request<Vec<u8>>| {
//!     http::Response::builder()
//!         .status(404)
//!         .header("content-type", "application/json")
//!         .body(br#"{"errors":[{"message":"not found","long_message":"No user was found","code":"resource_not_found"}]}"#.to_vec())
//! };
//! let client = Client::new(ApiConfig::new(SecretKey::new("sk_test_x").unwrap()), transport);
//! let error: ClientError = client.unlock(&UserId::new("user_1").unwrap()).unwrap_err();
//! assert!(error.is_not_found());
//! // What Clerk answered is in the error's own words; its message is the `source()`.
//! assert_eq!(
//!     error.to_string(),
//!     "unlock_user failed after 1 attempt: Clerk answered 404 resource_not_found; a retry cannot help"
//! );
//! let source = std::error::Error::source(&error).unwrap().to_string();
//! assert!(source.contains("No user was found"), "{source}");
//! ```

pub use clerk_moderation_core::CallError;

/// Why a client call failed: the core's [`CallError`] (the operation, the last thing that went
/// wrong, why the call stopped trying, how many attempts were made).
pub type ClientError = CallError;
