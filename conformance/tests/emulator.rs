//! The emulator over real loopback HTTP/1.1, with a tiny std-only client.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::{Emulator, Fault};
use serde_json::{Value, json};

mod emulator_support;
use emulator_support::*;

// ---- state transitions ------------------------------------------------------------------------

#[test]
fn get_user_returns_the_full_user() {
    let emulator = started();
    let id = emulator.seed_user(None);
    assert!(id.starts_with("user_"));
    assert_eq!(id.len(), 5 + 27);
    assert!(id[5..].bytes().all(|b| b.is_ascii_alphanumeric()));

    let resp = call(&emulator, "GET", &format!("/v1/users/{id}"), b"");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert!(resp.header("clerk-trace-id").is_some());
    let user = resp.json();
    assert_eq!(Some(&user), emulator.user(&id).as_ref());
    assert_eq!(user["object"], "user");
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["banned"], false);
    assert_eq!(user["locked"], false);
    assert!(user["external_id"].is_null());
    assert_eq!(user["email_addresses"][0]["object"], "email_address");
    assert_eq!(
        user["email_addresses"][0]["id"],
        user["primary_email_address_id"]
    );
    assert!(user["email_addresses"][0]["verification"]["status"].is_string());
    for array in [
        "phone_numbers",
        "web3_wallets",
        "passkeys",
        "external_accounts",
        "saml_accounts",
        "enterprise_accounts",
        "organization_memberships",
    ] {
        assert_eq!(user[array], json!([]), "{array}");
    }
    for int in [
        "created_at",
        "updated_at",
        "last_sign_in_at",
        "last_active_at",
    ] {
        assert!(user[int].as_i64().unwrap() > 1_600_000_000_000, "{int}");
    }
}

#[test]
fn single_user_transitions() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let updated = |u: &Value| u["updated_at"].as_i64().unwrap();
    let before = updated(&emulator.user(&id).unwrap());

    let banned = call(&emulator, "POST", &format!("/v1/users/{id}/ban"), b"").json();
    assert_eq!(banned["banned"], true);
    assert!(updated(&banned) > before);
    assert_eq!(emulator.user(&id).unwrap(), banned);

    let unbanned = call(&emulator, "POST", &format!("/v1/users/{id}/unban"), b"").json();
    assert_eq!(unbanned["banned"], false);
    assert!(updated(&unbanned) > updated(&banned));

    let locked = call(&emulator, "POST", &format!("/v1/users/{id}/lock"), b"").json();
    assert_eq!(locked["locked"], true);
    assert_eq!(locked["lockout_expires_in_seconds"], 3600);
    assert!(updated(&locked) > updated(&unbanned));

    let unlocked = call(&emulator, "POST", &format!("/v1/users/{id}/unlock"), b"").json();
    assert_eq!(unlocked["locked"], false);
    assert!(unlocked["lockout_expires_in_seconds"].is_null());
    assert!(
        unlocked["verification_attempts_remaining"]
            .as_i64()
            .unwrap()
            > 0
    );

    let got = call(&emulator, "GET", &format!("/v1/users/{id}"), b"").json();
    assert_eq!(got, unlocked);
}

#[test]
fn seeded_banned_and_locked_users() {
    let emulator = started();
    let banned = emulator.seed_banned_user();
    let locked = emulator.seed_locked_user();
    assert_eq!(emulator.user(&banned).unwrap()["banned"], true);
    let l = emulator.user(&locked).unwrap();
    assert_eq!(l["locked"], true);
    assert!(l["lockout_expires_in_seconds"].as_i64().is_some());

    let unlocked = call(
        &emulator,
        "POST",
        &format!("/v1/users/{locked}/unlock"),
        b"",
    )
    .json();
    assert_eq!(unlocked["locked"], false);
    assert!(unlocked["lockout_expires_in_seconds"].is_null());
    let unbanned = call(&emulator, "POST", &format!("/v1/users/{banned}/unban"), b"").json();
    assert_eq!(unbanned["banned"], false);

    let ids = emulator.seed(4);
    assert_eq!(ids.len(), 4);
    let mut all = emulator.user_ids();
    all.sort();
    assert_eq!(all.len(), 6);
}

