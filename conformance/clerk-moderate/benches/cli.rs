//! What `clerk-moderate` costs over the library run it is built on: the same bulk unban of
//! 100 000 banned users against the emulator process, through the command (a child process:
//! arguments, ids read from a file and checked, JSON Lines to a pipe, a summary) and through
//! `Client<UreqTransport>::run` in this process (ids already parsed, outcomes counted).
//!
//! Run: `cargo bench -p clerk-moderate --bench cli` (a release build; prints tables). Without
//! `--bench` (as `cargo test -p clerk-moderate --benches` runs it) it does a smoke-sized pass.
//! The emulator is the workspace's `clerk-emulator` binary, which the bench has cargo build
//! into the same target directory first (see `emulator_binary` in the shared support).
//!
//! Two phases, each with contenders interleaved round by round (the first one alternating), a
//! fresh emulator process for every measurement (`clerk-emulator --instance production
//! --latency 20 --bulk-unknown skip --users FILE`, every user banned):
//!
//! - **paced**: the default pace from the `sk_live_` key, 950 requests per 10 s, as against Clerk;
//!   the emulator keeps Clerk's production limit (1000 per 10 s);
//! - **unpaced**: `--rate 1000000/1` and `Pace::Unlimited`, the emulator's limit off: the run is
//!   bound by the round trips alone, so the command's own cost shows.
//!
//! A third contender is the command with `--journal FILE` (a line written per outcome, `fsync`
//! at least once a second).
//!
//! Figures: users per second (median over rounds, min–max), the ratio command / library taken
//! within each round (median), client CPU seconds (the command: `/proc/<pid>/stat` of the
//! exited child before it is reaped; the library: `/proc/self/stat` across the run, this process
//! doing nothing else meanwhile), and the command's peak RSS (`VmHWM`, sampled every 20 ms).
//! Both contenders must end with every user `done`.
//!
//! Settings (environment variables, defaults in brackets): `CLI_USERS` [100000], `CLI_ROUNDS`
//! [3], `CLI_LATENCY_MS` [20], `CLI_CONCURRENCY` [16], `CLI_PHASES` [paced,unpaced].

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clerk_moderation_core::{Action, ApiConfig, Outcome, Pace, RunOptions, SecretKey, UserId};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::ureq::UreqTransport;

#[path = "../../benches/support/mod.rs"]
mod support;
use support::{
    ChildGuard, EmulatorProcess, env_number, proc_cpu_secs, proc_state, proc_status_kib,
};

struct Settings {
    users: usize,
    rounds: usize,
    latency_ms: u64,
    concurrency: usize,
    phases: Vec<String>,
}

