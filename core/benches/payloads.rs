//! The payloads the benches parse: minimal, typical (a spec-shaped user with every nested type)
//! and large (about 20 KB: many identities and memberships, big metadata).

use serde_json::{Value, json};

/// A user with only a few fields, as a drifted or trimmed payload has.
pub fn minimal_user() -> Vec<u8> {
    br#"{"id":"user_2xhFjEI5X2qWRvtV13BzSj8H6Dk","object":"user","banned":false,"locked":false,"lockout_expires_in_seconds":null}"#.to_vec()
}

/// The spec-shaped user of the core's test fixtures: every nested type once.
pub fn typical_user() -> Vec<u8> {
    include_bytes!("../tests/fixtures/full_user.json").to_vec()
}

/// About 20 KB: the typical user with its identities and memberships repeated and a large
/// metadata object.
pub fn large_user() -> Vec<u8> {
    let mut user: Value = serde_json::from_slice(&typical_user()).expect("fixture is JSON");
    for key in [
        "email_addresses",
        "external_accounts",
        "organization_memberships",
    ] {
        let one = user[key][0].clone();
        let many: Vec<Value> = (0..6)
            .map(|i| {
                let mut item = one.clone();
                item["id"] = json!(format!("{}_{i}", one["id"].as_str().unwrap_or("id")));
                item
            })
            .collect();
        user[key] = Value::Array(many);
    }
    let metadata: serde_json::Map<String, Value> = (0..60)
        .map(|i| {
            (
                format!("feature_flag_{i}"),
                json!({"enabled": i % 2 == 0, "rollout": i, "note": "x".repeat(20)}),
            )
        })
        .collect();
    user["public_metadata"] = Value::Object(metadata);
    serde_json::to_vec(&user).expect("serializes")
}

/// Clerk's 404 error body.
pub fn not_found_error() -> Vec<u8> {
    br#"{"errors":[{"message":"not found","long_message":"Resource not found","code":"resource_not_found","meta":{}}],"clerk_trace_id":"4f3c2a1b0e9d8c7b"}"#.to_vec()
}
