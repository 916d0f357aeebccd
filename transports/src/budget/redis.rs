//! `RedisBudget`: one window shared by a fleet, kept in Redis by one atomic script.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clerk_moderation_core::{RateLimit, SecretKey};
use redis::{ConnectionAddr, Script};

use super::deferred::{Deferred, Release, Releases};
use super::hold_off::HoldOff;
use super::{Budget, BudgetError, Slot, Take};

/// The window's rule, the core's [`SharedWindow`](clerk_moderation_core::SharedWindow) as one
/// script, so that a decision and its writes are one atomic step of Redis:
///
/// - the window is a sorted set: each held place is a member (the slot) scored by when it
///   frees (milliseconds on Redis's clock, `TIME`, so that every process of a fleet reads the
///   same clock);
/// - releases (any number, held back by the caller) hold each slot's place a window from now
///   (the clock rounded up), adding it again if its lease ran out;
/// - a take forgets the places freed by now (the clock rounded down), grants a place held for
///   the lease if fewer than the limit are held, else answers when the place that must free
///   first frees;
/// - the key expires when its last place frees, so nothing lingers.
///
/// `KEYS[1]`: the window. `ARGV`: the count of releases, then a slot and a window in ms for
/// each, then optionally `take`, a slot, the limit and the lease in ms. Answers `{1, 0}`
/// (granted, or released only) or `{0, wait in ms}`.
const SCRIPT: &str = r"
if redis.replicate_commands then pcall(redis.replicate_commands) end
local key = KEYS[1]
local time = redis.call('TIME')
local seconds, micros = tonumber(time[1]), tonumber(time[2])
local function expire_with_last_place()
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', key, last[2]) end
end
local releases = tonumber(ARGV[1])
if releases > 0 then
  local now = seconds * 1000 + math.ceil(micros / 1000)
  for i = 0, releases - 1 do
    local until_ms = string.format('%d', now + tonumber(ARGV[3 + 2 * i]))
    redis.call('ZADD', key, until_ms, ARGV[2 + 2 * i])
  end
end
local at = 2 + 2 * releases
if ARGV[at] ~= 'take' then
  expire_with_last_place()
  return {1, 0}
end
local slot, limit, lease = ARGV[at + 1], tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
local now = seconds * 1000 + math.floor(micros / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now))
local held = redis.call('ZCARD', key)
local answer = {1, 0}
if held >= limit then
  local first = redis.call('ZRANGE', key, held - limit, held - limit, 'WITHSCORES')
  answer = {0, tonumber(first[2]) - now}
elseif redis.call('ZADD', key, 'NX', string.format('%d', now + lease), slot) == 0 then
  -- NX: a slot name already held (a one in 2^64 draw) must not shorten that place.
  answer = {0, 0}
end
if held > 0 or answer[1] == 1 then expire_with_last_place() end
return answer
";

/// The most idle connections a `RedisBudget` keeps for blocking callers.
const IDLE_CONNECTIONS: usize = 32;

/// A rate window shared by every process that reaches one Redis, for a fleet of servers (and
/// operators' runs) using one Clerk instance.
///
/// A [`take`](Budget::take) is one round trip: one atomic Lua script (`EVALSHA`, loaded again
/// if Redis lost it) that writes the releases held back since the last one and keeps the core's
/// [`SharedWindow`](clerk_moderation_core::SharedWindow) rule on a sorted set, with Redis's own
/// `TIME` as the clock. The key is `clerk-moderation:budget:<fingerprint>`, named by the
/// secret key's [fingerprint](SecretKey::fingerprint), never the key; it expires when its last
/// place frees. Requests of this process that a wait would only answer with the same wait do
/// not ask Redis again within it (see the module docs). A [`release`](Budget::release) is held
/// back to go with the next take, or sent by a thread of the budget's own within 25 ms, or when
/// the budget is dropped: a place is then held that much longer, never less, and a busy run
/// makes one round trip per request instead of two.
///
/// Blocking callers ([`Budget`]) each use a connection of a small pool; async callers
/// ([`AsyncBudget`](super::AsyncBudget), with the `tokio` feature) share one multiplexed
/// connection. A connection that failed is dropped; the next call connects anew.
///
/// # When Redis cannot be reached
///
/// Every call is bounded: 1 s to connect and 1 s for an answer by default
/// ([`RedisBudget::with_timeouts`]), so a dead or frozen Redis gives an error promptly instead
/// of holding a worker. The clients then send nothing for that request: they ask again for up
/// to [`STORE_RETRY`](super::STORE_RETRY), then fail it as *not sent* and transient; the run
/// retries it within its user's deadline, and stops after its limit of transport failures in a
/// row, the users left `not_attempted` (or `failed`, when their deadline came first). Clerk's
/// limit is never exceeded for want of Redis. A Redis that comes back empty (restarted without
/// persistence) has forgotten the places held in the last window: for one window the fleet may
/// overspend, which the runs' own pace bounds and a 429 teaches.
///
/// Errors name the store as `redis://host:port/db`: never a user name or password from the URL.
/// No TLS: a `rediss://` URL is refused when the budget is made.
///
/// ```no_run
/// use clerk_moderation_core::{ApiConfig, SecretKey};
/// use clerk_moderation_transports::Client;
/// use clerk_moderation_transports::budget::RedisBudget;
/// use std::sync::Arc;
///
/// let key = SecretKey::new("sk_live_...").unwrap();
/// let budget = RedisBudget::for_instance("redis://10.0.0.5:6379/0", &key)?;
/// budget.check()?; // reachable, and runs scripts
/// # let transport = |_: http::Request<Vec<u8>>| http::Response::builder().body(Vec::new());
/// let client = Client::new(ApiConfig::new(key), transport).with_budget(Arc::new(budget));
/// # Ok::<(), clerk_moderation_transports::budget::BudgetError>(())
/// ```
pub struct RedisBudget {
    store: Arc<RedisStore>,
    #[cfg(feature = "tokio")]
    shared: Mutex<Option<redis::aio::MultiplexedConnection>>,
    hold_off: HoldOff,
    deferred: Arc<Deferred>,
}

