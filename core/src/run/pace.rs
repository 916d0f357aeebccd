//! `RateLimit` and `Pacer`: never more requests in any of Clerk's windows than the instance
//! allows, whatever the latency; fewer when a 429 says someone else spends the same budget.

use std::collections::VecDeque;
use std::time::Duration;

use crate::Instant;

use crate::secret_key::Instance;

/// At most `requests` requests in any window of `per`.
///
/// Clerk limits each instance and key to 1000 requests per 10 s in production and 100 per 10 s in
/// development; [`RateLimit::default_pace`] keeps 5 % under that.
///
/// ```
/// use clerk_moderation_core::{Instance, RateLimit};
/// use std::time::Duration;
///
/// assert_eq!(RateLimit::default_pace(Instance::Production), RateLimit::new(950, Duration::from_secs(10)));
/// assert_eq!(RateLimit::default_pace(Instance::Development), RateLimit::new(95, Duration::from_secs(10)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// The most requests in any window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

impl RateLimit {
    /// Clerk's limit for a production instance: 1000 requests per 10 s.
    pub const CLERK_PRODUCTION: Self = Self::new(1000, Duration::from_secs(10));
    /// Clerk's limit for a development instance: 100 requests per 10 s.
    pub const CLERK_DEVELOPMENT: Self = Self::new(100, Duration::from_secs(10));

    /// At most `requests` (at least 1) per `per`.
    pub const fn new(requests: u32, per: Duration) -> Self {
        Self {
            requests: if requests == 0 { 1 } else { requests },
            per,
        }
    }

    /// Clerk's limit for an instance; an unknown one is taken as development, the lower.
    pub fn clerk(instance: Instance) -> Self {
        match instance {
            Instance::Production => Self::CLERK_PRODUCTION,
            _ => Self::CLERK_DEVELOPMENT,
        }
    }

    /// The pace a run keeps by default: 95 % of [`RateLimit::clerk`], so that another client of
    /// the same key, or a clock that drifts, does not tip the run into 429s.
    pub fn default_pace(instance: Instance) -> Self {
        Self::clerk(instance).scaled(0.95)
    }

    /// This limit with `fraction` of its requests (rounded down, at least 1), per the same window.
    pub fn scaled(self, fraction: f64) -> Self {
        let requests = (f64::from(self.requests) * fraction).floor();
        // `as` saturates: a negative or NaN fraction gives 0, then 1.
        Self::new(requests as u32, self.per)
    }

