//! `FetchTransport`: JavaScript's `fetch` as a [`LocalAsyncTransport`], and [`JsTimer`]
//! (`setTimeout`) as a [`LocalTimer`], for a [`LocalAsyncClient`](crate::LocalAsyncClient) on
//! `wasm32-unknown-unknown`: Node, Deno, Cloudflare Workers (feature `fetch`).
//!
//! ```no_run
//! use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
//! use clerk_moderation_transports::AsyncClient;
//! use clerk_moderation_transports::fetch::{FetchTransport, JsTimer};
//!
//! # async fn unban(key: String) -> Result<(), Box<dyn std::error::Error>> {
//! let config = ApiConfig::new(SecretKey::new(key)?);
//! let client = AsyncClient::with_local_timer(config, FetchTransport::new(), JsTimer);
//! let user = client.unban(&UserId::new("user_2xhFjEI5X2qWRvtV13BzSj8H6Dk")?).await?;
//! assert!(!user.banned);
//! # Ok(()) }
//! ```
//!
//! # Safe defaults, and what the platform does not let a transport give
//!
//! What the built-in transports promise, as far as `fetch` allows:
//! - **no redirect is followed**: every request goes with `redirect: "manual"`. On Node, Deno
//!   and Workers the 3xx itself comes back as a response, as from the other transports (the
//!   core reads it as an error with `is_redirect()`). A browser hides it (an *opaque redirect*:
//!   status 0, no headers, no body), so there it is an error of kind
//!   [`Protocol`](TransportErrorKind::Protocol) that says so, sent and not worth a retry;
//! - **HTTPS is required**, before anything is sent: plain `http://` only to a loopback host,
//!   and only when the request carries the core's
//!   [`LoopbackHttp`](clerk_moderation_core::LoopbackHttp) mark (an `ApiConfig` with an
//!   explicit loopback `http://` base URL) or [`FetchTransportBuilder::allow_loopback_http`]
//!   is on;
//! - **a whole-call timeout**, 30 s by default, body included: an `AbortController` cancels the
//!   request when it passes, and whenever the call's future is dropped;
//! - **a response cap**, 1 MiB by default, or the request's
//!   [`ResponseCap`](clerk_moderation_core::ResponseCap) if larger: a declared
//!   `Content-Length` over it is refused, and the body is read chunk by chunk and cancelled as
//!   soon as it passes the cap, never buffered whole first;
//! - **errors never show the key**: they hold the JavaScript error's name, message and code
//!   as text, withheld if they mention the key.
//!
//! What the platform does not let a transport choose, and what happens instead:
//! - **no connect timeout**: `fetch` has no connect phase a caller can see or bound; the
//!   whole-call timeout bounds it. (Node's own connect timeout, 10 s, still applies there.)
//! - **no choice of TLS roots**: the runtime verifies certificates against its own store
//!   (Node: its bundled Mozilla roots, plus `NODE_EXTRA_CA_CERTS` set before it starts;
//!   Workers and browsers: the platform's). A certificate error cannot be told apart from
//!   other network failures except on Node.
//! - **no proxy setting**: the runtime decides (Node's `fetch` ignores `HTTPS_PROXY`; a browser
//!   uses the system's). Loopback HTTP cannot be kept off a proxy by the transport.
//! - **no connection pool setting**: keep-alive and reuse are the runtime's.
//! - **failures are less precise**: Node gives a code in the error's `cause` (`ECONNREFUSED`,
//!   `ENOTFOUND`, `UND_ERR_CONNECT_TIMEOUT`, certificate codes), and Deno says
//!   `client error (Connect)` for a failure before sending: both are classified like the other
//!   transports' errors. Browsers and Workers give a bare `TypeError`, read the safe way (may
//!   have been sent, transient). In a browser, CORS also hides most response headers
//!   (`Retry-After`, `Clerk-Trace-Id`): and a secret key has no place in a browser anyway.
//! - **`User-Agent`** is dropped by browsers; Node, Deno and Workers send it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use clerk_moderation_core::http::{
    HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode,
};
use clerk_moderation_core::{FailureClass, Instant, LocalAsyncTransport};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, ReadableStreamDefaultReader, RequestInit, RequestRedirect, ResponseType,
};

