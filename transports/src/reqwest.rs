//! [`ReqwestTransport`]: an async [`AsyncTransport`] on reqwest 0.13 (rustls with ring,
//! HTTP/1.1, tokio), for services that already have a reqwest client.
//!
//! `reqwest` is re-exported here ([`reqwest`]), so that a client for
//! [`ReqwestTransportBuilder::build_with_client`] is built with the very version this crate
//! links.

use std::sync::Arc;
use std::time::Duration;

/// The reqwest this transport is built on, for building a client or a proxy of the right
/// version.
pub use ::reqwest;

use ::reqwest::dns::Resolve;
use ::reqwest::redirect::Policy;
use ::reqwest::{Client, ClientBuilder, Proxy};
use clerk_moderation_core::{AsyncTransport, FailureClass};
use http::{Request, Response};

use crate::error::{
    ErrorRepr, TlsStage, authorization, bearer_token, exchange_kind, find_in_chain, transport_error,
};
use crate::scheme::{Destination, Refusal, check_destination};
use crate::tls::Trust;
use crate::wire::set_empty_content_length;
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT, TransportErrorKind};

transport_error! {
    /// Why [`ReqwestTransport`] got no response. Holds neither the request nor its headers, so
    /// it never shows the secret key. Its `Display` says what failed at this level and whether
    /// the request went out; the cause (reqwest's error) is its
    /// [`source`](std::error::Error::source).
    ReqwestError
}

impl ReqwestError {
    fn new(
        kind: TransportErrorKind,
        tls: TlsStage,
        detail: impl Into<std::borrow::Cow<'static, str>>,
        source: Option<::reqwest::Error>,
        secret: Option<&[u8]>,
    ) -> Self {
        Self(ErrorRepr::staged(
            kind,
            tls,
            detail,
            source.map(|e| Box::new(e) as _),
            secret,
        ))
    }

    fn refused(refusal: Refusal) -> Self {
        let (kind, detail) = match refusal {
            Refusal::Insecure(detail) => (TransportErrorKind::InsecureScheme, detail),
            Refusal::Invalid(detail) => (TransportErrorKind::InvalidRequest, detail),
        };
        Self::new(kind, TlsStage::Handshake, detail, None, None)
    }

    /// Classifies a reqwest error. reqwest marks what its connector raised (DNS, TCP, the TLS
    /// handshake) with `is_connect`: nothing was written then.
    fn from_reqwest(error: ::reqwest::Error, secret: Option<&[u8]>) -> Self {
        use TransportErrorKind as K;
        let (kind, tls, detail) = if error.is_connect() {
            if find_in_chain::<rustls::Error>(&error).is_some() {
                (K::Tls, TlsStage::Handshake, "the handshake failed")
            } else if error.is_timeout() {
                (K::ConnectTimeout, TlsStage::Handshake, "")
            } else if error.is_dns() {
                (
                    K::Connect,
                    TlsStage::Handshake,
                    "the host name could not be resolved",
                )
            } else {
                (K::Connect, TlsStage::Handshake, "")
            }
        } else if error.is_builder() {
            (K::InvalidRequest, TlsStage::Handshake, "")
        } else if error.is_timeout() {
            (K::Timeout, TlsStage::Established, "")
        } else if error.is_redirect() {
            (K::RedirectFollowed, TlsStage::Established, "")
        } else {
            let detail = if error.is_body() {
                "reading the body"
            } else {
                ""
            };
            let kind = match exchange_kind(&error) {
                // reqwest wraps what it does not classify; on a connection, that is I/O.
                K::Other => K::Io,
                kind => kind,
            };
            (kind, TlsStage::Established, detail)
        };
        Self::new(kind, tls, detail, Some(error), secret)
    }

    fn body_too_large(max_body_size: u64) -> Self {
        Self::new(
            TransportErrorKind::BodyTooLarge,
            TlsStage::Established,
            format!("over the {max_body_size}-byte cap"),
            None,
            None,
        )
    }
}

