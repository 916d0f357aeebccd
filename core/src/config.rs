//! `ApiConfig`: where requests go and the headers every request carries.

use http::HeaderValue;
use http::uri::{Scheme, Uri};

use crate::error::BuildError;
use crate::secret_key::SecretKey;

/// Clerk's Backend API.
pub const DEFAULT_BASE_URL: &str = "https://api.clerk.com";
/// The API version the official JavaScript SDK pins, sent as `Clerk-API-Version`.
pub const DEFAULT_API_VERSION: &str = "2026-05-12";
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
            api_version: Some(HeaderValue::from_static(DEFAULT_API_VERSION)),
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
        }
    }

    /// Sends requests elsewhere: an emulator, a proxy, a regional endpoint.
    ///
    /// Takes `http://` or `https://`, a host, an optional port and an optional path prefix;
    /// `/v1` is appended. Refuses user info, a query and a fragment. Whether plain `http://` may
    /// actually be used is for the transport to decide (the built-in ones allow it only for
    /// loopback hosts, and only when switched on).
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, BuildError> {
        let invalid = |reason| BuildError::InvalidBaseUrl { reason };
        let uri: Uri = base_url
            .parse()
            .map_err(|_| invalid("is not a valid URL"))?;
        let is_https = match uri.scheme() {
            Some(scheme) if *scheme == Scheme::HTTPS => true,
            Some(scheme) if *scheme == Scheme::HTTP => false,
            Some(_) => return Err(invalid("scheme must be http or https")),
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
        if path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Err(invalid("must not have dot segments in its path"));
        }
        self.base_url = format!(
            "{}://{}{}/v1",
            uri.scheme_str().unwrap_or("https"),
            authority,
            path
        );
        self.is_https = is_https;
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

    /// The `Clerk-API-Version` value, unless it is left out.
    pub fn api_version(&self) -> Option<&HeaderValue> {
        self.api_version.as_ref()
    }

    /// The `User-Agent` value.
    pub fn user_agent(&self) -> &HeaderValue {
        &self.user_agent
    }
}
