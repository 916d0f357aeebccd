//! The emulator's state (users, queued faults, request log, rate-limit windows) and its
//! network-free request handling: the Clerk semantics live here, the sockets in `server.rs`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use http::header::{ALLOW, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use http::{HeaderMap, Method, Response, StatusCode};
use serde_json::{Value, json};

use super::list::{self, ParamError};
use super::log::RequestLog;
use super::options::BulkUnknown;
use super::random::{fresh_seed, splitmix64};
use super::users::{self, BASE_TIMESTAMP_MS, LOCKOUT_SECONDS, VERIFICATION_ATTEMPTS};
use super::{Fault, RecordedRequest};
use crate::decoder::{DecodeError, DecodedOperation, Decoder, QueryParams, parse_bearer};

/// Bulk operations take 1 to this many ids.
pub(crate) const MAX_BULK_IDS: usize = 50;

/// Exactly what Clerk sends: the official JS SDK reads a body as JSON only on this exact value
/// (a `; charset=utf-8` after it makes the SDK hand back a string).
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json";

/// A fixed-window rate limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateLimit {
    pub(crate) requests: u32,
    pub(crate) window: Duration,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
}

/// What the builder decided, fixed for the emulator's life.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) secret_key: String,
    pub(crate) prefix: String,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) bulk_unknown: BulkUnknown,
    pub(crate) latency: Duration,
    pub(crate) read_timeout: Duration,
}

#[derive(Debug)]
struct Inner {
    users: HashMap<String, Value>,
    user_counter: u64,
    clock_ms: i64,
    /// Random per emulator, so trace ids differ between processes and runs.
    trace_state: u64,
    faults: VecDeque<Fault>,
    log: RequestLog,
    windows: HashMap<String, Window>,
}

/// Everything the server's connections and the `Emulator` handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) secret_key: String,
    pub(crate) decoder: Decoder,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) bulk_unknown: BulkUnknown,
    pub(crate) latency: Duration,
    pub(crate) read_timeout: Duration,
    inner: Mutex<Inner>,
}

/// The salt of generated user ids.
const USER_ID_SALT: u64 = 0x7573_6572;

