//! `SharedWindow`: the arithmetic of a rate budget shared by several runs — processes on one
//! machine, a fleet of servers — as a store keeps it.
//!
//! Clerk counts every request of an instance's key in one window, whoever sends it. A run paces
//! itself with its [`Pacer`](crate::Pacer); runs that share a key also share one window, kept by
//! a store (a file, Redis) that each run's driver asks for a place before sending. The store's
//! I/O and its clock are the driver's business; the decision is this type's, the same in every
//! store (the Redis store runs the same rule as one atomic script).
//!
//! The rule is the pacer's: a request holds its place from when it is granted until `per` after
//! its answer is known ([`SharedWindow::release`]), so that no window of `per` at the server sees
//! more than the limit. A holder that never says (a process killed mid-request) loses its place
//! when its lease runs out, a lease longer than any request can take.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::run::RateLimit;

/// The places held in a shared window, each until a time on the store's clock (milliseconds).
///
/// A store reads its clock rounded down for [`SharedWindow::take`] and rounded up for
/// [`SharedWindow::release`], so that a place frees no earlier than a whole window after its
/// answer, whatever the clock's granularity.
///
/// ```
/// use clerk_moderation_core::{Grant, RateLimit, SharedWindow};
/// use std::time::Duration;
///
/// let limit = RateLimit::new(2, Duration::from_secs(10));
/// let lease = Duration::from_secs(90);
/// let mut window = SharedWindow::default();
/// assert_eq!(window.take(1, limit, 0, lease), Grant::Taken);
/// assert_eq!(window.take(2, limit, 0, lease), Grant::Taken);
/// // Both places are held by requests in flight: the third waits, at most until a lease ends.
/// assert_eq!(window.take(3, limit, 5, lease), Grant::WaitUntil(90_000));
/// // The first is answered at 1 s: its place frees 10 s later.
/// window.release(1, 1_000, limit.per);
/// assert_eq!(window.take(3, limit, 5_000, lease), Grant::WaitUntil(11_000));
/// assert_eq!(window.take(3, limit, 11_000, lease), Grant::Taken);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedWindow {
    places: Vec<Place>,
}

/// One held place: whose, and until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Place {
    slot: u64,
    until: u64,
}

/// What [`SharedWindow::take`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Grant {
    /// The place is the caller's: send, then [`SharedWindow::release`] it with the answer.
    Taken,
    /// No place is free: ask again at this time (milliseconds, the store's clock), or sooner,
    /// since a request in flight may be answered any moment.
    WaitUntil(u64),
}

impl SharedWindow {
    /// Takes a place for `slot` (a number the caller picked at random) at `now`, under `limit`:
    /// held for `lease` unless released before.
    pub fn take(&mut self, slot: u64, limit: RateLimit, now: u64, lease: Duration) -> Grant {
        self.forget_before(now);
        let limit = limit.requests as usize;
        if self.places.len() < limit {
            self.places.push(Place {
                slot,
                until: now.saturating_add(millis(lease)),
            });
            return Grant::Taken;
        }
        // The places that must free before one is left, earliest first.
        let must_free = self.places.len() - limit;
        let mut ends: Vec<u64> = self.places.iter().map(|place| place.until).collect();
        let (_, nth, _) = ends.select_nth_unstable(must_free);
        Grant::WaitUntil(*nth)
    }

    /// Notes that `slot`'s request was answered (or failed) at `now`: its place stays held for
    /// `per` more, the longest its arrival at the server can still count there. A slot whose
    /// lease already ran out is held again all the same: its request may have arrived within
    /// the last `per`.
    pub fn release(&mut self, slot: u64, now: u64, per: Duration) {
        let until = now.saturating_add(millis(per));
        match self.places.iter_mut().find(|place| place.slot == slot) {
            Some(place) => place.until = until,
            None => self.places.push(Place { slot, until }),
        }
    }

    /// The places held at `now`.
    pub fn held(&mut self, now: u64) -> usize {
        self.forget_before(now);
        self.places.len()
    }

    fn forget_before(&mut self, now: u64) {
        self.places.retain(|place| place.until > now);
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_places_than_the_limit_and_released_places_free_a_window_after() {
        let limit = RateLimit::new(3, Duration::from_secs(1));
        let lease = Duration::from_secs(60);
        let mut window = SharedWindow::default();
        for slot in 0..3 {
            assert_eq!(window.take(slot, limit, 0, lease), Grant::Taken);
        }
        assert_eq!(window.held(0), 3);
        assert!(matches!(
            window.take(9, limit, 0, lease),
            Grant::WaitUntil(_)
        ));
        window.release(0, 200, limit.per);
        window.release(1, 100, limit.per);
        assert_eq!(window.take(9, limit, 500, lease), Grant::WaitUntil(1_100));
        assert_eq!(window.take(9, limit, 1_100, lease), Grant::Taken);
        assert_eq!(window.held(1_100), 3);
    }

    #[test]
    fn a_holder_that_never_answers_loses_its_place_at_its_lease() {
        let limit = RateLimit::new(1, Duration::from_secs(1));
        let mut window = SharedWindow::default();
        assert_eq!(
            window.take(1, limit, 0, Duration::from_secs(5)),
            Grant::Taken
        );
        assert_eq!(
            window.take(2, limit, 4_999, Duration::from_secs(5)),
            Grant::WaitUntil(5_000)
        );
        assert_eq!(
            window.take(2, limit, 5_000, Duration::from_secs(5)),
            Grant::Taken
        );
        // The first answers late after all: its place is held again.
        window.release(1, 6_000, limit.per);
        assert_eq!(window.held(6_000), 2);
    }

    #[test]
    fn a_smaller_limit_of_one_holder_waits_while_others_hold_more() {
        let lease = Duration::from_secs(60);
        let mut window = SharedWindow::default();
        let wide = RateLimit::new(4, Duration::from_secs(1));
        let narrow = RateLimit::new(2, Duration::from_secs(1));
        for slot in 0..3 {
            assert_eq!(window.take(slot, wide, 0, lease), Grant::Taken);
        }
        assert!(matches!(
            window.take(7, narrow, 0, lease),
            Grant::WaitUntil(_)
        ));
        assert_eq!(window.take(8, wide, 0, lease), Grant::Taken);
    }
}
