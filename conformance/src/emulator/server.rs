//! The HTTP/1.1 server: a tokio runtime on its own thread, one hyper connection per
//! accepted socket (keep-alive on), the limits that bound its memory, and the network-level
//! faults.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, EXPECT, HeaderValue, LOCATION};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, SemaphorePermit, oneshot};
use tokio::time::{Instant, Sleep, timeout_at};

use super::state::{JSON_CONTENT_TYPE, Shared, oversized_body};
use super::{Fault, RecordedRequest};

/// The largest request body the emulator takes: 1 MiB, far over any valid request (a bulk
/// body of 50 ids is under 2 KiB). A larger one is read and thrown away, then answered 413.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// The most connections served at once; further ones wait in the listen backlog until one
/// closes.
pub const MAX_CONNECTIONS: usize = 512;

/// Bytes of request bodies held at once, all connections together; a body that would pass it
/// waits for room (within the read timeout).
const BODY_BUDGET: usize = 32 * 1024 * 1024;

/// hyper's read buffer per connection: a request head must fit in it (else 431). 64 KiB is far
/// over any real head, and 512 connections hold at most 32 MiB of it.
const MAX_READ_BUFFER: usize = 64 * 1024;

/// How long an aborting body waits before failing, so that hyper flushes what came before
/// (the head, and the partial body) to the socket first.
const ABORT_AFTER: Duration = Duration::from_millis(30);

const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// A copy of `headers` that owns its bytes. hyper's header values are views into the
/// connection's read buffer, so keeping them in the log kept whole buffers alive: about 5.5 KB
/// a request (measured in `BENCHMARKS.md`), for a 300-byte head.
fn detached(headers: &http::HeaderMap) -> http::HeaderMap {
    let mut copy = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name =
            http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or_else(|_| name.clone());
        let value = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.append(name, value);
    }
    copy
}

/// The body of every emulator response: whole, or cut off by an error after some bytes.
pub(crate) enum ReplyBody {
    /// The whole body, taken when sent.
    Full(Option<Bytes>),
    /// Send `data` (if any), wait for `sleep`, then fail, which makes hyper abort the connection.
    Abort {
        data: Option<Bytes>,
        sleep: Pin<Box<Sleep>>,
    },
}

impl ReplyBody {
    fn full(bytes: impl Into<Bytes>) -> Self {
        Self::Full(Some(bytes.into()))
    }

    fn abort(data: Bytes) -> Self {
        Self::Abort {
            data: (!data.is_empty()).then_some(data),
            sleep: Box::pin(tokio::time::sleep(ABORT_AFTER)),
        }
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Self::Abort { data, sleep } => {
                if let Some(d) = data.take() {
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                ready!(sleep.as_mut().poll(cx));
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "emulator fault: connection aborted mid-response",
                ))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            Self::Full(None) => SizeHint::with_exact(0),
            Self::Abort { .. } => SizeHint::default(),
        }
    }
}

fn full_response(response: Response<Vec<u8>>) -> Response<ReplyBody> {
    response.map(ReplyBody::full)
}

/// The normal answer's status and headers with its full `Content-Length`, then the first
/// `keep` bytes of its body, then an abort.
fn aborted_response(response: Response<Vec<u8>>, keep: usize) -> Response<ReplyBody> {
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    let mut body = Bytes::from(body);
    body.truncate(keep);
    Response::from_parts(parts, ReplyBody::abort(body))
}

