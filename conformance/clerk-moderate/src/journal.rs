//! `--journal FILE`: every outcome appended as it is known, so that a run stopped at any point
//! (Ctrl-C, a crash, `kill -9`, a laptop that sleeps) can be run again and finish the job
//! without acting twice on a user it already finished.
//!
//! The file is JSON Lines. Each run that acts writes a *run line* first:
//!
//! ```text
//! {"clerk_moderate_journal":1,"key_fingerprint":"9f86d081884c7d659a2feaa0c55ad015","instance":"production",
//!  "api_url":"https://api.clerk.com/v1","action":"unban","dry_run":false,"started_at":1795132800000}
//! ```
//!
//! then one `--json` outcome object per user. The first run line binds the journal to its
//! instance (the key's fingerprint, `SecretKey::fingerprint`: the key never goes in the file),
//! its API base URL and its action: a run with another key, URL or action is refused (exit 2,
//! naming both sides) before anything is sent, for a journal of a development instance must
//! never make a production run skip its users. Dry runs and real runs of that one action share
//! the file, as before: each run line says which its outcomes are, and only those of this run's
//! mode count.
//!
//! One run holds the journal at a time: an advisory lock on the file (`File::try_lock`), which the
//! operating system lets go when the process ends, however it ends. A second run while the first
//! holds it is refused (exit 2). Where the file system cannot lock, the run says so and goes on.
//!
//! A journal written by clerk-moderate before journals were bound (no run line: its first line is
//! an outcome) is refused too, and left as it is: nothing in it says which instance its users
//! were finished on, which is the very mistake the binding is there to stop. A new journal costs
//! at most acting again on users already finished, which changes nothing for them.
//!
//! Each line goes to the file in one `write` before the outcome is printed or the next request
//! is sent, so it survives the process dying at once; it is forced to the disk (`fsync`) at least
//! once a second and at the end, so a power loss costs at most the last second, whose users are
//! then acted on again (every action is idempotent: unbanning an unbanned user changes nothing).
//!
//! Which earlier outcomes count as finished, for a run of the journal's action:
//! - a real run: the `done` and `not_found` of real runs (a user that does not exist will not
//!   appear);
//! - a dry run: the `would_change`, `unchanged` and `not_found` of dry runs;
//! - `failed` and `not_attempted` never: those users are tried again.
//!
//! A UTF-8 byte-order mark at the start is skipped. A last line cut short (the process died
//! inside a write) is dropped before appending; any other line that is neither a run line nor an
//! outcome object means FILE is not a journal, and it is left alone.

use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clerk_moderation_core::{Action, ApiConfig, OutcomeKind};
use serde::{Deserialize, Serialize};

use crate::Failure;
use crate::ids::BYTE_ORDER_MARK;
use crate::output::{counted, note};

/// How often, at least, appended lines are forced to the disk.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// The version of the journal's format, in every run line. A journal of a later version is
/// refused rather than misread.
const FORMAT: u32 = 1;

/// What a journal is bound to: the instance, the API and the action of the runs that write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The key's fingerprint: it names the instance without being the key.
    pub key_fingerprint: String,
    /// `production`, `development` or `unknown`, from the key's prefix: for the reader.
    pub instance: String,
    /// The API base URL requests go to.
    pub api_url: String,
    /// The action.
    pub action: String,
}

impl Binding {
    /// The binding of a run of `action` with `config`.
    pub fn new(config: &ApiConfig, action: Action) -> Self {
        Self {
            key_fingerprint: config.secret_key().fingerprint(),
            instance: config.secret_key().instance().as_str().to_owned(),
            api_url: config.base_url().to_owned(),
            action: action.as_str().to_owned(),
        }
    }

    /// What differs between a journal's binding (`self`) and a run's (`run`), in words.
    fn differences(&self, run: &Self) -> Vec<String> {
        let mut differences = Vec::new();
        if self.key_fingerprint != run.key_fingerprint {
            differences.push(format!(
                "the journal is for the key with fingerprint {} (a {} instance), this run's key \
                 has fingerprint {} (a {} instance)",
                self.key_fingerprint, self.instance, run.key_fingerprint, run.instance
            ));
        }
        if self.api_url != run.api_url {
            differences.push(format!(
                "the journal is for the API at {}, this run sends to {}",
                self.api_url, run.api_url
            ));
        }
        if self.action != run.action {
            differences.push(format!(
                "the journal is for {}, this run is {}",
                self.action, run.action
            ));
        }
        differences
    }
}

