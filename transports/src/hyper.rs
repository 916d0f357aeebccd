//! [`HyperTransport`]: an async [`AsyncTransport`] on hyper 1, hyper-util's pooled client and
//! hyper-rustls (ring, webpki roots), on tokio.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use clerk_moderation_core::AsyncTransport;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::{ConfigBuilderExt, HttpsConnector};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::{
    BoxError, ErrorRepr, authorization, bearer_token, find_in_chain, transport_error,
};
use crate::scheme::{Refusal, check_destination};
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT, TransportErrorKind};

transport_error! {
    /// Why [`HyperTransport`] got no response. Holds neither the request nor its headers, so
    /// it never shows the secret key.
    HyperError
}

impl HyperError {
    fn new(
        kind: TransportErrorKind,
        may_have_been_sent: bool,
        detail: impl Into<std::borrow::Cow<'static, str>>,
        source: Option<BoxError>,
        secret: Option<&[u8]>,
    ) -> Self {
        Self(ErrorRepr::new(
            kind,
            may_have_been_sent,
            detail,
            source,
            secret,
        ))
    }

    fn refused(refusal: Refusal) -> Self {
        let (kind, detail) = match refusal {
            Refusal::Insecure(detail) => (TransportErrorKind::InsecureScheme, detail),
            Refusal::Invalid(detail) => (TransportErrorKind::InvalidRequest, detail),
        };
        Self::new(kind, false, detail, None, None)
    }

    /// Classifies an error of the legacy client.
    fn from_client(error: hyper_util::client::legacy::Error, secret: Option<&[u8]>) -> Self {
        use TransportErrorKind as K;
        let (kind, sent, detail) = if error.is_connect() {
            // The connector failed (TCP, DNS or TLS): the request was never written.
            if let Some(tls) = find_in_chain::<rustls::Error>(&error) {
                (K::Tls, false, tls.to_string())
            } else if let Some(io) = find_in_chain::<std::io::Error>(&error) {
                match io.kind() {
                    std::io::ErrorKind::TimedOut => {
                        (K::Timeout, false, "connecting took too long".to_owned())
                    }
                    _ => (K::Connect, false, io.to_string()),
                }
            } else {
                (K::Connect, false, chain_text(&error))
            }
        } else if let Some(hyper) = find_in_chain::<::hyper::Error>(&error) {
            let kind = if hyper.is_parse() || hyper.is_parse_status() {
                K::Protocol
            } else if hyper.is_timeout() {
                K::Timeout
            } else {
                K::Io
            };
            (kind, true, chain_text(&error))
        } else {
            (K::Other, true, chain_text(&error))
        };
        Self::new(kind, sent, detail, Some(Box::new(error)), secret)
    }
}

/// The messages of an error chain, joined, for the `detail` (scrubbed like the source).
fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    let mut depth = 0;
    while let (Some(error), true) = (next, depth < 8) {
        text.push_str(": ");
        text.push_str(&error.to_string());
        next = error.source();
        depth += 1;
    }
    text
}

/// The default connector: hyper-rustls (ring, webpki roots, HTTP/1.1) over an `HttpConnector`.
pub type DefaultConnector = HttpsConnector<HttpConnector>;

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
/// - connect timeout 5 s (`HttpConnector::set_connect_timeout`), whole call 30 s
///   (`tokio::time::timeout` around the request and the body read);
/// - response bodies read through `http_body_util::Limited`, capped at 1 MiB;
/// - pooled keep-alive connections, shared by clones of the transport.
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

    /// A builder, to change the timeouts or the body cap, to allow loopback HTTP, or to bring
    /// your own client or connector.
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
        }
    }
}

impl HyperTransportBuilder {
    /// The connect timeout (TCP; for the default connector only); `None` for none. Default 5 s.
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

    /// Builds the transport with the default connector: rustls with ring and Mozilla's roots
    /// (webpki-roots), HTTP/1.1. Fails only if rustls refuses its own default protocol versions.
    pub fn build(self) -> Result<HyperTransport, HyperError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| {
                HyperError::new(
                    TransportErrorKind::Config,
                    false,
                    "rustls refused its default protocol versions",
                    Some(Box::new(e)),
                    None,
                )
            })?
            .with_webpki_roots()
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        // The HTTPS connector wraps this one; the scheme rule is checked on every send.
        http.enforce_http(false);
        http.set_connect_timeout(self.connect_timeout);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(self.build_with_connector(connector))
    }

    /// Builds the transport over a connector you made (a proxy tunnel, your own TLS config…);
    /// this builder's connect timeout does not apply to it. Pooled, HTTP/1.1.
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
    /// client keeps that guarantee; the scheme rule, the whole-call timeout and the body cap
    /// are this transport's and apply too.
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
            .map_err(|e| {
                if e.is::<LengthLimitError>() {
                    HyperError::new(
                        TransportErrorKind::BodyTooLarge,
                        true,
                        format!("over the {}-byte cap", self.max_body_size),
                        Some(e),
                        secret,
                    )
                } else {
                    let kind = match e.downcast_ref::<::hyper::Error>() {
                        Some(h) if h.is_parse() => TransportErrorKind::Protocol,
                        _ => TransportErrorKind::Io,
                    };
                    let detail = format!("reading the body: {}", chain_text(&*e));
                    HyperError::new(kind, true, detail, Some(e), secret)
                }
            })?;
        // `Vec::from(Bytes)` takes the buffer over without a copy when it is the only owner.
        Ok(Response::from_parts(parts, Vec::from(collected.to_bytes())))
    }
}

impl<C> AsyncTransport for HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    type Error = HyperError;

    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, HyperError> {
        check_destination(request.uri(), self.allow_loopback_http).map_err(HyperError::refused)?;
        let authorization = authorization(request.headers());
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let call = self.send_and_read(request, authorization.as_ref().and_then(bearer_token));
        match self.timeout {
            None => call.await,
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => Err(HyperError::new(
                    TransportErrorKind::Timeout,
                    true,
                    format!("no full response within {limit:?}"),
                    None,
                    None,
                )),
            },
        }
    }
}
