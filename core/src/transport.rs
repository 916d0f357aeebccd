//! The seam between the protocol and the I/O: `Transport` and `AsyncTransport`, and how a
//! transport says what its failures mean ([`FailureClass`]).

use std::future::Future;

use http::{Request, Response};

/// Whether a request reached the server, as far as the transport can tell.
///
/// Every operation here is idempotent, so a retry is safe in all three cases; the distinction
/// matters for what a report may claim ("not applied" is only true of [`Delivery::NotSent`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// Certainly not sent: refused before connecting, DNS, connect or TLS handshake failure.
    NotSent,
    /// May have been sent: a reset or a timeout after the request was written, or unknown.
    MaybeSent,
    /// Sent, and a response began to arrive, but it could not be read (too large, malformed).
    Sent,
}

/// What a transport failure means to a caller deciding what to do next: whether the request
/// may have reached the server, and whether trying again can help.
///
/// ```
/// use clerk_moderation_core::{Delivery, FailureClass};
///
/// // What a closure transport's plain error is taken to mean: the safe reading.
/// assert_eq!(FailureClass::default(), FailureClass::new(Delivery::MaybeSent, true));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FailureClass {
    delivery: Delivery,
    transient: bool,
}

impl FailureClass {
    /// The reading of a failure nothing is known about: it may have been sent, and a retry may
    /// help.
    pub const UNKNOWN: Self = Self::new(Delivery::MaybeSent, true);

    /// A class: whether the request was sent, and whether a retry can help (`transient`).
    pub const fn new(delivery: Delivery, transient: bool) -> Self {
        Self {
            delivery,
            transient,
        }
    }

    /// Whether the request reached the server.
    pub const fn delivery(self) -> Delivery {
        self.delivery
    }

    /// Whether the same request may succeed later (a reset, a timeout, a refused connection).
    /// `false` for failures that will repeat: a refused insecure URL, a certificate error, a
    /// body over the cap, a malformed response.
    pub const fn is_transient(self) -> bool {
        self.transient
    }

    /// Whether the request certainly did not reach the server.
    pub const fn was_not_sent(self) -> bool {
        matches!(self.delivery, Delivery::NotSent)
    }
}

impl Default for FailureClass {
    fn default() -> Self {
        Self::UNKNOWN
    }
}

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
/// them. Its error is for when no response came back; [`Transport::classify`] says what it means.
pub trait Transport {
    /// Why no response came back.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends `request`; returns the response, whatever its status.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, Self::Error>;

    /// What `error` means: whether the request may have been sent, and whether a retry can help.
    ///
    /// The default, which closures get, is [`FailureClass::UNKNOWN`]: may have been sent, and
    /// transient. The built-in transports say exactly.
    fn classify(error: &Self::Error) -> FailureClass {
        let _ = error;
        FailureClass::UNKNOWN
    }
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

    /// What `error` means; see [`Transport::classify`]. The default is
    /// [`FailureClass::UNKNOWN`].
    fn classify(error: &Self::Error) -> FailureClass {
        let _ = error;
        FailureClass::UNKNOWN
    }
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