    /// The long-run rate, in requests per second.
    pub fn per_second(self) -> f64 {
        f64::from(self.requests) / self.per.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// Paces requests under a [`RateLimit`] as the server counts them: in no window of `per` at
/// the server do more than `requests` of this pacer's requests arrive, whatever the latency.
///
/// A request holds its place from when it is handed out until `per` after its answer is known
/// ([`Pacer::on_answered`]); one that got no answer but may have been sent holds it longer, by
/// the longest round trip seen ([`Pacer::on_lost`]); one certainly not sent frees it at once
/// ([`Pacer::on_not_sent`]). Its arrival at the server lies between those two moments, so any window
/// of `per` at the server sees only requests that all held their places at once — at the last
/// of their hand-outs — and there are never more than `requests` of those. A first burst slowed
/// by connection setup cannot then be replayed on warm connections inside one of Clerk's
/// windows. The cost: a request's place is held for `per` plus its latency, so the long-run rate
/// is `requests / (per + latency)` (about 1 % under the limit at 100 ms on a 10 s window).
///
/// Within the window, requests go out in bursts of at most a tenth of the pace, then evenly
/// spaced (`per / requests` apart), so that a window filled by another client catches few
/// requests in flight at once.
///
/// A 429 the pace did not predict means another client of the same key spends the budget: the
/// pace drops to 90 % of the places it held when the 429 came (at most once a window: a cut
/// shows at the server only a window later), climbs back half the way to that level each
/// window, then past it by a twentieth of the limit each window, never above the limit.
/// [`Pacer::current`] says where it is.
///
/// ```
/// use clerk_moderation_core::{Instant, Pacer, RateLimit};
/// use std::time::Duration;
///
/// let start = Instant::now();
/// let ms = Duration::from_millis;
/// let mut pacer = Pacer::new(RateLimit::new(2, ms(1000)));
/// assert_eq!(pacer.next_allowed(start), Some(start));
/// pacer.on_send(start);
/// // Spread over the window: the second may go half a window later.
/// assert_eq!(pacer.next_allowed(start), Some(start + ms(500)));
/// pacer.on_send(start + ms(500));
/// // Both places are held until their answers come: nothing can say when the third may go.
/// assert_eq!(pacer.next_allowed(start + ms(600)), None);
/// // The first is answered at 700 ms: its place frees a window after that.
/// pacer.on_answered(start, start + ms(700));
/// assert_eq!(pacer.next_allowed(start + ms(800)), Some(start + ms(1700)));
/// ```
#[derive(Clone, Debug)]
pub struct Pacer {
    limit: RateLimit,
    /// The pace now: at most this many places held at once (1 to `limit.requests`).
    allowed: u32,
    /// Requests handed out whose answer is not known yet: each holds a place.
    in_flight: u32,
    /// When each answered request's place frees (`per` after its answer), earliest first.
    releases: VecDeque<Instant>,
    /// When the pace was last lowered: a 429 for a request sent before then is old news.
    lowered_at: Option<Instant>,
    /// The places held when the last 429 came: the pace climbs back slowly up to there.
    last_rate_limited_at: u32,
    /// When the pace may next climb a step.
    climb_at: Option<Instant>,
    /// The longest an answered request took, from its hand-out to its answer: how late a
    /// request that got no answer may still arrive.
    longest_round_trip: Duration,
    /// The smoothing's schedule: when the next request would be due if requests went out one
    /// every `per / allowed` (a GCRA's theoretical arrival time).
    due: Option<Instant>,
}

/// The share of its held places the pace keeps after a 429.
const CUT: f64 = 0.9;

/// How much later than its own moment a request may wait so that it goes out with others: the
/// smoothing wakes a driver about this often, not once per request.
const GATHER: Duration = Duration::from_millis(50);

impl Pacer {
    /// A pacer for `limit`, with nothing sent yet.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            allowed: limit.requests,
            in_flight: 0,
            releases: VecDeque::new(),
            lowered_at: None,
            last_rate_limited_at: limit.requests,
            climb_at: None,
            longest_round_trip: Duration::ZERO,
            due: None,
        }
    }

    /// The limit it never exceeds.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// The pace it keeps now: the limit, or less after 429s.
    pub fn current(&self) -> RateLimit {
        RateLimit::new(self.allowed, self.limit.per)
    }

    /// The places held now: requests in flight, and answered ones within `per` of their answer.
    pub fn held(&mut self, now: Instant) -> u32 {
        self.forget_before(now);
        self.in_flight + self.releases.len() as u32
    }

    /// The earliest time, `now` or later, at which the next request may go out; `None` when
    /// only an answer to a request in flight can free a place.
    pub fn next_allowed(&mut self, now: Instant) -> Option<Instant> {
        self.climb(now);
        let held = self.held(now);
        let window = if held < self.allowed {
            now
        } else {
            // Places that must free before one is left: the earliest releases go first.
            let must_free = (held - self.allowed) as usize;
            *self.releases.get(must_free)?
        };
        Some(window.max(self.smoothed(now)))
    }

    /// Notes a request handed out at `now` (which [`Pacer::next_allowed`] allowed).
    pub fn on_send(&mut self, now: Instant) {
        self.in_flight += 1;
        let due = self.due.map_or(now, |due| due.max(now));
        self.due = due.checked_add(self.spacing());
    }

    /// The spacing of requests when they go one at a time: the window spread evenly.
    fn spacing(&self) -> Duration {
        self.limit.per / self.allowed
    }

