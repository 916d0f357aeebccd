//! Issue 15's fleet: four `clerk-moderate` processes and two library runs, started together
//! against one emulator at Clerk's production limit (1000 requests per 10 s, counted over a
//! sliding window as Clerk does), sharing one Redis budget: no answer is a 429, and every user
//! gets exactly one outcome.

mod cli_support;

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use clerk_moderation_conformance::emulator::{Emulator, Instance};
use clerk_moderation_conformance::redis_server::RedisServer;
use clerk_moderation_core::{
    Action, ApiConfig, OutcomeKind, RunOptions, SecretKey, UserId, UserOutcome,
};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::budget::RedisBudget;
use clerk_moderation_transports::ureq::UreqTransport;
use cli_support::*;

/// Users each of the six acts on: 1200 requests in all, more than one window allows, so the
/// window must turn over while all six are running.
const USERS_EACH: usize = 200;

#[test]
fn four_commands_and_two_library_runs_sharing_redis_draw_no_429_and_one_outcome_each() {
    let redis = RedisServer::start();
    let emulator = Emulator::builder()
        .instance(Instance::Production)
        .latency(Duration::from_millis(5))
        .start()
        .expect("the emulator starts");
    let users = emulator.seed(6 * USERS_EACH);
    let mut shares = users.chunks(USERS_EACH);
    let target = Target::of(&emulator);
    let state = Scratch::new("fleet");

    let commands: Vec<_> = (0..4)
        .map(|_| {
            let mut args = vec!["unlock", "--yes", "--json", "--budget"];
            let url = redis.url(0);
            args.push(&url);
            args.extend(shares.next().unwrap().iter().map(String::as_str));
            command(Some(&target), &args)
                .env("XDG_STATE_HOME", path_str(&state.path("")))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("clerk-moderate starts")
        })
        .collect();
    let key = SecretKey::new(emulator.secret_key()).unwrap();
    let library_runs: Vec<_> = (0..2)
        .map(|_| {
            let ids: Vec<UserId> = shares
                .next()
                .unwrap()
                .iter()
                .map(|id| UserId::new(id).unwrap())
                .collect();
            let budget = RedisBudget::for_instance(&redis.url(0), &key).unwrap();
            let config = ApiConfig::new(key.clone())
                .with_base_url(&emulator.base_url())
                .unwrap();
            let transport = UreqTransport::new();
            let client = Client::new(config, transport).with_budget(Arc::new(budget));
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                let report = client.run(
                    Action::Unlock,
                    ids,
                    RunOptions::default(),
                    |o: UserOutcome| outcomes.push(o),
                );
                (report, outcomes)
            })
        })
        .collect();

    let mut outcomes: HashMap<String, Vec<String>> = HashMap::new();
    for child in commands {
        let ran = finish(child, Vec::new(), RUN_LIMIT);
        ran.assert_code(0);
        assert_eq!(ran.summary()["rate_limited"], 0, "{}", ran.stderr);
        for line in ran.json_lines() {
            let user = line["user_id"].as_str().unwrap().to_owned();
            outcomes
                .entry(user)
                .or_default()
                .push(line["outcome"].as_str().unwrap().to_owned());
        }
    }
    for run in library_runs {
        let (report, run_outcomes) = run.join().expect("the library run");
        assert_eq!(report.stats.rate_limited, 0);
        assert!(report.stopped.is_none(), "{:?}", report.stopped);
        for outcome in run_outcomes {
            let kind = match outcome.outcome.kind() {
                OutcomeKind::Done => "done".to_owned(),
                other => format!("{other:?}"),
            };
            outcomes
                .entry(outcome.user_id.as_str().to_owned())
                .or_default()
                .push(kind);
        }
    }

    assert_eq!(outcomes.len(), users.len(), "every user has an outcome");
    for (user, theirs) in &outcomes {
        assert_eq!(theirs, &["done"], "{user}: exactly one outcome, done");
    }
    let stats = emulator.stats();
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
    assert!(stats.peak_window <= 1000, "{stats:?}");
    assert_eq!(stats.requests, 6 * USERS_EACH as u64, "{stats:?}");
}
