//! Round-trip properties of the core, checked against the conformance crate's independent
//! request decoder and the strategies in `clerk_moderation_conformance::strategies`.
//!
//! Every property runs `ProptestConfig::default().cases` cases: 256, or what the
//! `PROPTEST_CASES` environment variable says (`PROPTEST_CASES=10000 cargo test -p
//! clerk-moderation-conformance --test properties` for a long run). Failures found are saved
//! to `conformance/proptest-regressions/properties.txt` and replayed first on every run: commit
//! that file.

use std::time::{Duration, UNIX_EPOCH};

use clerk_moderation_conformance::decoder::{DecodedOperation, decode_request_with_prefix};
use clerk_moderation_conformance::strategies::{
    self, AnyOperation, AnyOutput, ApiVersionChoice, FieldKind, RetryAfterHeader,
};
use clerk_moderation_core::http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use clerk_moderation_core::model::{
    EmailAddress, EnterpriseAccount, EnterpriseConnection, ExternalAccount, IdentificationLink,
    Organization, OrganizationMembership, Passkey, PhoneNumber, PublicUserData, SamlAccount,
    SamlConnection, ScimUserMetadata, Verification, Web3Wallet,
};
use clerk_moderation_core::{
    ApiConfig, BanUsers, BuildError, ClerkError, ClerkErrors, DEFAULT_API_VERSION,
    DEFAULT_USER_AGENT, GetUser, LockUser, MAX_BULK_USER_IDS, MAX_USER_ID_LEN, Operation,
    ResponseError, RetryAfter, SecretKey, UnbanUsers, User, UserId, UserIdProblem, response_error,
};
use percent_encoding::percent_decode_str;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Map, Value, json};

/// Where failures are kept. Proptest's default (`SourceParallel`) looks for a `lib.rs` above
/// the test file and, finding none above `tests/`, would write next to it instead.
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/proptest-regressions/properties.txt"
);

/// The default config (so `PROPTEST_CASES` works), with failures kept in `REGRESSIONS`.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        ..ProptestConfig::default()
    }
}

// ---- helpers, written from the protocol description (not from core) ------------------------

