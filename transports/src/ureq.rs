//! [`UreqTransport`]: a blocking [`Transport`] on ureq 3 with rustls (ring, webpki roots).
//!
//! `ureq` is re-exported here ([`ureq`]), so that an agent for
//! [`UreqTransportBuilder::build_with_agent`] is built with the very version this crate links.

use std::io;
use std::time::Duration;

/// The ureq this transport is built on, for building an agent or a proxy of the right version.
pub use ::ureq;

use ::ureq::config::Config;
use ::ureq::tls::TlsConfig;
use ::ureq::{Agent, Proxy, Timeout};
use clerk_moderation_core::{FailureClass, Transport};
use http::{Request, Response};

use crate::error::{Secret, TransportError, TransportErrorKind, find_in_chain, io_kind};
use crate::scheme::Destination;
use crate::settings::{Admitted, BodyCap, Connection, Limits, connection_setters, limits_setters};
use crate::tls::{only_in_a_handshake, tls_error};
use crate::wire::carries_body;

/// A blocking transport on ureq 3 with rustls.
///
/// Safe by default:
/// - redirects are never followed: a 3xx comes back as a response, and the `Authorization`
///   header goes nowhere else;
/// - every status comes back as a response, never as an error;
/// - `https://` only; plain `http://` only to a loopback host (`localhost`, `127.0.0.0/8`,
///   `::1`), when the request's `ApiConfig` points there (the request then carries
///   [`LoopbackHttp`](clerk_moderation_core::LoopbackHttp)) or after
///   [`UreqTransportBuilder::allow_loopback_http`]. Checked on every send, before any DNS
///   lookup or connection;
/// - connect timeout 5 s (DNS, TCP, a proxy and TLS), whole call (body included) 30 s;
/// - response bodies capped at the larger of 1 MiB and what the request allows;
/// - Mozilla's roots (webpki-roots) trusted; add the OS store or your own CA with the builder;
/// - one agent, so connections are kept alive and reused.
///
/// Each failure says whether the request was sent and whether a retry can help
/// ([`TransportError::class`]); a DNS, connect or TLS handshake failure is "not sent".
///
/// This transport uses ureq's stable API only, so any ureq 3.5 or later works with it. ureq
/// looks the host up on every request, before it looks in its pool, and with a timeout set it
/// does so on a thread of its own: about 0.3 ms a request on a busy machine, which shows
/// against an emulator on loopback but not against Clerk (`BENCHMARKS.md`). Where it matters,
/// [`UreqTransportBuilder::build_with_agent`] takes an agent with a resolver of your own
/// (`ureq::Agent::with_parts`, ureq's `unversioned` API, pinned in your crate, not this one).
///
/// **Proxies.** By default the proxy comes from the environment, as ureq reads it: the first of
/// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (or their lower-case forms) that is set, with
/// `NO_PROXY` honoured. Set one with [`UreqTransportBuilder::proxy`], or none with
/// `.proxy(None)`. Plain-HTTP loopback requests never go through a proxy: the secret key would
/// cross the network in the clear.
///
/// ```no_run
/// use clerk_moderation_core::{ApiConfig, UserId};
/// use clerk_moderation_transports::{Client, ureq::UreqTransport};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // CLERK_SECRET_KEY, and CLERK_API_URL (`http://127.0.0.1:…` for an emulator) if set.
/// let client = Client::new(ApiConfig::from_env()?, UreqTransport::new());
/// let user = client.unlock(&UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S")?)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct UreqTransport {
    agent: Agent,
    limits: Limits,
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
            .field("limits", &self.limits)
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
    /// A transport with the safe defaults. It cannot fail: building one with ureq's defaults
    /// reads nothing and checks nothing that can be wrong.
    pub fn new() -> Self {
        // Every step of `build` with the default settings is infallible.
        Self::builder()
            .build()
            .expect("the default ureq transport builds")
    }

    /// A builder, to change the timeouts, the body cap, the proxy or the trusted roots, or to
    /// allow loopback HTTP for every request.
    pub fn builder() -> UreqTransportBuilder {
        UreqTransportBuilder::default()
    }

    /// A transport over an agent you configured yourself, with the default body cap, loopback
    /// HTTP only where the request allows it, and the default timeouts filled in where the
    /// agent has none. See [`UreqTransportBuilder::build_with_agent`].
    pub fn from_agent(agent: Agent) -> Result<Self, TransportError> {
        Self::builder().build_with_agent(agent)
    }

    /// The agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }
}

