//! Which certificate authorities the built-in transports trust, shared by all three builders.
//!
//! By default: Mozilla's roots as shipped by `webpki-roots`, compiled in, the same on every
//! machine. A builder can add the operating system's store (read with `rustls-native-certs`,
//! so a corporate CA installed system-wide is trusted), add roots given as PEM (a private CA, a
//! TLS-inspecting proxy), or drop Mozilla's roots to trust only what it added.
//!
//! `rustls-native-certs` rather than `rustls-platform-verifier`: it yields plain certificates,
//! which every adapter can take (ureq accepts only a list of certificates, not a verifier with
//! extra roots), so the three adapters verify the same way, with the same roots, and the OS
//! roots combine with extra PEM roots everywhere.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::{BoxError, TlsFailure, TransportError, TransportErrorKind};

/// The roots a builder will trust.
#[derive(Clone, Debug)]
pub(crate) struct Trust {
    /// Mozilla's roots (`webpki-roots`). On by default.
    pub(crate) mozilla: bool,
    /// Roots added with the builder: from PEM, or from the OS store.
    pub(crate) added: Vec<CertificateDer<'static>>,
}

impl Default for Trust {
    fn default() -> Self {
        Self {
            mozilla: true,
            added: Vec::new(),
        }
    }
}

impl Trust {
    /// Whether only Mozilla's roots are trusted: the adapters' fast, built-in path.
    #[cfg_attr(not(feature = "ureq"), allow(dead_code))]
    pub(crate) fn is_default(&self) -> bool {
        self.mozilla && self.added.is_empty()
    }

    /// Adds every certificate in `pem`, refusing PEM with none, or with one that is not a
    /// usable root. Nothing is added on error.
    pub(crate) fn add_pem(&mut self, pem: &[u8]) -> Result<(), TransportError> {
        let mut certificates = Vec::new();
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|e| {
                config_error("the PEM root certificates do not parse", Some(Box::new(e)))
            })?;
            // Parse it as a trust anchor now, so a bad root fails here and not at a handshake.
            RootCertStore::empty()
                .add(certificate.clone())
                .map_err(|e| {
                    config_error(
                        "a PEM root certificate is not a usable certificate",
                        Some(Box::new(e)),
                    )
                })?;
            certificates.push(certificate);
        }
        if certificates.is_empty() {
            return Err(config_error(
                "the PEM holds no certificate (expected BEGIN CERTIFICATE blocks)",
                None,
            ));
        }
        self.added.extend(certificates);
        Ok(())
    }

    /// Adds the operating system's trusted roots, read now. Fails only when the store gives no
    /// certificate at all; unreadable entries beside readable ones are skipped, as browsers do.
    pub(crate) fn add_os_store(&mut self) -> Result<(), TransportError> {
        let loaded = rustls_native_certs::load_native_certs();
        if loaded.certs.is_empty() {
            let source = loaded
                .errors
                .into_iter()
                .next()
                .map(|e| Box::new(e) as BoxError);
            return Err(config_error(
                "the operating system's certificate store gave no certificate",
                source,
            ));
        }
        self.added.extend(loaded.certs);
        Ok(())
    }

    /// A rustls client configuration (ring, TLS 1.2 and 1.3) trusting these roots; hyper and
    /// reqwest use it as it is.
    #[cfg(any(feature = "hyper", feature = "reqwest"))]
    pub(crate) fn client_config(&self) -> Result<rustls::ClientConfig, TransportError> {
        let mut roots = RootCertStore::empty();
        if self.mozilla {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        // Checked as they were added; an unusable OS entry is skipped.
        roots.add_parsable_certificates(self.added.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| {
                config_error(
                    "rustls refused its default protocol versions",
                    Some(Box::new(e)),
                )
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(config)
    }

    /// The roots as ureq takes them: ureq's built-in Mozilla roots when nothing was added, else
    /// a list of whole certificates (Mozilla's from `webpki-root-certs`, then the added ones).
    #[cfg(feature = "ureq")]
    pub(crate) fn ureq_roots(&self) -> ::ureq::tls::RootCerts {
        use ::ureq::tls::{Certificate, RootCerts};
        if self.is_default() {
            return RootCerts::WebPki;
        }
        let mozilla = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .filter(|_| self.mozilla);
        let all: Vec<Certificate<'static>> = mozilla
            .chain(self.added.iter())
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        RootCerts::Specific(Arc::new(all))
    }
}

fn config_error(detail: &'static str, source: Option<BoxError>) -> TransportError {
    let error = TransportError::new(TransportErrorKind::Config).with_detail(detail);
    match source {
        Some(source) => error.caused_by(source, None),
        None => error,
    }
}

/// A TLS failure of rustls: which way it failed, and whether it can only have happened in a
/// handshake (so that nothing was written), as opposed to possibly on an established
/// connection.
pub(crate) fn tls_error(error: &rustls::Error, established: bool) -> TransportError {
    let failure = tls_failure(error);
    let error = TransportError::new(TransportErrorKind::Tls);
    if established {
        error.established()
    } else {
        error.with_tls_failure(failure)
    }
}

/// Which way a rustls error says the handshake failed.
pub(crate) fn tls_failure(error: &rustls::Error) -> TlsFailure {
    use rustls::CertificateError as C;
    use rustls::Error as R;
    use rustls::InvalidMessage as M;
    match error {
        R::InvalidCertificate(C::UnknownIssuer) => TlsFailure::UnknownIssuer,
        R::InvalidCertificate(
            C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. },
        ) => TlsFailure::Expired,
        R::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            TlsFailure::WrongName
        }
        R::InvalidCertificate(_) | R::NoCertificatesPresented | R::UnsupportedNameType => {
            TlsFailure::BadCertificate
        }
        // The first record is not a TLS record: the server spoke something else (HTTP, say).
        R::InvalidMessage(
            M::InvalidContentType | M::UnknownProtocolVersion | M::MessageTooLarge,
        ) => TlsFailure::NotTls,
        R::InvalidMessage(_)
        | R::PeerIncompatible(_)
        | R::PeerMisbehaved(_)
        | R::AlertReceived(_)
        | R::InappropriateMessage { .. }
        | R::InappropriateHandshakeMessage { .. } => TlsFailure::Protocol,
        _ => TlsFailure::Other,
    }
}