use crate::client::{LocalTimer, before};
use crate::error::{BoxError, TransportError};
use crate::settings::{BodyCap, Limits, limits_setters};
use crate::{DEFAULT_TIMEOUT, TransportErrorKind};

/// JavaScript's `fetch`, with the safe defaults the platform allows (see the
/// [module docs](self)). Its futures are not `Send`: drive it with a
/// [`LocalAsyncClient`](crate::LocalAsyncClient).
#[derive(Clone, Debug)]
pub struct FetchTransport {
    timeout: Option<Duration>,
    limits: Limits,
}

impl Default for FetchTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl FetchTransport {
    /// A transport with the defaults: a 30 s timeout per call, a 1 MiB cap (or the request's
    /// own, if larger), HTTPS only (loopback HTTP when the request is marked for it).
    pub fn new() -> Self {
        Self {
            timeout: Some(DEFAULT_TIMEOUT),
            limits: Limits::default(),
        }
    }

    /// A builder, to change the defaults.
    pub fn builder() -> FetchTransportBuilder {
        FetchTransportBuilder {
            timeout: Some(DEFAULT_TIMEOUT),
            limits: Limits::default(),
        }
    }

    /// Sends `request` and reads its answer, within the timeout.
    async fn fetch(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        // The HTTPS rule (with the request's LoopbackHttp mark), the cap (with its
        // ResponseCap), and the secret to keep out of errors: as every built-in transport.
        let admitted = self.limits.admit(&request)?;
        let secret = admitted.secret.token();
        let controller = AbortController::new().map_err(|e| js_error(Phase::Setup, e, secret))?;
        // Aborts the request however this call ends: at the timeout, or dropped by its caller.
        let _abort = AbortOnDrop(controller.clone());
        let js_request =
            js_request(request, &controller).map_err(|e| js_error(Phase::Setup, e, secret))?;
        let exchange = exchange(js_request, admitted.cap, secret);
        let Some(limit) = self.timeout else {
            return exchange.await;
        };
        let timer = JsTimer.sleep_until(Instant::now() + limit);
        before(exchange, timer).await.unwrap_or_else(|| {
            Err(TransportError::new(TransportErrorKind::Timeout)
                .with_detail(format!("no full response within {limit:?}")))
        })
    }
}

impl LocalAsyncTransport for FetchTransport {
    type Error = TransportError;

    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> {
        self.fetch(request)
    }

    fn classify(error: &TransportError) -> FailureClass {
        error.class()
    }
}

/// Builds a [`FetchTransport`].
#[derive(Clone, Debug)]
pub struct FetchTransportBuilder {
    timeout: Option<Duration>,
    limits: Limits,
}

impl FetchTransportBuilder {
    limits_setters!();

    /// Bounds each call, response body included (30 s by default); `None` for no bound.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The transport. Like every builder of this crate, `build` returns a `Result`; this one
    /// reads nothing and cannot fail.
    pub fn build(self) -> Result<FetchTransport, TransportError> {
        Ok(FetchTransport {
            timeout: self.timeout,
            limits: self.limits,
        })
    }
}

