//! `FileBudget`: one window shared by the processes of one machine, in a small locked file.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clerk_moderation_core::{Grant, RateLimit, SecretKey, SharedWindow};

use super::deferred::{Deferred, Release, Releases};
use super::hold_off::HoldOff;
use super::{AsyncBudget, Budget, BudgetError, Slot, StoreFuture, Take};

/// What the file starts with: a file without it is not a window this code wrote.
const MAGIC: &[u8] = b"clerk-moderation budget 1\n";

/// How long a call waits for another process to let go of the file before it fails. A holder
/// keeps it for tens of microseconds; one that keeps it longer is stuck (stopped in a debugger,
/// frozen), and the client's retries take over.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// A rate window shared by the processes of one machine through a small file, locked while it
/// is read and written.
///
/// A [`take`](Budget::take) opens nothing new: it locks the file (std's advisory lock: `flock`
/// on Unix, `LockFileEx` on Windows), reads the window, applies the core's [`SharedWindow`] rule
/// at the wall clock (in milliseconds, rounded down to take and up to release), writes the
/// window back and unlocks: a few system calls and a decode of at most a window's places (16
/// bytes or so each). A [`release`](Budget::release) is held back and written with the next
/// take, or by a thread of the budget's own within 25 ms, or when the budget is dropped: a place
/// is then held that much longer, never less. The clock is the wall clock
/// because it is the one clock every process of the machine reads alike; a step backwards only
/// holds places longer, a step forwards frees them early.
///
/// A missing or empty file is an empty window. A file that is not a window (cut short by a
/// crash inside a write, or written by something else) is never read as an empty one: the
/// window is taken as full for one window from now, the longest any place it may have held can
/// still count at the server, and the file is written anew. Nothing is over-granted, and runs
/// go on a window later (with the `tracing` feature, a warning says so).
///
/// The lock is advisory and per file: every process must reach the same file (the same path on
/// a local file system; network file systems may not lock). Do not delete the file while runs
/// use it: a run keeps it open and would go on with its own copy.
///
/// ```
/// use clerk_moderation_core::{RateLimit, SecretKey};
/// use clerk_moderation_transports::budget::{Budget, FileBudget, Take};
/// use std::time::Duration;
///
/// let dir = std::env::temp_dir().join(format!("budget-doc-{}", std::process::id()));
/// let key = SecretKey::new("sk_test_doc").unwrap();
/// let limit = RateLimit::new(1, Duration::from_secs(10));
/// let lease = Duration::from_secs(60);
/// // Two handles on one instance's file, as two processes would have.
/// let (one, two) = (FileBudget::for_instance(&dir, &key), FileBudget::for_instance(&dir, &key));
/// let Take::Granted(slot) = one.take(limit, lease).unwrap() else { panic!() };
/// assert!(matches!(two.take(limit, lease).unwrap(), Take::Wait(_)));
/// one.release(slot, limit.per).unwrap();
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct FileBudget {
    store: Arc<FileStore>,
    hold_off: HoldOff,
    deferred: Arc<Deferred>,
}

/// The file, shared with the thread that sends held-back releases.
#[derive(Debug)]
struct FileStore {
    path: PathBuf,
    /// The open file (opened on first use, and again after an error), and a buffer for its
    /// bytes. The mutex keeps this process's threads apart: the file lock belongs to the open
    /// file, which they share.
    file: Mutex<Opened>,
}

#[derive(Debug, Default)]
struct Opened {
    file: Option<File>,
    bytes: Vec<u8>,
    /// The most places, and the longest window, asked for through this handle: how full, and
    /// for how long, a window read from a broken file is taken to be.
    largest: (u32, Duration),
}

