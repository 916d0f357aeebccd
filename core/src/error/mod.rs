//! Errors, split by phase: [`BuildError`] (nothing was sent) and [`ResponseError`] (a response
//! came back and was not the success the operation expects). Transport failures belong to the
//! transport's own error type, which is the only one that can say whether a request went out.

mod build;
mod clerk_errors;
mod redact;
mod response;
mod retry_after;

pub use build::{BuildError, UserIdProblem};
pub use clerk_errors::{ClerkError, ClerkErrors};
pub use redact::shows_secret;
pub use response::{ApiError, DecodeError, ResponseError, UnstructuredError};
pub(crate) use response::{error_from_parts, parse_success};
pub use retry_after::RetryAfter;
