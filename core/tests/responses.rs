//! Responses of every status class become a `User` or a typed `ResponseError` that keeps all
//! the server said. Fixtures follow the spec's `ClerkErrors` schema and the statuses DESIGN.md
//! lists.

// Under wasm32-unknown-unknown these tests run in Node, through wasm-bindgen-test.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clerk_moderation_core::http::{Response, StatusCode};
use clerk_moderation_core::{
    BanUsers, GetUser, Operation, ResponseError, RetryAfter, UnbanUser, UnlockUser, UserId,
    response_error,
};

fn unlock() -> UnlockUser {
    UnlockUser::new(UserId::new("user_1").unwrap())
}

fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

const JSON: (&str, &str) = ("content-type", "application/json");

fn clerk_error(code: &str, message: &str) -> String {
    format!(
        r#"{{"errors":[{{"message":"{message}","long_message":"{message}, in detail","code":"{code}","meta":{{"param_name":"user_id"}}}}],"meta":{{"request":"r1"}},"clerk_trace_id":"trace_{code}"}}"#
    )
}

#[test]
fn success_with_charset_parses_a_user() {
    let body =
        r#"{"id":"user_1","object":"user","locked":false,"lockout_expires_in_seconds":null}"#;
    let response = respond(
        200,
        &[("content-type", "application/json; charset=utf-8")],
        body,
    );
    let user = unlock().parse_response(response).unwrap();
    assert_eq!(user.id, "user_1");
    assert!(!user.locked);
}

#[test]
fn bulk_success_parses_users_in_order() {
    let ban = BanUsers::new([
        UserId::new("user_a").unwrap(),
        UserId::new("user_b").unwrap(),
    ])
    .unwrap();
    let response = respond(
        200,
        &[JSON],
        r#"[{"id":"user_a","banned":true},{"id":"user_b","banned":true}]"#,
    );
    let users = ban.parse_response(response).unwrap();
    assert_eq!(
        users.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["user_a", "user_b"]
    );
}

#[test]
fn every_documented_error_status_keeps_clerks_details() {
    let cases = [
        (400, "api_version_invalid"),
        (400, "bulk_size_exceeded"),
        (401, "authentication_invalid"),
        (401, "clerk_key_invalid"),
        (402, "payment_required"),
        (403, "feature_not_enabled"),
        (404, "resource_not_found"),
        (409, "resource_locked"),
        (422, "form_param_invalid"),
        (429, "too_many_requests"),
        (500, "internal_clerk_error"),
        (503, "service_unavailable"),
    ];
    for (status, code) in cases {
        let response = respond(status, &[JSON], &clerk_error(code, "went wrong"));
        let error = unlock().parse_response(response).unwrap_err();
        let ResponseError::Api(api) = &error else {
            panic!("{status}: expected Api, got {error:?}")
        };
        assert_eq!(api.status.as_u16(), status);
        assert_eq!(api.errors.len(), 1);
        assert_eq!(api.errors[0].code, code);
        assert_eq!(api.errors[0].message, "went wrong");
        assert_eq!(
            api.errors[0].long_message.as_deref(),
            Some("went wrong, in detail")
        );
        assert_eq!(
            api.errors[0].meta.as_ref().unwrap()["param_name"],
            "user_id"
        );
        assert_eq!(api.meta.as_ref().unwrap()["request"], "r1");
        assert_eq!(
            error.clerk_trace_id(),
            Some(format!("trace_{code}").as_str())
        );
        assert_eq!(error.code(), Some(code));
        assert!(
            error.to_string().contains(code),
            "Display names the code: {error}"
        );
    }
}

