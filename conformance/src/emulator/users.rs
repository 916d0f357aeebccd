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

/// OAuth providers of the accounts large users link.
const PROVIDERS: [(&str, &str); 6] = [
    (
        "oauth_google",
        "email profile openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
    ),
    ("oauth_github", "read:user user:email"),
    (
        "oauth_microsoft",
        "openid profile email offline_access User.Read",
    ),
    ("oauth_apple", "name email"),
    ("oauth_discord", "identify email"),
    ("oauth_linkedin_oidc", "openid profile email"),
];
const DEVICES: [&str; 6] = [
    "MacBook Pro",
    "iPhone 15",
    "Pixel 8",
    "YubiKey 5C",
    "Windows Hello",
    "iPad Air",
];
const PLANS: [&str; 4] = ["free", "pro", "team", "enterprise"];
const NOTE_TOPICS: [&str; 6] = [
    "asked for a refund of the last invoice",
    "reported a login loop after changing their password",
    "moved to the annual plan after the trial",
    "flagged by the spam filter for bulk invitations, reviewed and cleared",
    "requested an export of their data under GDPR article 20",
    "changed the billing contact and the VAT number",
];

/// The JSON size of `value`.
fn json_len(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(0, |bytes| bytes.len())
}

/// A verified verification of `strategy`, as Clerk records it.
fn verified(object: &str, strategy: &str, at: i64) -> Value {
    json!({
        "object": object,
        "status": "verified",
        "strategy": strategy,
        "attempts": 1,
        "expire_at": at + 600_000,
    })
}

/// The realistic user `n` grown to about `target` bytes of JSON (never less than the plain
/// realistic user), as long-lived accounts grow: metadata up to 7 KB (within Clerk's limits),
/// then, in turn, more email addresses, phone numbers, OAuth accounts, web3 wallets and
/// passkeys. Deterministic: the same arguments give the same user.
pub(crate) fn large_user(id: &str, n: u64, target: usize) -> Value {
    let mut user = realistic_user(id, n);
    let mut size = json_len(&user);
    if size >= target {
        return user;
    }
    let mut rng = Rng::new(splitmix64(&mut (n ^ 0x6c61_7267_6575)));
    let created_at = user["created_at"].as_i64().unwrap_or(BASE_TIMESTAMP_MS);
    let email = user["email_addresses"][0]["email_address"]
        .as_str()
        .unwrap_or("user@example.com")
        .to_owned();
    let (local, domain) = email.split_once('@').unwrap_or(("user", "example.com"));
    let (local, domain) = (local.to_owned(), domain.to_owned());

    size += grow_metadata(&mut user, &mut rng, created_at, (target - size) / 3);
    for k in 0_u64.. {
        if size >= target {
            break;
        }
        let at = created_at + i64::try_from(k).unwrap_or(0) * DAY_MS;
        let salt = n.wrapping_mul(1000).wrapping_add(k);
        let (array, item) = match k % 5 {
            0 => {
                let address = format!("{local}+{k}@{domain}");
                let link = clerk_id("idn_", 0x006c_6e6b, salt);
                let mut item = json!({
                    "id": clerk_id("idn_", 0x0065_6d6c, salt),
                    "object": "email_address",
                    "email_address": address,
                    "reserved": false,
                    "verification": verified("verification_otp", "email_code", at),
                    "linked_to": [{ "type": "oauth_google", "id": link }],
                    "matches_sso_connection": false,
                    "created_at": at,
                    "updated_at": at,
                });
                if rng.chance(50) {
                    item["linked_to"] = json!([]);
                }
                ("email_addresses", item)
            }
            1 => (
                "phone_numbers",
                json!({
                    "id": clerk_id("idn_", 0x0070_686e, salt),
                    "object": "phone_number",
                    // The 555-01xx numbers are reserved for fiction.
                    "phone_number": format!("+1{:03}5550{:03}", 200 + rng.below(700), 100 + rng.below(100)),
                    "reserved_for_second_factor": k == 1,
                    "default_second_factor": k == 1,
                    "reserved": false,
                    "verification": verified("verification_otp", "phone_code", at),
                    "linked_to": [],
                    "backup_codes": null,
                    "created_at": at,
                    "updated_at": at,
                }),
            ),
            2 => {
                let (provider, scopes) = *rng.pick(&PROVIDERS);
                let image = format!("https://img.clerk.com/emulator/{provider}/{salt}");
                (
                    "external_accounts",
                    json!({
                        "object": "external_account",
                        "id": clerk_id("eac_", 0x0065_6163, salt),
                        "provider": provider,
                        "identification_id": clerk_id("idn_", 0x006c_6e6b, salt),
                        "provider_user_id": format!("{}", 100_000_000_000 + rng.below(900_000_000_000)),
                        "approved_scopes": scopes,
                        "email_address": format!("{local}@{domain}"),
                        "email_address_verified": true,
                        "first_name": user["first_name"],
                        "last_name": user["last_name"],
                        "avatar_url": image,
                        "image_url": image,
                        "username": user["username"],
                        "phone_number": null,
                        "public_metadata": {
                            "locale": "en-GB",
                            "profile_url": format!("https://{provider}.example/{local}"),
                        },
                        "label": null,
                        "created_at": at,
                        "updated_at": at,
                        "verification": {
                            "object": "verification_oauth",
                            "status": "verified",
                            "strategy": provider,
                            "attempts": null,
                            "expire_at": at + 600_000,
                            "external_verification_redirect_url": null,
                        },
                    }),
                )
            }
            3 => (
                "web3_wallets",
                json!({
                    "id": clerk_id("idn_", 0x0077_3377, salt),
                    "object": "web3_wallet",
                    "web3_wallet": format!("0x{:016x}{:016x}{:08x}", rng.next_u64(), rng.next_u64(), rng.below(1 << 32)),
                    "verification": verified("verification_web3", "web3_metamask_signature", at),
                    "created_at": at,
                    "updated_at": at,
                }),
            ),
            _ => (
                "passkeys",
                json!({
                    "id": clerk_id("idn_", 0x0070_6b79, salt),
                    "object": "passkey",
                    "name": rng.pick(&DEVICES),
                    "last_used_at": at + DAY_MS / 2,
                    "verification": {
                        "object": "verification_passkey",
                        "status": "verified",
                        "strategy": "passkey",
                        "attempts": null,
                        "expire_at": null,
                        "nonce": format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64()),
                    },
                }),
            ),
        };
        size += json_len(&item) + 1;
        if let Some(items) = user[array].as_array_mut() {
            items.push(item);
        }
    }
    user
}

