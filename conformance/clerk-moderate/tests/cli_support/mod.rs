//! Runs `clerk-moderate` as an operator does: a process, with its environment, arguments and
//! standard input, against an emulator on 127.0.0.1. Every wait is bounded, and a child that
//! outlives its bound is killed by its handle.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::Emulator;
use serde_json::Value;

/// How long any one run of the binary may take.
pub const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Where the command sends, and with which key.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: String,
    pub key: String,
}

impl Target {
    pub fn of(emulator: &Emulator) -> Self {
        Self {
            url: emulator.base_url(),
            key: emulator.secret_key().to_owned(),
        }
    }

    pub fn with_key(&self, key: &str) -> Self {
        Self {
            key: key.to_owned(),
            ..self.clone()
        }
    }
}

/// A finished run.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// The stdout lines parsed as JSON objects (`--json`).
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// The summary object: stderr's last line with `--json`.
    pub fn summary(&self) -> Value {
        let last = self.stderr.lines().last().expect("stderr has a summary");
        let value: Value =
            serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {}", self.stderr));
        value["summary"].clone()
    }

    /// How many stdout objects have this `outcome`.
    pub fn outcomes(&self, outcome: &str) -> usize {
        self.json_lines()
            .iter()
            .filter(|line| line["outcome"] == outcome)
            .count()
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code,
            Some(code),
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            cut(&self.stdout),
            self.stderr
        );
    }
}

fn cut(text: &str) -> &str {
    &text[..text.len().min(4000)]
}

/// The command, with only the variables `target` gives (none when `None`).
pub fn command(target: Option<&Target>, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clerk-moderate"));
    // The runs' shared budget files go to a state directory of the tests' own, under the
    // temporary directory, never the operator's.
    let state =
        std::env::temp_dir().join(format!("clerk-moderate-test-state-{}", std::process::id()));
    command
        .args(args)
        .env_remove("CLERK_SECRET_KEY")
        .env_remove("CLERK_API_URL")
        .env_remove("CLERK_MODERATE_BUDGET")
        .env("XDG_STATE_HOME", state);
    if let Some(target) = target {
        command
            .env("CLERK_SECRET_KEY", &target.key)
            .env("CLERK_API_URL", &target.url);
    }
    command
}

/// Runs the command to its end (bounded), with `stdin` as standard input (empty when `None`),
/// and checks that the key shows in neither output.
pub fn run(target: Option<&Target>, args: &[&str], stdin: Option<&[u8]>) -> Ran {
    let child = spawn(target, args);
    let ran = finish(child, stdin.unwrap_or_default().to_vec(), RUN_LIMIT);
    if let Some(target) = target {
        assert_key_not_shown(&ran, &target.key);
    }
    ran
}

/// Starts the command with its standard streams piped, without waiting for it (see [`finish`]).
pub fn spawn(target: Option<&Target>, args: &[&str]) -> Child {
    command(target, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("clerk-moderate starts")
}

/// Feeds `stdin`, collects the outputs (those still piped), and waits at most `limit` (then
/// kills the child).
pub fn finish(mut child: Child, stdin: Vec<u8>, limit: Duration) -> Ran {
    let feeder = child.stdin.take().map(|mut input| {
        std::thread::spawn(move || {
            // The command may stop reading early (an invalid id): not the test's failure.
            let _ = input.write_all(&stdin);
        })
    });
    let stdout = child.stdout.take().map(reader);
    let stderr = child.stderr.take().map(reader);
    let code = wait_bounded(&mut child, limit);
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let collect = |handle: Option<std::thread::JoinHandle<String>>| {
        handle
            .map(|h| h.join().expect("reader"))
            .unwrap_or_default()
    };
    Ran {
        code,
        stdout: collect(stdout),
        stderr: collect(stderr),
    }
}

fn reader(mut stream: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for `child` at most `limit`; past it, kills it and fails the test.
pub fn wait_bounded(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait().expect("try_wait") {
            Some(status) => return status.code(),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("clerk-moderate ran longer than {limit:?}; killed");
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

#[track_caller]
pub fn assert_key_not_shown(ran: &Ran, key: &str) {
    if key.is_empty() {
        return;
    }
    assert!(
        !ran.stdout.contains(key) && !ran.stderr.contains(key),
        "the secret key shows in the output:\n{}\n{}",
        cut(&ran.stdout),
        ran.stderr
    );
}

/// Sends a signal to a child by its id (`kill -INT <pid>`).
pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} failed");
}

/// A file in a fresh temporary directory, removed with it.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Self {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "clerk-moderate-test-{}-{name}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    pub fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// An emulator without a rate limit that waits `latency_ms` before each answer: a run on it
/// lasts long enough to be stopped, or held, mid-way.
pub fn slow_emulator(latency_ms: u64) -> Emulator {
    Emulator::builder()
        .no_rate_limit()
        .latency(Duration::from_millis(latency_ms))
        .start()
        .expect("the emulator starts")
}

/// `n` banned users on the emulator.
pub fn banned_users(emulator: &Emulator, n: usize) -> Vec<String> {
    (0..n).map(|_| emulator.seed_banned_user()).collect()
}

/// Whether the emulator's user has `field` (`banned`, `locked`) set.
pub fn is(emulator: &Emulator, id: &str, field: &str) -> bool {
    emulator.user(id).expect("a known user")[field] == true
}

/// The ids a recorded change request carried: the body of a bulk request, or the path's id.
pub fn ids_changed_by(
    request: &clerk_moderation_conformance::emulator::RecordedRequest,
) -> Vec<String> {
    if request.method != http::Method::POST {
        return Vec::new();
    }
    let path = request.path.split('?').next().unwrap_or_default();
    if path.ends_with("/users/ban") || path.ends_with("/users/unban") {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        return body["user_ids"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    }
    let mut parts = path.rsplit('/');
    let _action = parts.next();
    parts
        .next()
        .map(|id| vec![id.to_owned()])
        .unwrap_or_default()
}
