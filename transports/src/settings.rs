//! What the built-in transports' builders have in common, written once: the settings
//! ([`Limits`], [`Connection`]), their defaults, the setters that every builder exposes (the
//! macros below, so that each builder shows them in its own docs), and what the body cap of one
//! request is ([`BodyCap`]).

#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
use std::time::Duration;

use clerk_moderation_core::ResponseCap;
use http::Request;

use crate::DEFAULT_MAX_BODY_SIZE;
use crate::error::{TransportError, TransportErrorKind};
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
use crate::tls::Trust;
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};

/// What every built-in transport applies to each request itself, whatever it sends with.
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    /// The body cap a request gets at least (see [`BodyCap`]).
    pub(crate) max_body_size: u64,
    /// Plain `http://` to a loopback host, even without the request's mark.
    pub(crate) allow_loopback_http: bool,
}

/// What a request admitted by [`Limits::admit`] goes with.
pub(crate) struct Admitted {
    /// Its bearer token, to keep out of errors.
    pub(crate) secret: crate::error::Secret,
    /// Where it may go.
    #[cfg_attr(not(any(feature = "ureq", feature = "reqwest")), allow(dead_code))]
    pub(crate) destination: crate::scheme::Destination,
    /// Its body cap.
    pub(crate) cap: BodyCap,
}

impl Limits {
    /// What every send starts with, before any I/O: the HTTPS rule, the body cap, and the
    /// secret that errors must not show.
    pub(crate) fn admit<B>(&self, request: &Request<B>) -> Result<Admitted, TransportError> {
        let secret = crate::error::Secret::of(request.headers());
        let destination =
            crate::scheme::check_destination(request, self.allow_loopback_http, &secret)?;
        Ok(Admitted {
            secret,
            destination,
            cap: BodyCap::of(request, self.max_body_size),
        })
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            allow_loopback_http: false,
        }
    }
}

/// How the transports that make their own connections make them.
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) pool_idle_timeout: Option<Duration>,
    pub(crate) trust: Trust,
}

#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
impl Default for Connection {
    fn default() -> Self {
        Self {
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            timeout: Some(DEFAULT_TIMEOUT),
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            trust: Trust::default(),
        }
    }
}

/// How long the pools keep an idle connection by default.
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// `max_body_size` and `allow_loopback_http`, on a builder with a `limits: Limits` field.
macro_rules! limits_setters {
    () => {
        /// The least response-body cap, in bytes; default 1 MiB. Each request's cap is the
        /// larger of this and what the request itself allows
        /// ([`ResponseCap`](clerk_moderation_core::ResponseCap): the core sizes it for the
        /// users the answer may hold, 64 KiB each), so a page of 500 users passes while a
        /// runaway body is cut. A larger body fails with
        /// [`TransportErrorKind::BodyTooLarge`](crate::TransportErrorKind::BodyTooLarge),
        /// whose message says which cap applied.
        pub fn max_body_size(mut self, bytes: u64) -> Self {
            self.limits.max_body_size = bytes;
            self
        }

        /// Allows plain `http://` to loopback hosts (`localhost`, `127.0.0.0/8`, `::1`) for
        /// every request, for tests that build requests by hand. Not needed for an emulator:
        /// a request built from an `ApiConfig` whose base URL is a loopback `http://` URL
        /// carries [`LoopbackHttp`](clerk_moderation_core::LoopbackHttp) and goes without it.
        /// Plain HTTP to any other host stays refused, before any DNS lookup or connection.
        /// Default off.
        pub fn allow_loopback_http(mut self, allow: bool) -> Self {
            self.limits.allow_loopback_http = allow;
            self
        }
    };
}
pub(crate) use limits_setters;

