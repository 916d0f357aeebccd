//! Bodies on the wire: a request body read within the limits that bound the emulator's
//! memory, and the reply body, whole or cut off on purpose.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_LENGTH, EXPECT};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::{Instant, Sleep, timeout_at};

use super::answers::Frames;

/// The largest request body the emulator takes: 1 MiB, far over any valid request (a bulk
/// body of 50 ids is under 2 KiB). A larger one is read and thrown away, then answered 413.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// How long an aborting body waits before failing, so that hyper flushes what came before
/// (the head, and the partial body) to the socket first.
const ABORT_AFTER: Duration = Duration::from_millis(30);

/// The body of every emulator response: whole (in pieces), or cut off by an error after some
/// bytes.
pub(crate) enum ReplyBody {
    /// The pieces still to send, and their total length.
    Whole {
        pieces: VecDeque<Bytes>,
        remaining: u64,
    },
    /// Send `data` (if any), wait for `sleep`, then fail, which makes hyper abort the connection.
    Abort {
        data: Option<Bytes>,
        sleep: Pin<Box<Sleep>>,
    },
}

impl ReplyBody {
    pub(crate) fn whole(frames: Frames) -> Self {
        Self::Whole {
            remaining: frames.len() as u64,
            pieces: frames.into_parts().into(),
        }
    }

    pub(crate) fn abort(data: Bytes) -> Self {
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
            Self::Whole { pieces, remaining } => {
                let piece = pieces.pop_front();
                if let Some(piece) = &piece {
                    *remaining -= piece.len() as u64;
                }
                Poll::Ready(piece.map(|piece| Ok(Frame::data(piece))))
            }
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
        matches!(self, Self::Whole { pieces, .. } if pieces.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Whole { remaining, .. } => SizeHint::with_exact(*remaining),
            Self::Abort { .. } => SizeHint::default(),
        }
    }
}

/// A request body as read within the limits.
pub(crate) enum ReadBody<'a> {
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
pub(crate) async fn read_body<'a>(
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
