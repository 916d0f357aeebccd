//! The async `AsyncClient`: calls and runs over closures, on tokio and on smol (its timer comes
//! through a trait, so any runtime drives it), and over `HyperTransport` against a real server
//! on 127.0.0.1.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clerk_moderation_core::{Action, OutcomeKind, Pace, RunOptions, UserOutcome};
use clerk_moderation_transports::AsyncClient;
use support::*;

/// A timer on smol's reactor (async-io), for any runtime that is not tokio.
async fn smol_timer(at: Instant) {
    async_io::Timer::at(at).await;
}

fn unpaced() -> RunOptions {
    RunOptions::default()
        .with_pace(Pace::Unlimited)
        .with_seed(1)
        .with_retry_policy(fast_retries(3))
}

#[test]
fn on_smol_a_call_retries_and_a_run_paces_with_the_timer_given() {
    smol::block_on(async {
        // A 503 first: the retry must wait on smol's timer, not tokio's (there is none here).
        let calls = AtomicUsize::new(0);
        let transport = |request: http::Request<Vec<u8>>| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let id = path_user_id(request.uri().path());
            async move {
                let status = if n == 0 { 503 } else { 200 };
                http::Response::builder()
                    .status(status)
                    .body(user_json(&id).into_bytes())
            }
        };
        let client =
            AsyncClient::with_timer(config("https://api.clerk.com"), &transport, smol_timer)
                .with_retry_policy(fast_retries(3));
        let user = client.unlock(&uid("user_1")).await.unwrap();
        assert_eq!(user.id, "user_1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        // A run paced at 5 requests per 300 ms: 12 single requests need at least two waits.
        // (Unlock: the canned users come back unlocked, as Clerk shows an unlocked user.)
        let started = Instant::now();
        let limit = clerk_moderation_core::RateLimit::new(5, Duration::from_millis(300));
        let mut done = 0;
        let report = client
            .run(
                Action::Unlock,
                (0..12).map(|i| uid(&format!("user_{i}"))),
                unpaced().with_rate_limit(limit),
                |o: UserOutcome| done += usize::from(o.outcome.kind() == OutcomeKind::Done),
            )
            .await;
        assert_eq!(done, 12);
        assert_eq!(report.stats.requests, 12);
        assert!(started.elapsed() >= Duration::from_millis(600));
    });
}

#[cfg(feature = "tokio")]
mod on_tokio {
    use super::*;
    use clerk_moderation_core::StopReason;

    #[tokio::test]
    async fn transport_failures_are_retried_then_reported() {
        let transport = |_: http::Request<Vec<u8>>| async {
            Err::<http::Response<Vec<u8>>, _>(std::io::Error::other("reset"))
        };
        let client = AsyncClient::new(config("https://api.clerk.com"), transport)
            .with_retry_policy(fast_retries(3));
        let error = client.unlock(&uid("user_1")).await.unwrap_err();
        assert_eq!(error.attempts(), 3);
        assert_eq!(error.stop_reason(), StopReason::AttemptsExhausted);
    }

