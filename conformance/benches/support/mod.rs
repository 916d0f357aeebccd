//! What the end-to-end benches share: the emulator as a separate process, child processes that
//! never outlive the bench, and `/proc` readings of CPU time and memory.
//!
//! The benches of `clerk-moderation-conformance` and of `clerk-moderate` both include this file
//! (the latter by path): the emulator binary is found as [`emulator_binary`] says.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Clock ticks per second in `/proc/<pid>/stat` (`USER_HZ`, 100 on every Linux target).
const CLOCK_TICKS: f64 = 100.0;

/// How long the emulator may take to start and to stop.
const EMULATOR_WAIT: Duration = Duration::from_secs(10);

/// A number from the environment, or `default` when the variable is unset; a bench setting that
/// is not a number stops the bench rather than being ignored.
pub fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// The `clerk-emulator` binary.
///
/// The conformance crate's own benches get it from cargo (`CARGO_BIN_EXE_clerk-emulator`). Any
/// other package's bench cannot see another package's binary, so it asks cargo to build it
/// into the target directory the bench runs from (`<target>/<profile>/deps/<bench>`): cargo
/// leaves it as it is when it is up to date, and the bench then starts it from
/// `<target>/<profile>/clerk-emulator`, exactly as the conformance benches do. Built once per
/// bench process.
pub fn emulator_binary() -> PathBuf {
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY
        .get_or_init(|| match option_env!("CARGO_BIN_EXE_clerk-emulator") {
            Some(path) => PathBuf::from(path),
            None => build_emulator(),
        })
        .clone()
}

/// Has cargo build `clerk-emulator` beside the running bench, and returns its path.
fn build_emulator() -> PathBuf {
    let bench = std::env::current_exe().expect("the bench knows its own path");
    let profile_dir = bench
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the bench runs from <target>/<profile>/deps");
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        // `cargo bench` builds its libraries with the bench profile; `cargo test --benches`
        // with the test profile, whose settings are dev's: the emulator reuses them.
        Some("release") => "bench",
        Some("debug") => "dev",
        Some(other) => other,
        None => panic!("no profile directory above {}", bench.display()),
    };
    let target_dir = profile_dir.parent().expect("a target directory");
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Without the proptest strategies: the binary does not need them, and the library is then
    // the one `clerk-moderate` already built. Without the variables cargo set for this bench
    // (its package, its manifest directory): build scripts that watch them (ring's) would
    // otherwise see a change and rebuild half the tree on every run.
    let mut command = Command::new(cargo);
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let set_for_this_bench = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_TMPDIR"
                    | "OUT_DIR"
            );
        if set_for_this_bench {
            command.env_remove(name);
        }
    }
    let status = command
        .args([
            "build",
            "--quiet",
            "--manifest-path",
            manifest,
            "--profile",
            profile,
        ])
        .args([
            "-p",
            "clerk-moderation-conformance",
            "--no-default-features",
        ])
        .args(["--bin", "clerk-emulator"])
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo could not build clerk-emulator");
    let binary = profile_dir.join(format!("clerk-emulator{}", std::env::consts::EXE_SUFFIX));
    assert!(binary.is_file(), "no {} after the build", binary.display());
    binary
}

/// A `VmXxx:` line of `/proc/<pid>/status`, in KiB (`pid` may be `self`).
pub fn proc_status_kib(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// The state letter of a process (`R`, `S`, `Z` for one that exited and is not yet reaped…),
/// or `None` once it is gone.
pub fn proc_state(pid: &str) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

/// User plus system CPU time of a process so far, in seconds (all its threads).
pub fn proc_cpu_secs(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / CLOCK_TICKS)
}

/// A running `clerk-emulator` (with `--exit-on-stdin-close`): closing its stdin stops it;
/// dropping this closes stdin, waits a little, then kills it. So the server never outlives the
/// bench, even on a panic.
pub struct EmulatorProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    pub base_url: String,
    pub secret_key: String,
    /// Every seeded user, in the order printed (`user`, `banned_user`, `locked_user` lines).
    pub users: Vec<String>,
}

impl EmulatorProcess {
    /// Starts the emulator with `args` (on top of `--port 0 --exit-on-stdin-close`) and reads its
    /// labelled lines until `users` user lines came.
    pub fn spawn(args: &[&str], users: usize) -> Self {
        let mut child = Command::new(emulator_binary())
            .args(["--port", "0", "--exit-on-stdin-close"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the clerk-emulator binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take();
        // From here on, a panic drops the guard, which stops the process.
        let mut emulator = Self {
            child,
            stdin,
            base_url: String::new(),
            secret_key: String::new(),
            users: Vec::new(),
        };
        // Read its labelled lines on a thread, so a silent emulator cannot hang the bench.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + EMULATOR_WAIT + Duration::from_secs(users as u64 / 20_000);
        while emulator.users.len() < users || emulator.secret_key.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .expect("the emulator prints its address, key and users in time");
            match line.split_once(' ') {
                Some(("base_url", v)) => emulator.base_url = v.to_owned(),
                Some(("secret_key", v)) => emulator.secret_key = v.to_owned(),
                Some(("user" | "banned_user" | "locked_user", v)) => {
                    emulator.users.push(v.to_owned());
                }
                _ => {}
            }
        }
        assert!(!emulator.base_url.is_empty(), "no base_url line");
        emulator
    }

    /// The process id, for `/proc` readings.
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        // End of stdin: the emulator shuts down and exits.
        drop(self.stdin.take());
        let deadline = Instant::now() + EMULATOR_WAIT;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kills the child process if it is still running when dropped.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match self.0.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
