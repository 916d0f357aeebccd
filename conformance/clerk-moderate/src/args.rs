//! The command line, as clap reads it: commands, options, and the parsers of `--rate` and times.
//!
//! Anything that starts with `-` is an option: clap refuses an unknown one (exit 2) before
//! anything else happens, and an id given after `--` that starts with `-` is refused by the id
//! reader, so an option can never be taken for a user id.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use clerk_moderation_core::{RateLimit, UserFilter};

/// The most requests in flight `--concurrency` takes: each is a thread, and Clerk's rate limit
/// makes more pointless long before this.
pub const MAX_CONCURRENCY: usize = 64;

const AFTER_HELP: &str = "\
Environment:
  CLERK_SECRET_KEY  your instance's secret key (sk_live_... or sk_test_...); required by every
                    command but demo, and never printed
  CLERK_API_URL     the Backend API's base URL (default https://api.clerk.com), with or without
                    /v1; plain http:// only for a loopback host
  CLERK_MODERATE_BUDGET
                    the rate budget the runs share, as --budget takes it: redis://HOST:PORT/DB,
                    file (the default: a small file in the state directory, for the runs of this
                    machine) or off

Exit status: 0 all done (or unchanged); 1 some users not found or failed; 2 usage or
configuration error, nothing sent; 3 stopped early (a fatal answer such as a wrong key, or
interrupted).";

/// Moderates Clerk users from the command line: ban, unban, lock, unlock and read them, find them
/// with filters, paced under the instance's rate limit, with a journal to resume from.
#[derive(Debug, Parser)]
#[command(name = "clerk-moderate", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs everything against a local emulator with seeded users: no key, nothing leaves the
    /// machine.
    Demo,
    /// Bans users (they are signed out and cannot sign in).
    Ban(ActArgs),
    /// Unbans users.
    Unban(ActArgs),
    /// Locks users (as after too many failed sign-in attempts).
    Lock(ActArgs),
    /// Unlocks users.
    Unlock(ActArgs),
    /// Reads users and prints whether each is banned and locked.
    Get(GetArgs),
    /// Lists the users the filters select, one id per line (newest first).
    List(ListArgs),
    /// Counts the users the filters select.
    Count(CountArgs),
}

/// The options every command over user ids takes (`ban`, `unban`, `lock`, `unlock` and `get`):
/// which users, how fast, and how to print their outcomes.
#[derive(Debug, Args)]
pub struct UsersArgs {
    /// User ids (user_...). More can come with --from.
    #[arg(value_name = "USER_ID")]
    pub ids: Vec<String>,

    /// Reads user ids from FILE, or from standard input with `-`: one per line; blank lines,
    /// `#` comments, CRLF line ends and a byte-order mark are fine.
    #[arg(long, value_name = "FILE|-")]
    pub from: Option<String>,

    /// Prints one JSON object per user on stdout, and a JSON summary on stderr.
    #[arg(long)]
    pub json: bool,

    /// Prints only the users that need attention (not found, failed, not attempted; not those
    /// done, nor a dry run's unchanged and would-change ones), then the summary. A journal
    /// still gets every outcome.
    #[arg(long, short)]
    pub quiet: bool,

    /// Sends at most N requests per SECONDS (default: 95 % of the instance's limit, from the
    /// key: 950/10 for sk_live_, 95/10 for sk_test_).
    #[arg(long, value_name = "N/SECONDS", value_parser = parse_rate)]
    pub rate: Option<RateLimit>,

    /// At most N requests in flight at once (default 32).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_CONCURRENCY as i64))]
    pub concurrency: Option<u16>,

    /// Shares the instance's rate budget with other runs: redis://HOST:PORT/DB for a fleet,
    /// `off` for none; by default (`file`) the runs of this machine share one through a file in
    /// the state directory. Also from CLERK_MODERATE_BUDGET.
    #[arg(long, value_name = "redis://HOST:PORT/DB|file|off")]
    pub budget: Option<String>,
}

/// The options of `ban`, `unban`, `lock` and `unlock`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ActArgs {
    /// Which users, how fast, how to print.
    #[command(flatten)]
    pub users: UsersArgs,

    /// Reads each user and says what would change, changing nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Appends each outcome to FILE (JSON Lines) as it is known; a later run with the same
    /// journal skips the users it already finished. The journal is bound to the instance (the
    /// key's fingerprint, never the key), the API URL and the action, and one run holds it at
    /// a time.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Acts on more than 10 users without asking.
    #[arg(long)]
    pub yes: bool,
}

