//! What the whole-run tests share: both clients as drivers of one run against an emulator, fast
//! options for loopback, and the checks every run keeps.

#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use clerk_moderation_conformance::emulator::Emulator;
use clerk_moderation_core::{
    Action, ApiConfig, OutcomeKind, Pace, RetryPolicy, RunOptions, SecretKey, UserId, UserOutcome,
};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::ureq::UreqTransport;
use clerk_moderation_transports::{AsyncClient, Client, RunReport};

/// One of the two clients, driving a run to its end.
pub trait Driver {
    fn name(&self) -> &'static str;
    fn run(
        &self,
        action: Action,
        ids: Vec<UserId>,
        options: RunOptions,
    ) -> (RunReport, Vec<UserOutcome>);
}

pub struct Blocking(pub Client<UreqTransport>);

impl Driver for Blocking {
    fn name(&self) -> &'static str {
        "Client<UreqTransport>"
    }
    fn run(
        &self,
        action: Action,
        ids: Vec<UserId>,
        options: RunOptions,
    ) -> (RunReport, Vec<UserOutcome>) {
        let mut outcomes = Vec::new();
        let report = self
            .0
            .run(action, ids, options, |o: UserOutcome| outcomes.push(o));
        (report, outcomes)
    }
}

pub struct Async(pub AsyncClient<HyperTransport>, pub tokio::runtime::Runtime);

impl Driver for Async {
    fn name(&self) -> &'static str {
        "AsyncClient<HyperTransport>"
    }
    fn run(
        &self,
        action: Action,
        ids: Vec<UserId>,
        options: RunOptions,
    ) -> (RunReport, Vec<UserOutcome>) {
        let mut outcomes = Vec::new();
        let report = self.1.block_on(
            self.0
                .run(action, ids, options, |o: UserOutcome| outcomes.push(o)),
        );
        (report, outcomes)
    }
}

pub fn config(emulator: &Emulator, key: &str) -> ApiConfig {
    ApiConfig::new(SecretKey::new(key).unwrap())
        .with_base_url(&emulator.base_url())
        .unwrap()
}

/// Both clients, pointed at `emulator` with `key`.
pub fn drivers(emulator: &Emulator, key: &str) -> Vec<Box<dyn Driver>> {
    let ureq = UreqTransport::builder()
        .allow_loopback_http(true)
        .proxy(None)
        .build();
    let hyper = HyperTransport::builder()
        .allow_loopback_http(true)
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    vec![
        Box::new(Blocking(Client::new(config(emulator, key), ureq))),
        Box::new(Async(
            AsyncClient::new(config(emulator, key), hyper),
            runtime,
        )),
    ]
}

/// Fast options for loopback: unpaced, quick retries, a fixed seed.
pub fn options() -> RunOptions {
    RunOptions::default()
        .with_pace(Pace::Unlimited)
        .with_seed(3)
        .with_concurrency(4)
        .with_retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(100)),
        )
}

pub fn ids(strings: &[String]) -> Vec<UserId> {
    strings.iter().map(|s| UserId::new(s).unwrap()).collect()
}

pub fn kinds(outcomes: &[UserOutcome]) -> HashMap<OutcomeKind, usize> {
    let mut counts = HashMap::new();
    for outcome in outcomes {
        *counts.entry(outcome.outcome.kind()).or_default() += 1;
    }
    counts
}

/// Exactly one outcome per distinct input id.
pub fn assert_one_each(outcomes: &[UserOutcome], input: &[String]) {
    let mut seen: Vec<&str> = outcomes.iter().map(|o| o.user_id.as_str()).collect();
    seen.sort_unstable();
    let mut want: Vec<&str> = input.iter().map(String::as_str).collect();
    want.sort_unstable();
    want.dedup();
    assert_eq!(seen, want, "one outcome per distinct id");
}