/// Aborts its controller when dropped: after a full answer this changes nothing.
struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The JavaScript `Request`: method, URL, headers, body, no redirect followed, the abort signal.
fn js_request(
    request: Request<Vec<u8>>,
    controller: &AbortController,
) -> Result<web_sys::Request, JsValue> {
    let (parts, body) = request.into_parts();
    let headers = web_sys::Headers::new()?;
    for (name, value) in &parts.headers {
        let value = value
            .to_str()
            .map_err(|_| JsValue::from_str("a header value is not visible ASCII"))?;
        headers.append(name.as_str(), value)?;
    }
    let init = RequestInit::new();
    init.set_method(parts.method.as_str());
    init.set_headers(&headers);
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(&controller.signal()));
    if !body.is_empty() {
        init.set_body(&Uint8Array::from(body.as_slice()));
    }
    web_sys::Request::new_with_str_and_init(&parts.uri.to_string(), &init)
}

/// The global object's function `name` (`fetch`, `setTimeout`, `clearTimeout`): found the same
/// way in Node, Deno, Workers and browsers, where `window` may not exist.
fn global_function(name: &str) -> Result<Function, JsValue> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))?.dyn_into::<Function>()
}

/// Lets `promise` settle unwatched, with a handler attached all the same: a rejection nobody
/// handles ends a Node process (a cancel on a stream the abort errored rejects).
fn ignore_outcome(promise: Promise) {
    drop(JsFuture::from(promise));
}

/// Sends `request` and reads the answer, its body within `cap`.
async fn exchange(
    request: web_sys::Request,
    cap: BodyCap,
    secret: Option<&[u8]>,
) -> Result<Response<Vec<u8>>, TransportError> {
    let promise = global_function("fetch")
        .and_then(|fetch| fetch.call1(&js_sys::global(), &request))
        .map_err(|e| js_error(Phase::Setup, e, secret))?;
    let answer = JsFuture::from(Promise::from(promise))
        .await
        .map_err(|e| js_error(Phase::Connect, e, secret))?;
    let answer: web_sys::Response = answer.unchecked_into();
    if answer.type_() == ResponseType::Opaqueredirect {
        return Err(TransportError::new(TransportErrorKind::Protocol).with_detail(
            "the answer is a redirect, which this platform hides (an opaque redirect): it is not \
             Clerk's answer, and it was not followed",
        ));
    }
    let status = StatusCode::from_u16(answer.status()).map_err(|_| {
        TransportError::new(TransportErrorKind::Protocol)
            .with_detail(format!("status {} is not an HTTP status", answer.status()))
    })?;
    let headers = headers(&answer.headers())?;
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > cap.bytes) {
        if let Some(body) = answer.body() {
            ignore_outcome(body.cancel());
        }
        return Err(cap.exceeded());
    }
    let capacity = declared.unwrap_or(0).min(cap.bytes);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    if let Some(stream) = answer.body() {
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        read_capped(&reader, &mut body, cap, secret).await?;
    }
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// The response's headers, as `http` has them; JavaScript keeps header values as byte strings
/// (one character a byte).
fn headers(js: &web_sys::Headers) -> Result<HeaderMap, TransportError> {
    let malformed =
        || TransportError::new(TransportErrorKind::Protocol).with_detail("a malformed header");
    let mut headers = HeaderMap::new();
    let Ok(Some(entries)) = js_sys::try_iter(js) else {
        return Ok(headers);
    };
    for entry in entries {
        let entry: js_sys::Array = entry.map_err(|_| malformed())?.unchecked_into();
        let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) else {
            return Err(malformed());
        };
        let bytes: Option<Vec<u8>> = value.chars().map(|c| u8::try_from(c).ok()).collect();
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| malformed())?;
        let value = bytes
            .and_then(|bytes| HeaderValue::from_bytes(&bytes).ok())
            .ok_or_else(malformed)?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// Reads the body chunk by chunk into `body`; past `cap`, cancels the rest and fails.
