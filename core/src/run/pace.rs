//! `RateLimit` and `Pacer`: never more requests in any window than the instance allows.

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

/// Paces requests under a [`RateLimit`]: in no window of `per` do more than `requests` go out.
///
/// An exact sliding window: it remembers when each of the last `requests` requests went out, and
/// the next may go once the oldest of them is `per` old. Unlike a token bucket it never lets a
/// burst and the steady flow that follows add up past the limit in one window, which is how
/// Clerk counts. Memory: one `Instant` per request in the window (950 at most by default).
///
/// ```
/// use clerk_moderation_core::{Pacer, RateLimit};
/// use std::time::{Duration, Instant};
///
/// let start = Instant::now();
/// let mut pacer = Pacer::new(RateLimit::new(2, Duration::from_secs(1)));
/// for _ in 0..2 {
///     assert_eq!(pacer.next_allowed(start), start);
///     pacer.record(start);
/// }
/// // The third waits until the first is a second old.
/// assert_eq!(pacer.next_allowed(start), start + Duration::from_secs(1));
/// ```
#[derive(Clone, Debug)]
pub struct Pacer {
    limit: RateLimit,
    sent: VecDeque<Instant>,
}

impl Pacer {
    /// A pacer for `limit`, with nothing sent yet.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            sent: VecDeque::new(),
        }
    }

    /// The limit it keeps.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// The earliest time, `now` or later, at which the next request may go out.
    pub fn next_allowed(&mut self, now: Instant) -> Instant {
        self.forget_before(now);
        if self.sent.len() < self.limit.requests as usize {
            return now;
        }
        self.sent
            .front()
            .and_then(|oldest| oldest.checked_add(self.limit.per))
            .map_or(now, |at| at.max(now))
    }

    /// Notes a request sent at `at` (which [`Pacer::next_allowed`] allowed).
    pub fn record(&mut self, at: Instant) {
        self.forget_before(at);
        self.sent.push_back(at);
    }

    /// Drops the requests that no window ending at `now` or later can hold.
    fn forget_before(&mut self, now: Instant) {
        while let Some(&oldest) = self.sent.front() {
            match oldest.checked_add(self.limit.per) {
                Some(expires) if expires <= now => {
                    self.sent.pop_front();
                }
                _ => break,
            }
        }
    }
}
