//! The HTTPS rule every built-in transport checks before it connects.

use clerk_moderation_core::{LoopbackHttp, is_loopback_host};
use http::Request;
use http::uri::Scheme;

use crate::error::{Secret, TransportError, TransportErrorKind};

/// Where a request may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Destination {
    /// `https://`.
    Https,
    /// `http://` to a loopback host, allowed: never through a proxy.
    LoopbackHttp,
}

/// Checks a request's URL against the HTTPS rule, without any I/O: `https://` goes; plain
/// `http://` goes only to a loopback host, and only when the request carries
/// [`LoopbackHttp`] (its `ApiConfig`'s base URL is that loopback `http://` URL) or the builder
/// said `allow_loopback_http(true)`. The host is checked here whatever the mark says.
pub(crate) fn check_destination<B>(
    request: &Request<B>,
    allow_loopback_http: bool,
    secret: &Secret,
) -> Result<Destination, TransportError> {
    let uri = request.uri();
    let host = match uri.host() {
        Some(host) if !host.is_empty() => host,
        _ => {
            return Err(TransportError::new(TransportErrorKind::InvalidRequest)
                .with_detail("the URL has no host"));
        }
    };
    // The host goes into the message unless it would show the key (a base URL that absurd).
    let shown = match secret.token() {
        Some(token) if host.as_bytes().windows(token.len()).any(|w| w == token) => "the host",
        _ => host,
    };
    let insecure = |detail: String| {
        Err(TransportError::new(TransportErrorKind::InsecureScheme).with_detail(detail))
    };
    match uri.scheme() {
        Some(scheme) if *scheme == Scheme::HTTPS => Ok(Destination::Https),
        Some(scheme) if *scheme == Scheme::HTTP => {
            if !is_loopback_host(host) {
                insecure(format!(
                    "plain http:// to {shown}, which is not a loopback host: use https://"
                ))
            } else if allow_loopback_http || LoopbackHttp::is_marked(request) {
                Ok(Destination::LoopbackHttp)
            } else {
                insecure(format!(
                    "plain http:// to {shown} goes only for an ApiConfig whose base URL is that \
                     http:// URL, or with allow_loopback_http(true) on the transport's builder"
                ))
            }
        }
        Some(scheme) => insecure(format!("scheme {:?} is not https", scheme.as_str())),
        None => Err(TransportError::new(TransportErrorKind::InvalidRequest)
            .with_detail("the URL has no scheme")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request to `url`, carrying the core's mark when `marked` (the mark can only come from
    /// the core: a request built for a loopback `http://` configuration, its URL then changed).
    fn check(url: &str, allow: bool, marked: bool) -> Result<Destination, TransportError> {
        use clerk_moderation_core::{ApiConfig, GetUser, Operation, SecretKey, UserId};
        let mut request = if marked {
            let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap())
                .with_base_url("http://127.0.0.1:1")
                .unwrap();
            let request = GetUser::new(UserId::new("user_1").unwrap())
                .build_request(&config)
                .unwrap();
            assert!(LoopbackHttp::is_marked(&request));
            request
        } else {
            Request::new(Vec::new())
        };
        *request.uri_mut() = url.parse().unwrap();
        check_destination(&request, allow, &Secret::default())
    }

    fn refused(result: Result<Destination, TransportError>) -> TransportErrorKind {
        result.unwrap_err().kind()
    }

    #[test]
    fn https_is_always_allowed() {
        for url in ["https://api.clerk.com/v1", "https://127.0.0.1:1/v1"] {
            assert_eq!(check(url, false, false).unwrap(), Destination::Https);
        }
    }

    #[test]
    fn loopback_http_needs_the_mark_or_the_opt_in() {
        for url in [
            "http://127.0.0.1:8080/v1",
            "http://127.255.0.9/v1",
            "http://localhost:1/v1",
            "http://LocalHost/v1",
            "http://[::1]:8080/v1",
        ] {
            assert_eq!(
                refused(check(url, false, false)),
                TransportErrorKind::InsecureScheme,
                "{url}"
            );
            for (allow, marked) in [(true, false), (false, true), (true, true)] {
                assert_eq!(
                    check(url, allow, marked).unwrap(),
                    Destination::LoopbackHttp,
                    "{url}"
                );
            }
        }
    }

    #[test]
    fn other_http_is_always_refused_mark_or_not() {
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
            assert_eq!(
                refused(check(url, true, true)),
                TransportErrorKind::InsecureScheme,
                "{url}"
            );
        }
    }

    #[test]
    fn relative_urls_are_invalid() {
        assert_eq!(
            refused(check("/v1/users", true, true)),
            TransportErrorKind::InvalidRequest
        );
    }

    #[test]
    fn the_refusal_names_the_host_but_never_the_key() {
        let error = check("http://example.com/v1", false, false).unwrap_err();
        assert!(error.to_string().contains("example.com"), "{error}");
        let request = Request::get("http://sk-test-abc.example.com/v1")
            .header("authorization", "Bearer sk-test-abc")
            .body(())
            .unwrap();
        let secret = Secret::of(request.headers());
        let error = check_destination(&request, true, &secret).unwrap_err();
        assert!(!error.to_string().contains("sk-test-abc"), "{error}");
    }
}
