//! The rate limit as Clerk counts it: per secret key, a sliding window over request
//! arrivals, with a neighbour that spends the same key's budget.
//!
//! An arrival is counted when its request head has been read. It is admitted when fewer than
//! `requests` arrivals lie in the window `(now - per, now]`; otherwise it is refused with the
//! time until the window has room. A refused arrival still counts: Clerk documents that after
//! a 429 "all subsequent requests ... will be blocked for a given amount of time", and nothing
//! says a refused request is free, so the emulator takes the reading that is stricter for
//! clients (a client that keeps knocking keeps the window full).
//!
//! The window keeps one entry per arrival while it holds fewer than [`MAX_ENTRIES`], so
//! counts and waits are exact; past that (a flood), new arrivals merge into the newest entry,
//! which then leaves the window with its last arrival: stricter, never more lenient, and
//! bounded in memory whatever the rate and window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Clerk's window: 10 seconds.
pub(crate) const CLERK_WINDOW: Duration = Duration::from_secs(10);

/// The most entries the window keeps (about 3 MiB); see the module docs.
const MAX_ENTRIES: usize = 100_000;

/// A number of requests per a duration: a rate limit, or a neighbour's pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in any window of `per`.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per `per`.
    pub const fn new(requests: u32, per: Duration) -> Self {
        Self { requests, per }
    }
}

/// The window's verdict on one arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Within the limit (or there is none).
    Admitted,
    /// Over the limit: the window has room again after `room_in`.
    Refused {
        /// How long until the window has room for one more arrival.
        room_in: Duration,
    },
}

/// Arrivals up to and including one moment (several only past [`MAX_ENTRIES`]).
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The newest arrival of the entry: the entry leaves the window `per` after it.
    last: Instant,
    /// Arrivals counted since the start, this entry's included (phantom ones too).
    through: u64,
    /// Real arrivals of this entry (the others are the neighbour's).
    real: u32,
}

/// The neighbour's phantom arrivals: the `j`-th at `origin + per * j / requests`, for every
/// integer `j`, as if it had been sending at that pace before the emulator started.
#[derive(Debug, Clone)]
struct Neighbour {
    pace: RateLimit,
    origin: Instant,
    /// The next phantom arrival not counted yet.
    next: i64,
}

impl Neighbour {
    /// Nanoseconds from `origin` to phantom `j` (negative before it).
    fn offset(&self, j: i64) -> i128 {
        let per = self.pace.per.as_nanos() as i128;
        (per * i128::from(j)).div_euclid(i128::from(self.pace.requests.max(1)))
    }

    /// The first phantom whose offset is after `offset`.
    fn first_after(&self, offset: i128) -> i64 {
        let per = (self.pace.per.as_nanos() as i128).max(1);
        let estimate = (offset * i128::from(self.pace.requests)).div_euclid(per);
        let mut j = i64::try_from(estimate).unwrap_or(i64::MAX - 1);
        // The estimate is off by at most one either way after the rounding of `offset`.
        while j > i64::MIN && self.offset(j - 1) > offset {
            j -= 1;
        }
        while self.offset(j) <= offset {
            j += 1;
        }
        j
    }
}

/// The arrivals of one key in a sliding window, and what was seen over time.
#[derive(Debug)]
pub(crate) struct ArrivalWindow {
    /// `None`: arrivals are counted (for the peak) but never refused.
    limit: Option<u32>,
    per: Duration,
    entries: VecDeque<Entry>,
    /// Arrivals counted since the start, real and phantom.
    counted: u64,
    /// Arrivals that have left the window (`through` of the last entry dropped).
    expired: u64,
    real_in_window: u64,
    peak_real: u64,
    neighbour: Option<Neighbour>,
    neighbour_arrivals: u64,
}

