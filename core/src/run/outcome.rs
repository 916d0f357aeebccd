//! What a run reports for each user: `UserOutcome`, `Outcome`, and why a user failed or was not
//! attempted.

use std::fmt;
use std::sync::Arc;

use http::StatusCode;

use super::pace::RateLimit;
use crate::action::Action;
use crate::error::ResponseError;
use crate::failure::FailureCause;
use crate::model::User;
use crate::retry::StopReason;
use crate::transport::TransportFailure;
use crate::user_id::UserId;

/// One user's final outcome in a run. Each distinct id of the input gets exactly one.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UserOutcome {
    /// The user.
    pub user_id: UserId,
    /// What the run did.
    pub action: Action,
    /// How it ended.
    pub outcome: Outcome,
    /// The requests that carried this user (a bulk request counts for each of its users); 0 when
    /// none did.
    pub requests: u32,
}

/// How a user's part of a run ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The action is in effect (or, for `get`, the user was read): the user as Clerk showed
    /// them, banned or locked as the action leaves them. Never without that evidence.
    Done(Box<User>),
    /// Clerk says the user does not exist: a Clerk 404 for a request about this user alone (or
    /// a bulk request a probe then narrowed to it), or a read by id (`GET /v1/users?user_id=…`)
    /// that does not list it. Holds the 404 when there was one.
    NotFound(Option<ResponseError>),
    /// The action could not be applied; see the [`Failure`].
    Failed(Arc<Failure>),
    /// No request for this user was sent: the run stopped first.
    NotAttempted(NotAttemptedReason),
    /// Dry run: the action would change this user (shown as it is now).
    WouldChange(Box<User>),
    /// Dry run: the user is already as the action would leave them.
    Unchanged(Box<User>),
}

/// The kind of an [`Outcome`], for counting and for machine-readable output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutcomeKind {
    /// [`Outcome::Done`].
    Done,
    /// [`Outcome::NotFound`].
    NotFound,
    /// [`Outcome::Failed`].
    Failed,
    /// [`Outcome::NotAttempted`].
    NotAttempted,
    /// [`Outcome::WouldChange`].
    WouldChange,
    /// [`Outcome::Unchanged`].
    Unchanged,
}

impl OutcomeKind {
    /// `done`, `not_found`, `failed`, `not_attempted`, `would_change` or `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::NotFound => "not_found",
            Self::Failed => "failed",
            Self::NotAttempted => "not_attempted",
            Self::WouldChange => "would_change",
            Self::Unchanged => "unchanged",
        }
    }
}

impl Outcome {
    /// The kind.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Self::Done(_) => OutcomeKind::Done,
            Self::NotFound(_) => OutcomeKind::NotFound,
            Self::Failed(_) => OutcomeKind::Failed,
            Self::NotAttempted(_) => OutcomeKind::NotAttempted,
            Self::WouldChange(_) => OutcomeKind::WouldChange,
            Self::Unchanged(_) => OutcomeKind::Unchanged,
        }
    }

    /// The user, as Clerk last showed them, when the outcome has one (a `Failed` one too, when
    /// a read showed the action not applied).
    pub fn user(&self) -> Option<&User> {
        match self {
            Self::Done(user) | Self::WouldChange(user) | Self::Unchanged(user) => Some(user),
            Self::Failed(failure) => match &failure.cause {
                FailureCause::NotApplied { user, .. } => Some(user),
                _ => None,
            },
            _ => None,
        }
    }

    /// The error response behind the outcome, if there was one: the 404 of a `NotFound`, the
    /// last answer of a `Failed`, the fatal answer of a `NotAttempted`.
    pub fn response_error(&self) -> Option<&ResponseError> {
        match self {
            Self::NotFound(error) => error.as_ref(),
            Self::Failed(failure) => failure.response_error(),
            Self::NotAttempted(NotAttemptedReason::Fatal(fatal)) => fatal.response_error(),
            _ => None,
        }
    }
}

/// Why a user's action failed: the last thing that went wrong, why the run stopped trying, and
/// how many requests were made for it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Failure {
    /// The last thing that went wrong.
    pub cause: FailureCause,
    /// Why no further attempt was made.
    pub stop: StopReason,
}

