//! `Schedule`: where every unit of a run is — ready to go, waiting for a retry, or in flight —
//! and which users no unit has taken yet.
//!
//! Its invariant: every user without an outcome is in exactly one unit here (ready, waiting,
//! in flight, or held as the sibling of one of those), or at or after `next_fresh`. Units move
//! between places only through these methods, and leave only when the run gives their users
//! an outcome.

use std::collections::VecDeque;
use std::ops::Range;

use super::unit::Unit;
use crate::Instant;
use crate::attempts::AttemptId;

/// A request handed to the driver and not yet answered.
#[derive(Debug)]
pub(super) struct InFlight {
    pub(super) attempt: AttemptId,
    /// `None` once its users were given up on at their deadline: the answer, when it comes,
    /// only frees the place.
    pub(super) unit: Option<Unit>,
    pub(super) deadline: Option<Instant>,
    /// When it was handed out: a 429 for a request sent before the pace was last lowered says
    /// nothing new about the pace.
    pub(super) sent_at: Instant,
}

/// The run's units by place, and the users not taken yet.
#[derive(Debug)]
pub(super) struct Schedule {
    /// The first user no unit has taken yet; every user before it is in a unit or finished.
    next_fresh: usize,
    users: usize,
    /// Units due now, ahead of fresh users: halves of split requests, re-reads, released
    /// siblings.
    ready: VecDeque<Unit>,
    /// Units waiting for a retry, each with its `ready_at`.
    waiting: Vec<Unit>,
    in_flight: Vec<InFlight>,
}

impl Schedule {
    /// A schedule for `users` users, none taken yet.
    pub(super) fn new(users: usize) -> Self {
        Self {
            next_fresh: 0,
            users,
            ready: VecDeque::new(),
            waiting: Vec::new(),
            in_flight: Vec::new(),
        }
    }

    // ---- users not taken yet -----------------------------------------------------------------

    /// The first user no unit has taken, if any is left.
    pub(super) fn next_fresh(&self) -> Option<usize> {
        (self.next_fresh < self.users).then_some(self.next_fresh)
    }

    /// Takes the users up to `end` (exclusive) from the fresh ones.
    pub(super) fn take_fresh(&mut self, end: usize) -> Range<usize> {
        let start = self.next_fresh;
        self.next_fresh = end.clamp(start, self.users);
        start..self.next_fresh
    }

    /// Takes every user not taken yet (the run stopped): they will never be sent.
    pub(super) fn take_all_fresh(&mut self) -> Range<usize> {
        self.take_fresh(self.users)
    }

    // ---- ready and waiting -------------------------------------------------------------------

    /// Puts a unit first in line.
    pub(super) fn push_front(&mut self, unit: Unit) {
        self.ready.push_front(unit);
    }

    /// Puts a unit last in line (ahead of fresh users still).
    pub(super) fn push_back(&mut self, unit: Unit) {
        self.ready.push_back(unit);
    }

    /// Parks a unit until its `ready_at`.
    pub(super) fn wait(&mut self, unit: Unit) {
        debug_assert!(unit.ready_at.is_some(), "a waiting unit has a time");
        self.waiting.push(unit);
    }