impl FileBudget {
    /// A window kept in the file at `path`; the file and its directory are made on first use.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            store: Arc::new(FileStore {
                path: path.into(),
                file: Mutex::new(Opened::default()),
            }),
            hold_off: HoldOff::default(),
            deferred: Arc::default(),
        }
    }

    /// The window of the instance `key` belongs to, in `state_dir`: the file is named after the
    /// key's [fingerprint](SecretKey::fingerprint) (`budget-<fingerprint>`), never the key, so
    /// that every run of one instance on this machine finds the same file.
    pub fn for_instance(state_dir: impl AsRef<Path>, key: &SecretKey) -> Self {
        Self::at(
            state_dir
                .as_ref()
                .join(format!("budget-{}", key.fingerprint())),
        )
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.store.path
    }

    /// Opens the file (making it and its directory if missing) and reads the window once, so
    /// that a file that cannot be used shows before a run rather than as its requests fail.
    pub fn check(&self) -> Result<(), BudgetError> {
        self.store
            .with_window((0, Duration::ZERO), |window| {
                window.held(now_millis(Round::Down))
            })
            .map(|_| ())
    }

    /// Takes a place, writing the releases held back in the same locked step.
    fn take_now(&self, limit: RateLimit, lease: Duration) -> Result<Take, BudgetError> {
        if let Some(wait) = self.hold_off.waiting(limit) {
            return Ok(wait);
        }
        let slot = Slot::random();
        let releases = self.deferred.take_all();
        let per = releases
            .iter()
            .map(|(_, per)| *per)
            .fold(limit.per, Duration::max);
        let take = self.store.with_window((limit.requests, per), |window| {
            apply(window, &releases);
            let now = now_millis(Round::Down);
            match window.take(slot.0, limit, now, lease) {
                Grant::Taken => Take::Granted(slot),
                Grant::WaitUntil(at) => Take::Wait(Duration::from_millis(at.saturating_sub(now))),
            }
        });
        let take = take.inspect_err(|_| self.deferred.put_back(releases))?;
        self.hold_off.note(take, limit, Instant::now());
        Ok(take)
    }

    /// Holds the release back for the next take (see the module docs).
    fn release_now(&self, slot: Slot, per: Duration) -> Result<(), BudgetError> {
        self.deferred.release(&self.store, (slot, per))
    }
}

impl Drop for FileBudget {
    fn drop(&mut self) {
        self.deferred.close_into(self.store.as_ref());
    }
}

/// Writes releases into a window, at the store's clock rounded up.
fn apply(window: &mut SharedWindow, releases: &[Release]) {
    if releases.is_empty() {
        return;
    }
    let now = now_millis(Round::Up);
    for (slot, per) in releases {
        window.release(slot.0, now, *per);
    }
}

impl Releases for FileStore {
    /// Writes releases in one locked step.
    fn release(&self, releases: &[Release]) -> Result<(), BudgetError> {
        let per = releases
            .iter()
            .map(|(_, per)| *per)
            .max()
            .unwrap_or_default();
        self.with_window((0, per), |window| apply(window, releases))
    }
}

impl FileStore {
    /// Runs `change` on the window under the file's lock, and writes the window back; `limit`
    /// is the places and window the caller works with.
    fn with_window<R>(
        &self,
        (requests, per): (u32, Duration),
        change: impl FnOnce(&mut SharedWindow) -> R,
    ) -> Result<R, BudgetError> {
        let mut opened = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        opened.largest = (opened.largest.0.max(requests), opened.largest.1.max(per));
        let result = self.locked(&mut opened, change);
        if result.is_err() {
            // The next call opens the file afresh (it may have been replaced, or a lock lost).
            opened.file = None;
        }
        result
    }

    fn locked<R>(
        &self,
        opened: &mut Opened,
        change: impl FnOnce(&mut SharedWindow) -> R,
    ) -> Result<R, BudgetError> {
        if opened.file.is_none() {
            opened.file = Some(self.open().map_err(|e| self.error("open the file", e))?);
        }
        let Some(file) = opened.file.as_ref() else {
            unreachable!("opened above");
        };
        lock(file).map_err(|e| self.error("lock the file", e))?;
        let outcome = self.read_change_write(opened, change);
        let unlocked = opened.file.as_ref().map(File::unlock);
        let result = outcome?;
        match unlocked {
            Some(Err(e)) => Err(self.error("unlock the file", e)),
            _ => Ok(result),
        }
    }

