//! `AttemptId` names one request a call or a run handed out; `Attempts` is the retry bookkeeping
//! of one request (a call, or one unit of a run).

use std::time::Duration;

use crate::Instant;

use crate::retry::{RetryDecision, RetryPolicy, StopReason};

/// Names one request a [`Run`](crate::Run) or a [`Call`](crate::Call) handed out, so that its
/// answer can be matched to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttemptId(u64);

impl AttemptId {
    pub(crate) fn new(n: u64) -> Self {
        Self(n)
    }
}

impl std::fmt::Display for AttemptId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// How many times a request was sent, how long it waited between tries, and when it must be
/// done by. Counts from the first send: a user queued behind a long run does not age.
#[derive(Clone, Debug, Default)]
pub(crate) struct Attempts {
    sent: u32,
    waited: Duration,
    deadline: Option<Instant>,
}

impl Attempts {
    /// Bookkeeping that keeps an existing deadline (for a request that continues another, such
    /// as half of a split bulk request), with no attempt made yet.
    pub(crate) fn continuing(deadline: Option<Instant>) -> Self {
        Self {
            deadline,
            ..Self::default()
        }
    }

    /// Notes an attempt going out at `now`; the first starts the deadline `deadline_after` from
    /// now. Returns the deadline.
    pub(crate) fn on_send(
        &mut self,
        now: Instant,
        deadline_after: Option<Duration>,
    ) -> Option<Instant> {
        self.sent += 1;
        if self.deadline.is_none() {
            self.deadline = deadline_after.and_then(|after| now.checked_add(after));
        }
        self.deadline
    }

    /// After a failure worth retrying at `now`: the time of the next attempt, no earlier than
    /// `not_before` (a pause of the whole run), or why there is none.
    pub(crate) fn next_try(
        &mut self,
        policy: &RetryPolicy,
        server_delay: Option<Duration>,
        not_before: Option<Instant>,
        now: Instant,
        random: u64,
    ) -> Result<Instant, StopReason> {
        let wait = match policy.plan(self.sent, server_delay, self.waited, random) {
            RetryDecision::RetryAfter(wait) => wait,
            RetryDecision::Stop(reason) => return Err(reason),
        };
        let mut at = now.checked_add(wait).ok_or(StopReason::DeadlineExceeded)?;
        if let Some(not_before) = not_before {
            at = at.max(not_before);
        }
        if self.deadline.is_some_and(|deadline| at >= deadline) {
            return Err(StopReason::DeadlineExceeded);
        }
        self.waited = self
            .waited
            .saturating_add(at.saturating_duration_since(now));
        Ok(at)
    }

    /// Attempts sent.
    pub(crate) fn sent(&self) -> u32 {
        self.sent
    }

    /// The deadline, once the first attempt went out.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}