    #[tokio::test]
    async fn an_attempt_in_flight_is_cut_at_the_deadline() {
        let transport = |_: http::Request<Vec<u8>>| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            http::Response::builder().status(200).body(Vec::new())
        };
        let client = AsyncClient::new(config("https://api.clerk.com"), transport)
            .with_deadline(Some(Duration::from_millis(200)));
        let started = Instant::now();
        let error = client.get_user(&uid("user_1")).await.unwrap_err();
        assert!(error.is_timed_out());
        assert_eq!(error.stop_reason(), StopReason::DeadlineExceeded);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_run_cuts_silent_requests_at_the_users_deadline() {
        let transport = |request: http::Request<Vec<u8>>| async move {
            if request.uri().path().contains("user_3") {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            http::Response::builder()
                .status(200)
                .body(user_json(&path_user_id(request.uri().path())).into_bytes())
        };
        let client = AsyncClient::new(config("https://api.clerk.com"), transport);
        let started = Instant::now();
        let report = client
            .run(
                Action::Unlock,
                (0..6).map(|i| uid(&format!("user_{i}"))),
                unpaced().with_user_deadline(Some(Duration::from_millis(300))),
                |_: UserOutcome| {},
            )
            .await;
        assert_eq!((report.stats.done, report.stats.failed), (5, 1));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[cfg(feature = "hyper")]
mod over_hyper {
    use super::*;
    use clerk_moderation_core::Outcome;
    use clerk_moderation_core::StopReason;
    use clerk_moderation_transports::hyper::HyperTransport;

    fn client(server: &TestServer, max_attempts: u32) -> AsyncClient<HyperTransport> {
        let transport = HyperTransport::builder()
            .allow_loopback_http(true)
            .build()
            .unwrap();
        AsyncClient::new(config(&server.url()), transport)
            .with_retry_policy(fast_retries(max_attempts))
    }

    #[tokio::test]
    async fn a_429_with_retry_after_is_waited_out() {
        let server = TestServer::scripted(vec![
            Reply::json(429, clerk_error("too_many_requests", "t429")).header("Retry-After", "1"),
            Reply::json(200, user_json("user_1")),
        ]);
        let started = Instant::now();
        let user = client(&server, 4).unlock(&uid("user_1")).await.unwrap();
        assert_eq!(user.id, "user_1");
        assert_eq!(server.requests().len(), 2, "success after 2 attempts");
        assert!(started.elapsed() >= Duration::from_millis(950));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn a_404_is_not_retried() {
        let server = TestServer::scripted(vec![Reply::json(
            404,
            clerk_error("resource_not_found", "t404"),
        )]);
        let error = client(&server, 4).ban(&uid("user_1")).await.unwrap_err();
        assert_eq!(error.attempts(), 1);
        assert!(error.is_not_found());
        assert_eq!(server.requests().len(), 1);
        assert_no_secret(&error);
    }

    #[tokio::test]
    async fn a_503_stops_at_max_attempts() {
        let server = TestServer::scripted(vec![Reply::status(503, "text/plain", "busy")]);
        let error = client(&server, 3).unban(&uid("user_1")).await.unwrap_err();
        assert_eq!(error.attempts(), 3);
        assert_eq!(error.stop_reason(), StopReason::AttemptsExhausted);
        assert_eq!(server.requests().len(), 3);
    }

    #[tokio::test]
    async fn a_run_of_120_goes_in_chunks_of_50_50_20() {
        let server = TestServer::start(|request, _| echo_users(request, true));
        let mut done = Vec::new();
        let report = client(&server, 1)
            .run(
                Action::Unban,
                (0..120).map(|i| uid(&format!("user_{i:03}"))),
                unpaced().with_concurrency(1),
                |o: UserOutcome| {
                    if let Outcome::Done(user) = o.outcome {
                        done.push(user.id);
                    }
                },
            )
            .await;
        assert!(report.all_done());
        let requests = server.requests();
        let sizes: Vec<usize> = requests.iter().map(|r| r.user_ids().len()).collect();
        assert_eq!(sizes, [50, 50, 20]);
        assert_eq!(done.len(), 120);
        assert!(requests.iter().all(|r| r.path == "/v1/users/unban"));
    }

    #[tokio::test]
    async fn a_stalled_server_is_retried_within_the_timeout() {
        let server = TestServer::scripted(vec![
            Reply::Stall(Duration::from_secs(8)),
            Reply::json(200, user_json("user_1")),
        ]);
        let transport = HyperTransport::builder()
            .allow_loopback_http(true)
            .timeout(Some(Duration::from_millis(300)))
            .build()
            .unwrap();
        let client =
            AsyncClient::new(config(&server.url()), transport).with_retry_policy(fast_retries(2));
        let started = Instant::now();
        assert_eq!(client.get_user(&uid("user_1")).await.unwrap().id, "user_1");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
