//! The emulator's knobs through the library's builder, over real loopback HTTP: instance,
//! latency, bulk mode for unknown ids, given and realistic users, and what every answer
//! carries (exact JSON content type, random trace ids).

use std::time::{Duration, Instant};

use clerk_moderation_conformance::emulator::{BulkUnknown, Emulator, Instance};
use serde_json::{Value, json};

mod emulator_support;
use emulator_support::*;

/// Sends `n` authenticated GETs on one connection and returns the statuses.
fn statuses(emulator: &Emulator, path: &str, n: usize) -> Vec<u16> {
    let auth = auth(emulator);
    let mut client = Client::connect(emulator);
    (0..n)
        .map(|_| {
            client
                .request("GET", path, &[("Authorization", &auth)], b"")
                .status
        })
        .collect()
}

#[test]
fn instances_set_the_key_prefix_and_the_rate_limit() {
    let development = Emulator::builder()
        .instance(Instance::Development)
        .start()
        .unwrap();
    assert!(development.secret_key().starts_with("sk_test_"));
    let id = development.seed_user(None);
    let got = statuses(&development, &format!("/v1/users/{id}"), 101);
    assert!(got[..100].iter().all(|s| *s == 200), "{got:?}");
    assert_eq!(got[100], 429);

    let production = Emulator::builder()
        .instance(Instance::Production)
        .start()
        .unwrap();
    assert!(production.secret_key().starts_with("sk_live_"));
    let id = production.seed_user(None);
    let got = statuses(&production, &format!("/v1/users/{id}"), 1001);
    assert!(got[..1000].iter().all(|s| *s == 200));
    assert_eq!(got[1000], 429);

    // An explicit limit or key wins over the instance's.
    let custom = Emulator::builder()
        .instance(Instance::Production)
        .rate_limit(2, Duration::from_secs(60))
        .secret_key("sk_live_custom")
        .start()
        .unwrap();
    assert_eq!(custom.secret_key(), "sk_live_custom");
    let id = custom.seed_user(None);
    assert_eq!(
        statuses(&custom, &format!("/v1/users/{id}"), 3),
        [200, 200, 429]
    );
    let off = Emulator::builder()
        .instance(Instance::Development)
        .no_rate_limit()
        .start()
        .unwrap();
    let id = off.seed_user(None);
    assert!(
        statuses(&off, &format!("/v1/users/{id}"), 150)
            .iter()
            .all(|s| *s == 200)
    );
}

#[test]
fn the_default_builder_keeps_its_fast_limit_and_test_key() {
    let emulator = Emulator::start().unwrap();
    assert!(emulator.secret_key().starts_with("sk_test_"));
    let id = emulator.seed_user(None);
    let got = statuses(&emulator, &format!("/v1/users/{id}"), 150);
    assert!(got.iter().all(|s| *s == 200));
}

#[test]
fn latency_delays_every_answer() {
    let latency = Duration::from_millis(300);
    let emulator = Emulator::builder().latency(latency).start().unwrap();
    let id = emulator.seed_user(None);
    let start = Instant::now();
    assert_eq!(
        call(&emulator, "GET", &format!("/v1/users/{id}"), b"").status,
        200
    );
    assert!(start.elapsed() >= latency);
    // Errors too.
    let start = Instant::now();
    let resp = Client::connect(&emulator).request("GET", "/v1/users/x", &[], b"");
    assert_eq!(resp.status, 401);
    assert!(start.elapsed() >= latency);
}

#[test]
fn bulk_unknown_reject_and_skip() {
    let reject = started();
    let known = reject.seed(2);
    let mut ids = known.clone();
    ids.insert(1, "user_unknown".into());
    let resp = call(&reject, "POST", "/v1/users/ban", &bulk_body(&ids));
    assert_eq!(resp.status, 404);
    assert_eq!(resp.error_code(), "resource_not_found");
    assert!(
        known
            .iter()
            .all(|id| reject.user(id).unwrap()["banned"] == false)
    );

    let skip = Emulator::builder()
        .no_rate_limit()
        .bulk_unknown(BulkUnknown::Skip)
        .start()
        .unwrap();
    let known = skip.seed(2);
    let mut ids = known.clone();
    ids.insert(1, "user_unknown".into());
    let resp = call(&skip, "POST", "/v1/users/ban", &bulk_body(&ids));
    assert_eq!(resp.status, 200);
    assert_eq!(ids_of(&resp), known);
    assert!(
        known
            .iter()
            .all(|id| skip.user(id).unwrap()["banned"] == true)
    );
    // All unknown: an empty array.
    let resp = call(
        &skip,
        "POST",
        "/v1/users/unban",
        &bulk_body(&["nobody".into()]),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json(), json!([]));
}

