//! `ReqwestTransport` against a real HTTP server on 127.0.0.1: the cases every adapter shares
//! (`support/adapter_cases.rs`), then what is reqwest's own (a client the user built, which
//! loopback HTTP bypasses; the proxy rules).

#![cfg(feature = "reqwest")]

mod support;

use rustls::pki_types::pem::PemObject;

use clerk_moderation_core::AsyncTransport;
use clerk_moderation_transports::reqwest::ReqwestTransport;
use clerk_moderation_transports::{TransportError, TransportErrorKind};
use support::adapter_cases::{
    Adapter, BlockOn, Limits, Roots, TrustAdapter, request_to, shared_cases, without_its_cap,
};
use support::*;

/// How the shared cases build a `ReqwestTransport`.
struct Reqwest;

impl Adapter for Reqwest {
    type Transport = BlockOn<ReqwestTransport>;

    fn defaults() -> Self::Transport {
        BlockOn::build(ReqwestTransport::new)
    }

    fn loopback(limits: Limits) -> Self::Transport {
        let mut builder = ReqwestTransport::builder().allow_loopback_http(true);
        if let Some(bytes) = limits.max_body_size {
            builder = builder.max_body_size(bytes);
        }
        if let Some(timeout) = limits.timeout {
            builder = builder.timeout(Some(timeout));
        }
        BlockOn::build(|| builder.build().unwrap())
    }
}

impl TrustAdapter for Reqwest {
    fn with_roots(roots: Roots<'_>) -> Result<Self::Transport, TransportError> {
        BlockOn::try_build(|| {
            let mut builder = ReqwestTransport::builder().mozilla_roots(roots.mozilla);
            if roots.os {
                builder = builder.add_os_root_certificates()?;
            }
            if let Some(pem) = roots.pem {
                builder = builder.add_root_certificates_pem(pem)?;
            }
            builder.build()
        })
    }
}

shared_cases!(Reqwest, trust);

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
    let mut elsewhere = without_its_cap(request_to(&server.url()));
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
