//! [`Emulator`]: the handle on a running emulator, for tests: its address and key, its users,
//! its faults, what it received and counted, and how to stop it.

use std::io::{self, BufReader, Read};
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use http::{Request, Response};
use serde_json::Value;
use tokio::sync::oneshot;

use super::api::{self, ActionAnswer, ApiRequest};
use super::fault::Fault;
use super::request_log::RecordedRequest;
use super::server::Running;
use super::state::Shared;
use super::stats::EmulatorStats;
use super::store::StoredUser;
use super::users::LOCKOUT_SECONDS;
use super::users_file::ArrayElements;

/// A running emulator. Dropping it (or [`Emulator::shutdown`]) stops the server, closes every
/// connection and joins its thread.
///
/// It is made by [`Emulator::start`] or an
/// [`EmulatorBuilder`](super::builder::EmulatorBuilder).
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// The handle on a server that `running` serves at `addr`.
    pub(crate) fn new(shared: Arc<Shared>, addr: SocketAddr, running: Running) -> Self {
        let base_url = format!("http://{addr}{}", shared.decoder.prefix());
        Self {
            shared,
            addr,
            base_url,
            shutdown: Some(running.shutdown),
            thread: Some(running.thread),
        }
    }

    /// The base URL clients should use, e.g. `http://127.0.0.1:43125` (with the path prefix,
    /// if one was configured, and no trailing `/`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The secret key clients must send as `Authorization: Bearer <key>`.
    pub fn secret_key(&self) -> &str {
        &self.shared.settings.secret_key
    }

    // ---- users -----------------------------------------------------------------------------

    /// Creates a normal user (not banned, not locked) and returns its id: `id` if given
    /// (replacing any user with that id), else a generated `user_…` id (deterministic: the
    /// same sequence in every emulator).
    pub fn seed_user(&self, id: Option<&str>) -> String {
        self.shared.users().seed_user(id, |_| {})
    }

    /// Creates a banned user and returns its id.
    pub fn seed_banned_user(&self) -> String {
        self.shared
            .users()
            .seed_user(None, |user| user["banned"] = true.into())
    }

    /// Creates a locked user (lockout expiring in an hour, no attempts left) and returns its id.
    pub fn seed_locked_user(&self) -> String {
        self.shared.users().seed_user(None, |user| {
            user["locked"] = true.into();
            user["lockout_expires_in_seconds"] = LOCKOUT_SECONDS.into();
            user["verification_attempts_remaining"] = 0.into();
        })
    }

    /// Creates `n` normal users and returns their ids, in creation order.
    pub fn seed(&self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.seed_user(None)).collect()
    }

    /// Creates `n` realistic users and returns their ids, in creation order: varied names,
    /// email addresses on reserved example domains, usernames (some missing), some external
    /// ids, creation times spread over the year before the emulator's epoch (2024-05-28), last
    /// sign-in and activity times after that (some never signed in). Every tenth user from the
    /// second on is banned, and every tenth from the third on is locked, so three or more
    /// users include both. The users are the same in every emulator; their ids too, for a
    /// fresh emulator.
    pub fn seed_realistic(&self, n: usize) -> Vec<String> {
        self.shared.users().seed_realistic(n, None)
    }

    /// Like [`Emulator::seed_realistic`], with users grown to about `bytes` bytes of JSON each
    /// (never smaller than a realistic user), as long-lived accounts are: metadata up to 7 KB,
    /// then more email addresses, phone numbers, OAuth accounts, web3 wallets and passkeys.
    /// Users of 12 KB to 64 KB are what Clerk serves for such accounts.
    pub fn seed_large(&self, n: usize, bytes: usize) -> Vec<String> {
        self.shared.users().seed_realistic(n, Some(bytes))
    }

    /// Inserts (or replaces) a user given as a whole JSON object, exactly as it should be
    /// served, and returns its id. Moderation operations change `banned`, `locked`,
    /// `lockout_expires_in_seconds`, `verification_attempts_remaining` and `updated_at` and
    /// leave every other field as given.
    ///
    /// # Panics
    ///
    /// When `user` is not an object with a string `"id"`.
    pub fn insert_user(&self, user: Value) -> String {
        let id = user
            .get("id")
            .and_then(Value::as_str)
            .expect("insert_user: the user must be a JSON object with a string \"id\"")
            .to_owned();
        self.shared.users().insert(id.clone(), user);
        id
    }

    /// Inserts (or replaces) every user of a JSON array read from `reader`, each an object
    /// with a string `"id"` served exactly as given (see [`Emulator::insert_user`]), and
    /// returns their ids in order. The array is read one element at a time, so that a file of
    /// 10 000 users of 40 KB is never held whole. An `InvalidData` error, whose message names
    /// the item at fault, stops at the first element that is not such a user (those before it
    /// stay inserted).
    pub fn insert_users_from(&self, reader: impl Read) -> io::Result<Vec<String>> {
        let mut elements = ArrayElements::new(BufReader::with_capacity(1 << 16, reader));
        let mut ids = Vec::new();
        while let Some(user) = elements.next_value()? {
            let Some(id) = user.get("id").and_then(Value::as_str).map(str::to_owned) else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("item {} is not an object with a string \"id\"", ids.len()),
                ));
            };
            self.shared.users().insert(id.clone(), user);
            ids.push(id);
        }
        Ok(ids)
    }

    /// The current state of a user, as `GET /v1/users/{id}` would return it.
    pub fn user(&self, id: &str) -> Option<Value> {
        self.shared.users().get(id).map(StoredUser::to_value)
    }

    /// Removes a user (later requests for it answer 404) and returns it.
    pub fn remove_user(&self, id: &str) -> Option<Value> {
        self.shared.users().remove(id)
    }

    /// The ids of all users, sorted.
    pub fn user_ids(&self) -> Vec<String> {
        self.shared.users().ids()
    }

    // ---- faults ------------------------------------------------------------------------------

    /// Queues a fault for the next request that has none yet (first in, first out).
    pub fn push_fault(&self, fault: Fault) {
        self.shared.push_fault(fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// How many faults are still queued.
    pub fn pending_faults(&self) -> usize {
        self.shared.pending_faults()
    }

    // ---- request log, rate limit, counts -----------------------------------------------------

    /// The requests received so far (faulted ones included), in arrival order: the newest
    /// [`MAX_RECORDED_REQUESTS`](super::request_log::MAX_RECORDED_REQUESTS) within
    /// [`MAX_RECORDED_BYTES`](super::request_log::MAX_RECORDED_BYTES), so that a long-running
    /// emulator does not grow without bound.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// How many requests were received since the log was last cleared (all of them, even those
    /// the log no longer keeps).
    pub fn request_count(&self) -> usize {
        self.shared.request_count()
    }

    /// Empties the rate-limit window: the next arrivals find it as at the start (the
    /// neighbour, if any, goes on from now). The counts of [`Emulator::stats`] stay.
    pub fn reset_rate_limits(&self) {
        self.shared.reset_rate_limits();
    }

    /// What the emulator has counted since it started: requests, 429s, the peak window.
    pub fn stats(&self) -> EmulatorStats {
        self.shared.stats()
    }

    /// The most arrivals with the emulator's key seen in any window of the rate limit (10 s
    /// unless configured otherwise), refused ones included, the neighbour's not.
    pub fn peak_window_arrivals(&self) -> u64 {
        self.stats().peak_window
    }

    /// How many 429 answers the emulator has sent, whatever their cause.
    pub fn rate_limited(&self) -> u64 {
        self.stats().rate_limited
    }

    // ---- without the network -----------------------------------------------------------------

    /// Answers a request without the network, as the server would without a fault: it is
    /// counted, recorded, checked (key, version, rate limit) and applied to the users, with the
    /// behaviours the emulator was started with. Queued faults are left for the server, there
    /// is no latency, and no `Host` check. `req`'s URI may be a bare path (`/v1/users/…`) or
    /// absolute.
    pub fn handle(&self, req: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let target = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
        let shared = &self.shared;
        let request = ApiRequest {
            method: req.method(),
            target: &target,
            headers: req.headers(),
            body: req.body(),
        };
        let answer = if request.is_stats() {
            api::stats_answer(shared)
        } else {
            shared.count_request();
            let admission = shared.arrive(req.headers());
            let authenticated = shared.is_authenticated(req.headers());
            shared.record(RecordedRequest {
                method: req.method().clone(),
                path: target.clone(),
                headers: req.headers().clone(),
                body: if authenticated {
                    req.body().clone()
                } else {
                    Vec::new()
                },
            });
            api::answer(
                shared,
                &request,
                admission,
                ActionAnswer::of(&shared.settings),
            )
        };
        shared.count_answer(answer.status());
        answer.map(|frames| frames.to_vec())
    }

    /// Stops the server, closes every connection (even one waiting in a [`Fault::Delay`]) and
    /// joins the server thread.
    pub fn shutdown(self) {
        drop(self);
    }

    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}
