//! `list`: the users the filters select, one id per line (or one JSON user per line with
//! `--json`), newest first, so that its output feeds `clerk-moderate unban --from -`.
//!
//! Pages of 500 (fewer when `--limit` is smaller) through the library's cursor paginator
//! (`UserPages`); `--limit` stops the paging once enough users came. A closed stdout (`| head`)
//! stops it too, quietly, with exit 0: the reader has what it wanted.

use clerk_moderation_core::{ListUsers, MAX_LIST_LIMIT, Operation, UserPages};
use clerk_moderation_transports::ClientError;

use crate::args::ListArgs;
use crate::output::{Stdout, StdoutState, counted, note};
use crate::{Exit, Failure, environment};

/// Runs `list`.
pub fn run(args: ListArgs) -> Result<Exit, Failure> {
    let config = environment::config()?;
    let page_size = args.limit.map_or(MAX_LIST_LIMIT, |limit| {
        limit.min(u64::from(MAX_LIST_LIMIT)) as u16
    });
    let mut pages = UserPages::new(ListUsers::new(args.filter.to_filter()), page_size)
        .map_err(Failure::usage)?;
    // The filters are checked (at most 100 values each, no empty value) before anything is sent.
    if let Some(first) = pages.next_page() {
        first.build_request(&config).map_err(Failure::usage)?;
    }
    environment::banner(&config);
    let client = environment::list_client(config);
    let limit = args.limit.unwrap_or(u64::MAX);
    let mut stdout = Stdout::default();
    let mut listed = 0_u64;
    while listed < limit {
        let Some(page) = pages.next_page().cloned() else {
            break;
        };
        let users = client
            .execute(&page)
            .map_err(|error| stopped_by(&error, listed))?;
        let paging = pages.on_page(&users);
        for user in users
            .iter()
            .take((limit - listed).min(users.len() as u64) as usize)
        {
            let line = if args.json {
                // A `User` is plain JSON data: it always serializes.
                serde_json::to_string(user).unwrap_or_default()
            } else {
                user.id.clone()
            };
            if !stdout.line(line) {
                return match stdout.state() {
                    StdoutState::Failed(error) => Err(Failure::after_sending(
                        Exit::Stopped,
                        format!("standard output could not be written ({error})"),
                    )),
                    _ => Ok(Exit::Success),
                };
            }
            listed += 1;
        }
        if let Err(error) = paging {
            note(format_args!(
                "{} listed, then: {error}",
                counted(listed, "user", "users")
            ));
            return Ok(Exit::Problems);
        }
    }
    note(format_args!("{} listed", counted(listed, "user", "users")));
    Ok(Exit::Success)
}

/// A request that failed after its retries: exit 3 when nothing later could succeed (the key,
/// the plan, a forbidden call), else 1.
pub fn stopped_by(error: &ClientError, listed: u64) -> Failure {
    let fatal = error.response().is_some_and(|response| {
        response.is_unauthorized() || response.is_payment_required() || response.is_forbidden()
    });
    let exit = if fatal { Exit::Stopped } else { Exit::Problems };
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    let context = if listed > 0 {
        format!("stopped after {}: ", counted(listed, "user", "users"))
    } else {
        String::new()
    };
    Failure::after_sending(exit, format!("{context}{message}"))
}
