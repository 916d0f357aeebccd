//! A small HTTP/1.1 test server on 127.0.0.1: scripted responses, recorded requests, stops on
//! drop. Every loop is bounded and every socket read has a timeout, so nothing can hang.

#![allow(dead_code)]

pub mod adapter_cases;
pub mod faults;
pub mod tls;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The secret key every test uses; no error may show it.
pub const SECRET: &str = "sk_test_TopSecretValue123";

/// How long a connection may stay idle, or a request take to arrive, before the server drops it.
const IDLE_LIMIT: Duration = Duration::from_secs(10);
/// How often blocked loops look at the stop flag.
const POLL: Duration = Duration::from_millis(20);
/// The largest request head or body accepted.
const MAX_REQUEST: usize = 1024 * 1024;

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which connection it came on (0 for the first accepted).
    pub connection: usize,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `user_ids` of a bulk body.
    pub fn user_ids(&self) -> Vec<String> {
        let body: serde_json::Value = serde_json::from_slice(&self.body).expect("JSON body");
        body["user_ids"]
            .as_array()
            .expect("user_ids")
            .iter()
            .map(|v| v.as_str().expect("string id").to_owned())
            .collect()
    }
}

/// What the server does with a request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answers.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Sends nothing for this long (or until the server stops), then closes the connection.
    Stall(Duration),
}

