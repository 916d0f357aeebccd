//! What the command prints: one line per user on stdout (readable, or a JSON object with
//! `--json`), notes and the summary on stderr.
//!
//! Nothing here panics on a closed stream: `println!` and `eprintln!` would, so every write goes
//! through [`Stdout`] (which remembers that stdout closed, so the command can stop quietly) or
//! [`note`] (which drops what stderr cannot take).

use std::fmt;
use std::io::{self, Write};
use std::time::Duration;

use clerk_moderation_core::{
    Action, Failure, NotAttemptedReason, Outcome, OutcomeKind, RunStats, User, UserOutcome,
};
use serde::Serialize;

/// Writes a note to stderr, `clerk-moderate: ` first; a closed stderr is ignored.
pub fn note(message: impl fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "clerk-moderate: {message}");
}

/// Writes a line to stderr as it is; a closed stderr is ignored.
pub fn stderr_line(line: impl fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Standard output, line by line, that notices when it closes.
#[derive(Debug, Default)]
pub struct Stdout {
    state: StdoutState,
}

/// Whether stdout still takes lines.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum StdoutState {
    /// It does.
    #[default]
    Open,
    /// The reader went away (`| head`): stop quietly.
    Closed,
    /// Another error (a full disk behind a redirect): stop and say so.
    Failed(String),
}

impl Stdout {
    /// Writes `line` and a line end (and flushes: a reader sees each outcome as it is known).
    /// Returns whether stdout is still open.
    pub fn line(&mut self, line: impl fmt::Display) -> bool {
        if self.state != StdoutState::Open {
            return false;
        }
        let mut out = io::stdout().lock();
        let written = writeln!(out, "{line}").and_then(|()| out.flush());
        match written {
            Ok(()) => true,
            Err(error) => {
                self.state = if error.kind() == io::ErrorKind::BrokenPipe {
                    StdoutState::Closed
                } else {
                    StdoutState::Failed(error.to_string())
                };
                false
            }
        }
    }

    /// Whether stdout still takes lines, and if not, why.
    pub fn state(&self) -> &StdoutState {
        &self.state
    }
}

/// One user's outcome, described once: the `--json` object (which the journal keeps too) and the
/// readable line are both made from it, so a new kind of outcome or failure is taught to the
/// output here, in [`OutcomeLine::new`], and nowhere else.
#[derive(Debug, Serialize)]
pub struct OutcomeLine<'a> {
    user_id: &'a str,
    action: &'static str,
    outcome: &'static str,
    banned: Option<bool>,
    locked: Option<bool>,
    status: Option<u16>,
    code: Option<&'a str>,
    trace_id: Option<&'a str>,
    message: Option<String>,
    /// What the readable line says after the id.
    #[serde(skip)]
    detail: String,
    #[serde(skip)]
    kind: OutcomeKind,
}

impl<'a> OutcomeLine<'a> {
    /// The line for `outcome`. `status`, `code`, `trace_id` and `message` describe the error
    /// behind a `not_found`, `failed` or `not_attempted`, and are null otherwise.
    pub fn new(outcome: &'a UserOutcome) -> Self {
        let user = outcome.outcome.user();
        let error = outcome.outcome.response_error();
        // The message (JSON: Clerk's own words when it answered, since its status, code and
        // trace id have fields of their own) and the readable detail, side by side.
        let (message, detail) = match &outcome.outcome {
            Outcome::Done(user) | Outcome::Unchanged(user) => (None, state(user)),
            Outcome::WouldChange(user) => (
                None,
                format!("would {}: {} now", outcome.action, state(user)),
            ),
            Outcome::NotFound(Some(error)) => (
                Some(clerk_words(error).unwrap_or_else(|| error.to_string())),
                "no such user".to_owned(),
            ),
            Outcome::NotFound(None) => (
                Some(
                    "Clerk's read by id (GET /v1/users?user_id=...) does not list it: no such user"
                        .to_owned(),
                ),
                "no such user".to_owned(),
            ),
            Outcome::Failed(failure) => (
                Some(match failure.response_error().and_then(clerk_words) {
                    Some(words) => format!("{words}; {}", failure.stop),
                    None => with_causes(failure),
                }),
                with_causes(failure),
            ),
            // The reason is the same for every such user; the summary says it once.
            Outcome::NotAttempted(reason) => (
                Some(reason.to_string()),
                match reason {
                    NotAttemptedReason::Interrupted => "not sent: interrupted".to_owned(),
                    _ => "not sent: the run stopped early".to_owned(),
                },
            ),
            _ => (None, String::new()),
        };
        Self {
            user_id: outcome.user_id.as_str(),
            action: outcome.action.as_str(),
            outcome: outcome.outcome.kind().as_str(),
            banned: user.map(|u| u.banned),
            locked: user.map(|u| u.locked),
            status: error.map(|e| e.status().as_u16()),
            code: error.and_then(|e| e.code()),
            trace_id: error.and_then(|e| e.clerk_trace_id()),
            message,
            detail,
            kind: outcome.outcome.kind(),
        }
    }

