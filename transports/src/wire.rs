//! What every built-in transport does to a request on its way to the wire.

use http::Method;
#[cfg(any(feature = "hyper", feature = "reqwest", feature = "tower"))]
use http::{Request, header};

/// Whether requests of this method carry a body, so that an empty one is still declared with
/// `Content-Length: 0`.
pub(crate) fn carries_body(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH].contains(method)
}

/// Sets `Content-Length: 0` on a request with an empty body whose method carries one (`POST`,
/// `PUT`, `PATCH`), unless it has the header already. RFC 9110 (8.6) says a user agent should
/// send it even when it is 0; ureq and Clerk's official SDKs do, and some proxies answer a POST
/// without it with 411 Length Required. hyper and reqwest leave it out for an empty body (ureq
/// sends it by itself).
#[cfg(any(feature = "hyper", feature = "reqwest", feature = "tower"))]
pub(crate) fn set_empty_content_length(request: &mut Request<Vec<u8>>) {
    if carries_body(request.method())
        && request.body().is_empty()
        && !request.headers().contains_key(header::CONTENT_LENGTH)
    {
        request.headers_mut().insert(
            header::CONTENT_LENGTH,
            header::HeaderValue::from_static("0"),
        );
    }
}

/// What a failure on an established connection means, for the adapters built on hyper: a TLS
/// error after the handshake, an answer that is not HTTP, hyper's own timeout, or I/O.
#[cfg(any(feature = "hyper", feature = "reqwest"))]
pub(crate) fn exchange_error(
    error: &(dyn std::error::Error + 'static),
) -> crate::error::TransportError {
    use crate::error::{TransportError, TransportErrorKind as K, find_in_chain, io_kind};
    if let Some(tls) = find_in_chain::<rustls::Error>(error) {
        return crate::tls::tls_error(tls, true);
    }
    let kind = match find_in_chain::<::hyper::Error>(error) {
        Some(hyper) if hyper.is_parse() || hyper.is_parse_status() => K::Protocol,
        Some(hyper) if hyper.is_timeout() => K::Timeout,
        Some(_) => K::Io,
        None => find_in_chain::<std::io::Error>(error).map_or(K::Other, io_kind),
    };
    TransportError::new(kind)
}

#[cfg(all(test, any(feature = "hyper", feature = "reqwest")))]
mod tests {
    use super::*;
    use http::{Request, header};

    fn length_after(method: Method, body: &[u8]) -> Option<String> {
        let mut request = Request::builder()
            .method(method)
            .uri("https://api.clerk.com/v1/users/user_1/ban")
            .body(body.to_vec())
            .unwrap();
        set_empty_content_length(&mut request);
        request
            .headers()
            .get(header::CONTENT_LENGTH)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn an_empty_post_gets_a_zero_length() {
        assert_eq!(length_after(Method::POST, b"").as_deref(), Some("0"));
        assert_eq!(length_after(Method::PATCH, b"").as_deref(), Some("0"));
    }

    #[test]
    fn other_requests_are_left_alone() {
        assert_eq!(length_after(Method::GET, b""), None);
        // The adapters set the length of a non-empty body themselves.
        assert_eq!(length_after(Method::POST, b"{}"), None);
    }
}