async fn read_capped(
    reader: &ReadableStreamDefaultReader,
    body: &mut Vec<u8>,
    cap: BodyCap,
    secret: Option<&[u8]>,
) -> Result<(), TransportError> {
    loop {
        let read = JsFuture::from(reader.read())
            .await
            .map_err(|e| js_error(Phase::Body, e, secret))?;
        let done = Reflect::get(&read, &JsValue::from_str("done"))
            .ok()
            .and_then(|done| done.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(());
        }
        let chunk: Uint8Array = Reflect::get(&read, &JsValue::from_str("value"))
            .ok()
            .and_then(|value| value.dyn_into().ok())
            .ok_or_else(|| {
                TransportError::new(TransportErrorKind::Protocol)
                    .with_detail("a body chunk that is not bytes")
            })?;
        let start = body.len();
        let length = chunk.length() as usize;
        if (start + length) as u64 > cap.bytes {
            ignore_outcome(reader.cancel());
            return Err(cap.exceeded());
        }
        body.resize(start + length, 0);
        chunk.copy_to(&mut body[start..]);
    }
}

/// JavaScript's `setTimeout`, as a [`LocalTimer`]: on Node, Deno, Workers and browsers. A sleep
/// dropped before its time clears its timeout, so that nothing keeps Node's event loop alive.
///
/// # Panics
///
/// A sleep panics if the global object has no `setTimeout` (no JavaScript runtime lacks it).
#[derive(Clone, Copy, Debug, Default)]
pub struct JsTimer;

impl LocalTimer for JsTimer {
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin(sleep_until(deadline))
    }
}

/// Sleeps until `deadline`, in timeouts of at most `setTimeout`'s longest (about 24.8 days).
async fn sleep_until(deadline: Instant) {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        let mut timeout = Timeout::start(left);
        // A rejection cannot happen: the promise is only ever resolved.
        let _ = (&mut timeout.fired).await;
    }
}

/// One pending `setTimeout`. Dropped early, it clears the timeout and settles its promise
/// itself: a promise never settled would keep its callbacks (and the future's state) in memory
/// for good, one per sleep a client drops (each call's deadline, each wait an answer cuts).
struct Timeout {
    handle: JsValue,
    resolve: Option<Function>,
    fired: JsFuture,
}

impl Timeout {
    /// The longest delay `setTimeout` takes (2^31 - 1 ms); longer ones fire at once.
    const MAX_MS: f64 = 2_147_483_647.0;

