//! [`TowerTransport`]: an async [`AsyncTransport`] over any
//! `tower::Service<http::Request<B>>`: hyper-util's client behind tower layers (a timeout, a
//! concurrency limit, your tracing or metrics), reqwest adapted to `http` types, a service of
//! your own.
//!
//! `tower-service` is re-exported here ([`tower_service`]), so that a service you write by
//! hand implements the very trait this crate takes.

use std::error::Error as StdError;
use std::future::poll_fn;
use std::marker::PhantomData;

use bytes::Bytes;
use clerk_moderation_core::{AsyncTransport, FailureClass};
use http::{Request, Response};
use http_body_util::Full;

/// tower's `Service` trait, the one [`TowerTransport`] takes.
pub use ::tower_service;
use ::tower_service::Service;

use crate::error::{BoxError, TransportError, TransportErrorKind, find_in_chain};
use crate::settings::{Admitted, Limits, limits_setters, read_body};
use crate::wire::set_empty_content_length;

/// The request body a [`TowerTransport`] sends by default: what hyper-util's client takes.
pub type RequestBody = Full<Bytes>;

/// Says what kind an error of the wrapped service is, when the transport does not know it
/// (your own layers' errors): `None` leaves it to the transport. See
/// [`TowerTransportBuilder::error_kind`].
pub type ErrorKindFn = fn(&(dyn StdError + 'static)) -> Option<TransportErrorKind>;

/// An async transport over a `tower::Service<http::Request<B>, Response = http::Response<R>>`,
/// where the request body `B` is made from the bytes the core built (`B: From<Vec<u8>>`:
/// `Full<Bytes>` by default, `reqwest::Body`, axum's `Body`…) and the response body `R` is any
/// `http_body::Body` (hyper's `Incoming`, `reqwest::Body`…).
///
/// Each call clones the service, waits until the clone is ready (`poll_ready`), then calls it,
/// as tower's readiness contract asks of a shared service: calls run side by side, each on its
/// own clone. A service that cannot be cloned goes behind `tower::buffer::Buffer`, which can.
///
/// **What it keeps, as every built-in transport does:**
/// - the HTTPS rule: `https://` only; plain `http://` only to a loopback host, when the request
///   carries [`LoopbackHttp`](clerk_moderation_core::LoopbackHttp) (its `ApiConfig`'s base URL
///   is that loopback `http://` URL) or after [`TowerTransportBuilder::allow_loopback_http`].
///   Checked before the service is called, so a refused request reaches no layer;
/// - the body cap: the larger of 1 MiB (`max_body_size`) and the request's
///   [`ResponseCap`](clerk_moderation_core::ResponseCap), checked as the body streams in;
/// - every status comes back as a response, and `Content-Length: 0` goes on an empty POST;
/// - errors never show the secret key: an underlying error whose text would is withheld.
///
/// **What is the wrapped service's business**, because only it sees the connection:
/// - **timeouts**: put `tower::timeout::TimeoutLayer` (or your runtime's) around it, and give
///   hyper-util's `HttpConnector` a connect timeout. Without them a stalled server holds a call
///   until the client's deadline;
/// - **redirects**: hyper-util's client never follows them; a reqwest client must be built with
///   `redirect::Policy::none()`, and no `FollowRedirect` layer may sit in the stack, or the
///   `Authorization` header may follow a redirect;
/// - **TLS roots, proxies, the pool**: the service's connector decides. A proxy that the
///   service uses for every request is used for plain-HTTP loopback requests too;
/// - **what its errors mean**: the errors of hyper-util's client and of reqwest are known when
///   this crate's `hyper` or `reqwest` feature is on, and I/O errors by their kind; for your
///   layers' errors, say it with [`TowerTransportBuilder::error_kind`]. The rest are read the
///   safe way: may have been sent, transient.
///
/// ```
/// use clerk_moderation_transports::tower::{TowerTransport, tower_service::Service};
/// use clerk_moderation_transports::{AsyncTransport, TransportErrorKind};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // Any `Service<http::Request<B>, Response = http::Response<R>>`; a canned one here.
/// #[derive(Clone)]
/// struct Canned;
/// impl Service<http::Request<Vec<u8>>> for Canned {
///     type Response = http::Response<String>;
///     type Error = std::io::Error;
///     type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
///     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
///         std::task::Poll::Ready(Ok(()))
///     }
///     fn call(&mut self, _: http::Request<Vec<u8>>) -> Self::Future {
///         std::future::ready(Ok(http::Response::new(r#"{"id":"user_1"}"#.to_owned())))
///     }
/// }
///
/// let transport: TowerTransport<Canned, Vec<u8>> = TowerTransport::builder()
///     .error_kind(|e| e.is::<std::io::Error>().then_some(TransportErrorKind::Io))
///     .build(Canned)?;
/// fn is_a_transport(_: &impl AsyncTransport) {}
/// is_a_transport(&transport);
/// # Ok(()) }
/// ```
pub struct TowerTransport<S, B = RequestBody> {
    service: S,
    limits: Limits,
    error_kind: Option<ErrorKindFn>,
    body: PhantomData<fn(B)>,
}

impl<S: Clone, B> Clone for TowerTransport<S, B> {
    fn clone(&self) -> Self {
        Self {
            service: self.service.clone(),
            limits: self.limits.clone(),
            error_kind: self.error_kind,
            body: PhantomData,
        }
    }
}

impl<S, B> std::fmt::Debug for TowerTransport<S, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TowerTransport")
            .field("limits", &self.limits)
            .field("error_kind", &self.error_kind.map(|_| "custom"))
            .finish_non_exhaustive()
    }
}

