//! The user ids a command acts on: from its arguments and from `--from FILE|-`, every one checked
//! before anything is sent.
//!
//! A file holds one id per line. Blank lines, `#` comments (whole lines, or after an id: an id
//! cannot hold `#`), CRLF line ends, surrounding whitespace and a UTF-8 byte-order mark at the
//! start are fine. A line that is a JSON object takes its `"id"` (or `"user_id"`), so the output
//! of `list --json`, or a journal, can be fed back. Duplicates are acted on once.
//!
//! An id must have the form of Clerk's (`user_` and letters and digits), so that `usr_123`, a CSV
//! header or a CSV line is caught here and not sent. Every bad line is reported, with its number
//! and why (the first [`MAX_REPORTED`], then how many more), and then the command stops (exit 2)
//! with nothing sent: a file with one typo is fixed in one pass, not one run per typo.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};

use clerk_moderation_core::UserId;
use serde::Deserialize;

use crate::Failure;
use crate::output::counted;

/// The bad ids reported one by one; the rest are counted.
pub const MAX_REPORTED: usize = 20;

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
        collected.add(argument, || format!("argument {}", index + 1));
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
    collected.finish()
}

/// Gathers distinct ids, and what was wrong with the rest.
#[derive(Default)]
struct Collector {
    ids: UserIds,
    seen: HashSet<UserId>,
    /// The first [`MAX_REPORTED`] problems, each `place: why`.
    problems: Vec<String>,
    /// All the bad ids, reported or not.
    bad: usize,
}

/// A JSON line: a user object (`list --json`) or an outcome (`--json`, a journal).
#[derive(Deserialize)]
struct JsonLine {
    id: Option<String>,
    user_id: Option<String>,
}

/// The UTF-8 byte-order mark some editors put at the start of a text file.
pub const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

impl Collector {
    /// Notes a bad id at `place`.
    fn refuse(&mut self, place: impl FnOnce() -> String, why: impl FnOnce() -> String) {
        self.bad += 1;
        if self.problems.len() < MAX_REPORTED {
            self.problems.push(format!("{}: {}", place(), why()));
        }
    }

    /// Checks `text` as an id and keeps it unless already given; `place` names it in errors.
    fn add(&mut self, text: &str, place: impl FnOnce() -> String) {
        if text.starts_with('-') {
            return self.refuse(place, || {
                format!("{text:?} starts with '-': options are never user ids")
            });
        }
        let id = match UserId::new(text) {
            Ok(id) => id,
            Err(e) => return self.refuse(place, || format!("not a user id: {e}")),
        };
        if !id.has_clerk_form() {
            return self.refuse(place, || not_clerk_form(text));
        }
        if self.seen.insert(id.clone()) {
            self.ids.ids.push(id);
        } else {
            self.ids.duplicates += 1;
        }
    }

    /// Adds the id of each line of `input`. Only a read error stops it early; bad lines are
    /// noted and the reading goes on.
    fn add_lines(&mut self, input: impl BufRead, name: &str) -> Result<(), Failure> {
        let mut input = input;
        let mut raw = Vec::new();
        let mut number = 0_usize;
        let failed = |e: io::Error| Failure::usage(format!("--from {name}: {e}"));
        loop {
            raw.clear();
            // Bounded: a line longer than this cannot be an id (nor a user object we need),
            // and a file without line ends must not be read whole into one string.
            let read = (&mut input)
                .take(MAX_LINE)
                .read_until(b'\n', &mut raw)
                .map_err(failed)?;
            if read == 0 {
                return Ok(());
            }
            number += 1;
            let place = || format!("{name} line {number}");
            if raw.len() as u64 == MAX_LINE && raw.last() != Some(&b'\n') {
                skip_line(&mut input).map_err(failed)?;
                self.refuse(place, || {
                    format!("longer than {MAX_LINE} bytes; not a user id")
                });
                continue;
            }
            let mut bytes = &raw[..];
            if number == 1 {
                bytes = bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes);
            }
            let Ok(line) = std::str::from_utf8(bytes) else {
                self.refuse(place, || "not UTF-8 text".to_owned());
                continue;
            };
            let line = line.trim();
            if line.starts_with('{') {
                match serde_json::from_str::<JsonLine>(line) {
                    Ok(
                        JsonLine {
                            user_id: Some(id), ..
                        }
                        | JsonLine { id: Some(id), .. },
                    ) => {
                        self.add(&id, place);
                    }
                    Ok(_) => self.refuse(place, || {
                        "a JSON object without \"id\" or \"user_id\"".to_owned()
                    }),
                    Err(e) => {
                        self.refuse(place, || format!("a JSON line that does not parse: {e}"));
                    }
                }
                continue;
            }
            let id = line.split('#').next().unwrap_or_default().trim();
            if !id.is_empty() {
                self.add(id, place);
            }
        }
    }

    /// The ids, or every problem found (the first [`MAX_REPORTED`], then how many more), one
    /// per line of the failure's message.
    fn finish(self) -> Result<UserIds, Failure> {
        if self.bad == 0 {
            return Ok(self.ids);
        }
        let mut message = self.problems.join("\n");
        if self.bad > 1 {
            let given = self.bad + self.ids.ids.len() + self.ids.duplicates;
            let unreported = self.bad - self.problems.len();
            if unreported > 0 {
                message.push_str(&format!(
                    "\n… and {}",
                    counted(unreported as u64, "more bad id", "more bad ids")
                ));
            }
            message.push_str(&format!(
                "\n{} of {} refused (above): nothing was sent",
                self.bad,
                counted(given as u64, "id", "ids")
            ));
        }
        Err(Failure::usage(message))
    }
}

