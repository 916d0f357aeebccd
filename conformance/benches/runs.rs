//! Whole moderation runs against the emulator process at Clerk's production rate limit: how
//! close each client comes to the ceiling the limit allows, with how many 429s, at what CPU and
//! memory cost.
//!
//! Run: `cargo bench -p clerk-moderation-conformance --bench runs` (about 2 minutes; a release
//! build). Without `--bench` (as `cargo test --benches` runs it) it does a smoke-sized pass.
//!
//! - The emulator is the `clerk-emulator` binary, a separate process, started fresh for every
//!   measurement with `--instance production` (1000 requests per 10 s per key, an `sk_live_`
//!   key), `--latency 20` (20 ms added to every answer) and `--bulk-unknown skip`, seeded with
//!   the users to act on.
//! - Each measurement runs in its own child process (this bench, re-executed with `RUNS_CHILD`
//!   set), so that its CPU time and peak RSS are its own: `Client<UreqTransport>::run` or
//!   `AsyncClient<HyperTransport>::run` (tokio, current thread) with the default
//!   `RunOptions` (pace from the key: 950 requests per 10 s; 32 in flight).
//! - Jobs: bulk-unban 100 000 users (2 000 requests of 50; the ceiling is 5 000 users/s) and
//!   unlock 2 000 users (one request each; the ceiling is 100 users/s).
//! - Reported: users/s and its ratio to the ceiling, 429s received, the outcome counts (and that
//!   no outcome was lost or given twice), client CPU (utime + stime from `/proc/self/stat`) and
//!   peak RSS (`VmHWM`).
//!
//! - After each measurement, the emulator's own count (`GET /_emulator/stats`): the most
//!   arrivals it saw in any 10 s window, beside its limit. It counts arrivals as Clerk does, so
//!   a peak over the limit is a window Clerk would have answered with 429s.
//!
//! Settings: `RUNS_BULK` [100000], `RUNS_UNLOCK` [2000], `RUNS_ROUNDS` [1], `RUNS_LATENCY_MS`
//! [20] (several, comma-separated: `0,20,200`), `RUNS_INSTANCE` [production] (or development:
//! 100 requests per 10 s, an `sk_test_` key, a pace of 95).

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use clerk_moderation_core::{
    Action, ApiConfig, OutcomeKind, RunOptions, SecretKey, UserId, UserOutcome,
};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::ureq::UreqTransport;
use clerk_moderation_transports::{AsyncClient, Client};

mod support;
use support::{ChildGuard, EmulatorProcess, env_number, proc_cpu_secs, proc_status_kib};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Blocking,
    Async,
}

impl Contender {
    const ALL: [Contender; 2] = [Contender::Blocking, Contender::Async];

