//! `HyperTransport` against a real HTTP server on 127.0.0.1: the cases every adapter shares
//! (`support/adapter_cases.rs`), then what is hyper's own (a transport over a connector the
//! user made).

#![cfg(feature = "hyper")]

mod support;

use clerk_moderation_core::AsyncTransport;
use clerk_moderation_transports::TransportError;
use clerk_moderation_transports::hyper::HyperTransport;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use support::adapter_cases::{
    Adapter, BlockOn, Limits, OverUsersClient, Roots, TrustAdapter, request_to, shared_cases,
};
use support::*;

/// How the shared cases build a `HyperTransport`.
struct Hyper;

impl Adapter for Hyper {
    type Transport = BlockOn<HyperTransport>;

    fn defaults() -> Self::Transport {
        BlockOn::build(HyperTransport::new)
    }

    fn loopback(limits: Limits) -> Self::Transport {
        let mut builder = HyperTransport::builder().allow_loopback_http(true);
        if let Some(bytes) = limits.max_body_size {
            builder = builder.max_body_size(bytes);
        }
        if let Some(timeout) = limits.timeout {
            builder = builder.timeout(Some(timeout));
        }
        BlockOn::build(|| builder.build().unwrap())
    }
}

impl TrustAdapter for Hyper {
    fn with_roots(roots: Roots<'_>) -> Result<Self::Transport, TransportError> {
        BlockOn::try_build(|| {
            let mut builder = HyperTransport::builder().mozilla_roots(roots.mozilla);
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

impl OverUsersClient for Hyper {
    type OverClient = BlockOn<HyperTransport<HttpConnector>>;

    fn over_users_client(max_body_size: u64) -> Self::OverClient {
        BlockOn::build(|| {
            let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
            HyperTransport::builder()
                .allow_loopback_http(true)
                .max_body_size(max_body_size)
                .build_with_client(client)
                .unwrap()
        })
    }
}

shared_cases!(Hyper, trust);

#[test]
fn a_user_built_client_keeps_the_guarantees() {
    support::adapter_cases::a_user_built_client_keeps_the_guarantees::<Hyper>();
}

#[tokio::test]
async fn a_user_built_connector_gets_the_builders_defaults() {
    let transport = HyperTransport::builder()
        .allow_loopback_http(true)
        .build_with_connector(HttpConnector::new())
        .unwrap();
    // 201 bytes: over the cap the shared case sets on a user's client, under the default one.
    let server = TestServer::scripted(vec![Reply::json(200, vec![b'x'; 201])]);
    let response = transport.send(request_to(&server.url())).await.unwrap();
    assert_eq!(response.body().len(), 201);
}
