//! `TowerTransport` over hyper-util's client behind tower layers (a timeout, and a layer that
//! counts the calls), against a real HTTP server on 127.0.0.1: the cases every adapter shares
//! (`support/adapter_cases.rs`, but the trust cases: roots are the service's), then what is the
//! tower transport's own (readiness, the layers it passes through, reqwest as a service).

#![cfg(all(feature = "tower", feature = "hyper"))]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use clerk_moderation_core::AsyncTransport;
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::tower::{RequestBody, TowerTransport};
use clerk_moderation_transports::{TransportError, TransportErrorKind};
use http_body_util::Full;
use hyper::body::Incoming;
use support::adapter_cases::{Adapter, BlockOn, Limits, request_to, shared_cases};
use support::*;
use tower::ServiceBuilder;
use tower::timeout::error::Elapsed;
use tower::util::BoxCloneSyncService;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// hyper-util's client behind a timeout layer and a counting layer, boxed to be named.
type Layered = BoxCloneSyncService<http::Request<RequestBody>, http::Response<Incoming>, BoxError>;

/// The whole-call timeout the layer applies when a case sets none.
const DEFAULT_LAYER_TIMEOUT: Duration = Duration::from_secs(30);

/// hyper-util's legacy client (the hyper transport's: rustls, a connect timeout), behind
/// tower's `TimeoutLayer` and a `map_request` layer that counts into `calls`.
fn layered(timeout: Duration, calls: Arc<AtomicUsize>) -> Layered {
    let client = HyperTransport::new().client().clone();
    let stack = ServiceBuilder::new()
        .timeout(timeout)
        .map_request(move |request: http::Request<RequestBody>| {
            calls.fetch_add(1, Ordering::SeqCst);
            request
        })
        .service(client);
    BoxCloneSyncService::new(stack)
}

/// Tower's timeout error is a timeout.
fn elapsed_is_a_timeout(error: &(dyn std::error::Error + 'static)) -> Option<TransportErrorKind> {
    error.is::<Elapsed>().then_some(TransportErrorKind::Timeout)
}

/// How the shared cases build a `TowerTransport`.
struct Tower;

impl Adapter for Tower {
    type Transport = BlockOn<TowerTransport<Layered>>;

    fn defaults() -> Self::Transport {
        BlockOn::build(|| TowerTransport::new(layered(DEFAULT_LAYER_TIMEOUT, Arc::default())))
    }

    fn loopback(limits: Limits) -> Self::Transport {
        let mut builder = TowerTransport::builder()
            .allow_loopback_http(true)
            .error_kind(elapsed_is_a_timeout);
        if let Some(bytes) = limits.max_body_size {
            builder = builder.max_body_size(bytes);
        }
        let timeout = limits.timeout.unwrap_or(DEFAULT_LAYER_TIMEOUT);
        BlockOn::build(|| builder.build(layered(timeout, Arc::default())).unwrap())
    }
}

shared_cases!(Tower);

#[tokio::test]
async fn every_call_goes_through_the_layers_and_a_refused_one_reaches_none() {
    let server = TestServer::start(|request, _| echo_users(request, false));
    let calls = Arc::new(AtomicUsize::new(0));
    let transport = TowerTransport::new(layered(DEFAULT_LAYER_TIMEOUT, Arc::clone(&calls)));
    for _ in 0..3 {
        let response = transport.send(request_to(&server.url())).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        server.connections(),
        1,
        "the client's pool is kept across clones"
    );

    let error = transport
        .send(request_to("http://example.com"))
        .await
        .unwrap_err();
    assert!(error.is_insecure_scheme(), "{error:?}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "a refused request reached a layer"
    );
}

#[tokio::test]
async fn without_an_error_kind_a_layers_error_is_read_the_safe_way() {
    let server = TestServer::scripted(vec![Reply::Stall(Duration::from_secs(8))]);
    let transport = TowerTransport::new(layered(Duration::from_millis(200), Arc::default()));
    let error = transport.send(request_to(&server.url())).await.unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::Other, "{error:?}");
    assert!(error.may_have_been_sent() && error.is_transient());
    assert!(std::error::Error::source(&error).unwrap().is::<Elapsed>());
}

/// A service that is not ready at once, and that panics if it is called on a clone that was
/// not made ready first.
#[derive(Clone, Default)]
struct Reluctant {
    polled: bool,
    ready: bool,
}

impl Service<http::Request<RequestBody>> for Reluctant {
    type Response = http::Response<Full<Bytes>>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if !self.polled {
            self.polled = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = true;
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: http::Request<RequestBody>) -> Self::Future {
        assert!(self.ready, "called before it was ready");
        self.ready = false;
        let body = Full::new(Bytes::from(user_json("user_1")));
        std::future::ready(Ok(http::Response::new(body)))
    }
}

#[tokio::test]
async fn a_service_is_made_ready_before_each_call_on_a_clone_of_its_own() {
    let transport = TowerTransport::new(Reluctant::default());
    let url = format!("http://127.0.0.1:{}", dead_port());
    let (a, b) = tokio::join!(
        transport.send(request_to(&url)),
        transport.send(request_to(&url))
    );
    assert_eq!(a.unwrap().status(), 200);
    assert_eq!(b.unwrap().status(), 200);
    // The transport's own service was never polled: each call had a clone.
    assert!(!transport.service().polled);
}

/// A service whose error shows the key it was sent with.
#[derive(Clone)]
struct Echoing;

impl Service<http::Request<RequestBody>> for Echoing {
    type Response = http::Response<Full<Bytes>>;
    type Error = std::io::Error;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<RequestBody>) -> Self::Future {
        let authorization = request.headers()["authorization"].to_str().unwrap_or("");
        std::future::ready(Err(std::io::Error::other(format!(
            "refused {authorization}"
        ))))
    }
}

#[tokio::test]
async fn a_services_error_that_shows_the_key_is_withheld() {
    let transport = TowerTransport::new(Echoing);
    let url = format!("http://127.0.0.1:{}", dead_port());
    let error: TransportError = transport.send(request_to(&url)).await.unwrap_err();
    assert_no_secret(&error);
    let source = std::error::Error::source(&error).unwrap();
    assert!(source.to_string().contains("withheld"), "{source}");
}

/// reqwest fits as a service of `http` types: `reqwest::Body` in, `reqwest::Body` out, and
/// its errors are known (this crate's `reqwest` feature).
#[cfg(feature = "reqwest")]
#[tokio::test]
async fn reqwest_as_a_tower_service() {
    use clerk_moderation_transports::reqwest::reqwest;

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .tls_backend_preconfigured(
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
        )
        .build()
        .unwrap();
    let service = tower::service_fn(move |request: http::Request<reqwest::Body>| {
        let client = client.clone();
        async move {
            let response = client.execute(reqwest::Request::try_from(request)?).await?;
            Ok::<_, reqwest::Error>(http::Response::from(response))
        }
    });
    let transport: TowerTransport<_, reqwest::Body> =
        TowerTransport::builder().build(service).unwrap();

    let server = TestServer::start(|request, _| echo_users(request, false));
    let response = transport.send(request_to(&server.url())).await.unwrap();
    assert_eq!(response.status(), 200);

    let url = format!("http://127.0.0.1:{}", dead_port());
    let error = transport.send(request_to(&url)).await.unwrap_err();
    assert!(
        error.is_connect() && !error.may_have_been_sent(),
        "{error:?}"
    );
}
