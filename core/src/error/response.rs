//! `ResponseError`: a response came back, and it was not the success the operation expects.

use std::borrow::Cow;
use std::fmt;

use http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use super::clerk_errors::{ClerkError, ClerkErrors};
use super::retry_after::RetryAfter;

/// A response that is not the expected success. The request reached a server; what it said is
/// kept whole.
///
/// - [`ResponseError::Api`]: a non-2xx with Clerk's JSON error body.
/// - [`ResponseError::Unstructured`]: a non-2xx whose body is not Clerk's (an HTML 502 from a
///   load balancer, plain text, another JSON shape, nothing), kept as bytes.
/// - [`ResponseError::Decode`]: a 2xx whose body does not decode, with the JSON path that failed.
///
/// The details are boxed so that `Result<User, ResponseError>` stays small on the success path.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ResponseError {
    /// Clerk answered with an error.
    Api(Box<ApiError>),
    /// A non-2xx whose body is not Clerk's error JSON.
    Unstructured(Box<UnstructuredError>),
    /// A 2xx whose body does not decode as the expected output.
    Decode(Box<DecodeError>),
}

/// A non-2xx answer with Clerk's error body.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Every entry of `errors`, in order.
    pub errors: Vec<ClerkError>,
    /// `clerk_trace_id` from the body, else the `Clerk-Trace-Id` or `cf-ray` header.
    pub clerk_trace_id: Option<String>,
    /// The top-level `meta`.
    pub meta: Option<serde_json::Value>,
    /// Top-level fields besides `errors`, `meta` and `clerk_trace_id`.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The `Retry-After` header.
    pub retry_after: Option<RetryAfter>,
    /// The response headers.
    pub headers: HeaderMap,
}

/// A non-2xx answer whose body is not Clerk's error JSON, kept as it came.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UnstructuredError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// The `Clerk-Trace-Id` or `cf-ray` header.
    pub clerk_trace_id: Option<String>,
    /// The `Retry-After` header.
    pub retry_after: Option<RetryAfter>,
    /// The response headers.
    pub headers: HeaderMap,
}

/// A 2xx answer whose body does not decode as the operation's output.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Where decoding failed, such as `email_addresses[0].created_at` (`.` for the top level).
    pub path: String,
    /// What was wrong there.
    pub message: String,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// The `Clerk-Trace-Id` or `cf-ray` header.
    pub clerk_trace_id: Option<String>,
}