    /// The next unit due at `now`: retries whose time came go first (earliest first), then the
    /// ready line.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<Unit> {
        self.move_due_retries_to_ready(now);
        self.ready.pop_front()
    }

    /// Whether nothing is queued or fresh: only answers or retries can bring work.
    pub(super) fn nothing_due(&mut self, now: Instant) -> bool {
        self.move_due_retries_to_ready(now);
        self.ready.is_empty() && self.next_fresh().is_none()
    }

    /// When the next waiting retry is due.
    pub(super) fn next_retry_at(&self) -> Option<Instant> {
        self.waiting.iter().filter_map(|unit| unit.ready_at).min()
    }

    fn move_due_retries_to_ready(&mut self, now: Instant) {
        if self.waiting.is_empty() {
            return;
        }
        let mut due: Vec<Unit> = Vec::new();
        let mut i = 0;
        while i < self.waiting.len() {
            if self.waiting[i].ready_at.is_none_or(|at| at <= now) {
                due.push(self.waiting.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|unit| unit.ready_at);
        for unit in due.into_iter().rev() {
            self.ready.push_front(unit);
        }
    }

    /// Takes every queued unit (the run stopped): they will never be sent.
    pub(super) fn drain_queued(&mut self) -> Vec<Unit> {
        self.ready.drain(..).chain(self.waiting.drain(..)).collect()
    }

    // ---- in flight ---------------------------------------------------------------------------

    /// Notes a unit's request as handed out.
    pub(super) fn fly(
        &mut self,
        attempt: AttemptId,
        unit: Unit,
        deadline: Option<Instant>,
        now: Instant,
    ) {
        self.in_flight.push(InFlight {
            attempt,
            unit: Some(unit),
            deadline,
            sent_at: now,
        });
    }

    /// Takes the request in flight for `attempt`, if the run knows it.
    pub(super) fn land(&mut self, attempt: AttemptId) -> Option<InFlight> {
        let position = self.in_flight.iter().position(|f| f.attempt == attempt)?;
        Some(self.in_flight.swap_remove(position))
    }

    /// Requests handed out and not yet answered (those given up on at a deadline included):
    /// each holds a place until the driver reports it.
    pub(super) fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Requests in flight whose users still wait for them.
    pub(super) fn live_in_flight(&self) -> usize {
        self.in_flight.iter().filter(|f| f.unit.is_some()).count()
    }

    /// The unit a request in flight carries, if its users still wait for it.
    pub(super) fn unit_of(&self, attempt: AttemptId) -> Option<&Unit> {
        self.in_flight
            .iter()
            .find(|f| f.attempt == attempt)
            .and_then(|f| f.unit.as_ref())
    }

    // ---- deadlines ---------------------------------------------------------------------------

    /// Takes the units whose deadline passed by `now`: those with a request in flight (the
    /// request keeps its place until reported) and those queued for a send the deadline will
    /// not allow.
    pub(super) fn take_past_deadline(&mut self, now: Instant) -> PastDeadline {
        let past = |deadline: Option<Instant>| deadline.is_some_and(|d| d <= now);
        let mut expired = PastDeadline::default();
        for flight in &mut self.in_flight {
            if flight.unit.is_some() && past(flight.deadline) {
                expired.in_flight.extend(flight.unit.take());
            }
        }
        let mut i = 0;
        while i < self.waiting.len() {
            if past(self.waiting[i].attempts.deadline()) {
                expired.queued.push(self.waiting.swap_remove(i));
            } else {
                i += 1;
            }
        }
        if self.ready.iter().any(|unit| past(unit.attempts.deadline())) {
            let ready = std::mem::take(&mut self.ready);
            for unit in ready {
                if past(unit.attempts.deadline()) {
                    expired.queued.push(unit);
                } else {
                    self.ready.push_back(unit);
                }
            }
        }
        expired
    }

    /// The earliest deadline of a unit whose users wait: in flight, waiting or ready.
    pub(super) fn earliest_deadline(&self) -> Option<Instant> {
        let in_flight = self
            .in_flight
            .iter()
            .filter(|f| f.unit.is_some())
            .filter_map(|f| f.deadline);
        let queued = self
            .ready
            .iter()
            .chain(&self.waiting)
            .filter_map(|unit| unit.attempts.deadline());
        in_flight.chain(queued).min()
    }
}

/// Units whose deadline passed.
#[derive(Debug, Default)]
pub(super) struct PastDeadline {
    /// With a request in flight: it may have been applied.
    pub(super) in_flight: Vec<Unit>,
    /// Queued for a send that can no longer happen in time.
    pub(super) queued: Vec<Unit>,
}