/// The options of `get`: it only reads, so no dry run, journal or confirmation.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct GetArgs {
    /// Which users, how fast, how to print.
    #[command(flatten)]
    pub users: UsersArgs,
}

impl From<GetArgs> for ActArgs {
    /// A read: nothing to dry-run, journal or confirm.
    fn from(args: GetArgs) -> Self {
        Self {
            users: args.users,
            dry_run: false,
            journal: None,
            yes: false,
        }
    }
}

/// The filters of `list` and `count` (they combine with AND; repeated values with OR).
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Banned users only.
    #[arg(long, conflicts_with = "not_banned")]
    pub banned: bool,

    /// Users who are not banned only.
    #[arg(long)]
    pub not_banned: bool,

    /// Users with this email address (exact; repeat for several).
    #[arg(long = "email", value_name = "ADDR")]
    pub emails: Vec<String>,

    /// Users with this username (exact; repeat for several).
    #[arg(long = "username", value_name = "NAME")]
    pub usernames: Vec<String>,

    /// Users matching TEXT in an email address, phone number, username, name or id (partial).
    #[arg(long, value_name = "TEXT")]
    pub query: Option<String>,

    /// Created after WHEN: a date (YYYY-MM-DD, midnight UTC), an RFC 3339 timestamp, or Unix
    /// milliseconds.
    #[arg(long, value_name = "WHEN", value_parser = crate::time::parse_when)]
    pub created_after: Option<i64>,

    /// Created before WHEN (same forms).
    #[arg(long, value_name = "WHEN", value_parser = crate::time::parse_when)]
    pub created_before: Option<i64>,

    /// Last signed in after WHEN (same forms).
    #[arg(long, value_name = "WHEN", value_parser = crate::time::parse_when)]
    pub last_sign_in_after: Option<i64>,

    /// Last signed in before WHEN (same forms).
    #[arg(long, value_name = "WHEN", value_parser = crate::time::parse_when)]
    pub last_sign_in_before: Option<i64>,
}

impl FilterArgs {
    /// The filter these options select.
    pub fn to_filter(&self) -> UserFilter {
        let mut filter = UserFilter::new();
        if self.banned {
            filter = filter.banned(true);
        }
        if self.not_banned {
            filter = filter.banned(false);
        }
        for email in &self.emails {
            filter = filter.email_address(email);
        }
        for username in &self.usernames {
            filter = filter.username(username);
        }
        if let Some(text) = &self.query {
            filter = filter.query(text);
        }
        type SetTime = fn(UserFilter, i64) -> UserFilter;
        let times: [(Option<i64>, SetTime); 4] = [
            (self.created_after, UserFilter::created_after),
            (self.created_before, UserFilter::created_before),
            (self.last_sign_in_after, UserFilter::last_sign_in_after),
            (self.last_sign_in_before, UserFilter::last_sign_in_before),
        ];
        for (time, set) in times {
            if let Some(ms) = time {
                filter = set(filter, ms);
            }
        }
        filter
    }
}

/// The options of `list`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ListArgs {
    /// Which users.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Lists at most N users.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,

    /// Prints one JSON user object per line instead of ids.
    #[arg(long)]
    pub json: bool,
}

/// The options of `count`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CountArgs {
    /// Which users.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Prints `{"total_count":N}` instead of the bare number.
    #[arg(long)]
    pub json: bool,
}

/// `N/SECONDS`: at most N requests in any window of SECONDS (a whole or decimal number of
/// seconds), such as `100/10` or `5/1`.
pub fn parse_rate(text: &str) -> Result<RateLimit, String> {
    let (requests, seconds) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?} is not N/SECONDS, such as 100/10"))?;
    let requests: u32 = requests
        .trim()
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{requests:?} is not a whole number of requests above 0"))?;
    let seconds: f64 = seconds
        .trim()
        .trim_end_matches('s')
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .ok_or_else(|| format!("{seconds:?} is not a number of seconds above 0 (at most 86400)"))?;
    Ok(RateLimit::new(requests, Duration::from_secs_f64(seconds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(
            parse_rate("100/10").unwrap(),
            RateLimit::new(100, Duration::from_secs(10))
        );
        assert_eq!(
            parse_rate("5/0.5s").unwrap(),
            RateLimit::new(5, Duration::from_millis(500))
        );
        for bad in [
            "", "100", "0/10", "10/0", "-1/10", "10/-1", "x/10", "10/inf", "10/NaN",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
