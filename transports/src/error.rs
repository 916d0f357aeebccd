//! [`TransportError`]: the one error type of the built-in transports, with the one rule table
//! that says what each kind of failure means ([`FailureClass`]).

#![cfg_attr(
    not(any(
        feature = "ureq",
        feature = "hyper",
        feature = "reqwest",
        feature = "tower"
    )),
    allow(dead_code)
)]

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use clerk_moderation_core::error::shows_secret;
use clerk_moderation_core::{Delivery, FailureClass};

/// What went wrong when no response came back. Every built-in transport reports one of these
/// through [`TransportError::kind`], and the same fault gives the same kind in every one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Plain `http://` to a host that is not loopback, or to a loopback host that neither the
    /// request ([`LoopbackHttp`](clerk_moderation_core::LoopbackHttp)) nor the builder
    /// (`allow_loopback_http(true)`) allowed, or a scheme other than `http`/`https`. Refused
    /// before any connection or DNS lookup.
    InsecureScheme,
    /// The request cannot be sent as it is (no host, say). Nothing was sent.
    InvalidRequest,
    /// The transport is configured in a way this crate refuses (an agent that follows
    /// redirects, a certificate that does not parse, say).
    Config,
    /// No connection: refused, unreachable, DNS failure, proxy failure.
    Connect,
    /// Connecting (DNS, TCP, the TLS handshake) took longer than the connect timeout.
    ConnectTimeout,
    /// TLS failed: in the handshake (see [`TlsFailure`] for which way), or, rarely, on an
    /// established connection.
    Tls,
    /// The whole call took longer than its timeout.
    Timeout,
    /// The response body is larger than its cap.
    BodyTooLarge,
    /// The server's response is not valid HTTP.
    Protocol,
    /// A client you built followed a redirect (reqwest's default policy), so the response is
    /// not the requested URL's: refused once seen. Build the client without redirects.
    RedirectFollowed,
    /// An I/O error on an established connection (a reset, an early close).
    Io,
    /// Anything else.
    Other,
}

impl TransportErrorKind {
    /// What happened, in a few words: the start of the error's `Display`.
    fn headline(self) -> &'static str {
        match self {
            Self::InsecureScheme => "refused an insecure URL",
            Self::InvalidRequest => "invalid request",
            Self::Config => "refused transport configuration",
            Self::Connect => "could not connect",
            Self::ConnectTimeout => "connecting timed out",
            Self::Tls => "TLS handshake failed",
            Self::Timeout => "timed out",
            Self::BodyTooLarge => "response body too large",
            Self::Protocol => "invalid HTTP response",
            Self::RedirectFollowed => "the client followed a redirect",
            Self::Io => "the connection failed during the exchange",
            Self::Other => "transport error",
        }
    }
}

/// Which way a TLS handshake failed ([`TransportError::tls_failure`]): none of them passes on a
/// retry, and each has its own remedy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate chains to no trusted root: a private CA, or a TLS-inspecting
    /// proxy. Trust its CA with `add_root_certificates_pem` or `add_os_root_certificates`.
    UnknownIssuer,
    /// The server's certificate has expired, or is not valid yet (or this machine's clock is
    /// wrong).
    Expired,
    /// The server's certificate is for another host name.
    WrongName,
    /// The server's certificate is not acceptable otherwise (revoked, a bad signature, an
    /// unsupported algorithm, not for server authentication).
    BadCertificate,
    /// The server did not answer in TLS at all: most often a plain-HTTP port behind an
    /// `https://` URL.
    NotTls,
    /// The server speaks TLS, but no protocol version or cipher suite is common to both sides,
    /// or it broke the protocol.
    Protocol,
    /// Something else.
    Other,
}

impl TlsFailure {
    /// What it means, for the error's `Display`.
    fn describe(self) -> &'static str {
        match self {
            Self::UnknownIssuer => {
                "the server's certificate is not trusted: unknown issuer (trust its CA with \
                 add_root_certificates_pem or add_os_root_certificates)"
            }
            Self::Expired => {
                "the server's certificate is not trusted: expired or not yet valid (or this \
                 machine's clock is wrong)"
            }
            Self::WrongName => {
                "the server's certificate is not trusted: it is for another host name"
            }
            Self::BadCertificate => "the server's certificate is not acceptable",
            Self::NotTls => {
                "the server did not answer in TLS (a plain-HTTP port behind an https:// URL?)"
            }
            Self::Protocol => "no TLS version or cipher suite in common, or a protocol error",
            Self::Other => "",
        }
    }
}

