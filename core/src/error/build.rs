//! `BuildError`: a request refused before anything was sent.

use std::fmt;

/// A request that was refused before anything was sent: safe to fix and try again.
///
/// No variant carries the secret key; a refused user id is kept escaped and cut short.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The secret key cannot be sent as a header.
    InvalidSecretKey {
        /// Why, without the key.
        reason: &'static str,
    },
    /// The user id cannot be a Clerk user id.
    InvalidUserId {
        /// The refused id: its first 64 characters, escaped (no raw CR, LF or control
        /// character reaches a log), then `…` if it was longer.
        id: String,
        /// What is wrong with it.
        problem: UserIdProblem,
    },
    /// The base URL cannot be used.
    InvalidBaseUrl {
        /// Why.
        reason: &'static str,
    },
    /// The API version is not a date such as `2026-05-12`.
    InvalidApiVersion {
        /// The refused version, cut to 32 characters.
        version: String,
    },
    /// The user agent is empty or not visible ASCII.
    InvalidUserAgent,
    /// A bulk operation was given no ids, or more than Clerk takes at once.
    BulkSize {
        /// How many ids it was given.
        count: usize,
        /// The most one request takes.
        max: usize,
    },
    /// A query parameter of a list or count request cannot be sent.
    InvalidQuery {
        /// The parameter, such as `email_address` or `limit`.
        param: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The request body could not be encoded.
    Body(String),
    /// The parts did not make a valid URI.
    InvalidUri(String),
}

/// Why a user id was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserIdProblem {
    /// It is empty.
    Empty,
    /// It is longer than [`crate::MAX_USER_ID_LEN`].
    TooLong,
    /// It is `.` or `..`, which a server or proxy may resolve as a path step.
    DotSegment,
    /// It holds a character that changes a URL's path, query or fragment, or escapes one.
    ForbiddenCharacter(char),
    /// It holds whitespace.
    Whitespace,
    /// It holds a control character (CR, LF, NUL, …).
    ControlCharacter,
    /// It holds a non-ASCII character.
    NonAscii,
}

impl fmt::Display for UserIdProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::TooLong => write!(f, "it is longer than {} bytes", crate::MAX_USER_ID_LEN),
            Self::DotSegment => f.write_str("it is a dot segment"),
            Self::ForbiddenCharacter(c) => write!(f, "it contains {c:?}"),
            Self::Whitespace => f.write_str("it contains whitespace"),
            Self::ControlCharacter => f.write_str("it contains a control character"),
            Self::NonAscii => f.write_str("it contains a non-ASCII character"),
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSecretKey { reason } => write!(f, "invalid secret key: it {reason}"),
            Self::InvalidUserId { id, problem } => write!(f, "invalid user id \"{id}\": {problem}"),
            Self::InvalidBaseUrl { reason } => write!(f, "invalid base URL: it {reason}"),
            Self::InvalidApiVersion { version } => {
                write!(
                    f,
                    "invalid API version {version:?}: expected a date such as 2026-05-12"
                )
            }
            Self::InvalidUserAgent => f.write_str("invalid user agent: empty or not visible ASCII"),
            Self::BulkSize { count, max } => {
                write!(f, "a bulk operation takes 1 to {max} user ids, got {count}")
            }
            Self::InvalidQuery { param, reason } => {
                write!(f, "invalid query parameter `{param}`: {reason}")
            }
            Self::Body(reason) => write!(f, "could not encode the request body: {reason}"),
            Self::InvalidUri(reason) => write!(f, "could not build the request URI: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {}