/// An async transport on reqwest with rustls, for tokio.
///
/// Safe by default:
/// - redirects are never followed (`redirect::Policy::none()`): a 3xx comes back as a response;
/// - every status comes back as a response;
/// - `https://` only; plain `http://` only to a loopback host (`localhost`, `127.0.0.0/8`,
///   `::1`), and only after [`ReqwestTransportBuilder::allow_loopback_http`]. Checked on every
///   send, before any DNS lookup or connection;
/// - connect timeout 5 s (reqwest's: DNS, TCP and the TLS handshake), whole call 30 s
///   (`tokio::time::timeout` around the request and the body read);
/// - response bodies capped at 1 MiB, checked as the body streams in: a larger one is refused
///   from its `Content-Length`, or as soon as the cap is passed, never buffered whole;
/// - Mozilla's roots (webpki-roots) trusted; add the OS store or your own CA with the builder;
/// - HTTP/1.1, pooled keep-alive connections, shared by clones of the transport.
///
/// Each failure says whether the request was sent and whether a retry can help
/// ([`ReqwestError::class`]); a DNS, connect or TLS handshake failure is "not sent".
///
/// **Proxies.** By default the proxy comes from the environment, as reqwest reads it
/// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and their lower-case forms, `NO_PROXY`). Set one
/// with [`ReqwestTransportBuilder::proxy`], or none with `.proxy(None)`. Plain-HTTP loopback
/// requests never go through a proxy: they go through a second, proxy-less client.
///
/// ```no_run
/// use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
/// use clerk_moderation_transports::{AsyncClient, reqwest::ReqwestTransport};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let transport = ReqwestTransport::new()?;
/// let client = AsyncClient::new(ApiConfig::new(SecretKey::new("sk_live_…")?), transport);
/// let user = client.get_user(&UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")?).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ReqwestTransport {
    client: Client,
    /// For plain-HTTP loopback requests: a client that never uses a proxy (`client` itself
    /// when that one has none). `None` while loopback HTTP is off.
    direct: Option<Client>,
    allow_loopback_http: bool,
    timeout: Option<Duration>,
    max_body_size: u64,
}

impl std::fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("allow_loopback_http", &self.allow_loopback_http)
            .field("timeout", &self.timeout)
            .field("max_body_size", &self.max_body_size)
            .finish_non_exhaustive()
    }
}

impl ReqwestTransport {
    /// A transport with the safe defaults. Fails only if reqwest or rustls refuse their
    /// defaults.
    pub fn new() -> Result<Self, ReqwestError> {
        Self::builder().build()
    }

    /// A builder, to change the timeouts, the body cap, the proxy, the trusted roots or the
    /// resolver, or to allow loopback HTTP.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// A transport over a client you built, with the default timeout, body cap and loopback
    /// HTTP off. See [`ReqwestTransportBuilder::build_with_client`].
    pub fn from_client(client: Client) -> Result<Self, ReqwestError> {
        Self::builder().build_with_client(client)
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Builds a [`ReqwestTransport`].
#[derive(Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_body_size: u64,
    allow_loopback_http: bool,
    pool_idle_timeout: Option<Duration>,
    proxy: ProxySetting,
    trust: Trust,
    resolver: Option<Arc<dyn Resolve>>,
}

#[derive(Clone, Debug)]
enum ProxySetting {
    FromEnv,
    // Boxed: a reqwest proxy is large, and builders are moved by value.
    Set(Option<Box<Proxy>>),
}

impl std::fmt::Debug for ReqwestTransportBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReqwestTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("max_body_size", &self.max_body_size)
            .field("allow_loopback_http", &self.allow_loopback_http)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("proxy", &self.proxy)
            .field("trust", &self.trust)
            .field("resolver", &self.resolver.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            timeout: Some(DEFAULT_TIMEOUT),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            allow_loopback_http: false,
            pool_idle_timeout: Some(Duration::from_secs(30)),
            proxy: ProxySetting::FromEnv,
            trust: Trust::default(),
            resolver: None,
        }
    }
}