#[test]
fn bulk_transitions_answer_in_request_order() {
    let emulator = started();
    let ids = emulator.seed(3);
    let order = vec![ids[2].clone(), ids[0].clone(), ids[1].clone()];

    let resp = call(&emulator, "POST", "/v1/users/ban", &bulk_body(&order));
    assert_eq!(resp.status, 200);
    let users = resp.json();
    let returned: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        returned,
        order.iter().map(String::as_str).collect::<Vec<_>>()
    );
    for id in &ids {
        assert_eq!(emulator.user(id).unwrap()["banned"], true);
    }

    let resp = call(&emulator, "POST", "/v1/users/unban", &bulk_body(&ids[..2]));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json().as_array().unwrap().len(), 2);
    assert_eq!(emulator.user(&ids[0]).unwrap()["banned"], false);
    assert_eq!(emulator.user(&ids[1]).unwrap()["banned"], false);
    assert_eq!(emulator.user(&ids[2]).unwrap()["banned"], true);
}

#[test]
fn bulk_with_an_unknown_id_is_404_and_changes_nothing() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let resp = call(
        &emulator,
        "POST",
        "/v1/users/ban",
        &bulk_body(&[id.clone(), "user_missing".to_owned()]),
    );
    assert_eq!(resp.status, 404);
    assert_eq!(resp.error_code(), "resource_not_found");
    assert_eq!(emulator.user(&id).unwrap()["banned"], false);
}

#[test]
fn bulk_size_limits() {
    let emulator = started();
    let ids = emulator.seed(51);
    let resp = call(&emulator, "POST", "/v1/users/ban", &bulk_body(&ids));
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code(), "bulk_size_exceeded");
    assert_eq!(emulator.user(&ids[0]).unwrap()["banned"], false);

    let resp = call(&emulator, "POST", "/v1/users/unban", &bulk_body(&[]));
    assert_eq!(resp.status, 400);

    let resp = call(&emulator, "POST", "/v1/users/ban", &bulk_body(&ids[..50]));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json().as_array().unwrap().len(), 50);

    let resp = call(&emulator, "POST", "/v1/users/ban", b"{\"user_ids\":");
    assert_eq!(resp.status, 400);
    // The spec documents 400 for the bulk endpoints' bad bodies.
    let resp = call(&emulator, "POST", "/v1/users/ban", b"{}");
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code(), "form_param_missing");
    let resp = call(
        &emulator,
        "POST",
        "/v1/users/ban",
        br#"{"user_ids":"user_1"}"#,
    );
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code(), "form_param_format_invalid");
}

// ---- checks -----------------------------------------------------------------------------------

#[test]
fn authentication_errors() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let path = format!("/v1/users/{id}/ban");

    let mut client = Client::connect(&emulator);
    let resp = client.request("POST", &path, &[], b"");
    assert_eq!(resp.status, 401);
    assert_eq!(resp.error_code(), "authentication_invalid");

    let resp = client.request(
        "POST",
        &path,
        &[("Authorization", "Basic dXNlcjpwYXNz")],
        b"",
    );
    assert_eq!(resp.status, 401);
    assert_eq!(resp.error_code(), "authentication_invalid");

    let resp = client.request(
        "POST",
        &path,
        &[("Authorization", "Bearer sk_test_wrong")],
        b"",
    );
    assert_eq!(resp.status, 401);
    assert_eq!(resp.error_code(), "clerk_key_invalid");

    assert_eq!(emulator.user(&id).unwrap()["banned"], false);

    // No version header at all is fine.
    let auth = auth(&emulator);
    let resp = client.request("POST", &path, &[("Authorization", &auth)], b"");
    assert_eq!(resp.status, 200);
}

#[test]
fn custom_secret_key() {
    let emulator = Emulator::builder()
        .secret_key("sk_test_custom")
        .start()
        .unwrap();
    assert_eq!(emulator.secret_key(), "sk_test_custom");
    let id = emulator.seed_user(Some("user_custom"));
    assert_eq!(id, "user_custom");
    let resp = call(&emulator, "GET", "/v1/users/user_custom", b"");
    assert_eq!(resp.status, 200);
}

#[test]
fn api_version_must_be_a_date() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let auth = auth(&emulator);
    let mut client = Client::connect(&emulator);
    for bad in ["2026-5-12", "latest", "2026-05-12T00:00:00Z"] {
        let resp = client.request(
            "GET",
            &format!("/v1/users/{id}"),
            &[("Authorization", &auth), ("Clerk-API-Version", bad)],
            b"",
        );
        assert_eq!(resp.status, 400, "{bad}");
        assert_eq!(resp.error_code(), "api_version_invalid");
    }
    let resp = client.request(
        "GET",
        &format!("/v1/users/{id}"),
        &[
            ("Authorization", &auth),
            ("Clerk-API-Version", "2021-02-05"),
        ],
        b"",
    );
    assert_eq!(resp.status, 200);
}