/// The connections and the script, shared with the thread that sends held-back releases.
struct RedisStore {
    client: redis::Client,
    key: String,
    name: String,
    password: Option<String>,
    /// Connect and response timeouts.
    timeouts: Mutex<(Duration, Duration)>,
    script: Script,
    idle: Mutex<Vec<redis::Connection>>,
    round_trips: AtomicU64,
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudget")
            .field("store", &self.store.name)
            .field("key", &self.store.key)
            .field("timeouts", &self.store.timeouts())
            .finish_non_exhaustive()
    }
}

/// One call of the script: releases held back, and maybe a take.
struct Op {
    releases: Vec<Release>,
    take: Option<(Slot, u32, u64)>,
}

impl RedisBudget {
    /// The default bound on connecting.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
    /// The default bound on waiting for an answer.
    pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

    /// The window of the instance `key` belongs to, in the Redis at `url`
    /// (`redis://[[user]:password@]host[:port][/db]`, or `redis+unix:///path`). Nothing is
    /// connected yet ([`RedisBudget::check`] does); an address that cannot be one is an error.
    pub fn for_instance(url: &str, key: &SecretKey) -> Result<Self, BudgetError> {
        let client = redis::Client::open(url).map_err(|error| {
            BudgetError::new(
                "redis",
                "read its address",
                Scrubbed::new(&error, password_in(url)),
            )
        })?;
        let info = client.get_connection_info();
        let db = info.redis_settings().db();
        let name = match info.addr() {
            ConnectionAddr::Tcp(host, port) => format!("redis://{host}:{port}/{db}"),
            ConnectionAddr::Unix(path) => format!("redis+unix://{}?db={db}", path.display()),
            _ => format!("redis at {}/{db}", host_of(url)),
        };
        let store = RedisStore {
            password: info.redis_settings().password().map(str::to_owned),
            client,
            key: format!("clerk-moderation:budget:{}", key.fingerprint()),
            name,
            timeouts: Mutex::new((
                Self::DEFAULT_CONNECT_TIMEOUT,
                Self::DEFAULT_RESPONSE_TIMEOUT,
            )),
            script: Script::new(SCRIPT),
            idle: Mutex::new(Vec::new()),
            round_trips: AtomicU64::new(0),
        };
        Ok(Self {
            store: Arc::new(store),
            #[cfg(feature = "tokio")]
            shared: Mutex::new(None),
            hold_off: HoldOff::default(),
            deferred: Arc::default(),
        })
    }

    /// Bounds connecting and each answer (zero means the default), for the connections made
    /// from now on.
    pub fn with_timeouts(self, connect: Duration, response: Duration) -> Self {
        let or_default = |given: Duration, default| if given.is_zero() { default } else { given };
        *self
            .store
            .timeouts
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = (
            or_default(connect, Self::DEFAULT_CONNECT_TIMEOUT),
            or_default(response, Self::DEFAULT_RESPONSE_TIMEOUT),
        );
        self
    }

    /// The Redis key of the window: `clerk-moderation:budget:<fingerprint>`.
    pub fn key(&self) -> &str {
        &self.store.key
    }

