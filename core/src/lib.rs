#![doc = include_str!("../README.md")]

mod config;
pub mod error;
pub mod model;
mod operation;
mod operations;
mod retry;
mod secret_key;
mod transport;
mod user_id;

pub use http;

pub use config::{
    API_URL_VAR, ApiConfig, DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_USER_AGENT, EnvError,
    SECRET_KEY_VAR,
};
pub use error::{
    ApiError, BuildError, ClerkError, ClerkErrors, DecodeError, ResponseError, RetryAfter,
    UnstructuredError, UserIdProblem,
};
pub use model::{
    EmailAddress, EnterpriseAccount, ExternalAccount, Lockout, OrganizationMembership, Passkey,
    PhoneNumber, SamlAccount, User, Verification, Web3Wallet,
};
pub use operation::{CLERK_API_VERSION, Operation, response_error};
pub use operations::{
    BanUser, BanUsers, GetUser, LockUser, MAX_BULK_USER_IDS, UnbanUser, UnbanUsers, UnlockUser,
};
pub use retry::{AttemptOutcome, RetryDecision, RetryPolicy, RetryState, StopReason};
pub use secret_key::{Instance, SecretKey};
pub use transport::{AsyncTransport, Delivery, FailureClass, Transport};
pub use user_id::{MAX_USER_ID_LEN, UserId};