#[test]
fn not_found_and_method_not_allowed() {
    let emulator = started();
    let resp = call(&emulator, "GET", "/v1/users/user_nobody", b"");
    assert_eq!(resp.status, 404);
    assert_eq!(resp.error_code(), "resource_not_found");
    let resp = call(&emulator, "POST", "/v1/users/user_nobody/lock", b"");
    assert_eq!(resp.status, 404);

    let resp = call(&emulator, "GET", "/v1/organizations", b"");
    assert_eq!(resp.status, 404);
    assert_eq!(resp.error_code(), "resource_not_found");

    let resp = call(&emulator, "GET", "/v1/users/user_x/ban", b"");
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("allow"), Some("POST"));
    let _ = resp.error_code();

    let resp = call(&emulator, "DELETE", "/v1/users/user_x", b"");
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("allow"), Some("GET"));

    // `/v1/users/ban` is the bulk ban (POST) and the user whose id is `ban` (GET).
    let resp = call(&emulator, "OPTIONS", "/v1/users/ban", b"");
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("allow"), Some("GET, POST"));
    let resp = call(&emulator, "PUT", "/v1/users/count", b"");
    assert_eq!(resp.header("allow"), Some("GET"));
}

#[test]
fn a_user_named_ban() {
    let emulator = started();
    emulator.seed_user(Some("ban"));
    let resp = call(&emulator, "GET", "/v1/users/ban", b"");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["id"], "ban");
    let resp = call(&emulator, "POST", "/v1/users/ban/ban", b"");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["banned"], true);
}

#[test]
fn percent_encoded_ids() {
    let emulator = started();
    emulator.seed_user(Some("user a/b"));
    let resp = call(&emulator, "POST", "/v1/users/user%20a%2Fb/lock", b"");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["id"], "user a/b");
    let log = emulator.requests();
    assert_eq!(log.last().unwrap().path, "/v1/users/user%20a%2Fb/lock");
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let emulator = Emulator::builder()
        .rate_limit(3, Duration::from_secs(60))
        .start()
        .unwrap();
    let id = emulator.seed_user(None);
    let path = format!("/v1/users/{id}");
    let auth = auth(&emulator);
    let mut client = Client::connect(&emulator);
    for _ in 0..3 {
        let resp = client.request("GET", &path, &[("Authorization", &auth)], b"");
        assert_eq!(resp.status, 200);
    }
    let resp = client.request("GET", &path, &[("Authorization", &auth)], b"");
    assert_eq!(resp.status, 429);
    assert_eq!(resp.error_code(), "too_many_requests");
    let retry: u64 = resp.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    emulator.reset_rate_limits();
    let resp = client.request("GET", &path, &[("Authorization", &auth)], b"");
    assert_eq!(resp.status, 200);
}

#[test]
fn path_prefix() {
    let emulator = Emulator::builder()
        .path_prefix("/clerk/")
        .no_rate_limit()
        .start()
        .unwrap();
    assert_eq!(
        emulator.base_url(),
        format!("http://{}/clerk", emulator.addr())
    );
    let id = emulator.seed_user(None);
    assert_eq!(
        call(&emulator, "GET", &format!("/clerk/v1/users/{id}"), b"").status,
        200
    );
    assert_eq!(
        call(&emulator, "GET", &format!("/v1/users/{id}"), b"").status,
        404
    );
}

#[test]
fn insert_custom_user() {
    let emulator = started();
    let custom = json!({ "id": "user_custom", "object": "user", "banned": false, "locked": false,
        "updated_at": 5, "future_field": { "kept": true } });
    assert_eq!(emulator.insert_user(custom.clone()), "user_custom");
    assert_eq!(emulator.user("user_custom"), Some(custom));
    let banned = call(&emulator, "POST", "/v1/users/user_custom/ban", b"").json();
    assert_eq!(banned["banned"], true);
    assert_eq!(banned["future_field"]["kept"], true);
    assert!(banned["updated_at"].as_i64().unwrap() > 5);

    assert!(emulator.remove_user("user_custom").is_some());
    assert_eq!(
        call(&emulator, "GET", "/v1/users/user_custom", b"").status,
        404
    );
}

#[test]
fn handle_without_network() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let req = http::Request::post(format!("/v1/users/{id}/ban"))
        .header("authorization", auth(&emulator))
        .body(Vec::new())
        .unwrap();
    let resp = emulator.handle(&req);
    assert_eq!(resp.status(), 200);
    assert_eq!(emulator.user(&id).unwrap()["banned"], true);
    assert_eq!(emulator.request_count(), 1);
}

// ---- faults -----------------------------------------------------------------------------------

