//! What the built-in transports' errors share: [`TransportErrorKind`], the one rule table that
//! says what each kind of failure means ([`FailureClass`]), and the secret scrubbing.

#![cfg_attr(
    not(any(feature = "ureq", feature = "hyper", feature = "reqwest")),
    allow(dead_code)
)]

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use clerk_moderation_core::{Delivery, FailureClass};

/// What went wrong when no response came back. Each built-in adapter has its own error type
/// (`ureq::UreqError`, `hyper::HyperError`, `reqwest::ReqwestError`); all report one of these,
/// and the same fault gives the same kind in every adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Plain `http://` to a host that is not loopback, or loopback without the opt-in, or a
    /// scheme other than `http`/`https`. Refused before any connection or DNS lookup.
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
    /// TLS failed: in the handshake (a certificate from an unknown CA, a server that does not
    /// speak TLS, no common protocol version), or, rarely, on an established connection.
    Tls,
    /// The whole call took longer than its timeout.
    Timeout,
    /// The response body is larger than the configured cap.
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
    fn describe(self) -> &'static str {
        match self {
            Self::InsecureScheme => "refused an insecure URL",
            Self::InvalidRequest => "invalid request",
            Self::Config => "refused transport configuration",
            Self::Connect => "could not connect",
            Self::ConnectTimeout => "connecting timed out",
            Self::Tls => "TLS failed",
            Self::Timeout => "timed out",
            Self::BodyTooLarge => "response body too large",
            Self::Protocol => "invalid HTTP response",
            Self::RedirectFollowed => "the client followed a redirect",
            Self::Io => "connection failed during the exchange",
            Self::Other => "transport error",
        }
    }
}

/// When a TLS failure happened, which decides whether the request can have gone out: nothing
/// is written before the handshake completes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsStage {
    /// During the handshake: a certificate error, a server that does not speak TLS, no common
    /// protocol version. Nothing was sent, and the same server will fail the same way.
    Handshake,
    /// On an established connection (a bad record, say): the request may have been sent.
    Established,
}

/// The rule table every built-in transport shares: what a failure of `kind` means. `tls` only
/// matters for [`TransportErrorKind::Tls`].
///
/// Not sent and permanent: refused before connecting. Not sent and transient: no connection
/// (DNS, refused, unreachable, connect timeout). A TLS handshake failure was not sent and will
/// repeat. A timeout or a broken connection after sending may have been sent, and may pass on a
/// retry. A body over the cap, a malformed response or a followed redirect came from a server
/// that got the request, and will come again.
pub(crate) fn failure_class(kind: TransportErrorKind, tls: TlsStage) -> FailureClass {
    use Delivery::{MaybeSent, NotSent, Sent};
    use TransportErrorKind as K;
    match kind {
        K::InsecureScheme | K::InvalidRequest | K::Config => FailureClass::new(NotSent, false),
        K::Connect | K::ConnectTimeout => FailureClass::new(NotSent, true),
        K::Tls => match tls {
            TlsStage::Handshake => FailureClass::new(NotSent, false),
            TlsStage::Established => FailureClass::new(MaybeSent, true),
        },
        K::Timeout | K::Io | K::Other => FailureClass::new(MaybeSent, true),
        K::BodyTooLarge | K::Protocol | K::RedirectFollowed => FailureClass::new(Sent, false),
    }
}

/// A boxed underlying error.
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The body of every adapter error. Never holds the request or its headers.
pub(crate) struct ErrorRepr {
    pub(crate) kind: TransportErrorKind,
    pub(crate) class: FailureClass,
    /// This crate's own words about this level (a cap, a setting); never an underlying error's
    /// text, which `source` carries.
    pub(crate) detail: Cow<'static, str>,
    pub(crate) source: Option<BoxError>,
}

impl ErrorRepr {
    /// An error; a TLS error is taken as the handshake's (see [`Self::tls_established`]).
    /// `source` is dropped for a stand-in if its text mentions `secret` (the bearer token of the
    /// request that failed), so the key cannot leak through an underlying library's message.
    pub(crate) fn new(
        kind: TransportErrorKind,
        detail: impl Into<Cow<'static, str>>,
        source: Option<BoxError>,
        secret: Option<&[u8]>,
    ) -> Self {
        Self::staged(kind, TlsStage::Handshake, detail, source, secret)
    }

    /// An error of `kind`, with the TLS stage it happened at.
    pub(crate) fn staged(
        kind: TransportErrorKind,
        tls: TlsStage,
        detail: impl Into<Cow<'static, str>>,
        source: Option<BoxError>,
        secret: Option<&[u8]>,
    ) -> Self {
        let source = match (source, secret) {
            (Some(source), Some(secret)) if mentions(&*source, secret) => {
                Some(Box::new(Withheld) as BoxError)
            }
            (source, _) => source,
        };
        let mut detail: Cow<'static, str> = detail.into();
        if let Some(secret) = secret {
            if contains(detail.as_bytes(), secret) {
                detail = Cow::Borrowed("details withheld: they mentioned the secret key");
            }
        }
        Self {
            kind,
            class: failure_class(kind, tls),
            detail,
            source,
        }
    }