    /// As one line of JSON, with its line end.
    pub fn to_json_line(&self) -> Vec<u8> {
        // A struct of strings, numbers, booleans and options always serializes.
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }

    /// The readable line: `done          user_…  not banned, not locked`.
    pub fn to_text(&self) -> String {
        format!("{:<13} {}  {}", self.outcome, self.user_id, self.detail)
    }

    /// Whether `--quiet` prints it (see [`needs_attention`]).
    pub fn needs_attention(&self, dry_run: bool) -> bool {
        needs_attention(self.kind, dry_run)
    }
}

/// Whether an outcome needs the operator's attention, which is what `--quiet` prints: not
/// `done` (nor a read), and for a dry run neither `unchanged` nor `would_change`, which is the
/// dry run's `done` (what the real run is expected to do; the summary counts it). `not_found`,
/// `failed` and `not_attempted` always do, and so would any kind this version does not know.
pub fn needs_attention(kind: OutcomeKind, dry_run: bool) -> bool {
    match kind {
        OutcomeKind::Done => false,
        OutcomeKind::Unchanged | OutcomeKind::WouldChange => !dry_run,
        _ => true,
    }
}

/// The first of Clerk's error entries, in its longer form when it has one.
fn clerk_words(error: &clerk_moderation_core::ResponseError) -> Option<String> {
    let clerk = error.errors().first()?;
    Some(
        clerk
            .long_message
            .clone()
            .unwrap_or_else(|| clerk.message.clone()),
    )
}

/// A user's state in words: `banned, locked (3600 s left)`.
pub fn state(user: &User) -> String {
    let lock = match (user.locked, user.lockout_expires_in_seconds) {
        (false, _) => "not locked".to_owned(),
        (true, Some(seconds)) => format!("locked ({seconds} s left)"),
        (true, None) => "locked (no expiry)".to_owned(),
    };
    let ban = if user.banned { "banned" } else { "not banned" };
    format!("{ban}, {lock}")
}

/// The readable line for an outcome (see [`OutcomeLine::to_text`]).
pub fn text_line(outcome: &UserOutcome) -> String {
    OutcomeLine::new(outcome).to_text()
}

/// A count and its noun, in the number it takes: `1 request`, `2 requests`, `0 users`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The counts at the end of a run.
#[derive(Debug, Serialize)]
pub struct Summary {
    done: usize,
    not_found: usize,
    failed: usize,
    not_attempted: usize,
    unchanged: usize,
    would_change: usize,
    requests: u64,
    rate_limited: u64,
    seconds: f64,
    /// Users the journal had already finished (not acted on again).
    skipped: usize,
    /// Why the run stopped early, or null.
    stopped: Option<String>,
}

impl Summary {
    /// From a run's counts.
    pub fn new(
        stats: &RunStats,
        elapsed: Duration,
        skipped: usize,
        stopped: Option<String>,
    ) -> Self {
        Self {
            done: stats.done,
            not_found: stats.not_found,
            failed: stats.failed,
            not_attempted: stats.not_attempted,
            unchanged: stats.unchanged,
            would_change: stats.would_change,
            requests: stats.requests,
            rate_limited: stats.rate_limited,
            // Milliseconds are as fine as an operator needs.
            seconds: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            skipped,
            stopped,
        }
    }