impl ArrivalWindow {
    /// A window for `limit` (or for counting only, over Clerk's 10 s, when `None`), with a
    /// `neighbour` whose phantom arrivals start before `now` as if it had always been there.
    pub(crate) fn new(
        limit: Option<RateLimit>,
        neighbour: Option<RateLimit>,
        now: Instant,
    ) -> Self {
        let per = limit.map_or(CLERK_WINDOW, |limit| limit.per);
        let neighbour = neighbour
            .filter(|pace| pace.requests > 0 && !pace.per.is_zero())
            .map(|pace| {
                let mut neighbour = Neighbour {
                    pace,
                    origin: now,
                    next: 0,
                };
                neighbour.next = neighbour.first_after(-(per.as_nanos() as i128));
                neighbour
            });
        Self {
            limit: limit.map(|limit| limit.requests),
            per,
            entries: VecDeque::new(),
            counted: 0,
            expired: 0,
            real_in_window: 0,
            peak_real: 0,
            neighbour,
            neighbour_arrivals: 0,
        }
    }

    /// The window's length.
    pub(crate) fn per(&self) -> Duration {
        self.per
    }

    /// The limit, if there is one.
    pub(crate) fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// The most real arrivals seen in any window.
    pub(crate) fn peak(&self) -> u64 {
        self.peak_real
    }

    /// Phantom arrivals of the neighbour counted up to `now`.
    pub(crate) fn neighbour_arrivals(&mut self, now: Instant) -> u64 {
        self.catch_up(now);
        self.neighbour_arrivals
    }

    /// Counts a real arrival at `now` (never earlier than the previous one) and decides.
    pub(crate) fn arrive(&mut self, now: Instant) -> Admission {
        self.catch_up(now);
        let in_window = self.counted - self.expired;
        let admitted = self.limit.is_none_or(|limit| in_window < u64::from(limit));
        self.push(now, true);
        self.peak_real = self.peak_real.max(self.real_in_window);
        if admitted {
            Admission::Admitted
        } else {
            Admission::Refused {
                room_in: self.room_in(now),
            }
        }
    }

    /// Empties the window (the peak and the totals stay); the neighbour goes on from `now`.
    pub(crate) fn reset(&mut self, now: Instant) {
        self.catch_up(now);
        self.entries.clear();
        self.expired = self.counted;
        self.real_in_window = 0;
    }

    /// Drops the entries that have left the window at `now`.
    fn expire(&mut self, now: Instant) {
        while let Some(front) = self.entries.front() {
            if now.saturating_duration_since(front.last) < self.per {
                break;
            }
            self.expired = front.through;
            self.real_in_window -= u64::from(front.real);
            self.entries.pop_front();
        }
    }

    fn push(&mut self, at: Instant, real: bool) {
        self.counted += 1;
        self.real_in_window += u64::from(real);
        let merge = self.entries.len() >= MAX_ENTRIES;
        match self.entries.back_mut() {
            Some(back) if merge => {
                back.last = back.last.max(at);
                back.through = self.counted;
                back.real += u32::from(real);
            }
            _ => self.entries.push_back(Entry {
                last: at,
                through: self.counted,
                real: u32::from(real),
            }),
        }
    }

    /// Counts the neighbour's phantom arrivals up to `now`, and expires what `now` leaves out.
    fn catch_up(&mut self, now: Instant) {
        self.expire(now);
        let Some(neighbour) = &mut self.neighbour else {
            return;
        };
        let now_offset = now.saturating_duration_since(neighbour.origin).as_nanos() as i128;
        // Phantoms that have already left the window are counted without being kept.
        let first_in_window = neighbour.first_after(now_offset - self.per.as_nanos() as i128);
        if first_in_window > neighbour.next {
            self.neighbour_arrivals += first_in_window.abs_diff(neighbour.next);
            neighbour.next = first_in_window;
        }
        let mut due = Vec::new();
        while neighbour.offset(neighbour.next) <= now_offset {
            let offset = neighbour.offset(neighbour.next);
            let nanos =
                Duration::from_nanos(u64::try_from(offset.unsigned_abs()).unwrap_or(u64::MAX));
            let at = if offset >= 0 {
                neighbour.origin.checked_add(nanos)
            } else {
                neighbour.origin.checked_sub(nanos)
            };
            due.extend(at);
            neighbour.next += 1;
        }
        self.neighbour_arrivals += due.len() as u64;
        for at in due {
            self.push(at, false);
        }
    }

