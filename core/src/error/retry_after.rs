//! `RetryAfter`: the `Retry-After` header, kept as sent until a `now` resolves it.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// A parsed `Retry-After` header: delta-seconds, or an HTTP-date.
///
/// The core reads no clock, so a date stays a date until [`RetryAfter::delay_from`] is given
/// the time to read it against; [`ResponseError::retry_delay`](crate::ResponseError::retry_delay)
/// picks that time (the response's `Date`, else the wall clock when it came).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 2`: wait this long.
    Delay(Duration),
    /// `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`: wait until then.
    At(SystemTime),
}

impl RetryAfter {
    /// Reads the `Retry-After` header; `None` when absent or not a valid value.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
        Self::parse(value)
    }

    /// Parses a `Retry-After` value (delta-seconds or an HTTP-date).
    ///
    /// ```
    /// use clerk_moderation_core::RetryAfter;
    /// use std::time::Duration;
    ///
    /// assert_eq!(RetryAfter::parse("2"), Some(RetryAfter::Delay(Duration::from_secs(2))));
    /// assert!(matches!(RetryAfter::parse("Wed, 21 Oct 2026 07:28:00 GMT"), Some(RetryAfter::At(_))));
    /// assert_eq!(RetryAfter::parse("soon"), None);
    /// assert_eq!(RetryAfter::parse(" 2\t"), Some(RetryAfter::Delay(Duration::from_secs(2))));
    /// assert_eq!(RetryAfter::parse("2\u{a0}"), None);
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        // HTTP's optional whitespace is spaces and tabs only: "2026\u{a0}" is not a delay.
        let value = value.trim_matches([' ', '\t']);
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // More digits than a u64 holds is still "a very long time", not garbage.
            let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
            return Some(Self::Delay(Duration::from_secs(seconds)));
        }
        httpdate::parse_http_date(value).ok().map(Self::At)
    }

    /// How long to wait, as of `now`; a date in the past means no wait.
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match self {
            Self::Delay(delay) => *delay,
            Self::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}
