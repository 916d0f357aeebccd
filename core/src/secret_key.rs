//! `SecretKey`: the Backend API secret, kept out of every `Debug`, error and log.

use std::fmt;

use http::HeaderValue;

use crate::error::BuildError;

/// The longest key accepted; Clerk's keys are about 50 characters.
const MAX_SECRET_KEY_LEN: usize = 512;

/// A Clerk secret key (`sk_live_…` or `sk_test_…`).
///
/// Its `Debug` is redacted and it has no `Display`, so it cannot end up in a log by accident.
/// The `Authorization` header value made from it is marked sensitive, which keeps HTTP libraries
/// (hyper, h2) from logging or HPACK-indexing it.
///
/// ```
/// use clerk_moderation_core::SecretKey;
///
/// let key = SecretKey::new("sk_test_abc123").unwrap();
/// assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
/// assert!(SecretKey::new("sk_test with space").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey {
    /// `Bearer <key>`, built once and marked sensitive.
    authorization: HeaderValue,
}

impl SecretKey {
    /// Checks and wraps a secret key.
    ///
    /// Refuses an empty key, one longer than 512 bytes, and one with anything but visible ASCII
    /// (whitespace, control characters or non-ASCII would make a broken or smuggled header).
    /// The error says why, never what the key was.
    pub fn new(key: impl AsRef<str>) -> Result<Self, BuildError> {
        let key = key.as_ref();
        let problem = if key.is_empty() {
            Some("is empty")
        } else if key.len() > MAX_SECRET_KEY_LEN {
            Some("is longer than 512 bytes")
        } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
            Some("has a character that is not visible ASCII")
        } else if key.starts_with("pk_") {
            // A publishable key is public by design and opens nothing in the Backend API:
            // sending one is always a mix-up of the two keys.
            Some("is a publishable key (pk_...), not a secret key (sk_...)")
        } else {
            None
        };
        if let Some(reason) = problem {
            return Err(BuildError::InvalidSecretKey { reason });
        }
        let mut value = String::with_capacity("Bearer ".len() + key.len());
        value.push_str("Bearer ");
        value.push_str(key);
        let mut authorization =
            HeaderValue::try_from(value).map_err(|_| BuildError::InvalidSecretKey {
                reason: "is not a valid header value",
            })?;
        authorization.set_sensitive(true);
        Ok(Self { authorization })
    }

    /// The `Authorization` header value (`Bearer …`), marked sensitive.
    pub fn authorization_header(&self) -> &HeaderValue {
        &self.authorization
    }

    /// The key itself, for the rare caller that must hand it to something else (an emulator, a
    /// key store). Everything in this workspace sends it through [`Self::authorization_header`].
    pub fn expose_secret(&self) -> &str {
        // Built from "Bearer " + visible ASCII, so both the prefix and UTF-8 hold.
        let bytes = self.authorization.as_bytes();
        std::str::from_utf8(&bytes["Bearer ".len()..]).unwrap_or_default()
    }

    /// A fingerprint of the key: the first 16 bytes of its SHA-256, in hex (32 characters).
    ///
    /// It names the instance the key belongs to wherever something must be bound to it and
    /// kept (a journal, a shared rate budget) without keeping the key: a fingerprint cannot be
    /// turned back into the key, and two keys share one only by a 2^-64 chance.
    ///
    /// ```
    /// use clerk_moderation_core::SecretKey;
    ///
    /// let key = SecretKey::new("sk_test_abc").unwrap();
    /// let fingerprint = key.fingerprint();
    /// assert_eq!(fingerprint.len(), 32);
    /// assert!(!fingerprint.contains("abc"));
    /// assert_eq!(fingerprint, SecretKey::new("sk_test_abc").unwrap().fingerprint());
    /// assert_ne!(fingerprint, SecretKey::new("sk_test_abd").unwrap().fingerprint());
    /// ```
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        use std::fmt::Write as _;
        let digest = Sha256::digest(self.expose_secret().as_bytes());
        digest[..16]
            .iter()
            .fold(String::with_capacity(32), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            })
    }

    /// Whether this is a development-instance key (`sk_test_…`).
    pub fn is_test_key(&self) -> bool {
        self.instance() == Instance::Development
    }

    /// Which kind of Clerk instance the key belongs to, from its prefix.
    ///
    /// ```
    /// use clerk_moderation_core::{Instance, SecretKey};
    ///
    /// assert_eq!(SecretKey::new("sk_live_abc").unwrap().instance(), Instance::Production);
    /// assert_eq!(SecretKey::new("sk_test_abc").unwrap().instance(), Instance::Development);
    /// assert_eq!(SecretKey::new("abc").unwrap().instance(), Instance::Unknown);
    /// ```
    pub fn instance(&self) -> Instance {
        let key = self.expose_secret();
        if key.starts_with("sk_live_") {
            Instance::Production
        } else if key.starts_with("sk_test_") {
            Instance::Development
        } else {
            Instance::Unknown
        }
    }
}

/// The kind of Clerk instance a secret key belongs to. Clerk's rate limits differ by kind:
/// 1000 requests per 10 s for production, 100 for development.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Instance {
    /// A production instance: the key starts with `sk_live_`.
    Production,
    /// A development instance: the key starts with `sk_test_`.
    Development,
    /// A key of neither form (an emulator's, a proxy's).
    Unknown,
}

impl Instance {
    /// `production`, `development` or `unknown`: for banners and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Development => "development",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}