impl Reply {
    pub fn status(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self::status(status, "application/json", body)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// A Clerk user as JSON.
pub fn user_json(id: &str) -> String {
    user_json_as(id, false, false)
}

/// A user as Clerk answers with it, banned and locked as given.
pub fn user_json_as(id: &str, banned: bool, locked: bool) -> String {
    format!(
        r#"{{"id":"{id}","object":"user","username":null,"banned":{banned},"locked":{locked},"lockout_expires_in_seconds":null,"email_addresses":[],"public_metadata":{{}},"created_at":1700000000000,"some_future_field":{{"kept":true}}}}"#
    )
}

/// A Clerk error body.
pub fn clerk_error(code: &str, trace: &str) -> String {
    format!(
        r#"{{"errors":[{{"message":"{code} happened","long_message":"The long story of {code}","code":"{code}"}}],"clerk_trace_id":"{trace}"}}"#
    )
}

/// The id in a `/v1/users/{id}[/action]` path.
pub fn path_user_id(path: &str) -> String {
    path.trim_start_matches("/v1/users/")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Answers like Clerk would on success: the user for single-user paths, the users (in the
/// order given, or reversed when `reverse`) for the bulk ones.
pub fn echo_users(request: &Recorded, reverse: bool) -> Reply {
    // As Clerk shows them after the action: banned after a ban, locked after a lock.
    let banned = request.path.ends_with("/ban");
    let locked = request.path.ends_with("/lock");
    if request.path == "/v1/users/ban" || request.path == "/v1/users/unban" {
        let mut ids = request.user_ids();
        if reverse {
            ids.reverse();
        }
        let users: Vec<String> = ids
            .iter()
            .map(|id| user_json_as(id, banned, locked))
            .collect();
        Reply::json(200, format!("[{}]", users.join(",")))
    } else {
        let id = path_user_id(&request.path);
        Reply::json(200, user_json_as(&id, banned, locked))
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

struct Shared {
    requests: Mutex<Vec<Recorded>>,
    handler: Box<Handler>,
    stop: AtomicBool,
    connections: AtomicUsize,
}

/// The server. Dropping it stops it and joins its threads.
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A server that answers request `n` (0-based, across connections) with `handler(request, n)`.
    pub fn start(handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            handler: Box::new(handler),
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept_loop(listener, shared))
        };
        Self {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// A server that answers with `replies` in turn, repeating the last one.
    pub fn scripted(replies: Vec<Reply>) -> Self {
        assert!(!replies.is_empty());
        Self::start(move |_, n| replies[n.min(replies.len() - 1)].clone())
    }

    /// `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut workers = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let id = shared.connections.fetch_add(1, Ordering::SeqCst);
                let shared = Arc::clone(&shared);
                workers.push(std::thread::spawn(move || {
                    let _ = serve(stream, id, &shared);
                }));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(_) => std::thread::sleep(POLL),
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
}

/// Serves requests on one connection until it closes, idles too long, or the server stops.
fn serve(mut stream: TcpStream, connection: usize, shared: &Shared) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(POLL))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut buffer = Vec::new();
    loop {
        let Some(head_end) = read_until_head(&mut stream, &mut buffer, shared)? else {
            return Ok(());
        };
        if !buffer[0].is_ascii_uppercase() {
            // Not HTTP (a TLS ClientHello, say): answer as a plain-HTTP server would, and close.
            stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )?;
            return Ok(());
        }
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split(' ');
        let method = request_line.next().unwrap_or_default().to_owned();
        let path = request_line.next().unwrap_or_default().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0)
            .min(MAX_REQUEST);
        let body_start = head_end + 4;
        if !read_at_least(&mut stream, &mut buffer, body_start + length, shared)? {
            return Ok(());
        }
        let body = buffer[body_start..body_start + length].to_vec();
        buffer.drain(..body_start + length);

        let close = headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"));
        let recorded = Recorded {
            method,
            path,
            headers,
            body,
            connection,
        };
        let n = {
            let mut requests = shared.requests.lock().unwrap();
            requests.push(recorded.clone());
            requests.len() - 1
        };
        match (shared.handler)(&recorded, n) {
            Reply::Respond {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} Scripted\r\n");
                for (name, value) in &headers {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
                out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                let mut out = out.into_bytes();
                out.extend_from_slice(&body);
                // A client that stops reading (a body over its cap) may reset the connection.
                if stream.write_all(&out).is_err() {
                    return Ok(());
                }
                stream.flush()?;
            }
            Reply::Stall(duration) => {
                let until = Instant::now() + duration;
                while Instant::now() < until && !shared.stop.load(Ordering::SeqCst) {
                    std::thread::sleep(POLL);
                }
                return Ok(());
            }
        }
        if close {
            return Ok(());
        }
    }
}

/// Reads until the buffer holds a full request head; returns where it ends (the `\r\n\r\n`),
/// or `None` if the connection closed, idled too long or the server stopped.
fn read_until_head(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    shared: &Shared,
) -> io::Result<Option<usize>> {
    let started = Instant::now();
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Ok(Some(end));
        }
        if !buffer.is_empty() && !buffer[0].is_ascii_uppercase() {
            return Ok(Some(0));
        }
        if buffer.len() > MAX_REQUEST {
            return Ok(None);
        }
        if !read_some(stream, buffer, shared, started)? {
            return Ok(None);
        }
    }
}

fn read_at_least(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    len: usize,
    shared: &Shared,
) -> io::Result<bool> {
    let started = Instant::now();
    while buffer.len() < len {
        if !read_some(stream, buffer, shared, started)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One read with a short timeout; `false` when the connection closed, the server stopped or the
/// idle limit passed.
fn read_some(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    shared: &Shared,
    started: Instant,
) -> io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if shared.stop.load(Ordering::SeqCst) || started.elapsed() > IDLE_LIMIT {
            return Ok(false);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buffer.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Ok(false),
        }
    }
}

/// Checks the wire's `Content-Length`: every POST carries one equal to its body's length, `0`
/// for the single-user operations, which have no body; a GET carries none.
pub fn check_content_lengths(requests: &[Recorded]) {
    for request in requests {
        let expected = (request.method == "POST").then(|| request.body.len().to_string());
        assert_eq!(
            request.header("content-length"),
            expected.as_deref(),
            "{} {}",
            request.method,
            request.path
        );
    }
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.body.is_empty()),
        "an empty POST was checked"
    );
}