impl Shared {
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            secret_key: settings.secret_key,
            decoder: Decoder::with_prefix(&settings.prefix),
            rate_limit: settings.rate_limit,
            bulk_unknown: settings.bulk_unknown,
            latency: settings.latency,
            read_timeout: settings.read_timeout,
            inner: Mutex::new(Inner {
                users: HashMap::new(),
                user_counter: 0,
                clock_ms: BASE_TIMESTAMP_MS,
                trace_state: fresh_seed(),
                faults: VecDeque::new(),
                log: RequestLog::default(),
                windows: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not take the emulator down with it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ---- seeding and inspection -------------------------------------------------------

    /// Creates a normal user (with `id`, or a generated one) and returns its id.
    pub(crate) fn seed_user(&self, id: Option<&str>, edit: impl FnOnce(&mut Value)) -> String {
        let mut inner = self.lock();
        let (n, generated) = inner.next_user_id();
        let id = id.map_or(generated, str::to_owned);
        let mut user = users::seeded_user(&id, n);
        edit(&mut user);
        inner.users.insert(id.clone(), user);
        id
    }

    /// Creates `count` realistic users and returns their ids, in creation order.
    pub(crate) fn seed_realistic(&self, count: usize) -> Vec<String> {
        let mut inner = self.lock();
        (0..count)
            .map(|_| {
                let (n, id) = inner.next_user_id();
                // 0-based, so that the first user of a fresh emulator is a plain one.
                let user = users::realistic_user(&id, n - 1);
                inner.users.insert(id.clone(), user);
                id
            })
            .collect()
    }

    pub(crate) fn insert_user(&self, id: String, user: Value) {
        self.lock().users.insert(id, user);
    }

    pub(crate) fn user(&self, id: &str) -> Option<Value> {
        self.lock().users.get(id).cloned()
    }

    pub(crate) fn remove_user(&self, id: &str) -> Option<Value> {
        self.lock().users.remove(id)
    }

    pub(crate) fn user_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.lock().users.keys().cloned().collect();
        ids.sort();
        ids
    }

    // ---- faults, request log, rate limits ----------------------------------------------

    pub(crate) fn push_fault(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    pub(crate) fn take_fault(&self) -> Option<Fault> {
        self.lock().faults.pop_front()
    }

    pub(crate) fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    pub(crate) fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        self.lock().log.push(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.requests()
    }

    pub(crate) fn clear_requests(&self) {
        self.lock().log.clear();
    }

    pub(crate) fn request_count(&self) -> usize {
        self.lock().log.received()
    }

    pub(crate) fn reset_rate_limits(&self) {
        self.lock().windows.clear();
    }

    /// A fresh trace id: 32 hex digits, like Clerk's, from a sequence that starts at a random
    /// point in every emulator.
    pub(crate) fn next_trace_id(&self) -> String {
        let mut inner = self.lock();
        let hi = splitmix64(&mut inner.trace_state);
        let lo = splitmix64(&mut inner.trace_state);
        format!("{hi:016x}{lo:016x}")
    }

    /// Whether `headers` carry this emulator's key. Bodies of other requests are not kept.
    pub(crate) fn is_authenticated(&self, headers: &HeaderMap) -> bool {
        bearer(headers) == Some(self.secret_key.as_str())
    }

    /// Counts a request against `key`'s window; `Some(retry_after_secs)` when over the limit.
    fn check_rate_limit(&self, key: &str) -> Option<u64> {
        let limit = self.rate_limit?;
        let now = Instant::now();
        let mut inner = self.lock();
        let window = inner.windows.entry(key.to_owned()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(window.start) >= limit.window {
            window.start = now;
            window.count = 0;
        }
        window.count = window.count.saturating_add(1);
        if window.count <= limit.requests {
            return None;
        }
        let remaining = window
            .start
            .checked_add(limit.window)
            .map_or(limit.window, |end| end.saturating_duration_since(now));
        let secs = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
        Some(secs.max(1))
    }

    // ---- responses -----------------------------------------------------------------------

    /// A Clerk-shaped error response.
    pub(crate) fn error_response(
        &self,
        status: StatusCode,
        code: &str,
        message: &str,
        long_message: &str,
    ) -> Response<Vec<u8>> {
        self.error_response_with_meta(status, code, message, long_message, json!({}))
    }

    fn error_response_with_meta(
        &self,
        status: StatusCode,
        code: &str,
        message: &str,
        long_message: &str,
        meta: Value,
    ) -> Response<Vec<u8>> {
        let trace_id = self.next_trace_id();
        let body = json!({
            "errors": [{
                "message": message,
                "long_message": long_message,
                "code": code,
                "meta": meta,
            }],
            "clerk_trace_id": trace_id,
        });
        json_response(status, &body, &trace_id)
    }

    /// A 422 for a query parameter, with `meta.param_name` as Clerk sends it.
    fn param_error(&self, error: &ParamError) -> Response<Vec<u8>> {
        self.error_response_with_meta(
            StatusCode::UNPROCESSABLE_ENTITY,
            error.code,
            "is invalid",
            &error.long_message,
            json!({ "param_name": error.param }),
        )
    }

    fn ok_response(&self, body: &Value) -> Response<Vec<u8>> {
        let trace_id = self.next_trace_id();
        json_response(StatusCode::OK, body, &trace_id)
    }

    /// A 429 in Clerk's shape with `Retry-After`.
    pub(crate) fn too_many_requests(&self, retry_after_secs: u64) -> Response<Vec<u8>> {
        let mut response = self.error_response(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many requests",
            "Too many requests, please try again later.",
        );
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
        response
    }

    fn not_found(&self) -> Response<Vec<u8>> {
        self.error_response(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            "Resource not found",
        )
    }

    /// Answers a request the way Clerk would, without faults and without recording it.
    ///
    /// Checks, in order: the bearer key, the `Clerk-API-Version` header, the rate limit, the
    /// route and method, the body, the bulk size, the users' existence.
    pub(crate) fn respond(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Response<Vec<u8>> {
        // Authentication.
        let Some(token) = bearer(headers) else {
            return self.error_response(
                StatusCode::UNAUTHORIZED,
                "authentication_invalid",
                "Invalid authentication",
                "Unable to authenticate the request, you need to supply an active API key",
            );
        };
        if token != self.secret_key {
            return self.error_response(
                StatusCode::UNAUTHORIZED,
                "clerk_key_invalid",
                "Secret Key is invalid",
                "The provided Secret Key is invalid. Make sure that your Secret Key is correct.",
            );
        }

        // API version.
        let bad_version = headers
            .get("clerk-api-version")
            .is_some_and(|version| !version.to_str().is_ok_and(is_api_version));
        if bad_version {
            return self.error_response(
                StatusCode::BAD_REQUEST,
                "api_version_invalid",
                "Invalid API version",
                "The Clerk-API-Version header must be a date of the form YYYY-MM-DD.",
            );
        }

        // Rate limit, per key.
        if let Some(retry_after) = self.check_rate_limit(token) {
            return self.too_many_requests(retry_after);
        }

        // Route. Clerk ignores query strings on the moderation routes; so does the emulator.
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let operation = match self.decoder.decode_route(method, path, body) {
            Ok(DecodedOperation::ListUsers(_)) => {
                return self.list_users(&QueryParams::parse(query));
            }
            Ok(DecodedOperation::CountUsers(_)) => {
                return self.count_users(&QueryParams::parse(query));
            }
            Ok(operation) => operation,
            Err(err) => return self.decode_error_response(&err),
        };

        let bad_bulk_size = operation
            .user_ids()
            .map(<[String]>::len)
            .filter(|len| *len == 0 || *len > MAX_BULK_IDS);
        if let Some(len) = bad_bulk_size {
            return self.error_response(
                StatusCode::BAD_REQUEST,
                "bulk_size_exceeded",
                "Bulk size exceeded",
                &format!("user_ids must contain between 1 and {MAX_BULK_IDS} ids, got {len}."),
            );
        }

        match self.apply(&operation) {
            Some(body) => self.ok_response(&body),
            None => self.not_found(),
        }
    }

    fn list_users(&self, params: &QueryParams) -> Response<Vec<u8>> {
        let page = list::parse_filter(params)
            .and_then(|filter| Ok((filter, list::parse_page(params)?)))
            .and_then(|(filter, page)| list::list(&self.lock().users, &filter, &page));
        match page {
            Ok(users) => self.ok_response(&Value::Array(users)),
            Err(error) => self.param_error(&error),
        }
    }

    fn count_users(&self, params: &QueryParams) -> Response<Vec<u8>> {
        match list::parse_filter(params) {
            Ok(filter) => {
                let total = list::count(&self.lock().users, &filter);
                self.ok_response(&json!({ "object": "total_count", "total_count": total }))
            }
            Err(error) => self.param_error(&error),
        }
    }

    fn decode_error_response(&self, err: &DecodeError) -> Response<Vec<u8>> {
        let detail = err.to_string();
        match err {
            DecodeError::WrongMethod { allowed, .. } => {
                let mut response = self.error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "Method not allowed",
                    &detail,
                );
                let allowed: Vec<&str> = allowed.iter().map(Method::as_str).collect();
                if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                    response.headers_mut().insert(ALLOW, value);
                }
                response
            }
            DecodeError::UnexpectedBody { .. } => self.error_response(
                StatusCode::BAD_REQUEST,
                "unexpected_request_body",
                "Unexpected request body",
                &detail,
            ),
            DecodeError::InvalidJson { .. } | DecodeError::BodyNotAnObject => self.error_response(
                StatusCode::BAD_REQUEST,
                "malformed_request_body",
                "Malformed request body",
                &detail,
            ),
            // The spec documents 400, not 422, for the bulk endpoints' bad bodies.
            DecodeError::MissingUserIds => self.error_response_with_meta(
                StatusCode::BAD_REQUEST,
                "form_param_missing",
                "missing required parameter",
                "user_ids must be included.",
                json!({ "param_name": "user_ids" }),
            ),
            DecodeError::InvalidUserIds { .. } => self.error_response_with_meta(
                StatusCode::BAD_REQUEST,
                "form_param_format_invalid",
                "is invalid",
                &detail,
                json!({ "param_name": "user_ids" }),
            ),
            // Unknown routes, undecodable ids and anything new: nothing is there.
            _ => self.not_found(),
        }
    }

    /// Applies the operation; `None` when a user does not exist (nothing is changed then), or,
    /// for a bulk request under [`BulkUnknown::Reject`], when any of them does not.
    fn apply(&self, operation: &DecodedOperation) -> Option<Value> {
        let mut inner = self.lock();
        match operation {
            DecodedOperation::GetUser(id) => inner.users.get(id).cloned(),
            DecodedOperation::BanUser(id)
            | DecodedOperation::UnbanUser(id)
            | DecodedOperation::LockUser(id)
            | DecodedOperation::UnlockUser(id) => {
                let change = Change::of(operation)?;
                inner.change(id, change)
            }
            DecodedOperation::BanUsers(ids) | DecodedOperation::UnbanUsers(ids) => {
                let all_known = ids.iter().all(|id| inner.users.contains_key(id));
                if !all_known && self.bulk_unknown == BulkUnknown::Reject {
                    return None;
                }
                let change = Change::of(operation)?;
                // Under `Skip`, `change` gives `None` for the unknown ids, which are left out.
                let users = ids.iter().filter_map(|id| inner.change(id, change));
                Some(Value::Array(users.collect()))
            }
            // Answered before `apply`; nothing to change.
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Ban,
    Unban,
    Lock,
    Unlock,
}

impl Change {
    fn of(operation: &DecodedOperation) -> Option<Self> {
        match operation {
            DecodedOperation::BanUser(_) | DecodedOperation::BanUsers(_) => Some(Self::Ban),
            DecodedOperation::UnbanUser(_) | DecodedOperation::UnbanUsers(_) => Some(Self::Unban),
            DecodedOperation::LockUser(_) => Some(Self::Lock),
            DecodedOperation::UnlockUser(_) => Some(Self::Unlock),
            _ => None,
        }
    }
}

impl Inner {
    /// The next user number and a generated id not in use yet.
    fn next_user_id(&mut self) -> (u64, String) {
        self.user_counter += 1;
        let n = self.user_counter;
        let mut attempt = n;
        loop {
            let candidate = users::clerk_id("user_", USER_ID_SALT, attempt);
            if !self.users.contains_key(&candidate) {
                return (n, candidate);
            }
            attempt = attempt.wrapping_add(1 << 32);
        }
    }

    /// Applies `change` to user `id`, bumps `updated_at`, and returns the new user.
    fn change(&mut self, id: &str, change: Change) -> Option<Value> {
        let clock = self.clock_ms;
        let user = self.users.get_mut(id)?;
        let previous = user.get("updated_at").and_then(Value::as_i64).unwrap_or(0);
        let updated_at = clock.max(previous) + 1000;
        self.clock_ms = updated_at;
        if let Value::Object(map) = user {
            match change {
                Change::Ban => {
                    map.insert("banned".into(), Value::Bool(true));
                }
                Change::Unban => {
                    map.insert("banned".into(), Value::Bool(false));
                }
                Change::Lock => {
                    map.insert("locked".into(), Value::Bool(true));
                    map.insert("lockout_expires_in_seconds".into(), json!(LOCKOUT_SECONDS));
                }
                Change::Unlock => {
                    map.insert("locked".into(), Value::Bool(false));
                    map.insert("lockout_expires_in_seconds".into(), Value::Null);
                    map.insert(
                        "verification_attempts_remaining".into(),
                        json!(VERIFICATION_ATTEMPTS),
                    );
                }
            }
            map.insert("updated_at".into(), json!(updated_at));
        }
        Some(user.clone())
    }
}

/// The token of the `Authorization: Bearer` header, if there is one of that form.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(parse_bearer)
}

fn json_response(status: StatusCode, body: &Value, trace_id: &str) -> Response<Vec<u8>> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(bytes);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    if let Ok(value) = HeaderValue::from_str(trace_id) {
        headers.insert("clerk-trace-id", value);
    }
    response
}

/// `^\d{4}-\d{2}-\d{2}$`.
fn is_api_version(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_pattern() {
        assert!(is_api_version("2026-05-12"));
        assert!(!is_api_version("2026-5-12"));
        assert!(!is_api_version("2026-05-12x"));
        assert!(!is_api_version("2026/05/12"));
        assert!(!is_api_version(""));
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
    fn trace_ids_are_32_hex() {
        let settings = || Settings {
            secret_key: "sk_test_x".into(),
            prefix: String::new(),
            rate_limit: None,
            bulk_unknown: BulkUnknown::Reject,
            latency: Duration::ZERO,
            read_timeout: Duration::from_secs(1),
        };
        let shared = Shared::new(settings());
        let a = shared.next_trace_id();
        let b = shared.next_trace_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        // Another emulator starts its sequence elsewhere.
        assert_ne!(Shared::new(settings()).next_trace_id(), a);
    }
}
