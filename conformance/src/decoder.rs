//! An independent decoder for the requests of Clerk's user-moderation Backend API.
//!
//! This module is written from the protocol description alone, without looking at (or
//! depending on) the core crate's request builders, so that a round trip "build with core,
//! decode here" checks something: a mistake in the builder cannot be cancelled out by the
//! same mistake in the decoder. The emulator routes its requests with it too.
//!
//! It recognises exactly these requests:
//!
//! | request | decoded as |
//! | --- | --- |
//! | `POST /v1/users/{id}/unlock` | [`DecodedOperation::UnlockUser`] |
//! | `POST /v1/users/{id}/unban` | [`DecodedOperation::UnbanUser`] |
//! | `POST /v1/users/{id}/lock` | [`DecodedOperation::LockUser`] |
//! | `POST /v1/users/{id}/ban` | [`DecodedOperation::BanUser`] |
//! | `GET /v1/users/{id}` | [`DecodedOperation::GetUser`] |
//! | `POST /v1/users/ban`, body `{"user_ids":[…]}` | [`DecodedOperation::BanUsers`] |
//! | `POST /v1/users/unban`, body `{"user_ids":[…]}` | [`DecodedOperation::UnbanUsers`] |
//! | `GET /v1/users?…` | [`DecodedOperation::ListUsers`] |
//! | `GET /v1/users/count?…` | [`DecodedOperation::CountUsers`] |
//!
//! Routing works on the raw (still percent-encoded) path segments, so `POST /v1/users/ban`
//! is the bulk ban while `POST /v1/users/%62an` is a `POST` to the single user `ban` (which is
//! not a route), and `GET /v1/users/ban` reads the user whose id is `ban`. The `{id}` segment
//! is percent-decoded afterwards. Likewise `GET /v1/users/count` counts users, while
//! `GET /v1/users/%63ount` reads the user whose id is `count`.
//!
//! The decoder is structural: it does not judge the number of ids in a bulk body (the
//! emulator answers `bulk_size_exceeded` for that), the values of the list parameters, nor the
//! values of the headers it reports. A bulk body may carry fields besides `user_ids`: the spec
//! does not forbid them, so they are ignored.

use std::fmt;

use http::{HeaderMap, Method, Request};
use percent_encoding::percent_decode_str;

/// One decoded moderation request: the operation and the headers a client is expected to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedRequest {
    /// The operation, with its percent-decoded user id(s).
    pub operation: DecodedOperation,
    /// The token of an `Authorization: Bearer <token>` header, if there is one of that form.
    pub bearer: Option<String>,
    /// The `Clerk-API-Version` header, if present.
    pub api_version: Option<String>,
    /// The `User-Agent` header, if present.
    pub user_agent: Option<String>,
    /// The `Accept` header, if present.
    pub accept: Option<String>,
    /// The `Content-Type` header, if present.
    pub content_type: Option<String>,
}

/// The moderation operation a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodedOperation {
    /// `POST /v1/users/{id}/unlock`.
    UnlockUser(String),
    /// `POST /v1/users/{id}/unban`.
    UnbanUser(String),
    /// `POST /v1/users/{id}/lock`.
    LockUser(String),
    /// `POST /v1/users/{id}/ban`.
    BanUser(String),
    /// `GET /v1/users/{id}`.
    GetUser(String),
    /// `POST /v1/users/ban` with `{"user_ids":[…]}`, ids in request order.
    BanUsers(Vec<String>),
    /// `POST /v1/users/unban` with `{"user_ids":[…]}`, ids in request order.
    UnbanUsers(Vec<String>),
    /// `GET /v1/users`, with the query's parameters in order (see [`QueryParams`]).
    ListUsers(QueryParams),
    /// `GET /v1/users/count`, with the query's parameters in order.
    CountUsers(QueryParams),
}