    /// When the smoothing lets the next request go: a burst of a tenth of the pace at once,
    /// then one every [`Pacer::spacing`]. A window's worth sent in one burst would put every
    /// request in flight at risk of one 429 together when another client fills the window.
    ///
    /// When the next request is not due yet, the driver is woken a little later, once a few are
    /// due (as many as fall within [`GATHER`], and never more than the burst allows anyway), and
    /// they go together: each still goes no earlier than the smoothing lets it, so the rate and
    /// every window are as before, but the driver wakes once for several requests instead of once
    /// for each. A wake-up finds the process's caches cold: at Clerk's production pace, one per
    /// request doubled the CPU time of an unlock run (BENCHMARKS.md, round 3).
    fn smoothed(&self, now: Instant) -> Instant {
        let burst = (self.allowed / 10).max(1);
        let spacing = self.spacing();
        let tolerance = spacing * (burst - 1);
        let Some(at) = self.due.and_then(|due| due.checked_sub(tolerance)) else {
            return now;
        };
        if at <= now {
            return now;
        }
        let gathered = (GATHER.as_nanos() / spacing.as_nanos().max(1)).min(u128::from(burst - 1));
        // `gathered` is below `burst`, a u32.
        at.checked_add(spacing * gathered as u32).unwrap_or(at)
    }

    /// Notes that the answer to a request handed out at `sent_at` came at `now` (or a response
    /// began to): it arrived at the server by then, so its place stays held for `per` more, the
    /// longest its arrival can still count there.
    pub fn on_answered(&mut self, sent_at: Instant, now: Instant) {
        let round_trip = now.saturating_duration_since(sent_at);
        self.longest_round_trip = self.longest_round_trip.max(round_trip);
        self.hold_for(now, self.limit.per);
    }

    /// Notes that a request got no answer by `now` and may still have been sent (cut at its
    /// deadline, timed out, reset): it may reach the server even later, as a request written
    /// just before its connection closed does. Its place stays held for `per` plus the longest
    /// round trip seen so far.
    pub fn on_lost(&mut self, now: Instant) {
        self.hold_for(now, self.limit.per.saturating_add(self.longest_round_trip));
    }

    /// Notes that a request was certainly not sent (refused before connecting, no place in a
    /// shared budget): it never reaches the server, so its place frees at once.
    pub fn on_not_sent(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// The request in flight no longer is: its place is held until `hold` after `now`.
    fn hold_for(&mut self, now: Instant, hold: Duration) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Some(release) = now.checked_add(hold) else {
            return;
        };
        // Answers are reported in time order; keep the order even if a driver's clock is not.
        let position = self.releases.partition_point(|&at| at <= release);
        self.releases.insert(position, release);
    }

    /// Notes a 429 at `now` for a request handed out at `sent_at`: another client of the key
    /// spends the budget, so the pace drops below what the server just refused. A 429 for a
    /// request sent before the last drop changes nothing (one drop per burst).
    pub fn on_rate_limited(&mut self, sent_at: Instant, now: Instant) {
        // A cut shows in the server's window only once its window has passed: until then, more
        // 429s are the same news (and the run's pause already honours each).
        let settling = self.lowered_at.is_some_and(|at| {
            sent_at < at || at.checked_add(self.limit.per).is_some_and(|end| now < end)
        });
        if settling {
            return;
        }
        let held = self.held(now).max(1);
        let kept = (f64::from(self.allowed.min(held)) * CUT).floor() as u32;
        self.allowed = kept.clamp(1, self.limit.requests);
        self.last_rate_limited_at = held;
        self.lowered_at = Some(now);
        self.climb_at = now.checked_add(self.limit.per);
    }

    /// Climbs back a step per window since the last drop.
    fn climb(&mut self, now: Instant) {
        while self.allowed < self.limit.requests {
            let Some(at) = self.climb_at.filter(|at| *at <= now) else {
                return;
            };
            // Quickly back towards where the last 429 came, half the way a window; past it,
            // carefully, a twentieth of the limit a window, to find out whether the other client
            // left.
            let step = if self.allowed < self.last_rate_limited_at {
                ((self.last_rate_limited_at - self.allowed) / 2).max(1)
            } else {
                (self.limit.requests / 20).max(1)
            };
            self.allowed = (self.allowed + step).min(self.limit.requests);
            self.climb_at = at.checked_add(self.limit.per);
        }
    }

    /// Drops the places whose hold ended by `now`.
    fn forget_before(&mut self, now: Instant) {
        while self.releases.front().is_some_and(|&at| at <= now) {
            self.releases.pop_front();
        }
    }
}
