//! [`UreqTransport`]: a blocking [`Transport`] on ureq 3 with rustls (ring, webpki roots).

use std::io;
use std::time::Duration;

use ::ureq::config::Config;
use ::ureq::unversioned::transport::DefaultConnector;
use ::ureq::{Agent, Proxy, Timeout};
use clerk_moderation_core::Transport;
use http::{Request, Response};

use crate::error::{ErrorRepr, authorization, bearer_token, find_in_chain, transport_error};
use crate::scheme::{Destination, Refusal, check_destination};
use crate::ureq_resolver::CachingResolver;
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT, TransportErrorKind};

transport_error! {
    /// Why [`UreqTransport`] got no response. Holds neither the request nor its headers, so it
    /// never shows the secret key.
    UreqError
}

impl UreqError {
    fn new(
        kind: TransportErrorKind,
        may_have_been_sent: bool,
        detail: impl Into<std::borrow::Cow<'static, str>>,
        source: Option<::ureq::Error>,
        secret: Option<&[u8]>,
    ) -> Self {
        Self(ErrorRepr::new(
            kind,
            may_have_been_sent,
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
        Self::new(kind, false, detail, None, None)
    }

    /// Classifies a ureq error, and says whether the request may have been sent.
    fn from_ureq(error: ::ureq::Error, max_body_size: u64, secret: Option<&[u8]>) -> Self {
        use ::ureq::Error as E;
        use TransportErrorKind as K;
        let (kind, sent, detail): (K, bool, String) = match &error {
            E::Timeout(Timeout::Resolve | Timeout::Connect) => {
                (K::Timeout, false, "connecting took too long".into())
            }
            E::Timeout(_) => (K::Timeout, true, "the call took too long".into()),
            E::HostNotFound => (K::Connect, false, "host not found".into()),
            E::ConnectionFailed => (K::Connect, false, "connection failed".into()),
            E::ConnectProxyFailed(_) | E::InvalidProxyUrl => {
                (K::Connect, false, "the proxy failed".into())
            }
            E::BadUri(_) | E::Http(_) => (K::InvalidRequest, false, error.to_string()),
            E::RequireHttpsOnly(_) | E::TlsRequired => {
                (K::InsecureScheme, false, "the agent requires https".into())
            }
            E::BodyExceedsLimit(_) => (
                K::BodyTooLarge,
                true,
                format!("over the {max_body_size}-byte cap"),
            ),
            E::Tls(message) => (K::Tls, false, (*message).to_owned()),
            E::Rustls(e) => tls(e),
            E::Pem(_) => (K::Tls, false, "bad PEM".into()),
            E::Protocol(_) | E::LargeResponseHeader(..) => (K::Protocol, true, error.to_string()),
            E::Io(io_error) => match find_in_chain::<rustls::Error>(io_error) {
                Some(e) => tls(e),
                None => io(io_error),
            },
            _ => (K::Other, true, error.to_string()),
        };
        Self::new(kind, sent, detail, Some(error), secret)
    }
}

/// A TLS error: a certificate problem can only come from the handshake (so nothing was sent);
/// anything else might come after it, so the request may have been sent.
fn tls(error: &rustls::Error) -> (TransportErrorKind, bool, String) {
    let handshake = matches!(
        error,
        rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::PeerIncompatible(_)
            | rustls::Error::UnsupportedNameType
    );
    (TransportErrorKind::Tls, !handshake, error.to_string())
}

/// An I/O error: those that only connecting can raise say nothing was sent.
fn io(error: &io::Error) -> (TransportErrorKind, bool, String) {
    use io::ErrorKind as K;
    match error.kind() {
        K::ConnectionRefused | K::AddrNotAvailable | K::NetworkUnreachable | K::HostUnreachable => {
            (TransportErrorKind::Connect, false, error.to_string())
        }
        K::TimedOut | K::WouldBlock => (TransportErrorKind::Timeout, true, error.to_string()),
        K::InvalidData => (TransportErrorKind::Protocol, true, error.to_string()),
        _ => (TransportErrorKind::Io, true, error.to_string()),
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
/// - one agent, so connections are kept alive and reused.
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
}

impl std::fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UreqTransport")
            .field("allow_loopback_http", &self.allow_loopback_http)
            .field("max_body_size", &self.max_body_size)
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

    /// A builder, to change the timeouts, the body cap, the proxy, or to allow loopback HTTP.
    pub fn builder() -> UreqTransportBuilder {
        UreqTransportBuilder::default()
    }

    /// A transport over an agent you configured yourself (its TLS, its proxy, its pool), with
    /// the default body cap and loopback HTTP off. See [`UreqTransportBuilder::build_with_agent`].
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

    /// Builds the transport and its agent.
    pub fn build(self) -> UreqTransport {
        let mut config = Config::builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(self.connect_timeout)
            .timeout_global(self.timeout);
        if let ProxySetting::Set(proxy) = self.proxy {
            config = config.proxy(proxy);
        }
        UreqTransport {
            // The caching resolver spares a DNS lookup on a spawned thread per request.
            agent: Agent::with_parts(
                config.build(),
                DefaultConnector::new(),
                CachingResolver::default(),
            ),
            allow_loopback_http: self.allow_loopback_http,
            max_body_size: self.max_body_size,
        }
    }

    /// Builds the transport over an agent you configured, keeping this builder's body cap and
    /// loopback setting (its timeouts and proxy are the agent's own).
    ///
    /// Refuses ([`TransportErrorKind::Config`]) an agent that follows redirects
    /// (`max_redirects` not 0: a redirect could carry the request elsewhere) or that turns
    /// statuses into errors (`http_status_as_error`: the error body would be lost).
    pub fn build_with_agent(self, agent: Agent) -> Result<UreqTransport, UreqError> {
        let config = agent.config();
        let problem = if config.max_redirects() != 0 {
            Some("the agent follows redirects: build it with max_redirects(0)")
        } else if config.http_status_as_error() {
            Some("the agent turns statuses into errors: build it with http_status_as_error(false)")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(UreqError::new(
                TransportErrorKind::Config,
                false,
                problem,
                None,
                None,
            ));
        }
        Ok(UreqTransport {
            agent,
            allow_loopback_http: self.allow_loopback_http,
            max_body_size: self.max_body_size,
        })
    }
}

impl Transport for UreqTransport {
    type Error = UreqError;

    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, UreqError> {
        let destination = check_destination(request.uri(), self.allow_loopback_http)
            .map_err(UreqError::refused)?;
        let authorization = authorization(request.headers());
        let secret = authorization.as_ref().and_then(bearer_token);
        let result = if destination == Destination::LoopbackHttp {
            // Never send a plain-HTTP request (and its key) to a proxy.
            let request = self.agent.configure_request(request).proxy(None).build();
            self.agent.run(request)
        } else {
            self.agent.run(request)
        };
        let response = result.map_err(|e| UreqError::from_ureq(e, self.max_body_size, secret))?;
        let (parts, mut body) = response.into_parts();
        // ureq's limit fails a body of exactly the limit (it reads once more to see the end),
        // so read up to one byte more and check the length here.
        let bytes = body
            .with_config()
            .limit(self.max_body_size.saturating_add(1))
            .read_to_vec()
            .map_err(|e| UreqError::from_ureq(e, self.max_body_size, secret))?;
        if bytes.len() as u64 > self.max_body_size {
            return Err(UreqError::new(
                TransportErrorKind::BodyTooLarge,
                true,
                format!("over the {}-byte cap", self.max_body_size),
                None,
                None,
            ));
        }
        Ok(Response::from_parts(parts, bytes))
    }
}