/// Fills the three metadata objects with about `budget` bytes (at most 7 KB): a plan and
/// preferences (public), support notes (private), onboarding answers (unsafe). Returns the
/// bytes added, roughly.
fn grow_metadata(user: &mut Value, rng: &mut Rng, created_at: i64, budget: usize) -> usize {
    const MAX_METADATA: usize = 7 * 1024;
    let budget = budget.min(MAX_METADATA);
    let before = json_len(&user["public_metadata"])
        + json_len(&user["private_metadata"])
        + json_len(&user["unsafe_metadata"]);
    user["public_metadata"] = json!({
        "plan": rng.pick(&PLANS),
        "roles": ["member"],
        "preferences": { "theme": "system", "language": "en", "digest": "weekly" },
    });
    user["unsafe_metadata"] = json!({
        "onboarding": { "completed": true, "source": "newsletter", "team_size": 1 + rng.below(50) },
    });
    let mut notes = Vec::new();
    // What the metadata holds besides the notes, and the notes' own brackets and keys.
    let mut size = json_len(&user["public_metadata"]) + json_len(&user["unsafe_metadata"]) + 60;
    for k in 0_i64.. {
        let note = json!({
            "at": created_at + k * 7 * DAY_MS,
            "by": format!("agent_{:03}", rng.below(1000)),
            "text": rng.pick(&NOTE_TOPICS),
            "ticket": format!("T-{:06}", rng.below(1_000_000)),
        });
        let note_len = json_len(&note) + 1;
        if size + note_len > budget {
            break;
        }
        size += note_len;
        notes.push(note);
    }
    user["private_metadata"] = json!({
        "crm_id": format!("crm_{:08x}", rng.below(1 << 32)),
        "support_notes": notes,
    });
    let after = json_len(&user["public_metadata"])
        + json_len(&user["private_metadata"])
        + json_len(&user["unsafe_metadata"]);
    after.saturating_sub(before)
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

    #[test]
    fn large_users_reach_their_size_with_every_kind_of_item() {
        for target in [12_000, 40_000] {
            let user = large_user("user_big", 7, target);
            let size = json_len(&user);
            assert!(
                size >= target && size < target + 2000,
                "{size} for {target}"
            );
            for array in [
                "email_addresses",
                "phone_numbers",
                "external_accounts",
                "web3_wallets",
                "passkeys",
            ] {
                assert!(!user[array].as_array().unwrap().is_empty(), "{array}");
            }
            let metadata = json_len(&user["public_metadata"])
                + json_len(&user["private_metadata"])
                + json_len(&user["unsafe_metadata"]);
            assert!(metadata <= 7 * 1024 + 200, "{metadata}");
            assert_eq!(user["id"], "user_big");
        }
        // Small targets leave the realistic user as it is.
        assert_eq!(large_user("user_1", 1, 10), realistic_user("user_1", 1));
        assert_eq!(
            large_user("user_1", 1, 20_000),
            large_user("user_1", 1, 20_000)
        );
    }
}
