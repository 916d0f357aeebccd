//! Lossless `User` JSON: whatever parses as a `User` serializes back to the same JSON value,
//! field for field, and parses again to an equal `User`.
//!
//! Invariants: parsing never panics; for an accepted document, `to_value(user)` equals the
//! document as a `serde_json::Value`, and both `from_value` and a trip through bytes give an
//! equal `User`; the derived accessors never panic.

#![no_main]

use clerk_moderation_core::User;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(user) = serde_json::from_slice::<User>(data) else {
        return;
    };
    let original: Value = serde_json::from_slice(data).expect("a document that is a User is JSON");
    let value = serde_json::to_value(&user).expect("a User serializes");
    assert_eq!(value, original, "the User's JSON is not the document's");

    let from_value: User = serde_json::from_value(value).expect("its own JSON parses");
    assert_eq!(from_value, user, "User -> Value -> User changed it");
    let bytes = serde_json::to_vec(&user).expect("a User serializes to bytes");
    let from_bytes: User = serde_json::from_slice(&bytes).expect("its own bytes parse");
    assert_eq!(from_bytes, user, "User -> bytes -> User changed it");

    let _ = format!("{user:?}");
    let _ = (user.lockout(), user.primary_email_address());
    let _ = (
        user.created_at_time(),
        user.updated_at_time(),
        user.last_sign_in_at_time(),
    );
});
