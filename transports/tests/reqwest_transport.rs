//! `ReqwestTransport` against a real HTTP server on 127.0.0.1.

#![cfg(feature = "reqwest")]

mod support;

use rustls::pki_types::pem::PemObject;

use std::time::{Duration, Instant};

use clerk_moderation_core::{
    AsyncTransport, BanUsers, GetUser, Operation, RetryPolicy, UnbanUsers, UnlockUser,
};
use clerk_moderation_transports::reqwest::{ReqwestError, ReqwestTransport};
use clerk_moderation_transports::{AsyncClient, ClientError, TransportErrorKind};
use support::*;

fn loopback() -> ReqwestTransport {
    ReqwestTransport::builder()
        .allow_loopback_http(true)
        .build()
        .unwrap()
}

fn client(server: &TestServer, transport: ReqwestTransport) -> AsyncClient<ReqwestTransport> {
    AsyncClient::new(config(&server.url()), transport).with_retry_policy(RetryPolicy::never())
}

fn request_to(url: &str) -> http::Request<Vec<u8>> {
    GetUser::new(uid("user_1"))
        .build_request(&config(url))
        .unwrap()
}

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn every_operation_succeeds() {
    let server = TestServer::start(|request, _| echo_users(request, false));
    let client = client(&server, loopback());
    let id = uid("user_abc");

    let future = client.unlock(&id);
    assert_send(&future);
    assert_eq!(future.await.unwrap().id, "user_abc");
    assert_eq!(client.unban(&id).await.unwrap().id, "user_abc");
    assert_eq!(client.lock(&id).await.unwrap().id, "user_abc");
    assert_eq!(client.ban(&id).await.unwrap().id, "user_abc");
    assert_eq!(client.get_user(&id).await.unwrap().id, "user_abc");
    let ids = [uid("user_1"), uid("user_2")];
    let banned = client
        .execute(&BanUsers::new(ids.clone()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        banned.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["user_1", "user_2"]
    );
    assert_eq!(
        client
            .execute(&UnbanUsers::new(ids).unwrap())
            .await
            .unwrap()
            .len(),
        2
    );

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
        assert!(
            request
                .header("user-agent")
                .unwrap()
                .starts_with("clerk-moderation/")
        );
    }
    assert_eq!(requests[6].user_ids(), ["user_1", "user_2"]);
    assert_eq!(requests[6].header("content-type"), Some("application/json"));
    assert_eq!(server.connections(), 1, "pooled keep-alive reuse");
}

#[tokio::test]
async fn error_statuses_are_surfaced_intact() {
    for case in error_cases() {
        let server = TestServer::scripted(vec![case.reply()]);
        let transport = loopback();

        let response = transport.send(request_to(&server.url())).await.unwrap();
        assert_eq!(response.status().as_u16(), case.status);
        assert_eq!(response.body(), case.body.as_bytes());

        let error = client(&server, transport)
            .unlock(&uid("user_1"))
            .await
            .unwrap_err();
        assert_eq!(error.attempts(), 1);
        check_response_error(error.response().expect("a response error"), &case);
        assert_no_secret(&error);
    }
}

#[tokio::test]
async fn redirects_are_returned_not_followed() {
    let target = TestServer::start(|request, _| echo_users(request, false));
    let location = format!("{}/v1/users/user_1/unlock", target.url());
    let server = TestServer::scripted(vec![Reply::json(307, "").header("Location", &location)]);

    let response = loopback().send(request_to(&server.url())).await.unwrap();
    assert_eq!(response.status().as_u16(), 307);
    assert_eq!(response.headers()["location"], location.as_str());

    let error = client(&server, loopback())
        .unlock(&uid("user_1"))
        .await
        .unwrap_err();
    assert!(error.response().unwrap().is_redirect());
    assert_eq!(server.requests().len(), 2);
    assert!(
        target.requests().is_empty(),
        "the redirect target saw a request"
    );
}

