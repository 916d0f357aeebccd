//! The secret key never shows in a `Debug` or `Display`: config, key, request, errors.

// Under wasm32-unknown-unknown these tests run in Node, through wasm-bindgen-test.
#[cfg(all(target_family = "wasm", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use clerk_moderation_core::{
    ApiConfig, BanUsers, BuildError, Operation, SecretKey, UnlockUser, UserId,
};

const SECRET: &str = "sk_live_TOPSECRETvalue0123456789";
const SECRET_CORE: &str = "TOPSECRETvalue0123456789";

fn assert_clean(label: &str, text: &str) {
    assert!(
        !text.contains(SECRET_CORE),
        "{label} leaks the secret: {text}"
    );
}

#[test]
fn secret_never_appears_in_debug_output() {
    let key = SecretKey::new(SECRET).unwrap();
    assert_clean("key", &format!("{key:?}"));
    assert_clean("key alternate", &format!("{key:#?}"));
    let config = ApiConfig::new(key.clone());
    assert_clean("config", &format!("{config:?}"));
    assert_clean("config alternate", &format!("{config:#?}"));

    let request = UnlockUser::new(UserId::new("user_1").unwrap())
        .build_request(&config)
        .unwrap();
    assert_clean("request", &format!("{request:?}"));
    let bulk = BanUsers::new([UserId::new("user_1").unwrap()])
        .unwrap()
        .build_request(&config)
        .unwrap();
    assert_clean("bulk request", &format!("{bulk:#?}"));
    // The header is there all the same, and marked sensitive.
    assert_eq!(
        request.headers()["authorization"].as_bytes(),
        format!("Bearer {SECRET}").as_bytes()
    );
    assert!(request.headers()["authorization"].is_sensitive());
    assert_eq!(key.expose_secret(), SECRET);
    assert!(!key.is_test_key());
}

#[test]
fn refused_keys_do_not_echo_the_key() {
    for bad in [
        "",
        "sk_live_with space TOPSECRETvalue0123456789",
        "sk_live_TOPSECRETvalue0123456789\r\n",
        "sk_live_TOPSECRETvalue0123456789\u{e9}",
    ] {
        let error = SecretKey::new(bad).unwrap_err();
        assert!(matches!(error, BuildError::InvalidSecretKey { .. }));
        assert_clean("error debug", &format!("{error:?}"));
        assert_clean("error display", &error.to_string());
    }
    let huge = format!("sk_live_{}", "x".repeat(600));
    assert!(SecretKey::new(huge).is_err());
}
