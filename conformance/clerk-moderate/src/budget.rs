//! Which rate budget a run shares with other runs of the same instance: `--budget` (or
//! `CLERK_MODERATE_BUDGET`), said on the banner.
//!
//! - `redis://HOST:PORT/DB`: a fleet's budget in Redis ([`RedisBudget`]), checked before
//!   anything is sent; an address that cannot be reached is a usage error (exit 2).
//! - `file`, the default: the runs of this machine (this user) share one through a small file in
//!   the state directory, named by the key's fingerprint ([`FileBudget`]), so that two runs
//!   one after the other, or side by side, together keep under the instance's limit. A state
//!   directory that cannot be used is said, and the run goes on without sharing.
//! - `off`: no sharing; the run keeps only its own pace.

use std::path::PathBuf;
use std::sync::Arc;

use clerk_moderation_core::{ApiConfig, SecretKey, Transport};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::budget::{Budget, FileBudget, RedisBudget};

use crate::Failure;
use crate::args::UsersArgs;
use crate::output::note;

/// The environment variable that chooses the budget when `--budget` does not.
pub const BUDGET_VAR: &str = "CLERK_MODERATE_BUDGET";

/// The budget a run shares, if any.
pub struct Choice(Option<Arc<dyn Budget>>);

impl Choice {
    /// The budget `--budget` (or [`BUDGET_VAR`]) names for the instance of `config`, said on
    /// stderr; a usage error when it names none or cannot be reached.
    pub fn from_args(args: &UsersArgs, config: &ApiConfig) -> Result<Self, Failure> {
        let from_env = std::env::var(BUDGET_VAR)
            .ok()
            .filter(|v| !v.trim().is_empty());
        let (given, source) = match (&args.budget, from_env) {
            (Some(given), _) => (given.trim().to_owned(), "--budget"),
            (None, Some(given)) => (given.trim().to_owned(), BUDGET_VAR),
            (None, None) => ("file".to_owned(), ""),
        };
        let key = config.secret_key();
        match given.as_str() {
            "off" => {
                note("budget: not shared (--budget off): this run keeps only its own pace");
                Ok(Self(None))
            }
            "file" => Ok(Self(file_budget(state_dir(), key))),
            url if ["redis://", "rediss://", "redis+unix://"]
                .iter()
                .any(|scheme| url.starts_with(scheme)) =>
            {
                let budget = RedisBudget::for_instance(url, key)
                    .and_then(|budget| budget.check().map(|()| budget))
                    .map_err(|error| {
                        Failure::usage(format!(
                            "{source}: {}; nothing was sent (--budget off runs without sharing)",
                            with_cause(&error)
                        ))
                    })?;
                note(format_args!(
                    "budget: shared through {} (key {})",
                    budget.store(),
                    budget.key()
                ));
                Ok(Self(Some(Arc::new(budget))))
            }
            other => Err(Failure::usage(format!(
                "{source}: {:?} is not a budget: give redis://HOST:PORT/DB, file (the default: \
                 shared by the runs of this machine) or off",
                shown(other)
            ))),
        }
    }

    /// `client`, sharing the budget if there is one.
    pub fn attach<T: Transport>(self, client: Client<T>) -> Client<T> {
        match self.0 {
            Some(budget) => client.with_budget(budget),
            None => client,
        }
    }
}

/// The machine's budget file for the instance, checked; `None` (said) when it cannot be used.
fn file_budget(dir: Option<PathBuf>, key: &SecretKey) -> Option<Arc<dyn Budget>> {
    let Some(dir) = dir else {
        note("budget: not shared: no state directory (set XDG_STATE_HOME or HOME)");
        return None;
    };
    let budget = FileBudget::for_instance(dir, key);
    match budget.check() {
        Ok(()) => {
            note(format_args!(
                "budget: shared by this machine's runs through {}",
                budget.path().display()
            ));
            Some(Arc::new(budget))
        }
        Err(error) => {
            note(format_args!(
                "budget: not shared: {}; runs side by side may draw 429s",
                with_cause(&error)
            ));
            None
        }
    }
}

/// The directory of the command's state: `$XDG_STATE_HOME/clerk-moderate`, else
/// `~/.local/state/clerk-moderate`; on macOS `~/Library/Application Support/clerk-moderate`
/// and on Windows `%LOCALAPPDATA%\clerk-moderate` unless `XDG_STATE_HOME` is set.
pub fn state_dir() -> Option<PathBuf> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    // The XDG spec: a relative XDG_STATE_HOME is to be ignored.
    if let Some(state) = absolute("XDG_STATE_HOME") {
        return Some(state.join("clerk-moderate"));
    }
    if cfg!(windows) {
        return absolute("LOCALAPPDATA").map(|dir| dir.join("clerk-moderate"));
    }
    let home = absolute("HOME")?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library/Application Support/clerk-moderate")
    } else {
        home.join(".local/state/clerk-moderate")
    })
}

/// An error and its causes, one line.
fn with_cause(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// What the operator gave, without any password it may hold (`scheme://user:secret@…`).
fn shown(given: &str) -> String {
    match given.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => given.to_owned(),
        },
        None => given.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_shown_of_a_refused_budget_holds_no_password() {
        assert_eq!(shown("rediss://u:pw@h:1/0"), "rediss://***@h:1/0");
        assert_eq!(shown("memcached://h:1"), "memcached://h:1");
        assert_eq!(shown("sometimes"), "sometimes");
    }
}
