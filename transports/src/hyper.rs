//! [`HyperTransport`]: an async [`AsyncTransport`] on hyper 1, hyper-util's pooled client and
//! hyper-rustls (ring, webpki roots), on tokio.
//!
//! The crates its escape hatches take are re-exported here ([`hyper_util`], [`hyper_rustls`],
//! [`rustls`], and the types [`Client`], [`HttpConnector`], [`HttpsConnector`],
//! [`TokioExecutor`]), so that a client or connector for
//! [`HyperTransportBuilder::build_with_client`] is built with the very versions this crate
//! links.

use std::time::Duration;

use bytes::Bytes;
use clerk_moderation_core::{AsyncTransport, FailureClass};
use http::{Request, Response};
use http_body_util::Full;
use hyper_util::client::legacy::connect::Connect;
use hyper_util::rt::TokioTimer;

/// hyper-rustls, for building a connector of the version this crate links.
pub use ::hyper_rustls;
pub use ::hyper_rustls::HttpsConnector;
/// hyper-util, for building a client or connector of the version this crate links.
pub use ::hyper_util;
pub use ::hyper_util::client::legacy::Client;
pub use ::hyper_util::client::legacy::connect::HttpConnector;
pub use ::hyper_util::rt::TokioExecutor;
/// rustls, for building a TLS configuration of the version this crate links.
pub use ::rustls;

use crate::error::{BoxError, Secret, TransportError, TransportErrorKind, find_in_chain};
use crate::settings::{
    Admitted, BodyCap, Connection, Limits, connection_setters, limits_setters, read_body, within,
};
use crate::tls::tls_error;
use crate::wire::{exchange_error, set_empty_content_length};

/// What an error of hyper-util's legacy client means (without its source). What the connector
/// raised (DNS, TCP, the TLS handshake) is marked `is_connect`: nothing was written then.
pub(crate) fn client_error(error: &hyper_util::client::legacy::Error) -> TransportError {
    if !error.is_connect() {
        return exchange_error(error);
    }
    if let Some(tls) = find_in_chain::<rustls::Error>(error) {
        tls_error(tls, false)
    } else if find_in_chain::<std::io::Error>(error)
        .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    {
        TransportError::new(TransportErrorKind::ConnectTimeout)
    } else {
        TransportError::new(TransportErrorKind::Connect)
    }
}

/// The default connector: hyper-rustls (ring, HTTP/1.1, the builder's roots) over an
/// `HttpConnector`, its whole connect bounded by the connect timeout.
pub type DefaultConnector = TimeoutConnector<HttpsConnector<HttpConnector>>;

/// A connector whose whole connect (DNS, TCP and the TLS handshake) must finish within a
/// timeout; `HttpConnector`'s own bounds TCP only. A connect that takes longer fails as an
/// I/O error of kind `TimedOut`, which [`HyperTransport`] reports as
/// [`TransportErrorKind::ConnectTimeout`]: not sent.
#[derive(Clone, Debug)]
pub struct TimeoutConnector<C> {
    inner: C,
    timeout: Option<Duration>,
}

impl<C> TimeoutConnector<C> {
    /// `inner`, bounded by `timeout` (`None` for no bound).
    pub fn new(inner: C, timeout: Option<Duration>) -> Self {
        Self { inner, timeout }
    }
}

impl<C> tower_service::Service<http::Uri> for TimeoutConnector<C>
where
    C: tower_service::Service<http::Uri>,
    C::Error: Into<BoxError>,
    C::Future: Send + 'static,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, destination: http::Uri) -> Self::Future {
        let connecting = self.inner.call(destination);
        let timeout = self.timeout;
        Box::pin(async move {
            match timeout {
                None => connecting.await.map_err(Into::into),
                Some(limit) => match tokio::time::timeout(limit, connecting).await {
                    Ok(result) => result.map_err(Into::into),
                    Err(_) => Err(Box::new(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "connecting took longer than the connect timeout",
                    )) as BoxError),
                },
            }
        })
    }
}

/// The body type the client sends.
pub type RequestBody = Full<Bytes>;

/// An async transport on hyper 1 with rustls, for tokio.
///
/// Safe by default:
/// - redirects are never followed (hyper does not follow them): a 3xx comes back as a response;
/// - every status comes back as a response;
/// - `https://` only; plain `http://` only to a loopback host (`localhost`, `127.0.0.0/8`,
///   `::1`), when the request's `ApiConfig` points there (the request then carries
///   [`LoopbackHttp`](clerk_moderation_core::LoopbackHttp)) or after
///   [`HyperTransportBuilder::allow_loopback_http`]. Checked on every send, before any DNS
///   lookup or connection;
/// - connect timeout 5 s (DNS, TCP and the TLS handshake, with [`TimeoutConnector`]), whole
///   call 30 s (`tokio::time::timeout` around the request and the body read);
/// - response bodies capped at the larger of 1 MiB and what the request allows, checked as
///   they stream in;
/// - Mozilla's roots (webpki-roots) trusted; add the OS store or your own CA with the builder;
/// - pooled keep-alive connections, shared by clones of the transport.
///
/// Each failure says whether the request was sent and whether a retry can help
/// ([`TransportError::class`]); a DNS, connect or TLS handshake failure is "not sent".
///
/// **Proxies.** None, and the environment is not read. To go through one, build a connector
/// that does (hyper-util's `client-proxy` tunnel, say) and pass it to
/// [`HyperTransportBuilder::build_with_connector`].
///
/// ```no_run
/// use clerk_moderation_core::{ApiConfig, UserId};
/// use clerk_moderation_transports::{AsyncClient, hyper::HyperTransport};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = AsyncClient::new(ApiConfig::from_env()?, HyperTransport::new());
/// let user = client.unban(&UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")?).await?;
/// # Ok(()) }
/// ```
pub struct HyperTransport<C = DefaultConnector> {
    client: Client<C, RequestBody>,
    limits: Limits,
    timeout: Option<Duration>,
}

