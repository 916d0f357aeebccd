//! Marks the failures of what ureq does before it writes a request (resolve the host, connect,
//! go through a proxy, the TLS handshake), so that [`crate::ureq::UreqError`] can say "not
//! sent" for them, whatever shape ureq gives them.
//!
//! ureq reports a failed DNS lookup as a plain I/O error, and a failed TLS handshake as an I/O
//! error around a rustls error: from the error alone, neither can be told apart from a reset
//! after the request went out. The agents this crate builds run their resolver and connector
//! through the wrappers here, which carry the stage through ureq's plumbing inside an
//! `io::Error`; the transport unwraps it again.

use std::fmt;
use std::io;

use ::ureq::unversioned::transport::{ConnectionDetails, Connector, DefaultConnector};

/// Where, before sending, a failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Looking the host name up.
    Lookup,
    /// Connecting: TCP, a proxy, the TLS handshake.
    Connect,
}

/// A ureq error from before the request was written.
#[derive(Debug)]
pub(crate) struct BeforeSending {
    pub(crate) stage: Stage,
    pub(crate) error: ::ureq::Error,
}

impl BeforeSending {
    /// `error`, marked as having happened at `stage`, in a shape ureq passes through untouched.
    pub(crate) fn mark(stage: Stage, error: ::ureq::Error) -> ::ureq::Error {
        ::ureq::Error::Io(io::Error::other(Self { stage, error }))
    }

    /// The marked failure inside `error`, if this is one; `error` back otherwise.
    pub(crate) fn unmark(error: ::ureq::Error) -> Result<Self, ::ureq::Error> {
        match error {
            ::ureq::Error::Io(io) if io.get_ref().is_some_and(|e| e.is::<Self>()) => {
                let kind = io.kind();
                match io.into_inner().map(|inner| inner.downcast::<Self>()) {
                    Some(Ok(marked)) => Ok(*marked),
                    // Checked just above; kept total all the same.
                    Some(Err(inner)) => Err(::ureq::Error::Io(io::Error::new(kind, inner))),
                    None => Err(::ureq::Error::Io(io::Error::from(kind))),
                }
            }
            other => Err(other),
        }
    }
}

impl fmt::Display for BeforeSending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for BeforeSending {}

/// ureq's default connector chain (TCP, proxies, rustls), its failures marked
/// [`Stage::Connect`].
#[derive(Debug, Default)]
pub(crate) struct MarkingConnector(DefaultConnector);

impl Connector for MarkingConnector {
    type Out = <DefaultConnector as Connector>::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ::ureq::Error> {
        self.0
            .connect(details, chained)
            .map_err(|e| BeforeSending::mark(Stage::Connect, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_error_comes_back_whole() {
        let marked = BeforeSending::mark(Stage::Lookup, ::ureq::Error::HostNotFound);
        let unmarked = BeforeSending::unmark(marked).unwrap();
        assert_eq!(unmarked.stage, Stage::Lookup);
        assert!(matches!(unmarked.error, ::ureq::Error::HostNotFound));
    }

    #[test]
    fn an_unmarked_error_is_left_alone() {
        let plain = ::ureq::Error::Io(io::Error::from(io::ErrorKind::ConnectionReset));
        match BeforeSending::unmark(plain) {
            Err(::ureq::Error::Io(io)) => assert_eq!(io.kind(), io::ErrorKind::ConnectionReset),
            other => panic!("{other:?}"),
        }
    }
}
