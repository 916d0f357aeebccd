//! The job on wasm32 under Node (and Deno), through JavaScript's `fetch` (`FetchTransport`, `JsTimer`, a
//! `LocalAsyncClient`), against the `clerk-emulator` process `.ci/wasm` started: its outcomes
//! must be the native run's. And the transport's safe defaults, against real peers on
//! 127.0.0.1: no redirect followed, the timeout, the cap, HTTPS, failures classified.
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

use std::time::Duration;

use clerk_moderation_core::http::{Method, Request};
use clerk_moderation_core::{
    ApiConfig, Delivery, FailureClass, LocalAsyncTransport, ResponseCap, SecretKey,
};
use clerk_moderation_transports::TransportError;
use clerk_moderation_transports::fetch::{FetchTransport, JsTimer};
use clerk_moderation_transports::{AsyncClient, LocalAsyncClient, TransportErrorKind};
use clerk_moderation_wasm_e2e::{env, run_job, seeded_users};
use wasm_bindgen_test::wasm_bindgen_test;

fn emulator() -> (String, String) {
    let url = env("WASM_E2E_API_URL").expect("WASM_E2E_API_URL: run through .ci/wasm");
    let key = env("WASM_E2E_SECRET_KEY").expect("WASM_E2E_SECRET_KEY");
    (url, key)
}

fn client() -> LocalAsyncClient<FetchTransport> {
    let (url, key) = emulator();
    let config = ApiConfig::new(SecretKey::new(key).unwrap())
        .with_base_url(&url)
        .unwrap();
    AsyncClient::with_local_timer(config, FetchTransport::new(), JsTimer)
}

#[wasm_bindgen_test]
async fn an_unban_then_a_paced_run_of_200_match_the_native_run() {
    let banned = env("WASM_E2E_BANNED").expect("WASM_E2E_BANNED");
    let seeded = seeded_users().expect("WASM_E2E_USERS");
    let lines = run_job(&client(), &banned, &seeded).await;
    let expected = env("WASM_E2E_EXPECTED").expect("WASM_E2E_EXPECTED: the native run's outcomes");
    assert_eq!(lines, expected.trim_end());
}

/// A request straight to the transport, as the core would build it, with the emulator's key.
fn request(method: Method, url: &str) -> Request<Vec<u8>> {
    let (_, key) = emulator();
    Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {key}"))
        .body(Vec::new())
        .unwrap()
}

fn loopback() -> FetchTransport {
    FetchTransport::builder()
        .allow_loopback_http(true)
        .build()
        .unwrap()
}

fn check_kind(error: &TransportError, kind: TransportErrorKind, class: FailureClass) {
    assert_eq!(error.kind(), kind, "{error}: {error:?}");
    assert_eq!(error.class(), class, "{error}");
    assert_eq!(FetchTransport::classify(error), class);
}

#[wasm_bindgen_test]
async fn plain_http_is_refused_unless_loopback_and_marked_or_allowed() {
    let (url, _) = emulator();
    let transport = FetchTransport::new();
    for refused in [
        "http://example.com/v1/users/count",
        &format!("{url}/v1/users/count"),
    ] {
        let error = transport
            .send(request(Method::GET, refused))
            .await
            .unwrap_err();
        assert!(error.is_insecure_scheme(), "{refused}: {error}");
        check_kind(
            &error,
            TransportErrorKind::InsecureScheme,
            FailureClass::new(Delivery::NotSent, false),
        );
    }
    // Allowed on the builder, the same request goes.
    let response = loopback()
        .send(request(Method::GET, &format!("{url}/v1/users/count")))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[wasm_bindgen_test]
async fn a_refused_connection_was_not_sent_and_may_pass_later() {
    // A loopback port nothing listens on (not one of fetch's "bad ports", refused unsent).
    let url = env("WASM_E2E_DEAD_URL").expect("WASM_E2E_DEAD_URL");
    let error = loopback()
        .send(request(Method::GET, &format!("{url}/v1/users/count")))
        .await
        .unwrap_err();
    check_kind(
        &error,
        TransportErrorKind::Connect,
        FailureClass::new(Delivery::NotSent, true),
    );
}

#[wasm_bindgen_test]
async fn a_redirect_comes_back_as_a_response_and_is_not_followed() {
    let url = env("WASM_E2E_REDIRECT_URL").expect("WASM_E2E_REDIRECT_URL");
    let response = loopback()
        .send(request(
            Method::POST,
            &format!("{url}/v1/users/user_1/unban"),
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    assert!(response.headers().contains_key("location"));
}

#[wasm_bindgen_test]
async fn a_silent_server_is_cut_at_the_timeout() {
    let url = env("WASM_E2E_SILENT_URL").expect("WASM_E2E_SILENT_URL");
    let transport = FetchTransport::builder()
        .allow_loopback_http(true)
        .timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let error = transport
        .send(request(Method::GET, &format!("{url}/v1/users/count")))
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    check_kind(
        &error,
        TransportErrorKind::Timeout,
        FailureClass::new(Delivery::MaybeSent, true),
    );
}

#[wasm_bindgen_test]
async fn a_body_over_the_cap_is_cut_and_the_requests_own_cap_wins() {
    let (url, _) = emulator();
    let list = format!("{url}/v1/users?limit=100");
    let small = FetchTransport::builder()
        .allow_loopback_http(true)
        .max_body_size(4 * 1024)
        .build()
        .unwrap();
    let error = small.send(request(Method::GET, &list)).await.unwrap_err();
    assert!(error.is_body_too_large());
    check_kind(
        &error,
        TransportErrorKind::BodyTooLarge,
        FailureClass::new(Delivery::Sent, false),
    );

    // The same request carrying the cap of an answer of 100 users is read whole.
    let mut sized = request(Method::GET, &list);
    sized.extensions_mut().insert(ResponseCap::for_users(100));
    let response = small.send(sized).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.body().len() > 4 * 1024);
}