    pub(crate) fn fmt_display(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        f.write_str(match self.class.delivery() {
            Delivery::NotSent => " (the request was not sent)",
            Delivery::Sent => " (the request was sent)",
            _ => " (the request may have been sent)",
        })
    }

    pub(crate) fn fmt_debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("kind", &self.kind)
            .field("class", &self.class)
            .field("detail", &self.detail)
            .field("source", &self.source)
            .finish()
    }
}

/// Whether the error, or any error in its chain, shows `secret` in its `Display` or `Debug`.
fn mentions(error: &(dyn StdError + 'static), secret: &[u8]) -> bool {
    if secret.is_empty() {
        return false;
    }
    let mut next = Some(error);
    let mut depth = 0;
    while let Some(error) = next {
        if contains(error.to_string().as_bytes(), secret)
            || contains(format!("{error:?}").as_bytes(), secret)
        {
            return true;
        }
        depth += 1;
        if depth > 16 {
            break;
        }
        next = error.source();
    }
    false
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Stands in for an underlying error whose text mentioned the secret key.
#[derive(Debug)]
struct Withheld;

impl fmt::Display for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("underlying error withheld: its text mentioned the secret key")
    }
}

impl StdError for Withheld {}

/// A request's `Authorization` header, kept while the request is in flight so that errors can
/// be scrubbed of its token. A reference-counted clone, not a copy of the secret.
pub(crate) fn authorization(headers: &http::HeaderMap) -> Option<http::HeaderValue> {
    headers.get(http::header::AUTHORIZATION).cloned()
}

/// The token in an `Authorization` value (what follows `Bearer `), to keep out of errors.
pub(crate) fn bearer_token(authorization: &http::HeaderValue) -> Option<&[u8]> {
    let value = authorization.as_bytes();
    let token = value.strip_prefix(b"Bearer ").unwrap_or(value);
    (!token.is_empty()).then_some(token)
}

/// Walks an error chain, looking inside `io::Error`s too (whose `source()` skips the error they
/// wrap), and returns the first `T` found.
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
pub(crate) fn find_in_chain<'a, T: StdError + 'static>(
    error: &'a (dyn StdError + 'static),
) -> Option<&'a T> {
    let mut next = Some(error);
    let mut depth = 0;
    while let Some(error) = next {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(found) = find_in_chain::<T>(inner) {
                    return Some(found);
                }
            }
        }
        depth += 1;
        if depth > 16 {
            return None;
        }
        next = error.source();
    }
    None
}