/// Builds a [`UreqTransport`]. Like every builder of this crate, its `build` methods return a
/// `Result` (see the crate docs), and the setters that read something (a PEM, the OS store)
/// fail where they read it.
#[derive(Debug, Clone, Default)]
pub struct UreqTransportBuilder {
    limits: Limits,
    connection: Connection,
    proxy: ProxySetting,
}

#[derive(Debug, Clone, Default)]
enum ProxySetting {
    #[default]
    FromEnv,
    Set(Option<Proxy>),
}

impl UreqTransportBuilder {
    limits_setters!();
    connection_setters!();

    /// The proxy to use, or `None` for none. Without this call, the proxy comes from the
    /// environment (see [`UreqTransport`]).
    pub fn proxy(mut self, proxy: Option<Proxy>) -> Self {
        self.proxy = ProxySetting::Set(proxy);
        self
    }

    /// Builds the transport and its agent. It does not fail today; it returns a `Result` like
    /// every builder of this crate, so that code moves between adapters by changing one name.
    pub fn build(self) -> Result<UreqTransport, TransportError> {
        let tls = TlsConfig::builder()
            .root_certs(self.connection.trust.ureq_roots())
            .build();
        let mut config = Config::builder()
            .max_redirects(0)
            .http_status_as_error(false)
            // ureq bounds the lookup apart from the connection: both by the connect timeout.
            .timeout_resolve(self.connection.connect_timeout)
            .timeout_connect(self.connection.connect_timeout)
            .timeout_global(self.connection.timeout)
            // ureq only compares an idle connection's age with it: `MAX` is "never too old".
            .max_idle_age(self.connection.pool_idle_timeout.unwrap_or(Duration::MAX))
            .tls_config(tls);
        if let ProxySetting::Set(proxy) = self.proxy {
            config = config.proxy(proxy);
        }
        Ok(UreqTransport {
            agent: Agent::new_with_config(config.build()),
            limits: self.limits,
            filled: FilledTimeouts::default(),
        })
    }