/// The parameters of a query string, percent-decoded, in the order received, repeats kept.
///
/// The query is read as a form (`application/x-www-form-urlencoded`), as Clerk's servers read
/// it: `+` is a space, `%2B` a plus sign. A name written `email_address[]` counts as
/// `email_address` (some clients mark arrays that way).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    /// Parses a raw query string (without the `?`).
    pub fn parse(query: &str) -> Self {
        let pairs = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name = form_decode(name);
                let name = match name.strip_suffix("[]") {
                    Some(bare) => bare.to_owned(),
                    None => name,
                };
                (name, form_decode(value))
            })
            .collect();
        Self(pairs)
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`: a parameter that takes one value keeps the first, as Clerk
    /// does for `order_by`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Form decoding: `+` is a space, then percent-decoding; bytes that are not UTF-8 become U+FFFD.
fn form_decode(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

impl DecodedOperation {
    /// The single user id of a single-user operation, `None` for the bulk ones.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::UnlockUser(id)
            | Self::UnbanUser(id)
            | Self::LockUser(id)
            | Self::BanUser(id)
            | Self::GetUser(id) => Some(id),
            _ => None,
        }
    }

    /// The ids of a bulk operation, `None` for the single-user ones.
    pub fn user_ids(&self) -> Option<&[String]> {
        match self {
            Self::BanUsers(ids) | Self::UnbanUsers(ids) => Some(ids),
            _ => None,
        }
    }

    /// The HTTP method of this operation.
    pub fn method(&self) -> Method {
        match self {
            Self::GetUser(_) | Self::ListUsers(_) | Self::CountUsers(_) => Method::GET,
            _ => Method::POST,
        }
    }
}

/// Why a request is not one of the moderation requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The path is not a moderation route (or does not start with the expected prefix).
    UnknownRoute {
        /// The raw path as received.
        path: String,
    },
    /// The path is a moderation route, but not for this method.
    WrongMethod {
        /// The method received.
        method: Method,
        /// The methods the path takes (`GET` and `POST` for `/v1/users/ban`: the user whose id
        /// is `ban`, and the bulk ban).
        allowed: Vec<Method>,
        /// The raw path as received.
        path: String,
    },
    /// The request carries a query string; only listing and counting users take one.
    UnexpectedQuery {
        /// The raw query (without `?`).
        query: String,
    },
    /// The `{id}` segment does not percent-decode to UTF-8, or decodes to an empty string.
    InvalidUserId {
        /// The raw, still encoded, segment.
        segment: String,
    },
    /// A single-user operation (which takes no body) came with a body.
    UnexpectedBody {
        /// The body's length in bytes.
        len: usize,
    },
    /// A bulk operation's body is not valid JSON (or is empty).
    InvalidJson {
        /// The JSON parser's message.
        message: String,
    },
    /// A bulk operation's body is JSON but not an object.
    BodyNotAnObject,
    /// A bulk operation's body has no `user_ids` field.
    MissingUserIds,
    /// `user_ids` is not an array of strings.
    InvalidUserIds {
        /// What was wrong.
        reason: String,
    },
    /// A header this decoder reports is not visible ASCII.
    InvalidHeader {
        /// The header's name.
        name: &'static str,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownRoute { path } => write!(f, "no moderation route for path {path:?}"),
            Self::WrongMethod {
                method,
                allowed,
                path,
            } => {
                let allowed: Vec<&str> = allowed.iter().map(Method::as_str).collect();
                write!(f, "{path:?} takes {}, not {method}", allowed.join(" or "))
            }
            Self::UnexpectedQuery { query } => write!(f, "unexpected query string {query:?}"),
            Self::InvalidUserId { segment } => {
                write!(f, "user id segment {segment:?} is empty or not UTF-8")
            }
            Self::UnexpectedBody { len } => {
                write!(f, "single-user operation has a body of {len} bytes")
            }
            Self::InvalidJson { message } => write!(f, "bulk body is not valid JSON: {message}"),
            Self::BodyNotAnObject => f.write_str("bulk body is not a JSON object"),
            Self::MissingUserIds => f.write_str("bulk body has no \"user_ids\" field"),
            Self::InvalidUserIds { reason } => write!(f, "invalid \"user_ids\": {reason}"),
            Self::InvalidHeader { name } => write!(f, "header {name} is not visible ASCII"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A decoder with a configurable path prefix (the path of a base URL such as
/// `http://proxy.local/clerk`, which comes before `/v1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoder {
    prefix: String,
}

impl Decoder {
    /// A decoder for paths that start directly with `/v1`.
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder for paths that start with `prefix` and then `/v1`. A missing leading `/` is
    /// added and trailing `/` are removed, so `"clerk"`, `"/clerk"` and `"/clerk/"` are the same.
    pub fn with_prefix(prefix: impl AsRef<str>) -> Self {
        Self {
            prefix: normalize_prefix(prefix.as_ref()),
        }
    }