impl ReqwestTransportBuilder {
    /// The connect timeout (DNS, TCP and the TLS handshake); `None` for none. Default 5 s.
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
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Allows plain `http://` to loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), for
    /// emulators and tests. Other plain-HTTP hosts stay refused. Default off.
    pub fn allow_loopback_http(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// How long an idle pooled connection is kept; `None` to keep it until the server closes
    /// it. Default 30 s.
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// The proxy to use, or `None` for none. Without this call, the proxy comes from the
    /// environment (see [`ReqwestTransport`]).
    pub fn proxy(mut self, proxy: Option<Proxy>) -> Self {
        self.proxy = ProxySetting::Set(proxy.map(Box::new));
        self
    }

    /// Also trusts the root certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks): a
    /// private CA, or a TLS-inspecting corporate proxy's. Read now; fails
    /// ([`TransportErrorKind::Config`]) if the PEM holds no certificate or one that does not
    /// parse. Every timeout stays as set.
    pub fn add_root_certificates_pem(
        mut self,
        pem: impl AsRef<[u8]>,
    ) -> Result<Self, ReqwestError> {
        self.trust.add_pem(pem.as_ref()).map_err(ReqwestError)?;
        Ok(self)
    }

    /// Also trusts the operating system's root certificates (read now with
    /// `rustls-native-certs`). Fails ([`TransportErrorKind::Config`]) if the store gives no
    /// certificate.
    pub fn add_os_root_certificates(mut self) -> Result<Self, ReqwestError> {
        self.trust.add_os_store().map_err(ReqwestError)?;
        Ok(self)
    }

    /// Whether Mozilla's roots (webpki-roots, compiled in) are trusted. Default on; turn it off
    /// to trust only the roots added with the methods above.
    pub fn mozilla_roots(mut self, trust: bool) -> Self {
        self.trust.mozilla = trust;
        self
    }

    /// Looks host names up with `resolver` instead of the system's. Its failures are connect
    /// failures: not sent, transient.
    pub fn dns_resolver(mut self, resolver: Arc<dyn Resolve>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// A reqwest builder with this builder's settings, going through `proxy`.
    fn client_builder(&self, tls: rustls::ClientConfig, proxy: Option<&Proxy>) -> ClientBuilder {
        let mut builder = Client::builder()
            .redirect(Policy::none())
            .http1_only()
            .tls_backend_preconfigured(tls)
            .pool_idle_timeout(self.pool_idle_timeout);
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(resolver) = &self.resolver {
            builder = builder.dns_resolver(Arc::clone(resolver));
        }
        match (&self.proxy, proxy) {
            (_, Some(proxy)) => builder.proxy(proxy.clone()),
            (ProxySetting::FromEnv, None) => builder,
            (ProxySetting::Set(_), None) => builder.no_proxy(),
        }
    }

    /// Builds the transport and its client: rustls with ring and the roots set on this
    /// builder (Mozilla's by default), HTTP/1.1, no redirects.
    pub fn build(self) -> Result<ReqwestTransport, ReqwestError> {
        let tls = self.trust.client_config().map_err(ReqwestError)?;
        let proxy = match &self.proxy {
            ProxySetting::Set(proxy) => proxy.as_deref(),
            ProxySetting::FromEnv => None,
        };
        let client = self
            .client_builder(tls.clone(), proxy)
            .build()
            .map_err(|e| ReqwestError::from_reqwest(e, None))?;
        let direct = match (&self.proxy, self.allow_loopback_http) {
            (_, false) => None,
            (ProxySetting::Set(None), true) => Some(client.clone()),
            (_, true) => Some(self.direct_client(tls)?),
        };
        Ok(ReqwestTransport {
            client,
            direct,
            allow_loopback_http: self.allow_loopback_http,
            timeout: self.timeout,
            max_body_size: self.max_body_size,
        })
    }

    /// The proxy-less client for plain-HTTP loopback requests.
    fn direct_client(&self, tls: rustls::ClientConfig) -> Result<Client, ReqwestError> {
        self.client_builder(tls, None)
            .no_proxy()
            .build()
            .map_err(|e| ReqwestError::from_reqwest(e, None))
    }

    /// Builds the transport over a client you built, keeping this builder's whole-call
    /// timeout, body cap and loopback setting, which this transport applies itself.
    ///
    /// What it cannot see in a reqwest client, and so cannot check: its redirect policy, its
    /// connect timeout, its proxy and its roots. Build the client with
    /// `redirect(Policy::none())`: reqwest's default follows up to 10 redirects. A redirect the
    /// client did follow is caught from the response's URL and refused
    /// ([`TransportErrorKind::RedirectFollowed`]); reqwest itself drops the `Authorization`
    /// header when a redirect leaves the host. Plain-HTTP loopback requests go through a
    /// proxy-less client this builder makes, not yours. Fails only if that one cannot be
    /// built.
    pub fn build_with_client(self, client: Client) -> Result<ReqwestTransport, ReqwestError> {
        let direct = if self.allow_loopback_http {
            let tls = self.trust.client_config().map_err(ReqwestError)?;
            Some(self.direct_client(tls)?)
        } else {
            None
        };
        Ok(ReqwestTransport {
            client,
            direct,
            allow_loopback_http: self.allow_loopback_http,
            timeout: self.timeout,
            max_body_size: self.max_body_size,
        })
    }
}

impl ReqwestTransport {
    async fn send_and_read(
        &self,
        client: &Client,
        request: Request<Vec<u8>>,
        secret: Option<&[u8]>,
    ) -> Result<Response<Vec<u8>>, ReqwestError> {
        let asked_for = request.uri().to_string();
        let request = ::reqwest::Request::try_from(request)
            .map_err(|e| ReqwestError::from_reqwest(e, secret))?;
        let mut response = client
            .execute(request)
            .await
            .map_err(|e| ReqwestError::from_reqwest(e, secret))?;
        if response.url().as_str() != asked_for && !same_url(response.url(), &asked_for) {
            return Err(ReqwestError::new(
                TransportErrorKind::RedirectFollowed,
                TlsStage::Established,
                "build the client with redirect(Policy::none())",
                None,
                None,
            ));
        }
        let declared = response.content_length();
        if declared.is_some_and(|length| length > self.max_body_size) {
            return Err(ReqwestError::body_too_large(self.max_body_size));
        }
        // Sized from the declared length (already within the cap), grown as chunks come else.
        let mut body = Vec::with_capacity(usize::try_from(declared.unwrap_or(0)).unwrap_or(0));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| ReqwestError::from_reqwest(e, secret))?
        {
            if (body.len() + chunk.len()) as u64 > self.max_body_size {
                return Err(ReqwestError::body_too_large(self.max_body_size));
            }
            body.extend_from_slice(&chunk);
        }
        let mut out = Response::new(body);
        *out.status_mut() = response.status();
        *out.version_mut() = response.version();
        *out.headers_mut() = std::mem::take(response.headers_mut());
        Ok(out)
    }
}