#[test]
fn classifiers_follow_status_and_code() {
    let error = |status, code| {
        unlock()
            .parse_response(respond(status, &[JSON], &clerk_error(code, "x")))
            .unwrap_err()
    };
    assert!(error(404, "resource_not_found").is_not_found());
    assert!(error(401, "clerk_key_invalid").is_unauthorized());
    assert!(error(402, "x").is_payment_required());
    assert!(error(403, "feature_not_enabled").is_forbidden());
    assert!(error(409, "resource_locked").is_resource_locked());
    assert!(error(409, "resource_locked").is_retryable());
    assert!(!error(409, "duplicate_record").is_retryable());
    assert!(error(429, "too_many_requests").is_rate_limited());
    assert!(error(502, "x").is_server_error() && error(502, "x").is_retryable());
    // A 500 in Clerk's shape is Clerk's own fault, and these actions are idempotent: retried.
    // A 500 page from something else is not Clerk answering: not.
    assert!(error(500, "internal_clerk_error").is_retryable());
    let page = unlock()
        .parse_response(respond(500, &[], "<html>oops</html>"))
        .unwrap_err();
    assert!(!page.is_retryable());
    assert!(!error(404, "resource_not_found").is_retryable());
    assert!(!error(400, "bulk_size_exceeded").is_retryable());
}

#[test]
fn several_errors_are_all_kept() {
    let body = r#"{"errors":[{"message":"a","code":"first"},{"message":"b","long_message":"bb","code":"second","meta":{},"extra_field":1}],"clerk_trace_id":"t","unknown_top":true}"#;
    let error = unlock()
        .parse_response(respond(422, &[JSON], body))
        .unwrap_err();
    let ResponseError::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        api.errors
            .iter()
            .map(|e| e.code.as_str())
            .collect::<Vec<_>>(),
        ["first", "second"]
    );
    assert_eq!(api.errors[1].extra["extra_field"], 1);
    assert_eq!(api.extra["unknown_top"], true);
    assert!(error.has_code("second"));
}

#[test]
fn trace_id_falls_back_to_headers() {
    let body = r#"{"errors":[{"message":"x","code":"resource_not_found"}]}"#;
    let error = unlock()
        .parse_response(respond(404, &[JSON, ("Clerk-Trace-Id", "hdr-trace")], body))
        .unwrap_err();
    assert_eq!(error.clerk_trace_id(), Some("hdr-trace"));
    let error = unlock()
        .parse_response(respond(404, &[JSON, ("cf-ray", "8f1a-LHR")], body))
        .unwrap_err();
    assert_eq!(error.clerk_trace_id(), Some("8f1a-LHR"));
    let error = unlock()
        .parse_response(respond(502, &[("cf-ray", "8f1b-LHR")], "<html></html>"))
        .unwrap_err();
    assert_eq!(error.clerk_trace_id(), Some("8f1b-LHR"));
}

#[test]
fn retry_after_as_seconds_and_as_http_date() {
    let body = clerk_error("too_many_requests", "slow down");
    let error = unlock()
        .parse_response(respond(429, &[JSON, ("Retry-After", "2")], &body))
        .unwrap_err();
    assert_eq!(
        error.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(2)))
    );
    assert_eq!(
        error
            .retry_after()
            .unwrap()
            .delay_from(SystemTime::UNIX_EPOCH),
        Duration::from_secs(2)
    );

    let date = "Sun, 22 Nov 2026 08:00:10 GMT";
    let error = unlock()
        .parse_response(respond(429, &[JSON, ("Retry-After", date)], &body))
        .unwrap_err();
    let at = error.retry_after().unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_795_334_400); // 2026-11-22 08:00:00 UTC
    assert_eq!(at.delay_from(now), Duration::from_secs(10));
    assert_eq!(
        at.delay_from(now + Duration::from_secs(60)),
        Duration::ZERO,
        "a past date means no wait"
    );

    let error = unlock()
        .parse_response(respond(503, &[("Retry-After", "soon")], ""))
        .unwrap_err();
    assert_eq!(error.retry_after(), None);
    let huge = "99999999999999999999999";
    let error = unlock()
        .parse_response(respond(429, &[("Retry-After", huge)], ""))
        .unwrap_err();
    assert_eq!(
        error.retry_after(),
        Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
    );
}

