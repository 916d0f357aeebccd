#![doc = include_str!("../README.md")]

mod action;
mod attempts;
mod budget;
mod call;
mod config;
pub mod error;
mod failure;
pub mod model;
mod operation;
mod operations;
mod request_extensions;
mod retry;
pub mod run;
mod secret_key;
mod transport;
mod user_id;

pub use http;

/// The engine's clock type: when a run or a call is polled, when a request is due, when a
/// deadline passes. The engine never reads a clock; the driver makes these.
///
/// It is std's `Instant` on every target but `wasm32-unknown-unknown`, where std's cannot be
/// made (`Instant::now` panics there) and [web-time](https://docs.rs/web-time)'s, backed by
/// `performance.now()`, stands in with the same API.
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub use std::time::Instant;
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub use web_time::Instant;

pub use action::{Action, UnknownAction};
pub use attempts::AttemptId;
pub use budget::{Grant, SharedWindow};
pub use call::{Call, CallStep};
pub use config::{
    API_URL_VAR, ApiConfig, DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, EnvError,
    SECRET_KEY_VAR, is_loopback_host,
};
pub use error::{
    ApiError, BuildError, ClerkError, ClerkErrors, DecodeError, ResponseError, RetryAfter,
    UnstructuredError, UserIdProblem,
};
pub use failure::{CallError, FailureCause};
pub use model::{
    EmailAddress, EnterpriseAccount, ExternalAccount, Lockout, OrganizationMembership, Passkey,
    PhoneNumber, SamlAccount, User, Verification, Web3Wallet,
};
pub use operation::{CLERK_API_VERSION, Operation, response_error};
pub use operations::{
    BanUser, BanUsers, CountUsers, GetUser, ListUsers, LockUser, MAX_BULK_USER_IDS,
    MAX_FILTER_VALUES, MAX_LIST_LIMIT, PagingError, UnbanUser, UnbanUsers, UnlockUser, UserFilter,
    UserPages,
};
pub use request_extensions::{LoopbackHttp, ResponseCap};
pub use retry::{RetryDecision, RetryPolicy, StopReason};
pub use run::{
    Failure, FatalError, NotAttemptedReason, Outcome, OutcomeKind, Pace, Pacer, RateLimit, Run,
    RunOptions, RunStats, RunStep, UserOutcome, WaitReason,
};
pub use secret_key::{Instance, SecretKey};
pub use transport::{
    AsyncTransport, Delivery, FailureClass, LocalAsyncTransport, LocalTransportFn, Transport,
    TransportFailure, local_transport_fn,
};
pub use user_id::{MAX_USER_ID_LEN, UserId};
