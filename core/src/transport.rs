//! The seam between the protocol and the I/O: `Transport` and `AsyncTransport`.

use std::future::Future;

use http::{Request, Response};

/// Sends a request and returns the response, blocking. Any closure of the right shape is one:
///
/// ```
/// use clerk_moderation_core::Transport;
///
/// fn assert_transport(_: &impl Transport) {}
/// let canned = |_request: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, std::io::Error> {
///     Ok(http::Response::new(br#"{"id":"user_1"}"#.to_vec()))
/// };
/// assert_transport(&canned);
/// ```
///
/// A transport returns every response it gets, whatever its status (a 404, a 3xx): the core reads
/// them. Its error is for when no response came back, and should say whether the request may
/// have been sent.
pub trait Transport {
    /// Why no response came back.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends `request`; returns the response, whatever its status.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Self::Error>;
}

impl<F, E> Transport for F
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, E>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, E> {
        self(request)
    }
}

/// Sends a request and returns the response, asynchronously. Any closure returning a `Send`
/// future of the right output is one:
///
/// ```
/// use clerk_moderation_core::AsyncTransport;
///
/// fn assert_async_transport(_: &impl AsyncTransport) {}
/// let canned = |_request: http::Request<Vec<u8>>| async {
///     Ok::<_, std::io::Error>(http::Response::new(br#"{"id":"user_1"}"#.to_vec()))
/// };
/// assert_async_transport(&canned);
/// ```
pub trait AsyncTransport {
    /// Why no response came back.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends `request`; resolves to the response, whatever its status.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Self::Error>> + Send;
}

impl<F, Fut, E> AsyncTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, E>> + Send {
        self(request)
    }
}
