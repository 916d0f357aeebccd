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
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
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

use crate::error::{
    BoxError, ErrorRepr, TlsStage, authorization, bearer_token, exchange_kind, find_in_chain,
    transport_error,
};
use crate::scheme::{Refusal, check_destination};
use crate::tls::Trust;
use crate::wire::set_empty_content_length;
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT, TransportErrorKind};

transport_error! {
    /// Why [`HyperTransport`] got no response. Holds neither the request nor its headers, so
    /// it never shows the secret key. Its `Display` says what failed at this level and whether
    /// the request went out; the cause (hyper-util's error) is its
    /// [`source`](std::error::Error::source).
    HyperError
}

impl HyperError {
    fn new(
        kind: TransportErrorKind,
        tls: TlsStage,
        detail: impl Into<std::borrow::Cow<'static, str>>,
        source: Option<BoxError>,
        secret: Option<&[u8]>,
    ) -> Self {
        Self(ErrorRepr::staged(kind, tls, detail, source, secret))
    }

    fn refused(refusal: Refusal) -> Self {
        let (kind, detail) = match refusal {
            Refusal::Insecure(detail) => (TransportErrorKind::InsecureScheme, detail),
            Refusal::Invalid(detail) => (TransportErrorKind::InvalidRequest, detail),
        };
        Self::new(kind, TlsStage::Handshake, detail, None, None)
    }

    /// Classifies an error of the legacy client.
    fn from_client(error: hyper_util::client::legacy::Error, secret: Option<&[u8]>) -> Self {
        use TransportErrorKind as K;
        let (kind, tls, detail) = if error.is_connect() {
            // The connector failed (DNS, TCP or the TLS handshake): nothing was written.
            if find_in_chain::<rustls::Error>(&error).is_some() {
                (K::Tls, TlsStage::Handshake, "the handshake failed")
            } else if find_in_chain::<std::io::Error>(&error)
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
            {
                (K::ConnectTimeout, TlsStage::Handshake, "")
            } else {
                (K::Connect, TlsStage::Handshake, "")
            }
        } else {
            (exchange_kind(&error), TlsStage::Established, "")
        };
        Self::new(kind, tls, detail, Some(Box::new(error)), secret)
    }

    /// Classifies an error reading the body.
    fn from_body(error: BoxError, max_body_size: usize, secret: Option<&[u8]>) -> Self {
        if error.is::<LengthLimitError>() {
            let detail = format!("over the {max_body_size}-byte cap");
            return Self::new(
                TransportErrorKind::BodyTooLarge,
                TlsStage::Established,
                detail,
                Some(error),
                secret,
            );
        }
        let kind = exchange_kind(&*error);
        Self::new(
            kind,
            TlsStage::Established,
            "reading the body",
            Some(error),
            secret,
        )
    }
}

/// The default connector: hyper-rustls (ring, HTTP/1.1, the builder's roots) over an
/// `HttpConnector`, its whole connect bounded by the connect timeout.
pub type DefaultConnector = TimeoutConnector<HttpsConnector<HttpConnector>>;

/// A connector whose whole connect (DNS, TCP and the TLS handshake) must finish within a
/// timeout; `HttpConnector`'s own bounds TCP only. A connect that takes longer fails as an
/// I/O error of kind `TimedOut`, which [`HyperError`] reports as
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
///   `::1`), and only after [`HyperTransportBuilder::allow_loopback_http`]. Checked on every
///   send, before any DNS lookup or connection;
/// - connect timeout 5 s (DNS, TCP and the TLS handshake, with [`TimeoutConnector`]), whole
///   call 30 s (`tokio::time::timeout` around the request and the body read);
/// - response bodies read through `http_body_util::Limited`, capped at 1 MiB;
/// - Mozilla's roots (webpki-roots) trusted; add the OS store or your own CA with the builder;
/// - pooled keep-alive connections, shared by clones of the transport.
///
/// Each failure says whether the request was sent and whether a retry can help
/// ([`HyperError::class`]); a DNS, connect or TLS handshake failure is "not sent".
///
/// **Proxies.** None, and the environment is not read. To go through one, build a connector
/// that does (hyper-util's `client-proxy` tunnel, say) and pass it to
/// [`HyperTransportBuilder::build_with_connector`].
///
/// ```no_run
/// use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
/// use clerk_moderation_transports::{AsyncClient, hyper::HyperTransport};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let transport = HyperTransport::new()?;
/// let client = AsyncClient::new(ApiConfig::new(SecretKey::new("sk_live_…")?), transport);
/// let user = client.unban(&UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")?).await?;
/// # Ok(()) }
/// ```
pub struct HyperTransport<C = DefaultConnector> {
    client: Client<C, RequestBody>,
    allow_loopback_http: bool,
    timeout: Option<Duration>,
    max_body_size: usize,
}

impl<C: Clone> Clone for HyperTransport<C> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            allow_loopback_http: self.allow_loopback_http,
            timeout: self.timeout,
            max_body_size: self.max_body_size,
        }
    }
}

impl<C> std::fmt::Debug for HyperTransport<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("allow_loopback_http", &self.allow_loopback_http)
            .field("timeout", &self.timeout)
            .field("max_body_size", &self.max_body_size)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A transport with the safe defaults. Fails only if rustls refuses its own defaults.
    pub fn new() -> Result<Self, HyperError> {
        Self::builder().build()
    }

    /// A builder, to change the timeouts, the body cap or the trusted roots, to allow loopback
    /// HTTP, or to bring your own client, connector or resolver.
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