#[tokio::test]
async fn a_body_over_the_cap_is_a_typed_error() {
    let server = TestServer::scripted(vec![Reply::json(200, vec![b'x'; 4096])]);
    let transport = ReqwestTransport::builder()
        .allow_loopback_http(true)
        .max_body_size(1024)
        .build()
        .unwrap();
    let error = transport.send(request_to(&server.url())).await.unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge);
    assert!(error.may_have_been_sent());
    assert_no_secret(&error);

    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 1024 * 1024 + 1])]);
    let error = loopback()
        .send(request_to(&server.url()))
        .await
        .unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 1024 * 1024])]);
    assert!(loopback().send(request_to(&server.url())).await.is_ok());
}

#[tokio::test]
async fn a_stalled_server_times_out() {
    let server = TestServer::scripted(vec![Reply::Stall(Duration::from_secs(8))]);
    let transport = ReqwestTransport::builder()
        .allow_loopback_http(true)
        .timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = transport.send(request_to(&server.url())).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.may_have_been_sent());
    assert_no_secret(&error);
}

#[tokio::test]
async fn a_refused_connection_was_not_sent() {
    let url = format!("http://127.0.0.1:{}", dead_port());
    let error = loopback().send(request_to(&url)).await.unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert!(!error.may_have_been_sent());
    assert_no_secret(&error);
}

