//! The answers' shapes: Clerk's JSON and errors, the pages of servers that are not Clerk, and
//! the bodies that carry them ([`Frames`], which share the stored users' bytes instead of
//! copying them).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::knobs::NotClerk;
use super::random::{SharedSequence, fresh_seed};
use super::users;

/// Exactly what Clerk sends: the official JS SDK reads a body as JSON only on this exact value
/// (a `; charset=utf-8` after it makes the SDK hand back a string).
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json";

/// An answer's body as a list of byte strings sent one after the other. A user's bytes are
/// shared with the store (reference counted), so a page of 100 users of 40 KB costs the page's
/// list, not another 4 MB, however many connections ask for it at once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Frames {
    parts: Vec<Bytes>,
    len: usize,
}

impl Frames {
    /// A body of one piece.
    pub(crate) fn whole(bytes: impl Into<Bytes>) -> Self {
        let mut frames = Self::default();
        frames.push(bytes.into());
        frames
    }

    /// Appends `bytes` (an empty piece is dropped).
    pub(crate) fn push(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.len += bytes.len();
            self.parts.push(bytes);
        }
    }

    /// The body's length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The body in one piece.
    pub(crate) fn to_vec(&self) -> Vec<u8> {
        let mut whole = Vec::with_capacity(self.len);
        for part in &self.parts {
            whole.extend_from_slice(part);
        }
        whole
    }

    /// The pieces, in order.
    pub(crate) fn into_parts(self) -> Vec<Bytes> {
        self.parts
    }
}

/// An answer before it meets the network.
pub(crate) type Answer = Response<Frames>;

/// Marks an answer to be sent without a `Date` header (the server adds one to every other).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WithoutDate;

/// Clerk-like trace ids: 32 hex digits, from a sequence that starts at a random point in every
/// emulator, so that ids differ between processes and runs.
#[derive(Debug)]
pub(crate) struct TraceIds(SharedSequence);

impl TraceIds {
    pub(crate) fn new() -> Self {
        Self(SharedSequence::new(fresh_seed()))
    }

    pub(crate) fn next(&self) -> String {
        format!("{:016x}{:016x}", self.0.next_u64(), self.0.next_u64())
    }
}

/// An answer with `body` and, when given, its `Content-Type`.
pub(crate) fn plain(status: StatusCode, content_type: Option<&str>, body: Frames) -> Answer {
    let mut answer = Response::new(body);
    *answer.status_mut() = status;
    if let Some(value) = content_type.and_then(|ct| HeaderValue::from_str(ct).ok()) {
        answer.headers_mut().insert(CONTENT_TYPE, value);
    }
    answer
}

/// A JSON answer as Clerk sends it: the exact content type and a `Clerk-Trace-Id`.
pub(crate) fn clerk_json(status: StatusCode, body: Frames, trace_id: &str) -> Answer {
    let mut answer = plain(status, Some(JSON_CONTENT_TYPE), body);
    if let Ok(value) = HeaderValue::from_str(trace_id) {
        answer.headers_mut().insert("clerk-trace-id", value);
    }
    answer
}

/// [`clerk_json`] of a JSON value.
pub(crate) fn clerk_value(status: StatusCode, body: &Value, trace_id: &str) -> Answer {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    clerk_json(status, Frames::whole(bytes), trace_id)
}

/// One error as Clerk words it.
#[derive(Debug, Clone)]
pub(crate) struct ClerkError<'a> {
    pub(crate) code: &'a str,
    pub(crate) message: &'a str,
    pub(crate) long_message: &'a str,
    pub(crate) meta: Value,
}

impl<'a> ClerkError<'a> {
    /// An error with an empty `meta`.
    pub(crate) fn new(code: &'a str, message: &'a str, long_message: &'a str) -> Self {
        Self {
            code,
            message,
            long_message,
            meta: json!({}),
        }
    }
}

/// `{"errors":[{"message","long_message","code","meta"}],"clerk_trace_id"}` with `status`.
pub(crate) fn clerk_error(status: StatusCode, error: ClerkError<'_>, trace_id: &str) -> Answer {
    let body = json!({
        "errors": [{
            "message": error.message,
            "long_message": error.long_message,
            "code": error.code,
            "meta": error.meta,
        }],
        "clerk_trace_id": trace_id,
    });
    clerk_value(status, &body, trace_id)
}

/// Clerk's 500, as it answers when something fails on its side.
pub(crate) fn internal_clerk_error(trace_id: &str) -> Answer {
    clerk_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ClerkError::new(
            "internal_clerk_error",
            "Oops, an unexpected error occurred",
            "There was an internal error on our servers. We've been notified and are working on fixing it.",
        ),
        trace_id,
    )
}

/// Clerk's 429 with `retry_after` as its `Retry-After` header. An HTTP-date one is marked to
/// go without a `Date` header, so that a client has only its own clock to read it against.
pub(crate) fn too_many_requests(retry_after: RetryAfterValue, trace_id: &str) -> Answer {
    let mut answer = clerk_error(
        StatusCode::TOO_MANY_REQUESTS,
        ClerkError::new(
            "too_many_requests",
            "Too many requests",
            "Too many requests, please try again later.",
        ),
        trace_id,
    );
    let value = match retry_after {
        RetryAfterValue::Seconds(secs) => HeaderValue::from(secs),
        RetryAfterValue::Date(date) => {
            answer.extensions_mut().insert(WithoutDate);
            HeaderValue::from_str(&http_date(date)).unwrap_or(HeaderValue::from_static("1"))
        }
    };
    answer
        .headers_mut()
        .insert(http::header::RETRY_AFTER, value);
    answer
}

