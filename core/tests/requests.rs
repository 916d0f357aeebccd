//! Every operation's request, compared whole against the request it must be.

// Under wasm32-unknown-unknown these tests run in Node, through wasm-bindgen-test.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use clerk_moderation_core::http::{self, Method, Request};
use clerk_moderation_core::{
    ApiConfig, BanUser, BanUsers, BuildError, GetUser, LockUser, MAX_BULK_USER_IDS, Operation,
    SecretKey, UnbanUser, UnbanUsers, UnlockUser, UserId,
};

const KEY: &str = "sk_test_requests0123456789";
const ID: &str = "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

fn config() -> ApiConfig {
    ApiConfig::new(SecretKey::new(KEY).unwrap())
}

fn id(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

/// The request the operation must build, written out field by field.
fn expected(method: Method, uri: &str, body: Option<&str>) -> Request<Vec<u8>> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {KEY}"))
        .header("clerk-api-version", "2026-05-12")
        .header(
            "user-agent",
            concat!("clerk-moderation/", env!("CARGO_PKG_VERSION")),
        )
        .header("accept", "application/json");
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    builder
        .body(body.unwrap_or("").as_bytes().to_vec())
        .unwrap()
}

fn assert_same(actual: &Request<Vec<u8>>, expected: &Request<Vec<u8>>) {
    assert_eq!(actual.method(), expected.method());
    assert_eq!(actual.uri(), expected.uri());
    assert_eq!(actual.version(), expected.version());
    assert_eq!(actual.headers(), expected.headers());
    assert_eq!(actual.body(), expected.body());
    assert!(
        actual.headers()["authorization"].is_sensitive(),
        "Authorization must be marked sensitive"
    );
}

#[test]
fn single_user_operations_build_exact_requests() {
    let base = "https://api.clerk.com/v1/users";
    let cases = [
        (
            UnlockUser::new(id(ID)).build_request(&config()).unwrap(),
            expected(Method::POST, &format!("{base}/{ID}/unlock"), None),
        ),
        (
            UnbanUser::new(id(ID)).build_request(&config()).unwrap(),
            expected(Method::POST, &format!("{base}/{ID}/unban"), None),
        ),
        (
            LockUser::new(id(ID)).build_request(&config()).unwrap(),
            expected(Method::POST, &format!("{base}/{ID}/lock"), None),
        ),
        (
            BanUser::new(id(ID)).build_request(&config()).unwrap(),
            expected(Method::POST, &format!("{base}/{ID}/ban"), None),
        ),
        (
            GetUser::new(id(ID)).build_request(&config()).unwrap(),
            expected(Method::GET, &format!("{base}/{ID}"), None),
        ),
    ];
    for (actual, expected) in &cases {
        assert_same(actual, expected);
        assert!(actual.body().is_empty());
        assert!(actual.headers().get("content-type").is_none());
    }
}

#[test]
fn bulk_operations_build_exact_requests() {
    let ids = [id("user_a"), id("user_b"), id(ID)];
    let body = format!(r#"{{"user_ids":["user_a","user_b","{ID}"]}}"#);
    let ban = BanUsers::new(ids.clone())
        .unwrap()
        .build_request(&config())
        .unwrap();
    assert_same(
        &ban,
        &expected(
            Method::POST,
            "https://api.clerk.com/v1/users/ban",
            Some(&body),
        ),
    );
    let unban = UnbanUsers::new(ids)
        .unwrap()
        .build_request(&config())
        .unwrap();
    assert_same(
        &unban,
        &expected(
            Method::POST,
            "https://api.clerk.com/v1/users/unban",
            Some(&body),
        ),
    );
}

#[test]
fn bulk_operations_take_one_to_fifty_ids() {
    let many = |n: usize| (0..n).map(|i| id(&format!("user_{i}"))).collect::<Vec<_>>();
    assert_eq!(
        BanUsers::new(many(0)).unwrap_err(),
        BuildError::BulkSize { count: 0, max: 50 }
    );
    assert_eq!(
        UnbanUsers::new(many(51)).unwrap_err(),
        BuildError::BulkSize { count: 51, max: 50 }
    );
    assert_eq!(BanUsers::new(many(1)).unwrap().user_ids().len(), 1);
    let fifty = UnbanUsers::new(many(MAX_BULK_USER_IDS)).unwrap();
    let body: serde_json::Value =
        serde_json::from_slice(fifty.build_request(&config()).unwrap().body()).unwrap();
    assert_eq!(body["user_ids"].as_array().unwrap().len(), 50);
    assert_eq!(body["user_ids"][49], "user_49");
}

#[test]
fn base_url_version_and_user_agent_are_configurable() {
    let config = config()
        .with_base_url("http://127.0.0.1:8080/proxy/clerk/")
        .unwrap()
        .with_api_version("2025-04-10")
        .unwrap()
        .with_user_agent("my-app/1.2 (ops)")
        .unwrap();
    let request = UnlockUser::new(id("user_1"))
        .build_request(&config)
        .unwrap();
    assert_eq!(
        request.uri(),
        "http://127.0.0.1:8080/proxy/clerk/v1/users/user_1/unlock"
    );
    assert_eq!(request.headers()["clerk-api-version"], "2025-04-10");
    assert_eq!(request.headers()["user-agent"], "my-app/1.2 (ops)");
    assert!(!config.is_https());

    let without = config.without_api_version();
    let request = GetUser::new(id("user_1")).build_request(&without).unwrap();
    assert!(request.headers().get("clerk-api-version").is_none());
}

#[test]
fn bad_config_values_are_refused() {
    for url in [
        "ftp://x",
        "api.clerk.com",
        "https://user:pw@api.clerk.com",
        "https://x/?q=1",
        "https://x/#f",
        "https://x/a/../b",
        "not a url",
    ] {
        assert!(
            matches!(
                config().with_base_url(url),
                Err(BuildError::InvalidBaseUrl { .. })
            ),
            "{url}"
        );
    }
    for version in [
        "",
        "2026-5-12",
        "latest",
        "2026-05-12\r\nX: y",
        "2026_05_12",
    ] {
        assert!(
            matches!(
                config().with_api_version(version),
                Err(BuildError::InvalidApiVersion { .. })
            ),
            "{version:?}"
        );
    }
    for agent in ["", "a\r\nb", "caf\u{e9}"] {
        assert_eq!(
            config().with_user_agent(agent).unwrap_err(),
            BuildError::InvalidUserAgent,
            "{agent:?}"
        );
    }
}

#[test]
fn only_the_intended_headers_are_sent() {
    let request = BanUsers::new([id("user_1")])
        .unwrap()
        .build_request(&config())
        .unwrap();
    let mut names: Vec<&str> = request.headers().keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "accept",
            "authorization",
            "clerk-api-version",
            "content-type",
            "user-agent"
        ]
    );
    assert_eq!(request.headers()["accept"], "application/json");
    assert_eq!(request.version(), http::Version::HTTP_11);
}

#[test]
fn bulk_bodies_escape_what_json_needs() {
    let ids = [id("user_a"), id("quote\"d"), id("x'y<z>")];
    let request = UnbanUsers::new(ids)
        .unwrap()
        .build_request(&config())
        .unwrap();
    assert_eq!(
        request.body(),
        br#"{"user_ids":["user_a","quote\"d","x'y<z>"]}"#
    );
    let parsed: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(parsed["user_ids"][1], "quote\"d");
}
