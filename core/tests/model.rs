//! The `User` model parses real payloads and serializes them back without losing a field.

// Under wasm32-unknown-unknown these tests run in Node, through wasm-bindgen-test.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use clerk_moderation_core::model::{
    EnterpriseProtocol, ExternalAccountObject, Lockout, OAuthProvider, User, VerificationStatus,
    VerificationStrategy,
};
use serde_json::{Value, json};
use std::time::{Duration, UNIX_EPOCH};

/// A payload from `tests/fixtures/`, compiled in so that the tests need no file system (there is
/// none under wasm32-unknown-unknown).
fn fixture(name: &str) -> &'static str {
    match name {
        "webhook_user_created.json" => include_str!("fixtures/webhook_user_created.json"),
        "webhook_user_updated.json" => include_str!("fixtures/webhook_user_updated.json"),
        "full_user.json" => include_str!("fixtures/full_user.json"),
        "drifted_user.json" => include_str!("fixtures/drifted_user.json"),
        other => panic!("no fixture {other}"),
    }
}

/// Parses `text` as a `User` and checks that serializing it gives the same JSON value back.
fn parse_lossless(text: &str) -> User {
    let user: User = serde_json::from_str(text).expect("parses as a User");
    let original: Value = serde_json::from_str(text).unwrap();
    let again = serde_json::to_value(&user).unwrap();
    assert_eq!(
        again, original,
        "serializing the User must give back the same JSON"
    );
    let reparsed: User = serde_json::from_value(again).unwrap();
    assert_eq!(reparsed, user, "User -> JSON -> User must be equal");
    user
}

#[test]
fn webhook_examples_parse_losslessly() {
    let created = parse_lossless(fixture("webhook_user_created.json"));
    assert_eq!(created.id, "user_2g7np7Hrk0SN6kj5EDMLDaKNL0S");
    assert_eq!(created.first_name.as_deref(), Some("John"));
    assert_eq!(created.private_metadata, None);
    assert!(!created.was_absent("private_metadata"));
    assert!(created.was_absent("organization_memberships"));
    assert_eq!(
        created.created_at_time(),
        UNIX_EPOCH + Duration::from_secs(1_716_883_200)
    );

    let updated = parse_lossless(fixture("webhook_user_updated.json"));
    assert_eq!(updated.public_metadata["department"], "engineering");
    assert!(updated.two_factor_enabled);
    assert_eq!(updated.mfa_enabled_at, Some(1_716_883_200_000));
}

#[test]
fn a_payload_with_every_nested_type_parses_losslessly() {
    let user = parse_lossless(fixture("full_user.json"));
    assert_eq!(
        user.primary_email_address().unwrap().email_address,
        "ada@example.com"
    );
    let email = &user.email_addresses[0];
    let verification = email.verification.as_ref().unwrap();
    assert_eq!(verification.status, VerificationStatus::Verified);
    assert_eq!(verification.strategy, VerificationStrategy::EmailCode);
    assert_eq!(verification.attempts, Some(1));
    assert_eq!(email.linked_to[0].link_type, "oauth_google");
    let from_oauth = user.email_addresses[1].verification.as_ref().unwrap();
    assert_eq!(
        from_oauth.strategy,
        VerificationStrategy::FromOAuth("from_oauth_google".into())
    );
    assert_eq!(from_oauth.strategy.oauth_provider(), Some("google"));
    assert_eq!(
        user.phone_numbers[0]
            .verification
            .as_ref()
            .unwrap()
            .channel
            .as_deref(),
        Some("sms")
    );
    assert_eq!(
        user.web3_wallets[0].verification.as_ref().unwrap().strategy,
        VerificationStrategy::Web3MetamaskSignature
    );
    assert_eq!(user.passkeys[0].name, "MacBook Touch ID");
    let google = &user.external_accounts[0];
    assert_eq!(google.provider, OAuthProvider::Google);
    assert_eq!(google.object, ExternalAccountObject::ExternalAccount);
    assert_eq!(google.email_address_verified, Some(true));
    assert_eq!(
        user.saml_accounts[0]
            .saml_connection
            .as_ref()
            .unwrap()
            .domains,
        ["corp.example.com"]
    );
    assert_eq!(
        user.enterprise_accounts[0].protocol,
        EnterpriseProtocol::Saml
    );
    let membership = &user.organization_memberships[0];
    assert_eq!(membership.organization.slug, "analytical-engines");
    assert_eq!(
        membership
            .public_user_data
            .as_ref()
            .unwrap()
            .identifier
            .as_deref(),
        Some("ada@example.com")
    );
    assert_eq!(user.scim.as_ref().unwrap().directory_id, "dir_2xhFjXy");
    assert_eq!(
        user.lockout(),
        Lockout::ExpiresIn(Duration::from_secs(1800))
    );
    assert!(
        user.extra.is_empty(),
        "every field of the spec is modelled: {:?}",
        user.extra.keys()
    );
}

