//! [`UreqTransport`]: a blocking [`Transport`] on ureq 3 with rustls (ring, webpki roots).
//!
//! `ureq` is re-exported here ([`ureq`]), so that an agent for
//! [`UreqTransportBuilder::build_with_agent`] is built with the very version this crate links.

use std::io;
use std::sync::Arc;
use std::time::Duration;

/// The ureq this transport is built on, for building an agent or a proxy of the right version.
pub use ::ureq;

use ::ureq::config::Config;
use ::ureq::tls::TlsConfig;
use ::ureq::unversioned::resolver::{DefaultResolver, Resolver};
use ::ureq::{Agent, Proxy, Timeout};
use clerk_moderation_core::{FailureClass, Transport};
use http::{Request, Response};

use crate::error::{
    ErrorRepr, TlsStage, authorization, bearer_token, find_in_chain, transport_error,
};
use crate::scheme::{Destination, Refusal, check_destination};
use crate::tls::Trust;
use crate::ureq_connect::{BeforeSending, MarkingConnector, Stage};
use crate::ureq_resolver::{CachingResolver, SharedResolver};
use crate::wire::carries_body;
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT, TransportErrorKind};

transport_error! {
    /// Why [`UreqTransport`] got no response. Holds neither the request nor its headers, so it
    /// never shows the secret key. Its `Display` says what failed at this level and whether the
    /// request went out; the cause (ureq's error) is its [`source`](std::error::Error::source).
    UreqError
}

