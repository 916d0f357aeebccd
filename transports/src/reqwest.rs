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

use crate::error::{Secret, TransportError, TransportErrorKind, find_in_chain};
use crate::scheme::Destination;
use crate::settings::{
    Admitted, BodyCap, Connection, Limits, connection_setters, limits_setters, read_body, within,
};
use crate::tls::tls_error;
use crate::wire::{exchange_error, set_empty_content_length};

/// What a reqwest error means (without its source). reqwest marks what its connector raised
/// (DNS, TCP, the TLS handshake) with `is_connect`: nothing was written then.
pub(crate) fn reqwest_error(error: &::reqwest::Error) -> TransportError {
    use TransportErrorKind as K;
    if error.is_connect() {
        return if let Some(tls) = find_in_chain::<rustls::Error>(error) {
            tls_error(tls, false)
        } else if error.is_timeout() {
            TransportError::new(K::ConnectTimeout)
        } else if error.is_dns() {
            TransportError::new(K::Connect).with_detail("the host name could not be resolved")
        } else {
            TransportError::new(K::Connect)
        };
    }
    if error.is_builder() {
        TransportError::new(K::InvalidRequest)
    } else if error.is_timeout() {
        TransportError::new(K::Timeout)
    } else if error.is_redirect() {
        TransportError::new(K::RedirectFollowed)
    } else {
        match exchange_error(error) {
            // reqwest wraps what it does not classify; on a connection, that is I/O.
            other if other.kind() == K::Other => TransportError::new(K::Io),
            classified => classified,
        }
    }
}

