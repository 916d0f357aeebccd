//! `demo`: the whole job on this machine, no key needed.
//!
//! Starts the embedded Clerk emulator on 127.0.0.1 with seeded users, then, through ureq (the
//! blocking `Client`) and through hyper (the async `AsyncClient`), does what an operator does:
//! lists the banned users, dry-runs the unban, unbans (one bulk request, an unknown id among
//! them) and unlocks, showing each user's state before and after. It checks the emulator's users
//! ended as shown, and ends by saying how to act for real.

use std::collections::HashMap;

use clerk_moderation_conformance::emulator::Emulator;
use clerk_moderation_core::{
    Action, ApiConfig, CountUsers, ListUsers, Outcome, RunOptions, SecretKey, User, UserFilter,
    UserId, UserOutcome, UserPages,
};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::ureq::UreqTransport;
use clerk_moderation_transports::{AsyncClient, Client};

use crate::output::{Stdout, state};
use crate::{Exit, Failure};

/// An id no seeded user has: it shows what happens to a user who does not exist.
const UNKNOWN_ID: &str = "user_2DemoNoSuchUser0000000000";

/// Runs a moderation run through one transport and hands back every outcome.
type Runner<'a> = dyn Fn(Action, Vec<UserId>, RunOptions) -> Vec<UserOutcome> + 'a;

/// Runs the demo.
pub fn run() -> Result<Exit, Failure> {
    let failed = |what: &str, error: &dyn std::fmt::Display| {
        Failure::after_sending(Exit::Problems, format!("demo: {what}: {error}"))
    };
    let emulator = Emulator::start().map_err(|e| failed("cannot start the emulator", &e))?;
    let config = ApiConfig::new(
        SecretKey::new(emulator.secret_key()).map_err(|e| failed("the emulator's key", &e))?,
    )
    .with_base_url(&emulator.base_url())
    .map_err(|e| failed("the emulator's URL", &e))?;

    let seeded = Seeded::new(&emulator);
    let mut out = Stdout::default();
    out.line(format_args!(
        "clerk-moderate demo: a local emulator of Clerk's Backend API at {} (development \
         instance), seeded with {} users: {} banned, {} locked.\nNothing leaves this machine; no \
         key is needed.\n",
        emulator.base_url(),
        emulator.user_ids().len(),
        seeded.banned_count(),
        seeded.locked_count(),
    ));

    // Through ureq: the blocking client, as the real commands use it.
    let ureq = Client::new(config.clone(), UreqTransport::new());
    let mut banned = Vec::new();
    let pages = UserPages::new(ListUsers::new(UserFilter::new().banned(true)), 500)
        .map_err(|e| failed("list", &e))?;
    ureq.list_users(pages, |user| banned.push(user.id))
        .map_err(|e| failed("list --banned", &e))?;
    out.line(format_args!(
        "[ureq]  clerk-moderate list --banned\n        {} banned users: {}\n",
        banned.len(),
        banned.join(" ")
    ));
    let by_ureq = |action: Action, ids: Vec<UserId>, options: RunOptions| {
        let mut outcomes = Vec::new();
        ureq.run(action, ids, options, |o| outcomes.push(o));
        outcomes
    };
    let mut unknown = seeded.ureq_banned.clone();
    unknown.push(UserId::new(UNKNOWN_ID).map_err(|e| failed("id", &e))?);
    dry_run(&mut out, "ureq", &by_ureq, Action::Unban, &unknown);
    act(&mut out, "ureq", &by_ureq, Action::Unban, &unknown);
    act(
        &mut out,
        "ureq",
        &by_ureq,
        Action::Unlock,
        &seeded.ureq_locked,
    );

    // Through hyper: the async client on a tokio runtime, same runs.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| failed("cannot start a tokio runtime", &e))?;
    let transport = HyperTransport::builder()
        .allow_loopback_http(true)
        .build()
        .map_err(|e| failed("the hyper transport", &e))?;
    let hyper = AsyncClient::new(config, transport);
    let by_hyper = |action: Action, ids: Vec<UserId>, options: RunOptions| {
        let mut outcomes = Vec::new();
        runtime.block_on(hyper.run(action, ids, options, |o| outcomes.push(o)));
        outcomes
    };
    act(
        &mut out,
        "hyper",
        &by_hyper,
        Action::Unban,
        &seeded.hyper_banned,
    );
    act(
        &mut out,
        "hyper",
        &by_hyper,
        Action::Unlock,
        &seeded.hyper_locked,
    );
    let still_banned = runtime
        .block_on(hyper.count_users(&CountUsers::new(UserFilter::new().banned(true))))
        .map_err(|e| failed("count --banned", &e))?;
    out.line(format_args!(
        "[hyper] clerk-moderate count --banned\n        {still_banned}\n"
    ));

    let problems = seeded.check(&emulator);
    let requests = emulator.request_count();
    let base_url = emulator.base_url();
    emulator.shutdown();
    out.line(format_args!(
        "That was a local demo: {requests} requests to the emulator at {base_url}, none to \
         Clerk.\n\
         To act for real, with your instance's secret key (dashboard, API keys):\n\
         \n    export CLERK_SECRET_KEY=sk_live_...        # sk_test_... for a development instance\
         \n    clerk-moderate list --banned --created-after 2026-11-20 > ids.txt\
         \n    clerk-moderate unban --from ids.txt --dry-run\
         \n    clerk-moderate unban --from ids.txt --journal unban.journal\n\
         \nclerk-moderate --help lists every command and option."
    ));
    match problems.is_empty() {
        true => Ok(Exit::Success),
        false => Err(Failure::after_sending(
            Exit::Problems,
            format!(
                "demo: the users did not end as shown: {}",
                problems.join("; ")
            ),
        )),
    }
}

