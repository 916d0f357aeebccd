//! `UreqTransport` against a real HTTP server on 127.0.0.1: the cases every adapter shares
//! (`support/adapter_cases.rs`), then what is ureq's own (the agents it refuses, the timeouts it
//! fills in).

#![cfg(feature = "ureq")]

mod support;

use std::time::{Duration, Instant};

use clerk_moderation_core::Transport;
use clerk_moderation_transports::TransportError;
use clerk_moderation_transports::ureq::UreqTransport;
use support::adapter_cases::{
    Adapter, Blocking, Limits, OverUsersClient, Roots, TrustAdapter, request_to, shared_cases,
};
use support::*;

/// How the shared cases build a `UreqTransport`.
struct Ureq;

impl Adapter for Ureq {
    type Transport = Blocking<UreqTransport>;

    fn defaults() -> Self::Transport {
        Blocking(UreqTransport::new())
    }

    fn loopback(limits: Limits) -> Self::Transport {
        let mut builder = UreqTransport::builder()
            .allow_loopback_http(true)
            .proxy(None);
        if let Some(bytes) = limits.max_body_size {
            builder = builder.max_body_size(bytes);
        }
        if let Some(timeout) = limits.timeout {
            builder = builder.timeout(Some(timeout));
        }
        Blocking(builder.build().unwrap())
    }
}

impl TrustAdapter for Ureq {
    fn with_roots(roots: Roots<'_>) -> Result<Self::Transport, TransportError> {
        let mut builder = UreqTransport::builder().mozilla_roots(roots.mozilla);
        if roots.os {
            builder = builder.add_os_root_certificates()?;
        }
        if let Some(pem) = roots.pem {
            builder = builder.add_root_certificates_pem(pem)?;
        }
        Ok(Blocking(builder.build()?))
    }
}

impl OverUsersClient for Ureq {
    type OverClient = Blocking<UreqTransport>;

    fn over_users_client(max_body_size: u64) -> Self::OverClient {
        let transport = UreqTransport::builder()
            .allow_loopback_http(true)
            .max_body_size(max_body_size)
            .build_with_agent(plain_agent(None))
            .unwrap();
        Blocking(transport)
    }
}

shared_cases!(Ureq, trust);

#[test]
fn a_user_built_agent_keeps_the_guarantees() {
    support::adapter_cases::a_user_built_client_keeps_the_guarantees::<Ureq>();
}

/// An agent as the transport needs one: statuses as responses, no redirects, no proxy.
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
