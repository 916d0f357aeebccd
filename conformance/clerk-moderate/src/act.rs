//! `ban`, `unban`, `lock`, `unlock` and `get`: one action over the users given, as one
//! moderation run of the library (`Client::run_until` over ureq), with each outcome journaled,
//! printed and counted as soon as it is known.
//!
//! The order of things is the safety argument: the environment, every id and the journal are
//! checked, and the operator has confirmed, before the first request; an outcome is in the
//! journal before it is printed and before anything more is sent; Ctrl-C (or SIGTERM) stops the
//! sending, the requests in flight are awaited and recorded, and the summary says what happened.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clerk_moderation_core::{
    Action, ApiConfig, NotAttemptedReason, RateLimit, RunOptions, RunStats, UserOutcome, WaitReason,
};
use clerk_moderation_transports::{Interrupt, RunObserver};

use crate::args::ActArgs;
use crate::journal::{Binding, Earlier, Journal};
use crate::output::{OutcomeLine, Stdout, StdoutState, Summary, counted, note, stderr_line};
use crate::progress::Progress;
use crate::{Exit, Failure, confirm, environment, ids};

/// Runs `action` as the arguments say (`get` comes with no dry run, journal or `--yes`).
pub fn run(action: Action, args: ActArgs) -> Result<Exit, Failure> {
    let config = environment::config()?;
    let ids::UserIds { ids, duplicates } = ids::read(&args.users.ids, args.users.from.as_deref())?;
    let (mut journal, earlier) = match &args.journal {
        Some(path) => {
            let binding = Binding::new(&config, action);
            let (journal, earlier) = Journal::open(path, &binding, args.dry_run)?;
            (Some(journal), earlier)
        }
        None => (None, Earlier::default()),
    };
    let given = ids.len();
    let ids: Vec<_> = ids
        .into_iter()
        .filter(|id| !earlier.finished.contains(id.as_str()))
        .collect();
    let skipped = given - ids.len();
    let options = run_options(&args);

    environment::banner(&config);
    let budget = crate::budget::Choice::from_args(&args.users, &config)?;
    if let Some(journal) = &journal {
        journal.describe(&earlier, args.dry_run);
    }
    if ids.is_empty() {
        note(if skipped > 0 {
            format!(
                "{action}: nothing left to do: {} finished in the journal",
                match skipped {
                    1 => "the only user is".to_owned(),
                    n => format!("all {n} users are"),
                }
            )
        } else {
            format!("{action}: no user ids in the input: nothing to do")
        });
        let summary = Summary::new(&RunStats::default(), Default::default(), skipped, None);
        print_summary(&summary, &args, action);
        return Ok(Exit::Success);
    }
    note(plan(
        action,
        &args,
        &config,
        &options,
        ids.len(),
        duplicates,
        skipped,
    ));
    if action.changes_users() && !args.dry_run {
        let what = format!(
            "{action} {} on the {} instance at {}",
            counted(ids.len() as u64, "user", "users"),
            config.secret_key().instance().as_str(),
            config.base_url()
        );
        confirm::confirm(ids.len(), args.yes, &what)?;
    }

    let stop = StopSignal::install()?;
    if let Some(journal) = &mut journal {
        journal.begin(args.dry_run).map_err(|error| {
            Failure::usage(format!(
                "--journal {}: cannot write it ({error}); nothing was sent",
                journal.path().display()
            ))
        })?;
    }
    let client = budget.attach(environment::client(config));
    let mut observer = Observer {
        json: args.users.json,
        quiet: args.users.quiet,
        dry_run: args.dry_run,
        stdout: Stdout::default(),
        journal,
        journal_error: None,
        progress: Progress::new(!args.users.json, ids.len()),
        stop: &stop,
        stop_noted: false,
    };
    let report = client.run_until(action, ids, options, &mut observer, &stop.interrupt);
    observer.progress.finish();
    if let Some(journal) = &mut observer.journal
        && let Err(error) = journal.sync()
    {
        observer.journal_error.get_or_insert(error);
    }

    // Why the run stopped early, most telling cause first. A stop asked for after the last
    // outcome (stdout closing on the last line) stopped nothing, so `report.stopped` decides.
    let journal_problem = observer.journal_error.as_ref().map(|error| {
        let path = observer
            .journal
            .as_ref()
            .map(|j| j.path().display().to_string());
        format!(
            "the journal {} could not be written ({error}); stopped so that no outcome goes \
             unrecorded",
            path.unwrap_or_default()
        )
    });
    let stopped = match (&report.stopped, journal_problem, observer.stdout.state()) {
        (_, Some(problem), _) => Some(problem),
        (None, None, _) => None,
        (Some(NotAttemptedReason::Interrupted), None, StdoutState::Failed(error)) => {
            Some(format!("standard output could not be written ({error})"))
        }
        (Some(NotAttemptedReason::Interrupted), None, StdoutState::Closed) => {
            Some("standard output closed".to_owned())
        }
        (Some(NotAttemptedReason::Interrupted), None, StdoutState::Open) => {
            Some("interrupted".to_owned())
        }
        (Some(reason), None, _) => Some(reason.to_string()),
    };
    let stats = report.stats;
    // The notes first, the summary last: with `--json`, stderr's last line is the summary.
    if let Some(reason) = &stopped {
        if !args.users.json {
            note(format_args!("stopped early: {reason}"));
        }
        match fatal_hint(&report.stopped) {
            Some(hint) => note(hint),
            None if stats.not_attempted + stats.failed > 0 => note(match &args.journal {
                Some(path) => format!(
                    "run the same command again to finish: the journal {} skips the users \
                     already finished",
                    path.display()
                ),
                None => "run the command again to act on the users left (with --journal FILE, \
                         finished users are skipped)"
                    .to_owned(),
            }),
            None => {}
        }
    }
    let summary = Summary::new(&stats, report.elapsed, skipped, stopped.clone());
    print_summary(&summary, &args, action);
    Ok(if stopped.is_some() || stats.not_attempted > 0 {
        Exit::Stopped
    } else if stats.not_found + stats.failed > 0 {
        Exit::Problems
    } else {
        Exit::Success
    })
}