#[test]
fn unknown_fields_in_a_bulk_body_are_accepted() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let body = json!({ "user_ids": [id], "reason": "spam", "notify": false });
    let resp = call(
        &emulator,
        "POST",
        "/v1/users/ban",
        &serde_json::to_vec(&body).unwrap(),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(ids_of(&resp), std::slice::from_ref(&id));
    assert_eq!(emulator.user(&id).unwrap()["banned"], true);
}

#[test]
fn given_users_are_served_as_given() {
    let drifted = json!({
        "id": "user_drifted",
        "object": "user",
        "banned": false,
        "locked": false,
        "some_field_from_the_future": { "nested": [1, 2.5, null] },
        "created_at": 1,
    });
    let emulator = Emulator::builder()
        .users([drifted.clone(), json!({ "no": "id" })])
        .start()
        .unwrap();
    assert_eq!(emulator.user_ids(), ["user_drifted"]);
    let resp = call(&emulator, "GET", "/v1/users/user_drifted", b"");
    assert_eq!(resp.json(), drifted);
    let resp = call(&emulator, "POST", "/v1/users/user_drifted/ban", b"");
    assert_eq!(resp.json()["banned"], true);
    assert_eq!(
        resp.json()["some_field_from_the_future"],
        drifted["some_field_from_the_future"]
    );
}

#[test]
fn realistic_seed() {
    let emulator = Emulator::builder().seed(30).start().unwrap();
    let ids = emulator.user_ids();
    assert_eq!(ids.len(), 30);
    let users: Vec<Value> = ids.iter().map(|id| emulator.user(id).unwrap()).collect();
    assert_eq!(users.iter().filter(|u| u["banned"] == true).count(), 3);
    assert_eq!(users.iter().filter(|u| u["locked"] == true).count(), 3);
    let mut emails: Vec<&str> = users
        .iter()
        .map(|u| u["email_addresses"][0]["email_address"].as_str().unwrap())
        .collect();
    emails.sort_unstable();
    emails.dedup();
    assert_eq!(emails.len(), 30, "email addresses are unique");
    // The same users in another emulator.
    let again = Emulator::builder().seed(30).start().unwrap();
    assert_eq!(again.user_ids(), ids);
    assert_eq!(again.user(&ids[0]), emulator.user(&ids[0]));
}

#[test]
fn every_json_answer_is_exactly_application_json() {
    let emulator = started();
    let id = emulator.seed_user(None);
    let answers = [
        call(&emulator, "GET", &format!("/v1/users/{id}"), b""),
        call(&emulator, "POST", &format!("/v1/users/{id}/lock"), b""),
        call(
            &emulator,
            "POST",
            "/v1/users/ban",
            &bulk_body(std::slice::from_ref(&id)),
        ),
        call(&emulator, "GET", "/v1/users?limit=1", b""),
        call(&emulator, "GET", "/v1/users/count", b""),
        call(&emulator, "GET", "/v1/users/nobody", b""),
        call(&emulator, "GET", "/v1/users?limit=0", b""),
        call(&emulator, "POST", "/v1/users/ban", b"{"),
        Client::connect(&emulator).request("GET", "/v1/users", &[], b""),
    ];
    for resp in answers {
        assert_eq!(
            resp.header("content-type"),
            Some("application/json"),
            "{resp:?}"
        );
        let _: Value = resp.json();
    }
}

#[test]
fn trace_ids_differ_between_emulators() {
    let first: Vec<String> = (0..3)
        .map(|_| {
            let emulator = started();
            let resp = call(&emulator, "GET", "/v1/users/nobody", b"");
            resp.header("clerk-trace-id").unwrap().to_owned()
        })
        .collect();
    assert_ne!(first[0], first[1]);
    assert_ne!(first[1], first[2]);
    assert_ne!(first[0], first[2]);
}
