//! The emulator's knobs: [`EmulatorBuilder`], [`Instance`] and [`BulkUnknown`].

use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use super::random::{fresh_seed, splitmix64};
use super::state::{RateLimit, Settings, Shared};
use super::{Emulator, server};

/// The window of Clerk's rate limits.
const RATE_WINDOW: Duration = Duration::from_secs(10);

/// The kind of Clerk instance to emulate. It sets the rate limit and the secret key's prefix,
/// which clients read to pick their default pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Instance {
    /// 1000 requests per 10 seconds per key; keys start with `sk_live_`.
    Production,
    /// 100 requests per 10 seconds per key; keys start with `sk_test_`.
    Development,
}

impl Instance {
    /// Requests allowed per 10 seconds per key.
    pub fn requests_per_10s(self) -> u32 {
        match self {
            Self::Production => 1000,
            Self::Development => 100,
        }
    }

    /// The prefix of this instance's secret keys.
    pub fn key_prefix(self) -> &'static str {
        match self {
            Self::Production => "sk_live_",
            Self::Development => "sk_test_",
        }
    }
}

/// What a bulk ban or unban does when some of its ids are unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BulkUnknown {
    /// 404 `resource_not_found`, and no user changes (the default).
    #[default]
    Reject,
    /// The known users change and the 200 array holds only them: the unknown ids are left out.
    Skip,
}

/// How long the head of a request, and then its body, may take to arrive by default.
pub(crate) const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Configures and starts an [`Emulator`].
///
/// Without [`EmulatorBuilder::instance`], the builder keeps its historical defaults, meant for
/// fast tests: an `sk_test_` key with 1000 requests per 10 seconds. With an instance, the key
/// prefix and the limit match that instance, as with Clerk.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    port: u16,
    secret_key: Option<String>,
    instance: Option<Instance>,
    /// `None`: from the instance; `Some(None)`: off; `Some(Some(limit))`: exactly this.
    rate_limit: Option<Option<RateLimit>>,
    path_prefix: String,
    latency: Duration,
    read_timeout: Duration,
    bulk_unknown: BulkUnknown,
    users: Vec<Value>,
    realistic_users: usize,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            secret_key: None,
            instance: None,
            rate_limit: None,
            path_prefix: String::new(),
            latency: Duration::ZERO,
            read_timeout: DEFAULT_READ_TIMEOUT,
            bulk_unknown: BulkUnknown::Reject,
            users: Vec::new(),
            realistic_users: 0,
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

    /// A fixed-window rate limit per key: at most `requests` per `window`.
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = Some(Some(RateLimit { requests, window }));
        self
    }

    /// No rate limit at all.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = Some(None);
        self
    }

    /// A path before `/v1` (as when the base URL has a path, e.g. behind a proxy): with
    /// `"/clerk"` the routes are `/clerk/v1/users/…`, and [`Emulator::base_url`] ends in
    /// `/clerk`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = prefix.into();
        self
    }

    /// Waits this long before every answer (errors included), like a distant server.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// How long a request's head may take to arrive (counted from the end of the previous
    /// request on a kept-alive connection, so it is also the idle timeout), and then its body:
    /// a slower head closes the connection, a slower body gets 408. Default 30 s.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// What a bulk request with unknown ids does (default [`BulkUnknown::Reject`]).
    pub fn bulk_unknown(mut self, mode: BulkUnknown) -> Self {
        self.bulk_unknown = mode;
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

    /// Binds the socket and starts the server thread.
    pub fn start(self) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let prefix = self.instance.unwrap_or(Instance::Development).key_prefix();
        let secret_key = self.secret_key.unwrap_or_else(|| {
            let mut state = fresh_seed();
            format!("{prefix}emulator_{:016x}", splitmix64(&mut state))
        });
        let rate_limit = self.rate_limit.unwrap_or_else(|| {
            Some(RateLimit {
                // Without an instance, the fast default of earlier versions.
                requests: self.instance.map_or(1000, Instance::requests_per_10s),
                window: RATE_WINDOW,
            })
        });
        let shared = Arc::new(Shared::new(Settings {
            secret_key,
            prefix: self.path_prefix,
            rate_limit,
            bulk_unknown: self.bulk_unknown,
            latency: self.latency,
            read_timeout: self.read_timeout,
        }));
        let base_url = format!("http://{addr}{}", shared.decoder.prefix());

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("clerk-emulator-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(server::accept_loop(listener, thread_shared, shutdown_rx));
                // Drops every connection task (and so its socket) at once.
                runtime.shutdown_timeout(Duration::from_secs(1));
            })?;
        let emulator = Emulator {
            shared,
            addr,
            base_url,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        };
        for user in self.users {
            if user.get("id").is_some_and(Value::is_string) {
                emulator.insert_user(user);
            }
        }
        emulator.seed_realistic(self.realistic_users);
        Ok(emulator)
    }
}