/// Builds a [`HyperTransport`].
#[derive(Debug, Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_body_size: usize,
    allow_loopback_http: bool,
    pool_idle_timeout: Option<Duration>,
    trust: Trust,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            timeout: Some(DEFAULT_TIMEOUT),
            // 1 MiB fits in `usize` on every target hyper supports.
            max_body_size: usize::try_from(DEFAULT_MAX_BODY_SIZE).unwrap_or(usize::MAX),
            allow_loopback_http: false,
            pool_idle_timeout: Some(Duration::from_secs(30)),
            trust: Trust::default(),
        }
    }
}

impl HyperTransportBuilder {
    /// The connect timeout (DNS, TCP and the TLS handshake; for the connectors this builder
    /// makes); `None` for none. Default 5 s.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The whole-call timeout, connecting and the response body included; `None` for none.
    /// Default 30 s.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most response-body bytes read; a larger body fails with
    /// [`TransportErrorKind::BodyTooLarge`]. Default 1 MiB.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Allows plain `http://` to loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), for
    /// emulators and tests. Other plain-HTTP hosts stay refused. Default off.
    pub fn allow_loopback_http(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// How long an idle pooled connection is kept (for the clients this builder makes);
    /// `None` to keep it until the server closes it. Default 30 s.
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Also trusts the root certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks): a
    /// private CA, or a TLS-inspecting corporate proxy's. Read now; fails
    /// ([`TransportErrorKind::Config`]) if the PEM holds no certificate or one that does not
    /// parse. For the connectors this builder makes; every timeout stays as set.
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Result<Self, HyperError> {
        self.trust.add_pem(pem.as_ref()).map_err(HyperError)?;
        Ok(self)
    }

    /// Also trusts the operating system's root certificates (read now with
    /// `rustls-native-certs`). Fails ([`TransportErrorKind::Config`]) if the store gives no
    /// certificate.
    pub fn add_os_root_certificates(mut self) -> Result<Self, HyperError> {
        self.trust.add_os_store().map_err(HyperError)?;
        Ok(self)
    }

    /// Whether Mozilla's roots (webpki-roots, compiled in) are trusted. Default on; turn it off
    /// to trust only the roots added with the methods above.
    pub fn mozilla_roots(mut self, trust: bool) -> Self {
        self.trust.mozilla = trust;
        self
    }

    /// Builds the transport with the default connector: rustls with ring and the roots set on
    /// this builder (Mozilla's by default), HTTP/1.1. Fails only if rustls refuses its own
    /// default protocol versions.
    pub fn build(self) -> Result<HyperTransport, HyperError> {
        self.build_with_resolver(hyper_util::client::legacy::connect::dns::GaiResolver::new())
    }

    /// Builds the transport like [`Self::build`], looking host names up with `resolver` (a
    /// hyper-util resolver: a `tower::Service<Name>` yielding socket addresses) instead of the
    /// system's. Its failures are connect failures: not sent, transient.
    pub fn build_with_resolver<R>(
        self,
        resolver: R,
    ) -> Result<HyperTransport<TimeoutConnector<HttpsConnector<HttpConnector<R>>>>, HyperError>
    where
        TimeoutConnector<HttpsConnector<HttpConnector<R>>>: Connect + Clone + Send + Sync + 'static,
    {
        let tls = self.trust.client_config().map_err(HyperError)?;
        let mut http = HttpConnector::new_with_resolver(resolver);
        // The HTTPS connector wraps this one; the scheme rule is checked on every send.
        http.enforce_http(false);
        http.set_connect_timeout(self.connect_timeout);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let connector = TimeoutConnector::new(connector, self.connect_timeout);
        Ok(self.build_with_connector(connector))
    }

    /// Builds the transport over a connector you made (a proxy tunnel, your own TLS config…);
    /// this builder's connect timeout and roots do not apply to it. Pooled, HTTP/1.1.
    pub fn build_with_connector<C>(self, connector: C) -> HyperTransport<C>
    where
        C: Connect + Clone + Send + Sync + 'static,
    {
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .build(connector);
        self.build_with_client(client)
    }

    /// Builds the transport over a client you made. hyper never follows redirects, so any
    /// client keeps that guarantee; the scheme rule, the whole-call timeout, the body cap and
    /// `Content-Length: 0` on empty POSTs are this transport's and apply too. The client's
    /// connector decides the roots and the connect timeout.
    pub fn build_with_client<C>(self, client: Client<C, RequestBody>) -> HyperTransport<C> {
        HyperTransport {
            client,
            allow_loopback_http: self.allow_loopback_http,
            timeout: self.timeout,
            max_body_size: self.max_body_size,
        }
    }
}

impl<C> HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    async fn send_and_read(
        &self,
        request: Request<RequestBody>,
        secret: Option<&[u8]>,
    ) -> Result<Response<Vec<u8>>, HyperError> {
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| HyperError::from_client(e, secret))?;
        let (parts, body) = response.into_parts();
        let collected = Limited::new(body, self.max_body_size)
            .collect()
            .await
            .map_err(|e| HyperError::from_body(e, self.max_body_size, secret))?;
        // `Vec::from(Bytes)` takes the buffer over without a copy when it is the only owner.
        Ok(Response::from_parts(parts, Vec::from(collected.to_bytes())))
    }
}

impl<C> AsyncTransport for HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    type Error = HyperError;

    async fn send(&self, mut request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, HyperError> {
        check_destination(request.uri(), self.allow_loopback_http).map_err(HyperError::refused)?;
        set_empty_content_length(&mut request);
        let authorization = authorization(request.headers());
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let call = self.send_and_read(request, authorization.as_ref().and_then(bearer_token));
        match self.timeout {
            None => call.await,
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => Err(HyperError::new(
                    TransportErrorKind::Timeout,
                    TlsStage::Established,
                    format!("no full response within {limit:?}"),
                    None,
                    None,
                )),
            },
        }
    }

    fn classify(error: &HyperError) -> FailureClass {
        error.class()
    }
}
