//! What an answer means for the users it concerns.
//!
//! From a 2xx: each user is done only if Clerk shows the action in effect; a user shown
//! unchanged is read again (a verify), a user left out is looked up (a probe), and an answer
//! holding a user nobody asked for is wrong as a whole. From an error, in order: fatal for the
//! run; not Clerk's at all; a 429 that pauses the run; a probe or a split of a bulk request; a
//! user Clerk does not know; a retry; a failure.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::StatusCode;

use super::machine::Run;
use super::outcome::{FatalError, NotAttemptedReason, Outcome, is_fatal};
use super::unit::{Reread, Unit, UnitKind};
use crate::Instant;
use crate::error::ResponseError;
use crate::failure::FailureCause;
use crate::model::User;
use crate::retry::{StopReason, server_jitter};

/// How many answers in no shape of Clerk's, in a row, stop a run: one glitch of a proxy is not
/// a wrong URL, three are.
const NOT_CLERK_IN_A_ROW: u32 = 3;

/// What a 2xx said about each user of a unit, by position: the user as answered, or nothing.
type Answered = Vec<Option<Box<User>>>;

impl Run {
    /// A 2xx with users (one for a single user's answer).
    // Boxed on purpose: a `User` is 920 bytes, and each move of one out of a plain `Vec` into an
    // outcome would copy it (see BENCHMARKS.md).
    #[allow(clippy::vec_box)]
    pub(super) fn on_users(&mut self, mut unit: Unit, users: Vec<Box<User>>) {
        let answered = match self.match_to_asked(&unit, users) {
            Ok(answered) => answered,
            Err(wrong) => {
                // The answer cannot be trusted for anyone, whatever else it holds.
                let held = unit.held_sibling.take();
                self.fail(unit, wrong, StopReason::NotRetryable);
                if let Some(sibling) = held {
                    self.release(*sibling);
                }
                return;
            }
        };
        let held = unit.held_sibling.take();
        match unit.kind {
            UnitKind::ReadMany | UnitKind::ReadOne => self.on_reads(&unit, answered),
            UnitKind::Bulk | UnitKind::Single => self.on_action_answer(&unit, answered),
            UnitKind::Reread(why) => self.on_reread(&unit, why, answered),
        }
        if let Some(sibling) = held {
            // This half was answered with success: the fault is in the other.
            self.split_known_faulty(*sibling);
        }
    }

    /// Places each answered user at the position of the id asked for; a user nobody asked for
    /// makes the whole answer wrong. A repeat of a user is ignored.
    #[allow(clippy::vec_box)]
    fn match_to_asked(&self, unit: &Unit, users: Vec<Box<User>>) -> Result<Answered, FailureCause> {
        let mut answered: Answered = Vec::new();
        answered.resize_with(unit.users.len(), || None);
        let asked = |position: usize| self.ledger.id(unit.users[position]).as_str();
        let mut expected_at = 0;
        for user in users {
            // Clerk answers in the order asked: look there first.
            let position = if expected_at < unit.users.len() && asked(expected_at) == user.id {
                Some(expected_at)
            } else {
                (0..unit.users.len()).find(|&p| asked(p) == user.id)
            };
            let Some(position) = position else {
                return Err(FailureCause::wrong_user(&user.id));
            };
            expected_at = position + 1;
            if answered[position].is_none() {
                answered[position] = Some(user);
            }
        }
        Ok(answered)
    }

    /// A dry run's read, or `get`: what each user is now; a user a read by id does not list does
    /// not exist.
    fn on_reads(&mut self, unit: &Unit, answered: Answered) {
        let requests = unit.requests();
        for (&index, user) in unit.users.iter().zip(answered) {
            let outcome = match user {
                Some(user) if !self.action.changes_users() => Outcome::Done(user),
                Some(user) if self.action.is_in_effect(&user) => Outcome::Unchanged(user),
                Some(user) => Outcome::WouldChange(user),
                None => Outcome::NotFound(None),
            };
            self.record(index, outcome, requests);
        }
    }

