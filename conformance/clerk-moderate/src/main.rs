//! `clerk-moderate`: the operator's command line for Clerk user moderation.
//!
//! ```text
//! clerk-moderate demo
//! clerk-moderate <ban|unban|lock|unlock> [USER_ID ...] [--from FILE|-] [--json] [--quiet]
//!                [--rate N/SECONDS] [--concurrency N] [--dry-run] [--journal FILE] [--yes]
//! clerk-moderate get [USER_ID ...] [--from FILE|-] [--json] [--quiet] [--rate N/SECONDS]
//!                [--concurrency N]
//! clerk-moderate list  [filters] [--limit N] [--json]
//! clerk-moderate count [filters] [--json]
//! ```
//!
//! Every command but `demo` reads `CLERK_SECRET_KEY` (required) and `CLERK_API_URL` (optional).
//! Exit status: 0 all done (or unchanged); 1 some users not found or failed; 2 a usage or
//! configuration error, nothing sent; 3 stopped early (a fatal answer such as a wrong key, an
//! interruption, a closed standard output).
//!
//! One file per command (`demo`, `act` for the five actions, `list`, `count`) and one per concern
//! (arguments, id input, journal, output, progress, times, confirmation, environment).

mod act;
mod args;
mod confirm;
mod count;
mod demo;
mod environment;
mod ids;
mod journal;
mod list;
mod output;
mod progress;
mod time;

use std::fmt;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// How the command ended, as its exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exit {
    /// 0: every user done (or unchanged, or read).
    Success = 0,
    /// 1: some users were not found or failed.
    Problems = 1,
    /// 2: a usage or configuration error; nothing was sent.
    Usage = 2,
    /// 3: stopped early: a fatal answer (a wrong key), an interruption, a closed output.
    Stopped = 3,
}

/// Why a command could not go on: what to tell the operator, and the exit status.
#[derive(Debug)]
struct Failure {
    exit: Exit,
    message: String,
}

impl Failure {
    /// A usage or configuration error (exit 2): nothing was sent.
    fn usage(message: impl fmt::Display) -> Self {
        Self {
            exit: Exit::Usage,
            message: message.to_string(),
        }
    }

    /// A failure after requests may have been sent, with its exit status.
    fn after_sending(exit: Exit, message: impl fmt::Display) -> Self {
        Self {
            exit,
            message: message.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout and exit 0; usage errors to stderr with exit 2.
            // Printing is best effort: a closed stdout (`--help | head -1`) is not an error.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Demo => demo::run(),
        Command::Ban(args) => act::run(clerk_moderation_core::Action::Ban, args),
        Command::Unban(args) => act::run(clerk_moderation_core::Action::Unban, args),
        Command::Lock(args) => act::run(clerk_moderation_core::Action::Lock, args),
        Command::Unlock(args) => act::run(clerk_moderation_core::Action::Unlock, args),
        Command::Get(args) => act::run(clerk_moderation_core::Action::Get, args.into()),
        Command::List(args) => list::run(args),
        Command::Count(args) => count::run(args),
    };
    let exit = match result {
        Ok(exit) => exit,
        Err(failure) => {
            // A message of several lines (every bad id of a file) is one note per line.
            for line in failure.message.lines() {
                output::note(line);
            }
            failure.exit
        }
    };
    ExitCode::from(exit as u8)
}