impl<S> TowerTransport<S> {
    /// A transport over `service`, sending [`RequestBody`] (`Full<Bytes>`), with the default
    /// body cap and loopback HTTP only where the request allows it. For another body type, or
    /// to change a setting, use [`TowerTransport::builder`].
    pub fn new(service: S) -> Self {
        TowerTransportBuilder::default().over(service)
    }
}

impl TowerTransport<()> {
    /// A builder, to change the body cap, to allow loopback HTTP for every request, or to say
    /// what your layers' errors mean.
    pub fn builder() -> TowerTransportBuilder {
        TowerTransportBuilder::default()
    }
}

impl<S, B> TowerTransport<S, B> {
    /// The service.
    pub fn service(&self) -> &S {
        &self.service
    }

    /// What an error of the service means, without its source.
    fn classify_error(&self, error: &(dyn StdError + 'static)) -> TransportError {
        match self.error_kind.and_then(|kind_of| kind_of(error)) {
            Some(kind) => TransportError::new(kind),
            None => known_error(error),
        }
    }
}

/// What an error of a service this crate knows means: hyper-util's client and reqwest, when
/// their features are on; else an I/O error by its kind; else the safe reading.
fn known_error(error: &(dyn StdError + 'static)) -> TransportError {
    #[cfg(feature = "hyper")]
    if let Some(client) = find_in_chain::<hyper_util::client::legacy::Error>(error) {
        return crate::hyper::client_error(client);
    }
    #[cfg(feature = "reqwest")]
    if let Some(reqwest) = find_in_chain::<::reqwest::Error>(error) {
        return crate::reqwest::reqwest_error(reqwest);
    }
    #[cfg(any(feature = "hyper", feature = "reqwest"))]
    return crate::wire::exchange_error(error);
    #[cfg(not(any(feature = "hyper", feature = "reqwest")))]
    TransportError::new(
        find_in_chain::<std::io::Error>(error)
            .map_or(TransportErrorKind::Other, crate::error::io_kind),
    )
}

/// Builds a [`TowerTransport`]. Like every builder of this crate, its `build` returns a
/// `Result` (see the crate docs).
#[derive(Clone, Debug, Default)]
pub struct TowerTransportBuilder {
    limits: Limits,
    error_kind: Option<ErrorKindFn>,
}

impl TowerTransportBuilder {
    limits_setters!();

    /// Says what kind an error of the wrapped service is, for the errors this crate does not
    /// know (your layers'): `tower::timeout::error::Elapsed` is a
    /// [`TransportErrorKind::Timeout`], say. The kind decides what the failure means (see the
    /// crate docs' table). Asked first, with the service's error; `None` leaves it to the
    /// transport.
    pub fn error_kind(mut self, kind_of: ErrorKindFn) -> Self {
        self.error_kind = Some(kind_of);
        self
    }

    /// Builds the transport over `service`, sending request bodies of type `B` (named, or
    /// inferred from the service). It does not fail today; it returns a `Result` like every
    /// builder of this crate.
    pub fn build<S, B>(self, service: S) -> Result<TowerTransport<S, B>, TransportError> {
        Ok(self.over(service))
    }

    fn over<S, B>(self, service: S) -> TowerTransport<S, B> {
        TowerTransport {
            service,
            limits: self.limits,
            error_kind: self.error_kind,
            body: PhantomData,
        }
    }
}

impl<S, B, R> AsyncTransport for TowerTransport<S, B>
where
    S: Service<Request<B>, Response = Response<R>> + Clone + Send + Sync + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: From<Vec<u8>> + Send + 'static,
    R: http_body::Body + Send,
    R::Data: Send,
    R::Error: Into<BoxError>,
{
    type Error = TransportError;

    async fn send(
        &self,
        mut request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let Admitted { secret, cap, .. } = self.limits.admit(&request)?;
        set_empty_content_length(&mut request);
        let failed = |error: S::Error| {
            let error: BoxError = error.into();
            self.classify_error(&*error)
                .caused_by(error, secret.token())
        };
        // A clone per call, made ready before it is called: tower's contract for a service
        // shared by calls in flight together.
        let mut service = self.service.clone();
        poll_fn(|cx| service.poll_ready(cx)).await.map_err(failed)?;
        let response = service.call(request.map(B::from)).await.map_err(failed)?;
        let (parts, body) = response.into_parts();
        let body = read_body(body, cap)
            .await
            .map_err(|e| e.into_error(cap, &secret, |e| self.classify_error(e)))?;
        Ok(Response::from_parts(parts, body))
    }

    fn classify(error: &TransportError) -> FailureClass {
        error.class()
    }
}