#[test]
fn bodies_that_are_not_clerks_json_are_kept_as_bytes() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let cases = [
        (502, Some("text/html"), html),
        (
            503,
            Some("text/plain; charset=utf-8"),
            "upstream connect error",
        ),
        (504, None, ""),
        (
            500,
            Some("application/json"),
            r#"{"message":"Internal Server Error"}"#,
        ),
        (418, Some("application/json"), r#"["not","an","object"]"#),
        (400, Some("application/json"), r#"{"errors":"#),
    ];
    for (status, content_type, body) in cases {
        let mut headers = vec![];
        if let Some(ct) = content_type {
            headers.push(("content-type", ct));
        }
        let error = unlock()
            .parse_response(respond(status, &headers, body))
            .unwrap_err();
        let ResponseError::Unstructured(raw) = &error else {
            panic!("{status}: {error:?}")
        };
        assert_eq!(raw.status.as_u16(), status);
        assert_eq!(raw.content_type.as_deref(), content_type);
        assert_eq!(raw.body, body.as_bytes());
        assert_eq!(raw.body_text(), body);
    }
    let error = unlock()
        .parse_response(respond(500, &[JSON], r#"{"message":"x"}"#))
        .unwrap_err();
    let ResponseError::Unstructured(raw) = error else {
        unreachable!()
    };
    assert_eq!(raw.body_json().unwrap()["message"], "x");
}

#[test]
fn redirects_are_errors_that_keep_the_location() {
    let response = respond(
        307,
        &[(
            "location",
            "https://elsewhere.example/v1/users/user_1/unlock",
        )],
        "",
    );
    let error = unlock().parse_response(response).unwrap_err();
    assert!(error.is_redirect());
    let ResponseError::Unstructured(raw) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        raw.headers["location"],
        "https://elsewhere.example/v1/users/user_1/unlock"
    );
}

#[test]
fn an_undecodable_success_names_the_json_path_and_keeps_the_body() {
    let body = r#"{"id":"user_1","email_addresses":[{"id":"idn_1","created_at":"yesterday"}]}"#;
    let error = GetUser::new(UserId::new("user_1").unwrap())
        .parse_response(respond(200, &[JSON, ("clerk-trace-id", "t9")], body))
        .unwrap_err();
    let ResponseError::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(decode.status, StatusCode::OK);
    assert_eq!(decode.path, "email_addresses[0].created_at");
    assert!(
        decode.message.contains("invalid type"),
        "{}",
        decode.message
    );
    assert_eq!(decode.body, body.as_bytes());
    assert_eq!(decode.clerk_trace_id.as_deref(), Some("t9"));
    assert!(error.is_decode() && !error.is_retryable());

    let error = UnbanUser::new(UserId::new("user_1").unwrap())
        .parse_response(respond(
            200,
            &[("content-type", "text/html")],
            "<html>captive portal</html>",
        ))
        .unwrap_err();
    let ResponseError::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(decode.content_type.as_deref(), Some("text/html"));
    assert_eq!(decode.body_text(), "<html>captive portal</html>");
}

#[test]
fn response_error_classifies_any_response() {
    let error = response_error(&respond(
        404,
        &[JSON],
        &clerk_error("resource_not_found", "gone"),
    ));
    assert!(error.is_not_found());
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A deterministic sweep over statuses and awkward bodies; the proptest suite in
    // clerk-moderation-conformance goes further.
    let bodies: [&[u8]; 8] = [
        b"",
        b"\xff\xfe\x00",
        b"{",
        b"null",
        b"{\"errors\":[null]}",
        b"[{}]",
        b"{\"id\":1e999}",
        &[b'['; 4096],
    ];
    for status in [
        100u16, 101, 200, 201, 204, 299, 301, 304, 400, 404, 429, 499, 500, 599, 999,
    ] {
        for body in bodies {
            let response = Response::builder()
                .status(status)
                .body(body.to_vec())
                .unwrap();
            let result = unlock().parse_response(response);
            if let Err(error) = result {
                let _ = error.to_string();
                assert_eq!(error.status().as_u16(), status);
            }
        }
    }
}