/// Percent-encodes a path segment: RFC 3986 unreserved characters stay, every other byte of
/// the UTF-8 becomes `%XX` (upper-case hex).
fn encode_segment(id: &str) -> String {
    let mut out = String::new();
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Why DESIGN.md says `id` cannot be a Clerk user id, in the order the checks are documented.
fn expected_problem(id: &str) -> Option<UserIdProblem> {
    if id.is_empty() {
        return Some(UserIdProblem::Empty);
    }
    if id.len() > MAX_USER_ID_LEN {
        return Some(UserIdProblem::TooLong);
    }
    if id == "." || id == ".." {
        return Some(UserIdProblem::DotSegment);
    }
    id.chars().find_map(|c| match c {
        '/' | '\\' | '?' | '#' | '%' => Some(UserIdProblem::ForbiddenCharacter(c)),
        c if c.is_control() => Some(UserIdProblem::ControlCharacter),
        c if c.is_whitespace() => Some(UserIdProblem::Whitespace),
        c if !c.is_ascii() => Some(UserIdProblem::NonAscii),
        _ => None,
    })
}

/// The decoded operation `op` must come back as.
fn expected_decoded(op: &AnyOperation) -> DecodedOperation {
    let ids: Vec<String> = op
        .user_ids()
        .iter()
        .map(|id| id.as_str().to_owned())
        .collect();
    let one = || ids[0].clone();
    match op {
        AnyOperation::UnlockUser(_) => DecodedOperation::UnlockUser(one()),
        AnyOperation::UnbanUser(_) => DecodedOperation::UnbanUser(one()),
        AnyOperation::LockUser(_) => DecodedOperation::LockUser(one()),
        AnyOperation::BanUser(_) => DecodedOperation::BanUser(one()),
        AnyOperation::GetUser(_) => DecodedOperation::GetUser(one()),
        AnyOperation::BanUsers(_) => DecodedOperation::BanUsers(ids),
        AnyOperation::UnbanUsers(_) => DecodedOperation::UnbanUsers(ids),
        other => panic!("a new operation the suite does not know: {other:?}"),
    }
}

/// The path after `/v1/users` that `op` must be sent to.
fn expected_route(op: &AnyOperation) -> String {
    let ids = op.user_ids();
    let segment = encode_segment(ids[0].as_str());
    match op {
        AnyOperation::UnlockUser(_) => format!("/{segment}/unlock"),
        AnyOperation::UnbanUser(_) => format!("/{segment}/unban"),
        AnyOperation::LockUser(_) => format!("/{segment}/lock"),
        AnyOperation::BanUser(_) => format!("/{segment}/ban"),
        AnyOperation::GetUser(_) => format!("/{segment}"),
        AnyOperation::BanUsers(_) => "/ban".to_owned(),
        AnyOperation::UnbanUsers(_) => "/unban".to_owned(),
        other => panic!("a new operation the suite does not know: {other:?}"),
    }
}

/// Whether `haystack` shows `secret`, raw or `Debug`-escaped, whole or any 12-byte window.
fn shows_secret(haystack: &str, secret: &str) -> bool {
    let escaped = format!("{secret:?}");
    let escaped = &escaped[1..escaped.len() - 1];
    if haystack.contains(secret) || haystack.contains(escaped) {
        return true;
    }
    let chars: Vec<char> = secret.chars().collect();
    chars.windows(12).any(|w| {
        let window: String = w.iter().collect();
        haystack.contains(&window)
    })
}

/// A header as text, as core reads trace ids: the first value, invalid UTF-8 replaced.
fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Whether a body is, by the protocol's description, Clerk's error JSON: an object with an
/// `errors` field (`null` or an array of objects whose `message` and `code` are strings and
/// whose `long_message` is a string, each possibly missing or `null`), and a `clerk_trace_id`
/// that is a string, `null` or missing.
fn is_clerk_error_body(body: &[u8]) -> bool {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let string_or_null =
        |v: Option<&Value>| matches!(v, None | Some(Value::Null | Value::String(_)));
    let errors_ok = match object.get("errors") {
        None => false,
        Some(Value::Null) => true,
        Some(Value::Array(entries)) => entries.iter().all(|entry| match entry {
            Value::Object(e) => ["message", "long_message", "code"]
                .iter()
                .all(|key| string_or_null(e.get(*key))),
            _ => false,
        }),
        Some(_) => false,
    };
    errors_ok && string_or_null(object.get("clerk_trace_id"))
}

fn response(status: StatusCode, headers: HeaderMap, body: Vec<u8>) -> Response<Vec<u8>> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

// ---- the model ------------------------------------------------------------------------------

/// The generators' schemas must list exactly the model's fields, in order: a field added to
/// the model and not to the schema would never be generated with drift.
#[test]
fn schemas_match_the_model_fields() {
    let model: &[(&str, &[&str])] = &[
        ("User", User::FIELDS),
        ("EmailAddress", EmailAddress::FIELDS),
        ("PhoneNumber", PhoneNumber::FIELDS),
        ("Web3Wallet", Web3Wallet::FIELDS),
        ("Passkey", Passkey::FIELDS),
        ("ExternalAccount", ExternalAccount::FIELDS),
        ("SamlAccount", SamlAccount::FIELDS),
        ("SamlConnection", SamlConnection::FIELDS),
        ("EnterpriseAccount", EnterpriseAccount::FIELDS),
        ("EnterpriseConnection", EnterpriseConnection::FIELDS),
        ("OrganizationMembership", OrganizationMembership::FIELDS),
        ("Organization", Organization::FIELDS),
        ("PublicUserData", PublicUserData::FIELDS),
        ("Verification", Verification::FIELDS),
        ("IdentificationLink", IdentificationLink::FIELDS),
        ("ScimUserMetadata", ScimUserMetadata::FIELDS),
        ("ClerkError", ClerkError::FIELDS),
        ("ClerkErrors", ClerkErrors::FIELDS),
    ];
    assert_eq!(model.len(), strategies::ALL_SCHEMAS.len());
    for (name, fields) in model {
        let schema = strategies::ALL_SCHEMAS
            .iter()
            .find(|s| s.name == *name)
            .unwrap_or_else(|| panic!("no schema for {name}"));
        assert_eq!(schema.keys(), *fields, "{name}");
    }
}

/// The strategies' own IMF-fixdate formatter, checked against RFC 9110's example.
#[test]
fn imf_fixdate_formats_rfc_9110s_example() {
    let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
    assert_eq!(strategies::imf_fixdate(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // a leap day
    assert_eq!(strategies::imf_fixdate(t), "Tue, 29 Feb 2000 00:00:00 GMT");
    let t = UNIX_EPOCH + Duration::from_secs(253_402_300_799);
    assert_eq!(strategies::imf_fixdate(t), "Fri, 31 Dec 9999 23:59:59 GMT");
}

proptest! {
    #![proptest_config(config())]

    /// A `User` built in code survives JSON (as a `Value` and as text) unchanged, and writes
    /// every modelled field (a value built in code has nothing absent).
    #[test]
    fn typed_user_round_trips_through_json(user in strategies::user()) {
        let json = serde_json::to_value(&user).unwrap();
        let object = json.as_object().expect("a user serializes as an object");
        for key in User::FIELDS {
            prop_assert!(object.contains_key(*key), "{key} missing from {json}");
        }
        for (key, value) in &user.extra {
            prop_assert_eq!(object.get(key), Some(value));
        }
        let back: User = serde_json::from_value(json.clone()).unwrap();
        prop_assert_eq!(&back, &user);
        let text = serde_json::to_string(&user).unwrap();
        let back: User = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &user);
        for key in User::FIELDS {
            prop_assert!(!back.was_absent(key) && !back.was_null(key), "{key}");
        }
    }

    /// Clerk's error body built in code survives JSON unchanged.
    #[test]
    fn typed_clerk_errors_round_trip_through_json(errors in strategies::clerk_errors()) {
        let text = serde_json::to_string(&errors).unwrap();
        let back: ClerkErrors = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, errors);
    }

    /// A drifted user (fields missing, `null` whatever their type, unknown fields and enum
    /// values at every level) parses, serializes back to the very same `Value`, and parsing
    /// that again gives an equal `User`. `was_absent` and `was_null` say what happened.
    #[test]
    fn drifted_user_json_round_trips(json in strategies::user_json()) {
        let user: User = serde_json::from_value(json.clone())
            .map_err(|e| TestCaseError::fail(format!("does not parse: {e}\n{json}")))?;
        prop_assert_eq!(serde_json::to_value(&user).unwrap(), json.clone());

        let text = serde_json::to_string(&json).unwrap();
        let from_text: User = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&from_text, &user);
        let again: User = serde_json::from_str(&serde_json::to_string(&user).unwrap()).unwrap();
        prop_assert_eq!(&again, &user);

        let object = json.as_object().unwrap();
        for (key, kind) in strategies::USER.fields {
            let value = object.get(*key);
            prop_assert_eq!(user.was_absent(key), value.is_none(), "was_absent({})", key);
            let drift_null = value == Some(&Value::Null) && !kind.is_option();
            prop_assert_eq!(user.was_null(key), drift_null, "was_null({})", key);
        }
        for (key, value) in &user.extra {
            prop_assert!(!User::FIELDS.contains(&key.as_str()));
            prop_assert_eq!(object.get(key), Some(value));
        }
        // A few typed reads, against the JSON.
        prop_assert_eq!(user.id.as_str(), object.get("id").and_then(Value::as_str).unwrap_or(""));
        prop_assert_eq!(user.banned, object.get("banned").and_then(Value::as_bool).unwrap_or(false));
        prop_assert_eq!(user.created_at, object.get("created_at").and_then(Value::as_i64).unwrap_or(0));
        prop_assert_eq!(
            user.email_addresses.len(),
            object.get("email_addresses").and_then(Value::as_array).map_or(0, Vec::len)
        );
        prop_assert_eq!(
            user.lockout_expires_in_seconds,
            object.get("lockout_expires_in_seconds").and_then(Value::as_i64)
        );
    }
}

