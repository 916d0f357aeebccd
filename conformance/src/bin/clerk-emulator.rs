//! `clerk-emulator`: runs the Clerk Backend API emulator for anyone's tests.
//!
//! It prints its base URL, its secret key and the ids of the users it holds, one labelled line
//! each, then serves until it gets SIGINT or SIGTERM (or, when asked, until its standard input
//! closes), and prints what it counted, one labelled line each, when it stops.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use clerk_moderation_conformance::emulator::{
    BulkAnswer, BulkUnknown, Emulator, Instance, NotClerk, RetryAfter,
};
use serde_json::Value;

const OUTPUT: &str = "\
Output, on standard output, one line each, before the first request is served:
  base_url <url>
  secret_key <key>
  user <id>            a user neither banned nor locked
  banned_user <id>     a banned user
  locked_user <id>     a locked user

and when it stops (SIGINT, SIGTERM or, if asked, the end of standard input):
  requests <n>             requests received (GET /_emulator/stats aside)
  rate_limited <n>         429 answers sent
  peak_window <n>          most arrivals with the key in any window of the limit
  neighbour_arrivals <n>   phantom arrivals of --neighbour counted in the window
  limit <n|off>            arrivals allowed per window
  window_ms <n>            the window

GET /_emulator/stats answers the same numbers as JSON at any time (no key needed; it counts
nothing).";

/// Runs an emulator of Clerk's Backend API user-moderation endpoints on 127.0.0.1, and serves
/// until it gets SIGINT (Ctrl-C) or SIGTERM.
#[derive(Debug, Parser)]
#[command(name = "clerk-emulator", version, after_help = OUTPUT)]
struct Args {
    /// Port to listen on (0: a free port)
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,

    /// production: 1000 requests per 10 s, key sk_live_...; development: 100 per 10 s, key
    /// sk_test_...
    #[arg(long, value_name = "KIND", value_enum, default_value = "development")]
    instance: InstanceArg,

    /// Arrivals allowed per 10 s (N) or per SECONDS (N/SECONDS) in a sliding window, refused
    /// ones included, overriding the instance's; 0 turns the limit off
    #[arg(long, value_name = "N[/SECONDS]", value_parser = parse_rate)]
    rate_limit: Option<Rate>,

    /// Another client of the same key: N phantom arrivals per 10 s (or per SECONDS), spread
    /// evenly, that count in the rate-limit window
    #[arg(long, value_name = "N[/SECONDS]", value_parser = parse_rate)]
    neighbour: Option<Rate>,

    /// Form of Retry-After on the rate limit's 429s; http-date comes without a Date header
    #[arg(long, value_name = "FORM", value_enum, default_value = "seconds")]
    retry_after: RetryAfterArg,

    /// The secret key clients must send (default: a random key with the instance's prefix)
    #[arg(long, value_name = "KEY")]
    secret_key: Option<String>,

    /// Realistic users to create (default 5, or 0 with --users); every tenth from the second on
    /// is banned, from the third on locked
    #[arg(long, value_name = "N")]
    seed: Option<usize>,

    /// Grow each --seed user to about BYTES of JSON (more emails, phones, OAuth accounts,
    /// wallets, passkeys, metadata), as long-lived accounts are
    #[arg(long, value_name = "BYTES")]
    seed_size: Option<usize>,

    /// Serve the users of FILE, a JSON array of Clerk User objects, exactly as given (read as
    /// a stream: files of gigabytes are fine)
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,

    /// Wait this many milliseconds before every answer
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency: u64,

    /// A bulk ban/unban with unknown ids: reject (404, nothing changes) or skip (the known ids
    /// are acted on, the unknown left out of the answer)
    #[arg(long, value_name = "MODE", value_enum, default_value = "reject")]
    bulk_unknown: BulkUnknownArg,

    /// Which users a bulk ban/unban answers with: asked (Clerk's answer), empty ([]), or the
    /// asked ones and one more nobody asked for (extra-existing, extra-made-up)
    #[arg(long, value_name = "USERS", value_enum, default_value = "asked")]
    bulk_answer: BulkAnswerArg,