    /// Builds the transport over an agent you configured, keeping this builder's body cap and
    /// loopback setting. The agent's proxy, TLS roots and resolver are its own (the trust
    /// options of this builder do not apply to it).
    ///
    /// **Timeouts are filled, not dropped**: where the agent has no connect timeout or no
    /// whole-call (`timeout_global`) timeout, this builder's (5 s and 30 s unless changed) are
    /// set on every request it sends; the agent's own are kept. To really send without one,
    /// say so here: `.timeout(None)`.
    ///
    /// Refuses ([`TransportErrorKind::Config`]) an agent that follows redirects
    /// (`max_redirects` not 0: a redirect could carry the request elsewhere) or that turns
    /// statuses into errors (`http_status_as_error`: the error body would be lost).
    pub fn build_with_agent(self, agent: Agent) -> Result<UreqTransport, TransportError> {
        let config = agent.config();
        let refuse = |problem: &'static str| {
            Err(TransportError::new(TransportErrorKind::Config).with_detail(problem))
        };
        if config.max_redirects() != 0 {
            return refuse("the agent follows redirects: build it with max_redirects(0)");
        }
        if config.http_status_as_error() {
            return refuse(
                "the agent turns statuses into errors: build it with http_status_as_error(false)",
            );
        }
        let timeouts = config.timeouts();
        let filled = FilledTimeouts {
            connect: timeouts
                .connect
                .is_none()
                .then_some(self.connection.connect_timeout)
                .flatten(),
            global: timeouts
                .global
                .is_none()
                .then_some(self.connection.timeout)
                .flatten(),
        };
        Ok(UreqTransport {
            agent,
            limits: self.limits,
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

    /// The whole-call timeout this transport's requests run under, when it is known.
    fn global_timeout(&self) -> Option<Duration> {
        self.filled.global.or(self.agent.config().timeouts().global)
    }

    /// What a ureq error means. ureq's error is all there is to go by: a failed lookup is an
    /// I/O error that only std's words mark as one, and a TLS error is told apart as a
    /// handshake's by its variant (ureq completes the handshake while connecting).
    fn error(&self, error: ::ureq::Error, cap: BodyCap, secret: &Secret) -> TransportError {
        use ::ureq::Error as E;
        use TransportErrorKind as K;
        let error_of = |kind| TransportError::new(kind);
        let classified = match &error {
            E::Timeout(Timeout::Resolve | Timeout::Connect) => error_of(K::ConnectTimeout),
            E::Timeout(Timeout::Global | Timeout::PerCall) => match self.global_timeout() {
                Some(limit) => {
                    error_of(K::Timeout).with_detail(format!("no full response within {limit:?}"))
                }
                None => error_of(K::Timeout),
            },
            E::Timeout(_) => error_of(K::Timeout),
            E::HostNotFound => error_of(K::Connect).with_detail(UNRESOLVED),
            E::ConnectionFailed => error_of(K::Connect),
            E::ConnectProxyFailed(_) | E::InvalidProxyUrl => {
                error_of(K::Connect).with_detail("the proxy failed")
            }
            E::BadUri(_) | E::Http(_) => error_of(K::InvalidRequest),
            E::RequireHttpsOnly(_) | E::TlsRequired => {
                error_of(K::InsecureScheme).with_detail("the agent requires https")
            }
            E::BodyExceedsLimit(_) => cap.exceeded(),
            E::Tls(_) | E::Pem(_) => error_of(K::Tls),
            E::Rustls(e) => tls_error(e, !only_in_a_handshake(e)),
            E::Protocol(_) | E::LargeResponseHeader(..) => error_of(K::Protocol),
            E::Io(io_error) => match find_in_chain::<rustls::Error>(io_error) {
                Some(e) => tls_error(e, !only_in_a_handshake(e)),
                None if is_lookup_failure(io_error) => error_of(K::Connect).with_detail(UNRESOLVED),
                None => error_of(io_kind(io_error)),
            },
            _ => error_of(K::Other),
        };
        classified.caused_by(error, secret.token())
    }
}

/// The detail of a failed lookup.
const UNRESOLVED: &str = "the host name could not be resolved";

/// Whether an I/O error is a failed host-name lookup, which ureq's resolver passes on as std
/// gave it: with the words std puts on `getaddrinfo`'s failures, or on Windows one of the
/// Winsock lookup codes (`WSAHOST_NOT_FOUND` to `WSANO_DATA`).
fn is_lookup_failure(error: &io::Error) -> bool {
    (cfg!(windows) && matches!(error.raw_os_error(), Some(11001..=11004)))
        || error
            .to_string()
            .starts_with("failed to lookup address information")
}

impl Transport for UreqTransport {
    type Error = TransportError;

    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let Admitted {
            secret,
            destination,
            cap,
        } = self.limits.admit(&request)?;
        let loopback_http = destination == Destination::LoopbackHttp;
        // ureq declares the length of any `Vec` body, `Content-Length: 0` included (as an empty
        // POST should have); a GET without a body goes as one with none.
        let result = if request.body().is_empty() && !carries_body(request.method()) {
            self.run(request.map(|_| ()), loopback_http)
        } else {
            self.run(request, loopback_http)
        };
        let response = result.map_err(|e| self.error(e, cap, &secret))?;
        let (parts, mut body) = response.into_parts();
        // Read up to one byte more than the cap and check the length here: ureq before 3.5.2
        // fails a body of exactly its limit.
        let bytes = body
            .with_config()
            .limit(cap.bytes.saturating_add(1))
            .read_to_vec()
            .map_err(|e| self.error(e, cap, &secret))?;
        if bytes.len() as u64 > cap.bytes {
            return Err(cap.exceeded());
        }
        Ok(Response::from_parts(parts, bytes))
    }

    fn classify(error: &TransportError) -> FailureClass {
        error.class()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_lookup_is_told_by_stds_words() {
        let lookup =
            io::Error::other("failed to lookup address information: Name or service not known");
        assert!(is_lookup_failure(&lookup));
        assert!(!is_lookup_failure(&io::Error::from(
            io::ErrorKind::ConnectionReset
        )));
        let transport = UreqTransport::new();
        let cap = BodyCap::of(&Request::new(()), 1);
        let error = transport.error(::ureq::Error::Io(lookup), cap, &Secret::default());
        assert_eq!(error.kind(), TransportErrorKind::Connect);
        assert!(!error.may_have_been_sent() && error.is_transient());
    }
}
