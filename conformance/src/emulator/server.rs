//! The HTTP/1.1 server: a tokio runtime on its own thread, one hyper connection per
//! accepted socket (keep-alive on), and the network-level faults.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::time::Sleep;

use super::state::{JSON_CONTENT_TYPE, Shared, oversized_body};
use super::{Fault, RecordedRequest};

/// Requests with a larger body are dropped (the connection is closed).
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

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

/// Serves one request: read it whole, record it, take the next fault, answer.
async fn serve(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<ReplyBody>, io::Error> {
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, MAX_REQUEST_BODY)
        .collect()
        .await
        .map_err(|e| io::Error::other(format!("request body unreadable: {e}")))?
        .to_bytes()
        .to_vec();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |pq| pq.as_str().to_owned());
    shared.record(RecordedRequest {
        method: parts.method.clone(),
        path: path.clone(),
        headers: detached(&parts.headers),
        body: body.clone(),
    });
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

/// Accepts connections until `shutdown` fires; each connection is served on its own task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // E.g. out of file descriptors: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |req| serve(Arc::clone(&shared), req));
                    // Errors here are injected faults or clients going away.
                    let _ = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}