#[test]
fn delay_fault() {
    let emulator = started();
    let id = emulator.seed_user(None);
    emulator.push_fault(Fault::Delay(Duration::from_millis(200)));
    let start = Instant::now();
    let resp = call(&emulator, "POST", &format!("/v1/users/{id}/ban"), b"");
    assert!(start.elapsed() >= Duration::from_millis(200));
    assert_eq!(resp.status, 200);
    assert_eq!(emulator.user(&id).unwrap()["banned"], true);
    assert_eq!(emulator.pending_faults(), 0);
}

#[test]
fn reset_before_headers() {
    let emulator = started();
    let id = emulator.seed_user(None);
    emulator.push_fault(Fault::ResetBeforeHeaders);
    let mut client = Client::connect(&emulator);
    client.send(
        "POST",
        &format!("/v1/users/{id}/ban"),
        &[("Authorization", &auth(&emulator))],
        b"",
    );
    assert!(client.read_head().is_err());
    assert!(client.read_to_end_lossy().is_empty());
    assert_eq!(emulator.user(&id).unwrap()["banned"], false);
    // The request was recorded, and the next one is served normally.
    assert_eq!(emulator.request_count(), 1);
    assert_eq!(
        call(&emulator, "GET", &format!("/v1/users/{id}"), b"").status,
        200
    );
}

#[test]
fn reset_after_headers() {
    let emulator = started();
    let id = emulator.seed_user(None);
    emulator.push_fault(Fault::ResetAfterHeaders);
    let mut client = Client::connect(&emulator);
    client.send(
        "GET",
        &format!("/v1/users/{id}"),
        &[("Authorization", &auth(&emulator))],
        b"",
    );
    let (status, headers) = client.read_head().expect("head");
    assert_eq!(status, 200);
    let len = content_length(&headers);
    assert!(len > 0);
    assert!(client.read_to_end_lossy().is_empty());
}

#[test]
fn truncated_body() {
    let emulator = started();
    let id = emulator.seed_user(None);
    emulator.push_fault(Fault::TruncatedBody);
    let mut client = Client::connect(&emulator);
    client.send(
        "GET",
        &format!("/v1/users/{id}"),
        &[("Authorization", &auth(&emulator))],
        b"",
    );
    let (status, headers) = client.read_head().expect("head");
    assert_eq!(status, 200);
    let len = content_length(&headers);
    let body = client.read_to_end_lossy();
    assert!(!body.is_empty());
    assert!(body.len() < len, "{} of {len}", body.len());
    assert!(serde_json::from_slice::<Value>(&body).is_err());
}

#[test]
fn html_502() {
    let emulator = started();
    emulator.push_fault(Fault::Html502);
    let resp = call(&emulator, "GET", "/v1/users/whatever", b"");
    assert_eq!(resp.status, 502);
    assert_eq!(resp.header("content-type"), Some("text/html"));
    assert!(String::from_utf8_lossy(&resp.body).contains("502 Bad Gateway"));
}

#[test]
fn oversized_body() {
    let emulator = started();
    let id = emulator.seed_user(None);
    emulator.push_fault(Fault::Oversized { bytes: 3_000_000 });
    let resp = call(&emulator, "GET", &format!("/v1/users/{id}"), b"");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body.len(), 3_000_000);
    assert_eq!(resp.json()["id"], id.as_str());
}

#[test]
fn redirect() {
    let emulator = started();
    emulator.push_fault(Fault::Redirect {
        location: "http://127.0.0.1:9/elsewhere".into(),
    });
    let resp = call(&emulator, "GET", "/v1/users/x", b"");
    assert_eq!(resp.status, 307);
    assert_eq!(
        resp.header("location"),
        Some("http://127.0.0.1:9/elsewhere")
    );
    assert!(resp.body.is_empty());
}

#[test]
fn injected_429_and_status() {
    let emulator = started();
    let id = emulator.seed_user(None);
    emulator.push_fault(Fault::TooManyRequests {
        retry_after_secs: 7,
    });
    emulator.push_fault(Fault::Status {
        status: 403,
        body: r#"{"errors":[{"code":"feature_not_enabled"}]}"#.into(),
        content_type: "application/json".into(),
    });
    let path = format!("/v1/users/{id}/lock");

    let resp = call(&emulator, "POST", &path, b"");
    assert_eq!(resp.status, 429);
    assert_eq!(resp.header("retry-after"), Some("7"));
    assert_eq!(resp.error_code(), "too_many_requests");

    let resp = call(&emulator, "POST", &path, b"");
    assert_eq!(resp.status, 403);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.json()["errors"][0]["code"], "feature_not_enabled");
    assert_eq!(emulator.user(&id).unwrap()["locked"], false);

    // The queue is empty: normal again.
    assert_eq!(call(&emulator, "POST", &path, b"").status, 200);
    assert_eq!(emulator.user(&id).unwrap()["locked"], true);

    emulator.push_fault(Fault::Html502);
    emulator.clear_faults();
    assert_eq!(
        call(&emulator, "GET", &format!("/v1/users/{id}"), b"").status,
        200
    );
}

