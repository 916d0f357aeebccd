//! `UreqTransport` against a real HTTP server on 127.0.0.1.

#![cfg(feature = "ureq")]

mod support;

use std::time::{Duration, Instant};

use clerk_moderation_core::{BanUsers, GetUser, Operation, Transport, UnbanUsers, UnlockUser};
use clerk_moderation_transports::ureq::{UreqError, UreqTransport};
use clerk_moderation_transports::{Client, ClientError, TransportErrorKind};
use support::*;

fn loopback() -> UreqTransport {
    UreqTransport::builder()
        .allow_loopback_http(true)
        .proxy(None)
        .build()
}

fn client(server: &TestServer, transport: UreqTransport) -> Client<UreqTransport> {
    Client::new(config(&server.url()), transport)
        .with_retry_policy(clerk_moderation_core::RetryPolicy::never())
}

fn request_to(url: &str) -> http::Request<Vec<u8>> {
    GetUser::new(uid("user_1"))
        .build_request(&config(url))
        .unwrap()
}

#[test]
fn every_operation_succeeds() {
    let server = TestServer::start(|request, _| echo_users(request, false));
    let client = client(&server, loopback());
    let id = uid("user_abc");

    assert_eq!(client.unlock(&id).unwrap().id, "user_abc");
    assert_eq!(client.unban(&id).unwrap().id, "user_abc");
    assert_eq!(client.lock(&id).unwrap().id, "user_abc");
    assert_eq!(client.ban(&id).unwrap().id, "user_abc");
    let user = client.get_user(&id).unwrap();
    assert_eq!(user.id, "user_abc");
    let ids = [uid("user_1"), uid("user_2")];
    let banned = client
        .execute(&BanUsers::new(ids.clone()).unwrap())
        .unwrap();
    assert_eq!(
        banned.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["user_1", "user_2"]
    );
    let unbanned = client.execute(&UnbanUsers::new(ids).unwrap()).unwrap();
    assert_eq!(unbanned.len(), 2);

    let requests = server.requests();
    let lines: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        lines,
        [
            "POST /v1/users/user_abc/unlock",
            "POST /v1/users/user_abc/unban",
            "POST /v1/users/user_abc/lock",
            "POST /v1/users/user_abc/ban",
            "GET /v1/users/user_abc",
            "POST /v1/users/ban",
            "POST /v1/users/unban",
        ]
    );
    check_content_lengths(&requests);
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {SECRET}").as_str())
        );
        assert_eq!(request.header("clerk-api-version"), Some("2026-05-12"));
        assert_eq!(request.header("accept"), Some("application/json"));
        assert!(
            request
                .header("user-agent")
                .unwrap()
                .starts_with("clerk-moderation/")
        );
    }
    assert_eq!(requests[5].user_ids(), ["user_1", "user_2"]);
    assert_eq!(requests[5].header("content-type"), Some("application/json"));
    assert_eq!(requests[0].header("content-type"), None);
    // One agent, kept alive: every request on the same connection.
    assert_eq!(server.connections(), 1, "keep-alive reuse");
}

#[test]
fn error_statuses_are_surfaced_intact() {
    for case in error_cases() {
        let server = TestServer::scripted(vec![case.reply()]);
        let transport = loopback();

        // The transport returns the status as a response, body intact.
        let response = transport.send(request_to(&server.url())).unwrap();
        assert_eq!(response.status().as_u16(), case.status);
        assert_eq!(response.body(), case.body.as_bytes());

        // The client surfaces it as a typed response error.
        let error = client(&server, transport)
            .unlock(&uid("user_1"))
            .unwrap_err();
        assert_eq!(error.attempts(), 1);
        check_response_error(error.response().expect("a response error"), &case);
        assert_no_secret(&error);
    }
}