impl UreqError {
    fn new(
        kind: TransportErrorKind,
        tls: TlsStage,
        detail: impl Into<std::borrow::Cow<'static, str>>,
        source: Option<::ureq::Error>,
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

    fn config(problem: &'static str) -> Self {
        Self::new(
            TransportErrorKind::Config,
            TlsStage::Handshake,
            problem,
            None,
            None,
        )
    }

    /// A failure the agent's resolver or connector reported: nothing was written.
    fn before_sending(marked: BeforeSending, secret: Option<&[u8]>) -> Self {
        use ::ureq::Error as E;
        use TransportErrorKind as K;
        let lookup = marked.stage == Stage::Lookup;
        let (kind, detail) = match &marked.error {
            E::Timeout(_) if lookup => (K::ConnectTimeout, "looking the host name up"),
            E::Timeout(_) => (K::ConnectTimeout, ""),
            E::BadUri(_) | E::Http(_) => (K::InvalidRequest, ""),
            _ if lookup => (K::Connect, "the host name could not be resolved"),
            E::Tls(_) | E::Pem(_) | E::Rustls(_) => (K::Tls, "the handshake failed"),
            E::Io(io) if find_in_chain::<rustls::Error>(io).is_some() => {
                (K::Tls, "the handshake failed")
            }
            E::ConnectProxyFailed(_) | E::InvalidProxyUrl => (K::Connect, "the proxy failed"),
            _ => (K::Connect, ""),
        };
        Self::new(
            kind,
            TlsStage::Handshake,
            detail,
            Some(marked.error),
            secret,
        )
    }

    /// A failure after connecting, or one an agent this crate did not build reported (then
    /// ureq's error is all there is to go by).
    fn from_ureq(
        error: ::ureq::Error,
        stages_marked: bool,
        max_body_size: u64,
        secret: Option<&[u8]>,
    ) -> Self {
        use ::ureq::Error as E;
        use TransportErrorKind as K;
        let error = match BeforeSending::unmark(error) {
            Ok(marked) => return Self::before_sending(marked, secret),
            Err(error) => error,
        };
        let handshake = TlsStage::Handshake;
        let (kind, tls, detail): (K, TlsStage, std::borrow::Cow<'static, str>) = match &error {
            E::Timeout(Timeout::Resolve | Timeout::Connect) => {
                (K::ConnectTimeout, handshake, "".into())
            }
            E::Timeout(_) => (K::Timeout, handshake, "".into()),
            E::HostNotFound => (
                K::Connect,
                handshake,
                "the host name could not be resolved".into(),
            ),
            E::ConnectionFailed => (K::Connect, handshake, "".into()),
            E::ConnectProxyFailed(_) | E::InvalidProxyUrl => {
                (K::Connect, handshake, "the proxy failed".into())
            }
            E::BadUri(_) | E::Http(_) => (K::InvalidRequest, handshake, "".into()),
            E::RequireHttpsOnly(_) | E::TlsRequired => (
                K::InsecureScheme,
                handshake,
                "the agent requires https".into(),
            ),
            E::BodyExceedsLimit(_) => (
                K::BodyTooLarge,
                handshake,
                format!("over the {max_body_size}-byte cap").into(),
            ),
            E::Tls(_) | E::Pem(_) => (K::Tls, handshake, "".into()),
            E::Rustls(e) => (K::Tls, tls_stage(e, stages_marked), "".into()),
            E::Protocol(_) | E::LargeResponseHeader(..) => (K::Protocol, handshake, "".into()),
            E::Io(io_error) => match find_in_chain::<rustls::Error>(io_error) {
                Some(e) => (K::Tls, tls_stage(e, stages_marked), "".into()),
                None => (io_kind(io_error), handshake, "".into()),
            },
            _ => (K::Other, handshake, "".into()),
        };
        Self::new(kind, tls, detail, Some(error), secret)
    }
}

/// When a rustls error outside the connector happened. With the stages marked, the handshake
/// was inside the connector, so this one came after it. Without (an agent this crate did not
/// build), only the error itself can tell: these variants only a handshake raises.
fn tls_stage(error: &rustls::Error, stages_marked: bool) -> TlsStage {
    use rustls::Error as R;
    let handshake_only = matches!(
        error,
        R::InvalidCertificate(_)
            | R::NoCertificatesPresented
            | R::PeerIncompatible(_)
            | R::UnsupportedNameType
            | R::InappropriateHandshakeMessage { .. }
            | R::InvalidMessage(_)
    );
    if handshake_only && !stages_marked {
        TlsStage::Handshake
    } else {
        TlsStage::Established
    }
}

/// The kind of an I/O error outside the connector (or from an agent this crate did not build).
fn io_kind(error: &io::Error) -> TransportErrorKind {
    use io::ErrorKind as K;
    match error.kind() {
        K::ConnectionRefused | K::AddrNotAvailable | K::NetworkUnreachable | K::HostUnreachable => {
            TransportErrorKind::Connect
        }
        K::TimedOut | K::WouldBlock => TransportErrorKind::Timeout,
        K::InvalidData => TransportErrorKind::Protocol,
        _ => TransportErrorKind::Io,
    }
}

/// A blocking transport on ureq 3 with rustls.
///
/// Safe by default:
/// - redirects are never followed: a 3xx comes back as a response, and the `Authorization`
///   header goes nowhere else;
/// - every status comes back as a response, never as an error;
/// - `https://` only; plain `http://` only to a loopback host (`localhost`, `127.0.0.0/8`,
///   `::1`), and only after [`UreqTransportBuilder::allow_loopback_http`]. Checked on every
///   send, before any DNS lookup or connection;
/// - connect timeout 5 s, whole call (body included) 30 s;
/// - response bodies capped at 1 MiB;
/// - Mozilla's roots (webpki-roots) trusted; add the OS store or your own CA with the builder;
/// - one agent, so connections are kept alive and reused.
///
/// Each failure says whether the request was sent and whether a retry can help
/// ([`UreqError::class`]); a DNS, connect or TLS handshake failure is "not sent".
///
/// **Proxies.** By default the proxy comes from the environment, as ureq reads it: the first of
/// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (or their lower-case forms) that is set, with
/// `NO_PROXY` honoured. Set one with [`UreqTransportBuilder::proxy`], or none with
/// `.proxy(None)`. Plain-HTTP loopback requests never go through a proxy: the secret key would
/// cross the network in the clear.
///
/// ```no_run
/// use clerk_moderation_core::{ApiConfig, SecretKey, UserId};
/// use clerk_moderation_transports::{Client, ureq::UreqTransport};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let transport = UreqTransport::new();
/// let client = Client::new(ApiConfig::new(SecretKey::new("sk_live_…")?), transport);
/// let user = client.unlock(&UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")?)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct UreqTransport {
    agent: Agent,
    allow_loopback_http: bool,
    max_body_size: u64,
    /// Whether this crate built the agent, so that its resolver and connector mark their
    /// failures (see `ureq_connect`).
    stages_marked: bool,
    /// Timeouts set on each request because the agent lacks them.
    filled: FilledTimeouts,
}

/// The timeouts [`UreqTransportBuilder::build_with_agent`] sets on each request for an agent
/// that has none of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct FilledTimeouts {
    connect: Option<Duration>,
    global: Option<Duration>,
}

