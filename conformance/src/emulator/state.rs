//! What the server's connections and the [`Emulator`](super::handle::Emulator) handle share:
//! the settings fixed at start, and the state behind its locks (users, queued faults, request
//! log, rate-limit window) and counters.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use http::HeaderMap;

use super::answers::TraceIds;
use super::fault::Fault;
use super::knobs::{BulkAnswer, BulkUnknown, NotClerk, RetryAfter};
use super::rate_limit::{Admission, ArrivalWindow, RateLimit};
use super::request_log::{RecordedRequest, RequestLog};
use super::stats::EmulatorStats;
use super::store::UserStore;
use crate::decoder::{Decoder, parse_bearer};

/// What the builder decided, fixed for the emulator's life.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) secret_key: String,
    pub(crate) prefix: String,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) neighbour: Option<RateLimit>,
    pub(crate) retry_after: RetryAfter,
    pub(crate) bulk_unknown: BulkUnknown,
    pub(crate) bulk_answer: BulkAnswer,
    pub(crate) not_applied: bool,
    pub(crate) not_clerk: Option<NotClerk>,
    pub(crate) fail_first: u64,
    pub(crate) latency: Duration,
    pub(crate) read_timeout: Duration,
}

impl Settings {
    /// The defaults of a bare builder, with `secret_key`.
    pub(crate) fn new(secret_key: String) -> Self {
        Self {
            secret_key,
            prefix: String::new(),
            rate_limit: None,
            neighbour: None,
            retry_after: RetryAfter::Seconds,
            bulk_unknown: BulkUnknown::Reject,
            bulk_answer: BulkAnswer::Asked,
            not_applied: false,
            not_clerk: None,
            fail_first: 0,
            latency: Duration::ZERO,
            read_timeout: Duration::from_secs(30),
        }
    }
}

/// Everything the server's connections and the `Emulator` handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) decoder: Decoder,
    pub(crate) trace_ids: TraceIds,
    users: Mutex<UserStore>,
    faults: Mutex<VecDeque<Fault>>,
    log: Mutex<RequestLog>,
    window: Mutex<ArrivalWindow>,
    requests: AtomicU64,
    rate_limited: AtomicU64,
    /// Requests still to be answered with a 500 (`Settings::fail_first` at start).
    failures_left: AtomicU64,
}

/// A lock that a panicking test thread cannot poison for the others.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            decoder: Decoder::with_prefix(&settings.prefix),
            trace_ids: TraceIds::new(),
            users: Mutex::new(UserStore::new()),
            faults: Mutex::new(VecDeque::new()),
            log: Mutex::new(RequestLog::default()),
            window: Mutex::new(ArrivalWindow::new(
                settings.rate_limit,
                settings.neighbour,
                Instant::now(),
            )),
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            failures_left: AtomicU64::new(settings.fail_first),
            settings,
        }
    }

    /// The users, locked.
    pub(crate) fn users(&self) -> MutexGuard<'_, UserStore> {
        lock(&self.users)
    }

    // ---- faults -------------------------------------------------------------------------

    pub(crate) fn push_fault(&self, fault: Fault) {
        lock(&self.faults).push_back(fault);
    }

    pub(crate) fn take_fault(&self) -> Option<Fault> {
        lock(&self.faults).pop_front()
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn pending_faults(&self) -> usize {
        lock(&self.faults).len()
    }

    // ---- request log --------------------------------------------------------------------

    pub(crate) fn record(&self, request: RecordedRequest) {
        lock(&self.log).push(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).requests()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    pub(crate) fn request_count(&self) -> usize {
        lock(&self.log).received()
    }

    // ---- arrivals, the rate limit and the counters ----------------------------------------

    /// Whether `headers` carry this emulator's key. Bodies of other requests are not kept,
    /// and only these requests count in the rate-limit window.
    pub(crate) fn is_authenticated(&self, headers: &HeaderMap) -> bool {
        headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_bearer)
            == Some(self.settings.secret_key.as_str())
    }

    /// Counts a request whose head has just been read.
    pub(crate) fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts the arrival of a request whose head has just been read in the rate-limit window,
    /// when it carries the key and the emulator answers as Clerk, and gives the window's
    /// verdict; `None` when the request is not counted there.
    pub(crate) fn arrive(&self, headers: &HeaderMap) -> Option<Admission> {
        if self.settings.not_clerk.is_some() || !self.is_authenticated(headers) {
            return None;
        }
        let mut window = lock(&self.window);
        // Read under the lock, so that arrivals reach the window in time order.
        Some(window.arrive(Instant::now()))
    }

    /// Counts the answer about to be sent, by its status.
    pub(crate) fn count_answer(&self, status: http::StatusCode) {
        if status == http::StatusCode::TOO_MANY_REQUESTS {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// True (and one fewer left) while the first `fail_first` requests are being answered.
    pub(crate) fn take_failure(&self) -> bool {
        self.failures_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }

    pub(crate) fn reset_rate_limits(&self) {
        lock(&self.window).reset(Instant::now());
    }

    pub(crate) fn stats(&self) -> EmulatorStats {
        let mut window = lock(&self.window);
        EmulatorStats {
            requests: self.requests.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            peak_window: window.peak(),
            neighbour_arrivals: window.neighbour_arrivals(Instant::now()),
            limit: window.limit(),
            window: window.per(),
        }
    }
}
