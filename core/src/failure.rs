//! `FailureCause`: the last thing that went wrong for a request, one type for a [`Call`], a
//! client built on it, and each user of a [`Run`]; and `CallError`, a failed call.
//!
//! [`Call`]: crate::Call
//! [`Run`]: crate::Run

use std::error::Error as StdError;
use std::fmt;

use http::StatusCode;

use crate::action::Action;
use crate::error::{BuildError, ResponseError};
use crate::model::User;
use crate::retry::StopReason;
use crate::transport::TransportFailure;

/// The last thing that went wrong for a request (a call, or a user of a run).
///
/// Its `Display` says what happened in a few words, with what Clerk answered (status and code)
/// when it answered; the full detail (Clerk's message and trace id, the transport's own error)
/// is its `source()`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum FailureCause {
    /// The request could not be built; nothing was sent.
    Build(BuildError),
    /// An error response.
    Response(ResponseError),
    /// No response.
    Transport(TransportFailure),
    /// The deadline passed with a request in flight: it may have been applied.
    TimedOut,
    /// A 2xx answer that holds another user than the ones asked for: the answer cannot be
    /// trusted, whatever else it holds.
    WrongUser {
        /// The id in the answer that nobody asked for (escaped, cut to 64 characters).
        answered: String,
    },
    /// Clerk answered 200 to the action and left the user out of its answer. The run then reads
    /// the user: this is the cause only if that read could not be made.
    Omitted {
        /// The action whose answer left the user out.
        action: Action,
    },
    /// Clerk answered 200 to the action, and a read of the user afterwards shows it still
    /// without the action in effect (still banned after an unban, say).
    NotApplied {
        /// The action that was not applied.
        action: Action,
        /// The user as the read after it showed them.
        user: Box<User>,
    },
}

impl FailureCause {
    /// The error response, when the cause is one.
    pub fn response_error(&self) -> Option<&ResponseError> {
        match self {
            Self::Response(error) => Some(error),
            _ => None,
        }
    }

    /// The transport failure, when the cause is one.
    pub fn transport_failure(&self) -> Option<&TransportFailure> {
        match self {
            Self::Transport(failure) => Some(failure),
            _ => None,
        }
    }

    /// The build error, when the cause is one.
    pub fn build_error(&self) -> Option<&BuildError> {
        match self {
            Self::Build(error) => Some(error),
            _ => None,
        }
    }

    /// The id in an answer for the wrong user, escaped: made safe for a log line.
    pub(crate) fn wrong_user(id: &str) -> Self {
        Self::WrongUser {
            answered: id.chars().take(64).flat_map(char::escape_default).collect(),
        }
    }
}

impl fmt::Display for FailureCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Build(_) => f.write_str("the request could not be built (nothing was sent)"),
            Self::Response(error) => write_answer(f, error),
            Self::Transport(failure) => fmt::Display::fmt(failure, f),
            Self::TimedOut => f.write_str(
                "the deadline passed with a request in flight (it may have been applied)",
            ),
            Self::WrongUser { answered } => {
                write!(f, "Clerk's answer held another user ({answered:?})")
            }
            Self::Omitted { action } => {
                write!(f, "Clerk answered 200 to {action} without this user")
            }
            Self::NotApplied { action, user } => {
                let state = match action {
                    Action::Ban | Action::Unban if user.banned => "still banned",
                    Action::Ban | Action::Unban => "still not banned",
                    Action::Lock | Action::Unlock if user.locked => "still locked",
                    Action::Lock | Action::Unlock => "still not locked",
                    Action::Get => "unchanged",
                };
                write!(f, "Clerk answered 200 to {action}, yet the user is {state}")
            }
        }
    }
}

