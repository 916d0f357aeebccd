//! The request log: [`RecordedRequest`], the newest requests bounded in entries and in bytes,
//! and a count of all.

use std::collections::VecDeque;

use http::{HeaderMap, Method};

/// The most requests the log keeps: a long-running emulator (a benchmark, a shared test server)
/// must not grow without bound. The count of requests received goes on past it.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;

/// The most bytes the log keeps (as [`RecordedRequest::approximate_size`] counts them): 32 MiB,
/// so that large bodies cannot stack up to gigabytes within the entry limit.
pub const MAX_RECORDED_BYTES: usize = 32 * 1024 * 1024;

/// A request as the emulator received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The raw request target: path and query as received, not percent-decoded.
    pub path: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body; empty when the request did not carry the emulator's key (such bodies are read
    /// and discarded, never kept), when it was over
    /// [`MAX_REQUEST_BODY`](super::body::MAX_REQUEST_BODY) or too slow, or when it alone was
    /// larger than the log's byte limit.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// What this entry costs the log, roughly: its bytes and a fixed overhead per header and
    /// per entry, as counted against [`MAX_RECORDED_BYTES`].
    pub fn approximate_size(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 64)
            .sum();
        256 + self.path.len() + headers + self.body.len()
    }
}

/// The newest requests within both limits, oldest first.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<(RecordedRequest, usize)>,
    bytes: usize,
    /// Requests received since the log was last cleared, the dropped ones included.
    received: usize,
}

impl RequestLog {
    /// Appends `request`, dropping the oldest entries until both limits hold. A single request
    /// larger than the byte limit is kept without its body.
    pub(crate) fn push(&mut self, mut request: RecordedRequest) {
        self.received += 1;
        let mut size = request.approximate_size();
        if size > MAX_RECORDED_BYTES {
            size -= request.body.len();
            request.body = Vec::new();
        }
        while self.entries.len() >= MAX_RECORDED_REQUESTS || self.bytes + size > MAX_RECORDED_BYTES
        {
            match self.entries.pop_front() {
                Some((_, dropped)) => self.bytes -= dropped,
                None => break,
            }
        }
        self.bytes += size;
        self.entries.push_back((request, size));
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.entries.iter().map(|(r, _)| r.clone()).collect()
    }

    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    pub(crate) fn received(&self) -> usize {
        self.received
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body_len: usize) -> RecordedRequest {
        RecordedRequest {
            method: Method::POST,
            path: "/v1/users/ban".into(),
            headers: HeaderMap::new(),
            body: vec![b'x'; body_len],
        }
    }

    #[test]
    fn bounded_in_bytes_and_entries() {
        let mut log = RequestLog::default();
        for _ in 0..100 {
            log.push(request(1024 * 1024));
        }
        assert!(log.bytes() <= MAX_RECORDED_BYTES);
        assert!(log.requests().len() < 32);
        assert!(log.requests().len() > 16);
        assert_eq!(log.received(), 100);

        let mut log = RequestLog::default();
        for _ in 0..MAX_RECORDED_REQUESTS + 5 {
            log.push(request(0));
        }
        assert_eq!(log.requests().len(), MAX_RECORDED_REQUESTS);
        assert_eq!(log.received(), MAX_RECORDED_REQUESTS + 5);
    }

    #[test]
    fn a_request_over_the_byte_limit_is_kept_without_its_body() {
        let mut log = RequestLog::default();
        log.push(request(1));
        log.push(request(MAX_RECORDED_BYTES + 1));
        let kept = log.requests();
        assert_eq!(kept.len(), 2);
        assert!(kept[1].body.is_empty());
        assert!(log.bytes() < 1024);
        log.clear();
        assert_eq!(log.received(), 0);
        assert!(log.requests().is_empty());
    }
}
