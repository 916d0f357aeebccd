//! [`EmulatorBuilder`]: every knob of the emulator, and how it starts.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::handle::Emulator;
use super::knobs::{BulkAnswer, BulkUnknown, Instance, NotClerk, RetryAfter};
use super::random::{fresh_seed, splitmix64};
use super::rate_limit::{CLERK_WINDOW, RateLimit};
use super::server;
use super::state::{Settings, Shared};

impl Emulator {
    /// Starts an emulator with the defaults: a free port, a generated `sk_test_` key, 1000
    /// requests per 10 s (Clerk's production limit, so that tests can go fast), no path
    /// prefix, no latency, bulk requests with unknown ids rejected, Clerk's answers.
    pub fn start() -> std::io::Result<Self> {
        EmulatorBuilder::default().start()
    }

    /// A builder for a configured emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures and starts an [`Emulator`].
///
/// Without [`EmulatorBuilder::instance`], the builder keeps its historical defaults, meant for
/// fast tests: an `sk_test_` key with 1000 requests per 10 seconds. With an instance, the key
/// prefix and the limit match that instance, as with Clerk.
///
/// Besides Clerk's own behaviour, it can make the emulator answer the ways a client must
/// survive, for every request of its life: [`not_applied`](EmulatorBuilder::not_applied),
/// [`bulk_answer`](EmulatorBuilder::bulk_answer), [`not_clerk`](EmulatorBuilder::not_clerk),
/// [`fail_first`](EmulatorBuilder::fail_first),
/// [`retry_after`](EmulatorBuilder::retry_after),
/// [`neighbour`](EmulatorBuilder::neighbour). For one request, queue a
/// [`Fault`](super::fault::Fault) instead.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    port: u16,
    secret_key: Option<String>,
    instance: Option<Instance>,
    /// `None`: from the instance; `Some(None)`: off; `Some(Some(limit))`: exactly this.
    rate_limit: Option<Option<RateLimit>>,
    settings: Settings,
    users: Vec<Value>,
    realistic_users: usize,
    user_size: Option<usize>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            secret_key: None,
            instance: None,
            rate_limit: None,
            settings: Settings::new(String::new()),
            users: Vec::new(),
            realistic_users: 0,
            user_size: None,
        }
    }
}

impl EmulatorBuilder {
    /// The port to listen on, on `127.0.0.1`; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The secret key clients must send. The default is the instance's prefix (`sk_test_`
    /// without an instance), `emulator_` and 16 random hex digits.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }

    /// Emulates a production or development instance: its rate limit (unless
    /// [`EmulatorBuilder::rate_limit`] or [`EmulatorBuilder::no_rate_limit`] says otherwise)
    /// and its key prefix (unless [`EmulatorBuilder::secret_key`] gives a key).
    pub fn instance(mut self, instance: Instance) -> Self {
        self.instance = Some(instance);
        self
    }