    /// The store, as errors name it: `redis://host:port/db`, without user or password.
    pub fn store(&self) -> &str {
        &self.store.name
    }

    /// Script calls made so far (each one round trip, a reload of the script aside).
    pub fn round_trips(&self) -> u64 {
        self.store.round_trips.load(Ordering::Relaxed)
    }

    /// Connects and loads the script: whether Redis can be reached, accepts the credentials and
    /// runs scripts, before a run depends on it.
    pub fn check(&self) -> Result<(), BudgetError> {
        let mut connection = self.store.connection()?;
        self.store
            .script
            .prepare_invoke()
            .load(&mut connection)
            .map_err(|e| self.store.error("load the script", &e))?;
        self.store.give_back(connection);
        Ok(())
    }

    fn take_now(&self, limit: RateLimit, lease: Duration) -> Result<Take, BudgetError> {
        let op = match self.prepare_take(limit, lease) {
            Err(wait) => return Ok(wait),
            Ok(op) => op,
        };
        let answer = self.store.call(&op);
        self.decide(op, limit, answer)
    }

    /// The script call a take makes (with the releases held back), or the wait this process
    /// already knows of.
    fn prepare_take(&self, limit: RateLimit, lease: Duration) -> Result<Op, Take> {
        if let Some(wait) = self.hold_off.waiting(limit) {
            return Err(wait);
        }
        Ok(Op {
            releases: self.deferred.take_all(),
            take: Some((Slot::random(), limit.requests, millis(lease))),
        })
    }

    /// What the script's answer to a take means (noted for the other requests of the
    /// process); a failed call keeps its releases for the next.
    fn decide(
        &self,
        op: Op,
        limit: RateLimit,
        answer: Result<(i64, i64), BudgetError>,
    ) -> Result<Take, BudgetError> {
        let (granted, wait) = answer.inspect_err(|_| self.deferred.put_back(op.releases))?;
        let take = match op.take {
            Some((slot, ..)) if granted == 1 => Take::Granted(slot),
            _ => Take::Wait(Duration::from_millis(u64::try_from(wait).unwrap_or(0))),
        };
        self.hold_off.note(take, limit, Instant::now());
        Ok(take)
    }

    /// Holds the release back for the next take (see the module docs).
    fn release_now(&self, slot: Slot, per: Duration) -> Result<(), BudgetError> {
        self.deferred.release(&self.store, (slot, per))
    }
}

impl Drop for RedisBudget {
    fn drop(&mut self) {
        self.deferred.close_into(self.store.as_ref());
    }
}

impl Releases for RedisStore {
    /// Sends releases alone.
    fn release(&self, releases: &[Release]) -> Result<(), BudgetError> {
        let op = Op {
            releases: releases.to_vec(),
            take: None,
        };
        self.call(&op).map(|_| ())
    }
}

impl RedisStore {
    fn timeouts(&self) -> (Duration, Duration) {
        *self.timeouts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One script call over a pooled blocking connection.
    fn call(&self, op: &Op) -> Result<(i64, i64), BudgetError> {
        let mut connection = self.connection()?;
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        let answer = self
            .invocation(op)
            .invoke(&mut connection)
            .map_err(|e| self.error(op.what(), &e))?;
        self.give_back(connection);
        Ok(answer)
    }

    fn invocation(&self, op: &Op) -> redis::ScriptInvocation<'_> {
        let mut invocation = self.script.key(&self.key);
        invocation.arg(op.releases.len());
        for (slot, per) in &op.releases {
            invocation.arg(slot.0).arg(millis(*per));
        }
        if let Some((slot, limit, lease)) = op.take {
            invocation.arg("take").arg(slot.0).arg(limit).arg(lease);
        }
        invocation
    }

    /// An idle connection, or a new one with the timeouts set.
    fn connection(&self) -> Result<redis::Connection, BudgetError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(connection) = idle {
            return Ok(connection);
        }
        let (connect, response) = self.timeouts();
        let connection = self
            .client
            .get_connection_with_timeout(connect)
            .map_err(|e| self.error("connect", &e))?;
        connection
            .set_read_timeout(Some(response))
            .and_then(|()| connection.set_write_timeout(Some(response)))
            .map_err(|e| self.error("connect", &e))?;
        Ok(connection)
    }

    /// Keeps a connection that answered for the next call. One that failed is never given
    /// back: an answer arriving after its timeout would be read as the next call's.
    fn give_back(&self, connection: redis::Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(connection);
        }
    }

    fn error(&self, what: &'static str, error: &redis::RedisError) -> BudgetError {
        BudgetError::new(
            self.name.clone(),
            what,
            Scrubbed::new(error, self.password.as_deref()),
        )
    }
}