/// The timeouts and the trusted roots, on a builder with a `connection: Connection` field.
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
macro_rules! connection_setters {
    () => {
        /// The connect timeout: DNS, TCP, a proxy and the TLS handshake; `None` for none.
        /// Default 5 s. For the connections this builder makes (not for an agent, client or
        /// connector you bring).
        pub fn connect_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.connection.connect_timeout = timeout;
            self
        }

        /// The whole-call timeout, connecting and the response body included; `None` for none.
        /// Default 30 s.
        pub fn timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.connection.timeout = timeout;
            self
        }

        /// Also trusts the root certificates in `pem` (one or more `BEGIN CERTIFICATE`
        /// blocks): a private CA, or a TLS-inspecting corporate proxy's. Read now; fails
        /// ([`TransportErrorKind::Config`](crate::TransportErrorKind::Config)) if the PEM holds
        /// no certificate or one that does not parse. Every timeout stays as set.
        pub fn add_root_certificates_pem(
            mut self,
            pem: impl AsRef<[u8]>,
        ) -> Result<Self, crate::TransportError> {
            self.connection.trust.add_pem(pem.as_ref())?;
            Ok(self)
        }

        /// Also trusts the operating system's root certificates (read now with
        /// `rustls-native-certs`: the system bundle on Linux, the keychain on macOS, the
        /// Windows store). Fails ([`TransportErrorKind::Config`](crate::TransportErrorKind::Config))
        /// if the store gives no certificate.
        pub fn add_os_root_certificates(mut self) -> Result<Self, crate::TransportError> {
            self.connection.trust.add_os_store()?;
            Ok(self)
        }

        /// Whether Mozilla's roots (webpki-roots, compiled in) are trusted. Default on; turn it
        /// off to trust only the roots added with the methods above.
        pub fn mozilla_roots(mut self, trust: bool) -> Self {
            self.connection.trust.mozilla = trust;
            self
        }

        /// How long an idle pooled connection is kept (by the agent or client this builder
        /// makes); `None` to keep it until the server closes it. Default 30 s.
        pub fn pool_idle_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.connection.pool_idle_timeout = timeout;
            self
        }
    };
}
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
pub(crate) use connection_setters;

/// The most response-body bytes one request may read: the larger of the builder's
/// `max_body_size` and the request's own [`ResponseCap`], and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BodyCap {
    pub(crate) bytes: u64,
    /// The users the request's cap was sized for, when it is the request's cap that applies.
    sized_for_users: Option<u32>,
}

impl BodyCap {
    /// The cap of `request` under a builder whose `max_body_size` is `max_body_size`.
    pub(crate) fn of<B>(request: &Request<B>, max_body_size: u64) -> Self {
        match ResponseCap::of(request) {
            Some(cap) if cap.bytes() > max_body_size => Self {
                bytes: cap.bytes(),
                sized_for_users: Some(cap.users()),
            },
            _ => Self {
                bytes: max_body_size,
                sized_for_users: None,
            },
        }
    }

    /// The cap as a `usize`, for the readers that count in one (saturating on 32-bit targets).
    #[cfg(any(feature = "hyper", feature = "reqwest", feature = "tower"))]
    pub(crate) fn bytes_usize(self) -> usize {
        usize::try_from(self.bytes).unwrap_or(usize::MAX)
    }

    /// The error for a body over this cap: which cap it was, and how to raise it.
    pub(crate) fn exceeded(self) -> TransportError {
        let detail = match self.sized_for_users {
            Some(users) => format!(
                "more than {} bytes, the cap for an answer of up to {users} user{} (a larger \
                 max_body_size on the transport's builder raises it)",
                self.bytes,
                if users == 1 { "" } else { "s" }
            ),
            None => format!(
                "more than {} bytes, the transport's max_body_size (a larger one on its builder \
                 raises it)",
                self.bytes
            ),
        };
        TransportError::new(TransportErrorKind::BodyTooLarge).with_detail(detail)
    }
}