#[test]
fn redirects_are_returned_not_followed() {
    let target = TestServer::start(|request, _| echo_users(request, false));
    let location = format!("{}/v1/users/user_1/unlock", target.url());
    let server = TestServer::scripted(vec![Reply::json(307, "").header("Location", &location)]);

    let response = loopback().send(request_to(&server.url())).unwrap();
    assert_eq!(response.status().as_u16(), 307);
    assert_eq!(response.headers()["location"], location.as_str());

    let error = client(&server, loopback())
        .unlock(&uid("user_1"))
        .unwrap_err();
    assert!(error.response().unwrap().is_redirect());
    assert_eq!(server.requests().len(), 2);
    assert!(
        target.requests().is_empty(),
        "the redirect target saw a request"
    );
}

#[test]
fn a_body_over_the_cap_is_a_typed_error() {
    let server = TestServer::scripted(vec![Reply::json(200, vec![b'x'; 4096])]);
    let transport = UreqTransport::builder()
        .allow_loopback_http(true)
        .proxy(None)
        .max_body_size(1024)
        .build();
    let error = transport.send(request_to(&server.url())).unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
    assert!(error.may_have_been_sent());
    assert_no_secret(&error);

    // The default cap is 1 MiB.
    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 1024 * 1024 + 1])]);
    let error = loopback().send(request_to(&server.url())).unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 1024 * 1024])]);
    assert!(loopback().send(request_to(&server.url())).is_ok());
}

#[test]
fn a_stalled_server_times_out() {
    let server = TestServer::scripted(vec![Reply::Stall(Duration::from_secs(8))]);
    let transport = UreqTransport::builder()
        .allow_loopback_http(true)
        .proxy(None)
        .timeout(Some(Duration::from_millis(300)))
        .build();
    let started = Instant::now();
    let error = transport.send(request_to(&server.url())).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.may_have_been_sent());
    assert_no_secret(&error);
}

#[test]
fn a_refused_connection_was_not_sent() {
    let url = format!("http://127.0.0.1:{}", dead_port());
    let error = loopback().send(request_to(&url)).unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert!(!error.may_have_been_sent());
    assert_no_secret(&error);
}

#[test]
fn https_to_a_plain_http_port_is_a_tls_error() {
    let server = TestServer::scripted(vec![Reply::json(200, user_json("user_1"))]);
    let url = format!("https://127.0.0.1:{}", server.port());
    let error = loopback().send(request_to(&url)).unwrap_err();
    assert!(error.is_tls(), "{error:?}");
    assert_no_secret(&error);
    assert!(server.requests().is_empty());
}

#[test]
fn plain_http_is_refused_before_any_connection() {
    // Not loopback: refused with or without the opt-in, before DNS.
    for transport in [UreqTransport::new(), loopback()] {
        let error = transport
            .send(request_to("http://example.com"))
            .unwrap_err();
        assert!(error.is_insecure_scheme(), "{error:?}");
        assert!(!error.may_have_been_sent());
        assert_no_secret(&error);
    }
    // Loopback without the opt-in: refused, and the server sees nothing.
    let server = TestServer::scripted(vec![Reply::json(200, user_json("user_1"))]);
    let error = UreqTransport::new()
        .send(request_to(&server.url()))
        .unwrap_err();
    assert!(error.is_insecure_scheme(), "{error:?}");
    assert!(!error.may_have_been_sent());
    assert!(server.requests().is_empty());
    // `localhost` and `[::1]` count as loopback too (`::1` may not be configured here, so only
    // check that it is not refused as insecure).
    let url = format!("http://localhost:{}", server.port());
    match loopback().send(request_to(&url)) {
        Ok(response) => assert_eq!(response.status(), 200),
        Err(e) => assert!(!e.is_insecure_scheme(), "{e:?}"),
    }
    let url = format!("http://[::1]:{}", server.port());
    if let Err(e) = loopback().send(request_to(&url)) {
        assert!(!e.is_insecure_scheme(), "{e:?}");
    }
}