    fn start(after: Duration) -> Self {
        let set_timeout = global_function("setTimeout").expect("a global setTimeout");
        // Rounded up, so that it never fires before `after`.
        let ms = (after.as_micros() as f64 / 1000.0)
            .ceil()
            .clamp(1.0, Self::MAX_MS);
        let mut handle = JsValue::UNDEFINED;
        let mut resolver = None;
        let promise = Promise::new(&mut |resolve, _reject| {
            handle = set_timeout
                .call2(&js_sys::global(), &resolve, &JsValue::from_f64(ms))
                .expect("setTimeout takes a function and a delay");
            resolver = Some(resolve);
        });
        Self {
            handle,
            resolve: resolver,
            fired: JsFuture::from(promise),
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Ok(clear) = global_function("clearTimeout") {
            let _ = clear.call1(&js_sys::global(), &self.handle);
        }
        // A no-op if it fired already.
        if let Some(resolve) = self.resolve.take() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Where a JavaScript error came from, which decides what it means when it says nothing more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Making the request (a header `fetch` refuses, a URL it cannot parse): not sent.
    Setup,
    /// `fetch` rejected before a response: anything from DNS to a reset after sending.
    Connect,
    /// Reading the body of a response that came.
    Body,
}

/// A JavaScript error thrown or rejected in `phase`, classified by the code Node's `fetch`
/// gives in its `cause`, if any (else by Deno's words, else the safe way); the JavaScript error,
/// as text, is the source.
fn js_error(phase: Phase, error: JsValue, secret: Option<&[u8]>) -> TransportError {
    let failure = JsFailure::read(&error);
    let kind = match (phase, failure.code.as_deref()) {
        (Phase::Setup, _) => TransportErrorKind::InvalidRequest,
        (_, Some(code)) => kind_of_code(code, phase),
        (Phase::Body, None) => TransportErrorKind::Io,
        (Phase::Connect, None) => failure
            .message
            .as_deref()
            .map_or(TransportErrorKind::Other, kind_of_message),
    };
    TransportError::new(kind).caused_by(Box::new(failure) as BoxError, secret)
}

/// What a Node error code means, as the other transports read the same fault.
fn kind_of_code(code: &str, phase: Phase) -> TransportErrorKind {
    use TransportErrorKind as K;
    match code {
        "ECONNREFUSED" | "ENOTFOUND" | "EAI_AGAIN" | "EAI_FAIL" | "EAI_NONAME" | "EHOSTUNREACH"
        | "ENETUNREACH" | "ENETDOWN" | "EHOSTDOWN" | "EADDRNOTAVAIL" => K::Connect,
        "UND_ERR_CONNECT_TIMEOUT" => K::ConnectTimeout,
        "UND_ERR_HEADERS_TIMEOUT" | "UND_ERR_BODY_TIMEOUT" => K::Timeout,
        "UND_ERR_RES_CONTENT_LENGTH_MISMATCH" | "UND_ERR_INVALID_ARG" => K::Protocol,
        code if code.starts_with("HPE_") => K::Protocol,
        code if code.starts_with("ERR_TLS_")
            || code.starts_with("ERR_SSL_")
            || code.contains("CERT")
            || code == "EPROTO" =>
        {
            K::Tls
        }
        _ if phase == Phase::Body => K::Io,
        "ECONNRESET" | "EPIPE" | "UND_ERR_SOCKET" | "UND_ERR_CLOSED" | "ETIMEDOUT" => K::Io,
        _ => K::Other,
    }
}

/// What a `fetch` rejection without a code means, from its message: Deno's `fetch` (hyper
/// underneath) says `client error (Connect)` for every failure before the request went out
/// (DNS, refused, TLS handshake), and names a certificate it refused. Anything else is read the
/// safe way.
fn kind_of_message(message: &str) -> TransportErrorKind {
    if message.contains("invalid peer certificate") {
        TransportErrorKind::Tls
    } else if message.contains("client error (Connect)") {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Other
    }
}

/// A JavaScript error as text (JavaScript values cannot leave their thread): its name, message,
/// and the code Node puts on it or its `cause`.
#[derive(Debug)]
struct JsFailure {
    name: Option<String>,
    message: Option<String>,
    code: Option<String>,
}

impl JsFailure {
    fn read(error: &JsValue) -> Self {
        let text = |value: &JsValue, key: &str| {
            Reflect::get(value, &JsValue::from_str(key))
                .ok()
                .and_then(|v| v.as_string())
        };
        let cause = Reflect::get(error, &JsValue::from_str("cause")).unwrap_or(JsValue::UNDEFINED);
        // An AggregateError (several addresses tried) keeps the codes in `errors`.
        let first_of_many = Reflect::get(&cause, &JsValue::from_str("errors"))
            .ok()
            .filter(|errors| errors.is_object())
            .and_then(|errors| Reflect::get(&errors, &JsValue::from_f64(0.0)).ok());
        let code = [Some(cause.clone()), first_of_many, Some(error.clone())]
            .into_iter()
            .flatten()
            .filter(|value| value.is_object())
            .find_map(|value| text(&value, "code"));
        let cause_message = text(&cause, "message").filter(|_| cause.is_object());
        let message = match (
            text(error, "message").or_else(|| error.as_string()),
            cause_message,
        ) {
            (Some(message), Some(cause)) => Some(format!("{message}: {cause}")),
            (message, cause) => message.or(cause),
        };
        Self {
            name: text(error, "name"),
            message,
            code,
        }
    }
}

impl fmt::Display for JsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.name.as_deref().unwrap_or("JavaScript error"),
            self.message.as_deref().unwrap_or("no message")
        )?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for JsFailure {}