    fn read_change_write<R>(
        &self,
        opened: &mut Opened,
        change: impl FnOnce(&mut SharedWindow) -> R,
    ) -> Result<R, BudgetError> {
        let Some(mut file) = opened.file.as_ref() else {
            unreachable!("opened by the caller");
        };
        opened.bytes.clear();
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_end(&mut opened.bytes))
            .map_err(|e| self.error("read the file", e))?;
        let mut window = match decode(&opened.bytes) {
            Some(window) => window,
            None => self.broken_window(opened.largest),
        };
        let result = change(&mut window);
        opened.bytes.clear();
        opened.bytes.extend_from_slice(MAGIC);
        let bytes = postcard::to_extend(&window, std::mem::take(&mut opened.bytes))
            .map_err(|e| self.error("encode the window", e))?;
        opened.bytes = bytes;
        let Some(mut file) = opened.file.as_ref() else {
            unreachable!("opened by the caller");
        };
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&opened.bytes))
            .and_then(|_| file.set_len(opened.bytes.len() as u64))
            .map_err(|e| self.error("write the file", e))?;
        Ok(result)
    }

    /// The window a file that is not one stands for: full for a window from now.
    fn broken_window(&self, (requests, per): (u32, Duration)) -> SharedWindow {
        #[cfg(feature = "tracing")]
        tracing::warn!(
            target: "clerk_moderation_transports",
            path = %self.path.display(),
            "the budget file is not a window; taken as full for one window"
        );
        let mut window = SharedWindow::default();
        let now = now_millis(Round::Up);
        // Every place of the largest window this process knows (Clerk's at least), freeing one
        // window from now.
        let clerk = RateLimit::CLERK_PRODUCTION;
        let per = per.max(clerk.per);
        for _ in 0..requests.max(clerk.requests) {
            window.release(Slot::random().0, now, per);
        }
        window
    }

    fn open(&self) -> io::Result<File> {
        if let Some(dir) = self.path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
    }

    fn error(
        &self,
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> BudgetError {
        BudgetError::new(self.path.display().to_string(), what, source)
    }
}

/// The window a file holds: `None` when it is not one. An empty file (just made) is an empty
/// window.
fn decode(bytes: &[u8]) -> Option<SharedWindow> {
    if bytes.is_empty() {
        return Some(SharedWindow::default());
    }
    postcard::from_bytes(bytes.strip_prefix(MAGIC)?).ok()
}

/// Takes the file's lock, waiting for another holder up to [`LOCK_WAIT`].
fn lock(file: &File) -> io::Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_micros(20);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::Error(error)) => return Err(error),
            Err(TryLockError::WouldBlock) if started.elapsed() >= LOCK_WAIT => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "another process held the file's lock for over a second",
                ));
            }
            Err(TryLockError::WouldBlock) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(5));
            }
        }
    }
}

/// Which way the store rounds its clock: down to take (a place frees no earlier than its time),
/// up to release (a place is held a whole window from any moment of its millisecond).
#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

/// The wall clock, in milliseconds since the Unix epoch.
fn now_millis(round: Round) -> u64 {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    let millis = match round {
        Round::Down => micros / 1000,
        Round::Up => micros.div_ceil(1000),
    };
    u64::try_from(millis).unwrap_or(u64::MAX)
}

impl Budget for FileBudget {
    fn take(&self, limit: RateLimit, lease: Duration) -> Result<Take, BudgetError> {
        self.take_now(limit, lease)
    }

    fn release(&self, slot: Slot, per: Duration) -> Result<(), BudgetError> {
        self.release_now(slot, per)
    }
}

/// The same calls, made inline: each holds the file for tens of microseconds, less than a
/// task switch would cost.
impl AsyncBudget for FileBudget {
    fn take(&self, limit: RateLimit, lease: Duration) -> StoreFuture<'_, Take> {
        let take = self.take_now(limit, lease);
        Box::pin(async move { take })
    }

    fn release(&self, slot: Slot, per: Duration) -> StoreFuture<'_, ()> {
        let released = self.release_now(slot, per);
        Box::pin(async move { released })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "clerk-budget-unit-{}-{name}-{}",
            std::process::id(),
            crate::client::random_u64()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_broken_file_is_a_full_window_and_is_written_anew() {
        let dir = scratch("broken");
        let path = dir.join("window");
        std::fs::write(&path, b"clerk-moderation budget 1\n\xff\xff\xff").unwrap();
        let budget = FileBudget::at(&path);
        let limit = RateLimit::new(3, Duration::from_millis(300));
        let take = budget.take_now(limit, Duration::from_secs(60)).unwrap();
        assert!(
            matches!(take, Take::Wait(wait) if wait > Duration::from_millis(300)),
            "{take:?}"
        );
        let bytes = std::fs::read(&path).unwrap();
        assert!(decode(&bytes).is_some(), "the file was written anew");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_missing_or_empty_file_is_an_empty_window() {
        let dir = scratch("missing");
        let limit = RateLimit::new(1, Duration::from_secs(10));
        let lease = Duration::from_secs(60);
        let budget = FileBudget::at(dir.join("deeper/window"));
        assert!(matches!(
            budget.take_now(limit, lease).unwrap(),
            Take::Granted(_)
        ));
        let path = dir.join("empty");
        std::fs::write(&path, b"").unwrap();
        assert!(matches!(
            FileBudget::at(&path).take_now(limit, lease).unwrap(),
            Take::Granted(_)
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