impl Failure {
    /// The error response, when the cause is one.
    pub fn response_error(&self) -> Option<&ResponseError> {
        match &self.cause {
            FailureCause::Response(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; stopped: {}", self.cause, self.stop)
    }
}

/// Why a user was not attempted.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum NotAttemptedReason {
    /// The run was interrupted ([`Run::interrupt`](crate::Run::interrupt)).
    Interrupted,
    /// The run stopped on an answer that no later request could get past.
    Fatal(Arc<FatalError>),
}

/// Answers after which every later request would fail the same way.
pub(super) fn is_fatal(error: &ResponseError) -> bool {
    match error.status() {
        StatusCode::UNAUTHORIZED | StatusCode::PAYMENT_REQUIRED => true,
        // A 403 from Clerk with another code concerns this user alone; the feature switched off,
        // or a proxy's 403 without Clerk's body, concerns every request.
        StatusCode::FORBIDDEN => !error.is_clerk_shaped() || error.has_code("feature_not_enabled"),
        StatusCode::BAD_REQUEST => error.has_code("api_version_invalid"),
        _ => false,
    }
}

/// An answer that stops a whole run: every later request would get it too.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum FatalError {
    /// 401 (the key is wrong), 402 (the plan lacks the feature), 403 where the instance has the
    /// feature off (or a proxy forbids the call), 400 `api_version_invalid`.
    Response(ResponseError),
    /// Answers that are not Clerk's (a 404 or 405 with HTML, nothing, or JSON of another
    /// shape), to the run's first request or to several in a row: nothing at the base URL
    /// answers as Clerk's Backend API.
    NotClerk {
        /// The base URL the run sent to.
        base_url: String,
        /// The last such answer.
        answer: ResponseError,
    },
    /// A failure the transport says is permanent, before anything was sent (an insecure URL
    /// refused, a certificate that does not verify).
    Transport(TransportFailure),
    /// This many transport failures in a row, with no response in between.
    Unreachable {
        /// How many.
        failures: u32,
        /// The last one.
        last: TransportFailure,
    },
}

impl FatalError {
    /// The error response, when it is one.
    pub fn response_error(&self) -> Option<&ResponseError> {
        match self {
            Self::Response(error) | Self::NotClerk { answer: error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status, when it is a response.
    pub fn status(&self) -> Option<StatusCode> {
        self.response_error().map(ResponseError::status)
    }
}

impl fmt::Display for FatalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Response(error) => write!(f, "the run stopped on an answer: {error}"),
            Self::NotClerk { base_url, answer } => write!(
                f,
                "the run stopped: nothing at {base_url} answers as Clerk's Backend API \
                 ({answer}); check the base URL"
            ),
            Self::Transport(failure) => {
                write!(f, "the run stopped: {failure}: {}", failure.error())
            }
            Self::Unreachable { failures, last } => write!(
                f,
                "the run stopped after {failures} transport failures in a row; the last: {}",
                last.error()
            ),
        }
    }
}

impl fmt::Display for NotAttemptedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Interrupted => f.write_str("the run was interrupted"),
            Self::Fatal(fatal) => fmt::Display::fmt(fatal, f),
        }
    }
}

/// Counts over a run, kept as it goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunStats {
    /// Distinct users in the input.
    pub users: usize,
    /// Ids dropped from the input because they came again.
    pub duplicates: usize,
    /// Outcomes so far, by kind.
    pub done: usize,
    /// See [`Outcome::NotFound`].
    pub not_found: usize,
    /// See [`Outcome::Failed`].
    pub failed: usize,
    /// See [`Outcome::NotAttempted`].
    pub not_attempted: usize,
    /// See [`Outcome::WouldChange`].
    pub would_change: usize,
    /// See [`Outcome::Unchanged`].
    pub unchanged: usize,
    /// Requests handed to the driver.
    pub requests: u64,
    /// Responses received (any status).
    pub responses: u64,
    /// 429 responses received.
    pub rate_limited: u64,
    /// Retries scheduled.
    pub retries: u64,
    /// Bulk requests split in two to isolate the users at fault.
    pub splits: u64,
    /// Transport failures received.
    pub transport_failures: u64,
    /// Reads of users whose action's answer did not show it in effect (re-reads and probes).
    pub rereads: u64,
    /// The pace the run keeps now (lowered by 429s, climbing back); `None` when unpaced.
    pub pace: Option<RateLimit>,
}

impl RunStats {
    /// Users with an outcome so far.
    pub fn finished(&self) -> usize {
        self.done
            + self.not_found
            + self.failed
            + self.not_attempted
            + self.would_change
            + self.unchanged
    }

    pub(crate) fn count(&mut self, kind: OutcomeKind) {
        let slot = match kind {
            OutcomeKind::Done => &mut self.done,
            OutcomeKind::NotFound => &mut self.not_found,
            OutcomeKind::Failed => &mut self.failed,
            OutcomeKind::NotAttempted => &mut self.not_attempted,
            OutcomeKind::WouldChange => &mut self.would_change,
            OutcomeKind::Unchanged => &mut self.unchanged,
        };
        *slot += 1;
    }
}
