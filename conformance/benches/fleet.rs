//! Issue 15's fleet: four `clerk-moderate` processes and two library runs (each a process of
//! its own) unban their users together against one emulator process at Clerk's production
//! limit, sharing one Redis budget, beside the same fleet sharing nothing; and what the shared
//! budget costs a client per request.
//!
//! Run: `cargo bench -p clerk-moderation-conformance --bench fleet` (a release build; prints
//! tables; needs `redis-server` on the PATH). Without `--bench` (as `cargo test --benches`
//! runs it) it does a smoke-sized pass.
//!
//! **fleet**: every measurement gets a fresh `clerk-emulator --instance production --latency L
//! --bulk-unknown skip --users FILE` (1000 requests per 10 s in a sliding window, the users all
//! banned) and, when shared, a fresh `redis-server`. Six participants start together, each
//! with its own users: four `clerk-moderate unban --from FILE --yes --json --budget URL|off`,
//! two `Client<UreqTransport>::run(Action::Unban, …)` with `RunOptions::default()` (the pace
//! from the `sk_live_` key, 950 per 10 s, 32 in flight) and a `RedisBudget` or none. Figures:
//! aggregate users/s from the first start to the last exit, as a ratio of the ceiling (Clerk's
//! 1000 requests per 10 s × 50 users a request = 5000 users/s); the emulator's 429s and peak
//! window (`GET /_emulator/stats`); Redis round trips per request sent (the library runs count
//! theirs); the participants' CPU (`/proc/<pid>/stat`, read when each has exited, before it is
//! reaped) and Redis's. The two contenders alternate round by round, the first one rotating.
//!
//! **cost**: one library run (a process of its own) unlocks N users, one request each, paced at
//! 1000 per 1 s (a window as full as Clerk's production one, ten times faster, so that the
//! places churn), 16 in flight, against an emulator without a limit and 1 ms of latency: with
//! no budget, with a `FileBudget`, with a `RedisBudget`. The CPU added per request is the
//! process's CPU per request less that of the run without a budget, taken within each round;
//! Redis's own CPU per request is apart.
//!
//! **calls**: the stores alone: a take and a release after another on one thread, as fast as
//! the store answers, a window of 1000 places: the CPU (and wall time) a request costs in the
//! store's calls themselves, without a client's waiting around them.
//!
//! Settings (environment variables, defaults in brackets): `FLEET_USERS` [10000 users per
//! participant], `FLEET_ROUNDS` [2], `FLEET_LATENCY_MS` [20], `FLEET_PHASES`
//! [fleet,cost,calls], `COST_REQUESTS` [5000; the calls phase makes four times as many].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clerk_moderation_core::{Action, ApiConfig, Outcome, RateLimit, RunOptions, SecretKey, UserId};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::budget::{Budget, FileBudget, RedisBudget, Take};
use clerk_moderation_transports::ureq::UreqTransport;

mod support;
use clerk_moderation_conformance::redis_server::RedisServer;
use support::{
    ChildGuard, EmulatorProcess, clerk_moderate_binary, env_number, proc_cpu_secs, proc_state,
};

/// Set in a child process: it is a library participant, and reads its part from `CHILD_*`.
const CHILD: &str = "FLEET_CHILD";
/// The most any participant may take.
const LIMIT: Duration = Duration::from_secs(600);
/// Clerk's ceiling for a bulk action: 1000 requests per 10 s, 50 users a request.
const CEILING_USERS_PER_SEC: f64 = 5000.0;

struct Settings {
    users: usize,
    rounds: usize,
    latency_ms: u64,
    phases: Vec<String>,
    cost_requests: usize,
}