/// A run line, as written and read.
#[derive(Debug, Serialize, Deserialize)]
struct RunLine {
    /// The format's version; its presence makes the line a run line.
    clerk_moderate_journal: u32,
    key_fingerprint: String,
    instance: String,
    api_url: String,
    action: String,
    /// Whether the outcomes after it, up to the next run line, are a dry run's.
    dry_run: bool,
    /// When the run began, in Unix milliseconds: for the reader.
    #[serde(default)]
    started_at: Option<u64>,
}

impl RunLine {
    fn binding(&self) -> Binding {
        Binding {
            key_fingerprint: self.key_fingerprint.clone(),
            instance: self.instance.clone(),
            api_url: self.api_url.clone(),
            action: self.action.clone(),
        }
    }
}

/// The fields of an outcome line the journal needs.
#[derive(Deserialize)]
struct Entry {
    user_id: String,
    action: String,
    outcome: String,
}

/// A complete line of a journal.
#[derive(Deserialize)]
#[serde(untagged)]
enum Line {
    Run(RunLine),
    Outcome(Entry),
}

/// An open journal, held (locked) by this run and appended to.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    binding: Binding,
    last_sync: Instant,
    unsynced: bool,
}

/// What an existing journal says.
#[derive(Debug, Default)]
pub struct Earlier {
    /// Users this run can skip.
    pub finished: HashSet<String>,
    /// Earlier runs (run lines read).
    pub runs: usize,
    /// Outcome lines read.
    pub entries: usize,
    /// Outcomes of the other mode (dry run or not), which this run ignores.
    pub others: usize,
    /// Whether a last line cut short was dropped.
    pub dropped_torn_line: bool,
}

/// Whether an earlier `outcome` of a run of the same mode means the user is finished.
pub fn counts_as_finished(outcome: &str, dry_run: bool) -> bool {
    let finished: &[OutcomeKind] = if dry_run {
        &[
            OutcomeKind::WouldChange,
            OutcomeKind::Unchanged,
            OutcomeKind::NotFound,
        ]
    } else {
        &[OutcomeKind::Done, OutcomeKind::NotFound]
    };
    finished.iter().any(|kind| kind.as_str() == outcome)
}

