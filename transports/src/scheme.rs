//! The HTTPS rule every built-in transport checks before it connects.

use std::borrow::Cow;
use std::net::IpAddr;

use http::Uri;
use http::uri::Scheme;

/// Whether `host` is a loopback host: `localhost` (any case), an IPv4 address in `127.0.0.0/8`,
/// or `::1` (bracketed or not). Nothing else, so nothing that needs a DNS lookup to decide.
///
/// ```
/// use clerk_moderation_transports::is_loopback_host;
///
/// assert!(is_loopback_host("localhost"));
/// assert!(is_loopback_host("127.0.0.1"));
/// assert!(is_loopback_host("127.3.2.1"));
/// assert!(is_loopback_host("[::1]"));
/// assert!(!is_loopback_host("localhost.example.com"));
/// assert!(!is_loopback_host("127.0.0.1.nip.io"));
/// assert!(!is_loopback_host("0.0.0.0"));
/// assert!(!is_loopback_host("example.com"));
/// ```
pub fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where a request may go.
#[cfg_attr(not(any(feature = "ureq", feature = "hyper")), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Destination {
    /// `https://`.
    Https,
    /// `http://` to a loopback host, switched on: never through a proxy.
    LoopbackHttp,
}

/// Why a destination was refused.
#[cfg_attr(not(any(feature = "ureq", feature = "hyper")), allow(dead_code))]
#[derive(Debug)]
pub(crate) enum Refusal {
    /// An insecure scheme.
    Insecure(Cow<'static, str>),
    /// Not a usable absolute URL.
    Invalid(Cow<'static, str>),
}

/// Checks a request's URL against the HTTPS rule, without any I/O.
#[cfg_attr(not(any(feature = "ureq", feature = "hyper")), allow(dead_code))]
pub(crate) fn check_destination(
    uri: &Uri,
    allow_loopback_http: bool,
) -> Result<Destination, Refusal> {
    let host = match uri.host() {
        Some(host) if !host.is_empty() => host,
        _ => return Err(Refusal::Invalid("the URL has no host".into())),
    };
    match uri.scheme() {
        Some(scheme) if *scheme == Scheme::HTTPS => Ok(Destination::Https),
        Some(scheme) if *scheme == Scheme::HTTP => {
            if !is_loopback_host(host) {
                Err(Refusal::Insecure(
                    "plain http:// is refused for a host that is not loopback; use https://".into(),
                ))
            } else if !allow_loopback_http {
                Err(Refusal::Insecure(
                    "plain http:// to a loopback host needs allow_loopback_http(true)".into(),
                ))
            } else {
                Ok(Destination::LoopbackHttp)
            }
        }
        Some(scheme) => Err(Refusal::Insecure(
            format!("scheme {:?} is not https", scheme.as_str()).into(),
        )),
        None => Err(Refusal::Invalid("the URL has no scheme".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, allow: bool) -> Result<Destination, Refusal> {
        check_destination(&url.parse().unwrap(), allow)
    }

    #[test]
    fn https_is_always_allowed() {
        assert_eq!(
            check("https://api.clerk.com/v1", false).unwrap(),
            Destination::Https
        );
        assert_eq!(
            check("https://127.0.0.1:1/v1", false).unwrap(),
            Destination::Https
        );
    }

    #[test]
    fn loopback_http_needs_the_opt_in() {
        for url in [
            "http://127.0.0.1:8080/v1",
            "http://127.255.0.9/v1",
            "http://localhost:1/v1",
            "http://LocalHost/v1",
            "http://[::1]:8080/v1",
        ] {
            assert!(
                matches!(check(url, false), Err(Refusal::Insecure(_))),
                "{url}"
            );
            assert_eq!(
                check(url, true).unwrap(),
                Destination::LoopbackHttp,
                "{url}"
            );
        }
    }

    #[test]
    fn other_http_is_always_refused() {
        for url in [
            "http://example.com/v1",
            "http://api.clerk.com/v1",
            "http://localhost.example.com/v1",
            "http://127.0.0.1.nip.io/v1",
            "http://0.0.0.0/v1",
            "http://[::ffff:7f00:1]/v1",
            "http://10.0.0.1/v1",
            "ftp://127.0.0.1/v1",
        ] {
            assert!(
                matches!(check(url, true), Err(Refusal::Insecure(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn relative_urls_are_invalid() {
        assert!(matches!(check("/v1/users", true), Err(Refusal::Invalid(_))));
    }
}
