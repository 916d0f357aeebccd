//! The fault matrix: the same faults, on 127.0.0.1, through ureq, hyper and reqwest; every
//! adapter must report the same kind, the same delivery (not sent / may have been sent / sent)
//! and the same transience for the same fault. A DNS failure is simulated through each
//! adapter's resolver seam (for ureq: an agent of the test's own, with a resolver that fails as
//! ureq's default one does), never by a real lookup.

#![cfg(all(feature = "ureq", feature = "hyper", feature = "reqwest"))]

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clerk_moderation_core::{
    AsyncTransport, Delivery, FailureClass, GetUser, Operation, Transport,
};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::reqwest::ReqwestTransport;
use clerk_moderation_transports::ureq::UreqTransport;
use clerk_moderation_transports::{TransportError, TransportErrorKind};
use support::faults::{Fault, FaultServer};
use support::tls::PrivateCa;
use support::*;

/// What a send came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Status(u16),
    Failed {
        kind: TransportErrorKind,
        delivery: Delivery,
        transient: bool,
    },
}

fn failed(kind: TransportErrorKind, delivery: Delivery, transient: bool) -> Outcome {
    Outcome::Failed {
        kind,
        delivery,
        transient,
    }
}

/// How every adapter is set up for one fault.
#[derive(Clone)]
struct Setup {
    connect_timeout: Duration,
    timeout: Duration,
    max_body_size: u64,
    extra_root_pem: Option<String>,
    /// Resolve every host name through a resolver that fails, counting its calls.
    failing_dns: Option<Arc<AtomicUsize>>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(5),
            max_body_size: 1024,
            extra_root_pem: None,
            failing_dns: None,
        }
    }
}

/// Reads an error as an outcome, checking on the way that the error's own accessors agree with
/// what the transport's `classify` says, and that it shows no secret.
fn outcome(error: &TransportError, classified: FailureClass) -> Outcome {
    assert_eq!(error.class(), classified, "{error:?}");
    assert_eq!(
        error.may_have_been_sent(),
        classified.delivery() != Delivery::NotSent,
        "{error:?}"
    );
    assert_eq!(error.is_transient(), classified.is_transient(), "{error:?}");
    assert_no_secret(error);
    // `Display` speaks for its own level only: the cause is `source()`, not repeated.
    if let Some(source) = std::error::Error::source(error) {
        let (shown, cause) = (error.to_string(), source.to_string());
        assert!(
            !cause.is_empty() && !shown.contains(&cause),
            "{shown} / {cause}"
        );
    }
    Outcome::Failed {
        kind: error.kind(),
        delivery: classified.delivery(),
        transient: classified.is_transient(),
    }
}

fn request(url: &str) -> http::Request<Vec<u8>> {
    GetUser::new(uid("user_1"))
        .build_request(&config(url))
        .unwrap()
}

/// Fails every lookup as ureq's own resolver does when getaddrinfo fails: an I/O error with
/// std's words. (ureq's resolver trait is from its `unversioned` API: only this test uses it.)
#[derive(Debug)]
struct UreqNoDns(Arc<AtomicUsize>);

impl ureq::unversioned::resolver::Resolver for UreqNoDns {
    fn resolve(
        &self,
        _uri: &http::Uri,
        _config: &ureq::config::Config,
        _timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Err(ureq::Error::Io(std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        )))
    }
}

/// Fails every lookup, as a hyper-util resolver.
#[derive(Clone)]
struct HyperNoDns(Arc<AtomicUsize>);

impl tower_service::Service<hyper_util::client::legacy::connect::dns::Name> for HyperNoDns {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _name: hyper_util::client::legacy::connect::dns::Name) -> Self::Future {
        self.0.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Err(std::io::Error::other("name or service not known")))
    }
}

/// Fails every lookup, as a reqwest resolver.
struct ReqwestNoDns(Arc<AtomicUsize>);

impl reqwest::dns::Resolve for ReqwestNoDns {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(Box::new(std::io::Error::other("name or service not known")) as _) })
    }
}