/// The rule table every built-in transport shares: what a failure of `kind` means.
/// `established` only matters for [`TransportErrorKind::Tls`].
///
/// Not sent and permanent: refused before connecting. Not sent and transient: no connection
/// (DNS, refused, unreachable, connect timeout). A TLS handshake failure was not sent and will
/// repeat. A timeout or a broken connection after sending may have been sent, and may pass on a
/// retry. A body over the cap, a malformed response or a followed redirect came from a server
/// that got the request, and will come again.
pub(crate) fn failure_class(kind: TransportErrorKind, established: bool) -> FailureClass {
    use Delivery::{MaybeSent, NotSent, Sent};
    use TransportErrorKind as K;
    match kind {
        K::InsecureScheme | K::InvalidRequest | K::Config => FailureClass::new(NotSent, false),
        K::Connect | K::ConnectTimeout => FailureClass::new(NotSent, true),
        K::Tls if established => FailureClass::new(MaybeSent, true),
        K::Tls => FailureClass::new(NotSent, false),
        K::Timeout | K::Io | K::Other => FailureClass::new(MaybeSent, true),
        K::BodyTooLarge | K::Protocol | K::RedirectFollowed => FailureClass::new(Sent, false),
    }
}

/// A boxed underlying error.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a built-in transport got no response: what happened ([`kind`](Self::kind)), what that
/// means ([`class`](Self::class): whether the request went out, whether a retry can help), and
/// the underlying library's error as its [`source`](StdError::source).
///
/// Its `Display` says what happened at this level, once (`connecting timed out after 5s`,
/// `TLS handshake failed: the server's certificate is not trusted: unknown issuer (…)`), and
/// leaves the cause to `source()`. Whether the request was sent is [`class`](Self::class)'s to
/// say, and the layers above (a run's outcome, a client's error) say it in words.
///
/// It holds neither the request nor its headers, and an underlying error whose text
/// (`Display` or `Debug`, through its whole `source()` chain) would show the secret key is
/// replaced by a stand-in, so it never shows the key.
pub struct TransportError {
    kind: TransportErrorKind,
    class: FailureClass,
    tls: Option<TlsFailure>,
    established: bool,
    /// This crate's own words about this level (a cap, a setting, a host); never an underlying
    /// error's text, which `source` carries.
    detail: Cow<'static, str>,
    source: Option<BoxError>,
}

impl TransportError {
    /// An error of `kind` with no detail and no source; a TLS one is taken as the handshake's.
    pub(crate) fn new(kind: TransportErrorKind) -> Self {
        Self {
            kind,
            class: failure_class(kind, false),
            tls: None,
            established: false,
            detail: Cow::Borrowed(""),
            source: None,
        }
    }

    /// With this crate's words about what happened.
    pub(crate) fn with_detail(mut self, detail: impl Into<Cow<'static, str>>) -> Self {
        self.detail = detail.into();
        self
    }

    /// With the underlying error, replaced by a stand-in if its text shows `secret` (the bearer
    /// token of the request that failed).
    pub(crate) fn caused_by(mut self, source: impl Into<BoxError>, secret: Option<&[u8]>) -> Self {
        let source = source.into();
        self.source = match secret {
            Some(secret) if shows_secret(&*source, secret) => Some(Box::new(Withheld)),
            _ => Some(source),
        };
        self
    }

