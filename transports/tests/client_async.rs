//! The async `AsyncClient`: retries and bulk chunking over `HyperTransport` against a real
//! server on 127.0.0.1, and over closures.

#![cfg(feature = "tokio")]

mod support;

use clerk_moderation_core::StopReason;
#[cfg(feature = "hyper")]
use clerk_moderation_core::UserId;
use clerk_moderation_transports::AsyncClient;
use support::*;

#[cfg(feature = "hyper")]
fn ids(n: usize) -> Vec<UserId> {
    (0..n).map(|i| uid(&format!("user_{i:03}"))).collect()
}

#[tokio::test]
async fn no_ids_means_no_request() {
    let transport = |_: http::Request<Vec<u8>>| async {
        Err::<http::Response<Vec<u8>>, _>(std::io::Error::other("must not be called"))
    };
    let client = AsyncClient::new(config("https://api.clerk.com"), transport);
    assert!(client.ban_many(&[]).await.unwrap().is_empty());
    assert!(client.unban_many(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn transport_failures_are_retried_then_reported() {
    let transport = |_: http::Request<Vec<u8>>| async {
        Err::<http::Response<Vec<u8>>, _>(std::io::Error::other("reset"))
    };
    let client = AsyncClient::new(config("https://api.clerk.com"), transport)
        .with_retry_policy(fast_retries(3));
    let error = client.unlock(&uid("user_1")).await.unwrap_err();
    assert_eq!(error.attempts(), 3);
    assert_eq!(error.stop_reason(), Some(StopReason::AttemptsExhausted));
}

#[cfg(feature = "hyper")]
mod over_hyper {
    use super::*;
    use clerk_moderation_transports::hyper::HyperTransport;
    use std::time::{Duration, Instant};

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
        assert_eq!(error.stop_reason(), Some(StopReason::AttemptsExhausted));
        assert_eq!(server.requests().len(), 3);
    }

    #[tokio::test]
    async fn bulk_of_120_goes_in_chunks_of_50_50_20_in_order() {
        let server = TestServer::start(|request, _| echo_users(request, true));
        let input = ids(120);
        let users = client(&server, 1).unban_many(&input).await.unwrap();

        let requests = server.requests();
        let sizes: Vec<usize> = requests.iter().map(|r| r.user_ids().len()).collect();
        assert_eq!(sizes, [50, 50, 20]);
        let sent: Vec<String> = requests.iter().flat_map(|r| r.user_ids()).collect();
        let want: Vec<&str> = input.iter().map(UserId::as_str).collect();
        assert_eq!(sent, want);
        let got: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(got, want);
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