fn simple_response(
    status: StatusCode,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Response<ReplyBody> {
    let mut response = Response::new(ReplyBody::full(body));
    *response.status_mut() = status;
    if let Some(value) = content_type.and_then(|ct| HeaderValue::from_str(ct).ok()) {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

/// What the connections share: the emulator's state and the budget of body bytes.
struct Server {
    shared: Arc<Shared>,
    body_budget: Semaphore,
}

/// A request body as read within the limits.
enum ReadBody<'a> {
    /// The whole body (empty when it was thrown away), and the budget it holds.
    Whole(Vec<u8>, Option<SemaphorePermit<'a>>),
    /// Over [`MAX_REQUEST_BODY`]: the rest was read and thrown away, or, when the client waits
    /// for `100 Continue`, never asked for.
    TooLarge,
    /// Not complete within the read timeout.
    TimedOut,
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Reads `body` until its end or `deadline`. Keeps it only when `keep` (else every byte is
/// thrown away as it comes), never more than [`MAX_REQUEST_BODY`], and only within the body
/// budget. `Err` when the client goes away.
async fn read_body<'a>(
    mut body: Incoming,
    headers: &HeaderMap,
    keep: bool,
    deadline: Instant,
    budget: &'a Semaphore,
) -> io::Result<ReadBody<'a>> {
    let limit = MAX_REQUEST_BODY as u64;
    let declared_too_large = declared_length(headers).is_some_and(|len| len > limit);
    if declared_too_large && headers.contains_key(EXPECT) {
        // The client sends the body only after a `100 Continue`, which hyper sends only when
        // the body is read: answer now and the body never comes.
        return Ok(ReadBody::TooLarge);
    }
    let mut keep = keep && !declared_too_large;
    let mut too_large = declared_too_large;
    let mut kept = Vec::new();
    let mut held: Option<SemaphorePermit<'a>> = None;
    let mut seen: u64 = 0;
    loop {
        let frame = match timeout_at(deadline, body.frame()).await {
            Err(_) => return Ok(ReadBody::TimedOut),
            Ok(None) => break,
            Ok(Some(Err(err))) => return Err(io::Error::other(err)),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        seen += data.len() as u64;
        if seen > limit {
            too_large = true;
            keep = false;
            kept = Vec::new();
            held = None;
        }
        if !keep || data.is_empty() {
            continue;
        }
        let bytes = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let permit = match timeout_at(deadline, budget.acquire_many(bytes)).await {
            Err(_) => return Ok(ReadBody::TimedOut),
            Ok(Err(closed)) => return Err(io::Error::other(closed)),
            Ok(Ok(permit)) => permit,
        };
        match &mut held {
            Some(held) => held.merge(permit),
            None => held = Some(permit),
        }
        kept.extend_from_slice(&data);
    }
    Ok(if too_large {
        ReadBody::TooLarge
    } else {
        ReadBody::Whole(kept, held)
    })
}

/// `response` with `Connection: close`: after a 408 or 413 the rest of the body may still be
/// on its way, so the connection cannot carry another request.
fn closing(mut response: Response<Vec<u8>>) -> Response<ReplyBody> {
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    full_response(response)
}

/// Serves one request: read it within the limits, record it, wait the latency, take the next
/// fault, answer.
async fn serve(server: Arc<Server>, req: Request<Incoming>) -> io::Result<Response<ReplyBody>> {
    let shared = &server.shared;
    let deadline = Instant::now() + shared.read_timeout;
    let (parts, body) = req.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |pq| pq.as_str().to_owned());
    let authenticated = shared.is_authenticated(&parts.headers);
    let read = read_body(
        body,
        &parts.headers,
        authenticated,
        deadline,
        &server.body_budget,
    )
    .await?;
    let (body, _budget, refusal) = match read {
        ReadBody::Whole(body, budget) => (body, budget, None),
        ReadBody::TooLarge => (
            Vec::new(),
            None,
            Some(shared.error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request_body_too_large",
                "Request body too large",
                &format!("The request body must not exceed {MAX_REQUEST_BODY} bytes."),
            )),
        ),
        ReadBody::TimedOut => (
            Vec::new(),
            None,
            Some(shared.error_response(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "Request timeout",
                "The request body did not arrive in time.",
            )),
        ),
    };
    shared.record(RecordedRequest {
        method: parts.method.clone(),
        path: path.clone(),
        headers: detached(&parts.headers),
        body: body.clone(),
    });
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    if let Some(refusal) = refusal {
        return Ok(closing(refusal));
    }
    let respond = || shared.respond(&parts.method, &path, &parts.headers, &body);

    let Some(fault) = shared.take_fault() else {
        return Ok(full_response(respond()));
    };
    Ok(match fault {
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            full_response(respond())
        }
        Fault::ResetBeforeHeaders => {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "emulator fault: reset before headers",
            ));
        }
        Fault::ResetAfterHeaders => aborted_response(respond(), 0),
        Fault::TruncatedBody => {
            let response = respond();
            let half = response.body().len() / 2;
            aborted_response(response, half)
        }
        Fault::Html502 => simple_response(
            StatusCode::BAD_GATEWAY,
            Some("text/html"),
            NGINX_502.as_bytes().to_vec(),
        ),
        Fault::Oversized { bytes } => {
            let id = shared
                .decoder
                .decode_route(
                    &parts.method,
                    path.split_once('?').map_or(path.as_str(), |(p, _)| p),
                    &body,
                )
                .ok()
                .and_then(|op| op.user_id().map(str::to_owned))
                .unwrap_or_else(|| "user_oversized".to_owned());
            simple_response(
                StatusCode::OK,
                Some(JSON_CONTENT_TYPE),
                oversized_body(bytes, &id),
            )
        }
        Fault::Redirect { location } => {
            let mut response = simple_response(StatusCode::TEMPORARY_REDIRECT, None, Vec::new());
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(LOCATION, value);
            }
            response
        }
        Fault::TooManyRequests { retry_after_secs } => {
            full_response(shared.too_many_requests(retry_after_secs))
        }
        Fault::Status {
            status,
            body,
            content_type,
        } => simple_response(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            (!content_type.is_empty()).then_some(content_type.as_str()),
            body.into_bytes(),
        ),
    })
}

/// Accepts connections until `shutdown` fires, at most [`MAX_CONNECTIONS`] at once; each
/// connection is served on its own task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let read_timeout = shared.read_timeout;
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
                .header_read_timeout(read_timeout)
                .max_buf_size(MAX_READ_BUFFER)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
