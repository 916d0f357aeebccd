//! `HoldOff`: what a store last said "wait" about, so that the other requests of this process
//! wait too without asking the store again.
//!
//! A store's [`Take::Wait`] names the earliest moment a place can free. Nothing any process
//! does can free one sooner, within a window: a place frees either when its time comes (and the
//! store counted that in its answer) or `per` after its request's answer, which is later than
//! `per` after the store answered. So until `min(wait, per)` after the answer, asking again can
//! only be told to wait: the requests of this process are told so here, without a round trip.
//! That keeps a waiting fleet from asking the store every few milliseconds per request in
//! flight. It never grants anything: a grant is always the store's.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use clerk_moderation_core::RateLimit;

use super::Take;

/// The last wait a store gave, and for which limit.
#[derive(Debug, Default)]
pub(crate) struct HoldOff {
    until: Mutex<Option<(Instant, u32)>>,
}

impl HoldOff {
    /// How long a request under `limit` must still wait, without asking the store; `None` when
    /// the store must be asked.
    pub(crate) fn waiting(&self, limit: RateLimit) -> Option<Take> {
        let held = *self.until.lock().unwrap_or_else(PoisonError::into_inner);
        let (until, requests) = held?;
        // A larger limit may have room where a smaller one had none.
        if limit.requests > requests {
            return None;
        }
        let left = until.checked_duration_since(Instant::now())?;
        (!left.is_zero()).then_some(Take::Wait(left))
    }

    /// Notes what the store answered at `answered` (a moment after it decided) to a request
    /// under `limit`.
    pub(crate) fn note(&self, take: Take, limit: RateLimit, answered: Instant) {
        let mut held = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        *held = match take {
            Take::Granted(_) => None,
            Take::Wait(wait) => answered
                .checked_add(wait.min(limit.per))
                .map(|until| (until, limit.requests)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::Slot;
    use std::time::Duration;

    #[test]
    fn a_wait_holds_for_the_same_or_smaller_limits_and_a_grant_clears_it() {
        let hold = HoldOff::default();
        let limit = RateLimit::new(10, Duration::from_secs(10));
        assert_eq!(hold.waiting(limit), None);
        hold.note(Take::Wait(Duration::from_secs(5)), limit, Instant::now());
        assert!(
            matches!(hold.waiting(limit), Some(Take::Wait(left)) if left > Duration::from_secs(4))
        );
        assert!(hold.waiting(RateLimit::new(5, limit.per)).is_some());
        assert_eq!(hold.waiting(RateLimit::new(11, limit.per)), None);
        hold.note(Take::Granted(Slot(1)), limit, Instant::now());
        assert_eq!(hold.waiting(limit), None);
    }

    #[test]
    fn a_wait_never_holds_past_a_window() {
        let hold = HoldOff::default();
        let limit = RateLimit::new(1, Duration::from_millis(20));
        hold.note(Take::Wait(Duration::from_secs(90)), limit, Instant::now());
        assert!(matches!(hold.waiting(limit), Some(Take::Wait(left)) if left <= limit.per));
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(hold.waiting(limit), None);
    }
}
