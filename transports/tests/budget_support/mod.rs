//! What the budget tests share: the cases every store must pass, and a `redis-server` of the
//! test's own on 127.0.0.1, stopped by its pid when dropped.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::Mutex;

use clerk_moderation_core::{Action, RateLimit, RunOptions, UserOutcome};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::budget::{Budget, Take};

use crate::support::{config, path_user_id, uid, user_json};

/// How long a `redis-server` may take to answer after it starts.
const REDIS_START: Duration = Duration::from_secs(10);

/// When each request reached a recording transport.
pub type Arrivals = Arc<Mutex<Vec<Instant>>>;

/// What a closure transport answers.
pub type Canned = Result<http::Response<Vec<u8>>, std::io::Error>;

/// A transport that notes when each request reaches it, and answers as Clerk does for an
/// unlock.
pub fn recording(arrivals: Arrivals) -> impl Fn(http::Request<Vec<u8>>) -> Canned + Clone {
    move |request| {
        arrivals.lock().unwrap().push(Instant::now());
        Ok(http::Response::new(
            user_json(&path_user_id(request.uri().path())).into_bytes(),
        ))
    }
}

/// Checks that no window of `limit.per` saw more than `limit.requests` of `arrivals`.
#[track_caller]
pub fn assert_within(arrivals: &Arrivals, limit: RateLimit) {
    let mut arrivals = arrivals.lock().unwrap().clone();
    arrivals.sort_unstable();
    let n = limit.requests as usize;
    for window in arrivals.windows(n + 1) {
        let spread = window[n].duration_since(window[0]);
        assert!(spread >= limit.per, "{} requests within {spread:?}", n + 1);
    }
}

/// The options of a run that shares a budget: `limit`, 4 in flight, no lone first request.
pub fn shared_run_options(limit: RateLimit) -> RunOptions {
    RunOptions::default()
        .with_rate_limit(limit)
        .with_concurrency(4)
        .with_first_request_alone(false)
}

/// Two runs of `users` unlocks each, on two threads, sharing `budget`: how many each got done,
/// and when their requests arrived.
pub fn two_runs_sharing(
    budget: Arc<dyn Budget>,
    limit: RateLimit,
    users: usize,
) -> ((usize, usize), Arrivals) {
    let arrivals = Arrivals::default();
    let run = |prefix: &str| {
        let client = Client::new(config("https://api.clerk.com"), recording(arrivals.clone()))
            .with_budget(budget.clone());
        let ids: Vec<_> = (0..users)
            .map(|i| uid(&format!("user_{prefix}{i}")))
            .collect();
        let report = client.run(
            Action::Unlock,
            ids,
            shared_run_options(limit),
            |_: UserOutcome| {},
        );
        report.stats.done
    };
    let done = std::thread::scope(|scope| {
        let a = scope.spawn(|| run("a"));
        let b = scope.spawn(|| run("b"));
        (a.join().unwrap(), b.join().unwrap())
    });
    (done, arrivals)
}

/// [`two_runs_sharing`] for the async client, as two tokio tasks.
#[cfg(feature = "tokio")]
pub async fn two_async_runs_sharing(
    budget: Arc<dyn clerk_moderation_transports::budget::AsyncBudget>,
    limit: RateLimit,
    users: usize,
) -> ((usize, usize), Arrivals) {
    use clerk_moderation_transports::AsyncClient;

    let arrivals = Arrivals::default();
    let run = |prefix: &'static str| {
        let arrivals = arrivals.clone();
        let transport = move |request: http::Request<Vec<u8>>| {
            arrivals.lock().unwrap().push(Instant::now());
            let id = path_user_id(request.uri().path());
            async move { Ok::<_, std::io::Error>(http::Response::new(user_json(&id).into_bytes())) }
        };
        let client = AsyncClient::new(config("https://api.clerk.com"), transport)
            .with_budget(budget.clone());
        async move {
            let ids: Vec<_> = (0..users)
                .map(|i| uid(&format!("user_{prefix}{i}")))
                .collect();
            let report = client
                .run(
                    Action::Unlock,
                    ids,
                    shared_run_options(limit),
                    |_: UserOutcome| {},
                )
                .await;
            report.stats.done
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(run("a")), tokio::spawn(run("b")));
    ((a.unwrap(), b.unwrap()), arrivals)
}

