//! What becomes of users whose answer was not final: retried after a wait, read again, probed,
//! split, put back in line, failed, or ended because the run stopped.
//!
//! Every unit leaves a place through one of these, so none can wait in a queue that will never
//! be sent: once the run stopped, a unit queued here ends at once ([`Run::end_queued`]).

use std::sync::Arc;
use std::time::Duration;

use super::machine::Run;
use super::outcome::{Failure, NotAttemptedReason, Outcome};
use super::unit::{Reread, Unit, UnitKind, listable};
use crate::Instant;
use crate::failure::FailureCause;
use crate::retry::StopReason;

impl Run {
    /// Tries the unit again after the policy's wait (no earlier than a pause of the whole run),
    /// or fails it if the policy or the deadline says no.
    pub(super) fn retry(
        &mut self,
        mut unit: Unit,
        cause: FailureCause,
        server_delay: Option<Duration>,
        now: Instant,
    ) {
        if self.stopped.is_some() {
            self.fail(unit, cause, StopReason::RunStopped);
            return;
        }
        // The sibling need not wait out this unit's backoff.
        if let Some(sibling) = unit.held_sibling.take() {
            self.release(*sibling);
        }
        let random = self.random();
        let policy = self.options.retry_policy();
        match unit
            .attempts
            .next_try(policy, server_delay, self.paused_until, now, random)
        {
            Ok(at) => {
                unit.ready_at = Some(at);
                unit.last_failure = Some(cause);
                self.ledger.stats_mut().retries += 1;
                self.schedule.wait(unit);
            }
            Err(stop) => self.fail(unit, cause, stop),
        }
    }

    /// Reads `users` of `from` again, by id, to decide their outcome from Clerk's record: one
    /// read of them all through the list filter (3 requests, not about 10, to isolate an unknown
    /// id among 50 after a 404), or a read of each alone where the filter cannot name one.
    pub(super) fn reread(
        &mut self,
        from: &Unit,
        users: Vec<u32>,
        why: Reread,
        cause: FailureCause,
    ) {
        let kind = UnitKind::Reread(why);
        let together = users.len() == 1 || users.iter().all(|&i| listable(self.ledger.id(i)));
        if together {
            let mut unit = from.continued_as(kind, users, cause);
            unit.probed |= why == Reread::Probe;
            self.queue_next(unit);
            return;
        }
        for user in users {
            let mut unit = from.continued_as(kind, vec![user], cause.clone());
            unit.probed |= why == Reread::Probe;
            self.queue_next(unit);
        }
    }

    /// Splits a request that failed because of some of its users: the first half goes next,
    /// the second waits for its answer. A unit of one user cannot split: it goes again whole.
    pub(super) fn split(&mut self, mut unit: Unit, cause: FailureCause) {
        if self.stopped.is_some() {
            self.fail(unit, cause, StopReason::RunStopped);
            return;
        }
        let held = unit.held_sibling.take();
        if unit.users.len() < 2 {
            unit.last_failure = Some(cause);
            self.queue_next(unit);
        } else {
            self.ledger.stats_mut().splits += 1;
            let (mut first, second) = unit.halves(cause);
            first.held_sibling = Some(Box::new(second));
            self.queue_next(first);
        }
        if let Some(sibling) = held {
            // Its holder failed too: nothing is known about it any more; send it whole.
            self.release(*sibling);
        }
    }

    /// The held half of a split whose other half just succeeded: the fault is in this one, so
    /// split it at once (or, alone, send it alone).
    pub(super) fn split_known_faulty(&mut self, unit: Unit) {
        if self.stopped.is_some() || unit.users.len() < 2 {
            self.release(unit);
            return;
        }
        let cause = unit.last_failure.clone().unwrap_or(FailureCause::TimedOut);
        self.split(unit, cause);
    }

    /// Puts a unit first in line, or ends it if the run stopped.
    pub(super) fn queue_next(&mut self, unit: Unit) {
        if self.stopped.is_some() {
            self.end_queued(unit);
        } else {
            self.schedule.push_front(unit);
        }
    }

    /// Puts a held unit back in line, or ends it if the run stopped.
    pub(super) fn release(&mut self, unit: Unit) {
        if self.stopped.is_some() {
            self.end_queued(unit);
        } else {
            self.schedule.push_back(unit);
        }
    }

    /// Fails every user of the unit with `cause`, and lets its held sibling go.
    pub(super) fn fail(&mut self, mut unit: Unit, cause: FailureCause, stop: StopReason) {
        let requests = unit.requests();
        let failure = Arc::new(Failure { cause, stop });
        for &index in &unit.users {
            self.record(index, Outcome::Failed(Arc::clone(&failure)), requests);
        }
        if let Some(sibling) = unit.held_sibling.take() {
            self.release(*sibling);
        }
    }

    /// Fails one user of a unit whose other users end otherwise.
    pub(super) fn fail_one(
        &mut self,
        index: u32,
        cause: FailureCause,
        stop: StopReason,
        requests: u32,
    ) {
        let failure = Arc::new(Failure { cause, stop });
        self.record(index, Outcome::Failed(failure), requests);
    }

    /// Ends a unit that will not be sent because the run stopped: `Failed` if a request carried
    /// its users before, `NotAttempted` if none did.
    pub(super) fn end_queued(&mut self, mut unit: Unit) {
        let sibling = unit.held_sibling.take();
        match unit.last_failure.take() {
            Some(cause) => self.fail(unit, cause, StopReason::RunStopped),
            None => {
                let reason = self
                    .stopped
                    .clone()
                    .unwrap_or(NotAttemptedReason::Interrupted);
                for &index in &unit.users {
                    self.record(index, Outcome::NotAttempted(reason.clone()), 0);
                }
            }
        }
        if let Some(sibling) = sibling {
            self.end_queued(*sibling);
        }
    }
}