    /// The normalized prefix (empty, or starting with `/` and not ending with one).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Decodes a whole request.
    pub fn decode(&self, req: &Request<Vec<u8>>) -> Result<DecodedRequest, DecodeError> {
        let path_and_query = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path(), |pq| pq.as_str());
        self.decode_parts(req.method(), path_and_query, req.headers(), req.body())
    }

    /// Decodes a request given as its pieces; `path_and_query` is the raw request target
    /// (path plus optional `?query`), as sent on the wire.
    pub fn decode_parts(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<DecodedRequest, DecodeError> {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        let operation = match (self.decode_route(method, path, body)?, query) {
            (DecodedOperation::ListUsers(_), Some(query)) => {
                DecodedOperation::ListUsers(QueryParams::parse(query))
            }
            (DecodedOperation::CountUsers(_), Some(query)) => {
                DecodedOperation::CountUsers(QueryParams::parse(query))
            }
            (_, Some(query)) => {
                return Err(DecodeError::UnexpectedQuery {
                    query: query.to_owned(),
                });
            }
            (operation, None) => operation,
        };
        Ok(DecodedRequest {
            operation,
            bearer: bearer_token(headers)?,
            api_version: header_string(headers, "clerk-api-version")?,
            user_agent: header_string(headers, "user-agent")?,
            accept: header_string(headers, "accept")?,
            content_type: header_string(headers, "content-type")?,
        })
    }

    /// Decodes the method, path (no query) and body into an operation, ignoring headers. The
    /// list and count operations come with no parameters: see [`QueryParams::parse`].
    pub fn decode_route(
        &self,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Result<DecodedOperation, DecodeError> {
        let unknown = || DecodeError::UnknownRoute {
            path: path.to_owned(),
        };
        let rest = path
            .strip_prefix(self.prefix.as_str())
            .ok_or_else(unknown)?;
        let wrong_method = |allowed: &[Method]| DecodeError::WrongMethod {
            method: method.clone(),
            allowed: allowed.to_vec(),
            path: path.to_owned(),
        };
        if rest == "/v1/users" {
            if *method != Method::GET {
                return Err(wrong_method(&[Method::GET]));
            }
            no_body(body)?;
            return Ok(DecodedOperation::ListUsers(QueryParams::default()));
        }
        let rest = rest.strip_prefix("/v1/users/").ok_or_else(unknown)?;
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            [""] => Err(unknown()),
            ["count"] if *method == Method::GET => {
                no_body(body)?;
                Ok(DecodedOperation::CountUsers(QueryParams::default()))
            }
            // `ban` and `unban` as the only segment are the bulk routes for POST, and plain
            // user ids for GET.
            [bulk @ ("ban" | "unban")] if *method == Method::POST => {
                let ids = decode_bulk_body(body)?;
                Ok(if *bulk == "ban" {
                    DecodedOperation::BanUsers(ids)
                } else {
                    DecodedOperation::UnbanUsers(ids)
                })
            }
            ["ban" | "unban"] if *method != Method::GET => {
                Err(wrong_method(&[Method::GET, Method::POST]))
            }
            [id] => {
                if *method != Method::GET {
                    return Err(wrong_method(&[Method::GET]));
                }
                let id = decode_id(id)?;
                no_body(body)?;
                Ok(DecodedOperation::GetUser(id))
            }
            [id, action @ ("unlock" | "unban" | "lock" | "ban")] => {
                if *method != Method::POST {
                    return Err(wrong_method(&[Method::POST]));
                }
                let id = decode_id(id)?;
                no_body(body)?;
                Ok(match *action {
                    "unlock" => DecodedOperation::UnlockUser(id),
                    "unban" => DecodedOperation::UnbanUser(id),
                    "lock" => DecodedOperation::LockUser(id),
                    _ => DecodedOperation::BanUser(id),
                })
            }
            _ => Err(unknown()),
        }
    }
}

/// Decodes a request whose path starts directly with `/v1` (no prefix).
pub fn decode_request(req: &Request<Vec<u8>>) -> Result<DecodedRequest, DecodeError> {
    Decoder::new().decode(req)
}