/// A port nothing listens on: bind, note the port, drop the listener.
pub fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Asserts that neither the `Debug` nor the `Display` of `error` (and its sources) shows the
/// secret key or anything like one.
pub fn assert_no_secret(error: &(dyn std::error::Error + 'static)) {
    let mut next = Some(error);
    while let Some(error) = next {
        let shown = format!("{error} / {error:?}");
        assert!(!shown.contains("sk_"), "an error shows a secret: {shown}");
        next = error.source();
    }
}

/// An error response every adapter must surface intact.
#[derive(Clone, Debug)]
pub struct ErrorCase {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Clerk's error code, when the body is Clerk's JSON.
    pub code: Option<&'static str>,
    pub trace: Option<&'static str>,
}

impl ErrorCase {
    fn clerk(status: u16, code: &'static str, trace: &'static str) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: clerk_error(code, trace),
            code: Some(code),
            trace: Some(trace),
        }
    }

    fn raw(status: u16, content_type: &'static str, body: &str) -> Self {
        Self {
            status,
            content_type,
            body: body.to_owned(),
            code: None,
            trace: None,
        }
    }

    /// The reply that serves it (a 429 carries `Retry-After: 7`).
    pub fn reply(&self) -> Reply {
        let reply = Reply::status(self.status, self.content_type, self.body.clone());
        if self.status == 429 {
            reply.header("Retry-After", "7")
        } else {
            reply
        }
    }
}

/// 401, 402, 403, 404, 429 and 5xx, as Clerk's JSON or a proxy's HTML and text.
pub fn error_cases() -> Vec<ErrorCase> {
    vec![
        ErrorCase::clerk(401, "authentication_invalid", "trace401"),
        ErrorCase::clerk(402, "payment_required", "trace402"),
        ErrorCase::clerk(403, "feature_not_enabled", "trace403"),
        ErrorCase::clerk(404, "resource_not_found", "trace404"),
        ErrorCase::clerk(429, "too_many_requests", "trace429"),
        ErrorCase::clerk(500, "internal_clerk_error", "trace500"),
        ErrorCase::raw(
            502,
            "text/html",
            "<html><body>502 Bad Gateway</body></html>",
        ),
        ErrorCase::raw(503, "text/plain", "upstream connect error"),
        ErrorCase::raw(504, "application/json", r#"{"message":"gateway timeout"}"#),
    ]
}

/// Checks that a response error kept what the server said.
pub fn check_response_error(error: &clerk_moderation_core::ResponseError, case: &ErrorCase) {
    use clerk_moderation_core::ResponseError;
    assert_eq!(error.status().as_u16(), case.status, "{error}");
    assert_eq!(error.code(), case.code, "{error}");
    assert_eq!(error.clerk_trace_id(), case.trace, "{error}");
    match error {
        ResponseError::Api(api) => {
            let code = case.code.expect("Clerk JSON only for Clerk bodies");
            assert_eq!(
                api.errors[0].long_message.as_deref(),
                Some(format!("The long story of {code}").as_str())
            );
        }
        ResponseError::Unstructured(raw) => {
            assert!(
                case.code.is_none(),
                "unstructured only for non-Clerk bodies"
            );
            assert_eq!(raw.body, case.body.as_bytes());
            assert_eq!(raw.content_type.as_deref(), Some(case.content_type));
        }
        other => panic!("unexpected {other:?}"),
    }
    if case.status == 429 {
        assert!(error.is_rate_limited());
        assert!(error.retry_after().is_some());
    }
}

/// The test config: the test key, the server's base URL.
pub fn config(base_url: &str) -> clerk_moderation_core::ApiConfig {
    clerk_moderation_core::ApiConfig::new(clerk_moderation_core::SecretKey::new(SECRET).unwrap())
        .with_base_url(base_url)
        .unwrap()
}

pub fn uid(id: &str) -> clerk_moderation_core::UserId {
    clerk_moderation_core::UserId::new(id).unwrap()
}

/// A retry policy fast enough for tests.
pub fn fast_retries(max_attempts: u32) -> clerk_moderation_core::RetryPolicy {
    clerk_moderation_core::RetryPolicy::default()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(40))
        .with_max_total_wait(Duration::from_secs(5))
}