impl ResponseError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Api(e) => e.status,
            Self::Unstructured(e) => e.status,
            Self::Decode(e) => e.status,
        }
    }

    /// The trace id Clerk support can find the request by, from the body or the headers.
    pub fn clerk_trace_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.clerk_trace_id.as_deref(),
            Self::Unstructured(e) => e.clerk_trace_id.as_deref(),
            Self::Decode(e) => e.clerk_trace_id.as_deref(),
        }
    }

    /// The `Retry-After` the server sent, if any, as sent. [`Self::retry_delay`] says how long it
    /// asks to wait.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            Self::Api(e) => e.retry_after,
            Self::Unstructured(e) => e.retry_after,
            Self::Decode(_) => None,
        }
    }

    /// Clerk's error entries (empty unless this is [`ResponseError::Api`]).
    pub fn errors(&self) -> &[ClerkError] {
        match self {
            Self::Api(e) => &e.errors,
            _ => &[],
        }
    }

    /// Whether any of Clerk's error entries has this `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.errors().iter().any(|e| e.code == code)
    }

    /// The first error entry's code, if any.
    pub fn code(&self) -> Option<&str> {
        self.errors().first().map(|e| e.code.as_str())
    }

    /// 404: the user (or route) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == StatusCode::NOT_FOUND
    }

    /// 401: the secret key is missing, malformed or wrong.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == StatusCode::UNAUTHORIZED
    }

    /// 402: the instance's plan lacks the feature (ban and unban).
    pub fn is_payment_required(&self) -> bool {
        self.status() == StatusCode::PAYMENT_REQUIRED
    }

    /// 403: forbidden, such as lock and unlock with account lockout switched off.
    pub fn is_forbidden(&self) -> bool {
        self.status() == StatusCode::FORBIDDEN
    }

    /// 409 `resource_locked`: another change to the user is in flight; retry.
    pub fn is_resource_locked(&self) -> bool {
        self.status() == StatusCode::CONFLICT && self.has_code("resource_locked")
    }

    /// 429: rate limited; see [`Self::retry_after`].
    pub fn is_rate_limited(&self) -> bool {
        self.status() == StatusCode::TOO_MANY_REQUESTS
    }

    /// 3xx: a redirect, returned because redirects are never followed.
    pub fn is_redirect(&self) -> bool {
        self.status().is_redirection()
    }

    /// 5xx.
    pub fn is_server_error(&self) -> bool {
        self.status().is_server_error()
    }

    /// A 2xx whose body did not decode.
    pub fn is_decode(&self) -> bool {
        matches!(self, Self::Decode(_))
    }

    /// Whether retrying the same idempotent request may succeed: 429, 409 `resource_locked`,
    /// a 500 in Clerk's error shape (Clerk's own fault, not a proxy's page), 502, 503 and 504.
    /// [`crate::RetryPolicy`] decides how long to wait and when to stop.
    pub fn is_retryable(&self) -> bool {
        match self.status().as_u16() {
            429 | 502 | 503 | 504 => true,
            500 => matches!(self, Self::Api(_)),
            _ => self.is_resource_locked(),
        }
    }

    /// How long the server asked to wait before the next request (`Retry-After`), or `None`
    /// when it did not say (or said something unreadable).
    ///
    /// The one reading of the header everywhere in this crate: delta-seconds are a delay; an
    /// HTTP-date is read against the response's own `Date` header (the server's clock against
    /// the server's clock), else against `received_at`, the wall clock when the response came,
    /// which the driver hands in (the core reads no clock). A date in the past asks for no wait.
    ///
    /// ```
    /// use clerk_moderation_core::{GetUser, Operation, UserId};
    /// use std::time::{Duration, SystemTime};
    ///
    /// let get = GetUser::new(UserId::new("user_1").unwrap());
    /// let answer = |headers: &[(&str, &str)]| {
    ///     let mut response = http::Response::builder().status(429);
    ///     for (name, value) in headers {
    ///         response = response.header(*name, *value);
    ///     }
    ///     get.parse_response(response.body("").unwrap()).unwrap_err()
    /// };
    /// let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    /// assert_eq!(answer(&[("retry-after", "2")]).retry_delay(wall), Some(Duration::from_secs(2)));
    /// // 2001-09-09T01:46:43Z is 3 s after `wall`; with the server's `Date`, 1 s after it.
    /// let date = ("retry-after", "Sun, 09 Sep 2001 01:46:43 GMT");
    /// assert_eq!(answer(&[date]).retry_delay(wall), Some(Duration::from_secs(3)));
    /// let with_date = answer(&[date, ("date", "Sun, 09 Sep 2001 01:46:42 GMT")]);
    /// assert_eq!(with_date.retry_delay(wall), Some(Duration::from_secs(1)));
    /// assert_eq!(answer(&[]).retry_delay(wall), None);
    /// ```
    pub fn retry_delay(&self, received_at: std::time::SystemTime) -> Option<std::time::Duration> {
        let retry_after = self.retry_after()?;
        let server_now = match retry_after {
            RetryAfter::Delay(delay) => return Some(delay),
            RetryAfter::At(_) => self
                .headers()
                .and_then(|headers| headers.get(header::DATE))
                .and_then(|date| date.to_str().ok())
                .and_then(|date| httpdate::parse_http_date(date).ok()),
        };
        Some(retry_after.delay_from(server_now.unwrap_or(received_at)))
    }

    /// The response headers, when the error keeps them (it does for every non-2xx).
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Self::Api(e) => Some(&e.headers),
            Self::Unstructured(e) => Some(&e.headers),
            Self::Decode(_) => None,
        }
    }

    /// Whether the answer is in Clerk's error shape (`{"errors":[…]}`): Clerk answered, not a
    /// proxy, a load balancer or another service at a wrong URL.
    pub fn is_clerk_shaped(&self) -> bool {
        matches!(self, Self::Api(_))
    }
}