    /// `{"summary":{…}}`, fields in the order above.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Wrapped<'a> {
            summary: &'a Summary,
        }
        serde_json::to_string(&Wrapped { summary: self }).unwrap_or_default()
    }

    /// In words, for an action (`dry_run`: what would change).
    pub fn to_text(&self, action: Action, dry_run: bool) -> String {
        let mut parts = Vec::new();
        let mut count = |n: usize, what: &str, always: bool| {
            if n > 0 || always {
                parts.push(format!("{n} {what}"));
            }
        };
        if dry_run {
            count(self.would_change, "would change", true);
            count(self.unchanged, "unchanged", true);
        } else {
            count(self.done, "done", true);
            count(self.unchanged, "unchanged", false);
            count(self.would_change, "would change", false);
        }
        count(self.not_found, "not found", true);
        count(self.failed, "failed", true);
        count(self.not_attempted, "not attempted", self.not_attempted > 0);
        let mut text = format!(
            "{action}{}: {}; {} ({} rate-limited) in {:.1} s",
            if dry_run {
                " (dry run, nothing changed)"
            } else {
                ""
            },
            parts.join(", "),
            counted(self.requests, "request", "requests"),
            self.rate_limited,
            self.seconds,
        );
        if self.skipped > 0 {
            text.push_str(&format!(
                "; {} skipped, finished in the journal",
                self.skipped
            ));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [OutcomeKind; 6] = [
        OutcomeKind::Done,
        OutcomeKind::NotFound,
        OutcomeKind::Failed,
        OutcomeKind::NotAttempted,
        OutcomeKind::WouldChange,
        OutcomeKind::Unchanged,
    ];

    #[test]
    fn the_summary_has_every_field_the_spec_names() {
        let summary = Summary::new(&RunStats::default(), Duration::from_millis(1234), 0, None);
        let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
        let fields = json["summary"].as_object().unwrap();
        for kind in KINDS {
            assert_eq!(fields[kind.as_str()], 0, "{}", kind.as_str());
        }
        for name in ["requests", "rate_limited"] {
            assert_eq!(fields[name], 0);
        }
        assert_eq!(fields["seconds"], 1.234);
    }

    #[test]
    fn quiet_keeps_what_needs_attention() {
        let shown = |dry_run: bool| -> Vec<&str> {
            KINDS
                .into_iter()
                .filter(|&kind| needs_attention(kind, dry_run))
                .map(OutcomeKind::as_str)
                .collect()
        };
        assert_eq!(
            shown(false),
            [
                "not_found",
                "failed",
                "not_attempted",
                "would_change",
                "unchanged"
            ]
        );
        assert_eq!(shown(true), ["not_found", "failed", "not_attempted"]);
    }

    #[test]
    fn counts_take_the_number_of_their_noun() {
        assert_eq!(counted(0, "request", "requests"), "0 requests");
        assert_eq!(counted(1, "request", "requests"), "1 request");
        assert_eq!(counted(2, "repeated id", "repeated ids"), "2 repeated ids");
        let summary = |requests| {
            let mut stats = RunStats::default();
            stats.requests = requests;
            Summary::new(&stats, Duration::ZERO, 0, None).to_text(Action::Unban, false)
        };
        assert!(
            summary(1).contains("; 1 request (0 rate-limited)"),
            "{}",
            summary(1)
        );
        assert!(
            summary(2).contains("; 2 requests (0 rate-limited)"),
            "{}",
            summary(2)
        );
    }
}

/// A failure in full: what happened, each cause under it (a transport's own error, say), and
/// why the run stopped trying.
fn with_causes(failure: &Failure) -> String {
    let mut text = failure.cause.to_string();
    let mut source = std::error::Error::source(&failure.cause);
    // Bounded: a cyclic chain must not hang the output.
    for _ in 0..8 {
        let Some(cause) = source else { break };
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    format!("{text}; stopped: {}", failure.stop)
}
