//! The `Operation` trait, and the request building and response parsing every operation shares.

use std::fmt::Write as _;

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, HeaderValue, Method, Request, Response, Uri};
use serde::de::DeserializeOwned;

use crate::config::ApiConfig;
use crate::error::{BuildError, ResponseError, error_from_parts, parse_success};
use crate::request_extensions::{LoopbackHttp, ResponseCap};
use crate::user_id::UserId;

/// The `Clerk-API-Version` header.
pub static CLERK_API_VERSION: HeaderName = HeaderName::from_static("clerk-api-version");

/// One Backend API call: how to build its request, and how to read its response.
///
/// Both halves are pure: nothing is sent and no clock is read. Run one with any transport:
///
/// ```
/// use clerk_moderation_core::{ApiConfig, Operation, SecretKey, UnlockUser, UserId};
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_abc").unwrap());
/// let unlock = UnlockUser::new(UserId::new("user_123").unwrap());
/// let request = unlock.build_request(&config).unwrap();
/// assert_eq!(request.uri(), "https://api.clerk.com/v1/users/user_123/unlock");
///
/// // ... send `request` with any HTTP client, then:
/// let response = http::Response::builder()
///     .status(200)
///     .body(r#"{"id":"user_123","object":"user","locked":false}"#)
///     .unwrap();
/// let user = unlock.parse_response(response).unwrap();
/// assert!(!user.locked);
/// ```
pub trait Operation {
    /// What a successful response holds.
    type Output;

    /// A short name for logs and reports, such as `unlock_user`.
    const NAME: &'static str;

    /// Builds the request. Fails only on input the operation's constructor could not check.
    fn build_request(&self, config: &ApiConfig) -> Result<Request<Vec<u8>>, BuildError>;

    /// The one user the operation acts on, if it acts on one: for logs and traces.
    fn user_id(&self) -> Option<&UserId> {
        None
    }

    /// Reads a response: the output on a 2xx that decodes, a [`ResponseError`] otherwise.
    /// Never panics, whatever the status, headers and bytes.
    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: Response<B>,
    ) -> Result<Self::Output, ResponseError>;
}

/// Builds a request to `{base}/users{path}` with the headers every request carries, and the
/// extensions that tell the transport how large its answer may be (`answer_users` users) and
/// whether plain HTTP to loopback was asked for.
pub(crate) fn build_request(
    config: &ApiConfig,
    method: Method,
    path: std::fmt::Arguments<'_>,
    json_body: Option<Vec<u8>>,
    answer_users: u32,
) -> Result<Request<Vec<u8>>, BuildError> {
    let mut uri = String::with_capacity(config.base_url().len() + 64);
    uri.push_str(config.base_url());
    uri.push_str("/users");
    uri.write_fmt(path)
        .map_err(|e| BuildError::InvalidUri(e.to_string()))?;
    let uri = Uri::try_from(uri).map_err(|e| BuildError::InvalidUri(e.to_string()))?;

    let has_body = json_body.is_some();
    let mut request = Request::new(json_body.unwrap_or_default());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.reserve(6);
    headers.insert(
        AUTHORIZATION,
        config.secret_key().authorization_header().clone(),
    );
    if let Some(version) = config.api_version() {
        headers.insert(CLERK_API_VERSION.clone(), version.clone());
    }
    headers.insert(USER_AGENT, config.user_agent().clone());
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    if has_body {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let extensions = request.extensions_mut();
    extensions.insert(ResponseCap::for_users(answer_users));
    if config.is_loopback_http() {
        extensions.insert(LoopbackHttp);
    }
    Ok(request)
}

/// Builds a body-less request to `/users/{id}` or `/users/{id}/{action}`.
pub(crate) fn build_user_request(
    config: &ApiConfig,
    method: Method,
    user_id: &UserId,
    action: Option<&str>,
) -> Result<Request<Vec<u8>>, BuildError> {
    match action {
        Some(action) => build_request(
            config,
            method,
            format_args!("/{}/{action}", user_id.path_segment()),
            None,
            1,
        ),
        None => build_request(
            config,
            method,
            format_args!("/{}", user_id.path_segment()),
            None,
            1,
        ),
    }
}

/// Reads a JSON response: `T` on a 2xx that decodes, a [`ResponseError`] otherwise.
pub(crate) fn parse_json_response<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: Response<B>,
) -> Result<T, ResponseError> {
    let (parts, body) = response.into_parts();
    if parts.status.is_success() {
        parse_success(parts.status, &parts.headers, body.as_ref())
    } else {
        Err(error_from_parts(
            parts.status,
            &parts.headers,
            body.as_ref(),
        ))
    }
}

/// Classifies any response as an error, whatever its status: for transports and clients that
/// must report a response no operation asked for (a redirect they refused to follow, say).
pub fn response_error<B: AsRef<[u8]>>(response: &Response<B>) -> ResponseError {
    error_from_parts(
        response.status(),
        response.headers(),
        response.body().as_ref(),
    )
}
