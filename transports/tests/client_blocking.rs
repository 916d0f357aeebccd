//! The blocking `Client`: calls (retries, deadline, why it stopped, masked echoes) and runs
//! (chunks, outcomes, interrupts), over closures (no features) and over `UreqTransport` against
//! a real server on 127.0.0.1.

mod support;

use std::error::Error as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clerk_moderation_core::{
    Action, FailureCause, FailureClass, OutcomeKind, Pace, RunOptions, StopReason, Transport,
    UserId, UserOutcome,
};
use clerk_moderation_transports::{Client, Interrupt};
use support::*;

fn ids(n: usize) -> Vec<UserId> {
    (0..n).map(|i| uid(&format!("user_{i:03}"))).collect()
}

type Canned = Result<http::Response<Vec<u8>>, std::io::Error>;

/// Options for runs against test servers: no pacing, a fixed seed.
fn unpaced() -> RunOptions {
    RunOptions::default()
        .with_pace(Pace::Unlimited)
        .with_seed(1)
        .with_retry_policy(fast_retries(3))
}

#[test]
fn transport_failures_are_retried_then_reported_with_why_it_stopped() {
    let calls = AtomicUsize::new(0);
    let transport = |_: http::Request<Vec<u8>>| -> Canned {
        calls.fetch_add(1, Ordering::SeqCst);
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset by peer",
        ))
    };
    let client =
        Client::new(config("https://api.clerk.com"), &transport).with_retry_policy(fast_retries(3));
    let error = client.lock(&uid("user_1")).unwrap_err();
    assert_eq!(error.attempts(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(error.stop_reason(), StopReason::AttemptsExhausted);
    assert!(matches!(error.cause(), FailureCause::Transport(_)));
    // Its own level only; the transport's error comes from `source()`.
    assert_eq!(
        error.to_string(),
        "lock_user failed after 3 attempts: no response: the request may have been sent; every attempt the retry policy allows was used"
    );
    assert_eq!(error.source().unwrap().to_string(), "reset by peer");
    assert_no_secret(&error);
}

/// A transport whose failures are permanent and certainly not sent, as a refused certificate is.
struct Refusing(AtomicUsize);

impl Transport for Refusing {
    type Error = std::io::Error;
    fn send(&self, _: http::Request<Vec<u8>>) -> Canned {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(std::io::Error::other("certificate not trusted"))
    }
    fn classify(_: &std::io::Error) -> FailureClass {
        FailureClass::new(clerk_moderation_core::Delivery::NotSent, false)
    }
}

#[test]
fn a_permanent_transport_failure_is_not_retried() {
    let client = Client::new(
        config("https://api.clerk.com"),
        Refusing(AtomicUsize::new(0)),
    )
    .with_retry_policy(fast_retries(4));
    let error = client.unban(&uid("user_1")).unwrap_err();
    assert_eq!(error.attempts(), 1);
    assert_eq!(client.transport().0.load(Ordering::SeqCst), 1);
    assert_eq!(error.stop_reason(), StopReason::NotRetryable);
}

#[test]
fn the_deadline_bounds_a_call_over_all_its_attempts_and_waits() {
    let transport = |_: http::Request<Vec<u8>>| -> Canned {
        Ok(http::Response::builder()
            .status(503)
            .body(Vec::new())
            .unwrap())
    };
    let client = Client::new(config("https://api.clerk.com"), transport)
        .with_retry_policy(fast_retries(1_000).with_max_total_wait(Duration::from_secs(60)))
        .with_deadline(Some(Duration::from_millis(300)));
    let started = Instant::now();
    let error = client.get_user(&uid("user_1")).unwrap_err();
    assert_eq!(error.stop_reason(), StopReason::DeadlineExceeded);
    assert!(error.attempts() > 3, "it retried until the deadline");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(error.to_string().contains("the deadline passed"), "{error}");
}

#[test]
fn a_key_the_server_echoes_is_masked_in_the_error() {
    let transport = |request: http::Request<Vec<u8>>| -> Canned {
        let echoed = request.headers()["authorization"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = format!(
            r#"{{"errors":[{{"message":"bad key {echoed}","code":"authentication_invalid"}}]}}"#
        );
        Ok(http::Response::builder()
            .status(401)
            .header("x-echo", echoed)
            .body(body.into_bytes())
            .unwrap())
    };
    let client = Client::new(config("https://api.clerk.com"), transport);
    let error = client.unlock(&uid("user_1")).unwrap_err();
    assert_eq!(error.response().unwrap().status(), 401);
    assert_no_secret(&error);
    assert!(!format!("{:?}", error.response().unwrap()).contains(SECRET));
}

/// A closure standing in for Clerk's bulk endpoints: answers the users asked for, except
/// `unknown`, which it leaves out; and a read of one user by id, 404 for the unknown.
fn bulk_echo(unknown: &'static [&'static str]) -> impl Fn(http::Request<Vec<u8>>) -> Canned {
    move |request| {
        if request.method() == http::Method::GET {
            let id = path_user_id(request.uri().path());
            let reply = if unknown.contains(&id.as_str()) {
                http::Response::builder()
                    .status(404)
                    .body(clerk_error("resource_not_found", "t404").into_bytes())
            } else {
                http::Response::builder().body(user_json(&id).into_bytes())
            };
            return Ok(reply.unwrap());
        }
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        let users: Vec<String> = body["user_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap())
            .filter(|id| !unknown.contains(id))
            .map(user_json)
            .collect();
        Ok(http::Response::new(
            format!("[{}]", users.join(",")).into_bytes(),
        ))
    }
}

#[test]
fn a_run_gives_one_outcome_per_distinct_user_and_looks_up_left_out_ones_before_not_found() {
    let client = Client::new(
        config("https://api.clerk.com"),
        bulk_echo(&["user_007", "user_100"]),
    );
    let mut input = ids(120);
    input.extend(ids(10)); // repeats
    let outcomes = Mutex::new(Vec::new());
    let report = client.run(Action::Unban, input, unpaced(), |o: UserOutcome| {
        outcomes.lock().unwrap().push(o)
    });
    let outcomes = outcomes.into_inner().unwrap();
    assert_eq!(outcomes.len(), 120);
    assert_eq!(report.stats.duplicates, 10);
    assert_eq!((report.stats.done, report.stats.not_found), (118, 2));
    // Three chunks, and a read by id of each user an answer left out: Clerk's 404 says it.
    assert_eq!((report.stats.requests, report.stats.rereads), (5, 2));
    assert!(!report.all_done());
    let missing: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.outcome.kind() == OutcomeKind::NotFound)
        .map(|o| o.user_id.as_str())
        .collect();
    assert_eq!(missing.len(), 2);
    assert!(missing.contains(&"user_007") && missing.contains(&"user_100"));
}

#[test]
fn an_interrupted_run_stops_sending_and_accounts_for_everyone() {
    let interrupt = Interrupt::new();
    let sent = AtomicUsize::new(0);
    let transport = |request: http::Request<Vec<u8>>| -> Canned {
        // The third request pulls the plug, as Ctrl-C would.
        if sent.fetch_add(1, Ordering::SeqCst) == 2 {
            interrupt.trigger();
        }
        Ok(http::Response::new(
            user_json(&path_user_id(request.uri().path())).into_bytes(),
        ))
    };
    let client = Client::new(config("https://api.clerk.com"), &transport);
    let mut kinds = Vec::new();
    let report = client.run_until(
        Action::Unlock,
        ids(500),
        unpaced().with_concurrency(1),
        |o: UserOutcome| kinds.push(o.outcome.kind()),
        &interrupt,
    );
    assert_eq!(kinds.len(), 500);
    assert_eq!(report.stats.done, 3);
    assert_eq!(report.stats.not_attempted, 497);
    assert_eq!(sent.load(Ordering::SeqCst), 3);
    assert!(report.stopped.is_some());
}

#[cfg(feature = "ureq")]
mod over_ureq {
    use super::*;
    use clerk_moderation_core::Outcome;
    use clerk_moderation_transports::ureq::UreqTransport;

    fn transport() -> UreqTransport {
        UreqTransport::builder()
            .allow_loopback_http(true)
            .proxy(None)
            .build()
            .unwrap()
    }

    fn client(server: &TestServer, max_attempts: u32) -> Client<UreqTransport> {
        Client::new(config(&server.url()), transport())
            .with_retry_policy(fast_retries(max_attempts))
    }

    #[test]
    fn a_429_with_retry_after_is_waited_out() {
        let server = TestServer::scripted(vec![
            Reply::json(429, clerk_error("too_many_requests", "t429")).header("Retry-After", "1"),
            Reply::json(200, user_json("user_1")),
        ]);
        let started = Instant::now();
        let user = client(&server, 4).unlock(&uid("user_1")).unwrap();
        assert_eq!(user.id, "user_1");
        assert_eq!(server.requests().len(), 2, "success after 2 attempts");
        // `Retry-After: 1` was honoured (a lower bound only: sleeping never ends early).
        assert!(started.elapsed() >= Duration::from_millis(950));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_404_is_not_retried() {
        let server = TestServer::scripted(vec![Reply::json(
            404,
            clerk_error("resource_not_found", "t404"),
        )]);
        let error = client(&server, 4).ban(&uid("user_1")).unwrap_err();
        assert_eq!(error.attempts(), 1);
        assert!(error.is_not_found());
        assert_eq!(error.stop_reason(), StopReason::NotRetryable);
        assert_eq!(server.requests().len(), 1);
        assert_no_secret(&error);
    }

    #[test]
    fn a_503_stops_at_max_attempts() {
        let server = TestServer::scripted(vec![Reply::status(503, "text/plain", "busy")]);
        let error = client(&server, 3).unban(&uid("user_1")).unwrap_err();
        assert_eq!(error.attempts(), 3);
        assert_eq!(error.stop_reason(), StopReason::AttemptsExhausted);
        assert_eq!(error.response().unwrap().status(), 503);
        assert_eq!(server.requests().len(), 3);
    }

    #[test]
    fn a_refused_connection_is_retried_then_reported_as_not_sent() {
        let url = format!("http://127.0.0.1:{}", dead_port());
        let client = Client::new(config(&url), transport()).with_retry_policy(fast_retries(2));
        let error = client.get_user(&uid("user_1")).unwrap_err();
        assert_eq!(error.attempts(), 2);
        let transport_error = error
            .transport_error::<clerk_moderation_transports::TransportError>()
            .unwrap();
        assert!(transport_error.is_connect());
        assert!(!transport_error.may_have_been_sent());
        assert_no_secret(&error);
    }

    #[test]
    fn a_run_of_120_goes_in_chunks_of_50_50_20() {
        let server = TestServer::start(|request, _| echo_users(request, true));
        let input = ids(120);
        let mut done = Vec::new();
        let report = client(&server, 1).run(
            Action::Ban,
            input.clone(),
            unpaced().with_concurrency(1),
            |o: UserOutcome| {
                if let Outcome::Done(user) = o.outcome {
                    done.push(user.id);
                }
            },
        );
        assert!(report.all_done(), "{report:?}");
        let requests = server.requests();
        let sizes: Vec<usize> = requests.iter().map(|r| r.user_ids().len()).collect();
        assert_eq!(sizes, [50, 50, 20]);
        let sent: Vec<String> = requests.iter().flat_map(|r| r.user_ids()).collect();
        let want: Vec<&str> = input.iter().map(UserId::as_str).collect();
        assert_eq!(sent, want, "chunks sent in input order");
        done.sort();
        assert_eq!(done, want, "every user done once");
        assert!(requests.iter().all(|r| r.path == "/v1/users/ban"));
    }

    #[test]
    fn a_402_stops_the_run_and_nothing_more_is_sent() {
        let server = TestServer::start(|request, n| {
            if n == 1 {
                Reply::json(402, clerk_error("payment_required", "t402"))
            } else {
                echo_users(request, false)
            }
        });
        let report = client(&server, 3).run(
            Action::Ban,
            ids(500),
            unpaced().with_concurrency(1),
            |_: UserOutcome| {},
        );
        assert_eq!(server.requests().len(), 2, "no request after the 402");
        assert_eq!(report.stats.done, 50);
        assert_eq!(report.stats.failed, 50);
        assert_eq!(report.stats.not_attempted, 400);
        assert!(report.stopped.is_some());
    }
}