    /// How long from `now` until the window holds fewer than the limit: until enough of the
    /// oldest arrivals have left.
    fn room_in(&self, now: Instant) -> Duration {
        let Some(limit) = self.limit.filter(|limit| *limit > 0) else {
            return self.per;
        };
        let in_window = self.counted - self.expired;
        let must_leave = in_window + 1 - u64::from(limit);
        let last_to_leave = self.expired + must_leave;
        let index = self
            .entries
            .partition_point(|entry| entry.through < last_to_leave);
        self.entries.get(index).map_or(self.per, |entry| {
            (entry.last + self.per).saturating_duration_since(now)
        })
    }
}

/// `duration` in whole seconds, rounded up, at least 1: the `Retry-After` of a wait.
pub(crate) fn whole_seconds(duration: Duration) -> u64 {
    let secs = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn limited(requests: u32, per: Duration) -> (ArrivalWindow, Instant) {
        let start = Instant::now();
        (
            ArrivalWindow::new(Some(RateLimit::new(requests, per)), None, start),
            start,
        )
    }

    #[test]
    fn admits_the_limit_in_any_window_and_refuses_the_next() {
        let (mut window, start) = limited(3, Duration::from_secs(10));
        for i in 0..3 {
            assert_eq!(window.arrive(start + i * MS), Admission::Admitted);
        }
        // The fourth, 5 s later, counts too: room when the second leaves, at 10.001 s.
        let Admission::Refused { room_in } = window.arrive(start + 5000 * MS) else {
            panic!("the fourth arrival must be refused");
        };
        assert_eq!(room_in, 5001 * MS);
        // Refused arrivals count: at 10.001 s two of the first three have left, but the
        // refused one (5 s) is still in the window: 1 + 1 = 2 < 3.
        assert_eq!(window.arrive(start + 10_001 * MS), Admission::Admitted);
        assert_eq!(window.peak(), 4);
    }

    #[test]
    fn a_sliding_window_has_no_boundary_to_exploit() {
        // A fixed window would take 3 at 9.9 s and 3 more at 10.1 s.
        let (mut window, start) = limited(3, Duration::from_secs(10));
        for i in 0..3 {
            assert_eq!(window.arrive(start + (9900 + i) * MS), Admission::Admitted);
        }
        assert!(matches!(
            window.arrive(start + 10_100 * MS),
            Admission::Refused { .. }
        ));
    }

    #[test]
    fn a_refused_arrival_holds_its_place_in_the_window() {
        let (mut window, start) = limited(1, Duration::from_secs(10));
        assert_eq!(window.arrive(start), Admission::Admitted);
        // Refused, and counted: with a limit of one, room comes only when this refused
        // arrival leaves too, 10 s later.
        let Admission::Refused { room_in } = window.arrive(start + 9999 * MS) else {
            panic!("refused");
        };
        assert_eq!(room_in, Duration::from_secs(10));
        // The first has left at 10 s; the refused one at 9.999 s holds the window.
        assert!(matches!(
            window.arrive(start + 10_000 * MS),
            Admission::Refused { .. }
        ));
        assert_eq!(window.arrive(start + 30_000 * MS), Admission::Admitted);
    }

    #[test]
    fn the_wait_is_until_enough_arrivals_have_left() {
        let (mut window, start) = limited(4, Duration::from_secs(10));
        for ms in [0, 1000, 2000, 3000] {
            assert_eq!(window.arrive(start + ms * MS), Admission::Admitted);
        }
        // 5 in the window after this one: two must leave (0 s and 1 s): room at 11 s.
        let Admission::Refused { room_in } = window.arrive(start + 4000 * MS) else {
            panic!("refused");
        };
        assert_eq!(room_in, Duration::from_secs(7));
        assert_eq!(whole_seconds(room_in), 7);
        assert_eq!(whole_seconds(Duration::from_millis(6001)), 7);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }

    #[test]
    fn the_peak_is_the_most_real_arrivals_in_any_window() {
        let start = Instant::now();
        let mut window = ArrivalWindow::new(None, None, start);
        for ms in [0, 100, 200, 9_000, 10_050, 10_150, 10_160] {
            assert_eq!(window.arrive(start + ms * MS), Admission::Admitted);
        }
        // (0.16 s, 10.16 s] holds 200, 9000, 10050, 10150, 10160.
        assert_eq!(window.peak(), 5);
        assert_eq!(window.per(), CLERK_WINDOW);
        assert_eq!(window.limit(), None);
    }

    #[test]
    fn a_neighbour_spends_the_budget_evenly_from_before_the_start() {
        let start = Instant::now();
        let per = Duration::from_secs(10);
        let mut window = ArrivalWindow::new(
            Some(RateLimit::new(10, per)),
            Some(RateLimit::new(4, per)),
            start,
        );
        // At the start the window holds the neighbour's arrivals at -7.5, -5, -2.5 and 0 s.
        assert_eq!(window.neighbour_arrivals(start), 4);
        let admitted = (0..10)
            .map(|i| window.arrive(start + i * MS))
            .filter(|a| *a == Admission::Admitted)
            .count();
        assert_eq!(admitted, 6);
        // Real arrivals only in the peak.
        assert_eq!(window.peak(), 10);
        // 20 s on: eight more phantom arrivals, the window holds four of them.
        assert_eq!(window.neighbour_arrivals(start + 20_000 * MS), 12);
        let admitted = (0..10)
            .map(|i| window.arrive(start + (20_000 + i) * MS))
            .filter(|a| *a == Admission::Admitted)
            .count();
        assert_eq!(admitted, 6);
    }

    #[test]
    fn a_neighbour_after_a_long_pause_is_counted_without_being_kept() {
        let start = Instant::now();
        let mut window = ArrivalWindow::new(
            Some(RateLimit::new(100, Duration::from_secs(10))),
            Some(RateLimit::new(50, Duration::from_secs(10))),
            start,
        );
        let later = start + Duration::from_secs(3600);
        assert_eq!(window.arrive(later), Admission::Admitted);
        assert!(window.entries.len() <= 52, "{}", window.entries.len());
        // 50 before the start and 5 a second for an hour.
        assert_eq!(window.neighbour_arrivals(later), 50 + 3600 * 5);
    }

    #[test]
    fn a_flood_stays_bounded_and_strict() {
        let (mut window, start) = limited(10, Duration::from_secs(10));
        for i in 0..(MAX_ENTRIES as u32 + 5000) {
            window.arrive(start + Duration::from_micros(u64::from(i)));
        }
        assert_eq!(window.entries.len(), MAX_ENTRIES);
        assert_eq!(window.peak(), u64::from(MAX_ENTRIES as u32 + 5000));
        let Admission::Refused { room_in } = window.arrive(start + Duration::from_secs(1)) else {
            panic!("refused");
        };
        assert!(room_in >= Duration::from_secs(9), "{room_in:?}");
    }

    #[test]
    fn reset_empties_the_window_but_keeps_the_peak() {
        let (mut window, start) = limited(2, Duration::from_secs(10));
        window.arrive(start);
        window.arrive(start);
        assert!(matches!(window.arrive(start), Admission::Refused { .. }));
        window.reset(start + MS);
        assert_eq!(window.arrive(start + MS), Admission::Admitted);
        assert_eq!(window.peak(), 3);
    }
}
