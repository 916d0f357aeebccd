//! The `tracing` feature: spans per call and per attempt carry the operation, the user id, the
//! attempt, the status, Clerk's code and trace id, and the waits, and no record ever holds the
//! key. Every record is captured at TRACE by a subscriber written here.

#![cfg(all(feature = "tracing", feature = "ureq"))]

mod support;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use clerk_moderation_core::{Action, Pace, RunOptions, UserOutcome};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::ureq::UreqTransport;
use support::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Keeps every span, field and event as a line of text.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: Arc<AtomicU64>,
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl Capture {
    fn push(&self, line: String) {
        self.lines.lock().unwrap().push(line);
    }

    fn text(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(format!("span {}", span.metadata().name()));
        span.record(&mut fields);
        self.push(fields.0);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut fields = Fields("record".to_owned());
        values.record(&mut fields);
        self.push(fields.0);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(format!("event {}", event.metadata().target()));
        event.record(&mut fields);
        self.push(fields.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn every_record_at_trace_has_the_details_and_never_the_key() {
    let capture = Capture::default();
    let server = TestServer::start(|request, n| {
        // The key, echoed back, in a 401 body and a header: it must not reach a record.
        let echoed = request
            .header("authorization")
            .unwrap_or_default()
            .to_owned();
        match n {
            0 => Reply::json(503, clerk_error("service_unavailable", "trace_503")),
            1 => Reply::json(401, format!(r#"{{"errors":[{{"message":"{echoed}","code":"clerk_key_invalid"}}],"clerk_trace_id":"trace_401"}}"#))
                .header("x-echo", &echoed),
            _ => echo_users(request, false),
        }
    });
    let transport = UreqTransport::builder()
        .allow_loopback_http(true)
        .proxy(None)
        .build();
    let client = Client::new(config(&server.url()), transport).with_retry_policy(fast_retries(3));

    tracing::subscriber::with_default(capture.clone(), || {
        let error = client.unlock(&uid("user_traced")).unwrap_err();
        assert_eq!(error.response().unwrap().status(), 401);
        let report = client.run(
            Action::Ban,
            (0..3).map(|i| uid(&format!("user_run{i}"))),
            RunOptions::default().with_pace(Pace::Unlimited),
            |_: UserOutcome| {},
        );
        assert_eq!(report.stats.done, 3);
    });

    let text = capture.text();
    assert!(
        !text.contains(SECRET),
        "the key reached a trace record:\n{text}"
    );
    for expected in [
        "span clerk.call operation=\"unlock_user\" user_id=\"user_traced\"",
        "span clerk.attempt attempt=\"#0\" user_id=\"user_traced\" users=1",
        "record status=503",
        "record code=\"service_unavailable\"",
        "record trace_id=\"trace_503\"",
        "reason=Backoff wait_ms=",
        "span clerk.attempt attempt=\"#1\"",
        "record code=\"clerk_key_invalid\"",
        "record trace_id=\"trace_401\"",
        "span clerk.run action=\"ban\" users=3",
        "users=3",
        "record status=200",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}

#[test]
fn records_are_under_the_crates_own_target_and_a_429_wait_is_named_as_such() {
    let capture = Capture::default();
    let server = TestServer::start(|request, n| match n {
        0 => Reply::json(429, clerk_error("too_many_requests", "trace_429"))
            .header("Retry-After", "0"),
        _ => echo_users(request, false),
    });
    let transport = UreqTransport::builder()
        .allow_loopback_http(true)
        .proxy(None)
        .build();
    let client = Client::new(config(&server.url()), transport).with_retry_policy(fast_retries(3));
    tracing::subscriber::with_default(capture.clone(), || {
        client.unlock(&uid("user_waited")).unwrap();
    });
    let text = capture.text();
    // `RUST_LOG=clerk_moderation_transports=debug` selects these: their target is the crate's.
    let events: Vec<&str> = text.lines().filter(|l| l.starts_with("event ")).collect();
    assert!(!events.is_empty(), "{text}");
    for event in &events {
        assert!(
            event.starts_with("event clerk_moderation_transports"),
            "{event}"
        );
    }
    assert!(text.contains("reason=RateLimited wait_ms="), "{text}");
}
