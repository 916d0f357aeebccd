//! `--journal FILE`: every outcome appended as it is known, so that a run stopped at any point
//! (Ctrl-C, a crash, `kill -9`, a laptop that sleeps) can be run again and finish the job
//! without acting twice on a user it already finished.
//!
//! The file is JSON Lines, one `--json` outcome object per line. Each line goes to the file in
//! one `write` before the outcome is printed or the next request is sent, so it survives the
//! process dying at once; it is forced to the disk (`fsync`) at least once a second and at the
//! end, so a power loss costs at most the last second, whose users are then acted on again
//! (every action is idempotent: unbanning an unbanned user changes nothing).
//!
//! Which earlier outcomes count as finished, for a run of action A:
//! - a real run: A's `done` and `not_found` (a user that does not exist will not appear);
//! - a dry run: A's `would_change`, `unchanged` and `not_found` (what a dry run reports);
//! - `failed` and `not_attempted` never: those users are tried again.
//!
//! Outcomes of other actions, and of a dry run for a real run (and the reverse), are not
//! finished: a journal may hold a dry run and then the real run, or a ban and a later unban.
//!
//! A last line cut short (the process died inside a write) is dropped before appending; any
//! other line that is not an outcome object means FILE is not a journal, and it is left alone.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clerk_moderation_core::{Action, OutcomeKind};
use serde::Deserialize;

use crate::Failure;

/// How often, at least, appended lines are forced to the disk.
const SYNC_EVERY: Duration = Duration::from_secs(1);

/// An open journal, appended to.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    last_sync: Instant,
    unsynced: bool,
}

/// What an existing journal says.
#[derive(Debug, Default)]
pub struct Earlier {
    /// Users this run can skip.
    pub finished: HashSet<String>,
    /// Outcome lines read.
    pub entries: usize,
    /// Lines about other actions, or the other mode (dry run or not), which this run ignores.
    pub others: usize,
    /// Whether a last line cut short was dropped.
    pub dropped_torn_line: bool,
}

/// The fields of an outcome line the journal needs.
#[derive(Deserialize)]
struct Entry {
    user_id: String,
    action: String,
    outcome: String,
}

/// Whether an earlier `outcome` of the same action means the user is finished for this run.
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
    /// Opens (or creates) the journal at `path`, reads what it already holds for `action`, and
    /// makes it ready to append.
    pub fn open(path: &Path, action: Action, dry_run: bool) -> Result<(Self, Earlier), Failure> {
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
        let mut earlier = Earlier::default();
        let mut reader = BufReader::new(&file);
        let mut line = Vec::new();
        // Where the complete lines end: a torn last line is cut off there.
        let mut complete = 0_u64;
        let mut number = 0_usize;
        loop {
            line.clear();
            let read = reader.read_until(b'\n', &mut line).map_err(fail)?;
            if read == 0 {
                break;
            }
            number += 1;
            if line.last() != Some(&b'\n') {
                // Only what can be the start of an outcome object is taken for a torn line:
                // a file of ids without a final line end must not lose its last id.
                if !line.starts_with(b"{") {
                    return Err(not_a_journal(number));
                }
                earlier.dropped_torn_line = true;
                break;
            }
            complete += read as u64;
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                continue;
            }
            let entry: Entry = serde_json::from_str(&text).map_err(|_| not_a_journal(number))?;
            earlier.entries += 1;
            let same_action = entry.action == action.as_str();
            let same_mode = counts_as_finished(&entry.outcome, dry_run)
                || entry.outcome == OutcomeKind::Failed.as_str()
                || entry.outcome == OutcomeKind::NotAttempted.as_str();
            if !same_action || !same_mode {
                earlier.others += 1;
            }
            if same_action && counts_as_finished(&entry.outcome, dry_run) {
                earlier.finished.insert(entry.user_id);
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
                last_sync: Instant::now(),
                unsynced: false,
            },
            earlier,
        ))
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

    fn line(user: &str, action: &str, outcome: &str) -> String {
        format!(
            "{{\"user_id\":\"{user}\",\"action\":\"{action}\",\"outcome\":\"{outcome}\",\"banned\":null}}\n"
        )
    }

    #[test]
    fn finished_users_per_action_and_mode() {
        let content = [
            line("user_1", "unban", "done"),
            line("user_2", "unban", "not_found"),
            line("user_3", "unban", "failed"),
            line("user_4", "unban", "not_attempted"),
            line("user_5", "unban", "would_change"),
            line("user_6", "ban", "done"),
            "\n".to_owned(),
        ]
        .concat();
        let file = TempFile::new("modes", content.as_bytes());
        let (_, real) = Journal::open(&file.0, Action::Unban, false).unwrap();
        let mut finished: Vec<_> = real.finished.iter().map(String::as_str).collect();
        finished.sort_unstable();
        assert_eq!(finished, ["user_1", "user_2"]);
        assert_eq!((real.entries, real.others), (6, 2));

        let (_, dry) = Journal::open(&file.0, Action::Unban, true).unwrap();
        let mut finished: Vec<_> = dry.finished.iter().map(String::as_str).collect();
        finished.sort_unstable();
        assert_eq!(finished, ["user_2", "user_5"]);
    }

    #[test]
    fn a_torn_last_line_is_dropped_before_appending() {
        let content = format!(
            "{}{}",
            line("user_1", "lock", "done"),
            "{\"user_id\":\"user_2\",\"act"
        );
        let file = TempFile::new("torn", content.as_bytes());
        let (mut journal, earlier) = Journal::open(&file.0, Action::Lock, false).unwrap();
        assert!(earlier.dropped_torn_line);
        assert_eq!(earlier.finished.len(), 1);
        journal
            .append(line("user_2", "lock", "done").as_bytes())
            .unwrap();
        journal.sync().unwrap();
        let (_, again) = Journal::open(&file.0, Action::Lock, false).unwrap();
        assert!(!again.dropped_torn_line);
        assert_eq!(again.finished.len(), 2);
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_left_alone() {
        for content in [&b"user_1\nuser_2\n"[..], b"user_1"] {
            let file = TempFile::new("ids", content);
            let error = Journal::open(&file.0, Action::Ban, false).unwrap_err();
            assert!(error.message.contains("line 1"), "{}", error.message);
            assert_eq!(std::fs::read(&file.0).unwrap(), content);
        }
    }
}