// ---- requests -------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Every operation, built with any config, decodes (with the independent decoder and the
    /// config's path prefix) to the same operation with the same ids in order, the generated
    /// key, the configured API version (or none), and exactly the expected URI.
    #[test]
    fn built_requests_decode_to_the_same_operation(
        op in strategies::any_operation(),
        spec in strategies::config_spec(),
    ) {
        let config = spec.build().map_err(|e| TestCaseError::fail(format!("config refused: {e}")))?;
        let request = op.build_request(&config)
            .map_err(|e| TestCaseError::fail(format!("build refused: {e}")))?;

        let uri = request.uri();
        prop_assert_eq!(uri.scheme_str(), Some(spec.scheme()));
        prop_assert_eq!(uri.authority().map(|a| a.as_str()), Some(spec.authority()));
        prop_assert_eq!(uri.query(), None);
        let expected_path = format!(
            "{}/v1/users{}",
            spec.path_prefix().trim_end_matches('/'),
            expected_route(&op)
        );
        prop_assert_eq!(uri.path(), expected_path.as_str());
        let method = if matches!(op, AnyOperation::GetUser(_)) { Method::GET } else { Method::POST };
        prop_assert_eq!(request.method(), &method);
        let authorization = request.headers().get("authorization").unwrap();
        prop_assert!(authorization.is_sensitive());

        let decoded = decode_request_with_prefix(&request, spec.path_prefix())
            .map_err(|e| TestCaseError::fail(format!("decoder refused {request:?}: {e}")))?;
        prop_assert_eq!(&decoded.operation, &expected_decoded(&op));
        prop_assert_eq!(decoded.bearer.as_deref(), Some(spec.secret.as_str()));
        let version = match &spec.api_version {
            ApiVersionChoice::Default => Some(DEFAULT_API_VERSION),
            ApiVersionChoice::Set(v) => Some(v.as_str()),
            ApiVersionChoice::Omitted => None,
        };
        prop_assert_eq!(decoded.api_version.as_deref(), version);
        prop_assert_eq!(
            decoded.user_agent.as_deref(),
            Some(spec.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT))
        );
        prop_assert_eq!(decoded.accept.as_deref(), Some("application/json"));
        if op.is_bulk() {
            prop_assert_eq!(decoded.content_type.as_deref(), Some("application/json"));
            let body: Value = serde_json::from_slice(request.body()).unwrap();
            let ids: Vec<&str> = op.user_ids().iter().map(|id| id.as_str()).collect();
            prop_assert_eq!(body, json!({ "user_ids": ids }));
        } else {
            prop_assert_eq!(decoded.content_type, None);
            prop_assert!(request.body().is_empty());
        }
    }

    /// The bulk operations take 1 to 50 ids: none, or more than 50, is refused up front.
    #[test]
    fn bulk_sizes_outside_1_to_50_are_refused(
        ids in prop_oneof![
            Just(Vec::new()),
            vec(strategies::user_id(), MAX_BULK_USER_IDS + 1..=3 * MAX_BULK_USER_IDS),
        ],
    ) {
        let expected = BuildError::BulkSize { count: ids.len(), max: MAX_BULK_USER_IDS };
        prop_assert_eq!(BanUsers::new(ids.clone()).err(), Some(expected.clone()));
        prop_assert_eq!(UnbanUsers::new(ids).err(), Some(expected));
    }

    /// Every id the strategies call valid (Clerk's own shape and other accepted schemes) is
    /// accepted, and kept as given.
    #[test]
    fn valid_user_ids_are_accepted(id in strategies::valid_user_id()) {
        let user_id = UserId::new(&id)
            .map_err(|e| TestCaseError::fail(format!("{id:?} refused: {e}")))?;
        prop_assert_eq!(user_id.as_str(), id.as_str());
        prop_assert_eq!(user_id.path_segment().to_string(), encode_segment(&id));
    }

    /// A hostile id is refused for the documented reason (with an escaped, short excerpt in
    /// the error), or, when it is harmless once encoded, names exactly one path segment that
    /// decodes back to it, with no query or fragment, in single and bulk requests alike.
    #[test]
    fn hostile_user_ids_are_refused_or_name_one_segment(id in strategies::hostile_user_id()) {
        match UserId::new(&id) {
            Err(BuildError::InvalidUserId { id: shown, problem }) => {
                prop_assert_eq!(Some(problem), expected_problem(&id));
                // "Escaped and cut to 64 characters": the first 64 characters, escaped, and
                // an ellipsis when there were more.
                let mut excerpt: String = id.chars().take(64).flat_map(char::escape_default).collect();
                if id.chars().count() > 64 {
                    excerpt.push('…');
                }
                prop_assert_eq!(&shown, &excerpt);
                prop_assert!(!shown.chars().any(char::is_control), "raw control in {shown:?}");
                let error = BuildError::InvalidUserId { id: shown, problem }.to_string();
                prop_assert!(!error.chars().any(char::is_control), "raw control in {error:?}");
            }
            Err(other) => prop_assert!(false, "{id:?} refused with {other:?}"),
            Ok(user_id) => {
                prop_assert_eq!(expected_problem(&id), None, "{:?} accepted", id);
                let config = ApiConfig::new(SecretKey::new("sk_test_hostile").unwrap());
                let request = LockUser::new(user_id.clone()).build_request(&config).unwrap();
                let segment = encode_segment(&id);
                prop_assert_eq!(request.uri().path(), format!("/v1/users/{segment}/lock"));
                prop_assert_eq!(request.uri().query(), None);
                prop_assert!(!request.uri().to_string().contains('#'));
                let segments: Vec<&str> = request.uri().path().split('/').collect();
                prop_assert_eq!(segments.len(), 5);
                prop_assert_eq!(percent_decode_str(segments[3]).decode_utf8().unwrap(), id.as_str());

                let request = GetUser::new(user_id.clone()).build_request(&config).unwrap();
                prop_assert_eq!(request.uri().path(), format!("/v1/users/{segment}"));
                let decoded = decode_request_with_prefix(&request, "").unwrap();
                prop_assert_eq!(decoded.operation, DecodedOperation::GetUser(id.clone()));

                let request = BanUsers::new([user_id]).unwrap().build_request(&config).unwrap();
                let decoded = decode_request_with_prefix(&request, "").unwrap();
                prop_assert_eq!(decoded.operation, DecodedOperation::BanUsers(vec![id]));
            }
        }
    }
}

