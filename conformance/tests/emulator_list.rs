//! `GET /v1/users` and `GET /v1/users/count` over real loopback HTTP.

use std::collections::HashSet;

use clerk_moderation_conformance::emulator::Emulator;
use serde_json::{Value, json};

mod emulator_support;
use emulator_support::*;

fn list(emulator: &Emulator, query: &str) -> Vec<Value> {
    let resp = call(emulator, "GET", &format!("/v1/users?{query}"), b"");
    assert_eq!(
        resp.status,
        200,
        "{query}: {}",
        String::from_utf8_lossy(&resp.body)
    );
    resp.json().as_array().expect("an array").clone()
}

fn count(emulator: &Emulator, query: &str) -> u64 {
    let resp = call(emulator, "GET", &format!("/v1/users/count?{query}"), b"");
    assert_eq!(resp.status, 200, "{query}");
    let body = resp.json();
    assert_eq!(body["object"], "total_count");
    body["total_count"].as_u64().expect("total_count")
}

fn realistic(n: usize) -> Emulator {
    Emulator::builder().no_rate_limit().seed(n).start().unwrap()
}

#[test]
fn defaults_newest_first_ten_at_a_time() {
    let emulator = realistic(25);
    let page = list(&emulator, "");
    assert_eq!(page.len(), 10);
    let created: Vec<i64> = page
        .iter()
        .map(|u| u["created_at"].as_i64().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
    let oldest_first = list(&emulator, "order_by=%2Bcreated_at&limit=500");
    assert_eq!(oldest_first.len(), 25);
    assert!(
        oldest_first
            .windows(2)
            .all(|w| w[0]["created_at"].as_i64() <= w[1]["created_at"].as_i64())
    );
    assert_eq!(count(&emulator, ""), 25);
    assert_eq!(list(&emulator, "limit=5&offset=22").len(), 3);
}

#[test]
fn cursor_pagination_walks_every_user_once() {
    let emulator = realistic(57);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let query = match &cursor {
            None => "limit=10".to_owned(),
            Some(id) => format!("limit=10&starting_after={id}"),
        };
        let page = list(&emulator, &query);
        seen.extend(page.iter().map(|u| u["id"].as_str().unwrap().to_owned()));
        if page.len() < 10 {
            break;
        }
        cursor = seen.last().cloned();
    }
    assert_eq!(seen.len(), 57);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 57);
}

#[test]
fn filters_over_http() {
    let emulator = realistic(40);
    let banned = list(&emulator, "banned=true&limit=100");
    assert_eq!(banned.len(), 4);
    assert!(banned.iter().all(|u| u["banned"] == true));
    assert_eq!(count(&emulator, "banned=true"), 4);
    assert_eq!(count(&emulator, "banned=false"), 36);

    let someone = emulator.user(&emulator.user_ids()[7]).unwrap();
    let id = someone["id"].as_str().unwrap();
    let email = someone["email_addresses"][0]["email_address"]
        .as_str()
        .unwrap();
    let by_email = list(
        &emulator,
        &format!("email_address={}", email.replace('@', "%40")),
    );
    assert_eq!(by_email, std::slice::from_ref(&someone));
    assert_eq!(count(&emulator, &format!("user_id={id}")), 1);
    assert_eq!(count(&emulator, &format!("user_id=-{id}")), 39);
    assert_eq!(
        count(&emulator, &format!("user_id=%2B{id}&user_id=nobody")),
        1
    );
    let last = someone["last_name"].as_str().unwrap();
    let by_name = list(&emulator, &format!("name_query={}&limit=100", &last[..3]));
    assert!(by_name.iter().any(|u| u["id"] == id));
    let created = someone["created_at"].as_i64().unwrap();
    let at_most = list(
        &emulator,
        &format!(
            "created_at_after={}&created_at_before={}",
            created - 1,
            created + 1
        ),
    );
    assert!(at_most.iter().any(|u| u["id"] == id));
    // The seeded users belong to no organization.
    assert_eq!(count(&emulator, "organization_id=org_1"), 0);
    assert_eq!(count(&emulator, "organization_id=-org_1"), 40);
    let never_signed_in = count(&emulator, "last_sign_in_at_after=0");
    assert!(never_signed_in < 40);
}

#[test]
fn invalid_parameters_get_a_422_naming_the_parameter() {
    let emulator = realistic(3);
    for (query, code, param) in [
        ("limit=0", "form_param_value_invalid", "limit"),
        ("limit=501", "form_param_value_invalid", "limit"),
        ("limit=ten", "form_param_format_invalid", "limit"),
        ("offset=-1", "form_param_value_invalid", "offset"),
        ("banned=maybe", "form_param_format_invalid", "banned"),
        (
            "last_active_at_before=soon",
            "form_param_format_invalid",
            "last_active_at_before",
        ),
        ("order_by=password", "form_param_value_invalid", "order_by"),
        (
            "starting_after=user_gone",
            "form_param_value_invalid",
            "starting_after",
        ),
    ] {
        let resp = call(&emulator, "GET", &format!("/v1/users?{query}"), b"");
        assert_eq!(resp.status, 422, "{query}");
        assert_eq!(resp.error_code(), code, "{query}");
        assert_eq!(
            resp.json()["errors"][0]["meta"],
            json!({ "param_name": param })
        );
    }
    let resp = call(&emulator, "GET", "/v1/users/count?banned=maybe", b"");
    assert_eq!(resp.status, 422);
    assert_eq!(resp.error_code(), "form_param_format_invalid");
}

#[test]
fn limit_goes_up_to_five_hundred() {
    let emulator = realistic(600);
    assert_eq!(list(&emulator, "limit=500").len(), 500);
    assert_eq!(list(&emulator, "limit=500&offset=500").len(), 100);
    assert_eq!(count(&emulator, ""), 600);
}

#[test]
fn list_and_count_need_the_key() {
    let emulator = realistic(1);
    let resp = Client::connect(&emulator).request("GET", "/v1/users", &[], b"");
    assert_eq!(resp.status, 401);
    let resp = Client::connect(&emulator).request("GET", "/v1/users/count", &[], b"");
    assert_eq!(resp.status, 401);
}