    /// A rate limit as Clerk counts it: at most `requests` arrivals with the key in any
    /// sliding window of `window`, refused ones included. An arrival over it gets 429 with
    /// `Retry-After` until the window has room. With `requests` 0 every arrival is refused
    /// (for none, [`EmulatorBuilder::no_rate_limit`]).
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = Some(Some(RateLimit::new(requests, window)));
        self
    }

    /// No rate limit at all (arrivals are still counted for the peak, over 10 s windows).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = Some(None);
        self
    }

    /// Another client of the same key that spends its budget: `requests` phantom arrivals per
    /// `per`, spread evenly over time, as if it had been sending since before the start. They
    /// count in the rate-limit window like real arrivals, but not in
    /// [`EmulatorStats::requests`](super::stats::EmulatorStats::requests) nor in its peak; they
    /// are reported apart, as
    /// [`EmulatorStats::neighbour_arrivals`](super::stats::EmulatorStats::neighbour_arrivals).
    pub fn neighbour(mut self, requests: u32, per: Duration) -> Self {
        self.settings.neighbour = Some(RateLimit::new(requests, per));
        self
    }

    /// How the rate limit's 429 answers give `Retry-After` (default
    /// [`RetryAfter::Seconds`]).
    pub fn retry_after(mut self, form: RetryAfter) -> Self {
        self.settings.retry_after = form;
        self
    }

    /// A path before `/v1` (as when the base URL has a path, e.g. behind a proxy): with
    /// `"/clerk"` the routes are `/clerk/v1/users/…`, and [`Emulator::base_url`] ends in
    /// `/clerk`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.prefix = prefix.into();
        self
    }

    /// Waits this long before every answer (errors included), like a distant server. The
    /// arrival is counted in the rate-limit window before the wait.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.settings.latency = latency;
        self
    }

    /// How long a request's head may take to arrive (counted from the end of the previous
    /// request on a kept-alive connection, so it is also the idle timeout), and then its body:
    /// a slower head closes the connection, a slower body gets 408. Default 30 s.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.settings.read_timeout = timeout;
        self
    }

    /// What a bulk request with unknown ids does (default [`BulkUnknown::Reject`]).
    pub fn bulk_unknown(mut self, mode: BulkUnknown) -> Self {
        self.settings.bulk_unknown = mode;
        self
    }

    /// Which users a bulk ban or unban answers with (default [`BulkAnswer::Asked`]).
    pub fn bulk_answer(mut self, answer: BulkAnswer) -> Self {
        self.settings.bulk_answer = answer;
        self
    }

    /// Every ban, unban, lock and unlock (single or bulk) answers 200 but changes nothing: the
    /// answer shows the users as they are.
    pub fn not_applied(mut self) -> Self {
        self.settings.not_applied = true;
        self
    }

    /// Every request is answered by a server that is not Clerk (as at a wrong base URL behind
    /// a proxy): no check, no state change, no rate limit.
    pub fn not_clerk(mut self, answer: NotClerk) -> Self {
        self.settings.not_clerk = Some(answer);
        self
    }

    /// The first `requests` requests get Clerk's `500 internal_clerk_error` (nothing changes),
    /// then service is normal.
    pub fn fail_first(mut self, requests: u64) -> Self {
        self.settings.fail_first = requests;
        self
    }

    /// Users to serve, each a JSON object with a string `"id"`, exactly as given (see
    /// [`Emulator::insert_user`]). Objects without an id are skipped.
    pub fn users(mut self, users: impl IntoIterator<Item = Value>) -> Self {
        self.users.extend(users);
        self
    }

    /// Seeds `n` realistic users at start (see [`Emulator::seed_realistic`]).
    pub fn seed(mut self, n: usize) -> Self {
        self.realistic_users = n;
        self
    }

    /// Grows the users of [`EmulatorBuilder::seed`] to about `bytes` bytes of JSON each (see
    /// [`Emulator::seed_large`]).
    pub fn seed_size(mut self, bytes: usize) -> Self {
        self.user_size = Some(bytes);
        self
    }

    /// Binds the socket and starts the server thread.
    pub fn start(self) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let prefix = self.instance.unwrap_or(Instance::Development).key_prefix();
        let mut settings = self.settings;
        settings.secret_key = self.secret_key.unwrap_or_else(|| {
            let mut state = fresh_seed();
            format!("{prefix}emulator_{:016x}", splitmix64(&mut state))
        });
        settings.rate_limit = self.rate_limit.unwrap_or_else(|| {
            // Without an instance, the fast default of earlier versions.
            let requests = self.instance.map_or(1000, Instance::requests_per_10s);
            Some(RateLimit::new(requests, CLERK_WINDOW))
        });
        let shared = Arc::new(Shared::new(settings));
        let running = server::spawn(listener, Arc::clone(&shared))?;
        let emulator = Emulator::new(shared, addr, running);
        for user in self.users {
            if user.get("id").is_some_and(Value::is_string) {
                emulator.insert_user(user);
            }
        }
        match self.user_size {
            None => emulator.seed_realistic(self.realistic_users),
            Some(bytes) => emulator.seed_large(self.realistic_users, bytes),
        };
        Ok(emulator)
    }
}