/// Whether a rustls error can only come from a handshake: a certificate or a first message
/// that was refused. Used where nothing else tells when a TLS error happened.
#[cfg(feature = "ureq")]
pub(crate) fn only_in_a_handshake(error: &rustls::Error) -> bool {
    use rustls::Error as R;
    matches!(
        error,
        R::InvalidCertificate(_)
            | R::NoCertificatesPresented
            | R::PeerIncompatible(_)
            | R::UnsupportedNameType
            | R::InappropriateHandshakeMessage { .. }
            | R::InvalidMessage(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_without_a_certificate_is_refused() {
        let mut trust = Trust::default();
        for pem in [
            &b""[..],
            b"not pem at all",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            let error = trust.add_pem(pem).unwrap_err();
            assert_eq!(error.kind(), TransportErrorKind::Config);
        }
        assert!(trust.is_default());
    }

    #[test]
    fn a_certificate_that_is_not_one_is_refused() {
        let mut trust = Trust::default();
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(trust.add_pem(pem).is_err());
        assert!(trust.added.is_empty());
    }

    #[test]
    fn a_tls_failure_says_which_way() {
        use rustls::CertificateError as C;
        let cases = [
            (
                rustls::Error::InvalidCertificate(C::UnknownIssuer),
                TlsFailure::UnknownIssuer,
            ),
            (
                rustls::Error::InvalidCertificate(C::Expired),
                TlsFailure::Expired,
            ),
            (
                rustls::Error::InvalidCertificate(C::NotValidForName),
                TlsFailure::WrongName,
            ),
            (
                rustls::Error::InvalidCertificate(C::Revoked),
                TlsFailure::BadCertificate,
            ),
            (
                rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
                TlsFailure::NotTls,
            ),
            (
                rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion),
                TlsFailure::Protocol,
            ),
        ];
        for (error, expected) in cases {
            let error = tls_error(&error, false);
            assert_eq!(error.tls_failure(), Some(expected));
            assert!(!error.may_have_been_sent() && !error.is_transient());
        }
        let shown =
            tls_error(&rustls::Error::InvalidCertificate(C::UnknownIssuer), false).to_string();
        assert!(shown.contains("unknown issuer"), "{shown}");
        let later = tls_error(&rustls::Error::DecryptError, true);
        assert!(later.may_have_been_sent() && later.is_transient());
    }
}
