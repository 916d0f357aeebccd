//! The user ids a command acts on: from its arguments and from `--from FILE|-`, every one checked
//! before anything is sent.
//!
//! A file holds one id per line. Blank lines, `#` comments (whole lines, or after an id: an id
//! cannot hold `#`), CRLF line ends and surrounding whitespace are fine. A line that is a JSON
//! object takes its `"id"` (or `"user_id"`), so the output of `list --json`, or a journal, can be
//! fed back. Duplicates are acted on once. An invalid id stops the command, naming its line.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};

use clerk_moderation_core::UserId;
use serde::Deserialize;

use crate::Failure;

/// The distinct ids, in the order first given, and how many repeats were dropped.
#[derive(Debug, Default)]
pub struct UserIds {
    /// Distinct ids, first occurrence kept.
    pub ids: Vec<UserId>,
    /// Repeats dropped.
    pub duplicates: usize,
}

/// Reads the ids of the arguments, then those of `--from` (a path, or `-` for stdin).
pub fn read(arguments: &[String], from: Option<&str>) -> Result<UserIds, Failure> {
    let mut collected = Collector::default();
    for (index, argument) in arguments.iter().enumerate() {
        collected.add(argument, || format!("argument {}", index + 1))?;
    }
    match from {
        None if arguments.is_empty() => {
            return Err(Failure::usage(
                "no user ids: give them as arguments, or with --from FILE (or --from - for \
                 standard input)",
            ));
        }
        None => {}
        Some("-") => {
            let stdin = io::stdin();
            if stdin.is_terminal() {
                crate::output::note(
                    "reading user ids from standard input, one per line (end with Ctrl-D)",
                );
            }
            collected.add_lines(stdin.lock(), "standard input")?;
        }
        Some(path) => {
            let file = std::fs::File::open(path)
                .map_err(|e| Failure::usage(format!("--from {path}: {e}")))?;
            collected.add_lines(BufReader::new(file), path)?;
        }
    }
    Ok(collected.ids)
}

/// Gathers distinct ids.
#[derive(Default)]
struct Collector {
    ids: UserIds,
    seen: HashSet<UserId>,
}

/// A JSON line: a user object (`list --json`) or an outcome (`--json`, a journal).
#[derive(Deserialize)]
struct JsonLine {
    id: Option<String>,
    user_id: Option<String>,
}

impl Collector {
    /// Checks `text` as an id and keeps it unless already given; `place` names it in errors.
    fn add(&mut self, text: &str, place: impl Fn() -> String) -> Result<(), Failure> {
        if text.starts_with('-') {
            return Err(Failure::usage(format!(
                "{}: {text:?} starts with '-': options are never user ids",
                place()
            )));
        }
        let id = UserId::new(text)
            .map_err(|e| Failure::usage(format!("{}: not a user id: {e}", place())))?;
        if self.seen.insert(id.clone()) {
            self.ids.ids.push(id);
        } else {
            self.ids.duplicates += 1;
        }
        Ok(())
    }

    /// Adds the id of each line of `input`.
    fn add_lines(&mut self, input: impl BufRead, name: &str) -> Result<(), Failure> {
        let mut input = input;
        let mut raw = Vec::new();
        let mut number = 0_usize;
        loop {
            raw.clear();
            // Bounded: a line longer than this cannot be an id (nor a user object we need),
            // and a file without line ends must not be read whole into one string.
            let read = (&mut input)
                .take(MAX_LINE)
                .read_until(b'\n', &mut raw)
                .map_err(|e| Failure::usage(format!("--from {name}: {e}")))?;
            if read == 0 {
                return Ok(());
            }
            number += 1;
            let place = || format!("{name} line {number}");
            if raw.len() as u64 == MAX_LINE && raw.last() != Some(&b'\n') {
                return Err(Failure::usage(format!(
                    "{}: longer than {MAX_LINE} bytes; not a user id",
                    place()
                )));
            }
            let line = std::str::from_utf8(&raw)
                .map_err(|_| Failure::usage(format!("{}: not UTF-8 text", place())))?;
            let line = line.trim();
            if line.starts_with('{') {
                let parsed: JsonLine = serde_json::from_str(line).map_err(|e| {
                    Failure::usage(format!("{}: a JSON line that does not parse: {e}", place()))
                })?;
                let id = parsed.user_id.or(parsed.id).ok_or_else(|| {
                    Failure::usage(format!(
                        "{}: a JSON object without \"id\" or \"user_id\"",
                        place()
                    ))
                })?;
                self.add(&id, place)?;
                continue;
            }
            let id = line.split('#').next().unwrap_or_default().trim();
            if !id.is_empty() {
                self.add(id, place)?;
            }
        }
    }
}

/// The longest line read: a full Clerk user object from `list --json` fits with room to spare.
const MAX_LINE: u64 = 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn from_text(text: &str) -> Result<UserIds, Failure> {
        let mut collected = Collector::default();
        collected.add_lines(text.as_bytes(), "ids.txt")?;
        Ok(collected.ids)
    }

    fn strings(ids: &UserIds) -> Vec<&str> {
        ids.ids.iter().map(UserId::as_str).collect()
    }

    #[test]
    fn blank_lines_comments_crlf_whitespace_and_duplicates() {
        let ids = from_text(
            "# spam wave of 2026-11-20\r\n\r\nuser_1\r\n  user_2  # the second\r\n\tuser_1\nuser_3",
        )
        .unwrap();
        assert_eq!(strings(&ids), ["user_1", "user_2", "user_3"]);
        assert_eq!(ids.duplicates, 1);
    }

    #[test]
    fn json_lines_give_their_ids() {
        let ids = from_text(
            "{\"id\":\"user_1\",\"object\":\"user\"}\n{\"user_id\":\"user_2\",\"outcome\":\"failed\"}\n",
        )
        .unwrap();
        assert_eq!(strings(&ids), ["user_1", "user_2"]);
    }

    #[test]
    fn an_invalid_id_names_its_line() {
        let error = from_text("user_1\n\nuser_2/ban\n").unwrap_err();
        assert!(
            error.message.starts_with("ids.txt line 3:"),
            "{}",
            error.message
        );
        let error = from_text("user_1\n--yes\n").unwrap_err();
        assert!(error.message.contains("line 2"), "{}", error.message);
        assert!(from_text("user 1\n").is_err());
        assert!(from_text("{\"object\":\"user\"}\n").is_err());
        assert!(from_text("usér_1\n").is_err());
        let mut collected = Collector::default();
        let error = collected
            .add_lines(&b"user_1\n\xff\xfe\n"[..], "ids.txt")
            .unwrap_err();
        assert_eq!(error.message, "ids.txt line 2: not UTF-8 text");
    }

    #[test]
    fn no_ids_at_all_is_a_usage_error() {
        let error = read(&[], None).unwrap_err();
        assert_eq!(error.exit, crate::Exit::Usage);
    }
}
