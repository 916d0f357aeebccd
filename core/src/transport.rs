//! The seam between the protocol and the I/O: `Transport`, `AsyncTransport` and its
//! single-threaded flavour `LocalAsyncTransport`, and how a transport says what its failures
//! mean ([`FailureClass`]).

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

/// [`AsyncTransport`] without the `Send` bound on its future: a transport that lives on one
/// thread, such as a JavaScript `fetch` on `wasm32` (Node, Deno, Cloudflare Workers, a browser),
/// or one that holds an `Rc`. A client driving it runs on a single-threaded executor.
///
/// Every [`AsyncTransport`] is one (a blanket impl), so code written over this trait takes both
/// flavours. A closure whose future is not `Send` becomes one through [`local_transport_fn`]:
///
/// ```
/// use std::rc::Rc;
/// use clerk_moderation_core::{LocalAsyncTransport, local_transport_fn};
///
/// fn assert_local_transport(_: &impl LocalAsyncTransport) {}
/// let shared = Rc::new(br#"{"id":"user_1"}"#.to_vec());
/// let canned = local_transport_fn(move |_request: http::Request<Vec<u8>>| {
///     // An `Rc` held across an await: this future is not `Send`.
///     let body = Rc::clone(&shared);
///     async move { Ok::<_, std::io::Error>(http::Response::new(body.to_vec())) }
/// });
/// assert_local_transport(&canned);
/// ```
///
/// Its error is still `Send + Sync`: a run keeps failures in its outcomes, which may cross
/// threads.
pub trait LocalAsyncTransport {
    /// Why no response came back.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Sends `request`; resolves to the response, whatever its status.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Self::Error>>;

    /// What `error` means; see [`Transport::classify`]. The default is
    /// [`FailureClass::UNKNOWN`].
    fn classify(error: &Self::Error) -> FailureClass {
        let _ = error;
        FailureClass::UNKNOWN
    }
}

impl<T: AsyncTransport + ?Sized> LocalAsyncTransport for T {
    type Error = T::Error;

    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, Self::Error>> {
        AsyncTransport::send(self, request)
    }

    fn classify(error: &Self::Error) -> FailureClass {
        <T as AsyncTransport>::classify(error)
    }
}

/// A closure whose future need not be `Send`, as a [`LocalAsyncTransport`]: see
/// [`local_transport_fn`].
#[derive(Clone, Copy, Debug)]
pub struct LocalTransportFn<F>(F);

/// Makes a closure returning a future that is not `Send` (one that awaits a JavaScript promise,
/// or holds an `Rc`) a [`LocalAsyncTransport`]. A closure whose future is `Send` needs no
/// wrapper: it is an [`AsyncTransport`], hence a local one too.
pub fn local_transport_fn<F, Fut, E>(send: F) -> LocalTransportFn<F>
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    LocalTransportFn(send)
}

impl<F, Fut, E> LocalAsyncTransport for LocalTransportFn<F>
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, E>> {
        (self.0)(request)
    }
}

/// A transport failure as a run keeps it: its [`FailureClass`] and the error itself, shared, so
/// that every user of a failed bulk request can hold it without a copy.
///
/// Its `Display` says what happened at this level ("no response; the request may have been
/// sent"); the transport's own error is its `source()`.
#[derive(Clone)]
pub struct TransportFailure {
    class: FailureClass,
    error: std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>,
}

impl TransportFailure {
    /// A failure of this class, with the transport's error.
    pub fn new(class: FailureClass, error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self {
            class,
            error: std::sync::Arc::new(error),
        }
    }

    /// A failure of a transport whose [`Transport::classify`] reads `error`.
    pub fn from_transport<T: Transport>(error: T::Error) -> Self {
        Self::new(T::classify(&error), error)
    }

    /// A failure of an async transport, of either flavour, whose
    /// [`LocalAsyncTransport::classify`] (for an [`AsyncTransport`], its own
    /// [`AsyncTransport::classify`]) reads `error`.
    pub fn from_async_transport<T: LocalAsyncTransport + ?Sized>(error: T::Error) -> Self {
        Self::new(T::classify(&error), error)
    }

    /// A driver gave up waiting for the response at the deadline: it may have been sent.
    pub fn deadline_reached() -> Self {
        Self::new(
            FailureClass::new(Delivery::MaybeSent, true),
            DeadlineReached,
        )
    }

    /// The class.
    pub fn class(&self) -> FailureClass {
        self.class
    }

    /// The transport's error.
    pub fn error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.error
    }

    /// This failure, with its error replaced by a stand-in if the error's text (`Display` or
    /// `Debug`, through its whole `source()` chain) shows `secret`: a closure transport's error
    /// may quote anything, and a run's outcomes are printed and logged.
    pub fn without_secret(self, secret: &[u8]) -> Self {
        if !crate::error::shows_secret(&*self.error, secret) {
            return self;
        }
        Self {
            class: self.class,
            error: std::sync::Arc::new(Withheld),
        }
    }
}

impl std::fmt::Debug for TransportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportFailure")
            .field("class", &self.class)
            .field("error", &self.error)
            .finish()
    }
}

impl std::fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.class.delivery() {
            Delivery::NotSent => "no response: the request was not sent",
            Delivery::Sent => "the response could not be read",
            _ => "no response: the request may have been sent",
        })
    }
}

impl std::error::Error for TransportFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.error)
    }
}

/// The error of [`TransportFailure::deadline_reached`].
#[derive(Debug)]
struct DeadlineReached;

impl std::fmt::Display for DeadlineReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the deadline passed before the response came")
    }
}

impl std::error::Error for DeadlineReached {}

/// Stands in for a transport error whose text showed the secret key.
#[derive(Debug)]
struct Withheld;

impl std::fmt::Display for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("transport error withheld: its text showed the secret key")
    }
}

impl std::error::Error for Withheld {}