fn via_ureq(setup: &Setup, request: http::Request<Vec<u8>>) -> Outcome {
    let mut builder = UreqTransport::builder()
        .allow_loopback_http(true)
        .proxy(None)
        .connect_timeout(Some(setup.connect_timeout))
        .timeout(Some(setup.timeout))
        .max_body_size(setup.max_body_size);
    if let Some(pem) = &setup.extra_root_pem {
        builder = builder.add_root_certificates_pem(pem).unwrap();
    }
    let transport = match &setup.failing_dns {
        Some(calls) => {
            let config = ureq::Agent::config_builder()
                .max_redirects(0)
                .http_status_as_error(false)
                .proxy(None)
                .build();
            let agent = ureq::Agent::with_parts(
                config,
                ureq::unversioned::transport::DefaultConnector::default(),
                UreqNoDns(Arc::clone(calls)),
            );
            builder.build_with_agent(agent).unwrap()
        }
        None => builder.build().unwrap(),
    };
    match transport.send(request) {
        Ok(response) => Outcome::Status(response.status().as_u16()),
        Err(e) => outcome(&e, UreqTransport::classify(&e)),
    }
}

async fn send_async<T: AsyncTransport<Error = TransportError>>(
    transport: &T,
    request: http::Request<Vec<u8>>,
) -> Outcome {
    match transport.send(request).await {
        Ok(response) => Outcome::Status(response.status().as_u16()),
        Err(e) => outcome(&e, T::classify(&e)),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn via_hyper(setup: &Setup, request: http::Request<Vec<u8>>) -> Outcome {
    let mut builder = HyperTransport::builder()
        .allow_loopback_http(true)
        .connect_timeout(Some(setup.connect_timeout))
        .timeout(Some(setup.timeout))
        .max_body_size(setup.max_body_size);
    if let Some(pem) = &setup.extra_root_pem {
        builder = builder.add_root_certificates_pem(pem).unwrap();
    }
    let runtime = runtime();
    match &setup.failing_dns {
        Some(calls) => {
            let transport = builder
                .build_with_resolver(HyperNoDns(Arc::clone(calls)))
                .unwrap();
            runtime.block_on(send_async(&transport, request))
        }
        None => runtime.block_on(send_async(&builder.build().unwrap(), request)),
    }
}

fn via_reqwest(setup: &Setup, request: http::Request<Vec<u8>>) -> Outcome {
    let mut builder = ReqwestTransport::builder()
        .allow_loopback_http(true)
        .proxy(None)
        .connect_timeout(Some(setup.connect_timeout))
        .timeout(Some(setup.timeout))
        .max_body_size(setup.max_body_size);
    if let Some(pem) = &setup.extra_root_pem {
        builder = builder.add_root_certificates_pem(pem).unwrap();
    }
    if let Some(calls) = &setup.failing_dns {
        builder = builder.dns_resolver(Arc::new(ReqwestNoDns(Arc::clone(calls))));
    }
    let transport = builder.build().unwrap();
    runtime().block_on(send_async(&transport, request))
}

/// Sends one request through one adapter set up as told.
type Via = fn(&Setup, http::Request<Vec<u8>>) -> Outcome;

/// Runs `make_request()` through every adapter set up as `setup`, and checks each got
/// `expected`.
fn check(setup: Setup, make_request: impl Fn() -> http::Request<Vec<u8>>, expected: Outcome) {
    let adapters: [(&str, Via); 3] = [
        ("ureq", via_ureq),
        ("hyper", via_hyper),
        ("reqwest", via_reqwest),
    ];
    let got: Vec<(&str, Outcome)> = adapters
        .iter()
        .map(|(name, via)| (*name, via(&setup, make_request())))
        .collect();
    for (name, outcome) in &got {
        assert_eq!(*outcome, expected, "{name}: all: {got:?}");
    }
}

#[test]
fn an_insecure_url_is_refused_not_sent_permanent() {
    check(
        Setup::default(),
        || request("http://example.com"),
        failed(TransportErrorKind::InsecureScheme, Delivery::NotSent, false),
    );
}

#[test]
fn a_url_without_a_host_is_invalid_not_sent_permanent() {
    check(
        Setup::default(),
        || {
            http::Request::get("/v1/users/user_1")
                .body(Vec::new())
                .unwrap()
        },
        failed(TransportErrorKind::InvalidRequest, Delivery::NotSent, false),
    );
}

#[test]
fn a_dns_failure_is_not_sent_transient() {
    let calls = Arc::new(AtomicUsize::new(0));
    let setup = Setup {
        failing_dns: Some(Arc::clone(&calls)),
        ..Setup::default()
    };
    // `.invalid` never resolves; the failing resolvers answer before any lookup anyway.
    check(
        setup,
        || request("https://clerk-emulator.invalid"),
        failed(TransportErrorKind::Connect, Delivery::NotSent, true),
    );
    assert!(
        calls.load(Ordering::SeqCst) >= 3,
        "every adapter asked its resolver"
    );
}

#[test]
fn a_refused_connection_is_not_sent_transient() {
    let url = format!("http://127.0.0.1:{}", dead_port());
    check(
        Setup::default(),
        || request(&url),
        failed(TransportErrorKind::Connect, Delivery::NotSent, true),
    );
}

#[test]
fn plain_http_on_an_https_url_is_a_handshake_failure_not_sent_permanent() {
    let server = TestServer::scripted(vec![Reply::json(200, user_json("user_1"))]);
    let url = format!("https://127.0.0.1:{}", server.port());
    check(
        Setup::default(),
        || request(&url),
        failed(TransportErrorKind::Tls, Delivery::NotSent, false),
    );
    assert!(server.requests().is_empty());
}

#[test]
fn an_untrusted_ca_is_a_handshake_failure_not_sent_permanent() {
    let ca = PrivateCa::new();
    let server = ca.serve();
    check(
        Setup::default(),
        || request(&server.url()),
        failed(TransportErrorKind::Tls, Delivery::NotSent, false),
    );
    assert_eq!(server.requests(), 0, "no request got through the handshake");
}

#[test]
fn an_extra_root_makes_the_private_ca_trusted() {
    let ca = PrivateCa::new();
    let server = ca.serve();
    let setup = Setup {
        extra_root_pem: Some(ca.ca_pem.clone()),
        ..Setup::default()
    };
    check(setup, || request(&server.url()), Outcome::Status(200));
    assert_eq!(server.requests(), 3, "one request per adapter");
}

#[test]
fn a_reset_after_sending_may_have_been_sent_transient() {
    let server = FaultServer::start(Fault::Reset);
    check(
        Setup::default(),
        || request(&server.url()),
        failed(TransportErrorKind::Io, Delivery::MaybeSent, true),
    );
}

#[test]
fn an_early_close_may_have_been_sent_transient() {
    let server = FaultServer::start(Fault::CloseEarly);
    check(
        Setup::default(),
        || request(&server.url()),
        failed(TransportErrorKind::Io, Delivery::MaybeSent, true),
    );
}

#[test]
fn a_stalled_server_times_out_may_have_been_sent_transient() {
    let server = FaultServer::start(Fault::Stall);
    let setup = Setup {
        timeout: Duration::from_millis(300),
        ..Setup::default()
    };
    let started = Instant::now();
    check(
        setup,
        || request(&server.url()),
        failed(TransportErrorKind::Timeout, Delivery::MaybeSent, true),
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[test]
fn garbage_instead_of_http_is_sent_permanent() {
    let server = FaultServer::start(Fault::Garbage);
    check(
        Setup::default(),
        || request(&server.url()),
        failed(TransportErrorKind::Protocol, Delivery::Sent, false),
    );
}

#[test]
fn a_body_over_the_cap_is_sent_permanent() {
    // Over the request's own cap (a one-user answer's), which is above the 1 KiB of `Setup`.
    let cap = clerk_moderation_core::ResponseCap::for_users(1).bytes();
    let server = FaultServer::start(Fault::Oversized(usize::try_from(cap).unwrap() + 1));
    check(
        Setup::default(),
        || request(&server.url()),
        failed(TransportErrorKind::BodyTooLarge, Delivery::Sent, false),
    );
}

/// A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs
/// until the connect timeout. Returns the listener and the connections that fill its queue
/// (kept open), or `None` where the kernel does not behave so.
fn full_backlog() -> Option<(socket2::Socket, Vec<std::net::TcpStream>)> {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    listener.bind(&addr.into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => fillers.push(stream),
            // The queue is full: a connection now hangs, as wanted.
            Err(_) => return Some((listener, fillers)),
        }
    }
    None
}

#[test]
fn a_connect_timeout_is_not_sent_transient() {
    let Some((listener, _fillers)) = full_backlog() else {
        eprintln!("this kernel accepts past a full backlog: no connect timeout to simulate");
        return;
    };
    let url = format!(
        "http://{}",
        listener.local_addr().unwrap().as_socket().unwrap()
    );
    let setup = Setup {
        connect_timeout: Duration::from_millis(300),
        ..Setup::default()
    };
    let started = Instant::now();
    check(
        setup,
        || request(&url),
        failed(TransportErrorKind::ConnectTimeout, Delivery::NotSent, true),
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[test]
fn a_stalled_tls_handshake_is_a_connect_timeout_not_sent_transient() {
    let server = FaultServer::start(Fault::Silent);
    let setup = Setup {
        connect_timeout: Duration::from_millis(300),
        ..Setup::default()
    };
    let started = Instant::now();
    check(
        setup,
        || request(&server.https_url()),
        failed(TransportErrorKind::ConnectTimeout, Delivery::NotSent, true),
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}