    /// Bans, unbans, locks and unlocks answer 200 but change nothing
    #[arg(long)]
    not_applied: bool,

    /// Answer every request as a server that is not Clerk would (a wrong base URL behind a
    /// proxy)
    #[arg(long, value_name = "ANSWER", value_enum)]
    not_clerk: Option<NotClerkArg>,

    /// Answer the first N requests with Clerk's 500 internal_clerk_error
    #[arg(long, value_name = "N", default_value_t = 0)]
    fail_first: u64,

    /// A request head or body slower than this many seconds is cut
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    read_timeout: u64,

    /// Also stop when standard input closes
    #[arg(long)]
    exit_on_stdin_close: bool,
}

/// `N` (per 10 s) or `N/SECONDS`.
#[derive(Debug, Clone, Copy)]
struct Rate {
    requests: u32,
    per: Duration,
}

fn parse_rate(value: &str) -> Result<Rate, String> {
    let (requests, per) = value.split_once('/').unwrap_or((value, "10"));
    let requests = requests
        .trim()
        .parse()
        .map_err(|_| format!("{requests:?} is not a number of requests"))?;
    let per = per
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|secs| *secs > 0.0)
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| format!("{per:?} is not a number of seconds above 0"))?;
    Ok(Rate { requests, per })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InstanceArg {
    Production,
    Development,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BulkUnknownArg {
    Reject,
    Skip,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BulkAnswerArg {
    Asked,
    Empty,
    ExtraExisting,
    ExtraMadeUp,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum NotClerkArg {
    #[value(name = "html-404")]
    Html404,
    #[value(name = "empty-404")]
    Empty404,
    #[value(name = "json-404")]
    Json404,
    #[value(name = "html-405")]
    Html405,
    #[value(name = "empty-405")]
    Empty405,
    #[value(name = "json-405")]
    Json405,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RetryAfterArg {
    Seconds,
    HttpDate,
}

impl Args {
    fn builder(&self) -> clerk_moderation_conformance::emulator::EmulatorBuilder {
        let instance = match self.instance {
            InstanceArg::Production => Instance::Production,
            InstanceArg::Development => Instance::Development,
        };
        let mut builder = Emulator::builder()
            .port(self.port)
            .instance(instance)
            .latency(Duration::from_millis(self.latency))
            .read_timeout(Duration::from_secs(self.read_timeout))
            .retry_after(match self.retry_after {
                RetryAfterArg::Seconds => RetryAfter::Seconds,
                RetryAfterArg::HttpDate => RetryAfter::HttpDate,
            })
            .bulk_unknown(match self.bulk_unknown {
                BulkUnknownArg::Reject => BulkUnknown::Reject,
                BulkUnknownArg::Skip => BulkUnknown::Skip,
            })
            .bulk_answer(match self.bulk_answer {
                BulkAnswerArg::Asked => BulkAnswer::Asked,
                BulkAnswerArg::Empty => BulkAnswer::Empty,
                BulkAnswerArg::ExtraExisting => BulkAnswer::ExtraExisting,
                BulkAnswerArg::ExtraMadeUp => BulkAnswer::ExtraMadeUp,
            })
            .fail_first(self.fail_first);
        builder = match self.rate_limit {
            None => builder,
            Some(Rate { requests: 0, .. }) => builder.no_rate_limit(),
            Some(rate) => builder.rate_limit(rate.requests, rate.per),
        };
        if let Some(rate) = self.neighbour {
            builder = builder.neighbour(rate.requests, rate.per);
        }
        if self.not_applied {
            builder = builder.not_applied();
        }
        if let Some(answer) = self.not_clerk {
            builder = builder.not_clerk(match answer {
                NotClerkArg::Html404 => NotClerk::Html404,
                NotClerkArg::Empty404 => NotClerk::Empty404,
                NotClerkArg::Json404 => NotClerk::Json404,
                NotClerkArg::Html405 => NotClerk::Html405,
                NotClerkArg::Empty405 => NotClerk::Empty405,
                NotClerkArg::Json405 => NotClerk::Json405,
            });
        }
        if let Some(key) = &self.secret_key {
            builder = builder.secret_key(key.clone());
        }
        builder
    }
}

/// Serves the users of a `--users` file, and returns their ids in the file's order.
fn load_users(emulator: &Emulator, path: &Path) -> Result<Vec<String>, String> {
    let fail = |e: io::Error| format!("--users {}: {e}", path.display());
    let file = File::open(path).map_err(fail)?;
    emulator.insert_users_from(file).map_err(fail)
}

/// `user`, `banned_user` or `locked_user`, from the user's state.
fn label(user: &Value) -> &'static str {
    if user["banned"] == true {
        "banned_user"
    } else if user["locked"] == true {
        "locked_user"
    } else {
        "user"
    }
}

fn main() -> ExitCode {
    // Usage errors exit 2, `--help` and `--version` 0, as clap does.
    let args = Args::parse();
    let emulator = match args.builder().start() {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!("clerk-emulator: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut ids = match args
        .users
        .as_deref()
        .map(|path| load_users(&emulator, path))
    {
        None => Vec::new(),
        Some(Ok(ids)) => ids,
        Some(Err(message)) => {
            eprintln!("clerk-emulator: {message}");
            return ExitCode::from(2);
        }
    };
    let seed = args
        .seed
        .unwrap_or(if args.users.is_some() { 0 } else { 5 });
    ids.extend(match args.seed_size {
        None => emulator.seed_realistic(seed),
        Some(bytes) => emulator.seed_large(seed, bytes),
    });

    let mut lines = format!(
        "base_url {}\nsecret_key {}\n",
        emulator.base_url(),
        emulator.secret_key()
    );
    for id in &ids {
        if let Some(user) = emulator.user(id) {
            lines.push_str(&format!("{} {id}\n", label(&user)));
        }
    }
    if write_out(&lines).is_err() {
        return ExitCode::FAILURE;
    }

    let stopped_by = wait_for_stop(args.exit_on_stdin_close);
    let stats = emulator.stats();
    emulator.shutdown();
    // Whoever reads the lines may be gone by now; the stop itself went well.
    let _ = write_out(&stats.to_lines());
    match stopped_by {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("clerk-emulator: cannot wait for signals: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `text` to standard output in one write, and flushes it.
fn write_out(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Blocks until SIGINT or SIGTERM (Ctrl-C elsewhere than Unix), or the end of standard input
/// when `stdin_too`.
fn wait_for_stop(stdin_too: bool) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (stdin_closed_tx, stdin_closed) = tokio::sync::oneshot::channel::<()>();
        if stdin_too {
            // A plain thread: tokio's stdin would keep the runtime from shutting down.
            std::thread::spawn(move || {
                let mut sink = [0_u8; 1024];
                let mut stdin = io::stdin().lock();
                loop {
                    match stdin.read(&mut sink) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                let _ = stdin_closed_tx.send(());
            });
        }
        let stdin_closed = async {
            if stdin_too {
                let _ = stdin_closed.await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            result = terminated() => result,
            () = stdin_closed => Ok(()),
        }
    })
}

#[cfg(unix)]
async fn terminated() -> io::Result<()> {
    let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    signal.recv().await;
    Ok(())
}

#[cfg(not(unix))]
async fn terminated() -> io::Result<()> {
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn rates() {
        let rate = parse_rate("100").unwrap();
        assert_eq!((rate.requests, rate.per), (100, Duration::from_secs(10)));
        let rate = parse_rate("5/2.5").unwrap();
        assert_eq!((rate.requests, rate.per), (5, Duration::from_millis(2500)));
        for bad in ["", "x", "5/0", "5/-1", "-1/10", "5/x", "5/"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}