/// An async transport on reqwest with rustls, for tokio.
///
/// Safe by default:
/// - redirects are never followed (`redirect::Policy::none()`): a 3xx comes back as a response;
/// - every status comes back as a response;
/// - `https://` only; plain `http://` only to a loopback host (`localhost`, `127.0.0.0/8`,
///   `::1`), when the request's `ApiConfig` points there (the request then carries
///   [`LoopbackHttp`](clerk_moderation_core::LoopbackHttp)) or after
///   [`ReqwestTransportBuilder::allow_loopback_http`]. Checked on every send, before any DNS
///   lookup or connection;
/// - connect timeout 5 s (reqwest's: DNS, TCP and the TLS handshake), whole call 30 s
///   (`tokio::time::timeout` around the request and the body read);
/// - response bodies capped at the larger of 1 MiB and what the request allows, checked as the
///   body streams in: a larger one is refused from its `Content-Length`, or as soon as the cap
///   is passed, never buffered whole;
/// - Mozilla's roots (webpki-roots) trusted; add the OS store or your own CA with the builder;
/// - HTTP/1.1, pooled keep-alive connections, shared by clones of the transport.
///
/// Each failure says whether the request was sent and whether a retry can help
/// ([`TransportError::class`]); a DNS, connect or TLS handshake failure is "not sent".
///
/// **Proxies.** By default the proxy comes from the environment, as reqwest reads it
/// (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and their lower-case forms, `NO_PROXY`). Set one
/// with [`ReqwestTransportBuilder::proxy`], or none with `.proxy(None)`. Plain-HTTP loopback
/// requests never go through a proxy: they go through a second, proxy-less client.
///
/// ```no_run
/// use clerk_moderation_core::{ApiConfig, UserId};
/// use clerk_moderation_transports::{AsyncClient, reqwest::ReqwestTransport};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = AsyncClient::new(ApiConfig::from_env()?, ReqwestTransport::new());
/// let user = client.get_user(&UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")?).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ReqwestTransport {
    client: Client,
    /// For plain-HTTP loopback requests: a client that never uses a proxy (`client` itself
    /// when that one has none).
    direct: Client,
    limits: Limits,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("limits", &self.limits)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl ReqwestTransport {
    /// A transport with the safe defaults.
    ///
    /// # Panics
    ///
    /// Only if reqwest or rustls refuse their own defaults, which this crate's tests rule out
    /// (as `reqwest::Client::new` does); [`ReqwestTransportBuilder::build`] returns that as an
    /// error instead.
    pub fn new() -> Self {
        Self::builder()
            .build()
            .expect("reqwest and rustls accept their defaults")
    }

    /// A builder, to change the timeouts, the body cap, the proxy, the trusted roots or the
    /// resolver, or to allow loopback HTTP for every request.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// A transport over a client you built, with the default timeout and body cap. See
    /// [`ReqwestTransportBuilder::build_with_client`].
    pub fn from_client(client: Client) -> Result<Self, TransportError> {
        Self::builder().build_with_client(client)
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Builds a [`ReqwestTransport`]. Like every builder of this crate, its `build` methods return
/// a `Result` (see the crate docs), and the setters that read something (a PEM, the OS store)
/// fail where they read it.
#[derive(Clone, Default)]
pub struct ReqwestTransportBuilder {
    limits: Limits,
    connection: Connection,
    proxy: ProxySetting,
    resolver: Option<Arc<dyn Resolve>>,
}

#[derive(Clone, Debug, Default)]
enum ProxySetting {
    #[default]
    FromEnv,
    // Boxed: a reqwest proxy is large, and builders are moved by value.
    Set(Option<Box<Proxy>>),
}

impl std::fmt::Debug for ReqwestTransportBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReqwestTransportBuilder")
            .field("limits", &self.limits)
            .field("connection", &self.connection)
            .field("proxy", &self.proxy)
            .field("resolver", &self.resolver.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl ReqwestTransportBuilder {
    limits_setters!();
    connection_setters!();

    /// The proxy to use, or `None` for none. Without this call, the proxy comes from the
    /// environment (see [`ReqwestTransport`]).
    pub fn proxy(mut self, proxy: Option<Proxy>) -> Self {
        self.proxy = ProxySetting::Set(proxy.map(Box::new));
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
            .pool_idle_timeout(self.connection.pool_idle_timeout);
        if let Some(timeout) = self.connection.connect_timeout {
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

    /// A reqwest builder set up as this transport's own client is — rustls with ring and the
    /// roots set on this builder, no redirects followed, HTTP/1.1, the connect timeout, pool and
    /// proxy settings — for a client of your own: add your settings (a user agent, default
    /// headers…), build it, and hand it to [`ReqwestTransportBuilder::build_with_client`]. A
    /// plain `reqwest::Client::builder()` cannot build here: this crate links reqwest without a
    /// TLS provider of its own, and hands it one through this.
    pub fn reqwest_builder(&self) -> Result<ClientBuilder, TransportError> {
        let tls = self.connection.trust.client_config()?;
        let proxy = match &self.proxy {
            ProxySetting::Set(proxy) => proxy.as_deref(),
            ProxySetting::FromEnv => None,
        };
        Ok(self.client_builder(tls, proxy))
    }

    /// Builds the transport and its client: rustls with ring and the roots set on this
    /// builder (Mozilla's by default), HTTP/1.1, no redirects. Fails only if reqwest or rustls
    /// refuse the settings.
    pub fn build(self) -> Result<ReqwestTransport, TransportError> {
        let tls = self.connection.trust.client_config()?;
        let proxy = match &self.proxy {
            ProxySetting::Set(proxy) => proxy.as_deref(),
            ProxySetting::FromEnv => None,
        };
        let client = built(self.client_builder(tls.clone(), proxy))?;
        let direct = match &self.proxy {
            ProxySetting::Set(None) => client.clone(),
            _ => self.direct_client(tls)?,
        };
        Ok(self.over(client, direct))
    }

    /// The proxy-less client for plain-HTTP loopback requests.
    fn direct_client(&self, tls: rustls::ClientConfig) -> Result<Client, TransportError> {
        built(self.client_builder(tls, None).no_proxy())
    }

    fn over(self, client: Client, direct: Client) -> ReqwestTransport {
        ReqwestTransport {
            client,
            direct,
            limits: self.limits,
            timeout: self.connection.timeout,
        }
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
    pub fn build_with_client(self, client: Client) -> Result<ReqwestTransport, TransportError> {
        let tls = self.connection.trust.client_config()?;
        let direct = self.direct_client(tls)?;
        Ok(self.over(client, direct))
    }
}

/// The client a reqwest builder makes, or why it made none.
fn built(builder: ClientBuilder) -> Result<Client, TransportError> {
    builder
        .build()
        .map_err(|e| reqwest_error(&e).caused_by(e, None))
}

impl ReqwestTransport {
    async fn send_and_read(
        &self,
        client: &Client,
        request: Request<Vec<u8>>,
        cap: BodyCap,
        secret: &Secret,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let failed = |e: ::reqwest::Error| reqwest_error(&e).caused_by(e, secret.token());
        let asked_for = request.uri().to_string();
        let request = ::reqwest::Request::try_from(request).map_err(failed)?;
        let response = client.execute(request).await.map_err(failed)?;
        if response.url().as_str() != asked_for && !same_url(response.url(), &asked_for) {
            return Err(TransportError::new(TransportErrorKind::RedirectFollowed)
                .with_detail("build the client with redirect(Policy::none())"));
        }
        let (parts, body) = http::Response::from(response).into_parts();
        let body = read_body(body, cap).await.map_err(|e| {
            e.into_error(cap, secret, |e| {
                match e.downcast_ref::<::reqwest::Error>() {
                    Some(e) => reqwest_error(e),
                    None => exchange_error(e),
                }
            })
        })?;
        Ok(Response::from_parts(parts, body))
    }
}

/// Whether reqwest's parsed URL is the one asked for, spelled differently (`url` normalises:
/// an explicit default port dropped, the host lower-cased).
fn same_url(got: &::reqwest::Url, asked_for: &str) -> bool {
    ::reqwest::Url::parse(asked_for).is_ok_and(|asked| asked == *got)
}

impl AsyncTransport for ReqwestTransport {
    type Error = TransportError;

    async fn send(
        &self,
        mut request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let Admitted {
            secret,
            destination,
            cap,
        } = self.limits.admit(&request)?;
        set_empty_content_length(&mut request);
        // Never send a plain-HTTP request (and its key) to a proxy.
        let client = match destination {
            Destination::LoopbackHttp => &self.direct,
            Destination::Https => &self.client,
        };
        within(
            self.timeout,
            self.send_and_read(client, request, cap, &secret),
        )
        .await
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
        assert!(ReqwestTransport::builder().build().is_ok());
    }
}