impl<C: Clone> Clone for HyperTransport<C> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            limits: self.limits.clone(),
            timeout: self.timeout,
        }
    }
}

impl<C> std::fmt::Debug for HyperTransport<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("limits", &self.limits)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for HyperTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl HyperTransport {
    /// A transport with the safe defaults.
    ///
    /// # Panics
    ///
    /// Only if rustls refuses its own default protocol versions with the ring provider compiled
    /// in, which this crate's tests rule out; [`HyperTransportBuilder::build`] returns that as
    /// an error instead.
    pub fn new() -> Self {
        Self::builder()
            .build()
            .expect("rustls accepts its default protocol versions with ring")
    }

    /// A builder, to change the timeouts, the body cap or the trusted roots, to allow loopback
    /// HTTP for every request, or to bring your own client, connector or resolver.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }
}

impl<C> HyperTransport<C> {
    /// The client.
    pub fn client(&self) -> &Client<C, RequestBody> {
        &self.client
    }
}

/// Builds a [`HyperTransport`]. Like every builder of this crate, its `build` methods return a
/// `Result` (see the crate docs), and the setters that read something (a PEM, the OS store)
/// fail where they read it.
#[derive(Debug, Clone, Default)]
pub struct HyperTransportBuilder {
    limits: Limits,
    connection: Connection,
}

impl HyperTransportBuilder {
    limits_setters!();
    connection_setters!();

    /// Builds the transport with the default connector: rustls with ring and the roots set on
    /// this builder (Mozilla's by default), HTTP/1.1. Fails only if rustls refuses its own
    /// default protocol versions.
    pub fn build(self) -> Result<HyperTransport, TransportError> {
        self.build_with_resolver(hyper_util::client::legacy::connect::dns::GaiResolver::new())
    }

    /// Builds the transport like [`Self::build`], looking host names up with `resolver` (a
    /// hyper-util resolver: a `tower::Service<Name>` yielding socket addresses) instead of the
    /// system's. Its failures are connect failures: not sent, transient.
    pub fn build_with_resolver<R>(
        self,
        resolver: R,
    ) -> Result<HyperTransport<TimeoutConnector<HttpsConnector<HttpConnector<R>>>>, TransportError>
    where
        TimeoutConnector<HttpsConnector<HttpConnector<R>>>: Connect + Clone + Send + Sync + 'static,
    {
        let tls = self.connection.trust.client_config()?;
        let connect_timeout = self.connection.connect_timeout;
        let mut http = HttpConnector::new_with_resolver(resolver);
        // The HTTPS connector wraps this one; the scheme rule is checked on every send.
        http.enforce_http(false);
        http.set_connect_timeout(connect_timeout);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        self.build_with_connector(TimeoutConnector::new(connector, connect_timeout))
    }

    /// Builds the transport over a connector you made (a proxy tunnel, your own TLS config…);
    /// this builder's connect timeout and roots do not apply to it. Pooled, HTTP/1.1.
    pub fn build_with_connector<C>(self, connector: C) -> Result<HyperTransport<C>, TransportError>
    where
        C: Connect + Clone + Send + Sync + 'static,
    {
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.connection.pool_idle_timeout)
            .build(connector);
        self.build_with_client(client)
    }

    /// Builds the transport over a client you made. hyper never follows redirects, so any
    /// client keeps that guarantee; the scheme rule, the whole-call timeout, the body cap and
    /// `Content-Length: 0` on empty POSTs are this transport's and apply too. The client's
    /// connector decides the roots and the connect timeout.
    pub fn build_with_client<C>(
        self,
        client: Client<C, RequestBody>,
    ) -> Result<HyperTransport<C>, TransportError> {
        Ok(HyperTransport {
            client,
            limits: self.limits,
            timeout: self.connection.timeout,
        })
    }
}

impl<C> HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    async fn send_and_read(
        &self,
        request: Request<RequestBody>,
        cap: BodyCap,
        secret: &Secret,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| client_error(&e).caused_by(e, secret.token()))?;
        let (parts, body) = response.into_parts();
        let body = read_body(body, cap)
            .await
            .map_err(|e| e.into_error(cap, secret, exchange_error))?;
        Ok(Response::from_parts(parts, body))
    }
}

impl<C> AsyncTransport for HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    type Error = TransportError;

    async fn send(
        &self,
        mut request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let Admitted { secret, cap, .. } = self.limits.admit(&request)?;
        set_empty_content_length(&mut request);
        let request = request.map(|body| Full::new(Bytes::from(body)));
        within(self.timeout, self.send_and_read(request, cap, &secret)).await
    }

    fn classify(error: &TransportError) -> FailureClass {
        error.class()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_build() {
        assert!(HyperTransport::builder().build().is_ok());
    }
}