    /// A failure on an established connection rather than before anything was written: for
    /// TLS, that makes it "may have been sent, transient".
    #[cfg_attr(
        not(any(feature = "ureq", feature = "hyper", feature = "reqwest")),
        allow(dead_code)
    )]
    pub(crate) fn established(mut self) -> Self {
        self.established = true;
        self.class = failure_class(self.kind, true);
        self
    }

    /// With the way the TLS handshake failed.
    #[cfg_attr(
        not(any(feature = "ureq", feature = "hyper", feature = "reqwest")),
        allow(dead_code)
    )]
    pub(crate) fn with_tls_failure(mut self, failure: TlsFailure) -> Self {
        self.tls = Some(failure);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// What the failure means: whether the request reached the server, and whether a retry can
    /// help. The same fault gives the same class in every built-in transport; see the crate
    /// docs for the table.
    pub fn class(&self) -> FailureClass {
        self.class
    }

    /// Which way the TLS handshake failed, when it did.
    pub fn tls_failure(&self) -> Option<TlsFailure> {
        self.tls
    }

    /// Whether a retry of the same request can succeed (a reset, a timeout, a refused
    /// connection), as opposed to a failure that will repeat (a refused URL, a certificate
    /// error, a body over the cap, a malformed response).
    pub fn is_transient(&self) -> bool {
        self.class.is_transient()
    }

    /// Whether the request may have reached the server. `false` means it certainly did not
    /// (refused before connecting, DNS, connect or TLS handshake failure): sending it again
    /// cannot apply it twice. `true` means it may have (a timeout or a reset after the request
    /// went out) or did (a body too large, a malformed response).
    pub fn may_have_been_sent(&self) -> bool {
        !self.class.was_not_sent()
    }

    /// A timeout (connecting, or the whole call).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Timeout | TransportErrorKind::ConnectTimeout
        )
    }

    /// No connection could be made.
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }

    /// TLS failed.
    pub fn is_tls(&self) -> bool {
        self.kind == TransportErrorKind::Tls
    }

    /// The response body was larger than its cap.
    pub fn is_body_too_large(&self) -> bool {
        self.kind == TransportErrorKind::BodyTooLarge
    }

    /// Plain HTTP refused (not loopback, or loopback HTTP not allowed).
    pub fn is_insecure_scheme(&self) -> bool {
        self.kind == TransportErrorKind::InsecureScheme
    }

    /// The request could not be sent as it was.
    pub fn is_invalid_request(&self) -> bool {
        self.kind == TransportErrorKind::InvalidRequest
    }

    /// The transport's configuration was refused.
    pub fn is_config(&self) -> bool {
        self.kind == TransportErrorKind::Config
    }

    /// An I/O error or an invalid response on an established connection.
    pub fn is_io(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Io | TransportErrorKind::Protocol
        )
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == TransportErrorKind::Tls && self.established {
            f.write_str("TLS failed on an established connection")?;
        } else {
            f.write_str(self.kind.headline())?;
        }
        let tls = self.tls.map_or("", TlsFailure::describe);
        for words in [tls, &*self.detail] {
            if !words.is_empty() {
                write!(f, ": {words}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("class", &self.class)
            .field("tls", &self.tls)
            .field("detail", &self.detail)
            .field("source", &self.source)
            .finish()
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Stands in for an underlying error whose text showed the secret key.
#[derive(Debug)]
struct Withheld;

impl fmt::Display for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("underlying error withheld: its text showed the secret key")
    }
}

impl StdError for Withheld {}

/// The token in a request's `Authorization` header (what follows `Bearer `), kept while the
/// request is in flight so that errors can be scrubbed of it. A reference-counted clone of the
/// header value, not a copy of the secret.
#[derive(Clone, Debug, Default)]
pub(crate) struct Secret(Option<http::HeaderValue>);

impl Secret {
    /// The secret of `headers`.
    pub(crate) fn of(headers: &http::HeaderMap) -> Self {
        Self(headers.get(http::header::AUTHORIZATION).cloned())
    }

    /// The token's bytes, if there is one.
    pub(crate) fn token(&self) -> Option<&[u8]> {
        let value = self.0.as_ref()?.as_bytes();
        let token = value.strip_prefix(b"Bearer ").unwrap_or(value);
        (!token.is_empty()).then_some(token)
    }
}

/// Walks an error chain, looking inside `io::Error`s too (whose `source()` skips the error they
/// wrap), and returns the first `T` found.
pub(crate) fn find_in_chain<'a, T: StdError + 'static>(
    error: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    let mut next = Some(error);
    // Far past any real chain; a bound all the same.
    for _ in 0..32 {
        let error = next?;
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && let Some(found) = find_in_chain::<T>(inner)
        {
            return Some(found);
        }
        next = error.source();
    }
    None
}

/// The kind of an I/O error, by its `ErrorKind` alone.
pub(crate) fn io_kind(error: &std::io::Error) -> TransportErrorKind {
    use std::io::ErrorKind as K;
    match error.kind() {
        K::ConnectionRefused | K::AddrNotAvailable | K::NetworkUnreachable | K::HostUnreachable => {
            TransportErrorKind::Connect
        }
        K::TimedOut | K::WouldBlock => TransportErrorKind::Timeout,
        K::InvalidData => TransportErrorKind::Protocol,
        _ => TransportErrorKind::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Leaky(String);

    impl fmt::Display for Leaky {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "request failed: authorization: Bearer {}", self.0)
        }
    }

    impl StdError for Leaky {}

    #[test]
    fn an_underlying_error_that_shows_the_key_is_withheld() {
        let error = TransportError::new(TransportErrorKind::Io)
            .caused_by(Leaky("sk_test_leaky".into()), Some(b"sk_test_leaky"));
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("sk_"), "{shown}");
        let source = error.source().unwrap();
        assert!(source.to_string().contains("withheld"), "{source}");
        assert!(!format!("{source} {source:?}").contains("sk_"));
    }

    #[test]
    fn an_innocent_error_is_kept() {
        let error = TransportError::new(TransportErrorKind::Io)
            .caused_by(Leaky("nothing".into()), Some(b"sk_test_x"));
        assert!(error.source().unwrap().to_string().contains("nothing"));
    }

    #[test]
    fn the_rule_table() {
        use Delivery::{MaybeSent, NotSent, Sent};
        use TransportErrorKind as K;
        let rows = [
            (K::InsecureScheme, false, NotSent, false),
            (K::InvalidRequest, false, NotSent, false),
            (K::Config, false, NotSent, false),
            (K::Connect, false, NotSent, true),
            (K::ConnectTimeout, false, NotSent, true),
            (K::Tls, false, NotSent, false),
            (K::Tls, true, MaybeSent, true),
            (K::Timeout, false, MaybeSent, true),
            (K::Io, false, MaybeSent, true),
            (K::Other, false, MaybeSent, true),
            (K::BodyTooLarge, false, Sent, false),
            (K::Protocol, false, Sent, false),
            (K::RedirectFollowed, false, Sent, false),
        ];
        for (kind, established, delivery, transient) in rows {
            assert_eq!(
                failure_class(kind, established),
                FailureClass::new(delivery, transient),
                "{kind:?} established {established}"
            );
        }
        // Outside TLS, the stage does not matter.
        assert_eq!(
            TransportError::new(K::Io).established().class(),
            TransportError::new(K::Io).class()
        );
    }

    #[test]
    fn display_says_what_happened_once_and_leaves_the_cause_to_source() {
        let error = TransportError::new(TransportErrorKind::ConnectTimeout)
            .with_detail("after 5s")
            .caused_by(Leaky("nothing".into()), None);
        assert_eq!(error.to_string(), "connecting timed out: after 5s");
        let error = TransportError::new(TransportErrorKind::Connect);
        assert_eq!(error.to_string(), "could not connect");
        let error =
            TransportError::new(TransportErrorKind::Tls).with_tls_failure(TlsFailure::WrongName);
        assert_eq!(
            error.to_string(),
            "TLS handshake failed: the server's certificate is not trusted: it is for another \
             host name"
        );
        let error = TransportError::new(TransportErrorKind::Tls).established();
        assert_eq!(error.to_string(), "TLS failed on an established connection");
    }

    #[test]
    fn no_message_says_whether_it_was_sent_or_suggests_a_retry() {
        // That is `class()`'s to say, and the layers above say it once.
        use TransportErrorKind as K;
        for kind in [
            K::InsecureScheme,
            K::InvalidRequest,
            K::Config,
            K::Connect,
            K::ConnectTimeout,
            K::Tls,
            K::Timeout,
            K::BodyTooLarge,
            K::Protocol,
            K::RedirectFollowed,
            K::Io,
            K::Other,
        ] {
            let shown = TransportError::new(kind).to_string();
            assert!(
                !shown.contains("sent") && !shown.contains("again"),
                "{shown}"
            );
        }
    }
}