/// Why an id that `UserId` takes is still not one of Clerk's.
fn not_clerk_form(text: &str) -> String {
    let form = "Clerk's user ids are user_ followed by letters and digits";
    if text.contains([',', ';']) {
        format!("{text:?} is not a user id ({form}); a CSV line? give one id per line")
    } else {
        format!("{text:?} is not a user id ({form})")
    }
}

/// Reads past the rest of a line, without keeping it.
fn skip_line(input: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buffer = input.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => {
                input.consume(end + 1);
                return Ok(());
            }
            None => {
                let len = buffer.len();
                input.consume(len);
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
        from_bytes(text.as_bytes())
    }

    fn from_bytes(bytes: &[u8]) -> Result<UserIds, Failure> {
        let mut collected = Collector::default();
        collected.add_lines(bytes, "ids.txt")?;
        collected.finish()
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
        let error = from_bytes(&b"user_1\n\xff\xfe\n"[..]).unwrap_err();
        assert_eq!(error.message, "ids.txt line 2: not UTF-8 text");
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_not_part_of_the_first_id() {
        let ids = from_bytes(b"\xEF\xBB\xBFuser_1\r\nuser_2\r\n").unwrap();
        assert_eq!(strings(&ids), ["user_1", "user_2"]);
        let ids = from_bytes(b"\xEF\xBB\xBF{\"id\":\"user_1\"}\n").unwrap();
        assert_eq!(strings(&ids), ["user_1"]);
        // Anywhere else it is a character no id has.
        assert!(from_bytes(b"user_1\n\xEF\xBB\xBFuser_2\n").is_err());
    }

    #[test]
    fn ids_must_have_clerks_form() {
        for (bad, why) in [
            (
                "usr_123",
                "is not a user id (Clerk's user ids are user_ followed by letters and digits)",
            ),
            ("email,user_id", "a CSV line? give one id per line"),
            ("user_x,user_y", "a CSV line? give one id per line"),
            ("user_", "is not a user id"),
            ("user_2abc-def", "is not a user id"),
        ] {
            let error = from_text(&format!("user_1\n{bad}\n")).unwrap_err();
            assert!(
                error
                    .message
                    .starts_with(&format!("ids.txt line 2: {bad:?} "))
                    && error.message.contains(why),
                "{bad}: {}",
                error.message
            );
        }
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number_before_anything_else() {
        let error = from_text("email,user_id\nbob@example.com,user_1\nuser_2\n\nusr_3\n--yes\n")
            .unwrap_err();
        let lines: Vec<&str> = error.message.lines().collect();
        assert_eq!(lines.len(), 5, "{}", error.message);
        for (line, number) in lines.iter().zip([1, 2, 5, 6]) {
            assert!(
                line.starts_with(&format!("ids.txt line {number}: ")),
                "{line}"
            );
        }
        assert_eq!(lines[4], "4 of 5 ids refused (above): nothing was sent");

        // Past the first 20, a count.
        let text: String = (0..25).map(|i| format!("usr_{i}\nuser_{i}\n")).collect();
        let error = from_text(&text).unwrap_err();
        let lines: Vec<&str> = error.message.lines().collect();
        assert_eq!(lines.len(), MAX_REPORTED + 2, "{}", error.message);
        assert!(
            lines[19].starts_with("ids.txt line 39: \"usr_19\""),
            "{}",
            lines[19]
        );
        assert_eq!(lines[20], "… and 5 more bad ids");
        assert_eq!(lines[21], "25 of 50 ids refused (above): nothing was sent");
    }

    #[test]
    fn a_line_too_long_is_one_bad_line_and_the_reading_goes_on() {
        let mut text = "x".repeat(MAX_LINE as usize + 10);
        text.push_str("\nuser_1\nusr_2\n");
        let error = from_text(&text).unwrap_err();
        let lines: Vec<&str> = error.message.lines().collect();
        assert!(
            lines[0].starts_with("ids.txt line 1: longer than"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("ids.txt line 3: \"usr_2\""),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn no_ids_at_all_is_a_usage_error() {
        let error = read(&[], None).unwrap_err();
        assert_eq!(error.exit, crate::Exit::Usage);
    }
}
