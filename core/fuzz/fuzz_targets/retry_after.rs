//! `RetryAfter`: parsing any header value never panics, and neither does resolving it against
//! any `now`.
//!
//! Input: 12 bytes for `now` (8 for seconds, the sign taken from the top bit, 4 for
//! nanoseconds), then the header value. Invariants: `parse` and `from_headers` agree on every
//! value a header can give as text; `delay_from` never panics; a delay is the delay whatever `now`; a
//! date is reached exactly (`now + delay == date`) when it is ahead, and gives zero when it is
//! not.

#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_moderation_core::RetryAfter;
use clerk_moderation_core::http::{HeaderMap, HeaderValue, header::RETRY_AFTER};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((now_bytes, value)) = data.split_first_chunk::<12>() else {
        return;
    };
    let seconds = i64::from_le_bytes(now_bytes[..8].try_into().unwrap());
    let nanos = u32::from_le_bytes(now_bytes[8..].try_into().unwrap()) % 1_000_000_000;
    let offset = Duration::new(seconds.unsigned_abs(), nanos);
    let now = if seconds >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };

    let text = String::from_utf8_lossy(value);
    let parsed = RetryAfter::parse(&text);
    if let Ok(header) = HeaderValue::from_bytes(value) {
        let mut headers = HeaderMap::new();
        // A header's text is read only when it is visible ASCII (`HeaderValue::to_str`); other
        // bytes make it no value at all, whatever `parse` would make of them.
        let is_text = header.to_str().is_ok();
        headers.insert(RETRY_AFTER, header);
        let from_headers = RetryAfter::from_headers(&headers);
        if is_text {
            assert_eq!(from_headers, parsed, "the header and the text disagree");
        }
    }

    let Some(retry_after) = parsed else { return };
    for now in [
        now,
        Some(UNIX_EPOCH),
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 40)),
    ]
    .into_iter()
    .flatten()
    {
        let delay = retry_after.delay_from(now);
        match retry_after {
            RetryAfter::Delay(expected) => assert_eq!(delay, expected),
            RetryAfter::At(at) if at > now => assert_eq!(now.checked_add(delay), Some(at)),
            RetryAfter::At(_) => assert_eq!(delay, Duration::ZERO),
        }
        // The date itself as `now`: no wait.
        if let RetryAfter::At(at) = retry_after {
            assert_eq!(retry_after.delay_from(at), Duration::ZERO);
        }
    }
});