#[test]
fn drifted_payloads_parse_losslessly() {
    let user = parse_lossless(fixture("drifted_user.json"));
    // Missing arrays default to empty and stay missing when serialized (checked above).
    assert!(user.phone_numbers.is_empty() && user.was_absent("phone_numbers"));
    assert_eq!(user.external_id, None);
    assert!(user.was_absent("external_id"));
    // Legacy fields.
    assert_eq!(user.birthday.as_deref(), Some(""));
    assert_eq!(
        user.profile_image_url.as_deref(),
        Some("https://images.clerk.dev/uploaded/img_old.png")
    );
    // A verification without `object` and with an unknown strategy.
    let verification = user.email_addresses[0].verification.as_ref().unwrap();
    assert_eq!(verification.object, None);
    assert_eq!(
        verification.strategy,
        VerificationStrategy::FromOAuth("from_oauth_tiktok".into())
    );
    assert!(verification.was_absent("attempts"));
    // Unknown statuses, providers, objects and protocols are kept.
    let account = &user.external_accounts[0];
    assert_eq!(account.object, ExternalAccountObject::GoogleAccount);
    assert_eq!(account.provider, OAuthProvider::Tiktok);
    assert_eq!(account.extra["google_id"], "1234");
    assert_eq!(
        account.verification.as_ref().unwrap().status,
        VerificationStatus::Transferable
    );
    assert_eq!(
        user.enterprise_accounts[0].protocol,
        EnterpriseProtocol::Unknown("oidc".into())
    );
    // A locked user with no expiry is locked for good.
    assert_eq!(user.lockout(), Lockout::Indefinite);
    assert_eq!(user.extra["some_field_from_2027"]["nested"][1], 2.5);
}

#[test]
fn nulls_where_the_spec_forbids_them_round_trip() {
    let text = r#"{"id":"user_1","object":"user","banned":null,"email_addresses":null,"created_at":null,"public_metadata":null,
        "phone_numbers":[{"id":"idn_1","verification":{"status":"brand_new_status","strategy":"sms_magic","attempts":null,"expire_at":null,"object":"verification_future"}}]}"#;
    let user = parse_lossless(text);
    assert!(!user.banned && user.was_null("banned"));
    let verification = user.phone_numbers[0].verification.as_ref().unwrap();
    assert_eq!(
        verification.status,
        VerificationStatus::Unknown("brand_new_status".into())
    );
    assert!(verification.strategy.is_unknown());
    assert_eq!(verification.strategy.as_str(), "sms_magic");
}

#[test]
fn fields_set_in_code_are_written_even_if_they_were_missing() {
    let mut user: User = serde_json::from_str(r#"{"id":"user_1"}"#).unwrap();
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        json!({"id": "user_1"})
    );
    user.banned = true;
    user.external_id = Some("ext".into());
    assert_eq!(
        serde_json::to_value(&user).unwrap(),
        json!({"id": "user_1", "banned": true, "external_id": "ext"})
    );
}

#[test]
fn a_user_built_in_code_serializes_every_field() {
    let user = User::default();
    let value = serde_json::to_value(&user).unwrap();
    let object = value.as_object().unwrap();
    for key in User::FIELDS {
        assert!(object.contains_key(*key), "{key} missing");
    }
    assert_eq!(object["private_metadata"], Value::Null);
    let back: User = serde_json::from_value(value).unwrap();
    assert_eq!(back, user);
}

#[test]
fn wrong_types_are_errors_not_panics() {
    for text in [
        r#"{"banned":"yes"}"#,
        r#"{"email_addresses":{}}"#,
        r#"[]"#,
        r#""user""#,
        r#"{"created_at":1.5}"#,
        "{",
        "",
    ] {
        assert!(serde_json::from_str::<User>(text).is_err(), "{text}");
    }
}

#[test]
fn keys_with_escapes_are_recognised() {
    let user: User = serde_json::from_str(r#"{"\u0069d":"user_1","ba\u006ened":true}"#).unwrap();
    assert_eq!(user.id, "user_1");
    assert!(user.banned);
}