// ---- responses ------------------------------------------------------------------------------

/// Optional trace-id headers and a `Retry-After`.
fn error_headers() -> impl Strategy<
    Value = (
        Option<String>,
        Option<String>,
        Option<RetryAfterHeader>,
        bool,
    ),
> {
    (
        proptest::option::of("[a-f0-9]{16}"),
        proptest::option::of("[a-f0-9]{16}-[A-Z]{3}"),
        proptest::option::of(strategies::retry_after_header()),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(config())]

    /// Clerk's error body with an error status parses to `ResponseError::Api` keeping the
    /// status, every error in order (losslessly), `meta`, unknown fields, the trace id (from
    /// the body, else the `Clerk-Trace-Id` header, else `cf-ray`) and `Retry-After`.
    #[test]
    fn error_bodies_parse_to_api_errors(
        body in strategies::clerk_errors_json(),
        status in strategies::error_status(),
        (trace_header, cf_ray, retry_after, json_content_type) in error_headers(),
        op in strategies::any_operation(),
    ) {
        let mut headers = HeaderMap::new();
        if json_content_type {
            headers.insert("content-type", HeaderValue::from_static("application/json"));
        }
        if let Some(trace) = &trace_header {
            headers.insert("clerk-trace-id", HeaderValue::from_str(trace).unwrap());
        }
        if let Some(ray) = &cf_ray {
            headers.insert("cf-ray", HeaderValue::from_str(ray).unwrap());
        }
        if let Some(retry) = &retry_after {
            headers.insert("retry-after", retry.value.clone());
        }
        let bytes = serde_json::to_vec(&body).unwrap();
        let result = op.parse_response(response(status, headers.clone(), bytes.clone()));
        let Err(error) = result else {
            return Err(TestCaseError::fail(format!("{status} parsed as a success")));
        };
        prop_assert_eq!(&error, &response_error(&response(status, headers.clone(), bytes)));
        let ResponseError::Api(api) = &error else {
            return Err(TestCaseError::fail(format!("not Api: {error:?}")));
        };
        let object = body.as_object().unwrap();
        let entries = object["errors"].as_array().unwrap();

        prop_assert_eq!(api.status, status);
        prop_assert_eq!(error.status(), status);
        let codes: Vec<&str> = api.errors.iter().map(|e| e.code.as_str()).collect();
        let expected_codes: Vec<&str> = entries
            .iter()
            .map(|e| e.get("code").and_then(Value::as_str).unwrap_or(""))
            .collect();
        prop_assert_eq!(&codes, &expected_codes);
        prop_assert_eq!(error.code(), expected_codes.first().copied());
        prop_assert_eq!(serde_json::to_value(&api.errors).unwrap(), Value::Array(entries.clone()));
        prop_assert_eq!(api.meta.as_ref(), object.get("meta").filter(|m| !m.is_null()));
        let extra: Map<String, Value> = object
            .iter()
            .filter(|(k, _)| !["errors", "meta", "clerk_trace_id"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        prop_assert_eq!(&api.extra, &extra);

        let expected_trace = object
            .get("clerk_trace_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or(trace_header)
            .or(cf_ray);
        prop_assert_eq!(api.clerk_trace_id.as_ref(), expected_trace.as_ref());
        prop_assert_eq!(error.clerk_trace_id(), expected_trace.as_deref());

        let expected_retry = retry_after.and_then(|r| r.expected);
        prop_assert_eq!(api.retry_after, expected_retry);
        prop_assert_eq!(error.retry_after(), expected_retry);
        prop_assert_eq!(&api.headers, &headers);

        // The classifiers follow the status and the codes.
        let code = status.as_u16();
        let locked = code == 409 && expected_codes.contains(&"resource_locked");
        prop_assert_eq!(error.is_rate_limited(), code == 429);
        prop_assert_eq!(error.is_not_found(), code == 404);
        prop_assert_eq!(error.is_resource_locked(), locked);
        // A 500 here is in Clerk's shape: Clerk's own fault, retried like 502-504.
        prop_assert_eq!(error.is_retryable(), matches!(code, 429 | 500 | 502 | 503 | 504) || locked);
        prop_assert_eq!(error.is_server_error(), code >= 500);
    }

    /// `parse_response` never panics, whatever the status, headers and bytes; it keeps the
    /// status, and the body byte for byte when it does not decode. A non-2xx is Clerk's error
    /// exactly when the body is Clerk's error JSON; a 2xx that decodes is lossless.
    #[test]
    fn parse_response_never_panics_and_keeps_the_body(
        op in strategies::any_operation(),
        status in strategies::any_status(),
        headers in strategies::header_map(),
        body in strategies::response_body(),
    ) {
        let result = op.parse_response(response(status, headers.clone(), body.clone()));
        let trace = header_text(&headers, "clerk-trace-id").or_else(|| header_text(&headers, "cf-ray"));
        let content_type = header_text(&headers, "content-type");
        match result {
            Ok(output) => {
                prop_assert!(status.is_success(), "{status} parsed as a success");
                let json: Value = serde_json::from_slice(&body).unwrap();
                let back = match &output {
                    AnyOutput::User(user) => serde_json::to_value(user).unwrap(),
                    AnyOutput::Users(users) => serde_json::to_value(users).unwrap(),
                    other => panic!("a new output the suite does not know: {other:?}"),
                };
                prop_assert_eq!(back, json);
            }
            Err(error) => {
                prop_assert_eq!(error.status(), status);
                let _ = error.to_string();
                if headers.get("retry-after").is_none() {
                    prop_assert_eq!(error.retry_after(), None);
                }
                match &error {
                    ResponseError::Decode(e) => {
                        prop_assert!(status.is_success());
                        prop_assert_eq!(&e.body, &body);
                        prop_assert_eq!(&e.content_type, &content_type);
                        prop_assert_eq!(&e.clerk_trace_id, &trace);
                    }
                    ResponseError::Unstructured(e) => {
                        prop_assert!(!status.is_success());
                        prop_assert!(!is_clerk_error_body(&body), "Clerk's error JSON kept as bytes");
                        prop_assert_eq!(&e.body, &body);
                        prop_assert_eq!(&e.content_type, &content_type);
                        prop_assert_eq!(&e.clerk_trace_id, &trace);
                        prop_assert_eq!(&e.headers, &headers);
                    }
                    ResponseError::Api(e) => {
                        prop_assert!(!status.is_success());
                        prop_assert!(is_clerk_error_body(&body), "not Clerk's error JSON, yet Api");
                        prop_assert_eq!(&e.headers, &headers);
                    }
                    other => panic!("a new error the suite does not know: {other:?}"),
                }
            }
        }
    }

    /// A 2xx with a (drifted) user, or an array of them for the bulk operations, parses, and
    /// what it parses to serializes back to the body's JSON.
    #[test]
    fn success_bodies_parse_losslessly(
        op in strategies::any_operation(),
        status in strategies::success_status(),
        user in strategies::user_json(),
        users in strategies::users_json(),
    ) {
        let json = if op.is_bulk() { users } else { user };
        let result = op.parse_response(response(status, HeaderMap::new(), serde_json::to_vec(&json).unwrap()));
        let output = result.map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let back = match &output {
            AnyOutput::User(user) => serde_json::to_value(user).unwrap(),
            AnyOutput::Users(users) => serde_json::to_value(users).unwrap(),
            other => panic!("a new output the suite does not know: {other:?}"),
        };
        prop_assert_eq!(back, json);
    }

    /// A `Retry-After` header means what RFC 9110 says: delta-seconds or an HTTP-date
    /// (IMF-fixdate or asctime), anything else ignored.
    #[test]
    fn retry_after_headers_mean_what_they_say(retry in strategies::retry_after_header()) {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", retry.value.clone());
        prop_assert_eq!(RetryAfter::from_headers(&headers), retry.expected);
    }
}

// ---- secrets --------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// A secret key never shows in the `Debug` of the key, the config, the operation or any
    /// request built with it.
    #[test]
    fn secrets_never_show_in_debug(
        spec in strategies::config_spec(),
        op in strategies::any_operation(),
    ) {
        let secret = spec.secret.as_str();
        let key = SecretKey::new(secret).unwrap();
        prop_assert_eq!(key.expose_secret(), secret);
        let config = spec.build().unwrap();
        let request = op.build_request(&config).unwrap();
        let outputs = [
            format!("{key:?}"),
            format!("{config:?}"),
            format!("{config:#?}"),
            format!("{op:?}"),
            format!("{request:?}"),
            format!("{:?}", request.headers()),
        ];
        for output in &outputs {
            prop_assert!(!shows_secret(output, secret), "the secret shows in {}", output);
        }
        // It is still sent.
        let expected = format!("Bearer {secret}");
        prop_assert_eq!(request.headers()["authorization"].as_bytes(), expected.as_bytes());
    }

    /// A refused secret key is not repeated in the error, nor in a config built with it.
    #[test]
    fn refused_secrets_never_show_in_errors(secret in strategies::invalid_secret_key_string()) {
        let error = match SecretKey::new(&secret) {
            Ok(_) => return Err(TestCaseError::fail(format!("{secret:?} accepted"))),
            Err(error) => error,
        };
        prop_assert!(matches!(error, BuildError::InvalidSecretKey { .. }), "{error:?}");
        for output in [format!("{error:?}"), error.to_string()] {
            prop_assert!(!shows_secret(&output, &secret), "the secret shows in {}", output);
        }
    }
}

/// The `FieldKind` helper agrees with the model on a known case (`banned` is a plain `bool`,
/// `external_id` an `Option`), so the `was_null` property above checks what it means to.
#[test]
fn field_kinds_know_what_is_an_option() {
    assert!(!strategies::USER.kind("banned").unwrap().is_option());
    assert!(strategies::USER.kind("external_id").unwrap().is_option());
    assert!(matches!(
        strategies::USER.kind("email_addresses"),
        Some(FieldKind::List(_))
    ));
    let user: User = serde_json::from_value(json!({"banned": null, "external_id": null})).unwrap();
    assert!(user.was_null("banned") && !user.was_null("external_id"));
}

proptest! {
    #![proptest_config(config())]

    /// Any finite float in a user's metadata survives JSON text → `User` → JSON exactly.
    ///
    /// serde_json parses floats correctly rounded only with its `float_roundtrip` feature,
    /// which the workspace turns on for this: without it, extreme floats such as
    /// `-1.2331761056012127e-142` came back one ulp off.
    #[test]
    fn any_float_survives_json_text(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let text = serde_json::to_string(&json!({ "id": "user_1", "public_metadata": { "f": f } })).unwrap();
        let user: User = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(user.public_metadata["f"].as_f64(), Some(f));
    }
}
