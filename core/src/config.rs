//! `ApiConfig`: where requests go and the headers every request carries.

use std::env::VarError;
use std::fmt;

use http::HeaderValue;
use http::uri::{Scheme, Uri};
use percent_encoding::percent_decode_str;

use crate::error::BuildError;
use crate::secret_key::SecretKey;

/// Clerk's Backend API.
pub const DEFAULT_BASE_URL: &str = "https://api.clerk.com";
/// The API version the official JavaScript SDK pins, sent as `Clerk-API-Version`.
pub const DEFAULT_API_VERSION: &str = "2026-05-12";
/// The variable [`ApiConfig::from_env`] reads the secret key from.
pub const SECRET_KEY_VAR: &str = "CLERK_SECRET_KEY";
/// The variable [`ApiConfig::from_env`] reads an optional base URL from.
pub const API_URL_VAR: &str = "CLERK_API_URL";
/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("clerk-moderation/", env!("CARGO_PKG_VERSION"));

/// Everything a request needs besides the operation: base URL, secret key, API version and
/// user agent.
///
/// Values are checked when set, so building a request from a config cannot fail on them. The
/// `Debug` output shows no secret.
///
/// ```
/// use clerk_moderation_core::{ApiConfig, SecretKey};
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_abc").unwrap())
///     .with_base_url("http://127.0.0.1:8080")
///     .unwrap();
/// assert_eq!(config.base_url(), "http://127.0.0.1:8080/v1");
/// assert!(!format!("{config:?}").contains("sk_test_abc"));
/// ```
#[derive(Clone, Debug)]
pub struct ApiConfig {
    secret_key: SecretKey,
    /// `scheme://authority[/path]/v1`, without a trailing slash: every request path is appended
    /// to it, so it is computed once here instead of on each build.
    base_url: String,
    is_https: bool,
    /// `http://` to a loopback host: requests carry [`LoopbackHttp`](crate::LoopbackHttp) so that transports may send
    /// them without TLS.
    is_loopback_http: bool,
    api_version: Option<HeaderValue>,
    user_agent: HeaderValue,
}

impl ApiConfig {
    /// A config for Clerk's production API (`https://api.clerk.com`) with the default API
    /// version and user agent.
    pub fn new(secret_key: SecretKey) -> Self {
        Self {
            secret_key,
            base_url: format!("{DEFAULT_BASE_URL}/v1"),
            is_https: true,
            is_loopback_http: false,
            api_version: Some(HeaderValue::from_static(DEFAULT_API_VERSION)),
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
        }
    }