impl std::fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UreqTransport")
            .field("allow_loopback_http", &self.allow_loopback_http)
            .field("max_body_size", &self.max_body_size)
            .field("filled_timeouts", &self.filled)
            .finish_non_exhaustive()
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl UreqTransport {
    /// A transport with the safe defaults.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder, to change the timeouts, the body cap, the proxy, the trusted roots, or to
    /// allow loopback HTTP.
    pub fn builder() -> UreqTransportBuilder {
        UreqTransportBuilder::default()
    }

    /// A transport over an agent you configured yourself, with the default body cap, loopback
    /// HTTP off, and the default timeouts filled in where the agent has none. See
    /// [`UreqTransportBuilder::build_with_agent`].
    pub fn from_agent(agent: Agent) -> Result<Self, UreqError> {
        Self::builder().build_with_agent(agent)
    }

    /// The agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }
}

/// Builds a [`UreqTransport`].
#[derive(Debug, Clone)]
pub struct UreqTransportBuilder {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    max_body_size: u64,
    allow_loopback_http: bool,
    proxy: ProxySetting,
    trust: Trust,
    resolver: Option<SharedResolver>,
}

#[derive(Debug, Clone)]
enum ProxySetting {
    FromEnv,
    Set(Option<Proxy>),
}

impl Default for UreqTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            timeout: Some(DEFAULT_TIMEOUT),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            allow_loopback_http: false,
            proxy: ProxySetting::FromEnv,
            trust: Trust::default(),
            resolver: None,
        }
    }
}

impl UreqTransportBuilder {
    /// The connect timeout (DNS, TCP, proxy and TLS); `None` for none. Default 5 s.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The whole-call timeout, response body included; `None` for none. Default 30 s.
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

    /// The proxy to use, or `None` for none. Without this call, the proxy comes from the
    /// environment (see [`UreqTransport`]).
    pub fn proxy(mut self, proxy: Option<Proxy>) -> Self {
        self.proxy = ProxySetting::Set(proxy);
        self
    }

    /// Also trusts the root certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks): a
    /// private CA, or a TLS-inspecting corporate proxy's. Read now; fails
    /// ([`TransportErrorKind::Config`]) if the PEM holds no certificate or one that does not
    /// parse. Every timeout stays as set.
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Result<Self, UreqError> {
        self.trust.add_pem(pem.as_ref()).map_err(UreqError)?;
        Ok(self)
    }

    /// Also trusts the operating system's root certificates (read now with
    /// `rustls-native-certs`: the system bundle on Linux, the keychain on macOS, the Windows
    /// store). Fails ([`TransportErrorKind::Config`]) if the store gives no certificate.
    pub fn add_os_root_certificates(mut self) -> Result<Self, UreqError> {
        self.trust.add_os_store().map_err(UreqError)?;
        Ok(self)
    }

    /// Whether Mozilla's roots (webpki-roots, compiled in) are trusted. Default on; turn it off
    /// to trust only the roots added with the methods above.
    pub fn mozilla_roots(mut self, trust: bool) -> Self {
        self.trust.mozilla = trust;
        self
    }

    /// Looks host names up with `resolver` instead of ureq's default (a fixed map, a resolver
    /// of your own). Answers are still cached for 30 s, IP literals still skip it, and its
    /// failures still count as "not sent". ureq's resolver trait is from its `unversioned`
    /// API, which may change in a minor release: this crate pins ureq `~3.5`.
    pub fn resolver(mut self, resolver: impl Resolver) -> Self {
        self.resolver = Some(SharedResolver(Arc::new(resolver)));
        self
    }

    /// Builds the transport and its agent.
    pub fn build(self) -> UreqTransport {
        let tls = TlsConfig::builder()
            .root_certs(self.trust.ureq_roots())
            .build();
        let mut config = Config::builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(self.connect_timeout)
            .timeout_global(self.timeout)
            .tls_config(tls);
        if let ProxySetting::Set(proxy) = self.proxy {
            config = config.proxy(proxy);
        }
        let config = config.build();
        // The caching resolver spares a DNS lookup on a spawned thread per request; it and the
        // connector mark their failures as "not sent".
        let agent = match self.resolver {
            Some(resolver) => Agent::with_parts(
                config,
                MarkingConnector::default(),
                CachingResolver::new(resolver),
            ),
            None => Agent::with_parts(
                config,
                MarkingConnector::default(),
                CachingResolver::<DefaultResolver>::default(),
            ),
        };
        UreqTransport {
            agent,
            allow_loopback_http: self.allow_loopback_http,
            max_body_size: self.max_body_size,
            stages_marked: true,
            filled: FilledTimeouts::default(),
        }
    }

