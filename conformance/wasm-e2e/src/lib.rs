//! One moderation job, defined once, that `tests/` runs natively (the async client over hyper,
//! on tokio) and on `wasm32-unknown-unknown` under Node and Deno (the same client over
//! JavaScript's `fetch`), each against a `clerk-emulator` with the same seeded users: a paced
//! bulk unban of 200 users, 5 of whom do not exist. `.ci/wasm` starts the emulators, runs both,
//! and the wasm test checks that its outcomes are the native run's, line for line.
//!
//! The environment the tests read (set by `.ci/wasm`):
//! - `WASM_E2E_API_URL`, `WASM_E2E_SECRET_KEY`: the emulator;
//! - `WASM_E2E_USERS`: the seeded users' ids, in the emulator's order, separated by spaces;
//! - `WASM_E2E_BANNED`: one of them that is banned, for the single unban;
//! - `WASM_E2E_NATIVE_OUT` (native): where to write the native run's outcomes;
//! - `WASM_E2E_EXPECTED` (wasm): the native run's outcomes, to compare with;
//! - `WASM_E2E_SILENT_URL`, `WASM_E2E_REDIRECT_URL`, `WASM_E2E_DEAD_URL` (wasm): a peer that
//!   never answers, one that answers every request with a redirect, and a port nothing listens
//!   on.

use std::time::Duration;

use clerk_moderation_core::{
    Action, LocalAsyncTransport, OutcomeKind, RateLimit, RunOptions, RunStats, UserId, UserOutcome,
};
use clerk_moderation_transports::{AsyncClient, TimerHandle};

/// The users the emulator seeds: `clerk-emulator --seed 195`.
pub const SEEDED_USERS: usize = 195;

/// Ids in the job that the emulator does not have: they must end `not_found`.
pub const UNKNOWN_USERS: usize = 5;

/// The job's action.
pub const ACTION: Action = Action::Unban;

/// The job's users: the seeded ones, then the unknown ones (all in the last bulk chunk).
pub fn job_ids(seeded: &[String]) -> Vec<UserId> {
    let unknown = (0..UNKNOWN_USERS).map(|i| format!("user_e2e_missing_{i}"));
    seeded
        .iter()
        .cloned()
        .chain(unknown)
        .map(|id| UserId::new(id).expect("a valid user id"))
        .collect()
}

/// The job's options: in bulk, paced at 10 requests a second, with a fixed seed so that both
/// runs make the same decisions.
pub fn job_options() -> RunOptions {
    RunOptions::default()
        .with_rate_limit(RateLimit::new(10, Duration::from_secs(1)))
        .with_seed(20_261_101)
}

/// One outcome as a line: `user_id outcome`.
pub fn outcome_line(outcome: &UserOutcome) -> String {
    format!(
        "{} {}",
        outcome.user_id.as_str(),
        outcome.outcome.kind().as_str()
    )
}

/// The outcomes, one line each, sorted by user, then the requests the run sent: the form both
/// runs are compared in. With the same seed and the same server, both make the same requests.
pub fn sorted_lines(outcomes: &[UserOutcome], stats: &RunStats) -> String {
    let mut lines: Vec<String> = outcomes.iter().map(outcome_line).collect();
    lines.sort();
    lines.push(format!("requests {}", stats.requests));
    lines.join("\n")
}

/// Checks what any run of the job must give, whatever the platform: every seeded user done,
/// every unknown one not found, one outcome each.
pub fn check_outcomes(outcomes: &[UserOutcome], seeded: &[String]) {
    assert_eq!(outcomes.len(), seeded.len() + UNKNOWN_USERS);
    for outcome in outcomes {
        let id = outcome.user_id.as_str();
        let expected = if seeded.iter().any(|s| s == id) {
            OutcomeKind::Done
        } else {
            OutcomeKind::NotFound
        };
        assert_eq!(
            outcome.outcome.kind(),
            expected,
            "{}",
            outcome_line(outcome)
        );
    }
}

/// Runs the job with `client`, of either flavour: the single unban of `banned` (a banned user),
/// then the run over the `seeded` users and the unknown ones. Checks what any run of it must
/// give, and returns its outcomes and requests in the form both runs are compared in.
pub async fn run_job<T: LocalAsyncTransport, K: TimerHandle>(
    client: &AsyncClient<T, K>,
    banned: &str,
    seeded: &[String],
) -> String {
    let user = client.unban(&UserId::new(banned).unwrap()).await.unwrap();
    assert!(!user.banned);

    let mut outcomes: Vec<UserOutcome> = Vec::new();
    let report = client
        .run(ACTION, job_ids(seeded), job_options(), |o| outcomes.push(o))
        .await;
    check_outcomes(&outcomes, seeded);
    assert!(report.stopped.is_none(), "{:?}", report.stopped);
    sorted_lines(&outcomes, &report.stats)
}

/// A variable of the test script's environment.
#[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// A variable of the test script's environment: Node's `process.env`.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
pub fn env(name: &str) -> Option<String> {
    use js_sys::Reflect;
    use wasm_bindgen::JsValue;
    let process = Reflect::get(&js_sys::global(), &JsValue::from_str("process")).ok()?;
    let variables = Reflect::get(&process, &JsValue::from_str("env")).ok()?;
    Reflect::get(&variables, &JsValue::from_str(name))
        .ok()?
        .as_string()
        .filter(|value| !value.is_empty())
}

/// The seeded users' ids from `WASM_E2E_USERS`.
pub fn seeded_users() -> Option<Vec<String>> {
    env("WASM_E2E_USERS").map(|ids| ids.split_whitespace().map(str::to_owned).collect())
}