    /// A config from the process environment: `CLERK_SECRET_KEY` (required) and
    /// `CLERK_API_URL` (optional, with or without the trailing `/v1`; see
    /// [`Self::with_base_url`]).
    ///
    /// Surrounding whitespace is trimmed (a key pasted from a CRLF `.env` file still works), and
    /// a variable set to the empty string counts as unset. The error names the variable and
    /// never shows its value. This is the only place the core reads the environment;
    /// [`Self::from_lookup`] does the same from any source.
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_lookup(|name| std::env::var(name))
    }

    /// A config from the variables `lookup` gives, read as [`Self::from_env`] reads the
    /// environment: for tests, and for keys kept in a secret store rather than the environment.
    ///
    /// ```
    /// use clerk_moderation_core::{ApiConfig, EnvError};
    /// use std::env::VarError;
    ///
    /// let config = ApiConfig::from_lookup(|name| match name {
    ///     "CLERK_SECRET_KEY" => Ok("sk_test_abc".to_owned()),
    ///     "CLERK_API_URL" => Ok("http://127.0.0.1:8080/v1".to_owned()),
    ///     _ => Err(VarError::NotPresent),
    /// })
    /// .unwrap();
    /// assert_eq!(config.base_url(), "http://127.0.0.1:8080/v1");
    ///
    /// let missing = ApiConfig::from_lookup(|_| Err(VarError::NotPresent)).unwrap_err();
    /// assert_eq!(missing, EnvError::Missing { name: "CLERK_SECRET_KEY" });
    /// assert_eq!(missing.to_string(), "CLERK_SECRET_KEY is not set, or empty");
    /// ```
    pub fn from_lookup(
        mut lookup: impl FnMut(&str) -> Result<String, VarError>,
    ) -> Result<Self, EnvError> {
        let mut read = |name: &'static str| match lookup(name) {
            Ok(value) => {
                let value = value.trim();
                Ok((!value.is_empty()).then(|| value.to_owned()))
            }
            Err(VarError::NotPresent) => Ok(None),
            // The raw value inside `NotUnicode` may be the key: it is dropped here, unread.
            Err(VarError::NotUnicode(_)) => Err(EnvError::NotUnicode { name }),
        };
        let invalid = |name| move |source| EnvError::Invalid { name, source };

        let key = read(SECRET_KEY_VAR)?.ok_or(EnvError::Missing {
            name: SECRET_KEY_VAR,
        })?;
        let mut config = Self::new(SecretKey::new(key).map_err(invalid(SECRET_KEY_VAR))?);
        if let Some(url) = read(API_URL_VAR)? {
            config = config.with_base_url(&url).map_err(invalid(API_URL_VAR))?;
        }
        Ok(config)
    }

    /// Sends requests elsewhere: an emulator, a proxy, a regional endpoint.
    ///
    /// Takes `http://` or `https://`, a host, an optional port and an optional path prefix.
    /// `/v1` is appended unless the path already ends in it, so `https://api.clerk.com` and
    /// `https://api.clerk.com/v1` (as Clerk's docs write it) both send to
    /// `https://api.clerk.com/v1/users/…`. Refuses user info, a query, a fragment and dot
    /// segments (`.`, `..`, and their percent-encoded forms such as `%2e%2e`), which a server
    /// or proxy may resolve into another path.
    ///
    /// Plain `http://` is accepted here; whether it is sent is the transport's rule. A loopback
    /// host (`127.0.0.0/8`, `::1`, `localhost`) makes every request carry [`LoopbackHttp`](crate::LoopbackHttp),
    /// which the built-in transports take as the caller's explicit choice (an emulator, a local
    /// proxy); any other `http://` host they refuse before connecting.
    ///
    /// ```
    /// use clerk_moderation_core::{ApiConfig, SecretKey};
    ///
    /// let config = ApiConfig::new(SecretKey::new("sk_test_abc").unwrap());
    /// let with_v1 = config.clone().with_base_url("https://api.clerk.com/v1").unwrap();
    /// let without = config.clone().with_base_url("https://api.clerk.com").unwrap();
    /// assert_eq!(with_v1.base_url(), "https://api.clerk.com/v1");
    /// assert_eq!(without.base_url(), "https://api.clerk.com/v1");
    /// assert!(config.with_base_url("https://proxy.example/%2e%2e/admin").is_err());
    /// ```
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, BuildError> {
        // Each reason reads after "invalid base URL: it".
        let invalid = |reason| BuildError::InvalidBaseUrl { reason };
        let uri: Uri = base_url
            .parse()
            .map_err(|_| invalid("is not a valid URL"))?;
        let is_https = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => true,
            Some(scheme) if *scheme == Scheme::HTTP => false,
            Some(_) => return Err(invalid("has a scheme other than http or https")),
            None => return Err(invalid("has no scheme")),
        };
        let authority = uri.authority().ok_or(invalid("has no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("must not carry user info"));
        }
        if authority.host().is_empty() {
            return Err(invalid("has no host"));
        }
        if base_url.contains('?') || base_url.contains('#') {
            return Err(invalid("must not have a query or fragment"));
        }
        let path = uri.path().trim_end_matches('/');
        if path.split('/').any(is_dot_segment) {
            return Err(invalid("must not have dot segments in its path"));
        }
        // The caller who wrote `…/v1` meant the API root, not a prefix before another `/v1`.
        let prefix = path.strip_suffix("/v1").unwrap_or(path);
        self.base_url = format!(
            "{}://{}{}/v1",
            uri.scheme_str().unwrap_or("https"),
            authority,
            prefix
        );
        self.is_https = is_https;
        self.is_loopback_http = !is_https && is_loopback_host(authority.host());
        Ok(self)
    }

    /// Sets the `Clerk-API-Version` header, a date such as `2026-05-12`.
    pub fn with_api_version(mut self, version: &str) -> Result<Self, BuildError> {
        let bytes = version.as_bytes();
        let is_date = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !is_date {
            return Err(BuildError::InvalidApiVersion {
                version: version.chars().take(32).collect(),
            });
        }
        self.api_version =
            Some(
                HeaderValue::from_str(version).map_err(|_| BuildError::InvalidApiVersion {
                    version: version.to_owned(),
                })?,
            );
        Ok(self)
    }

    /// Leaves the `Clerk-API-Version` header out, so Clerk applies the instance's default.
    pub fn without_api_version(mut self) -> Self {
        self.api_version = None;
        self
    }

    /// Sets the `User-Agent` header.
    pub fn with_user_agent(mut self, user_agent: &str) -> Result<Self, BuildError> {
        let value = HeaderValue::from_str(user_agent)
            .ok()
            .filter(|_| {
                !user_agent.is_empty()
                    && user_agent
                        .bytes()
                        .all(|b| b == b' ' || b.is_ascii_graphic())
            })
            .ok_or(BuildError::InvalidUserAgent)?;
        self.user_agent = value;
        Ok(self)
    }

    /// The secret key.
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret_key
    }

    /// The base every request path is appended to, `/v1` included.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether the base URL is `https://`.
    pub fn is_https(&self) -> bool {
        self.is_https
    }

    /// Whether the base URL is plain `http://` to a loopback host: its requests then carry
    /// [`LoopbackHttp`](crate::LoopbackHttp).
    ///
    /// ```
    /// use clerk_moderation_core::{ApiConfig, SecretKey};
    ///
    /// let config = ApiConfig::new(SecretKey::new("sk_test_abc").unwrap());
    /// assert!(config.clone().with_base_url("http://127.0.0.1:8080").unwrap().is_loopback_http());
    /// assert!(config.clone().with_base_url("http://localhost").unwrap().is_loopback_http());
    /// assert!(!config.clone().with_base_url("http://example.com").unwrap().is_loopback_http());
    /// assert!(!config.with_base_url("https://127.0.0.1").unwrap().is_loopback_http());
    /// ```
    pub fn is_loopback_http(&self) -> bool {
        self.is_loopback_http
    }

    /// The `Clerk-API-Version` value, unless it is left out.
    pub fn api_version(&self) -> Option<&HeaderValue> {
        self.api_version.as_ref()
    }

    /// The `User-Agent` value.
    pub fn user_agent(&self) -> &HeaderValue {
        &self.user_agent
    }
}