/// Decodes a request whose path starts with `prefix` and then `/v1`.
pub fn decode_request_with_prefix(
    req: &Request<Vec<u8>>,
    prefix: &str,
) -> Result<DecodedRequest, DecodeError> {
    Decoder::with_prefix(prefix).decode(req)
}

fn normalize_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

fn decode_id(segment: &str) -> Result<String, DecodeError> {
    match percent_decode_str(segment).decode_utf8() {
        Ok(id) if !id.is_empty() => Ok(id.into_owned()),
        _ => Err(DecodeError::InvalidUserId {
            segment: segment.to_owned(),
        }),
    }
}

fn no_body(body: &[u8]) -> Result<(), DecodeError> {
    if body.is_empty() {
        Ok(())
    } else {
        Err(DecodeError::UnexpectedBody { len: body.len() })
    }
}

fn decode_bulk_body(body: &[u8]) -> Result<Vec<String>, DecodeError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| DecodeError::InvalidJson {
            message: e.to_string(),
        })?;
    let serde_json::Value::Object(map) = value else {
        return Err(DecodeError::BodyNotAnObject);
    };
    let ids = map.get("user_ids").ok_or(DecodeError::MissingUserIds)?;
    let serde_json::Value::Array(items) = ids else {
        return Err(DecodeError::InvalidUserIds {
            reason: "not an array".to_owned(),
        });
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            serde_json::Value::String(s) => Ok(s.clone()),
            _ => Err(DecodeError::InvalidUserIds {
                reason: format!("item {i} is not a string"),
            }),
        })
        .collect()
}

fn header_string(headers: &HeaderMap, name: &'static str) -> Result<Option<String>, DecodeError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| DecodeError::InvalidHeader { name })
        })
        .transpose()
}

fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, DecodeError> {
    let Some(value) = header_string(headers, "authorization")? else {
        return Ok(None);
    };
    Ok(parse_bearer(&value).map(str::to_owned))
}