/// The kind of a failure on an established connection, for the adapters built on hyper.
#[cfg(any(feature = "hyper", feature = "reqwest"))]
pub(crate) fn exchange_kind(error: &(dyn StdError + 'static)) -> TransportErrorKind {
    if find_in_chain::<rustls::Error>(error).is_some() {
        return TransportErrorKind::Tls;
    }
    match find_in_chain::<::hyper::Error>(error) {
        Some(hyper) if hyper.is_parse() || hyper.is_parse_status() => TransportErrorKind::Protocol,
        Some(hyper) if hyper.is_timeout() => TransportErrorKind::Timeout,
        Some(_) => TransportErrorKind::Io,
        None => TransportErrorKind::Other,
    }
}

/// Defines an adapter's error type over [`ErrorRepr`].
#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
macro_rules! transport_error {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        pub struct $name(pub(crate) $crate::error::ErrorRepr);

        impl $name {
            /// What went wrong.
            pub fn kind(&self) -> $crate::TransportErrorKind {
                self.0.kind
            }

            /// What the failure means: whether the request reached the server, and whether a
            /// retry can help. The same fault gives the same class in every built-in adapter;
            /// see the crate docs for the table.
            pub fn class(&self) -> ::clerk_moderation_core::FailureClass {
                self.0.class
            }

            /// Whether a retry of the same request can succeed (a reset, a timeout, a refused
            /// connection), as opposed to a failure that will repeat (a refused URL, a
            /// certificate error, a body over the cap, a malformed response).
            pub fn is_transient(&self) -> bool {
                self.0.class.is_transient()
            }

            /// Whether the request may have reached the server. `false` means it certainly did
            /// not (refused before connecting, DNS, connect or TLS handshake failure): sending
            /// it again cannot apply it twice. `true` means it may have (a timeout or a reset
            /// after the request went out) or did (a body too large, a malformed response).
            pub fn may_have_been_sent(&self) -> bool {
                !self.0.class.was_not_sent()
            }

            /// A timeout (connecting, or the whole call).
            pub fn is_timeout(&self) -> bool {
                matches!(
                    self.0.kind,
                    $crate::TransportErrorKind::Timeout | $crate::TransportErrorKind::ConnectTimeout
                )
            }

            /// No connection could be made.
            pub fn is_connect(&self) -> bool {
                self.0.kind == $crate::TransportErrorKind::Connect
            }

            /// TLS failed.
            pub fn is_tls(&self) -> bool {
                self.0.kind == $crate::TransportErrorKind::Tls
            }

            /// The response body was larger than the cap.
            pub fn is_body_too_large(&self) -> bool {
                self.0.kind == $crate::TransportErrorKind::BodyTooLarge
            }

            /// Plain HTTP refused (not loopback, or loopback HTTP not switched on).
            pub fn is_insecure_scheme(&self) -> bool {
                self.0.kind == $crate::TransportErrorKind::InsecureScheme
            }

            /// The request could not be sent as it was.
            pub fn is_invalid_request(&self) -> bool {
                self.0.kind == $crate::TransportErrorKind::InvalidRequest
            }

            /// The transport's configuration was refused.
            pub fn is_config(&self) -> bool {
                self.0.kind == $crate::TransportErrorKind::Config
            }

            /// An I/O error or an invalid response on an established connection.
            pub fn is_io(&self) -> bool {
                matches!(
                    self.0.kind,
                    $crate::TransportErrorKind::Io | $crate::TransportErrorKind::Protocol
                )
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt_display(f)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt_debug(stringify!($name), f)
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                self.0
                    .source
                    .as_deref()
                    .map(|e| e as &(dyn ::std::error::Error + 'static))
            }
        }
    };
}

#[cfg(any(feature = "ureq", feature = "hyper", feature = "reqwest"))]
pub(crate) use transport_error;

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
        let secret = b"sk_test_leaky".as_slice();
        let repr = ErrorRepr::new(
            TransportErrorKind::Io,
            "got Bearer sk_test_leaky back",
            Some(Box::new(Leaky("sk_test_leaky".into()))),
            Some(secret),
        );
        let mut shown = String::new();
        {
            use fmt::Write as _;
            struct Display<'a>(&'a ErrorRepr);
            impl fmt::Display for Display<'_> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    self.0.fmt_display(f)?;
                    self.0.fmt_debug("E", f)
                }
            }
            write!(shown, "{}", Display(&repr)).unwrap();
        }
        assert!(!shown.contains("sk_"), "{shown}");
        assert!(shown.contains("withheld"), "{shown}");
        assert!(!format!("{:?}", repr.source).contains("sk_"));
    }

    #[test]
    fn the_rule_table() {
        use Delivery::{MaybeSent, NotSent, Sent};
        use TransportErrorKind as K;
        let handshake = TlsStage::Handshake;
        let rows = [
            (K::InsecureScheme, handshake, NotSent, false),
            (K::InvalidRequest, handshake, NotSent, false),
            (K::Config, handshake, NotSent, false),
            (K::Connect, handshake, NotSent, true),
            (K::ConnectTimeout, handshake, NotSent, true),
            (K::Tls, handshake, NotSent, false),
            (K::Tls, TlsStage::Established, MaybeSent, true),
            (K::Timeout, handshake, MaybeSent, true),
            (K::Io, handshake, MaybeSent, true),
            (K::Other, handshake, MaybeSent, true),
            (K::BodyTooLarge, handshake, Sent, false),
            (K::Protocol, handshake, Sent, false),
            (K::RedirectFollowed, handshake, Sent, false),
        ];
        for (kind, tls, delivery, transient) in rows {
            assert_eq!(
                failure_class(kind, tls),
                FailureClass::new(delivery, transient),
                "{kind:?} {tls:?}"
            );
        }
        // Outside TLS, the stage does not matter.
        assert_eq!(
            failure_class(K::Io, TlsStage::Established),
            failure_class(K::Io, TlsStage::Handshake)
        );
    }

    #[test]
    fn display_is_its_own_level_only() {
        let repr = ErrorRepr::new(
            TransportErrorKind::Connect,
            "",
            Some(Box::new(Leaky("nothing".into()))),
            None,
        );
        struct Shown<'a>(&'a ErrorRepr);
        impl fmt::Display for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt_display(f)
            }
        }
        assert_eq!(
            Shown(&repr).to_string(),
            "could not connect (the request was not sent)"
        );
    }

    #[test]
    fn an_innocent_error_is_kept() {
        let repr = ErrorRepr::new(
            TransportErrorKind::Io,
            "reset",
            Some(Box::new(Leaky("nothing".into()))),
            Some(b"sk_test_x".as_slice()),
        );
        assert!(repr.source.unwrap().to_string().contains("nothing"));
    }
}
