//! `Action`: what a run does to each user.

use std::fmt;
use std::str::FromStr;

use crate::model::User;

/// What a run does to each user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// `POST /v1/users/ban` (50 at a time), or `POST /v1/users/{id}/ban`.
    Ban,
    /// `POST /v1/users/unban` (50 at a time), or `POST /v1/users/{id}/unban`.
    Unban,
    /// `POST /v1/users/{id}/lock`.
    Lock,
    /// `POST /v1/users/{id}/unlock`.
    Unlock,
    /// `GET /v1/users/{id}`: reads, changes nothing.
    Get,
}

impl Action {
    /// Every action, in the order the command line lists them.
    pub const ALL: [Action; 5] = [
        Action::Ban,
        Action::Unban,
        Action::Lock,
        Action::Unlock,
        Action::Get,
    ];

    /// `ban`, `unban`, `lock`, `unlock` or `get`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ban => "ban",
            Self::Unban => "unban",
            Self::Lock => "lock",
            Self::Unlock => "unlock",
            Self::Get => "get",
        }
    }

    /// Whether Clerk has an endpoint that does this to many users in one request.
    pub fn has_bulk_endpoint(self) -> bool {
        matches!(self, Self::Ban | Self::Unban)
    }

    /// Whether the action changes users (all but `Get`).
    pub fn changes_users(self) -> bool {
        !matches!(self, Self::Get)
    }

    /// Whether `user` is already as this action would leave them: banned for `Ban`, not banned
    /// for `Unban`, locked for `Lock`, not locked for `Unlock`; always for `Get`.
    pub fn is_in_effect(self, user: &User) -> bool {
        match self {
            Self::Ban => user.banned,
            Self::Unban => !user.banned,
            Self::Lock => user.locked,
            Self::Unlock => !user.locked,
            Self::Get => true,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action name that is not one of `ban`, `unban`, `lock`, `unlock`, `get`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownAction(pub String);

impl fmt::Display for UnknownAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown action {:?}: expected ban, unban, lock, unlock or get",
            self.0
        )
    }
}

impl std::error::Error for UnknownAction {}

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(name: &str) -> Result<Self, UnknownAction> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == name)
            .ok_or_else(|| UnknownAction(name.chars().take(32).collect()))
    }
}