impl Op {
    fn what(&self) -> &'static str {
        if self.take.is_some() {
            "take a place"
        } else {
            "release places"
        }
    }
}

impl Budget for RedisBudget {
    fn take(&self, limit: RateLimit, lease: Duration) -> Result<Take, BudgetError> {
        self.take_now(limit, lease)
    }

    fn release(&self, slot: Slot, per: Duration) -> Result<(), BudgetError> {
        self.release_now(slot, per)
    }
}

#[cfg(feature = "tokio")]
mod asynchronous {
    use std::sync::PoisonError;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use clerk_moderation_core::RateLimit;
    use redis::aio::MultiplexedConnection;

    use super::{Op, RedisBudget};
    use crate::budget::{AsyncBudget, BudgetError, Slot, StoreFuture, Take};

    impl RedisBudget {
        /// The shared multiplexed connection, connected on first use (and after a failure).
        async fn shared(&self) -> Result<MultiplexedConnection, BudgetError> {
            let existing = self
                .shared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if let Some(connection) = existing {
                return Ok(connection);
            }
            let (connect, response) = self.store.timeouts();
            let config = redis::AsyncConnectionConfig::new()
                .set_connection_timeout(Some(connect))
                .set_response_timeout(Some(response));
            let connection = self
                .store
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .map_err(|e| self.store.error("connect", &e))?;
            *self.shared.lock().unwrap_or_else(PoisonError::into_inner) = Some(connection.clone());
            Ok(connection)
        }

        async fn call_async(&self, op: &Op) -> Result<(i64, i64), BudgetError> {
            let mut connection = self.shared().await?;
            self.store.round_trips.fetch_add(1, Ordering::Relaxed);
            let answer = self
                .store
                .invocation(op)
                .invoke_async(&mut connection)
                .await;
            answer.map_err(|e| {
                // The next call connects anew.
                *self.shared.lock().unwrap_or_else(PoisonError::into_inner) = None;
                self.store.error(op.what(), &e)
            })
        }
    }

    /// The same rule and held-back releases as the blocking calls; the releases held back
    /// longer than a moment are sent by the store's thread, over a blocking connection.
    impl AsyncBudget for RedisBudget {
        fn take(&self, limit: RateLimit, lease: Duration) -> StoreFuture<'_, Take> {
            Box::pin(async move {
                let op = match self.prepare_take(limit, lease) {
                    Err(wait) => return Ok(wait),
                    Ok(op) => op,
                };
                let answer = self.call_async(&op).await;
                self.decide(op, limit, answer)
            })
        }

        fn release(&self, slot: Slot, per: Duration) -> StoreFuture<'_, ()> {
            let released = self.release_now(slot, per);
            Box::pin(async move { released })
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The password in a `redis://user:password@host` URL, if any (to scrub from error texts).
fn password_in(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let (userinfo, _) = rest.split_once('@')?;
    userinfo.split_once(':').map(|(_, password)| password)
}

/// The host of a URL, without user or password.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    rest.split(['/', '?']).next().unwrap_or_default()
}

/// A Redis error's text, with the password (if it ever shows) replaced.
#[derive(Debug)]
struct Scrubbed(String);

impl Scrubbed {
    fn new(error: &redis::RedisError, password: Option<&str>) -> Self {
        let mut text = error.to_string();
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            text = text.replace(password, "***");
        }
        Self(text)
    }
}

impl fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Scrubbed {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_is_named_without_credentials() {
        let key = SecretKey::new("sk_live_Hidden").unwrap();
        let budget =
            RedisBudget::for_instance("redis://admin:hunter2@10.1.2.3:6380/4", &key).unwrap();
        assert_eq!(budget.store(), "redis://10.1.2.3:6380/4");
        assert_eq!(
            budget.key(),
            format!("clerk-moderation:budget:{}", key.fingerprint())
        );
        let shown = format!("{budget:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("admin") && !shown.contains("Hidden")
        );
        assert_eq!(password_in("redis://:pw@h:1/0"), Some("pw"));
        assert_eq!(password_in("redis://h:1/0"), None);
        assert_eq!(host_of("rediss://u:p@host:1/0"), "host:1");
    }

    #[test]
    fn an_address_that_is_not_one_is_refused_without_showing_it() {
        let key = SecretKey::new("sk_live_x").unwrap();
        for url in ["http://u:hunter2@host/0", "rediss://u:hunter2@host:6379/0"] {
            let error = RedisBudget::for_instance(url, &key).unwrap_err();
            let text = format!("{error}: {}", std::error::Error::source(&error).unwrap());
            assert!(!text.contains("hunter2"), "{text}");
        }
    }
}
