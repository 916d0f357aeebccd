//! `Unit`: one request's worth of a run's users (a bulk chunk, one user, a page of reads, a
//! re-read), and how its request is built.

use http::Request;

use crate::Instant;
use crate::action::Action;
use crate::attempts::Attempts;
use crate::config::ApiConfig;
use crate::error::BuildError;
use crate::failure::FailureCause;
use crate::operation::Operation;
use crate::operations::{
    BanUser, BanUsers, GetUser, ListUsers, LockUser, UnbanUser, UnbanUsers, UnlockUser, UserFilter,
};
use crate::user_id::UserId;

/// What a unit's request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UnitKind {
    /// `POST /v1/users/ban` or `/unban` for up to 50 users.
    Bulk,
    /// The action for one user.
    Single,
    /// Dry run: `GET /v1/users?user_id=…` for up to 100 users.
    ReadMany,
    /// `GET /v1/users/{id}` (the `get` action, or a dry-run read of one user).
    ReadOne,
    /// A read of users whose action was answered without showing it in effect: Clerk's own
    /// record then decides their outcome (`GET /v1/users/{id}` for one, the list filter for
    /// several).
    Reread(Reread),
}

/// Why users are read again after their action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reread {
    /// The action's answer was a Clerk 404 for a bulk request, or a 200 that left them out:
    /// which of them exist, and as what. Those found unchanged get the action once more.
    Probe,
    /// The action's 200 showed them unchanged: a user still unchanged was not applied.
    Verify,
}

impl UnitKind {
    /// Whether the answer is a JSON array of users, given how many users the unit carries.
    pub(super) fn answers_a_list(self, users: usize) -> bool {
        match self {
            Self::Bulk | Self::ReadMany => true,
            Self::Reread(_) => users > 1,
            Self::Single | Self::ReadOne => false,
        }
    }
}

/// One request's worth of users, and its retry bookkeeping.
#[derive(Debug)]
pub(super) struct Unit {
    pub(super) kind: UnitKind,
    /// Indexes into the run's distinct ids.
    pub(super) users: Vec<u32>,
    pub(super) attempts: Attempts,
    /// Requests that carried these users before this unit existed (a split's parent, the
    /// action before its re-read).
    pub(super) earlier_requests: u32,
    /// When it may be sent again (units waiting for a retry).
    pub(super) ready_at: Option<Instant>,
    /// What went wrong last for these users; `None` if no request carried them yet.
    pub(super) last_failure: Option<FailureCause>,
    /// Whether a probe already said which of these users exist: a 404 now is split, not probed.
    pub(super) probed: bool,
    /// Whether the action was already sent again after a probe found these users unchanged:
    /// found unchanged once more, they were not applied.
    pub(super) resent: bool,
    /// The other half of a split, held back until this half is answered: if this half
    /// succeeds, the fault is in the other, which is then split at once instead of being sent
    /// whole to fail again.
    pub(super) held_sibling: Option<Box<Unit>>,
}

impl Unit {
    /// A unit of users no request carried yet.
    pub(super) fn fresh(kind: UnitKind, users: Vec<u32>) -> Self {
        Self {
            kind,
            users,
            attempts: Attempts::default(),
            earlier_requests: 0,
            ready_at: None,
            last_failure: None,
            probed: false,
            resent: false,
            held_sibling: None,
        }
    }

    /// Requests that carried these users, this unit's included.
    pub(super) fn requests(&self) -> u32 {
        self.earlier_requests + self.attempts.sent()
    }

    /// Splits the unit in two halves that continue it: same deadline, the failure that caused the
    /// split as their last failure.
    pub(super) fn halves(self, cause: FailureCause) -> (Unit, Unit) {
        let mut first = self.users;
        let second = first.split_off(first.len() / 2);
        let half = |users| Unit {
            kind: self.kind,
            users,
            attempts: Attempts::continuing(self.attempts.deadline()),
            earlier_requests: self.earlier_requests + self.attempts.sent(),
            ready_at: None,
            last_failure: Some(cause.clone()),
            probed: self.probed,
            resent: self.resent,
            held_sibling: None,
        };
        (half(first), half(second))
    }

    /// A unit of `kind` for `users`, continuing this one: same deadline, `cause` as its last
    /// failure, and what this one knows (probed, resent).
    pub(super) fn continued_as(
        &self,
        kind: UnitKind,
        users: Vec<u32>,
        cause: FailureCause,
    ) -> Unit {
        Unit {
            kind,
            users,
            attempts: Attempts::continuing(self.attempts.deadline()),
            earlier_requests: self.requests(),
            ready_at: None,
            last_failure: Some(cause),
            probed: self.probed,
            resent: self.resent,
            held_sibling: None,
        }
    }

    /// Builds the unit's request.
    pub(super) fn build_request(
        &self,
        action: Action,
        ids: &[UserId],
        config: &ApiConfig,
    ) -> Result<Request<Vec<u8>>, BuildError> {
        let id = |index: &u32| ids[*index as usize].clone();
        match self.kind {
            UnitKind::Bulk => {
                let chunk = self.users.iter().map(id);
                match action {
                    Action::Ban => BanUsers::new(chunk)?.build_request(config),
                    _ => UnbanUsers::new(chunk)?.build_request(config),
                }
            }
            UnitKind::Single => {
                let user = id(&self.users[0]);
                match action {
                    Action::Ban => BanUser::new(user).build_request(config),
                    Action::Unban => UnbanUser::new(user).build_request(config),
                    Action::Lock => LockUser::new(user).build_request(config),
                    Action::Unlock => UnlockUser::new(user).build_request(config),
                    Action::Get => GetUser::new(user).build_request(config),
                }
            }
            UnitKind::ReadOne => GetUser::new(id(&self.users[0])).build_request(config),
            UnitKind::Reread(_) if self.users.len() == 1 => {
                GetUser::new(id(&self.users[0])).build_request(config)
            }
            UnitKind::ReadMany | UnitKind::Reread(_) => {
                let filter = self.users.iter().fold(UserFilter::new(), |filter, index| {
                    filter.user_id(&ids[*index as usize])
                });
                // Clerk's page size defaults to 10: ask for all of them.
                let limit = u16::try_from(self.users.len()).unwrap_or(u16::MAX);
                ListUsers::new(filter)
                    .with_limit(limit)?
                    .build_request(config)
            }
        }
    }
}

/// Whether the list filter can read this id: `+` or `-` in front of a value is read by the
/// filter as include or exclude, so such an id is read alone, by its own path.
pub(super) fn listable(id: &UserId) -> bool {
    !id.as_str().starts_with(['+', '-'])
}