    fn name(self) -> &'static str {
        match self {
            Self::Blocking => "Client<UreqTransport>",
            Self::Async => "AsyncClient<HyperTransport>",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Blocking => "blocking",
            Self::Async => "async",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Job {
    action: Action,
    users: usize,
    /// Users per second at the instance's limit (1000 or 100 requests per 10 s).
    ceiling: f64,
}

/// The emulator's own count after a measurement: its peak window and its limit.
fn emulator_peak(base_url: &str) -> (u64, u64) {
    let root = base_url.trim_end_matches("/v1");
    let body = ureq::get(&format!("{root}/_emulator/stats"))
        .call()
        .expect("the emulator's stats")
        .into_body()
        .read_to_string()
        .expect("a body");
    let stats: serde_json::Value = serde_json::from_str(&body).expect("JSON stats");
    (
        stats["peak_window"].as_u64().unwrap_or(0),
        stats["limit"].as_u64().unwrap_or(0),
    )
}

/// What a child measured.
struct Measured {
    seconds: f64,
    stats: clerk_moderation_core::RunStats,
    outcomes: usize,
    distinct: usize,
    cpu: f64,
    hwm_kib: u64,
    /// The emulator's peak window, and its limit.
    peak: (u64, u64),
}

/// In the child: runs the job with the contender against the emulator the parent started.
fn child(contender: &str, action: &str) {
    let url = std::env::var("RUNS_URL").expect("RUNS_URL");
    let key = std::env::var("RUNS_KEY").expect("RUNS_KEY");
    let ids_file = std::env::var("RUNS_IDS").expect("RUNS_IDS");
    let action: Action = action.parse().expect("an action");
    let ids: Vec<UserId> = std::fs::read_to_string(ids_file)
        .expect("the ids file")
        .lines()
        .map(|line| UserId::new(line).expect("a valid id"))
        .collect();
    let config = ApiConfig::new(SecretKey::new(&key).expect("a key"))
        .with_base_url(&url)
        .expect("a base URL");
    let mut outcomes = 0usize;
    let mut distinct = HashSet::new();
    let mut observer = |o: UserOutcome| {
        outcomes += 1;
        distinct.insert(o.user_id);
        assert_ne!(o.outcome.kind(), OutcomeKind::NotAttempted);
    };
    let cpu0 = proc_cpu_secs("self").unwrap_or(0.0);
    let started = Instant::now();
    let report = match contender {
        "blocking" => {
            let transport = UreqTransport::builder()
                .allow_loopback_http(true)
                .proxy(None)
                .build()
                .expect("the ureq transport builds");
            Client::new(config, transport).run(action, ids, RunOptions::default(), &mut observer)
        }
        _ => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let transport = HyperTransport::builder()
                .allow_loopback_http(true)
                .build()
                .expect("a transport");
            let client = AsyncClient::new(config, transport);
            runtime.block_on(client.run(action, ids, RunOptions::default(), &mut observer))
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let cpu = proc_cpu_secs("self").unwrap_or(0.0) - cpu0;
    let hwm = proc_status_kib("self", "VmHWM").unwrap_or(0);
    let s = report.stats;
    println!(
        "result {seconds} {} {} {} {} {} {} {} {outcomes} {} {cpu} {hwm}",
        s.users,
        s.done,
        s.not_found,
        s.failed,
        s.not_attempted,
        s.requests,
        s.rate_limited,
        distinct.len()
    );
}

/// In the parent: one measurement, in a child process, against a fresh emulator.
fn measure(contender: Contender, job: Job, latency_ms: usize, instance: &str) -> Measured {
    let emulator = EmulatorProcess::spawn(
        &[
            "--instance",
            instance,
            "--bulk-unknown",
            "skip",
            "--latency",
            &latency_ms.to_string(),
            "--seed",
            &job.users.to_string(),
        ],
        job.users,
    );
    let ids_path = std::env::temp_dir().join(format!("runs-bench-ids-{}", std::process::id()));
    let mut file = std::fs::File::create(&ids_path).expect("a temp file");
    for id in &emulator.users {
        writeln!(file, "{id}").expect("written");
    }
    drop(file);
    let child = Command::new(std::env::current_exe().expect("this bench"))
        .env("RUNS_CHILD", format!("{}:{}", contender.key(), job.action))
        .env("RUNS_URL", &emulator.base_url)
        .env("RUNS_KEY", &emulator.secret_key)
        .env("RUNS_IDS", &ids_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child starts");
    let mut child = ChildGuard(child);
    let stdout = child.0.stdout.take().expect("piped");
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("result "))
        .expect("the child reports");
    let _ = child.0.wait();
    let _ = std::fs::remove_file(&ids_path);
    let peak = emulator_peak(&emulator.base_url);
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().expect("a number"))
        .collect();
    let mut report_stats = clerk_moderation_core::RunStats::default();
    report_stats.users = f[1] as usize;
    report_stats.done = f[2] as usize;
    report_stats.not_found = f[3] as usize;
    report_stats.failed = f[4] as usize;
    report_stats.not_attempted = f[5] as usize;
    report_stats.requests = f[6] as u64;
    report_stats.rate_limited = f[7] as u64;
    Measured {
        seconds: f[0],
        stats: report_stats,
        outcomes: f[8] as usize,
        distinct: f[9] as usize,
        cpu: f[10],
        hwm_kib: f[11] as u64,
        peak,
    }
}

fn main() {
    if let Ok(what) = std::env::var("RUNS_CHILD") {
        let (contender, action) = what.split_once(':').expect("contender:action");
        child(contender, action);
        return;
    }
    let full = std::env::args().any(|a| a == "--bench");
    let (bulk, unlock) = if full {
        (
            env_number("RUNS_BULK", 100_000),
            env_number("RUNS_UNLOCK", 2_000),
        )
    } else {
        (500, 20)
    };
    let latencies: Vec<usize> = match std::env::var("RUNS_LATENCY_MS") {
        Ok(list) if full => list
            .split(',')
            .map(|ms| ms.trim().parse().expect("RUNS_LATENCY_MS: milliseconds"))
            .collect(),
        _ if full => vec![20],
        _ => vec![0],
    };
    let instance = std::env::var("RUNS_INSTANCE").unwrap_or_else(|_| "production".to_owned());
    // Requests per second at the instance's limit.
    let per_second = if instance == "development" {
        10.0
    } else {
        100.0
    };
    let rounds = if full {
        env_number("RUNS_ROUNDS", 1)
    } else {
        1
    };
    let jobs = [
        Job {
            action: Action::Unban,
            users: bulk,
            ceiling: 50.0 * per_second,
        },
        Job {
            action: Action::Unlock,
            users: unlock,
            ceiling: per_second,
        },
    ];
    println!(
        "runs: {instance} instance, bulk-unban {bulk} users, unlock {unlock} users, {latencies:?} ms latency, {rounds} round(s), release={}",
        !cfg!(debug_assertions)
    );
    println!(
        "\n| job | latency | client | users | seconds | users/s | of the ceiling | 429s | peak window / limit | requests | done / other | lost / twice | client CPU | CPU per user | peak RSS |"
    );
    println!(
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for round in 0..rounds {
        for &latency in &latencies {
            for (j, job) in jobs.iter().enumerate() {
                for i in 0..Contender::ALL.len() {
                    // Rotate who goes first, round by round.
                    let contender = Contender::ALL[(i + round + j) % Contender::ALL.len()];
                    let m = measure(contender, *job, latency, &instance);
                    let s = m.stats;
                    let rate = job.users as f64 / m.seconds;
                    let other = s.not_found + s.failed + s.not_attempted;
                    println!(
                        "| {} {} | {latency} ms | {} | {} | {:.2} | {:.0} | {:.3} | {} | {} / {} | {} | {} / {other} | {} / {} | {:.2} s | {:.2} µs | {:.1} MiB |",
                        if job.action == Action::Unban {
                            "bulk-unban"
                        } else {
                            "unlock"
                        },
                        round + 1,
                        contender.name(),
                        job.users,
                        m.seconds,
                        rate,
                        rate / job.ceiling,
                        s.rate_limited,
                        m.peak.0,
                        m.peak.1,
                        s.requests,
                        s.done,
                        job.users - m.distinct,
                        m.outcomes - m.distinct,
                        m.cpu,
                        m.cpu * 1e6 / job.users as f64,
                        m.hwm_kib as f64 / 1024.0,
                    );
                    assert_eq!(m.distinct, job.users, "an outcome for every user");
                    assert_eq!(m.outcomes, m.distinct, "no outcome twice");
                }
            }
        }
    }
}