/// What a server answered, in a few words: Clerk's status and code, or what else it was.
fn write_answer(f: &mut fmt::Formatter<'_>, error: &ResponseError) -> fmt::Result {
    let status = error.status();
    match error {
        ResponseError::Api(_) => {
            write!(f, "Clerk answered {}", status.as_u16())?;
            match error.code() {
                Some(code) => write!(f, " {code}"),
                None => Ok(()),
            }
        }
        ResponseError::Unstructured(raw) => {
            write!(f, "HTTP {} ", status.as_u16())?;
            match (raw.body.is_empty(), raw.content_type.as_deref()) {
                (true, _) => f.write_str("with an empty body")?,
                (false, Some(kind)) => write!(f, "with a {kind} body")?,
                (false, None) => f.write_str("with an untyped body")?,
            }
            f.write_str(", not Clerk's error shape")
        }
        ResponseError::Decode(decode) => write!(
            f,
            "HTTP {} whose body does not decode at `{}`",
            status.as_u16(),
            decode.path
        ),
    }
}

impl StdError for FailureCause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Build(error) => Some(error),
            Self::Response(error) => Some(error),
            Self::Transport(failure) => failure.source(),
            _ => None,
        }
    }
}

/// A failed call: which operation, the last thing that went wrong, why no further attempt was
/// made, and how many were made.
///
/// Its `Display` says all that in one line, with Clerk's status and code when Clerk's answer is
/// why it stopped (`unlock_user failed after 1 attempt: Clerk answered 404 resource_not_found; a
/// retry cannot help`); Clerk's message and trace id, or the transport's own error, are its
/// `source()`. It holds no secret: build errors never hold the key, a response's echo of it is
/// masked, and a transport error whose text shows it is withheld.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CallError {
    operation: &'static str,
    cause: FailureCause,
    stop: StopReason,
    attempts: u32,
}

impl CallError {
    pub(crate) fn new(
        operation: &'static str,
        cause: FailureCause,
        stop: StopReason,
        attempts: u32,
    ) -> Self {
        Self {
            operation,
            cause,
            stop,
            attempts,
        }
    }

    /// The operation's name, such as `unlock_user`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The last thing that went wrong.
    pub fn cause(&self) -> &FailureCause {
        &self.cause
    }

    /// The last thing that went wrong, owned.
    pub fn into_cause(self) -> FailureCause {
        self.cause
    }

    /// Why no further attempt was made.
    pub fn stop_reason(&self) -> StopReason {
        self.stop
    }

    /// Attempts made (0 when the request could not be built).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The error response, if the last attempt got one.
    pub fn response(&self) -> Option<&ResponseError> {
        self.cause.response_error()
    }

    /// The HTTP status of the last answer, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        self.response().map(ResponseError::status)
    }

    /// The transport failure, if the last attempt got no response.
    pub fn transport(&self) -> Option<&TransportFailure> {
        self.cause.transport_failure()
    }

    /// The transport's own error, as its type `E`, if the last attempt got no response and the
    /// transport's error is an `E`:
    /// `error.transport_error::<clerk_moderation_transports::TransportError>()`.
    pub fn transport_error<E: StdError + 'static>(&self) -> Option<&E> {
        self.transport()?.error().downcast_ref::<E>()
    }

    /// The build error, if the request could not be built.
    pub fn build(&self) -> Option<&BuildError> {
        self.cause.build_error()
    }

    /// A 404: the user does not exist.
    pub fn is_not_found(&self) -> bool {
        self.response().is_some_and(ResponseError::is_not_found)
    }

    /// A 429 that the retry budget did not cover.
    pub fn is_rate_limited(&self) -> bool {
        self.response().is_some_and(ResponseError::is_rate_limited)
    }

    /// The deadline passed with the last attempt in flight: it may have been applied.
    pub fn is_timed_out(&self) -> bool {
        matches!(self.cause, FailureCause::TimedOut)
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operation = self.operation;
        if let FailureCause::Build(_) = self.cause {
            return write!(f, "{operation} was not sent: {}", self.cause);
        }
        let attempts = self.attempts;
        let plural = if attempts == 1 { "" } else { "s" };
        write!(
            f,
            "{operation} failed after {attempts} attempt{plural}: {}",
            self.cause
        )?;
        match self.stop {
            // "the deadline passed" says it twice after a timed-out attempt.
            StopReason::DeadlineExceeded if self.is_timed_out() => Ok(()),
            stop => write!(f, "; {stop}"),
        }
    }
}

impl StdError for CallError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        // The cause's own words are in this error's `Display`: its detail comes next.
        self.cause.source()
    }
}
