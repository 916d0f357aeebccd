//! `FileBudget`: one window for every process of the machine that reaches its file.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use clerk_moderation_core::{RateLimit, SecretKey};
use clerk_moderation_transports::budget::{Budget, FileBudget};

mod budget_support;
mod support;
use budget_support::{grants_from_threads, released_and_expired_places_free};

/// Set in a child process: the budget file it takes places in.
const CHILD_FILE: &str = "BUDGET_FILE_TEST_CHILD";
/// Set in a child process: when to start (wall clock, milliseconds), so that all take at once.
const CHILD_START: &str = "BUDGET_FILE_TEST_START";
/// Threads each process takes places from, and takes per thread.
const THREADS: usize = 6;
const TAKES: usize = 15;
/// Fewer places than the processes ask for together.
const LIMIT: RateLimit = RateLimit::new(40, Duration::from_secs(600));

/// A fresh directory under the system's temporary one, removed on drop.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "clerk-budget-file-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn wall_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Takes places from `budget` on [`THREADS`] threads at once from `start` (wall clock
/// milliseconds); how many were granted.
fn take_from_threads(budget: Arc<FileBudget>, start: u64) -> usize {
    let wait = Duration::from_millis(start.saturating_sub(wall_millis()));
    std::thread::sleep(wait.min(Duration::from_secs(5)));
    grants_from_threads(&[budget], THREADS, TAKES, LIMIT)
}

/// The child's part of [`processes_and_threads_together_never_get_more_places_than_the_limit`]:
/// prints how many places it got.
#[test]
fn child_takes_places() {
    let Ok(path) = std::env::var(CHILD_FILE) else {
        return;
    };
    let start = std::env::var(CHILD_START).unwrap().parse().unwrap();
    let granted = take_from_threads(Arc::new(FileBudget::at(path)), start);
    println!("granted {granted}");
}

#[test]
fn processes_and_threads_together_never_get_more_places_than_the_limit() {
    let scratch = Scratch::new("processes");
    let path = scratch.0.join("window");
    // Processes started now take their places together, a moment from now.
    let start = wall_millis() + 500;
    let children: Vec<_> = (0..3)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "child_takes_places",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_FILE, &path)
                .env(CHILD_START, start.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .expect("the test binary runs")
        })
        .collect();
    let mut granted = take_from_threads(Arc::new(FileBudget::at(&path)), start);
    for child in children {
        // Each child's takes are bounded (a second at most for the lock, each).
        let child = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&child.stdout);
        assert!(child.status.success(), "{stdout}");
        let line = stdout
            .split("granted ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no count in {stdout}"));
        granted += line.trim().parse::<usize>().unwrap();
    }
    // Four processes asked for 360 places: exactly the limit were granted.
    assert_eq!(granted, LIMIT.requests as usize);
}

#[test]
fn a_released_place_frees_a_window_after_its_release_and_an_expired_lease_frees() {
    let scratch = Scratch::new("release");
    let path = scratch.0.join("window");
    released_and_expired_places_free(|| Arc::new(FileBudget::at(&path)));
}

#[test]
fn an_instance_is_named_by_its_fingerprint_never_its_key() {
    let scratch = Scratch::new("instance");
    let key = SecretKey::new("sk_live_VerySecret123").unwrap();
    let budget = FileBudget::for_instance(&scratch.0, &key);
    assert_eq!(
        budget.path(),
        scratch.0.join(format!("budget-{}", key.fingerprint()))
    );
    budget.check().unwrap();
    let bytes = std::fs::read(budget.path()).unwrap();
    let shown = format!("{}{budget:?}", budget.path().display());
    assert!(
        !shown.contains("VerySecret") && !String::from_utf8_lossy(&bytes).contains("VerySecret")
    );
}

#[test]
fn a_file_that_cannot_be_made_is_an_error_that_names_it() {
    let scratch = Scratch::new("unmakeable");
    let blocker = scratch.0.join("a_file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let budget = FileBudget::at(blocker.join("window"));
    let error = budget.check().unwrap_err();
    assert!(error.to_string().contains("a_file"), "{error}");
    let limit = RateLimit::new(1, Duration::from_secs(1));
    assert!(budget.take(limit, Duration::from_secs(1)).is_err());
}