    /// The action's own 2xx: done where Clerk shows it in effect; read again where Clerk shows
    /// the user unchanged; looked up where Clerk left the user out.
    fn on_action_answer(&mut self, unit: &Unit, answered: Answered) {
        let requests = unit.requests();
        let mut unchanged = Vec::new();
        let mut left_out = Vec::new();
        let mut shown_unchanged = None;
        for (&index, user) in unit.users.iter().zip(answered) {
            match user {
                Some(user) if self.action.is_in_effect(&user) => {
                    self.record(index, Outcome::Done(user), requests);
                }
                Some(user) => {
                    unchanged.push(index);
                    shown_unchanged.get_or_insert(user);
                }
                None => left_out.push(index),
            }
        }
        if let Some(user) = shown_unchanged {
            let cause = FailureCause::NotApplied {
                action: self.action,
                user,
            };
            self.reread(unit, unchanged, Reread::Verify, cause);
        }
        if !left_out.is_empty() {
            let cause = FailureCause::Omitted {
                action: self.action,
            };
            self.reread(unit, left_out, Reread::Probe, cause);
        }
    }

    /// A read after the action: Clerk's record decides. Users it does not list do not exist;
    /// users in effect are done; users unchanged were not applied (after a verify, or after a
    /// probe once the action was sent again) or get the action once more (after a probe).
    fn on_reread(&mut self, unit: &Unit, why: Reread, answered: Answered) {
        let requests = unit.requests();
        let not_found = match &unit.last_failure {
            Some(FailureCause::Response(error)) if error.is_not_found() => Some(error.clone()),
            _ => None,
        };
        let mut again = Vec::new();
        for (&index, user) in unit.users.iter().zip(answered) {
            let outcome = match user {
                None => Outcome::NotFound(not_found.clone()),
                Some(user) if self.action.is_in_effect(&user) => Outcome::Done(user),
                Some(user) if why == Reread::Verify || unit.resent => {
                    let cause = FailureCause::NotApplied {
                        action: self.action,
                        user,
                    };
                    self.fail_one(index, cause, StopReason::NotRetryable, requests);
                    continue;
                }
                Some(_) => {
                    again.push(index);
                    continue;
                }
            };
            self.record(index, outcome, requests);
        }
        if again.is_empty() {
            return;
        }
        let cause = unit.last_failure.clone().unwrap_or(FailureCause::Omitted {
            action: self.action,
        });
        let everyone_exists = again.len() == unit.users.len();
        let mut bulk = unit.continued_as(UnitKind::Bulk, again, cause.clone());
        bulk.probed = true;
        if not_found.is_some() && everyone_exists && bulk.users.len() > 1 {
            // Clerk's 404 named none of them: it was about something else. Split to find out.
            self.split(bulk, cause);
        } else {
            bulk.resent = true;
            self.queue_next(bulk);
        }
    }

