//! The HTTP/1.1 server: a tokio runtime on its own thread, one hyper connection per
//! accepted socket (keep-alive on), the limits that bound its memory, and the faults that only
//! a network can show.

use std::io;
use std::net::TcpListener as StdTcpListener;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH, DATE, HOST, HeaderValue, LOCATION};
use http::{HeaderMap, Request, Response, StatusCode, Version};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::time::Instant;

use super::answers::{
    self, Answer, ClerkError, Frames, JSON_CONTENT_TYPE, RetryAfterValue, WithoutDate,
};
use super::api::{self, ActionAnswer, ApiRequest};
use super::body::{MAX_REQUEST_BODY, ReadBody, ReplyBody, read_body};
use super::fault::Fault;
use super::request_log::RecordedRequest;
use super::state::Shared;

/// The most connections served at once; further ones wait in the listen backlog until one
/// closes.
pub const MAX_CONNECTIONS: usize = 512;

/// Bytes of request bodies held at once, all connections together; a body that would pass it
/// waits for room (within the read timeout).
const BODY_BUDGET: usize = 32 * 1024 * 1024;

/// hyper's read buffer per connection: a request head must fit in it (else 431). 64 KiB is far
/// over any real head, and 512 connections hold at most 32 MiB of it.
const MAX_READ_BUFFER: usize = 64 * 1024;

/// A copy of `headers` that owns its bytes. hyper's header values are views into the
/// connection's read buffer, so keeping them in the log kept whole buffers alive: about 5.5 KB
/// a request (measured in `BENCHMARKS.md`), for a 300-byte head.
fn detached(headers: &HeaderMap) -> HeaderMap {
    let mut copy = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name =
            http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or_else(|_| name.clone());
        let value = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.append(name, value);
    }
    copy
}

/// What the connections share: the emulator's state and the budget of body bytes.
struct Server {
    shared: Arc<Shared>,
    body_budget: Semaphore,
}

/// The answer as it goes out: counted, and with a `Date` header unless it must have none.
/// hyper's own `Date` is off, so that an answer can go without one.
fn send(shared: &Shared, answer: Answer) -> Response<ReplyBody> {
    sent(shared, answer).map(ReplyBody::whole)
}

/// Like [`send`], then the answer's status and headers with its full `Content-Length`, the
/// first `keep` bytes of its body, and an abort.
fn send_cut(shared: &Shared, answer: Answer, keep: usize) -> Response<ReplyBody> {
    let (mut parts, body) = sent(shared, answer).into_parts();
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    let mut body = Bytes::from(body.to_vec());
    body.truncate(keep);
    Response::from_parts(parts, ReplyBody::abort(body))
}

fn sent(shared: &Shared, mut answer: Answer) -> Answer {
    shared.count_answer(answer.status());
    if answer.extensions().get::<WithoutDate>().is_none() {
        if let Ok(date) = HeaderValue::from_str(&answers::http_date(SystemTime::now())) {
            answer.headers_mut().insert(DATE, date);
        }
    }
    answer
}

/// `answer` with `Connection: close`: after a 408, 413 or a request without `Host`, the rest
/// of the request may still be on its way, so the connection cannot carry another one.
fn closing(mut answer: Answer) -> Answer {
    answer
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    answer
}

/// RFC 9112, section 3.2: an HTTP/1.1 request must have exactly one `Host` header.
fn lacks_host(version: Version, headers: &HeaderMap) -> bool {
    version == Version::HTTP_11 && headers.get_all(HOST).iter().count() != 1
}

