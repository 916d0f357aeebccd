//! What becomes of a unit once its answer is read: retried after a wait, probed, split, put
//! back in line, failed, or ended because the run stopped; and stopping the run itself.

use std::sync::Arc;
use std::time::Duration;

use crate::Instant;

use super::engine::Run;
use super::outcome::{Failure, FailureCause, NotAttemptedReason, Outcome};
use super::unit::{Unit, UnitKind};
use crate::retry::StopReason;

impl Run {
    /// Tries the unit again after the policy's wait, or fails it if the policy or the deadline
    /// says no.
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
                self.stats.retries += 1;
                self.waiting.push(unit);
            }
            Err(stop) => self.fail(unit, cause, stop),
        }
    }

    /// Asks which users of a bulk request answered 404 exist: one read instead of a split per
    /// level (3 requests, not about 10, to isolate an unknown id among 50).
    pub(super) fn probe(&mut self, mut unit: Unit, cause: FailureCause) {
        if self.stopped.is_some() {
            self.fail(unit, cause, StopReason::RunStopped);
            return;
        }
        let held = unit.held_sibling.take();
        let users = std::mem::take(&mut unit.users);
        let probe = unit.continued_as(UnitKind::Probe, users, cause);
        self.queue_next(probe);
        if let Some(sibling) = held {
            self.release(*sibling);
        }
    }

    /// Splits a bulk request that failed because of some of its users: the first half goes
    /// next, the second waits for its answer.
    pub(super) fn split(&mut self, mut unit: Unit, cause: FailureCause) {
        if self.stopped.is_some() {
            self.fail(unit, cause, StopReason::RunStopped);
            return;
        }
        self.stats.splits += 1;
        let held = unit.held_sibling.take();
        let (mut first, second) = unit.halves(cause);
        first.held_sibling = Some(Box::new(second));
        self.queue_next(first);
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
        self.stats.splits += 1;
        let cause = unit.last_failure.clone().unwrap_or(FailureCause::TimedOut);
        let (mut first, second) = unit.halves(cause);
        first.held_sibling = Some(Box::new(second));
        self.queue_next(first);
    }

    /// Puts a unit first in line, or ends it if the run stopped: every unit goes through here
    /// or [`Run::release`], so none can wait in a queue that will never be sent.
    pub(super) fn queue_next(&mut self, unit: Unit) {
        if self.stopped.is_some() {
            self.end_queued(unit);
        } else {
            self.ready.push_front(unit);
        }
    }

    /// Puts a held unit back in line, or ends it if the run stopped.
    pub(super) fn release(&mut self, unit: Unit) {
        if self.stopped.is_some() {
            self.end_queued(unit);
        } else {
            self.ready.push_back(unit);
        }
    }

    /// Fails every user of the unit with `cause`, and lets its held sibling go.
    pub(super) fn fail(&mut self, mut unit: Unit, cause: FailureCause, stop: StopReason) {
        let requests = unit.requests();
        let failure = Arc::new(Failure { cause, stop });
        for &index in &unit.users {
            self.emit(index, Outcome::Failed(Arc::clone(&failure)), requests);
        }
        if let Some(sibling) = unit.held_sibling.take() {
            self.release(*sibling);
        }
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
                    self.emit(index, Outcome::NotAttempted(reason.clone()), 0);
                }
            }
        }
        if let Some(sibling) = sibling {
            self.end_queued(*sibling);
        }
    }

    /// Stops the run: from now on nothing is sent.
    pub(super) fn stop(&mut self, reason: NotAttemptedReason) {
        if self.stopped.is_some() {
            return;
        }
        self.stopped = Some(reason.clone());
        self.paused_until = None;
        for index in self.next_fresh..self.ids.len() {
            self.emit(index as u32, Outcome::NotAttempted(reason.clone()), 0);
        }
        self.next_fresh = self.ids.len();
        let queued: Vec<Unit> = self.ready.drain(..).chain(self.waiting.drain(..)).collect();
        for unit in queued {
            self.end_queued(unit);
        }
    }
}
