//! Clerk-shaped `User` JSON objects for seeding, with deterministic ids and timestamps.

use serde_json::{Value, json};

/// The emulator's fixed epoch: 2024-05-28T08:00:00Z in Unix milliseconds. Seeded users are
/// created shortly after it, and every state change advances a logical clock from it, so
/// responses do not depend on the wall clock.
pub(crate) const BASE_TIMESTAMP_MS: i64 = 1_716_883_200_000;

/// `lockout_expires_in_seconds` of a user locked through the API (Clerk's default lockout
/// duration of one hour).
pub(crate) const LOCKOUT_SECONDS: i64 = 3600;

/// `verification_attempts_remaining` of a user that is not locked out (Clerk's default
/// maximum attempts).
pub(crate) const VERIFICATION_ATTEMPTS: i64 = 100;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

const FIRST_NAMES: [&str; 8] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
];
const LAST_NAMES: [&str; 8] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
];

pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `prefix` followed by 27 base-62 characters derived from `(salt, n)`, like Clerk's ids.
pub(crate) fn clerk_id(prefix: &str, salt: u64, n: u64) -> String {
    let mut state = salt.wrapping_mul(0x0100_0000_01B3) ^ n;
    let mut id = String::with_capacity(prefix.len() + 27);
    id.push_str(prefix);
    // Clerk's ids start with a digit in practice (`user_2g7np7…`); keep that look.
    id.push('2');
    for _ in 0..26 {
        let r = splitmix64(&mut state);
        id.push(char::from(ALPHABET[(r % 62) as usize]));
    }
    id
}

/// A full `User` object as Clerk's Backend API returns it, for the `n`-th seeded user.
pub(crate) fn seeded_user(id: &str, n: u64) -> Value {
    let idx = usize::try_from(n).unwrap_or(0);
    let first = FIRST_NAMES[idx % FIRST_NAMES.len()];
    let last = LAST_NAMES[(idx / FIRST_NAMES.len() + idx) % LAST_NAMES.len()];
    let n_i64 = i64::try_from(n).unwrap_or(0);
    let created_at = BASE_TIMESTAMP_MS + n_i64 * 60_000;
    let email_id = clerk_id("idn_", 0x6964_6e5f, n);
    let email = format!(
        "{}.{}{n}@example.com",
        first.to_lowercase(),
        last.to_lowercase()
    );
    let image = format!("https://img.clerk.com/emulator/{id}");
    // Two halves: one `json!` this size would exceed the default macro recursion limit.
    let mut user = json!({
        "object": "user",
        "id": id,
        "external_id": null,
        "primary_email_address_id": email_id,
        "primary_phone_number_id": null,
        "primary_web3_wallet_id": null,
        "username": format!("{}{n}", first.to_lowercase()),
        "first_name": first,
        "last_name": last,
        "locale": null,
        "profile_image_url": image,
        "image_url": image,
        "has_image": false,
        "public_metadata": {},
        "private_metadata": {},
        "unsafe_metadata": {},
        "email_addresses": [{
            "id": email_id,
            "object": "email_address",
            "email_address": email,
            "reserved": false,
            "verification": {
                "object": "verification_otp",
                "status": "verified",
                "strategy": "email_code",
                "attempts": 1,
                "expire_at": created_at + 600_000,
            },
            "linked_to": [],
            "matches_sso_connection": false,
            "created_at": created_at,
            "updated_at": created_at,
        }],
    });
    let rest = json!({
        "phone_numbers": [],
        "web3_wallets": [],
        "passkeys": [],
        "password_enabled": true,
        "two_factor_enabled": false,
        "totp_enabled": false,
        "backup_code_enabled": false,
        "mfa_enabled_at": null,
        "mfa_disabled_at": null,
        "password_last_updated_at": created_at,
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "organization_memberships": [],
        "last_sign_in_at": created_at + 30_000,
        "banned": false,
        "locked": false,
        "deprovisioned": false,
        "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": VERIFICATION_ATTEMPTS,
        "created_at": created_at,
        "updated_at": created_at,
        "delete_self_enabled": true,
        "create_organization_enabled": true,
        "create_organizations_limit": null,
        "last_active_at": created_at,
        "legal_accepted_at": created_at,
        "bypass_client_trust": false,
    });
    if let (Value::Object(map), Value::Object(rest)) = (&mut user, rest) {
        map.extend(rest);
    }
    user
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_clerk_ids() {
        let a = clerk_id("user_", 1, 1);
        assert_eq!(a.len(), "user_".len() + 27);
        assert!(
            a["user_".len()..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
        );
        assert_eq!(a, clerk_id("user_", 1, 1));
        assert_ne!(a, clerk_id("user_", 1, 2));
    }

    #[test]
    fn user_has_every_required_field() {
        let user = seeded_user("user_x", 3);
        let required = [
            "id",
            "object",
            "username",
            "first_name",
            "last_name",
            "has_image",
            "primary_email_address_id",
            "primary_phone_number_id",
            "primary_web3_wallet_id",
            "password_enabled",
            "two_factor_enabled",
            "totp_enabled",
            "backup_code_enabled",
            "email_addresses",
            "phone_numbers",
            "web3_wallets",
            "passkeys",
            "external_accounts",
            "saml_accounts",
            "enterprise_accounts",
            "public_metadata",
            "external_id",
            "last_sign_in_at",
            "banned",
            "locked",
            "lockout_expires_in_seconds",
            "verification_attempts_remaining",
            "created_at",
            "updated_at",
            "delete_self_enabled",
            "create_organization_enabled",
            "last_active_at",
            "mfa_enabled_at",
            "mfa_disabled_at",
            "legal_accepted_at",
        ];
        for field in required {
            assert!(user.get(field).is_some(), "{field}");
        }
        assert_eq!(
            user["email_addresses"][0]["id"],
            user["primary_email_address_id"]
        );
    }
}