/// Takes places from each of `stores` (as separate processes would) on `threads` threads each,
/// `takes` times per thread, under `limit` with a lease longer than the test: how many were
/// granted in all.
pub fn grants_from_threads(
    stores: &[Arc<dyn Budget>],
    threads: usize,
    takes: usize,
    limit: RateLimit,
) -> usize {
    let lease = Duration::from_secs(600);
    std::thread::scope(|scope| {
        let takers: Vec<_> = stores
            .iter()
            .flat_map(|store| std::iter::repeat_n(store, threads))
            .map(|store| {
                scope.spawn(move || {
                    (0..takes)
                        .filter(|_| matches!(store.take(limit, lease).unwrap(), Take::Granted(_)))
                        .count()
                })
            })
            .collect();
        takers.into_iter().map(|t| t.join().unwrap()).sum()
    })
}

/// A released place frees a window after its release; a lease that runs out frees its place.
/// `store` makes a handle on the same window (as another process would have).
pub fn released_and_expired_places_free(store: impl Fn() -> Arc<dyn Budget>) {
    let (one, two) = (store(), store());
    let limit = RateLimit::new(2, Duration::from_millis(400));
    let lease = Duration::from_secs(60);
    let Take::Granted(first) = one.take(limit, lease).unwrap() else {
        panic!("an empty window has room");
    };
    // The second place, leased briefly, as a holder killed mid-request would leave it.
    let Take::Granted(_) = two.take(limit, Duration::from_millis(300)).unwrap() else {
        panic!("a second place");
    };
    let Take::Wait(wait) = two.take(limit, lease).unwrap() else {
        panic!("the window is full");
    };
    assert!(wait <= Duration::from_millis(300), "{wait:?}");
    one.release(first, limit.per).unwrap();
    // The lease runs out; the released place is still held for its window.
    std::thread::sleep(Duration::from_millis(320));
    let Take::Granted(_) = store().take(limit, lease).unwrap() else {
        panic!("the expired lease freed its place");
    };
    let Take::Wait(wait) = store().take(limit, lease).unwrap() else {
        panic!("the released place is held a window after its release");
    };
    // A window after the release reached the store: at once, or a moment later when the
    // store held it back to send with a later call (25 ms at most).
    assert!(wait <= Duration::from_millis(130), "{wait:?}");
    std::thread::sleep(Duration::from_millis(150));
    assert!(matches!(
        store().take(limit, lease).unwrap(),
        Take::Granted(_)
    ));
}

/// A `redis-server` of the test's own on 127.0.0.1: a free port, no persistence, killed by its
/// pid on drop. The conformance crate has a smaller one
/// (`clerk_moderation_conformance::redis_server`) that this crate cannot use: the conformance
/// crate depends on this one.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    /// Starts one and waits until it answers `PING`. Fails the test, saying how to install it,
    /// when `redis-server` is missing.
    pub fn start() -> Self {
        let mut last_error = String::new();
        // A port found free may be taken before the server binds it: try a few.
        for _ in 0..5 {
            let port = free_port();
            let spawned = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
                    "redis-server is not installed, and these tests need a real one: \
                     `apt-get install -y redis-server` (Debian, Ubuntu), `brew install redis` \
                     (macOS); .ci/run installs it"
                ),
                Err(error) => panic!("redis-server could not start: {error}"),
            };
            let mut server = Self {
                child: Some(child),
                port,
            };
            match server.wait_for_pong() {
                Ok(()) => return server,
                Err(error) => last_error = error,
            }
        }
        panic!("redis-server did not answer: {last_error}");
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends one command (inline form) and reads the first line of the answer.
    pub fn command(&self, line: &str) -> Result<String, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .map_err(|e| e.to_string())?;
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while !answer.ends_with(b"\r\n") && answer.len() < 4096 {
            match stream.read(&mut byte) {
                Ok(1) => answer.push(byte[0]),
                Ok(_) => break,
                Err(error) => return Err(error.to_string()),
            }
        }
        Ok(String::from_utf8_lossy(&answer).trim_end().to_owned())
    }

    fn wait_for_pong(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + REDIS_START;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                return Err(format!("redis-server exited: {status}"));
            }
            match self.command("PING") {
                Ok(answer) if answer == "+PONG" => return Ok(()),
                Ok(answer) if Instant::now() >= deadline => return Err(answer),
                Err(error) if Instant::now() >= deadline => return Err(error),
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Kills the server by its pid now (as a crash would), and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends the server a signal by its pid (`STOP` freezes it, `CONT` thaws it).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} failed");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            // A frozen server cannot die of SIGKILL any slower, but thaw it all the same.
            let _ = Command::new("kill")
                .args(["-CONT".to_owned(), self.pid().to_string()])
                .status();
        }
        self.kill();
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}
