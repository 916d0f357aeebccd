//! The blocking `Client`: retries, bulk chunking and ordering. Over closures (no features) and
//! over `UreqTransport` against a real server on 127.0.0.1.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use clerk_moderation_core::{StopReason, UserId};
use clerk_moderation_transports::{Client, ClientErrorKind, RetryCause};
use support::*;

fn ids(n: usize) -> Vec<UserId> {
    (0..n).map(|i| uid(&format!("user_{i:03}"))).collect()
}

type Canned = Result<http::Response<Vec<u8>>, std::io::Error>;

#[test]
fn no_ids_means_no_request() {
    let calls = AtomicUsize::new(0);
    let transport = |_: http::Request<Vec<u8>>| -> Canned {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(http::Response::new(b"[]".to_vec()))
    };
    let client = Client::new(config("https://api.clerk.com"), &transport);
    assert!(client.ban_many(&[]).unwrap().is_empty());
    assert!(client.unban_many(&[]).unwrap().is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn transport_failures_are_retried_then_reported() {
    let calls = AtomicUsize::new(0);
    let transport = |_: http::Request<Vec<u8>>| -> Canned {
        calls.fetch_add(1, Ordering::SeqCst);
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        ))
    };
    let retries = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&retries);
    let client = Client::new(config("https://api.clerk.com"), &transport)
        .with_retry_policy(fast_retries(3))
        .on_retry(move |event| {
            assert!(matches!(event.cause, RetryCause::Transport(_)));
            seen.lock().unwrap().push((event.operation, event.attempt));
        });
    let error = client.lock(&uid("user_1")).unwrap_err();
    assert_eq!(error.attempts(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(error.stop_reason(), Some(StopReason::AttemptsExhausted));
    assert!(matches!(error.kind(), ClientErrorKind::Transport(_)));
    assert_eq!(
        *retries.lock().unwrap(),
        [("lock_user", 1), ("lock_user", 2)]
    );
    assert!(
        error
            .to_string()
            .contains("lock_user failed after 3 attempt(s)"),
        "{error}"
    );
    assert_no_secret(&error);
}

#[test]
fn bulk_results_come_back_in_input_order_over_a_closure() {
    // The fake server answers each chunk in reverse order.
    let transport = |request: http::Request<Vec<u8>>| -> Canned {
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        let users: Vec<String> = body["user_ids"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .map(|id| user_json(id.as_str().unwrap()))
            .collect();
        Ok(http::Response::new(
            format!("[{}]", users.join(",")).into_bytes(),
        ))
    };
    let client = Client::new(config("https://api.clerk.com"), transport);
    let input = ids(73);
    let users = client.unban_many(&input).unwrap();
    let got: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let want: Vec<&str> = input.iter().map(UserId::as_str).collect();
    assert_eq!(got, want);
}

#[cfg(feature = "ureq")]
mod over_ureq {
    use super::*;
    use clerk_moderation_transports::ureq::UreqTransport;
    use std::time::{Duration, Instant};

    fn client(server: &TestServer, max_attempts: u32) -> Client<UreqTransport> {
        let transport = UreqTransport::builder()
            .allow_loopback_http(true)
            .proxy(None)
            .build();
        Client::new(config(&server.url()), transport).with_retry_policy(fast_retries(max_attempts))
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
        assert_eq!(error.stop_reason(), Some(StopReason::NotRetryable));
        assert_eq!(server.requests().len(), 1);
        assert_no_secret(&error);
    }

    #[test]
    fn a_503_stops_at_max_attempts() {
        let server = TestServer::scripted(vec![Reply::status(503, "text/plain", "busy")]);
        let error = client(&server, 3).unban(&uid("user_1")).unwrap_err();
        assert_eq!(error.attempts(), 3);
        assert_eq!(error.stop_reason(), Some(StopReason::AttemptsExhausted));
        assert_eq!(error.response().unwrap().status(), 503);
        assert_eq!(server.requests().len(), 3);
    }

    #[test]
    fn a_refused_connection_is_retried_then_reported_as_not_sent() {
        let url = format!("http://127.0.0.1:{}", dead_port());
        let transport = UreqTransport::builder()
            .allow_loopback_http(true)
            .proxy(None)
            .build();
        let client = Client::new(config(&url), transport).with_retry_policy(fast_retries(2));
        let error = client.get_user(&uid("user_1")).unwrap_err();
        assert_eq!(error.attempts(), 2);
        let transport_error = error.transport().unwrap();
        assert!(transport_error.is_connect());
        assert!(!transport_error.may_have_been_sent());
        assert_no_secret(&error);
    }

    #[test]
    fn bulk_of_120_goes_in_chunks_of_50_50_20_in_order() {
        let server = TestServer::start(|request, _| echo_users(request, true));
        let input = ids(120);
        let users = client(&server, 1).ban_many(&input).unwrap();

        let requests = server.requests();
        assert_eq!(requests.len(), 3);
        let sizes: Vec<usize> = requests.iter().map(|r| r.user_ids().len()).collect();
        assert_eq!(sizes, [50, 50, 20]);
        let sent: Vec<String> = requests.iter().flat_map(|r| r.user_ids()).collect();
        let want: Vec<&str> = input.iter().map(UserId::as_str).collect();
        assert_eq!(sent, want, "chunks sent in input order");
        let got: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(got, want, "results in input order");
        assert!(requests.iter().all(|r| r.path == "/v1/users/ban"));
    }

    #[test]
    fn a_failed_chunk_keeps_the_users_already_done() {
        let server = TestServer::start(|request, n| {
            if n == 1 {
                Reply::json(402, clerk_error("payment_required", "t402"))
            } else {
                echo_users(request, false)
            }
        });
        let error = client(&server, 3).ban_many(&ids(120)).unwrap_err();
        assert_eq!(error.completed_users().len(), 50);
        assert_eq!(error.completed_users()[0].id, "user_000");
        assert_eq!(error.response().unwrap().status(), 402);
        assert_eq!(server.requests().len(), 2, "no chunk after the failed one");
    }
}