impl Settings {
    fn from_env(full: bool) -> Self {
        Self {
            users: env_number("FLEET_USERS", if full { 10_000 } else { 100 }).max(1),
            rounds: env_number("FLEET_ROUNDS", if full { 2 } else { 1 }).max(1),
            latency_ms: env_number("FLEET_LATENCY_MS", 20) as u64,
            phases: std::env::var("FLEET_PHASES")
                .unwrap_or_else(|_| "fleet,cost,calls".to_owned())
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            cost_requests: env_number("COST_REQUESTS", if full { 5000 } else { 100 }).max(1),
        }
    }
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("clerk-fleet-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The users of each participant, as a `--users` file for the emulator and one ids file each.
struct Files {
    scratch: Scratch,
    users_json: PathBuf,
    ids: Vec<PathBuf>,
}

impl Files {
    fn new(participants: usize, users: usize) -> Self {
        let scratch = Scratch::new("users");
        let mut objects = Vec::new();
        let ids = (0..participants)
            .map(|p| {
                let ids: Vec<String> =
                    (0..users).map(|i| format!("user_2Fleet{p}x{i:0>20}")).collect();
                objects.extend(ids.iter().map(|id| {
                    format!(r#"{{"id":"{id}","object":"user","banned":true,"locked":false,"created_at":1700000000000}}"#)
                }));
                let path = scratch.0.join(format!("ids-{p}.txt"));
                std::fs::write(&path, ids.join("\n")).expect("write ids");
                path
            })
            .collect();
        let users_json = scratch.0.join("users.json");
        std::fs::write(&users_json, format!("[{}]", objects.join(","))).expect("write users");
        Self {
            scratch,
            users_json,
            ids,
        }
    }
}

/// What the emulator counted (`GET /_emulator/stats`).
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    requests: u64,
    rate_limited: u64,
    peak_window: u64,
}

fn emulator_stats(base_url: &str) -> Stats {
    let root = base_url.trim_end_matches('/').trim_end_matches("/v1");
    let body = ureq::get(format!("{root}/_emulator/stats"))
        .call()
        .expect("the emulator's stats")
        .into_body()
        .read_to_string()
        .expect("a body");
    let value: serde_json::Value = serde_json::from_str(&body).expect("JSON stats");
    let number = |name: &str| {
        value[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no {name}: {body}"))
    };
    Stats {
        requests: number("requests"),
        rate_limited: number("rate_limited"),
        peak_window: number("peak_window"),
    }
}

/// A participant's end: its exit, its CPU seconds, and its own report (stdout for a library
/// child, the summary line for the command).
struct Ended {
    status: ExitStatus,
    cpu_secs: f64,
    stdout: String,
    stderr: String,
}

/// Waits for a child until it exits (bounded), reads its CPU before reaping it, and collects
/// its outputs.
fn wait_measured(mut guard: ChildGuard, started: Instant) -> Ended {
    let pid = guard.0.id().to_string();
    let read = |stream: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stream) = stream {
                let _ = stream.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = read(
        guard
            .0
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let stderr = read(
        guard
            .0
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let cpu_secs = loop {
        match proc_state(&pid) {
            Some('Z') | None => break proc_cpu_secs(&pid).unwrap_or(f64::NAN),
            _ => {
                assert!(started.elapsed() < LIMIT, "a participant ran too long");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    };
    let status = guard.0.wait().expect("wait");
    Ended {
        status,
        cpu_secs,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    }
}

/// Which budget a participant shares.
#[derive(Clone, Debug)]
enum Sharing {
    None,
    File(PathBuf),
    Redis(String),
}

impl Sharing {
    fn to_env(&self) -> String {
        match self {
            Self::None => "off".to_owned(),
            Self::File(dir) => format!("file:{}", dir.display()),
            Self::Redis(url) => url.clone(),
        }
    }

    fn from_env(text: &str) -> Self {
        match text.strip_prefix("file:") {
            _ if text == "off" => Self::None,
            Some(dir) => Self::File(PathBuf::from(dir)),
            None => Self::Redis(text.to_owned()),
        }
    }
}

/// A library participant, as a child process of this bench.
fn spawn_library(
    emulator: &EmulatorProcess,
    ids: &Path,
    action: &str,
    sharing: &Sharing,
    rate: Option<&str>,
) -> ChildGuard {
    let mut command = Command::new(std::env::current_exe().expect("the bench's path"));
    command
        .env(CHILD, "1")
        .env("CHILD_URL", &emulator.base_url)
        .env("CHILD_KEY", &emulator.secret_key)
        .env("CHILD_IDS", ids)
        .env("CHILD_ACTION", action)
        .env("CHILD_BUDGET", sharing.to_env())
        .env("CHILD_RATE", rate.unwrap_or(""))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    ChildGuard(command.spawn().expect("the bench re-executes itself"))
}

/// The child's part: one library run as the environment says; prints its counts.
fn library_child() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set"));
    let key = SecretKey::new(var("CHILD_KEY")).expect("a key");
    let config = ApiConfig::new(key.clone())
        .with_base_url(&var("CHILD_URL"))
        .expect("a base URL");
    let ids: Vec<UserId> = std::fs::read_to_string(var("CHILD_IDS"))
        .expect("the ids")
        .lines()
        .map(|id| UserId::new(id).expect("an id"))
        .collect();
    let transport = UreqTransport::new();
    let mut client = Client::new(config, transport);
    let mut redis = None;
    match Sharing::from_env(&var("CHILD_BUDGET")) {
        Sharing::None => {}
        Sharing::File(dir) => {
            client = client
                .with_budget(Arc::new(FileBudget::for_instance(dir, &key)) as Arc<dyn Budget>);
        }
        Sharing::Redis(url) => {
            let budget = Arc::new(RedisBudget::for_instance(&url, &key).expect("a Redis URL"));
            budget.check().expect("Redis answers");
            client = client.with_budget(budget.clone());
            redis = Some(budget);
        }
    }
    let mut options = RunOptions::default().with_first_request_alone(true);
    if let Some((n, ms)) = var("CHILD_RATE").split_once('/') {
        let limit = RateLimit::new(
            n.parse().expect("N"),
            Duration::from_millis(ms.parse().expect("MS")),
        );
        options = options.with_rate_limit(limit);
    }
    let action = match var("CHILD_ACTION").as_str() {
        "unban" => Action::Unban,
        _ => Action::Unlock,
    };
    let mut done = 0usize;
    let report = client.run(
        action,
        ids,
        options,
        |outcome: clerk_moderation_core::UserOutcome| {
            done += usize::from(matches!(outcome.outcome, Outcome::Done(_)));
        },
    );
    println!(
        "done {done} requests {} rate_limited {} round_trips {}",
        report.stats.requests,
        report.stats.rate_limited,
        redis.map_or(0, |budget| budget.round_trips())
    );
}

/// A number after `name` in a child's `name value …` line.
fn field(line: &str, name: &str) -> u64 {
    let mut words = line.split_whitespace();
    while let Some(word) = words.next() {
        if word == name {
            return words.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        }
    }
    panic!("no {name} in {line:?}")
}

/// One fleet measurement.
#[derive(Clone, Copy, Debug, Default)]
struct Fleet {
    users_per_sec: f64,
    stats: Stats,
    done: u64,
    client_429s: u64,
    /// Redis round trips per request, over the library runs.
    round_trips_per_request: f64,
    /// CPU seconds: the four commands, the two library runs, Redis.
    cpu_commands: f64,
    cpu_library: f64,
    cpu_redis: f64,
}

fn fleet(settings: &Settings, files: &Files, shared: bool) -> Fleet {
    let latency = settings.latency_ms.to_string();
    let emulator = EmulatorProcess::spawn(
        &[
            "--instance",
            "production",
            "--latency",
            &latency,
            "--bulk-unknown",
            "skip",
            "--users",
            files.users_json.to_str().expect("a UTF-8 path"),
        ],
        6 * settings.users,
    );
    let redis = shared.then(RedisServer::start);
    let sharing = redis
        .as_ref()
        .map_or(Sharing::None, |redis| Sharing::Redis(redis.url(0)));
    let state = Scratch::new("state");
    let binary = clerk_moderate_binary();
    let started = Instant::now();
    let commands: Vec<ChildGuard> = files.ids[..4]
        .iter()
        .map(|ids| {
            let child = Command::new(&binary)
                .args(["unban", "--yes", "--json", "--from"])
                .arg(ids)
                .args(["--budget", &sharing.to_env()])
                .env("CLERK_SECRET_KEY", &emulator.secret_key)
                .env("CLERK_API_URL", &emulator.base_url)
                .env("XDG_STATE_HOME", &state.0)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("clerk-moderate starts");
            ChildGuard(child)
        })
        .collect();
    let libraries: Vec<ChildGuard> = files.ids[4..6]
        .iter()
        .map(|ids| spawn_library(&emulator, ids, "unban", &sharing, None))
        .collect();
    let mut measured = Fleet::default();
    let mut requests = 0;
    let mut round_trips = 0;
    for guard in commands {
        let ended = wait_measured(guard, started);
        measured.cpu_commands += ended.cpu_secs;
        let done = ended
            .stdout
            .lines()
            .filter(|l| l.contains(r#""outcome":"done""#))
            .count();
        measured.done += done as u64;
        let summary: serde_json::Value = ended
            .stderr
            .lines()
            .last()
            .and_then(|line| serde_json::from_str(line).ok())
            .unwrap_or_else(|| panic!("no summary: {}", ended.stderr));
        measured.client_429s += summary["summary"]["rate_limited"].as_u64().unwrap_or(0);
    }
    for guard in libraries {
        let ended = wait_measured(guard, started);
        assert!(
            ended.status.success(),
            "a library run failed: {}",
            ended.stderr
        );
        measured.cpu_library += ended.cpu_secs;
        let line = ended.stdout.lines().last().unwrap_or_default().to_owned();
        measured.done += field(&line, "done");
        measured.client_429s += field(&line, "rate_limited");
        requests += field(&line, "requests");
        round_trips += field(&line, "round_trips");
    }
    let elapsed = started.elapsed();
    measured.users_per_sec = (6 * settings.users) as f64 / elapsed.as_secs_f64();
    measured.stats = emulator_stats(&emulator.base_url);
    measured.round_trips_per_request = round_trips as f64 / requests.max(1) as f64;
    measured.cpu_redis = redis
        .as_ref()
        .and_then(|redis| proc_cpu_secs(&redis.pid()))
        .unwrap_or(0.0);
    if shared {
        assert_eq!(
            measured.done,
            (6 * settings.users) as u64,
            "every user done"
        );
    }
    measured
}

/// One cost measurement: a library run's CPU seconds, requests, round trips, Redis's CPU.
fn cost(settings: &Settings, contender: &str) -> (f64, u64, u64, f64) {
    let emulator = EmulatorProcess::spawn(
        &[
            "--rate-limit",
            "0",
            "--latency",
            "1",
            "--seed",
            &settings.cost_requests.to_string(),
        ],
        settings.cost_requests,
    );
    let scratch = Scratch::new("cost");
    let ids = scratch.0.join("ids.txt");
    std::fs::write(&ids, emulator.users.join("\n")).expect("write ids");
    let redis = (contender == "redis").then(RedisServer::start);
    let sharing = match contender {
        "file" => Sharing::File(scratch.0.join("state")),
        "redis" => Sharing::Redis(redis.as_ref().expect("started").url(0)),
        _ => Sharing::None,
    };
    let started = Instant::now();
    let ended = wait_measured(
        spawn_library(&emulator, &ids, "unlock", &sharing, Some("1000/1000")),
        started,
    );
    assert!(
        ended.status.success(),
        "the cost run failed: {}",
        ended.stderr
    );
    let line = ended.stdout.lines().last().unwrap_or_default().to_owned();
    assert_eq!(
        field(&line, "done"),
        settings.cost_requests as u64,
        "{line}"
    );
    let redis_cpu = redis
        .as_ref()
        .and_then(|redis| proc_cpu_secs(&redis.pid()))
        .unwrap_or(0.0);
    (
        ended.cpu_secs,
        field(&line, "requests"),
        field(&line, "round_trips"),
        redis_cpu,
    )
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn fleet_phase(settings: &Settings) {
    println!(
        "fleet: 4 commands + 2 library runs, {} users each, bulk unban, {} ms latency, {} rounds",
        settings.users, settings.latency_ms, settings.rounds
    );
    let files = Files::new(6, settings.users);
    let mut results: [Vec<Fleet>; 2] = [Vec::new(), Vec::new()];
    for round in 0..settings.rounds {
        for turn in 0..2 {
            let shared = (round + turn) % 2 == 0;
            let measured = fleet(settings, &files, shared);
            println!(
                "  round {} {:>9}: {:>6.0} users/s ({:.3} of the ceiling), 429s {} (clients saw {}), \
                 peak window {}, requests {}, done {}, round trips/request {:.2}, CPU s: commands {:.2}, \
                 library {:.2}, redis {:.2}",
                round + 1,
                if shared { "redis" } else { "unshared" },
                measured.users_per_sec,
                measured.users_per_sec / CEILING_USERS_PER_SEC,
                measured.stats.rate_limited,
                measured.client_429s,
                measured.stats.peak_window,
                measured.stats.requests,
                measured.done,
                measured.round_trips_per_request,
                measured.cpu_commands,
                measured.cpu_library,
                measured.cpu_redis,
            );
            results[usize::from(!shared)].push(measured);
        }
    }
    for (name, runs) in [("redis", &results[0]), ("unshared", &results[1])] {
        let mut rates: Vec<f64> = runs
            .iter()
            .map(|r| r.users_per_sec / CEILING_USERS_PER_SEC)
            .collect();
        let max_429 = runs.iter().map(|r| r.stats.rate_limited).max().unwrap_or(0);
        println!(
            "  {name}: median {:.3} of the ceiling, at most {max_429} × 429",
            median(&mut rates)
        );
    }
    drop(files.scratch);
}

fn cost_phase(settings: &Settings) {
    println!(
        "cost: one library run, {} unlocks at 1000 per 1 s, 16 in flight, {} rounds",
        settings.cost_requests, settings.rounds
    );
    let contenders = ["none", "file", "redis"];
    let mut per_request: [Vec<f64>; 3] = Default::default();
    let mut added: [Vec<f64>; 3] = Default::default();
    for round in 0..settings.rounds {
        let mut this_round = [0.0; 3];
        for turn in 0..3 {
            let which = (round + turn) % 3;
            let (cpu, requests, round_trips, redis_cpu) = cost(settings, contenders[which]);
            let micros = cpu * 1e6 / requests.max(1) as f64;
            this_round[which] = micros;
            per_request[which].push(micros);
            println!(
                "  round {} {:>5}: {:.1} µs CPU/request, {} requests, {:.2} Redis round trips/request, Redis {:.1} µs/request",
                round + 1,
                contenders[which],
                micros,
                requests,
                round_trips as f64 / requests.max(1) as f64,
                redis_cpu * 1e6 / requests.max(1) as f64
            );
        }
        for which in 0..3 {
            added[which].push(this_round[which] - this_round[0]);
        }
    }
    for which in 1..3 {
        println!(
            "  {}: {:.1} µs CPU/request, {:+.1} µs added per request (median of rounds)",
            contenders[which],
            median(&mut per_request[which]),
            median(&mut added[which])
        );
    }
}

/// User plus system CPU seconds of this process so far.
fn own_cpu() -> f64 {
    proc_cpu_secs("self").expect("/proc/self/stat")
}

/// The stores' own cost: take and release, one after the other on one thread, as fast as the
/// store answers (a window of 1000 places, each held 50 ms after its release), for Redis and
/// the file: CPU and wall time per request (one take and one release).
fn calls_phase(settings: &Settings) {
    let requests = settings.cost_requests * 4;
    println!(
        "calls: {requests} takes and releases in a row on one thread, a window of 1000 places"
    );
    let redis = RedisServer::start();
    let scratch = Scratch::new("calls");
    let key = SecretKey::new("sk_live_fleet_bench").expect("a key");
    let limit = RateLimit::new(1000, Duration::from_secs(1));
    let (lease, per) = (Duration::from_secs(60), Duration::from_millis(50));
    let redis_budget = RedisBudget::for_instance(&redis.url(0), &key).expect("a Redis URL");
    let stores: [(&str, Box<dyn Budget>); 2] = [
        ("redis", Box::new(redis_budget)),
        ("file", Box::new(FileBudget::for_instance(&scratch.0, &key))),
    ];
    for (name, store) in stores {
        let (cpu, redis_cpu, started) = (
            own_cpu(),
            proc_cpu_secs(&redis.pid()).unwrap_or(0.0),
            Instant::now(),
        );
        let (mut granted, mut waits) = (0, 0);
        while granted < requests {
            match store.take(limit, lease).expect("the store answers") {
                Take::Granted(slot) => {
                    store.release(slot, per).expect("the store answers");
                    granted += 1;
                }
                Take::Wait(wait) => {
                    waits += 1;
                    std::thread::sleep(wait.min(Duration::from_millis(5)));
                }
            }
        }
        let cpu = own_cpu() - cpu;
        let redis_cpu = proc_cpu_secs(&redis.pid()).unwrap_or(0.0) - redis_cpu;
        println!(
            "  {name:>5}: {:.1} µs CPU and {:.1} µs wall per request, {waits} waits{}",
            cpu * 1e6 / requests as f64,
            started.elapsed().as_secs_f64() * 1e6 / requests as f64,
            if name == "redis" {
                format!(
                    ", Redis {:.1} µs CPU per request",
                    redis_cpu * 1e6 / requests as f64
                )
            } else {
                String::new()
            }
        );
    }
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        return library_child();
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then a smoke-sized pass.
    let full = std::env::args().any(|arg| arg == "--bench");
    let settings = Settings::from_env(full);
    for phase in &settings.phases {
        match phase.as_str() {
            "fleet" => fleet_phase(&settings),
            "cost" => cost_phase(&settings),
            "calls" => calls_phase(&settings),
            other => panic!("FLEET_PHASES: unknown phase {other:?} (fleet, cost, calls)"),
        }
    }
}