    /// Builds the transport over an agent you configured, keeping this builder's body cap and
    /// loopback setting. The agent's proxy, TLS roots and resolver are its own (the trust and
    /// resolver options of this builder do not apply to it).
    ///
    /// **Timeouts are filled, not dropped**: where the agent has no connect timeout or no
    /// whole-call (`timeout_global`) timeout, this builder's (5 s and 30 s unless changed) are
    /// set on every request it sends; the agent's own are kept. To really send without one,
    /// say so here: `.timeout(None)`.
    ///
    /// Refuses ([`TransportErrorKind::Config`]) an agent that follows redirects
    /// (`max_redirects` not 0: a redirect could carry the request elsewhere) or that turns
    /// statuses into errors (`http_status_as_error`: the error body would be lost).
    ///
    /// With an agent of your own, this transport goes by ureq's error alone to say whether a
    /// request was sent: a DNS failure of ureq's default resolver is then an I/O error that
    /// "may have been sent". The agents [`Self::build`] makes tell it exactly.
    pub fn build_with_agent(self, agent: Agent) -> Result<UreqTransport, UreqError> {
        let config = agent.config();
        if config.max_redirects() != 0 {
            return Err(UreqError::config(
                "the agent follows redirects: build it with max_redirects(0)",
            ));
        }
        if config.http_status_as_error() {
            return Err(UreqError::config(
                "the agent turns statuses into errors: build it with http_status_as_error(false)",
            ));
        }
        let timeouts = config.timeouts();
        let filled = FilledTimeouts {
            connect: timeouts
                .connect
                .is_none()
                .then_some(self.connect_timeout)
                .flatten(),
            global: timeouts.global.is_none().then_some(self.timeout).flatten(),
        };
        Ok(UreqTransport {
            agent,
            allow_loopback_http: self.allow_loopback_http,
            max_body_size: self.max_body_size,
            stages_marked: false,
            filled,
        })
    }
}

impl UreqTransport {
    /// Runs the request on the agent, with the request-level settings it needs: no proxy for
    /// plain-HTTP loopback, the timeouts the agent lacks.
    fn run<B: ::ureq::AsSendBody>(
        &self,
        request: Request<B>,
        loopback_http: bool,
    ) -> Result<Response<::ureq::Body>, ::ureq::Error> {
        if !loopback_http && self.filled == FilledTimeouts::default() {
            return self.agent.run(request);
        }
        let mut config = self.agent.configure_request(request);
        if loopback_http {
            // Never send a plain-HTTP request (and its key) to a proxy.
            config = config.proxy(None);
        }
        if let Some(timeout) = self.filled.connect {
            config = config.timeout_connect(Some(timeout));
        }
        if let Some(timeout) = self.filled.global {
            config = config.timeout_global(Some(timeout));
        }
        self.agent.run(config.build())
    }

    fn error(&self, error: ::ureq::Error, secret: Option<&[u8]>) -> UreqError {
        UreqError::from_ureq(error, self.stages_marked, self.max_body_size, secret)
    }
}

impl Transport for UreqTransport {
    type Error = UreqError;

    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, UreqError> {
        let destination = check_destination(request.uri(), self.allow_loopback_http)
            .map_err(UreqError::refused)?;
        let authorization = authorization(request.headers());
        let secret = authorization.as_ref().and_then(bearer_token);
        let loopback_http = destination == Destination::LoopbackHttp;
        // ureq declares the length of any `Vec` body, `Content-Length: 0` included (as an empty
        // POST should have); a GET without a body goes as one with none.
        let result = if request.body().is_empty() && !carries_body(request.method()) {
            self.run(request.map(|_| ()), loopback_http)
        } else {
            self.run(request, loopback_http)
        };
        let response = result.map_err(|e| self.error(e, secret))?;
        let (parts, mut body) = response.into_parts();
        // ureq's limit fails a body of exactly the limit (it reads once more to see the end),
        // so read up to one byte more and check the length here.
        let bytes = body
            .with_config()
            .limit(self.max_body_size.saturating_add(1))
            .read_to_vec()
            .map_err(|e| self.error(e, secret))?;
        if bytes.len() as u64 > self.max_body_size {
            return Err(UreqError::new(
                TransportErrorKind::BodyTooLarge,
                TlsStage::Handshake,
                format!("over the {}-byte cap", self.max_body_size),
                None,
                None,
            ));
        }
        Ok(Response::from_parts(parts, bytes))
    }

    fn classify(error: &UreqError) -> FailureClass {
        error.class()
    }
}