#[test]
fn a_user_agent_must_not_follow_redirects_or_turn_statuses_into_errors() {
    use ureq::Agent;

    let default = Agent::new_with_defaults();
    let error = UreqTransport::from_agent(default).unwrap_err();
    assert!(error.is_config(), "{error:?}");

    let follows = Agent::new_with_config(
        Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(3)
            .build(),
    );
    assert!(UreqTransport::from_agent(follows).unwrap_err().is_config());

    let errors = Agent::new_with_config(
        Agent::config_builder()
            .http_status_as_error(true)
            .max_redirects(0)
            .build(),
    );
    assert!(UreqTransport::from_agent(errors).unwrap_err().is_config());

    let good = Agent::new_with_config(
        Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build(),
    );
    let transport = UreqTransport::builder()
        .allow_loopback_http(true)
        .build_with_agent(good)
        .unwrap();
    let server = TestServer::scripted(vec![Reply::json(
        404,
        clerk_error("resource_not_found", "t"),
    )]);
    let response = transport.send(request_to(&server.url())).unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn errors_never_show_the_secret() {
    let errors: Vec<UreqError> = vec![
        loopback()
            .send(request_to(&format!("http://127.0.0.1:{}", dead_port())))
            .unwrap_err(),
        UreqTransport::new()
            .send(request_to("http://example.com"))
            .unwrap_err(),
    ];
    for error in &errors {
        assert_no_secret(error);
    }
    let client: Client<UreqTransport> =
        Client::new(config("http://example.com"), UreqTransport::new())
            .with_retry_policy(clerk_moderation_core::RetryPolicy::never());
    let error: ClientError<UreqError> =
        client.execute(&UnlockUser::new(uid("user_1"))).unwrap_err();
    assert_eq!(error.attempts(), 1);
    assert_no_secret(&error);
}

fn plain_agent(global: Option<Duration>) -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(global)
            .build(),
    )
}

#[test]
fn an_agent_without_timeouts_gets_the_builders() {
    let server = TestServer::scripted(vec![Reply::Stall(Duration::from_secs(8))]);
    assert_eq!(plain_agent(None).config().timeouts().global, None);
    let transport = UreqTransport::builder()
        .allow_loopback_http(true)
        .timeout(Some(Duration::from_millis(300)))
        .build_with_agent(plain_agent(None))
        .unwrap();
    let started = Instant::now();
    let error = transport.send(request_to(&server.url())).unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(format!("{transport:?}").contains("300ms"), "{transport:?}");

    // An agent's own timeout is kept, not replaced by the builder's 30 s.
    let transport = UreqTransport::builder()
        .allow_loopback_http(true)
        .build_with_agent(plain_agent(Some(Duration::from_millis(300))))
        .unwrap();
    let started = Instant::now();
    let error = transport.send(request_to(&server.url())).unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn only_the_added_roots_when_mozillas_are_off() {
    let ca = support::tls::PrivateCa::new();
    let server = ca.serve();
    let transport = UreqTransport::builder()
        .mozilla_roots(false)
        .add_root_certificates_pem(&ca.ca_pem)
        .unwrap()
        .build();
    let response = transport.send(request_to(&server.url())).unwrap();
    assert_eq!(response.status(), 200);

    let error = UreqTransport::builder()
        .add_root_certificates_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        .unwrap_err();
    assert!(error.is_config(), "{error:?}");
    assert!(!error.may_have_been_sent() && !error.is_transient());
    let error = UreqTransport::builder()
        .add_root_certificates_pem("no PEM here")
        .unwrap_err();
    assert!(error.is_config(), "{error:?}");
}

#[test]
fn the_os_store_adds_to_the_roots_without_trusting_the_private_ca() {
    let ca = support::tls::PrivateCa::new();
    let server = ca.serve();
    match UreqTransport::builder().add_os_root_certificates() {
        Ok(builder) => {
            let error = builder.build().send(request_to(&server.url())).unwrap_err();
            assert!(error.is_tls() && !error.may_have_been_sent(), "{error:?}");
        }
        // A machine without a certificate store says so.
        Err(error) => assert!(error.is_config(), "{error:?}"),
    }
}