impl Journal {
    /// Opens (or creates) the journal at `path` and locks it; checks that it is bound to
    /// `binding` and reads what it already holds for a run of that mode (`dry_run`); and makes
    /// it ready to append. Any refusal leaves the file as it was.
    pub fn open(path: &Path, binding: &Binding, dry_run: bool) -> Result<(Self, Earlier), Failure> {
        let shown = path.display();
        let fail = |e: io::Error| Failure::usage(format!("--journal {shown}: {e}"));
        let not_a_journal = |number: usize| {
            Failure::usage(format!(
                "--journal {shown}: line {number} is not an outcome of clerk-moderate; is this \
                 the right file? (it was left as it is)"
            ))
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Failure::usage(format!(
                    "--journal {shown} is held by another run of clerk-moderate, which may still \
                     be going: nothing was sent. Wait for it to end, or give this run a journal \
                     of its own"
                )));
            }
            Err(TryLockError::Error(error)) if error.kind() == io::ErrorKind::Unsupported => {
                note(format_args!(
                    "--journal {shown}: this file system cannot lock the file; make sure no \
                     other run uses it at the same time"
                ));
            }
            Err(TryLockError::Error(error)) => return Err(fail(error)),
        }
        let mut earlier = Earlier::default();
        let mut reader = BufReader::new(&file);
        let mut raw = Vec::new();
        // Where the complete lines end: a torn last line is cut off there.
        let mut complete = 0_u64;
        let mut number = 0_usize;
        // The mode of the outcomes being read: that of the last run line.
        let mut mode = None;
        loop {
            raw.clear();
            let read = reader.read_until(b'\n', &mut raw).map_err(fail)?;
            if read == 0 {
                break;
            }
            number += 1;
            let mut line = &raw[..];
            if number == 1 {
                line = line.strip_prefix(BYTE_ORDER_MARK).unwrap_or(line);
            }
            if line.last() != Some(&b'\n') {
                // Only what can be the start of a journal line is taken for a torn line:
                // a file of ids without a final line end must not lose its last id.
                if !line.starts_with(b"{") {
                    return Err(not_a_journal(number));
                }
                earlier.dropped_torn_line = true;
                break;
            }
            complete += read as u64;
            let text = String::from_utf8_lossy(line);
            if text.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(&text).map_err(|_| not_a_journal(number))? {
                Line::Run(run) => {
                    if run.clerk_moderate_journal > FORMAT {
                        return Err(Failure::usage(format!(
                            "--journal {shown}: line {number} is of a later clerk-moderate \
                             (journal format {}, this one reads {FORMAT}); it was left as it is",
                            run.clerk_moderate_journal
                        )));
                    }
                    let differences = run.binding().differences(binding);
                    if !differences.is_empty() {
                        return Err(Failure::usage(format!(
                            "--journal {shown} belongs to another run: {}. Nothing was sent; \
                             give this run a journal of its own (the file was left as it is)",
                            differences.join("; ")
                        )));
                    }
                    earlier.runs += 1;
                    mode = Some(run.dry_run);
                }
                Line::Outcome(_) if mode.is_none() => {
                    return Err(Failure::usage(format!(
                        "--journal {shown} was written by an earlier clerk-moderate, before \
                         journals recorded their instance, API URL and action: nothing says \
                         which instance its users were finished on, so it cannot be trusted for \
                         this run. Nothing was sent and the file was left as it is; give this run \
                         a new journal (users already finished are acted on again, which \
                         changes nothing for them)"
                    )));
                }
                Line::Outcome(entry) => {
                    earlier.entries += 1;
                    if entry.action != binding.action || mode != Some(dry_run) {
                        earlier.others += 1;
                    } else if counts_as_finished(&entry.outcome, dry_run) {
                        earlier.finished.insert(entry.user_id);
                    }
                }
            }
        }
        drop(reader);
        if earlier.dropped_torn_line {
            file.set_len(complete).map_err(fail)?;
            file.seek(SeekFrom::End(0)).map_err(fail)?;
        }
        Ok((
            Self {
                file,
                path: path.to_owned(),
                binding: binding.clone(),
                last_sync: Instant::now(),
                unsynced: false,
            },
            earlier,
        ))
    }

    /// Writes this run's run line (the journal's first line, when it is new), and forces it to
    /// the disk: called once, just before the first request.
    pub fn begin(&mut self, dry_run: bool) -> io::Result<()> {
        let started_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|since| u64::try_from(since.as_millis()).ok());
        let run = RunLine {
            clerk_moderate_journal: FORMAT,
            key_fingerprint: self.binding.key_fingerprint.clone(),
            instance: self.binding.instance.clone(),
            api_url: self.binding.api_url.clone(),
            action: self.binding.action.clone(),
            dry_run,
            started_at,
        };
        // Strings, numbers and booleans always serialize.
        let mut line = serde_json::to_vec(&run).unwrap_or_default();
        line.push(b'\n');
        self.append(&line)?;
        self.sync()
    }

    /// Appends one line (which ends with `\n`) in one write, and forces the file to the disk if
    /// the last time was a second ago or more.
    pub fn append(&mut self, line: &[u8]) -> io::Result<()> {
        self.file.write_all(line)?;
        self.unsynced = true;
        if self.last_sync.elapsed() >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(())
    }

    /// Forces what was appended to the disk.
    pub fn sync(&mut self) -> io::Result<()> {
        if self.unsynced {
            self.file.sync_data()?;
            self.unsynced = false;
        }
        self.last_sync = Instant::now();
        Ok(())
    }

    /// The path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Says what the journal held, for a run of `dry_run`'s mode.
    pub fn describe(&self, earlier: &Earlier, dry_run: bool) {
        let path = self.path.display();
        if earlier.dropped_torn_line {
            note(format_args!(
                "journal {path}: its last line was cut short (a run stopped inside a write) and \
                 was dropped; that user is acted on again"
            ));
        }
        if earlier.entries > 0 {
            let others = if earlier.others > 0 {
                format!(
                    "; {} of {} do not count",
                    counted(earlier.others as u64, "outcome", "outcomes"),
                    if dry_run { "real runs" } else { "dry runs" }
                )
            } else {
                String::new()
            };
            note(format_args!(
                "journal {path}: {} of {}; {} finished{others}",
                counted(earlier.entries as u64, "outcome", "outcomes"),
                counted(earlier.runs as u64, "earlier run", "earlier runs"),
                counted(earlier.finished.len() as u64, "user", "users"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, content: &[u8]) -> Self {
            let path = std::env::temp_dir().join(format!(
                "clerk-moderate-journal-{}-{name}",
                std::process::id()
            ));
            std::fs::write(&path, content).unwrap();
            Self(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn binding(action: &str) -> Binding {
        Binding {
            key_fingerprint: "0123456789abcdef0123456789abcdef".to_owned(),
            instance: "development".to_owned(),
            api_url: "http://127.0.0.1:8080/v1".to_owned(),
            action: action.to_owned(),
        }
    }

    fn run_line(binding: &Binding, dry_run: bool) -> String {
        format!(
            "{{\"clerk_moderate_journal\":1,\"key_fingerprint\":\"{}\",\"instance\":\"{}\",\"api_url\":\"{}\",\"action\":\"{}\",\"dry_run\":{dry_run},\"started_at\":1}}\n",
            binding.key_fingerprint, binding.instance, binding.api_url, binding.action
        )
    }

    fn line(user: &str, action: &str, outcome: &str) -> String {
        format!(
            "{{\"user_id\":\"{user}\",\"action\":\"{action}\",\"outcome\":\"{outcome}\",\"banned\":null}}\n"
        )
    }

    /// A journal of one real run that finished `user_1`.
    fn one_done_run(binding: &Binding) -> String {
        run_line(binding, false) + &line("user_1", &binding.action, "done")
    }

    fn sorted(earlier: &Earlier) -> Vec<&str> {
        let mut finished: Vec<_> = earlier.finished.iter().map(String::as_str).collect();
        finished.sort_unstable();
        finished
    }

    // Journals are bound to one action now, and each run line says its mode: a real run counts
    // the done and not_found of real runs, a dry run the would_change, unchanged and not_found of
    // dry runs; failed and not_attempted never count.
    #[test]
    fn finished_users_per_mode() {
        let unban = binding("unban");
        let content = [
            run_line(&unban, false),
            line("user_1", "unban", "done"),
            line("user_2", "unban", "not_found"),
            line("user_3", "unban", "failed"),
            line("user_4", "unban", "not_attempted"),
            run_line(&unban, true),
            line("user_5", "unban", "would_change"),
            line("user_6", "unban", "not_found"),
            "\n".to_owned(),
        ]
        .concat();
        let file = TempFile::new("modes", content.as_bytes());
        let (journal, real) = Journal::open(&file.0, &unban, false).unwrap();
        assert_eq!(sorted(&real), ["user_1", "user_2"]);
        assert_eq!((real.runs, real.entries, real.others), (2, 6, 2));
        drop(journal);

        let (_, dry) = Journal::open(&file.0, &unban, true).unwrap();
        assert_eq!(sorted(&dry), ["user_5", "user_6"]);
        assert_eq!(dry.others, 4);
    }

    #[test]
    fn a_torn_last_line_is_dropped_before_appending() {
        let lock = binding("lock");
        let content = format!(
            "{}{}{}",
            run_line(&lock, false),
            line("user_1", "lock", "done"),
            "{\"user_id\":\"user_2\",\"act"
        );
        let file = TempFile::new("torn", content.as_bytes());
        let (mut journal, earlier) = Journal::open(&file.0, &lock, false).unwrap();
        assert!(earlier.dropped_torn_line);
        assert_eq!(earlier.finished.len(), 1);
        journal
            .append(line("user_2", "lock", "done").as_bytes())
            .unwrap();
        journal.sync().unwrap();
        drop(journal);
        let (_, again) = Journal::open(&file.0, &lock, false).unwrap();
        assert!(!again.dropped_torn_line);
        assert_eq!(again.finished.len(), 2);
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_left_alone() {
        for content in [&b"user_1\nuser_2\n"[..], b"user_1"] {
            let file = TempFile::new("ids", content);
            let error = Journal::open(&file.0, &binding("ban"), false).unwrap_err();
            assert!(error.message.contains("line 1"), "{}", error.message);
            assert_eq!(std::fs::read(&file.0).unwrap(), content);
        }
    }

    #[test]
    fn a_new_journal_starts_with_its_run_line_and_binds_every_later_run() {
        let ban = binding("ban");
        let file = TempFile::new("new", b"");
        let (mut journal, earlier) = Journal::open(&file.0, &ban, false).unwrap();
        assert_eq!(earlier.runs, 0);
        journal.begin(false).unwrap();
        journal
            .append(line("user_1", "ban", "done").as_bytes())
            .unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&file.0).unwrap();
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["clerk_moderate_journal"], 1);
        assert_eq!(first["key_fingerprint"], ban.key_fingerprint.as_str());
        assert_eq!(first["api_url"], ban.api_url.as_str());
        assert_eq!(first["action"], "ban");
        assert_eq!(first["dry_run"], false);
        let (_, earlier) = Journal::open(&file.0, &ban, false).unwrap();
        assert_eq!(sorted(&earlier), ["user_1"]);
    }

    #[test]
    fn a_journal_of_another_instance_url_or_action_is_refused_naming_both_sides() {
        let ours = binding("unban");
        let content = one_done_run(&ours);
        let file = TempFile::new("other", content.as_bytes());
        let production = Binding {
            key_fingerprint: "fedcba9876543210fedcba9876543210".to_owned(),
            instance: "production".to_owned(),
            ..ours.clone()
        };
        let elsewhere = Binding {
            api_url: "https://api.clerk.com/v1".to_owned(),
            ..ours.clone()
        };
        for (other, sides) in [
            (
                &production,
                [
                    "0123456789abcdef0123456789abcdef (a development instance)",
                    "fedcba9876543210fedcba9876543210 (a production instance)",
                ],
            ),
            (
                &elsewhere,
                ["http://127.0.0.1:8080/v1", "https://api.clerk.com/v1"],
            ),
            (&binding("ban"), ["is for unban", "this run is ban"]),
        ] {
            let error = Journal::open(&file.0, other, false).unwrap_err();
            assert_eq!(error.exit, crate::Exit::Usage);
            assert!(
                error.message.contains("belongs to another run"),
                "{}",
                error.message
            );
            for side in sides {
                assert!(error.message.contains(side), "{side}: {}", error.message);
            }
            assert_eq!(std::fs::read_to_string(&file.0).unwrap(), content);
        }
    }

    #[test]
    fn a_journal_without_a_run_line_is_refused_and_left_alone() {
        let content = line("user_1", "unban", "done");
        let file = TempFile::new("legacy", content.as_bytes());
        let error = Journal::open(&file.0, &binding("unban"), false).unwrap_err();
        assert!(
            error.message.contains("earlier clerk-moderate"),
            "{}",
            error.message
        );
        assert_eq!(std::fs::read_to_string(&file.0).unwrap(), content);
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_skipped() {
        let unban = binding("unban");
        let content = format!("\u{feff}{}", one_done_run(&unban));
        let file = TempFile::new("bom", content.as_bytes());
        let (_, earlier) = Journal::open(&file.0, &unban, false).unwrap();
        assert_eq!(sorted(&earlier), ["user_1"]);
    }

    #[test]
    fn one_run_holds_the_journal_at_a_time() {
        let unban = binding("unban");
        let file = TempFile::new("held", b"");
        let (held, _) = Journal::open(&file.0, &unban, false).unwrap();
        let error = Journal::open(&file.0, &unban, false).unwrap_err();
        assert!(
            error.message.contains("held by another run"),
            "{}",
            error.message
        );
        drop(held);
        assert!(Journal::open(&file.0, &unban, false).is_ok());
    }
}
