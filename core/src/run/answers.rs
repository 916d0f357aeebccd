//! What an answer means for the users it concerns: done or not found from a 2xx, and from an
//! error, whether to stop the run, pause it, split or probe a bulk request, retry, or fail.

use std::sync::Arc;
use std::time::Duration;

use crate::Instant;

use http::StatusCode;

use super::engine::Run;
use super::outcome::{Failure, FailureCause, FatalError, NotAttemptedReason, Outcome};
use super::unit::{Unit, UnitKind};
use crate::call::server_delay;
use crate::error::ResponseError;
use crate::model::User;
use crate::retry::{StopReason, server_jitter};

impl Run {
    /// A 2xx with users: each user asked for is done (or, on a read, compared), each left out
    /// is not found.
    // Boxed on purpose: a `User` is 920 bytes, and each move of one out of a plain `Vec` into an
    // outcome would copy it (see BENCHMARKS.md).
    #[allow(clippy::vec_box)]
    pub(super) fn on_users(&mut self, mut unit: Unit, users: Vec<Box<User>>) {
        if unit.kind == UnitKind::Probe {
            self.on_probe_answer(unit, &users);
            return;
        }
        let requests = unit.requests();
        let held = unit.held_sibling.take();
        if unit.kind == UnitKind::Single || unit.kind == UnitKind::ReadOne {
            let index = unit.users[0];
            let asked = self.ids[index as usize].as_str();
            let outcome = match users.into_iter().next() {
                Some(user) if user.id == asked => self.outcome_for(unit.kind, user),
                Some(user) => failed(
                    FailureCause::WrongUser {
                        answered: user
                            .id
                            .chars()
                            .take(64)
                            .flat_map(char::escape_default)
                            .collect(),
                    },
                    StopReason::NotRetryable,
                ),
                // A single user's answer is one object, so this cannot be; were it to come, the
                // user would still get its outcome.
                None => Outcome::NotFound(None),
            };
            self.emit(index, outcome, requests);
        } else {
            let mut answered: Vec<Option<Box<User>>> = Vec::new();
            answered.resize_with(unit.users.len(), || None);
            let mut expected_at = 0;
            for user in users {
                // Clerk answers in the order asked: look there first.
                let matches =
                    |position: usize| self.ids[unit.users[position] as usize].as_str() == user.id;
                let position = if expected_at < unit.users.len() && matches(expected_at) {
                    Some(expected_at)
                } else {
                    (0..unit.users.len()).find(|&p| matches(p))
                };
                if let Some(position) = position {
                    expected_at = position + 1;
                    if answered[position].is_none() {
                        answered[position] = Some(user);
                    }
                }
            }
            for (&index, user) in unit.users.iter().zip(answered) {
                let outcome = match user {
                    Some(user) => self.outcome_for(unit.kind, user),
                    None => Outcome::NotFound(None),
                };
                self.emit(index, outcome, requests);
            }
        }
        if let Some(sibling) = held {
            self.split_known_faulty(*sibling);
        }
    }

    /// The answer to a probe: users it left out do not exist; the bulk request goes again for
    /// the others alone.
    pub(super) fn on_probe_answer(&mut self, mut unit: Unit, users: &[Box<User>]) {
        let cause = unit.last_failure.take().unwrap_or(FailureCause::TimedOut);
        let exists = |index: &u32| {
            let id = self.ids[*index as usize].as_str();
            users.iter().any(|user| user.id == id)
        };
        let (found, missing): (Vec<u32>, Vec<u32>) = unit.users.iter().partition(|i| exists(i));
        if missing.is_empty() {
            // Every user exists: the 404 was about something else. Split to find out.
            let bulk = unit.continued_as(UnitKind::Bulk, found, cause.clone());
            self.split(bulk, cause);
            return;
        }
        let not_found = match &cause {
            FailureCause::Response(error) if error.is_not_found() => Some(error.clone()),
            _ => None,
        };
        let requests = unit.requests();
        for index in missing {
            self.emit(index, Outcome::NotFound(not_found.clone()), requests);
        }
        if !found.is_empty() {
            let bulk = unit.continued_as(UnitKind::Bulk, found, cause);
            self.queue_next(bulk);
        }
    }

    /// A user Clerk answered with: done, or for a dry-run read, whether the action would change
    /// it.
    pub(super) fn outcome_for(&self, kind: UnitKind, user: Box<User>) -> Outcome {
        if !kind.reports_reads() || !self.action.changes_users() {
            Outcome::Done(user)
        } else if self.action.is_in_effect(&user) {
            Outcome::Unchanged(user)
        } else {
            Outcome::WouldChange(user)
        }
    }

    /// An error response, in order of precedence: fatal for the run; a 429 that pauses it; a
    /// probe that could not tell; a bulk request to probe or split; a user not found; a retry;
    /// a failure.
    pub(super) fn on_error_response(&mut self, mut unit: Unit, error: ResponseError, now: Instant) {
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
        let server_delay = server_delay(&error);
        if error.is_rate_limited() {
            self.stats.rate_limited += 1;
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
        let clerk_not_found = matches!(error, ResponseError::Api(_)) && error.is_not_found();
        if unit.kind == UnitKind::Probe && !error.is_retryable() {
            // The probe could not say who exists: fall back to splitting the bulk request.
            let users = std::mem::take(&mut unit.users);
            let cause = unit.last_failure.take().unwrap_or(FailureCause::TimedOut);
            let bulk = unit.continued_as(UnitKind::Bulk, users, cause.clone());
            self.split(bulk, cause);
            return;
        }
        if unit.users.len() > 1 && isolates_by_splitting(&error) {
            let cause = FailureCause::Response(error);
            if unit.kind == UnitKind::Bulk && !unit.probed && clerk_not_found {
                self.probe(unit, cause);
            } else {
                self.split(unit, cause);
            }
            return;
        }
        if clerk_not_found && unit.kind != UnitKind::ReadMany {
            let requests = unit.requests();
            let held = unit.held_sibling.take();
            self.emit(unit.users[0], Outcome::NotFound(Some(error)), requests);
            if let Some(sibling) = held {
                self.release(*sibling);
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

fn failed(cause: FailureCause, stop: StopReason) -> Outcome {
    Outcome::Failed(Arc::new(Failure { cause, stop }))
}

/// The later of two optional times.
fn latest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Answers after which every later request would fail the same way.
pub(super) fn is_fatal(error: &ResponseError) -> bool {
    match error.status() {
        StatusCode::UNAUTHORIZED | StatusCode::PAYMENT_REQUIRED => true,
        // A 403 from Clerk with another code concerns this user alone; the feature switched off,
        // or a proxy's 403 without Clerk's body, concerns every request.
        StatusCode::FORBIDDEN => {
            !matches!(error, ResponseError::Api(_)) || error.has_code("feature_not_enabled")
        }
        StatusCode::BAD_REQUEST => error.has_code("api_version_invalid"),
        _ => false,
    }
}

/// Answers to a bulk request that some of its users cause: unknown ids (404), ids Clerk
/// refuses (422), a size Clerk refuses (400 `bulk_size_exceeded`).
fn isolates_by_splitting(error: &ResponseError) -> bool {
    match error.status() {
        StatusCode::NOT_FOUND => matches!(error, ResponseError::Api(_)),
        StatusCode::UNPROCESSABLE_ENTITY => true,
        StatusCode::BAD_REQUEST => error.has_code("bulk_size_exceeded"),
        _ => false,
    }
}