impl Settings {
    fn from_env(full: bool) -> Self {
        Self {
            users: env_number("CLI_USERS", if full { 100_000 } else { 500 }).max(1),
            rounds: env_number("CLI_ROUNDS", if full { 3 } else { 1 }).max(1),
            latency_ms: env_number("CLI_LATENCY_MS", 20) as u64,
            concurrency: env_number("CLI_CONCURRENCY", 16).max(1),
            phases: std::env::var("CLI_PHASES")
                .unwrap_or_else(|_| "paced,unpaced".to_owned())
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }
}

/// One measurement.
#[derive(Clone, Copy, Debug)]
struct Measured {
    users_per_sec: f64,
    cpu_secs: f64,
    peak_rss_kib: Option<u64>,
}

/// The users (all banned) as a `--users` file, and as an ids file for the command.
struct Files {
    users_json: PathBuf,
    ids_txt: PathBuf,
    ids: Vec<UserId>,
}

impl Files {
    fn new(users: usize) -> Self {
        let dir = std::env::temp_dir().join(format!("clerk-moderate-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let ids: Vec<String> = (0..users).map(|i| format!("user_2Bench{i:0>22}")).collect();
        let objects: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(
                    r#"{{"id":"{id}","object":"user","banned":true,"locked":false,"created_at":1700000000000,"updated_at":1700000000000}}"#
                )
            })
            .collect();
        let users_json = dir.join("users.json");
        std::fs::write(&users_json, format!("[{}]", objects.join(","))).expect("write users");
        let ids_txt = dir.join("ids.txt");
        std::fs::write(&ids_txt, ids.join("\n")).expect("write ids");
        Self {
            users_json,
            ids_txt,
            ids: ids
                .iter()
                .map(|id| UserId::new(id).expect("an id"))
                .collect(),
        }
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        if let Some(dir) = self.users_json.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn emulator(settings: &Settings, files: &Files, paced: bool) -> EmulatorProcess {
    let latency = settings.latency_ms.to_string();
    let mut args = vec![
        "--instance",
        "production",
        "--latency",
        &latency,
        "--bulk-unknown",
        "skip",
        "--users",
        files.users_json.to_str().expect("a UTF-8 path"),
    ];
    if !paced {
        args.extend(["--rate-limit", "0"]);
    }
    EmulatorProcess::spawn(&args, settings.users)
}

/// The library run, in this process.
fn library(settings: &Settings, files: &Files, paced: bool) -> Measured {
    let emulator = emulator(settings, files, paced);
    let config = ApiConfig::new(SecretKey::new(&emulator.secret_key).expect("key"))
        .with_base_url(&emulator.base_url)
        .expect("url");
    let client = Client::new(
        config,
        UreqTransport::builder().allow_loopback_http(true).build(),
    );
    let mut options = RunOptions::default()
        .with_first_request_alone(true)
        .with_concurrency(settings.concurrency);
    if !paced {
        options = options.with_pace(Pace::Unlimited);
    }
    let ids = files.ids.clone();
    let cpu_before = proc_cpu_secs("self").unwrap_or(0.0);
    let started = Instant::now();
    let mut done = 0;
    let report = client.run(
        Action::Unban,
        ids,
        options,
        |o: clerk_moderation_core::UserOutcome| {
            if matches!(o.outcome, Outcome::Done(_)) {
                done += 1;
            }
        },
    );
    let elapsed = started.elapsed();
    let cpu = proc_cpu_secs("self").unwrap_or(0.0) - cpu_before;
    assert_eq!(
        done, settings.users,
        "library: every user done ({report:?})"
    );
    Measured {
        users_per_sec: settings.users as f64 / elapsed.as_secs_f64(),
        cpu_secs: cpu,
        peak_rss_kib: None,
    }
}

/// The command, as a child process; with `journal`, `--journal` too.
fn command(settings: &Settings, files: &Files, paced: bool, journal: bool) -> Measured {
    let emulator = emulator(settings, files, paced);
    let concurrency = settings.concurrency.to_string();
    let journal_path = files.ids_txt.with_file_name("unban.journal");
    let _ = std::fs::remove_file(&journal_path);
    let mut args = vec![
        "unban",
        "--from",
        files.ids_txt.to_str().expect("a UTF-8 path"),
        "--yes",
        "--json",
        "--concurrency",
        &concurrency,
    ];
    if !paced {
        args.extend(["--rate", "1000000/1"]);
    }
    if journal {
        args.extend(["--journal", journal_path.to_str().expect("a UTF-8 path")]);
    }
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_clerk-moderate"))
        .args(&args)
        .env("CLERK_SECRET_KEY", &emulator.secret_key)
        .env("CLERK_API_URL", &emulator.base_url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clerk-moderate starts");
    let mut guard = ChildGuard(child);
    let pid = guard.0.id().to_string();
    let stdout = guard.0.stdout.take().expect("piped");
    let mut stderr = guard.0.stderr.take().expect("piped");
    // Counts the `done` lines as they come, as a consumer of the JSON Lines would.
    let counter = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter(|line| line.contains(r#""outcome":"done""#))
            .count()
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    // Until it exits (a zombie, not yet reaped): its peak memory while alive, its CPU at the end.
    let limit = Duration::from_secs(600);
    let mut peak_rss_kib = 0;
    let cpu = loop {
        match proc_state(&pid) {
            Some('Z') | None => break proc_cpu_secs(&pid).unwrap_or(f64::NAN),
            _ => {
                if let Some(kib) = proc_status_kib(&pid, "VmHWM") {
                    peak_rss_kib = peak_rss_kib.max(kib);
                }
                assert!(started.elapsed() < limit, "clerk-moderate ran too long");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    let status = guard.0.wait().expect("wait");
    let elapsed = started.elapsed();
    let done = counter.join().expect("counter");
    let stderr = errors.join().expect("stderr");
    assert!(status.success(), "clerk-moderate failed: {stderr}");
    assert_eq!(
        done, settings.users,
        "clerk-moderate: every user done\n{stderr}"
    );
    Measured {
        users_per_sec: settings.users as f64 / elapsed.as_secs_f64(),
        cpu_secs: cpu,
        peak_rss_kib: Some(peak_rss_kib),
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn phase(settings: &Settings, files: &Files, paced: bool) {
    let mut lib = Vec::new();
    let mut cli = Vec::new();
    let mut journaled = Vec::new();
    for round in 0..settings.rounds {
        // The order rotates round by round, so that drift falls on every contender alike.
        for turn in 0..3 {
            match (round + turn) % 3 {
                0 => lib.push(library(settings, files, paced)),
                1 => cli.push(command(settings, files, paced, false)),
                _ => journaled.push(command(settings, files, paced, true)),
            }
        }
        println!(
            "  round {}: library {:.0} users/s, clerk-moderate {:.0}, with --journal {:.0}",
            round + 1,
            lib[round].users_per_sec,
            cli[round].users_per_sec,
            journaled[round].users_per_sec
        );
    }
    let ratios = |runs: &[Measured]| -> f64 {
        let mut ratios: Vec<f64> = lib
            .iter()
            .zip(runs)
            .map(|(l, c)| c.users_per_sec / l.users_per_sec)
            .collect();
        median(&mut ratios)
    };
    let row = |name: &str, runs: &[Measured], ratio: f64| {
        let mut rates: Vec<f64> = runs.iter().map(|m| m.users_per_sec).collect();
        let (min, max) = (
            rates.iter().copied().fold(f64::MAX, f64::min),
            rates.iter().copied().fold(0.0, f64::max),
        );
        let mut cpu: Vec<f64> = runs.iter().map(|m| m.cpu_secs).collect();
        let rss = runs
            .iter()
            .filter_map(|m| m.peak_rss_kib)
            .max()
            .map_or("—".to_owned(), |kib| {
                format!("{:.1} MiB", kib as f64 / 1024.0)
            });
        println!(
            "| {name} | {:.0} ({min:.0}–{max:.0}) | {ratio:.3} | {:.2} | {rss} |",
            median(&mut rates),
            median(&mut cpu),
        );
    };
    println!(
        "\n{} bulk unban of {} users, latency {} ms, {} in flight, {} rounds",
        if paced {
            "Paced (950 per 10 s, from the sk_live_ key):"
        } else {
            "Unpaced:"
        },
        settings.users,
        settings.latency_ms,
        settings.concurrency,
        settings.rounds
    );
    println!(
        "| contender | users/s median (min–max) | ratio to library | client CPU s (median) | peak RSS |"
    );
    println!("| --- | --- | --- | --- | --- |");
    row("library: `Client<UreqTransport>::run`", &lib, 1.0);
    row("`clerk-moderate unban --json`", &cli, ratios(&cli));
    row(
        "`clerk-moderate unban --json --journal FILE`",
        &journaled,
        ratios(&journaled),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then a smoke-sized pass.
    let full = std::env::args().any(|a| a == "--bench");
    let settings = Settings::from_env(full);
    println!(
        "cli: {} users, {} rounds, phases {:?}, release={}",
        settings.users,
        settings.rounds,
        settings.phases,
        !cfg!(debug_assertions)
    );
    let started = Instant::now();
    let files = Files::new(settings.users);
    println!(
        "  wrote the users and ids files in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Built (or found up to date) before anything is timed, so the start-up line below is the
    // emulator's own.
    let started = Instant::now();
    let binary = support::emulator_binary();
    println!(
        "  {} ready in {:.1} s",
        binary.display(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    drop(emulator(&settings, &files, true));
    println!(
        "  the emulator starts with {} users in {:.1} s",
        settings.users,
        started.elapsed().as_secs_f64()
    );
    for name in &settings.phases {
        match name.as_str() {
            "paced" => phase(&settings, &files, true),
            "unpaced" => phase(&settings, &files, false),
            other => panic!("CLI_PHASES: unknown phase {other:?} (paced, unpaced)"),
        }
    }
}
