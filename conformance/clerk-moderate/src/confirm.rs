//! Confirmation before acting on many users.
//!
//! More than [`CONFIRM_ABOVE`] users for a changing action (not a dry run, not `get`) needs a
//! yes: `--yes`, or an answer typed on the terminal. The question goes to, and the answer comes
//! from, the controlling terminal (`/dev/tty`), not stdin, since stdin may carry the ids
//! (`list … | clerk-moderate unban --from -`). There is a terminal to ask on only when stderr is
//! one and `/dev/tty` opens: a script, a CI job or a test with piped stderr is never asked, and
//! without `--yes` the command stops there (exit 2, nothing sent).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Write};

use crate::Failure;

/// Acting on more users than this asks first.
pub const CONFIRM_ABOVE: usize = 10;

/// Asks whether to act on `users` users, unless `yes`. `what` says what will happen, as in
/// `unban 1234 users on the production instance at https://api.clerk.com/v1`.
pub fn confirm(users: usize, yes: bool, what: &str) -> Result<(), Failure> {
    if users <= CONFIRM_ABOVE || yes {
        return Ok(());
    }
    let Some(tty) = terminal() else {
        return Err(Failure::usage(format!(
            "about to {what}, and there is no terminal to confirm on: pass --yes to go ahead \
             (nothing was sent)"
        )));
    };
    let mut writer = &tty;
    write!(writer, "clerk-moderate: {what}. Type yes to go on: ")
        .and_then(|()| writer.flush())
        .map_err(|e| Failure::usage(format!("cannot ask on the terminal: {e}")))?;
    let mut answer = String::new();
    BufReader::new(&tty)
        .read_line(&mut answer)
        .map_err(|e| Failure::usage(format!("cannot read the answer: {e}")))?;
    if answer.trim().eq_ignore_ascii_case("yes") || answer.trim().eq_ignore_ascii_case("y") {
        Ok(())
    } else {
        Err(Failure::usage("not confirmed: nothing was sent"))
    }
}

/// The controlling terminal, when stderr is one.
fn terminal() -> Option<File> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(TERMINAL)
        .ok()
}

#[cfg(unix)]
const TERMINAL: &str = "/dev/tty";
#[cfg(windows)]
const TERMINAL: &str = "CONIN$";
#[cfg(not(any(unix, windows)))]
const TERMINAL: &str = "";
