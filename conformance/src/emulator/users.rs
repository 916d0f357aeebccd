//! Clerk-shaped `User` JSON objects for seeding, with deterministic ids and timestamps: the
//! plain users of [`seeded_user`] and the varied ones of [`realistic_user`].

use serde_json::{Value, json};

use super::random::{Rng, splitmix64};

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

/// One day in milliseconds.
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

const REALISTIC_FIRST_NAMES: [&str; 40] = [
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Mia", "Lucas",
    "Aisha", "Mateo", "Yuki", "Arjun", "Chloé", "Mohammed", "Ingrid", "Kwame", "Sofía", "Wei",
    "Priya", "Hiroshi", "Fatima", "Lars", "Zoë", "Diego", "Nia", "Tomás", "Leila", "Ivan", "Grace",
    "Samuel", "Hannah", "Jamal", "Ana", "Björn", "Mei", "Omar", "Elena", "Kofi",
];
const REALISTIC_LAST_NAMES: [&str; 40] = [
    "Smith",
    "Johnson",
    "Garcia",
    "Martinez",
    "Nguyen",
    "Kim",
    "Patel",
    "Müller",
    "Rossi",
    "Silva",
    "Kowalski",
    "O'Brien",
    "Tanaka",
    "Okafor",
    "Haddad",
    "Andersson",
    "Dubois",
    "Novak",
    "Yilmaz",
    "Chen",
    "Singh",
    "Ivanova",
    "Mensah",
    "Fernández",
    "Nakamura",
    "Cohen",
    "Jensen",
    "Lopez",
    "Brown",
    "Wilson",
    "Ahmed",
    "Costa",
    "Schmidt",
    "Murphy",
    "Park",
    "Hughes",
    "Bianchi",
    "Sato",
    "Kaur",
    "Walker",
];
/// Reserved example domains only: seeded addresses must never reach a real mailbox.
const EMAIL_DOMAINS: [&str; 5] = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "corp.example.org",
];

/// The letters of `name` that belong in an email address or username: ASCII letters only,
/// lower-cased, accents dropped (`Chloé` gives `chlo`), so addresses stay plain.
fn handle(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The `n`-th realistic user: varied names, email domains and usernames (some missing), some
/// with an `external_id`, created at a time spread over the year before the emulator's epoch,
/// with last sign-in and activity times after that (some never signed in). Position `n % 10 ==
/// 1` is banned and `n % 10 == 2` locked, so any batch of three or more has both. Deterministic:
/// the same `n` gives the same user.
pub(crate) fn realistic_user(id: &str, n: u64) -> Value {
    let mut rng = Rng::new(splitmix64(&mut (n ^ 0x7265_616c)));
    let first = *rng.pick(&REALISTIC_FIRST_NAMES);
    let last = *rng.pick(&REALISTIC_LAST_NAMES);
    let (first_handle, last_handle) = (handle(first), handle(last));
    let domain = *rng.pick(&EMAIL_DOMAINS);
    let local = match rng.below(3) {
        0 => format!("{first_handle}.{last_handle}{n}"),
        1 => format!("{}{last_handle}{n}", &first_handle[..1]),
        _ => format!("{first_handle}_{n}"),
    };
    let username = match rng.below(5) {
        0 => None,
        1 => Some(format!("{first_handle}{n}")),
        _ => Some(format!("{first_handle}_{last_handle}{n}")),
    };
    let year_ms = 365 * DAY_MS;
    let created_at = BASE_TIMESTAMP_MS - year_ms + rng.below(year_ms as u64) as i64;
    let since_creation = (BASE_TIMESTAMP_MS - created_at).max(1) as u64;
    let last_sign_in_at = (!rng.chance(15)).then(|| created_at + rng.below(since_creation) as i64);
    // Activity has day precision in Clerk's payloads: midnight UTC of the day of some activity
    // at or after the last sign-in.
    let last_active_at = last_sign_in_at.map(|signed_in| {
        let later = signed_in + rng.below((BASE_TIMESTAMP_MS - signed_in).max(1) as u64) as i64;
        later - later.rem_euclid(DAY_MS)
    });
    let updated_at = created_at.max(last_sign_in_at.unwrap_or(0));

    let mut user = seeded_user(id, n);
    let email = format!("{local}@{domain}");
    user["first_name"] = first.into();
    user["last_name"] = last.into();
    user["username"] = username.into();
    user["external_id"] = if rng.chance(30) {
        format!("ext_{:06}", rng.below(1_000_000)).into()
    } else {
        Value::Null
    };
    let address = &mut user["email_addresses"][0];
    address["email_address"] = email.into();
    address["created_at"] = created_at.into();
    address["updated_at"] = created_at.into();
    address["verification"]["expire_at"] = (created_at + 600_000).into();
    for field in [
        "created_at",
        "password_last_updated_at",
        "legal_accepted_at",
    ] {
        user[field] = created_at.into();
    }
    user["updated_at"] = updated_at.into();
    user["last_sign_in_at"] = last_sign_in_at.into();
    user["last_active_at"] = last_active_at.into();
    match n % 10 {
        1 => user["banned"] = true.into(),
        2 => {
            user["locked"] = true.into();
            user["lockout_expires_in_seconds"] = LOCKOUT_SECONDS.into();
            user["verification_attempts_remaining"] = 0.into();
        }
        _ => {}
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

    #[test]
    fn realistic_users_vary_and_stay_in_their_year() {
        let users: Vec<Value> = (0..200)
            .map(|n| realistic_user(&format!("user_{n}"), n))
            .collect();
        let distinct = |field: &str| {
            let mut values: Vec<String> = users.iter().map(|u| u[field].to_string()).collect();
            values.sort();
            values.dedup();
            values.len()
        };
        assert!(distinct("first_name") > 20);
        assert!(distinct("last_name") > 20);
        assert!(users.iter().any(|u| u["username"].is_null()));
        assert!(users.iter().any(|u| u["last_sign_in_at"].is_null()));
        assert!(users.iter().any(|u| u["external_id"].is_string()));
        assert_eq!(users.iter().filter(|u| u["banned"] == true).count(), 20);
        assert_eq!(users.iter().filter(|u| u["locked"] == true).count(), 20);
        let year = 365 * DAY_MS;
        for user in &users {
            let created = user["created_at"].as_i64().unwrap();
            assert!((BASE_TIMESTAMP_MS - year..=BASE_TIMESTAMP_MS).contains(&created));
            if let Some(signed_in) = user["last_sign_in_at"].as_i64() {
                assert!(signed_in >= created && signed_in <= BASE_TIMESTAMP_MS);
                let active = user["last_active_at"].as_i64().unwrap();
                assert_eq!(active % DAY_MS, 0);
            }
            let email = user["email_addresses"][0]["email_address"]
                .as_str()
                .unwrap();
            assert!(email.is_ascii() && email.contains("example."), "{email}");
        }
        let created: Vec<i64> = users
            .iter()
            .map(|u| u["created_at"].as_i64().unwrap())
            .collect();
        let spread = created.iter().max().unwrap() - created.iter().min().unwrap();
        assert!(spread > 300 * DAY_MS);
        assert_eq!(realistic_user("user_1", 1), realistic_user("user_1", 1));
    }
}
