//! `ClientError`: why a client call failed, and why it stopped trying.

use std::error::Error as StdError;
use std::fmt;

use clerk_moderation_core::{BuildError, CallError, CallErrorKind, ResponseError, StopReason};

/// Why a client call failed: the last outcome, how many attempts were made, and why it stopped
/// trying (attempts used up, wait budget, deadline, a failure no retry can help).
///
/// Its `Display` says this at its own level (`unlock_user failed after 2 attempts: the deadline
/// passed`); the last outcome is its `source()`. Carries no secret: build errors never hold the
/// key, a response's echo of it is masked, and the transport errors of this crate withhold
/// anything that shows it.
pub struct ClientError<E> {
    kind: ClientErrorKind<E>,
    operation: &'static str,
    attempts: u32,
    stop: StopReason,
}

/// The last outcome of a failed call.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientErrorKind<E> {
    /// The request could not be built; nothing was sent.
    Build(BuildError),
    /// The last attempt got a response, and it was an error (a 404, a 429 past the retry
    /// budget, a 2xx that did not decode…).
    Response(ResponseError),
    /// The last attempt got no response.
    Transport(E),
    /// The deadline passed with the last attempt in flight: it may have been applied.
    TimedOut,
}

impl<E> ClientError<E> {
    pub(crate) fn from_call(error: CallError<E>, operation: &'static str) -> Self {
        let kind = match error.kind {
            CallErrorKind::Build(e) => ClientErrorKind::Build(e),
            CallErrorKind::Response(e) => ClientErrorKind::Response(e),
            CallErrorKind::Transport(e, _) => ClientErrorKind::Transport(e),
            // `TimedOut` and any kind a later core adds.
            _ => ClientErrorKind::TimedOut,
        };
        Self {
            kind,
            operation,
            attempts: error.attempts,
            stop: error.stop,
        }
    }

    /// The last outcome.
    pub fn kind(&self) -> &ClientErrorKind<E> {
        &self.kind
    }

    /// The last outcome, owned.
    pub fn into_kind(self) -> ClientErrorKind<E> {
        self.kind
    }

    /// The operation's name, such as `unlock_user`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Attempts made (0 when the request could not be built).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Why no further attempt was made.
    pub fn stop_reason(&self) -> StopReason {
        self.stop
    }

    /// The response error, if the last attempt got a response.
    pub fn response(&self) -> Option<&ResponseError> {
        match &self.kind {
            ClientErrorKind::Response(e) => Some(e),
            _ => None,
        }
    }

    /// The transport error, if the last attempt got no response.
    pub fn transport(&self) -> Option<&E> {
        match &self.kind {
            ClientErrorKind::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The build error, if the request could not be built.
    pub fn build(&self) -> Option<&BuildError> {
        match &self.kind {
            ClientErrorKind::Build(e) => Some(e),
            _ => None,
        }
    }

    /// A 404 response.
    pub fn is_not_found(&self) -> bool {
        self.response().is_some_and(ResponseError::is_not_found)
    }

    /// A 429 response (the retry budget did not cover it).
    pub fn is_rate_limited(&self) -> bool {
        self.response().is_some_and(ResponseError::is_rate_limited)
    }

    /// The deadline passed with the last attempt in flight.
    pub fn is_timed_out(&self) -> bool {
        matches!(self.kind, ClientErrorKind::TimedOut)
    }
}

impl<E: fmt::Debug> fmt::Debug for ClientError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientError")
            .field("kind", &self.kind)
            .field("operation", &self.operation)
            .field("attempts", &self.attempts)
            .field("stop", &self.stop)
            .finish()
    }
}

impl<E> fmt::Display for ClientError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operation = self.operation;
        let attempts = self.attempts;
        let plural = if attempts == 1 { "" } else { "s" };
        match &self.kind {
            ClientErrorKind::Build(_) => write!(f, "{operation} was not sent"),
            ClientErrorKind::Response(_) => write!(
                f,
                "{operation} failed after {attempts} attempt{plural} with an error response; {}",
                self.stop
            ),
            ClientErrorKind::Transport(_) => write!(
                f,
                "{operation} failed after {attempts} attempt{plural} with no response; {}",
                self.stop
            ),
            ClientErrorKind::TimedOut => write!(
                f,
                "{operation} failed: the deadline passed with attempt {attempts} in flight, which may have been applied"
            ),
        }
    }
}

impl<E: StdError + 'static> StdError for ClientError<E> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.kind {
            ClientErrorKind::Build(e) => Some(e),
            ClientErrorKind::Response(e) => Some(e),
            ClientErrorKind::Transport(e) => Some(e),
            ClientErrorKind::TimedOut => None,
        }
    }
}
