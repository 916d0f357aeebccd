//! Responses from anywhere: any status, header maps, bodies (bytes, JSON-ish, HTML, Clerk's
//! errors), and `Retry-After` values with what they mean.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_moderation_core::RetryAfter;
use clerk_moderation_core::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use proptest::collection::vec;
use proptest::prelude::*;

use super::common::json_value;
use super::json::{clerk_errors_json, user_json, users_json};

/// Any status `http` can hold: 100 to 999, so 1xx, 3xx and nonstandard codes too.
pub fn any_status() -> impl Strategy<Value = StatusCode> + Clone {
    prop_oneof![
        3 => prop::sample::select(
            &[200u16, 201, 204, 301, 302, 304, 307, 400, 401, 402, 403, 404, 409, 422, 429, 500, 502, 503, 504][..]
        ),
        2 => 100u16..=999,
    ]
    .prop_map(status)
}

/// An error status Clerk (or a proxy in front of it) answers with: 400 to 599.
pub fn error_status() -> impl Strategy<Value = StatusCode> + Clone {
    prop_oneof![
        2 => prop::sample::select(&[400u16, 401, 402, 403, 404, 409, 422, 429, 500, 502, 503, 504][..]),
        1 => 400u16..=599,
    ]
    .prop_map(status)
}

/// A success status: 200 to 299.
pub fn success_status() -> impl Strategy<Value = StatusCode> + Clone {
    prop_oneof![3 => Just(200u16), 1 => 200u16..=299].prop_map(status)
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or_else(|_| panic!("{code} is a valid status"))
}

/// A header value: visible ASCII mostly, sometimes tabs, spaces and obs-text bytes (0x80 and
/// up), which `http` accepts and which are not UTF-8.
pub fn header_value() -> impl Strategy<Value = HeaderValue> + Clone {
    let bytes = prop_oneof![
        4 => "[ -~]{0,40}".prop_map(String::into_bytes),
        1 => vec(
            prop_oneof![Just(b'\t'), 0x20u8..=0x7e, 0x80u8..=0xff],
            0..24,
        ),
    ];
    bytes.prop_map(|b| {
        HeaderValue::from_bytes(&b).unwrap_or_else(|e| panic!("header bytes {b:?}: {e}"))
    })
}

/// A header map of 0 to 6 entries: the names a response parser reads (`content-type`,
/// `retry-after`, `clerk-trace-id`, `cf-ray`, `location`), others, repeated names, and any
/// value (including meaningful ones: JSON and HTML content types, `Retry-After` values).
pub fn header_map() -> impl Strategy<Value = HeaderMap> + Clone {
    let name = prop_oneof![
        3 => prop::sample::select(
            &["content-type", "retry-after", "clerk-trace-id", "cf-ray", "location", "x-request-id", "set-cookie"][..]
        )
        .prop_map(str::to_owned),
        1 => "[a-z][a-z0-9-]{0,12}",
    ];
    let value = prop_oneof![
        3 => header_value(),
        1 => prop::sample::select(
            &["application/json", "application/json; charset=utf-8", "text/html", "text/plain"][..]
        )
        .prop_map(HeaderValue::from_static),
        1 => retry_after_header().prop_map(|r| r.value),
    ];
    vec((name, value), 0..=6).prop_map(|entries| {
        let mut headers = HeaderMap::new();
        for (name, value) in entries {
            let name = HeaderName::from_bytes(name.as_bytes())
                .unwrap_or_else(|e| panic!("header name {name:?}: {e}"));
            headers.append(name, value);
        }
        headers
    })
}

/// A response body from anywhere: random bytes, any JSON, Clerk users and error bodies, the
/// same truncated or wrapped in whitespace or a BOM, HTML error pages, plain text, nothing.
pub fn response_body() -> impl Strategy<Value = Vec<u8>> {
    let json_text = prop_oneof![
        json_value().prop_map(|v| v.to_string()),
        user_json().prop_map(|v| v.to_string()),
        users_json().prop_map(|v| v.to_string()),
        clerk_errors_json().prop_map(|v| v.to_string()),
    ];
    prop_oneof![
        3 => vec(any::<u8>(), 0..256),
        2 => json_text.clone().prop_map(String::into_bytes),
        1 => (json_text.clone(), any::<prop::sample::Index>()).prop_map(|(text, cut)| {
            let bytes = text.into_bytes();
            let at = cut.index(bytes.len().max(1));
            bytes[..at.min(bytes.len())].to_vec()
        }),
        1 => (json_text, "[ \t\r\n]{0,3}", prop::bool::ANY).prop_map(|(text, ws, bom)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice("\u{feff}".as_bytes());
            }
            out.extend_from_slice(ws.as_bytes());
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(ws.as_bytes());
            out
        }),
        1 => "<html><head><title>[0-9]{3} [A-Za-z ]{0,20}</title></head><body>.{0,40}</body></html>"
            .prop_map(String::into_bytes),
        1 => ".{0,60}".prop_map(String::into_bytes),
        1 => Just(Vec::new()),
    ]
}