#[tokio::test]
async fn https_to_a_plain_http_port_is_a_tls_error() {
    let server = TestServer::scripted(vec![Reply::json(200, user_json("user_1"))]);
    let url = format!("https://127.0.0.1:{}", server.port());
    let error = loopback().send(request_to(&url)).await.unwrap_err();
    assert!(error.is_tls(), "{error:?}");
    assert!(!error.may_have_been_sent());
    assert_no_secret(&error);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn plain_http_is_refused_before_any_connection() {
    for transport in [ReqwestTransport::new().unwrap(), loopback()] {
        let error = transport
            .send(request_to("http://example.com"))
            .await
            .unwrap_err();
        assert!(error.is_insecure_scheme(), "{error:?}");
        assert!(!error.may_have_been_sent());
        assert_no_secret(&error);
    }
    let server = TestServer::scripted(vec![Reply::json(200, user_json("user_1"))]);
    let error = ReqwestTransport::new()
        .unwrap()
        .send(request_to(&server.url()))
        .await
        .unwrap_err();
    assert!(error.is_insecure_scheme(), "{error:?}");
    assert!(server.requests().is_empty());
    let url = format!("http://localhost:{}", server.port());
    match loopback().send(request_to(&url)).await {
        Ok(response) => assert_eq!(response.status(), 200),
        Err(e) => assert!(!e.is_insecure_scheme(), "{e:?}"),
    }
}

#[tokio::test]
async fn errors_never_show_the_secret() {
    let client: AsyncClient<ReqwestTransport> = AsyncClient::new(
        config("http://example.com"),
        ReqwestTransport::new().unwrap(),
    )
    .with_retry_policy(RetryPolicy::never());
    let error: ClientError<ReqwestError> = client
        .execute(&UnlockUser::new(uid("user_1")))
        .await
        .unwrap_err();
    assert_eq!(error.attempts(), 1);
    assert!(error.transport().unwrap().is_insecure_scheme());
    assert_no_secret(&error);
}

/// A TLS configuration for clients built in these tests (reqwest is built without a
/// process-wide crypto provider), trusting the roots in `pem`.
fn rustls_config_trusting(pem: &str) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

fn rustls_config() -> rustls::ClientConfig {
    rustls_config_trusting("")
}

/// Over HTTPS (loopback HTTP goes through the transport's own proxy-less client): the user
/// path redirects to `/elsewhere`, which answers 200.
fn redirecting(path: &str) -> String {
    if path.starts_with("/v1/users/") {
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
    } else {
        let body = "x".repeat(201);
        format!("HTTP/1.1 200 OK\r\nContent-Length: 201\r\nConnection: close\r\n\r\n{body}")
    }
}

#[tokio::test]
async fn a_user_built_client_keeps_what_can_be_kept() {
    let ca = support::tls::PrivateCa::new();
    let server = ca.serve_answering(redirecting);
    let tls = rustls_config_trusting(&ca.ca_pem);
    // reqwest's default policy follows redirects: the transport catches it from the URL.
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .build()
        .unwrap();
    let transport = ReqwestTransport::builder()
        .max_body_size(200)
        .build_with_client(client)
        .unwrap();
    let error = transport.send(request_to(&server.url())).await.unwrap_err();
    assert_eq!(
        error.kind(),
        TransportErrorKind::RedirectFollowed,
        "{error:?}"
    );
    assert!(error.may_have_been_sent() && !error.is_transient());
    assert_no_secret(&error);

    // The body cap and the scheme rule are the transport's own.
    let mut elsewhere = request_to(&server.url());
    *elsewhere.uri_mut() = format!("{}/elsewhere", server.url()).parse().unwrap();
    let error = transport.send(elsewhere).await.unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    let error = transport
        .send(request_to("http://example.com"))
        .await
        .unwrap_err();
    assert!(error.is_insecure_scheme());
}

#[tokio::test]
async fn loopback_http_never_goes_through_the_proxy() {
    let proxy = TestServer::scripted(vec![Reply::json(200, user_json("via_proxy"))]);
    let target = TestServer::start(|request, _| echo_users(request, false));

    // The control: a plain client with this proxy does send through it.
    let through_proxy = reqwest::Client::builder()
        .tls_backend_preconfigured(rustls_config())
        .proxy(reqwest::Proxy::http(proxy.url()).unwrap())
        .build()
        .unwrap();
    let response = through_proxy
        .get(format!("{}/v1/users/user_1", target.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(proxy.requests().len(), 1);

    let transport = ReqwestTransport::builder()
        .allow_loopback_http(true)
        .proxy(Some(reqwest::Proxy::http(proxy.url()).unwrap()))
        .build()
        .unwrap();
    let response = transport.send(request_to(&target.url())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(target.requests().len(), 1);
    assert_eq!(proxy.requests().len(), 1, "the transport used the proxy");
}

#[tokio::test]
async fn a_body_is_refused_from_its_content_length_or_as_it_streams() {
    // Over the cap by its Content-Length: refused before reading.
    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 4096])]);
    let transport = ReqwestTransport::builder()
        .allow_loopback_http(true)
        .max_body_size(1024)
        .build()
        .unwrap();
    let error = transport.send(request_to(&server.url())).await.unwrap_err();
    assert!(error.is_body_too_large(), "{error:?}");
    // Exactly the cap passes.
    let server = TestServer::scripted(vec![Reply::json(200, vec![b' '; 1024])]);
    let response = transport.send(request_to(&server.url())).await.unwrap();
    assert_eq!(response.body().len(), 1024);
}

#[tokio::test]
async fn trusted_roots_are_the_builders() {
    let ca = support::tls::PrivateCa::new();
    let server = ca.serve();
    // Only the private CA: trusted.
    let transport = ReqwestTransport::builder()
        .mozilla_roots(false)
        .add_root_certificates_pem(&ca.ca_pem)
        .unwrap()
        .build()
        .unwrap();
    let response = transport.send(request_to(&server.url())).await.unwrap();
    assert_eq!(response.status(), 200);
    // Mozilla's and the OS store's roots do not include it.
    let builder = match ReqwestTransport::builder().add_os_root_certificates() {
        Ok(builder) => builder,
        Err(error) => {
            assert!(error.is_config(), "{error:?}");
            ReqwestTransport::builder()
        }
    };
    let error = builder
        .build()
        .unwrap()
        .send(request_to(&server.url()))
        .await
        .unwrap_err();
    assert!(error.is_tls() && !error.may_have_been_sent(), "{error:?}");
    assert!(!error.is_transient());
    // A PEM without a certificate is refused where it is given.
    let error = ReqwestTransport::builder()
        .add_root_certificates_pem("no PEM here")
        .unwrap_err();
    assert!(error.is_config(), "{error:?}");
}