// ---- request log, keep-alive, shutdown, binary -------------------------------------------------

#[test]
fn request_log_records_raw_requests() {
    let emulator = started();
    let ids = emulator.seed(2);
    emulator.push_fault(Fault::Html502);
    call(&emulator, "GET", "/v1/users/user%5Fx?x=1", b"");
    let body = bulk_body(&ids);
    call(&emulator, "POST", "/v1/users/ban", &body);

    let log = emulator.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(emulator.request_count(), 2);
    assert_eq!(log[0].method, http::Method::GET);
    assert_eq!(log[0].path, "/v1/users/user%5Fx?x=1");
    assert!(log[0].body.is_empty());
    assert_eq!(log[1].method, http::Method::POST);
    assert_eq!(log[1].path, "/v1/users/ban");
    assert_eq!(log[1].body, body);
    assert_eq!(log[1].headers.get("clerk-api-version").unwrap(), VERSION);
    assert_eq!(
        log[1]
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap(),
        auth(&emulator)
    );
    assert_eq!(
        log[1].headers.get("content-type").unwrap(),
        "application/json"
    );

    emulator.clear_requests();
    assert_eq!(emulator.request_count(), 0);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let auth = auth(&emulator);
    let mut client = Client::connect(&emulator);
    let first = client.request(
        "POST",
        &format!("/v1/users/{id}/ban"),
        &[("Authorization", &auth)],
        b"",
    );
    let second = client.request(
        "GET",
        &format!("/v1/users/{id}"),
        &[("Authorization", &auth)],
        b"",
    );
    let third = client.request(
        "POST",
        "/v1/users/unban",
        &[("Authorization", &auth)],
        &bulk_body(std::slice::from_ref(&id)),
    );
    assert_eq!(first.status, 200);
    assert_eq!(second.status, 200);
    assert_eq!(second.json()["banned"], true);
    assert_eq!(third.status, 200);
    assert_eq!(third.json()[0]["banned"], false);
}

#[test]
fn shutdown_is_prompt_even_with_open_and_delayed_connections() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let addr = emulator.addr();
    let idle = Client::connect(&emulator);
    emulator.push_fault(Fault::Delay(Duration::from_secs(120)));
    let mut waiting = Client::connect(&emulator);
    waiting.send(
        "GET",
        &format!("/v1/users/{id}"),
        &[("Authorization", &auth(&emulator))],
        b"",
    );
    // Let the server take the request into its delay.
    for _ in 0..200 {
        if emulator.request_count() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(emulator.request_count(), 1);

    let start = Instant::now();
    emulator.shutdown();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(waiting.read_head().is_err());
    drop(idle);
    // Nothing listens any more (or, at worst, nothing answers).
    if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
        stream
            .set_read_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        let mut buf = [0_u8; 1];
        assert!(matches!((&stream).read(&mut buf), Ok(0) | Err(_)));
    }
}

#[test]
fn emulator_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Emulator>();
    assert_send_sync::<Fault>();
}

#[test]
fn drop_stops_the_server() {
    let start = Instant::now();
    for _ in 0..5 {
        let emulator = Emulator::start().unwrap();
        assert!(emulator.secret_key().starts_with("sk_test_"));
        let _client = Client::connect(&emulator);
    }
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn the_request_log_keeps_the_newest_ten_thousand_and_counts_all() {
    let emulator = Emulator::builder().no_rate_limit().start().unwrap();
    let id = emulator.seed_user(None);
    let request = http::Request::get(format!("/v1/users/{id}"))
        .header("authorization", format!("Bearer {}", emulator.secret_key()))
        .body(Vec::new())
        .unwrap();
    for _ in 0..10_005 {
        assert_eq!(emulator.handle(&request).status(), 200);
    }
    assert_eq!(emulator.request_count(), 10_005);
    assert_eq!(emulator.requests().len(), 10_000);
    emulator.clear_requests();
    assert_eq!(emulator.request_count(), 0);
    emulator.shutdown();
}

/// The `Content-Length` of a response head, which the fault tests compare the body against.
fn content_length(headers: &[(String, String)]) -> usize {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .expect("content-length")
}