/// Why [`ApiConfig::from_env`] (or [`ApiConfig::from_lookup`]) could not make a config.
///
/// Its own type rather than a [`BuildError`] variant: it names the variable at fault, which a
/// `BuildError` (a request refused before sending) has no place for, and it wraps the
/// `BuildError` that refused a value as its [`source`](std::error::Error::source). No variant
/// holds a variable's value, so neither `Display` nor `Debug` can show the key. New variants
/// may come (more variables), hence `#[non_exhaustive]`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvError {
    /// A required variable is unset or empty.
    Missing {
        /// The variable, such as `CLERK_SECRET_KEY`.
        name: &'static str,
    },
    /// A variable holds bytes that are not valid Unicode.
    NotUnicode {
        /// The variable.
        name: &'static str,
    },
    /// A variable's value was refused; the source says why, without the value.
    Invalid {
        /// The variable.
        name: &'static str,
        /// What refused it.
        source: BuildError,
    },
}

impl EnvError {
    /// The variable at fault.
    pub fn variable(&self) -> &'static str {
        match self {
            Self::Missing { name } | Self::NotUnicode { name } | Self::Invalid { name, .. } => name,
        }
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Its own level only: why a value was refused is the source's to say.
        match self {
            Self::Missing { name } => write!(f, "{name} is not set, or empty"),
            Self::NotUnicode { name } => write!(f, "{name} is not valid Unicode"),
            Self::Invalid { name, .. } => write!(f, "{name} is invalid"),
        }
    }
}

impl std::error::Error for EnvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid { source, .. } => Some(source),
            Self::Missing { .. } | Self::NotUnicode { .. } => None,
        }
    }
}

/// Whether a path segment is `.` or `..` once its percent escapes are decoded: servers and
/// proxies that decode before they normalise turn `%2e%2e` into a step up, like `..`.
fn is_dot_segment(segment: &str) -> bool {
    let decoded = percent_decode_str(segment);
    // Anything longer than two bytes once decoded cannot be a dot segment; stop early rather
    // than decode a long segment whole.
    let mut bytes = decoded.take(3);
    matches!(
        (bytes.next(), bytes.next(), bytes.next()),
        (Some(b'.'), None, None) | (Some(b'.'), Some(b'.'), None)
    )
}

/// Whether `host` is a loopback host: `localhost` (any case), an IPv4 address in `127.0.0.0/8`,
/// or `::1` (bracketed or not). Nothing else, so nothing that needs a DNS lookup to decide.
///
/// ```
/// use clerk_moderation_core::is_loopback_host;
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
    bare.parse::<core::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}
