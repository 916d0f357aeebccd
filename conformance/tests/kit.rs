//! The transport kit holds the built-in adapters and a closure transport to its scenarios, and
//! catches a transport that misbehaves. The built-in adapters are used as `new()` makes them:
//! the kit's requests are built for the emulator's loopback `http://` URL, which they may reach
//! with no setting on the transport.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use clerk_moderation_conformance::kit::{self, Scenario};
use clerk_moderation_core::http::{Request, Response};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::reqwest::ReqwestTransport;
use clerk_moderation_transports::tower::{RequestBody, TowerTransport, tower_service::Service};
use clerk_moderation_transports::ureq::UreqTransport;

#[test]
fn ureq_transport_passes_the_kit() {
    let transport = UreqTransport::new();
    let report = kit::check_blocking(&transport).unwrap();
    println!("{report}");
    assert!(report.passed(), "{report}");
    assert_eq!(report.results().len(), Scenario::ALL.len());
}

#[test]
fn hyper_transport_passes_the_kit() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let transport = HyperTransport::new();
    let report = runtime.block_on(kit::check_async(&transport)).unwrap();
    assert!(report.passed(), "{report}");
}

#[test]
fn reqwest_transport_passes_the_kit() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let transport = ReqwestTransport::new();
    let report = runtime.block_on(kit::check_async(&transport)).unwrap();
    println!("{report}");
    assert!(report.passed(), "{report}");
    assert_eq!(report.results().len(), Scenario::ALL.len());
}

/// A layer of the test's own around a service: counts the calls that reach it.
#[derive(Clone)]
struct Counted<S> {
    inner: S,
    calls: Arc<AtomicUsize>,
}

impl<S: Service<R>, R> Service<R> for Counted<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> S::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.call(request)
    }
}

/// hyper-util's legacy client behind a layer, through `TowerTransport`.
#[test]
fn tower_transport_passes_the_kit() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, RequestBody>(hyper_util::client::legacy::connect::HttpConnector::new());
    let service = Counted {
        inner: client,
        calls: Arc::clone(&calls),
    };
    let transport = TowerTransport::new(service);
    let report = runtime.block_on(kit::check_async(&transport)).unwrap();
    println!("{report}");
    assert!(report.passed(), "{report}");
    assert_eq!(report.results().len(), Scenario::ALL.len());
    assert!(calls.load(Ordering::SeqCst) >= Scenario::ALL.len() - 1);
}

/// A custom transport written as a closure over a plain ureq agent, set up as a conforming
/// transport must be: no redirects, statuses as responses, a body cap.
#[test]
fn a_closure_transport_passes_the_kit() {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let transport = move |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, ureq::Error> {
        let response = agent.run(request)?;
        let (parts, mut body) = response.into_parts();
        let bytes = body.with_config().limit(1024 * 1024).read_to_vec()?;
        Ok(Response::from_parts(parts, bytes))
    };
    let report = kit::check_blocking(&transport).unwrap();
    assert!(report.passed(), "{report}");
}

/// An async closure transport runs through `check_async`.
#[test]
fn an_async_closure_transport_runs_through_the_kit() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let inner = HyperTransport::new();
    let transport = move |request: Request<Vec<u8>>| {
        let inner = inner.clone();
        async move { clerk_moderation_core::AsyncTransport::send(&inner, request).await }
    };
    let report = runtime.block_on(kit::check_async(&transport)).unwrap();
    assert!(report.passed(), "{report}");
}

#[derive(Debug)]
struct Leak(String);
impl std::fmt::Display for Leak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Leak {}

/// A transport that answers 200 with a canned body without sending anything fails the
/// scenarios that look at the wire, the state or the faults.
#[test]
fn a_transport_that_sends_nothing_fails() {
    let fake = |_request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, Leak> {
        Ok(Response::new(
            br#"{"id":"user_fake","object":"user"}"#.to_vec(),
        ))
    };
    let report = kit::check_blocking(&fake).unwrap();
    assert!(!report.passed());
    for scenario in [
        Scenario::GetUser,
        Scenario::UnlockUser,
        Scenario::BanUsers,
        Scenario::RequestUnaltered,
        Scenario::NotFound,
        Scenario::RateLimited,
        Scenario::ResetBeforeHeaders,
        Scenario::TruncatedBody,
        Scenario::Html502,
        Scenario::RedirectNotFollowed,
    ] {
        let result = report.result(scenario).unwrap();
        assert!(!result.passed, "{scenario:?} should fail: {}", result.got);
    }
    assert!(report.to_string().contains("FAIL"));
}

/// A transport whose errors carry the Authorization header fails even where an error is the
/// expected outcome.
#[test]
fn a_transport_that_leaks_the_key_in_errors_fails() {
    let inner = UreqTransport::new();
    let leaky = move |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, Leak> {
        let authorization = request.headers()["authorization"]
            .to_str()
            .unwrap_or("")
            .to_owned();
        clerk_moderation_core::Transport::send(&inner, request)
            .map_err(|e| Leak(format!("{e} (sent with {authorization})")))
    };
    let report = kit::check_blocking(&leaky).unwrap();
    let reset = report.result(Scenario::ResetBeforeHeaders).unwrap();
    assert!(!reset.passed, "{}", reset.got);
    assert!(
        reset.got.contains("secret key") && !reset.got.contains("sk_test_"),
        "{}",
        reset.got
    );
    assert!(report.result(Scenario::GetUser).unwrap().passed);
}

/// A transport that follows redirects is caught.
#[test]
fn a_transport_that_follows_redirects_fails() {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(3)
        .http_status_as_error(false)
        .build()
        .into();
    let following = move |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, ureq::Error> {
        let response = agent.run(request)?;
        let (parts, mut body) = response.into_parts();
        Ok(Response::from_parts(parts, body.read_to_vec()?))
    };
    let report = kit::check_blocking(&following).unwrap();
    assert!(!report.result(Scenario::RedirectNotFollowed).unwrap().passed);
}
