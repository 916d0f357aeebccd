//! The progress bar on stderr: users finished, the rate, an ETA, and what the run waits for
//! (the pace, a 429 pause, a retry's backoff, the requests in flight when stopping).
//!
//! Only on a terminal and without `--json`: piped or logged stderr gets plain lines instead.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clerk_moderation_core::{RunStats, WaitReason};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing when stderr is not a terminal.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    stopping: bool,
}

impl Progress {
    /// A bar for `users` users when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool, users: usize) -> Self {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(users as u64), ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{bar:25} {pos}/{len} users · ETA {eta} · {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        Self {
            bar,
            stopping: false,
        }
    }

    /// Runs `write` with the bar cleared, so that a line printed to the same terminal does not
    /// tear it.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// One more user finished.
    pub fn finished_one(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// A request went out.
    pub fn sent(&self, stats: &RunStats) {
        if let Some(bar) = &self.bar
            && !self.stopping
        {
            bar.set_message(format!("{} sent", stats.requests));
        }
    }

    /// The run waits, for `reason`, until `until`.
    pub fn waiting(&self, reason: WaitReason, until: Option<Instant>, stats: &RunStats) {
        let Some(bar) = &self.bar else { return };
        if self.stopping {
            return;
        }
        let left = until
            .map(|until| until.saturating_duration_since(Instant::now()))
            .unwrap_or_default();
        let message = match reason {
            WaitReason::RateLimited => format!("rate limited (429): resuming in {}", seconds(left)),
            WaitReason::Backoff => format!("retrying in {}", seconds(left)),
            WaitReason::Pace => {
                format!("{} sent · pacing", stats.requests)
            }
            _ => format!("{} sent · waiting for answers", stats.requests),
        };
        bar.set_message(message);
    }

    /// The run is stopping: say what it waits for.
    pub fn stopping(&mut self) {
        self.stopping = true;
        if let Some(bar) = &self.bar {
            bar.set_message("stopping: waiting for the requests in flight");
        }
    }

    /// Clears the bar for good.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `4 s`, `1.5 s`.
fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs >= 10.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs:.1} s")
    }
}