/// A `Retry-After` value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RetryAfterValue {
    /// Delay in seconds.
    Seconds(u64),
    /// An HTTP-date.
    Date(SystemTime),
}

impl RetryAfterValue {
    /// An HTTP-date `wait` from now, rounded up to the next whole second, so that a client
    /// reading it never comes back early.
    pub(crate) fn date_after(wait: Duration) -> Self {
        let at = SystemTime::now() + wait;
        let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let whole = since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0);
        Self::Date(UNIX_EPOCH + Duration::from_secs(whole))
    }
}

const NGINX_404: &str = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n\
<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const NGINX_405: &str = "<html>\r\n<head><title>405 Not Allowed</title></head>\r\n<body>\r\n\
<center><h1>405 Not Allowed</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// nginx's 502 page, as a load balancer sends it.
pub(crate) fn html_502() -> Answer {
    plain(
        StatusCode::BAD_GATEWAY,
        Some("text/html"),
        Frames::whole(NGINX_502),
    )
}

/// The answer of a server that is not Clerk.
pub(crate) fn not_clerk(kind: NotClerk) -> Answer {
    let (status, content_type, body) = match kind {
        NotClerk::Html404 => (StatusCode::NOT_FOUND, Some("text/html"), NGINX_404),
        NotClerk::Empty404 => (StatusCode::NOT_FOUND, None, ""),
        NotClerk::Json404 => (
            StatusCode::NOT_FOUND,
            Some(JSON_CONTENT_TYPE),
            r#"{"message":"Not Found"}"#,
        ),
        NotClerk::Html405 => (StatusCode::METHOD_NOT_ALLOWED, Some("text/html"), NGINX_405),
        NotClerk::Empty405 => (StatusCode::METHOD_NOT_ALLOWED, None, ""),
        NotClerk::Json405 => (
            StatusCode::METHOD_NOT_ALLOWED,
            Some(JSON_CONTENT_TYPE),
            r#"{"message":"Method Not Allowed"}"#,
        ),
    };
    plain(status, content_type, Frames::whole(body))
}

/// The 400 a front server gives an HTTP/1.1 request without exactly one `Host` header (RFC
/// 9112, section 3.2): it never reaches Clerk.
pub(crate) fn missing_host() -> Answer {
    plain(
        StatusCode::BAD_REQUEST,
        Some("text/plain"),
        Frames::whole("400 Bad Request: an HTTP/1.1 request needs exactly one Host header\n"),
    )
}

/// A `200` JSON body of exactly `bytes` bytes: a valid user padded with a long
/// `public_metadata.padding` string, or `bytes` spaces when even an unpadded user is longer.
pub(crate) fn oversized_body(bytes: usize, id: &str) -> Vec<u8> {
    let mut user = users::seeded_user(id, 0);
    user["public_metadata"] = json!({ "padding": "" });
    let base = serde_json::to_vec(&user).unwrap_or_default();
    if bytes < base.len() {
        return vec![b' '; bytes];
    }
    user["public_metadata"]["padding"] = Value::String("x".repeat(bytes - base.len()));
    serde_json::to_vec(&user).unwrap_or_default()
}

/// `at` as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the HTTP-date form senders must
/// use.
pub(crate) fn http_date(at: SystemTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    let (year, month, day) = civil_date(days);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
    )
}

/// The Gregorian (year, month, day) of a count of days since 1970-01-01: counted in 400-year
/// eras that start on March 1st, so that the leap day ends each year of the count.
fn civil_date(days_since_epoch: u64) -> (u64, u64, u64) {
    // 1970-01-01 is day 719 468 counted from 0000-03-01.
    let days = days_since_epoch + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months from March: 153 days in every five months.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(http_date(at(784_111_777)), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(at(0)), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(at(951_782_400)), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(
            http_date(at(1_716_883_200)),
            "Tue, 28 May 2024 08:00:00 GMT"
        );
        assert_eq!(
            http_date(at(4_110_220_799)),
            "Wed, 31 Mar 2100 23:59:59 GMT"
        );
    }

    #[test]
    fn a_date_retry_after_is_whole_seconds_ahead() {
        let before = SystemTime::now();
        let RetryAfterValue::Date(date) = RetryAfterValue::date_after(Duration::from_millis(2600))
        else {
            panic!("a date");
        };
        let ahead = date.duration_since(before).unwrap();
        assert!(ahead >= Duration::from_millis(2600), "{ahead:?}");
        assert!(ahead <= Duration::from_millis(3700), "{ahead:?}");
        assert_eq!(date.duration_since(UNIX_EPOCH).unwrap().subsec_nanos(), 0);
        let answer = too_many_requests(RetryAfterValue::Date(date), "t");
        assert!(answer.extensions().get::<WithoutDate>().is_some());
    }

    #[test]
    fn oversized_body_is_exact() {
        for n in [0, 10, 5000, 100_000] {
            let body = oversized_body(n, "user_x");
            assert_eq!(body.len(), n);
        }
        let body = oversized_body(5000, "user_x");
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["id"], "user_x");
    }

    #[test]
    fn trace_ids_are_32_hex_and_differ_between_emulators() {
        let ids = TraceIds::new();
        let a = ids.next();
        let b = ids.next();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_ne!(TraceIds::new().next(), a);
    }

    #[test]
    fn frames_keep_their_pieces_in_order() {
        let mut frames = Frames::whole("[");
        frames.push(Bytes::from_static(b""));
        frames.push(Bytes::from_static(b"1,2"));
        frames.push(Bytes::from_static(b"]"));
        assert_eq!(frames.len(), 5);
        assert_eq!(frames.to_vec(), b"[1,2]");
        assert_eq!(frames.into_parts().len(), 3);
    }
}