/// What to do about a fatal answer: running again will not help until this is fixed.
fn fatal_hint(stopped: &Option<NotAttemptedReason>) -> Option<&'static str> {
    let Some(NotAttemptedReason::Fatal(fatal)) = stopped else {
        return None;
    };
    Some(match fatal.status()?.as_u16() {
        401 => "check CLERK_SECRET_KEY (and CLERK_API_URL): the key was refused",
        402 => "the instance's plan does not include this action",
        403 => {
            "the instance refuses this action (lock and unlock need account lockout switched on \
             in the Clerk dashboard)"
        }
        _ => return None,
    })
}

/// The run's options from the arguments: the pace from the key unless `--rate` says otherwise,
/// and the first request alone, so that a wrong key costs one request, not sixteen.
fn run_options(args: &ActArgs) -> RunOptions {
    let mut options = RunOptions::default()
        .with_dry_run(args.dry_run)
        .with_first_request_alone(true);
    if let Some(rate) = args.users.rate {
        options = options.with_rate_limit(rate);
    }
    if let Some(n) = args.users.concurrency {
        options = options.with_concurrency(usize::from(n));
    }
    options
}

/// `unban 1234 users (5 repeated ids dropped) · at most 950 requests per 10 s · 32 in flight`,
/// each count with its noun in the number it takes.
fn plan(
    action: Action,
    args: &ActArgs,
    config: &ApiConfig,
    options: &RunOptions,
    users: usize,
    duplicates: usize,
    skipped: usize,
) -> String {
    let mut text = format!(
        "{}{action} {}",
        if args.dry_run { "dry run: " } else { "" },
        counted(users as u64, "user", "users")
    );
    if duplicates > 0 {
        text.push_str(&format!(
            " ({} dropped)",
            counted(duplicates as u64, "repeated id", "repeated ids")
        ));
    }
    if skipped > 0 {
        text.push_str(&format!(" ({skipped} skipped: finished in the journal)"));
    }
    let instance = config.secret_key().instance();
    if let Some(limit) = options.rate_limit_for(instance) {
        text.push_str(&format!(" · at most {}", describe_rate(limit)));
        if limit.per_second() > RateLimit::clerk(instance).per_second() {
            text.push_str(&format!(
                " (above Clerk's {} for this instance: expect 429 pauses)",
                describe_rate(RateLimit::clerk(instance))
            ));
        }
    }
    text.push_str(&format!(" · {} in flight", options.concurrency()));
    text
}

/// `950 requests per 10 s`.
fn describe_rate(limit: RateLimit) -> String {
    format!(
        "{} per {} s",
        counted(u64::from(limit.requests), "request", "requests"),
        trim_float(limit.per.as_secs_f64())
    )
}