/// The token of a `Bearer <token>` credential (scheme case-insensitive), if it is one.
pub(crate) fn parse_bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, path: &str, body: &[u8]) -> Request<Vec<u8>> {
        Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", "Bearer sk_test_abc")
            .header("clerk-api-version", "2026-05-12")
            .header("user-agent", "clerk-moderation/0.1.0")
            .header("accept", "application/json")
            .body(body.to_vec())
            .unwrap()
    }

    fn op(method: Method, path: &str, body: &[u8]) -> Result<DecodedOperation, DecodeError> {
        decode_request(&req(method, path, body)).map(|d| d.operation)
    }

    #[test]
    fn single_user_routes() {
        use DecodedOperation::*;
        let id = "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S";
        let cases: [(Method, &str, DecodedOperation); 5] = [
            (Method::POST, "unlock", UnlockUser(id.into())),
            (Method::POST, "unban", UnbanUser(id.into())),
            (Method::POST, "lock", LockUser(id.into())),
            (Method::POST, "ban", BanUser(id.into())),
            (Method::GET, "", GetUser(id.into())),
        ];
        for (method, action, expected) in cases {
            let path = if action.is_empty() {
                format!("/v1/users/{id}")
            } else {
                format!("/v1/users/{id}/{action}")
            };
            assert_eq!(op(method, &path, b""), Ok(expected), "{path}");
        }
    }

    #[test]
    fn headers_are_reported() {
        let mut r = req(Method::POST, "/v1/users/ban", br#"{"user_ids":["a"]}"#);
        r.headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        let d = decode_request(&r).unwrap();
        assert_eq!(d.bearer.as_deref(), Some("sk_test_abc"));
        assert_eq!(d.api_version.as_deref(), Some("2026-05-12"));
        assert_eq!(d.user_agent.as_deref(), Some("clerk-moderation/0.1.0"));
        assert_eq!(d.accept.as_deref(), Some("application/json"));
        assert_eq!(d.content_type.as_deref(), Some("application/json"));

        let bare = Request::get("/v1/users/u").body(Vec::new()).unwrap();
        let d = decode_request(&bare).unwrap();
        assert_eq!(d.bearer, None);
        assert_eq!(d.api_version, None);
        assert_eq!(d.content_type, None);
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(parse_bearer("Bearer sk_x"), Some("sk_x"));
        assert_eq!(parse_bearer("bearer sk_x"), Some("sk_x"));
        assert_eq!(parse_bearer("Basic abc"), None);
        assert_eq!(parse_bearer("Bearer"), None);
        assert_eq!(parse_bearer("Bearer "), None);
        assert_eq!(parse_bearer("Bearer a b"), None);
        let r = Request::get("/v1/users/u")
            .header("authorization", "Token sk_x")
            .body(Vec::new())
            .unwrap();
        assert_eq!(decode_request(&r).unwrap().bearer, None);
    }

    #[test]
    fn bulk_routes() {
        assert_eq!(
            op(Method::POST, "/v1/users/ban", br#"{"user_ids":["a","b"]}"#),
            Ok(DecodedOperation::BanUsers(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            op(
                Method::POST,
                "/v1/users/unban",
                br#"{"user_ids":["b","a"]}"#
            ),
            Ok(DecodedOperation::UnbanUsers(vec!["b".into(), "a".into()]))
        );
        // The decoder does not judge the size.
        assert_eq!(
            op(Method::POST, "/v1/users/ban", br#"{"user_ids":[]}"#),
            Ok(DecodedOperation::BanUsers(vec![]))
        );
    }

    #[test]
    fn ban_id_ambiguity() {
        // GET of a user literally named `ban` / `unban` is a get-user.
        assert_eq!(
            op(Method::GET, "/v1/users/ban", b""),
            Ok(DecodedOperation::GetUser("ban".into()))
        );
        assert_eq!(
            op(Method::GET, "/v1/users/unban", b""),
            Ok(DecodedOperation::GetUser("unban".into()))
        );
        // Banning the user named `ban` is single.
        assert_eq!(
            op(Method::POST, "/v1/users/ban/ban", b""),
            Ok(DecodedOperation::BanUser("ban".into()))
        );
        // An encoded `ban` is a user id, and POST to a user is not a route.
        assert!(matches!(
            op(Method::POST, "/v1/users/%62an", b""),
            Err(DecodeError::WrongMethod { allowed, .. }) if allowed == [Method::GET]
        ));
        assert_eq!(
            op(Method::GET, "/v1/users/%62an", b""),
            Ok(DecodedOperation::GetUser("ban".into()))
        );
        // The bulk route without a body is a bad bulk request, not a get.
        assert!(matches!(
            op(Method::POST, "/v1/users/ban", b""),
            Err(DecodeError::InvalidJson { .. })
        ));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(
            op(Method::GET, "/v1/users/a%2Fb%20c%25", b""),
            Ok(DecodedOperation::GetUser("a/b c%".into()))
        );
        assert_eq!(
            op(Method::POST, "/v1/users/%C3%A9t%C3%A9/lock", b""),
            Ok(DecodedOperation::LockUser("été".into()))
        );
        assert!(matches!(
            op(Method::GET, "/v1/users/%FF", b""),
            Err(DecodeError::InvalidUserId { .. })
        ));
        assert!(matches!(
            op(Method::POST, "/v1/users//ban", b""),
            Err(DecodeError::InvalidUserId { .. })
        ));
    }

    #[test]
    fn unknown_routes_and_methods() {
        for path in [
            "/v1/users/",
            "/v1/user",
            "/v2/users/u",
            "/users/u",
            "/v1/users/u/delete",
            "/v1/users/u/ban/x",
            "/v1/users/u/",
            "/v1/organizations/o",
            "/",
        ] {
            assert!(
                matches!(
                    op(Method::GET, path, b""),
                    Err(DecodeError::UnknownRoute { .. })
                ),
                "{path}"
            );
        }
        assert!(matches!(
            op(Method::GET, "/v1/users/u/ban", b""),
            Err(DecodeError::WrongMethod { allowed, .. }) if allowed == [Method::POST]
        ));
        assert!(matches!(
            op(Method::DELETE, "/v1/users/u", b""),
            Err(DecodeError::WrongMethod { allowed, .. }) if allowed == [Method::GET]
        ));
        assert!(matches!(
            op(Method::PUT, "/v1/users/ban", b""),
            Err(DecodeError::WrongMethod { allowed, .. }) if allowed == [Method::GET, Method::POST]
        ));
        assert!(matches!(
            op(Method::GET, "/v1/users/u?x=1", b""),
            Err(DecodeError::UnexpectedQuery { .. })
        ));
    }

    #[test]
    fn bad_bodies() {
        assert_eq!(
            op(Method::POST, "/v1/users/u/ban", b"{}"),
            Err(DecodeError::UnexpectedBody { len: 2 })
        );
        assert_eq!(
            op(Method::GET, "/v1/users/u", b"x"),
            Err(DecodeError::UnexpectedBody { len: 1 })
        );
        assert!(matches!(
            op(Method::POST, "/v1/users/ban", b"{"),
            Err(DecodeError::InvalidJson { .. })
        ));
        assert_eq!(
            op(Method::POST, "/v1/users/ban", b"[]"),
            Err(DecodeError::BodyNotAnObject)
        );
        assert_eq!(
            op(Method::POST, "/v1/users/unban", b"{}"),
            Err(DecodeError::MissingUserIds)
        );
        assert!(matches!(
            op(Method::POST, "/v1/users/ban", br#"{"user_ids":"a"}"#),
            Err(DecodeError::InvalidUserIds { .. })
        ));
        assert!(matches!(
            op(Method::POST, "/v1/users/ban", br#"{"user_ids":["a",1]}"#),
            Err(DecodeError::InvalidUserIds { .. })
        ));
        // Fields besides `user_ids` are allowed (the spec does not forbid them) and ignored.
        assert_eq!(
            op(
                Method::POST,
                "/v1/users/ban",
                br#"{"user_ids":["a"],"x":1}"#
            ),
            Ok(DecodedOperation::BanUsers(vec!["a".into()]))
        );
    }

    #[test]
    fn prefix() {
        let r = req(Method::GET, "/clerk/api/v1/users/u", b"");
        assert_eq!(
            decode_request_with_prefix(&r, "/clerk/api/").map(|d| d.operation),
            Ok(DecodedOperation::GetUser("u".into()))
        );
        assert_eq!(
            Decoder::with_prefix("clerk/api")
                .decode(&r)
                .map(|d| d.operation),
            Ok(DecodedOperation::GetUser("u".into()))
        );
        assert!(matches!(
            decode_request(&r),
            Err(DecodeError::UnknownRoute { .. })
        ));
        let plain = req(Method::GET, "/v1/users/u", b"");
        assert!(matches!(
            decode_request_with_prefix(&plain, "/clerk"),
            Err(DecodeError::UnknownRoute { .. })
        ));
        assert_eq!(Decoder::with_prefix("/").prefix(), "");
    }

    #[test]
    fn list_and_count() {
        let list = req(
            Method::GET,
            "/v1/users?limit=5&email_address=a%40b.c&email_address[]=d+e&user_id=%2Buser_1&order_by=-created_at",
            b"",
        );
        let DecodedOperation::ListUsers(params) = decode_request(&list).unwrap().operation else {
            panic!("not a list");
        };
        assert_eq!(params.first("limit"), Some("5"));
        assert_eq!(
            params.all("email_address").collect::<Vec<_>>(),
            ["a@b.c", "d e"]
        );
        assert_eq!(params.first("user_id"), Some("+user_1"));
        assert_eq!(params.first("order_by"), Some("-created_at"));
        assert_eq!(params.first("offset"), None);
        assert_eq!(
            op(Method::GET, "/v1/users", b""),
            Ok(DecodedOperation::ListUsers(QueryParams::default()))
        );
        assert_eq!(
            op(Method::GET, "/v1/users/count?banned=true", b""),
            Ok(DecodedOperation::CountUsers(QueryParams(vec![(
                "banned".into(),
                "true".into()
            )])))
        );
        // An encoded `count` is a user id.
        assert_eq!(
            op(Method::GET, "/v1/users/%63ount", b""),
            Ok(DecodedOperation::GetUser("count".into()))
        );
        assert!(matches!(
            op(Method::POST, "/v1/users", b""),
            Err(DecodeError::WrongMethod { allowed, .. }) if allowed == [Method::GET]
        ));
        assert!(matches!(
            op(Method::POST, "/v1/users/count", b""),
            Err(DecodeError::WrongMethod { allowed, .. }) if allowed == [Method::GET]
        ));
        assert_eq!(
            op(Method::GET, "/v1/users", b"x"),
            Err(DecodeError::UnexpectedBody { len: 1 })
        );
    }

    #[test]
    fn errors_display() {
        let e = DecodeError::UnknownRoute { path: "/x".into() };
        assert!(e.to_string().contains("/x"));
        let _: &dyn std::error::Error = &e;
    }
}