/// Serves one request: check its `Host`, count its arrival, read its body within the limits,
/// record it, wait the latency, take the next fault, answer.
async fn serve(server: Arc<Server>, req: Request<Incoming>) -> io::Result<Response<ReplyBody>> {
    let shared = &server.shared;
    let (parts, body) = req.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |pq| pq.as_str().to_owned());
    let record = |body: Vec<u8>| {
        shared.record(RecordedRequest {
            method: parts.method.clone(),
            path: target.clone(),
            headers: detached(&parts.headers),
            body,
        });
    };

    if lacks_host(parts.version, &parts.headers) {
        shared.count_request();
        record(Vec::new());
        return Ok(send(shared, closing(answers::missing_host())));
    }
    let stats = ApiRequest {
        method: &parts.method,
        target: &target,
        headers: &parts.headers,
        body: &[],
    };
    if stats.is_stats() {
        return Ok(send(shared, api::stats_answer(shared)));
    }
    shared.count_request();
    let admission = shared.arrive(&parts.headers);

    let deadline = Instant::now() + shared.settings.read_timeout;
    let authenticated = shared.is_authenticated(&parts.headers);
    let read = read_body(
        body,
        &parts.headers,
        authenticated,
        deadline,
        &server.body_budget,
    )
    .await?;
    let refusal = |status, code, message, long_message| {
        answers::clerk_error(
            status,
            ClerkError::new(code, message, long_message),
            &shared.trace_ids.next(),
        )
    };
    let (body, _budget, refused) = match read {
        ReadBody::Whole(body, budget) => (body, budget, None),
        ReadBody::TooLarge => (
            Vec::new(),
            None,
            Some(refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request_body_too_large",
                "Request body too large",
                &format!("The request body must not exceed {MAX_REQUEST_BODY} bytes."),
            )),
        ),
        ReadBody::TimedOut => (
            Vec::new(),
            None,
            Some(refusal(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "Request timeout",
                "The request body did not arrive in time.",
            )),
        ),
    };
    record(body.clone());
    if !shared.settings.latency.is_zero() {
        tokio::time::sleep(shared.settings.latency).await;
    }
    if let Some(refused) = refused {
        return Ok(send(shared, closing(refused)));
    }

    let request = ApiRequest {
        body: &body,
        ..stats
    };
    let normal = |actions| api::answer(shared, &request, admission, actions);
    let Some(fault) = shared.take_fault() else {
        return Ok(send(shared, normal(ActionAnswer::of(&shared.settings))));
    };
    if let Some(actions) = ActionAnswer::of_fault(&fault) {
        return Ok(send(shared, normal(actions)));
    }
    let trace_id = || shared.trace_ids.next();
    Ok(match fault {
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            send(shared, normal(ActionAnswer::of(&shared.settings)))
        }
        Fault::ResetBeforeHeaders => {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "emulator fault: reset before headers",
            ));
        }
        Fault::ResetAfterHeaders => send_cut(shared, normal(ActionAnswer::of(&shared.settings)), 0),
        Fault::TruncatedBody => {
            let answer = normal(ActionAnswer::of(&shared.settings));
            let half = answer.body().len() / 2;
            send_cut(shared, answer, half)
        }
        Fault::Html502 => send(shared, answers::html_502()),
        Fault::Oversized { bytes } => {
            let id = api::user_id_of(shared, &request).unwrap_or_else(|| "user_oversized".into());
            let body = answers::oversized_body(bytes, &id);
            send(
                shared,
                answers::plain(StatusCode::OK, Some(JSON_CONTENT_TYPE), Frames::whole(body)),
            )
        }
        Fault::Redirect { location } => {
            let mut answer =
                answers::plain(StatusCode::TEMPORARY_REDIRECT, None, Frames::default());
            if let Ok(value) = HeaderValue::from_str(&location) {
                answer.headers_mut().insert(LOCATION, value);
            }
            send(shared, answer)
        }
        Fault::TooManyRequests { retry_after_secs } => send(
            shared,
            answers::too_many_requests(RetryAfterValue::Seconds(retry_after_secs), &trace_id()),
        ),
        Fault::TooManyRequestsHttpDate { retry_after_secs } => send(
            shared,
            answers::too_many_requests(
                RetryAfterValue::date_after(Duration::from_secs(retry_after_secs)),
                &trace_id(),
            ),
        ),
        Fault::Status {
            status,
            body,
            content_type,
        } => send(
            shared,
            answers::plain(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                (!content_type.is_empty()).then_some(content_type.as_str()),
                Frames::whole(body),
            ),
        ),
        Fault::ClerkInternalError => send(shared, answers::internal_clerk_error(&trace_id())),
        Fault::NotClerk(kind) => send(shared, answers::not_clerk(kind)),
        // Taken above.
        Fault::NotApplied | Fault::BulkAnswer { .. } => {
            send(shared, normal(ActionAnswer::of(&shared.settings)))
        }
    })
}

/// Accepts connections until `shutdown` fires, at most [`MAX_CONNECTIONS`] at once; each
/// connection is served on its own task.
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let read_timeout = shared.settings.read_timeout;
    let server = Arc::new(Server {
        shared,
        body_budget: Semaphore::new(BODY_BUDGET),
    });
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // closed: never happens, the loop owns it
            },
        };
        let stream = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            let _permit = permit;
            let service = service_fn(move |req| serve(Arc::clone(&server), req));
            // Errors here are injected faults, cut requests or clients going away.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .keep_alive(true)
                .auto_date_header(false)
                .header_read_timeout(read_timeout)
                .max_buf_size(MAX_READ_BUFFER)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The running server: how to stop it, and its thread.
pub(crate) struct Running {
    pub(crate) shutdown: oneshot::Sender<()>,
    pub(crate) thread: JoinHandle<()>,
}

/// Serves `listener` (bound, non-blocking) on a thread of its own with a current-thread tokio
/// runtime, until the returned sender fires or is dropped.
pub(crate) fn spawn(listener: StdTcpListener, shared: Arc<Shared>) -> io::Result<Running> {
    let port = listener.local_addr()?.port();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = {
        let _guard = runtime.enter();
        TcpListener::from_std(listener)?
    };
    let (shutdown, shutdown_rx) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name(format!("clerk-emulator-{port}"))
        .spawn(move || {
            runtime.block_on(accept_loop(listener, shared, shutdown_rx));
            // Drops every connection task (and so its socket) at once.
            runtime.shutdown_timeout(Duration::from_secs(1));
        })?;
    Ok(Running { shutdown, thread })
}