/// `10`, `0.5`.
fn trim_float(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The summary: a JSON object with `--json`, else a line in words; on stderr either way.
fn print_summary(summary: &Summary, args: &ActArgs, action: Action) {
    if args.users.json {
        stderr_line(summary.to_json());
    } else {
        note(summary.to_text(action, args.dry_run));
    }
}

/// Ctrl-C and SIGTERM: the first stops the run (nothing more is sent, what is in flight is
/// awaited and recorded); a second quits at once (the journal holds every outcome written so
/// far, at worst with a last line cut short, which the next run drops).
struct StopSignal {
    interrupt: Interrupt,
    signals: Arc<AtomicUsize>,
}

impl StopSignal {
    fn install() -> Result<Self, Failure> {
        let interrupt = Interrupt::new();
        let signals = Arc::new(AtomicUsize::new(0));
        let (handler_interrupt, handler_signals) = (interrupt.clone(), Arc::clone(&signals));
        ctrlc::set_handler(move || {
            if handler_signals.fetch_add(1, Ordering::SeqCst) == 0 {
                handler_interrupt.trigger();
            } else {
                note("stopped at once");
                std::process::exit(Exit::Stopped as i32);
            }
        })
        .map_err(|e| Failure::usage(format!("cannot handle Ctrl-C: {e}")))?;
        Ok(Self { interrupt, signals })
    }

    /// Whether a signal (rather than the command itself) asked to stop.
    fn signalled(&self) -> bool {
        self.signals.load(Ordering::SeqCst) > 0
    }
}

/// Journals, prints and counts each outcome; stops the run when its output is gone.
struct Observer<'a> {
    json: bool,
    /// Print only the outcomes that need attention.
    quiet: bool,
    dry_run: bool,
    stdout: Stdout,
    journal: Option<Journal>,
    journal_error: Option<io::Error>,
    progress: Progress,
    stop: &'a StopSignal,
    stop_noted: bool,
}

impl Observer<'_> {
    /// Once a stop was asked for, says so (once, before the outcomes it causes) and shows it
    /// on the bar.
    fn notice_stop(&mut self) {
        if self.stop_noted || !self.stop.interrupt.is_triggered() {
            return;
        }
        self.stop_noted = true;
        self.progress.stopping();
        if self.stop.signalled() {
            self.progress.suspend(|| {
                note(
                    "interrupted: sending nothing more; waiting for the requests in flight, \
                     then the summary (Ctrl-C again quits at once)",
                );
            });
        }
    }
}

impl RunObserver for &mut Observer<'_> {
    fn on_outcome(&mut self, outcome: UserOutcome) {
        self.notice_stop();
        let described = OutcomeLine::new(&outcome);
        let line = described.to_json_line();
        // The journal first: an outcome is recorded before it is reported. It gets every
        // outcome, `--quiet` or not.
        if let Some(journal) = &mut self.journal
            && self.journal_error.is_none()
            && let Err(error) = journal.append(&line)
        {
            self.journal_error = Some(error);
            self.stop.interrupt.trigger();
        }
        if !self.quiet || described.needs_attention(self.dry_run) {
            let text = if self.json {
                String::from_utf8_lossy(&line[..line.len() - 1]).into_owned()
            } else {
                described.to_text()
            };
            let stdout = &mut self.stdout;
            let open = self.progress.suspend(|| stdout.line(text));
            if !open {
                // `| head` went away, or a redirect's disk is full: stop, quietly for the former.
                self.stop.interrupt.trigger();
            }
        }
        self.progress.finished_one();
    }

    fn on_wait(&mut self, reason: WaitReason, until: Option<Instant>, stats: &RunStats) {
        self.notice_stop();
        self.progress.waiting(reason, until, stats);
    }

    fn on_send(&mut self, stats: &RunStats) {
        self.progress.sent(stats);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_well() {
        assert_eq!(
            describe_rate(RateLimit::new(950, std::time::Duration::from_secs(10))),
            "950 requests per 10 s"
        );
        assert_eq!(
            describe_rate(RateLimit::new(5, std::time::Duration::from_millis(500))),
            "5 requests per 0.5 s"
        );
        assert_eq!(
            describe_rate(RateLimit::new(1, std::time::Duration::from_secs(2))),
            "1 request per 2 s"
        );
    }
}