    /// An error response, in order of precedence: fatal for the run; not Clerk's; a 429 that
    /// pauses it; a probe that could not tell; a bulk request to probe or split; a user not
    /// found; a retry; a failure.
    pub(super) fn on_error_response(
        &mut self,
        mut unit: Unit,
        error: ResponseError,
        now: Instant,
        received_at: SystemTime,
    ) {
        if is_fatal(&error) {
            let fatal = NotAttemptedReason::Fatal(Arc::new(FatalError::Response(error.clone())));
            self.fail(
                unit,
                FailureCause::Response(error),
                StopReason::NotRetryable,
            );
            self.stop(fatal);
            return;
        }
        if is_not_clerk(&error) {
            self.health.not_clerk_in_a_row += 1;
            let first_answer = self.ledger.stats().responses == 1;
            if first_answer || self.health.not_clerk_in_a_row >= NOT_CLERK_IN_A_ROW {
                let fatal = FatalError::NotClerk {
                    base_url: self.config.base_url().to_owned(),
                    answer: error.clone(),
                };
                self.fail(
                    unit,
                    FailureCause::Response(error),
                    StopReason::NotRetryable,
                );
                self.stop(NotAttemptedReason::Fatal(Arc::new(fatal)));
                return;
            }
        } else {
            self.health.not_clerk_in_a_row = 0;
        }
        let server_delay = error.retry_delay(received_at);
        if error.is_rate_limited() {
            self.ledger.stats_mut().rate_limited += 1;
            let delay = server_delay.unwrap_or(Duration::from_secs(1));
            if delay > self.options.retry_policy().max_total_wait() {
                // "Come back in an hour": no user of this run can wait that long.
                let fatal =
                    NotAttemptedReason::Fatal(Arc::new(FatalError::Response(error.clone())));
                self.fail(
                    unit,
                    FailureCause::Response(error),
                    StopReason::WaitBudgetExhausted { needed: delay },
                );
                self.stop(fatal);
                return;
            }
            let jitter = server_jitter(delay, self.random());
            let until = now.checked_add(delay.saturating_add(jitter));
            self.paused_until = latest(self.paused_until, until);
        }
        let clerk_not_found = error.is_clerk_shaped() && error.is_not_found();
        if clerk_not_found && unit.users.len() == 1 && unit.kind != UnitKind::ReadMany {
            // Clerk said so about this id alone.
            let requests = unit.requests();
            let held = unit.held_sibling.take();
            self.record(unit.users[0], Outcome::NotFound(Some(error)), requests);
            if let Some(sibling) = held {
                self.release(*sibling);
            }
            return;
        }
        if unit.kind == UnitKind::Reread(Reread::Probe) && !error.is_retryable() {
            // The probe could not say who exists: isolate by splitting the bulk request.
            let users = std::mem::take(&mut unit.users);
            let cause = unit.last_failure.take().unwrap_or(FailureCause::TimedOut);
            let mut bulk = unit.continued_as(UnitKind::Bulk, users, cause.clone());
            bulk.probed = true;
            self.split(bulk, cause);
            return;
        }
        let splittable = matches!(unit.kind, UnitKind::Bulk | UnitKind::ReadMany);
        if splittable && unit.users.len() > 1 && isolates_by_splitting(&error) {
            let cause = FailureCause::Response(error);
            if unit.kind == UnitKind::Bulk && !unit.probed && clerk_not_found {
                let users = std::mem::take(&mut unit.users);
                self.reread(&unit, users, Reread::Probe, cause);
                if let Some(sibling) = unit.held_sibling.take() {
                    self.release(*sibling);
                }
            } else {
                self.split(unit, cause);
            }
            return;
        }
        let cause = FailureCause::Response(error);
        match &cause {
            FailureCause::Response(error) if error.is_retryable() => {
                self.retry(unit, cause, server_delay, now);
            }
            _ => self.fail(unit, cause, StopReason::NotRetryable),
        }
    }
}

/// The later of two optional times.
fn latest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A 404 or 405 in no shape of Clerk's (HTML, nothing, another service's JSON): whatever
/// answered is not Clerk's Backend API, or not at this path.
fn is_not_clerk(error: &ResponseError) -> bool {
    matches!(
        error.status(),
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) && !error.is_clerk_shaped()
}

/// Answers to a bulk request that some of its users cause: unknown ids (Clerk's 404), ids
/// Clerk refuses (422), a size Clerk refuses (400 `bulk_size_exceeded`).
fn isolates_by_splitting(error: &ResponseError) -> bool {
    match error.status() {
        StatusCode::NOT_FOUND => error.is_clerk_shaped(),
        StatusCode::UNPROCESSABLE_ENTITY => true,
        StatusCode::BAD_REQUEST => error.has_code("bulk_size_exceeded"),
        _ => false,
    }
}