/// The users the demo acts on, a set per transport.
struct Seeded {
    ureq_banned: Vec<UserId>,
    ureq_locked: Vec<UserId>,
    hyper_banned: Vec<UserId>,
    hyper_locked: Vec<UserId>,
}

impl Seeded {
    fn new(emulator: &Emulator) -> Self {
        // Users nobody touches, so that the list is a selection.
        emulator.seed(4);
        let ids = |seed: &dyn Fn() -> String, n: usize| -> Vec<UserId> {
            (0..n)
                // The emulator's ids are valid by construction.
                .filter_map(|_| UserId::new(seed()).ok())
                .collect()
        };
        let banned = || emulator.seed_banned_user();
        let locked = || emulator.seed_locked_user();
        Self {
            ureq_banned: ids(&banned, 3),
            ureq_locked: ids(&locked, 2),
            hyper_banned: ids(&banned, 2),
            hyper_locked: ids(&locked, 2),
        }
    }

    fn banned_count(&self) -> usize {
        self.ureq_banned.len() + self.hyper_banned.len()
    }

    fn locked_count(&self) -> usize {
        self.ureq_locked.len() + self.hyper_locked.len()
    }

    /// What does not match: every banned user now unbanned, every locked one unlocked.
    fn check(&self, emulator: &Emulator) -> Vec<String> {
        let mut problems = Vec::new();
        let banned = self.ureq_banned.iter().chain(&self.hyper_banned);
        let locked = self.ureq_locked.iter().chain(&self.hyper_locked);
        for (ids, field) in [
            (banned.collect::<Vec<_>>(), "banned"),
            (locked.collect(), "locked"),
        ] {
            for id in ids {
                let user = emulator.user(id.as_str());
                if user.as_ref().map(|u| &u[field]) != Some(&serde_json::Value::Bool(false)) {
                    problems.push(format!("{} is still {field}", id.as_str()));
                }
            }
        }
        problems
    }
}

/// A dry run: what `action` would change, changing nothing.
fn dry_run(out: &mut Stdout, transport: &str, runner: &Runner<'_>, action: Action, ids: &[UserId]) {
    let outcomes = runner(
        action,
        ids.to_vec(),
        RunOptions::default().with_dry_run(true),
    );
    out.line(format_args!(
        "[{transport}]{} clerk-moderate {action} --dry-run {}",
        pad(transport),
        list(ids)
    ));
    for outcome in &outcomes {
        out.line(format_args!(
            "        {}",
            crate::output::text_line(outcome)
        ));
    }
    out.line("        (nothing was changed)\n");
}

/// `action` over `ids`, with each user's state before (read by a `get` run through the same
/// transport) and after (as Clerk answered the action).
fn act(out: &mut Stdout, transport: &str, runner: &Runner<'_>, action: Action, ids: &[UserId]) {
    let before: HashMap<UserId, User> = runner(Action::Get, ids.to_vec(), RunOptions::default())
        .into_iter()
        .filter_map(|o| match o.outcome {
            Outcome::Done(user) => Some((o.user_id, *user)),
            _ => None,
        })
        .collect();
    let outcomes = runner(action, ids.to_vec(), RunOptions::default());
    out.line(format_args!(
        "[{transport}]{} clerk-moderate {action} {}",
        pad(transport),
        list(ids)
    ));
    for outcome in &outcomes {
        let id = outcome.user_id.as_str();
        let line = match (&outcome.outcome, before.get(&outcome.user_id)) {
            (Outcome::Done(after), Some(before)) => {
                format!(
                    "{:<13} {id}  {}  ->  {}",
                    "done",
                    state(before),
                    state(after)
                )
            }
            _ => crate::output::text_line(outcome),
        };
        out.line(format_args!("        {line}"));
    }
    out.line("");
}

/// Aligns `[ureq]` with `[hyper]`.
fn pad(transport: &str) -> &'static str {
    if transport.len() < 5 { " " } else { "" }
}

/// The ids, space-separated.
fn list(ids: &[UserId]) -> String {
    ids.iter().map(UserId::as_str).collect::<Vec<_>>().join(" ")
}