/// Why a response body could not be read whole.
#[cfg(any(feature = "hyper", feature = "reqwest", feature = "tower"))]
pub(crate) enum ReadError {
    /// It is over the cap.
    TooLarge,
    /// The body failed (a reset, a timeout of a layer, a malformed chunk).
    Body(crate::error::BoxError),
}

#[cfg(any(feature = "hyper", feature = "reqwest", feature = "tower"))]
impl ReadError {
    /// The transport error: the cap's, or what `classify` makes of the body's failure (words
    /// about this level only; the failure itself becomes the source, scrubbed of `secret`).
    pub(crate) fn into_error(
        self,
        cap: BodyCap,
        secret: &crate::error::Secret,
        classify: impl FnOnce(&(dyn std::error::Error + 'static)) -> TransportError,
    ) -> TransportError {
        match self {
            Self::TooLarge => cap.exceeded(),
            Self::Body(error) => classify(&*error)
                .with_detail("reading the body")
                .caused_by(error, secret.token()),
        }
    }
}

/// Runs `call` within the whole-call timeout `limit` (on tokio's timer), if there is one.
#[cfg(any(feature = "hyper", feature = "reqwest"))]
pub(crate) async fn within<T>(
    limit: Option<Duration>,
    call: impl std::future::Future<Output = Result<T, TransportError>>,
) -> Result<T, TransportError> {
    let Some(limit) = limit else {
        return call.await;
    };
    tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
        Err(TransportError::new(TransportErrorKind::Timeout)
            .with_detail(format!("no full response within {limit:?}")))
    })
}

/// Reads an `http_body` body whole, refusing it as soon as it is known to be over `cap`: from
/// its declared length before reading anything, or as the bytes come in. Never buffers more
/// than the cap.
#[cfg(any(feature = "hyper", feature = "reqwest", feature = "tower"))]
pub(crate) async fn read_body<B>(body: B, cap: BodyCap) -> Result<Vec<u8>, ReadError>
where
    B: http_body::Body,
    B::Error: Into<crate::error::BoxError>,
{
    use http_body_util::{BodyExt, LengthLimitError, Limited};

    if body.size_hint().lower() > cap.bytes {
        return Err(ReadError::TooLarge);
    }
    match Limited::new(body, cap.bytes_usize()).collect().await {
        // `Vec::from(Bytes)` takes the buffer over without a copy when it is the only owner.
        Ok(collected) => Ok(Vec::from(collected.to_bytes())),
        Err(error) if error.is::<LengthLimitError>() => Err(ReadError::TooLarge),
        Err(error) => Err(ReadError::Body(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_with(cap: Option<ResponseCap>) -> Request<()> {
        let mut request = Request::new(());
        if let Some(cap) = cap {
            request.extensions_mut().insert(cap);
        }
        request
    }

    #[test]
    fn the_larger_cap_applies_and_the_message_says_which() {
        let hundred = ResponseCap::for_users(100);
        let cap = BodyCap::of(&request_with(Some(hundred)), DEFAULT_MAX_BODY_SIZE);
        assert_eq!(cap.bytes, hundred.bytes());
        let shown = cap.exceeded().to_string();
        assert!(
            shown.contains(&hundred.bytes().to_string()) && shown.contains("100 users"),
            "{shown}"
        );
        assert!(shown.contains("max_body_size"), "{shown}");

        // The builder's is larger than a one-user answer's.
        let one = BodyCap::of(&request_with(Some(ResponseCap::for_users(1))), 1 << 20);
        assert_eq!(one.bytes, 1 << 20);
        let shown = one.exceeded().to_string();
        assert!(
            shown.contains("1048576") && !shown.contains("user"),
            "{shown}"
        );

        // A request the core did not build has the builder's.
        assert_eq!(BodyCap::of(&request_with(None), 10).bytes, 10);
        assert!(
            BodyCap::of(&request_with(Some(ResponseCap::for_users(1))), 0)
                .exceeded()
                .to_string()
                .contains("up to 1 user ")
        );
    }
}