/// Whether reqwest's parsed URL is the one asked for, spelled differently (`url` normalises:
/// an explicit default port dropped, the host lower-cased).
fn same_url(got: &::reqwest::Url, asked_for: &str) -> bool {
    ::reqwest::Url::parse(asked_for).is_ok_and(|asked| asked == *got)
}

impl AsyncTransport for ReqwestTransport {
    type Error = ReqwestError;

    async fn send(&self, mut request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, ReqwestError> {
        let destination = check_destination(request.uri(), self.allow_loopback_http)
            .map_err(ReqwestError::refused)?;
        set_empty_content_length(&mut request);
        let client = match (&self.direct, destination) {
            // Never send a plain-HTTP request (and its key) to a proxy.
            (Some(direct), Destination::LoopbackHttp) => direct,
            _ => &self.client,
        };
        let authorization = authorization(request.headers());
        let call = self.send_and_read(
            client,
            request,
            authorization.as_ref().and_then(bearer_token),
        );
        match self.timeout {
            None => call.await,
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => Err(ReqwestError::new(
                    TransportErrorKind::Timeout,
                    TlsStage::Established,
                    format!("no full response within {limit:?}"),
                    None,
                    None,
                )),
            },
        }
    }

    fn classify(error: &ReqwestError) -> FailureClass {
        error.class()
    }
}