impl UnstructuredError {
    /// The body as text, with invalid UTF-8 replaced.
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body as JSON, if it is JSON at all (another service's error shape, say).
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl DecodeError {
    /// The body as text, with invalid UTF-8 replaced.
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(e) => fmt::Display::fmt(e, f),
            Self::Unstructured(e) => fmt::Display::fmt(e, f),
            Self::Decode(e) => fmt::Display::fmt(e, f),
        }
    }
}

fn write_trace(f: &mut fmt::Formatter<'_>, trace: Option<&str>) -> fmt::Result {
    match trace {
        Some(trace) => write!(f, " (trace {trace:?})"),
        None => Ok(()),
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clerk answered {}", self.status)?;
        for (i, error) in self.errors.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(
                f,
                "{sep}{} ({:?})",
                error.code,
                error.long_message.as_deref().unwrap_or(&error.message)
            )?;
        }
        write_trace(f, self.clerk_trace_id.as_deref())
    }
}

impl fmt::Display for UnstructuredError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} with a {}-byte {} body that is not Clerk's error JSON",
            self.status,
            self.body.len(),
            self.content_type.as_deref().unwrap_or("untyped"),
        )?;
        write_trace(f, self.clerk_trace_id.as_deref())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} with a {}-byte body that does not decode at `{}`: {}",
            self.status,
            self.body.len(),
            self.path,
            self.message
        )?;
        write_trace(f, self.clerk_trace_id.as_deref())
    }
}

impl std::error::Error for ResponseError {}
impl std::error::Error for ApiError {}
impl std::error::Error for UnstructuredError {}
impl std::error::Error for DecodeError {}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn trace_id_header(headers: &HeaderMap) -> Option<String> {
    ["clerk-trace-id", "cf-ray"]
        .iter()
        .find_map(|name| headers.get(*name))
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Turns a 2xx body into `T`, or a [`DecodeError`] naming the JSON path that failed.
///
/// The fast path parses without tracking the path; only a failure pays for a second, tracked
/// parse to find where it went wrong.
pub(crate) fn parse_success<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, ResponseError> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(fast_error) => {
            let mut deserializer = serde_json::Deserializer::from_slice(body);
            let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut deserializer)
            {
                Err(e) => (e.path().to_string(), e.inner().to_string()),
                // Both parsers read the same bytes; should they ever disagree, report the first.
                Ok(_) => (".".to_owned(), fast_error.to_string()),
            };
            Err(ResponseError::Decode(Box::new(DecodeError {
                status,
                content_type: content_type(headers),
                path,
                message,
                body: body.to_vec(),
                clerk_trace_id: trace_id_header(headers),
            })))
        }
    }
}

/// Classifies a non-2xx response: Clerk's error JSON when the body is that, bytes otherwise.
pub(crate) fn error_from_parts(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> ResponseError {
    let retry_after = RetryAfter::from_headers(headers);
    let looks_like_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if looks_like_object
        && let Ok(parsed) = serde_json::from_slice::<ClerkErrors>(body)
        && parsed.has_errors_field()
    {
        let ClerkErrors {
            errors,
            meta,
            clerk_trace_id,
            extra,
            ..
        } = parsed;
        return ResponseError::Api(Box::new(ApiError {
            status,
            errors,
            clerk_trace_id: clerk_trace_id.or_else(|| trace_id_header(headers)),
            meta,
            extra,
            retry_after,
            headers: headers.clone(),
        }));
    }
    ResponseError::Unstructured(Box::new(UnstructuredError {
        status,
        content_type: content_type(headers),
        body: body.to_vec(),
        clerk_trace_id: trace_id_header(headers),
        retry_after,
        headers: headers.clone(),
    }))
}