/// A `Retry-After` header value and what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryAfterHeader {
    /// The header value.
    pub value: HeaderValue,
    /// What it means: a delay, a date, or `None` when it is not a valid `Retry-After`.
    pub expected: Option<RetryAfter>,
}

/// The latest time an HTTP-date can name: 9999-12-31T23:59:59Z.
const MAX_HTTP_DATE_SECS: u64 = 253_402_300_799;

/// A `Retry-After` value: delta-seconds (small, large, beyond `u64`, with surrounding
/// spaces), an HTTP-date (IMF-fixdate or asctime) of a whole-second time from 1970 to 9999,
/// or garbage that is neither.
pub fn retry_after_header() -> impl Strategy<Value = RetryAfterHeader> + Clone {
    let delay = |secs: u64| Some(RetryAfter::Delay(Duration::from_secs(secs)));
    let at = |secs: u64| Some(RetryAfter::At(UNIX_EPOCH + Duration::from_secs(secs)));
    let entry = prop_oneof![
        3 => (0u64..=86_400).prop_map(move |s| (s.to_string(), delay(s))),
        1 => any::<u64>().prop_map(move |s| (s.to_string(), delay(s))),
        1 => ("[1-9][0-9]{20,30}").prop_map(move |s| (s, delay(u64::MAX))),
        1 => (0u64..=3600, "[ \t]{1,2}").prop_map(move |(s, ws)| (format!("{ws}{s}{ws}"), delay(s))),
        3 => (0..=MAX_HTTP_DATE_SECS).prop_map(move |s| (imf_fixdate(UNIX_EPOCH + Duration::from_secs(s)), at(s))),
        1 => (0..=MAX_HTTP_DATE_SECS).prop_map(move |s| (asctime(s), at(s))),
        2 => prop::sample::select(
            &["", "soon", "-1", "+5", "1.5", "0x10", "5 seconds", "Wed, 21 Oct", "tomorrow", "NaN"][..]
        )
        .prop_map(|s| (s.to_owned(), None)),
    ];
    entry.prop_map(|(value, expected)| RetryAfterHeader {
        value: HeaderValue::from_str(&value)
            .unwrap_or_else(|e| panic!("Retry-After {value:?}: {e}")),
        expected,
    })
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A civil date and time (UTC) from seconds since the Unix epoch: (year, month 1–12,
/// day 1–31, weekday 0 = Sunday, hour, minute, second).
fn civil(secs: u64) -> (u64, usize, u64, usize, u64, u64, u64) {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // 1970-01-01 was a Thursday.
    let weekday = ((days + 4) % 7) as usize;
    // Howard Hinnant's days-to-civil, for days since 1970-01-01 (non-negative here).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (
        year,
        month as usize,
        day,
        weekday,
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
    )
}

/// Formats a time as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110), dropping
/// sub-second precision. Times before 1970 are formatted as the epoch.
pub fn imf_fixdate(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (year, month, day, weekday, h, m, s) = civil(secs);
    format!(
        "{}, {day:02} {} {year:04} {h:02}:{m:02}:{s:02} GMT",
        WEEKDAYS[weekday],
        MONTHS[month - 1]
    )
}

/// Formats seconds since the epoch in C's asctime format (`Sun Nov  6 08:49:37 1994`), the
/// obsolete HTTP-date form recipients must still accept.
fn asctime(secs: u64) -> String {
    let (year, month, day, weekday, h, m, s) = civil(secs);
    format!(
        "{} {} {day:>2} {h:02}:{m:02}:{s:02} {year:04}",
        WEEKDAYS[weekday],
        MONTHS[month - 1]
    )
}
