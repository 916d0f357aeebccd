//! Typed model values: every `User` type built with `Default` and field assignment, with known
//! and unknown open-enum values and unknown fields in `extra`.
//!
//! Values are canonical: an open-enum value is what parsing its string gives back (an
//! `Unknown` never holds a known value), an `Option<serde_json::Value>` is never
//! `Some(Value::Null)` (JSON cannot tell it from `None`), and `extra` never holds a modelled
//! key. So every value generated here survives `User` → JSON → `User` unchanged.

use clerk_moderation_core::model::{
    EmailAddress, EnterpriseAccount, EnterpriseConnection, EnterpriseProtocol, ExternalAccount,
    ExternalAccountObject, IdentificationLink, OAuthProvider, Organization, OrganizationMembership,
    Passkey, PhoneNumber, PublicUserData, SamlAccount, SamlConnection, ScimUserMetadata, User,
    Verification, VerificationStatus, VerificationStrategy, Web3Wallet,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use super::common::{
    LOWER, chars_from, extra_fields, metadata, opt_i64, opt_string, short_string, timestamp,
};

/// A wire value for an open enum: one of `known`, a value of one of the `families` (a prefix
/// and a suffix), or a value no version knows yet.
fn open_enum_value(
    known: &'static [&'static str],
    families: &'static [&'static str],
) -> BoxedStrategy<String> {
    let family = if families.is_empty() {
        Just(String::from("future_value")).boxed()
    } else {
        (prop::sample::select(families), 1usize..=10, any::<u64>())
            .prop_map(|(prefix, len, seed)| format!("{prefix}{}", chars_from(LOWER, len, seed)))
            .boxed()
    };
    prop_oneof![
        6 => prop::sample::select(known).prop_map(str::to_owned),
        2 => family,
        2 => (1usize..=10, any::<u64>())
            .prop_map(|(len, seed)| format!("future_{}", chars_from(LOWER, len, seed))),
        1 => short_string(),
    ]
    .boxed()
}

const VERIFICATION_STATUSES: &[&str] = &[
    "unverified",
    "verified",
    "failed",
    "expired",
    "transferable",
];
const VERIFICATION_STRATEGIES: &[&str] = &[
    "phone_code",
    "email_code",
    "reset_password_email_code",
    "reset_password_phone_code",
    "admin",
    "ticket",
    "saml",
    "email_link",
    "scim",
    "passkey",
    "google_one_tap",
    "web3_metamask_signature",
    "web3_base_signature",
    "web3_coinbase_wallet_signature",
    "web3_okx_wallet_signature",
    "web3_solana_signature",
    "oauth_google",
    "from_oauth_google",
    "oauth_token_github",
    "oauth_custom_acme",
];
const OAUTH_PROVIDERS: &[&str] = &[
    "oauth_google",
    "oauth_github",
    "oauth_microsoft",
    "oauth_apple",
    "oauth_facebook",
    "oauth_discord",
    "oauth_gitlab",
    "oauth_linkedin_oidc",
    "oauth_linkedin",
    "oauth_x",
    "oauth_twitter",
    "oauth_slack",
    "oauth_twitch",
    "oauth_tiktok",
    "oauth_bitbucket",
    "oauth_dropbox",
    "oauth_spotify",
    "oauth_notion",
    "oauth_hubspot",
    "oauth_atlassian",
    "oauth_coinbase",
    "oauth_line",
    "oauth_instagram",
    "oauth_huggingface",
    "oauth_xero",
    "oauth_box",
    "oauth_enstall",
];
const EXTERNAL_ACCOUNT_OBJECTS: &[&str] =
    &["external_account", "facebook_account", "google_account"];
const ENTERPRISE_PROTOCOLS: &[&str] = &["oauth", "saml"];

/// The wire values of `verification.status`: documented ones and new ones.
pub fn verification_status_value() -> BoxedStrategy<String> {
    open_enum_value(VERIFICATION_STATUSES, &[]).boxed()
}

/// The wire values of `verification.strategy`: documented ones, OAuth families
/// (`oauth_…`, `from_oauth_…`) and new ones.
pub fn verification_strategy_value() -> BoxedStrategy<String> {
    open_enum_value(VERIFICATION_STRATEGIES, &["oauth_", "from_oauth_"]).boxed()
}

/// The wire values of `external_account.provider`: documented ones, custom providers and new
/// ones.
pub fn oauth_provider_value() -> BoxedStrategy<String> {
    open_enum_value(OAUTH_PROVIDERS, &["oauth_custom_"]).boxed()
}

/// The wire values of `external_account.object`.
pub fn external_account_object_value() -> BoxedStrategy<String> {
    open_enum_value(EXTERNAL_ACCOUNT_OBJECTS, &[]).boxed()
}

/// The wire values of `enterprise_account.protocol`.
pub fn enterprise_protocol_value() -> BoxedStrategy<String> {
    open_enum_value(ENTERPRISE_PROTOCOLS, &[]).boxed()
}

/// A [`VerificationStatus`], known or `Unknown`.
pub fn verification_status() -> BoxedStrategy<VerificationStatus> {
    verification_status_value()
        .prop_map(|s| VerificationStatus::from_str(&s))
        .boxed()
}

/// A [`VerificationStrategy`]: known, an OAuth family member, or `Unknown`.
pub fn verification_strategy() -> BoxedStrategy<VerificationStrategy> {
    verification_strategy_value()
        .prop_map(|s| VerificationStrategy::from_str(&s))
        .boxed()
}

/// An [`OAuthProvider`]: known, `Custom`, or `Unknown`.
pub fn oauth_provider() -> BoxedStrategy<OAuthProvider> {
    oauth_provider_value()
        .prop_map(|s| OAuthProvider::from_str(&s))
        .boxed()
}

/// An [`ExternalAccountObject`], known or `Unknown`.
pub fn external_account_object() -> BoxedStrategy<ExternalAccountObject> {
    external_account_object_value()
        .prop_map(|s| ExternalAccountObject::from_str(&s))
        .boxed()
}

/// An [`EnterpriseProtocol`], known or `Unknown`.
pub fn enterprise_protocol() -> BoxedStrategy<EnterpriseProtocol> {
    enterprise_protocol_value()
        .prop_map(|s| EnterpriseProtocol::from_str(&s))
        .boxed()
}

/// A [`Verification`] with known and unknown status and strategy, and sometimes an error.
pub fn verification() -> BoxedStrategy<Verification> {
    (
        option::of(prop_oneof![
            Just("verification_otp".to_owned()),
            Just("verification_oauth".to_owned()),
            short_string(),
        ]),
        verification_status(),
        verification_strategy(),
        opt_i64(),
        opt_i64(),
        opt_string(),
        opt_string(),
        opt_string(),
        opt_string(),
        opt_string(),
        option::weighted(0.2, super::errors::clerk_error()),
        extra_fields(Verification::FIELDS),
    )
        .prop_map(
            |(
                object,
                status,
                strategy,
                attempts,
                expire_at,
                verified_at_client,
                channel,
                nonce,
                message,
                redirect,
                error,
                extra,
            )| {
                let mut v = Verification::default();
                v.object = object;
                v.status = status;
                v.strategy = strategy;
                v.attempts = attempts;
                v.expire_at = expire_at;
                v.verified_at_client = verified_at_client;
                v.channel = channel;
                v.nonce = nonce;
                v.message = message;
                v.external_verification_redirect_url = redirect;
                v.error = error;
                v.extra = extra;
                v
            },
        )
        .boxed()
}

/// An [`IdentificationLink`].
pub fn identification_link() -> BoxedStrategy<IdentificationLink> {
    (
        oauth_provider_value(),
        short_string(),
        extra_fields(IdentificationLink::FIELDS),
    )
        .prop_map(|(link_type, id, extra)| {
            let mut l = IdentificationLink::default();
            l.link_type = link_type;
            l.id = id;
            l.extra = extra;
            l
        })
        .boxed()
}

/// An [`EmailAddress`].
pub fn email_address() -> BoxedStrategy<EmailAddress> {
    (
        short_string(),
        short_string(),
        short_string(),
        any::<bool>(),
        option::of(verification()),
        vec(identification_link(), 0..=1),
        option::of(any::<bool>()),
        timestamp(),
        timestamp(),
        extra_fields(EmailAddress::FIELDS),
    )
        .prop_map(
            |(
                id,
                object,
                email,
                reserved,
                verification,
                linked_to,
                sso,
                created,
                updated,
                extra,
            )| {
                let mut e = EmailAddress::default();
                e.id = id;
                e.object = object;
                e.email_address = email;
                e.reserved = reserved;
                e.verification = verification;
                e.linked_to = linked_to;
                e.matches_sso_connection = sso;
                e.created_at = created;
                e.updated_at = updated;
                e.extra = extra;
                e
            },
        )
        .boxed()
}

/// A [`PhoneNumber`].
pub fn phone_number() -> BoxedStrategy<PhoneNumber> {
    (
        short_string(),
        short_string(),
        "\\+[0-9]{6,14}",
        prop::array::uniform3(any::<bool>()),
        option::of(verification()),
        vec(identification_link(), 0..=1),
        option::of(vec(short_string(), 0..3)),
        timestamp(),
        timestamp(),
        extra_fields(PhoneNumber::FIELDS),
    )
        .prop_map(
            |(
                id,
                object,
                number,
                flags,
                verification,
                linked_to,
                codes,
                created,
                updated,
                extra,
            )| {
                let mut p = PhoneNumber::default();
                p.id = id;
                p.object = object;
                p.phone_number = number;
                p.reserved_for_second_factor = flags[0];
                p.default_second_factor = flags[1];
                p.reserved = flags[2];
                p.verification = verification;
                p.linked_to = linked_to;
                p.backup_codes = codes;
                p.created_at = created;
                p.updated_at = updated;
                p.extra = extra;
                p
            },
        )
        .boxed()
}

/// A [`Web3Wallet`].
pub fn web3_wallet() -> BoxedStrategy<Web3Wallet> {
    (
        short_string(),
        short_string(),
        "0x[0-9a-f]{8,40}",
        option::of(verification()),
        timestamp(),
        timestamp(),
        extra_fields(Web3Wallet::FIELDS),
    )
        .prop_map(
            |(id, object, wallet, verification, created, updated, extra)| {
                let mut w = Web3Wallet::default();
                w.id = id;
                w.object = object;
                w.web3_wallet = wallet;
                w.verification = verification;
                w.created_at = created;
                w.updated_at = updated;
                w.extra = extra;
                w
            },
        )
        .boxed()
}

/// A [`Passkey`].
pub fn passkey() -> BoxedStrategy<Passkey> {
    (
        short_string(),
        short_string(),
        short_string(),
        opt_i64(),
        option::of(verification()),
        extra_fields(Passkey::FIELDS),
    )
        .prop_map(|(id, object, name, last_used_at, verification, extra)| {
            let mut p = Passkey::default();
            p.id = id;
            p.object = object;
            p.name = name;
            p.last_used_at = last_used_at;
            p.verification = verification;
            p.extra = extra;
            p
        })
        .boxed()
}

/// An [`ExternalAccount`] with known and unknown providers and object kinds.
pub fn external_account() -> BoxedStrategy<ExternalAccount> {
    let head = (
        external_account_object(),
        short_string(),
        oauth_provider(),
        short_string(),
        short_string(),
        short_string(),
        short_string(),
        option::of(any::<bool>()),
        short_string(),
        short_string(),
    );
    let tail = (
        opt_string(),
        opt_string(),
        opt_string(),
        opt_string(),
        metadata(),
        opt_string(),
        timestamp(),
        timestamp(),
        option::of(verification()),
        extra_fields(ExternalAccount::FIELDS),
    );
    (head, tail)
        .prop_map(|(h, t)| {
            let mut a = ExternalAccount::default();
            a.object = h.0;
            a.id = h.1;
            a.provider = h.2;
            a.identification_id = h.3;
            a.provider_user_id = h.4;
            a.approved_scopes = h.5;
            a.email_address = h.6;
            a.email_address_verified = h.7;
            a.first_name = h.8;
            a.last_name = h.9;
            a.avatar_url = t.0;
            a.image_url = t.1;
            a.username = t.2;
            a.phone_number = t.3;
            a.public_metadata = t.4;
            a.label = t.5;
            a.created_at = t.6;
            a.updated_at = t.7;
            a.verification = t.8;
            a.extra = t.9;
            a
        })
        .boxed()
}

/// A [`SamlConnection`].
pub fn saml_connection() -> BoxedStrategy<SamlConnection> {
    (
        (
            short_string(),
            short_string(),
            opt_string(),
            vec(short_string(), 0..3),
            any::<bool>(),
            short_string(),
            any::<bool>(),
        ),
        (
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            timestamp(),
            timestamp(),
            extra_fields(SamlConnection::FIELDS),
        ),
    )
        .prop_map(|(h, t)| {
            let mut c = SamlConnection::default();
            c.id = h.0;
            c.name = h.1;
            c.domain = h.2;
            c.domains = h.3;
            c.active = h.4;
            c.provider = h.5;
            c.sync_user_attributes = h.6;
            c.allow_subdomains = t.0;
            c.allow_idp_initiated = t.1;
            c.disable_additional_identifications = t.2;
            c.created_at = t.3;
            c.updated_at = t.4;
            c.extra = t.5;
            c
        })
        .boxed()
}

/// A [`SamlAccount`], sometimes with its [`SamlConnection`].
pub fn saml_account() -> BoxedStrategy<SamlAccount> {
    (
        (
            short_string(),
            short_string(),
            short_string(),
            any::<bool>(),
            short_string(),
            opt_string(),
            opt_string(),
        ),
        (
            opt_string(),
            opt_i64(),
            metadata(),
            option::of(verification()),
            option::of(saml_connection()),
            extra_fields(SamlAccount::FIELDS),
        ),
    )
        .prop_map(|(h, t)| {
            let mut a = SamlAccount::default();
            a.id = h.0;
            a.object = h.1;
            a.provider = h.2;
            a.active = h.3;
            a.email_address = h.4;
            a.first_name = h.5;
            a.last_name = h.6;
            a.provider_user_id = t.0;
            a.last_authenticated_at = t.1;
            a.public_metadata = t.2;
            a.verification = t.3;
            a.saml_connection = t.4;
            a.extra = t.5;
            a
        })
        .boxed()
}

/// An [`EnterpriseConnection`] with known and unknown protocols.
pub fn enterprise_connection() -> BoxedStrategy<EnterpriseConnection> {
    (
        (
            short_string(),
            enterprise_protocol(),
            short_string(),
            short_string(),
            opt_string(),
            opt_string(),
            vec(short_string(), 0..3),
        ),
        (
            prop::array::uniform5(any::<bool>()),
            timestamp(),
            timestamp(),
            extra_fields(EnterpriseConnection::FIELDS),
        ),
    )
        .prop_map(|(h, t)| {
            let mut c = EnterpriseConnection::default();
            c.id = h.0;
            c.protocol = h.1;
            c.provider = h.2;
            c.name = h.3;
            c.logo_public_url = h.4;
            c.domain = h.5;
            c.domains = h.6;
            c.active = t.0[0];
            c.sync_user_attributes = t.0[1];
            c.allow_subdomains = t.0[2];
            c.allow_idp_initiated = t.0[3];
            c.disable_additional_identifications = t.0[4];
            c.created_at = t.1;
            c.updated_at = t.2;
            c.extra = t.3;
            c
        })
        .boxed()
}

/// An [`EnterpriseAccount`], sometimes with its [`EnterpriseConnection`].
pub fn enterprise_account() -> BoxedStrategy<EnterpriseAccount> {
    (
        (
            short_string(),
            short_string(),
            enterprise_protocol(),
            short_string(),
            any::<bool>(),
            short_string(),
            opt_string(),
        ),
        (
            opt_string(),
            opt_string(),
            opt_string(),
            metadata(),
            option::of(verification()),
            option::of(enterprise_connection()),
            opt_i64(),
            extra_fields(EnterpriseAccount::FIELDS),
        ),
    )
        .prop_map(|(h, t)| {
            let mut a = EnterpriseAccount::default();
            a.id = h.0;
            a.object = h.1;
            a.protocol = h.2;
            a.provider = h.3;
            a.active = h.4;
            a.email_address = h.5;
            a.first_name = h.6;
            a.last_name = t.0;
            a.provider_user_id = t.1;
            a.enterprise_connection_id = t.2;
            a.public_metadata = t.3;
            a.verification = t.4;
            a.enterprise_connection = t.5;
            a.last_authenticated_at = t.6;
            a.extra = t.7;
            a
        })
        .boxed()
}

/// An [`Organization`], as embedded in a membership.
pub fn organization() -> BoxedStrategy<Organization> {
    (
        (
            short_string(),
            short_string(),
            short_string(),
            short_string(),
            opt_string(),
            any::<bool>(),
            opt_i64(),
            option::of(any::<bool>()),
            opt_i64(),
        ),
        (
            0i64..1000,
            any::<bool>(),
            metadata(),
            option::of(metadata()),
            opt_string(),
            timestamp(),
            timestamp(),
            opt_i64(),
            opt_string(),
            extra_fields(Organization::FIELDS),
        ),
    )
        .prop_map(|(h, t)| {
            let mut o = Organization::default();
            o.object = h.0;
            o.id = h.1;
            o.name = h.2;
            o.slug = h.3;
            o.image_url = h.4;
            o.has_image = h.5;
            o.members_count = h.6;
            o.missing_member_with_elevated_permissions = h.7;
            o.pending_invitations_count = h.8;
            o.max_allowed_memberships = t.0;
            o.admin_delete_enabled = t.1;
            o.public_metadata = t.2;
            o.private_metadata = t.3;
            o.created_by = t.4;
            o.created_at = t.5;
            o.updated_at = t.6;
            o.last_active_at = t.7;
            o.role_set_key = t.8;
            o.extra = t.9;
            o
        })
        .boxed()
}

/// A [`PublicUserData`].
pub fn public_user_data() -> BoxedStrategy<PublicUserData> {
    (
        (
            short_string(),
            opt_string(),
            opt_string(),
            opt_string(),
            short_string(),
            any::<bool>(),
        ),
        (
            opt_string(),
            opt_string(),
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            extra_fields(PublicUserData::FIELDS),
        ),
    )
        .prop_map(|(h, t)| {
            let mut p = PublicUserData::default();
            p.user_id = h.0;
            p.first_name = h.1;
            p.last_name = h.2;
            p.profile_image_url = h.3;
            p.image_url = h.4;
            p.has_image = h.5;
            p.identifier = t.0;
            p.username = t.1;
            p.banned = t.2;
            p.deprovisioned = t.3;
            p.extra = t.4;
            p
        })
        .boxed()
}

/// An [`OrganizationMembership`] with its [`Organization`] and sometimes [`PublicUserData`].
pub fn organization_membership() -> BoxedStrategy<OrganizationMembership> {
    (
        (
            short_string(),
            short_string(),
            prop_oneof![Just("org:admin".to_owned()), short_string()],
            opt_string(),
            vec(short_string(), 0..3),
            metadata(),
        ),
        (
            option::of(metadata()),
            organization(),
            option::of(public_user_data()),
            timestamp(),
            timestamp(),
            extra_fields(OrganizationMembership::FIELDS),
        ),
    )
        .prop_map(|(h, t)| {
            let mut m = OrganizationMembership::default();
            m.id = h.0;
            m.object = h.1;
            m.role = h.2;
            m.role_name = h.3;
            m.permissions = h.4;
            m.public_metadata = h.5;
            m.private_metadata = t.0;
            m.organization = t.1;
            m.public_user_data = t.2;
            m.created_at = t.3;
            m.updated_at = t.4;
            m.extra = t.5;
            m
        })
        .boxed()
}

/// A [`ScimUserMetadata`].
pub fn scim_user_metadata() -> BoxedStrategy<ScimUserMetadata> {
    (
        short_string(),
        option::of(any::<bool>()),
        opt_string(),
        extra_fields(ScimUserMetadata::FIELDS),
    )
        .prop_map(|(directory_id, enabled, external_id, extra)| {
            let mut s = ScimUserMetadata::default();
            s.directory_id = directory_id;
            s.directory_enabled = enabled;
            s.external_id = external_id;
            s.extra = extra;
            s
        })
        .boxed()
}

/// A [`User`] with every nested type (at most two of each list), known and unknown enum
/// values and unknown fields at every level.
pub fn user() -> BoxedStrategy<User> {
    let names = (
        prop_oneof![3 => "user_[A-Za-z0-9]{27}", 1 => short_string()],
        prop_oneof![3 => Just("user".to_owned()), 1 => short_string()],
        opt_string(),
        opt_string(),
        opt_string(),
        opt_string(),
        opt_string(),
        opt_string(),
        opt_string(),
        opt_string(),
    )
        .boxed();
    let profile = (
        opt_string(),
        opt_string(),
        metadata(),
        option::of(metadata()),
        metadata(),
        option::weighted(0.2, scim_user_metadata()),
        opt_string(),
        opt_string(),
    )
        .boxed();
    let lists = (
        vec(email_address(), 0..=2),
        vec(phone_number(), 0..=2),
        vec(web3_wallet(), 0..=1),
        vec(passkey(), 0..=1),
        vec(external_account(), 0..=1),
        vec(saml_account(), 0..=1),
        vec(enterprise_account(), 0..=1),
        vec(organization_membership(), 0..=1),
    )
        .boxed();
    let flags = prop::array::uniform11(any::<bool>()).boxed();
    let times = (
        prop::array::uniform9(opt_i64()),
        timestamp(),
        timestamp(),
        extra_fields(User::FIELDS),
    )
        .boxed();
    (names, profile, lists, flags, times)
        .prop_map(|(n, p, l, f, t)| {
            let mut u = User::default();
            u.id = n.0;
            u.object = n.1;
            u.external_id = n.2;
            u.primary_email_address_id = n.3;
            u.primary_phone_number_id = n.4;
            u.primary_web3_wallet_id = n.5;
            u.username = n.6;
            u.first_name = n.7;
            u.last_name = n.8;
            u.locale = n.9;
            u.profile_image_url = p.0;
            u.image_url = p.1;
            u.public_metadata = p.2;
            u.private_metadata = p.3;
            u.unsafe_metadata = p.4;
            u.scim = p.5;
            u.birthday = p.6;
            u.gender = p.7;
            u.email_addresses = l.0;
            u.phone_numbers = l.1;
            u.web3_wallets = l.2;
            u.passkeys = l.3;
            u.external_accounts = l.4;
            u.saml_accounts = l.5;
            u.enterprise_accounts = l.6;
            u.organization_memberships = l.7;
            u.has_image = f[0];
            u.password_enabled = f[1];
            u.two_factor_enabled = f[2];
            u.totp_enabled = f[3];
            u.backup_code_enabled = f[4];
            u.banned = f[5];
            u.locked = f[6];
            u.deprovisioned = f[7];
            u.delete_self_enabled = f[8];
            u.create_organization_enabled = f[9];
            u.bypass_client_trust = f[10];
            let [
                mfa_enabled_at,
                mfa_disabled_at,
                password_last_updated_at,
                last_sign_in_at,
                lockout_expires_in_seconds,
                verification_attempts_remaining,
                create_organizations_limit,
                last_active_at,
                legal_accepted_at,
            ] = t.0;
            u.mfa_enabled_at = mfa_enabled_at;
            u.mfa_disabled_at = mfa_disabled_at;
            u.password_last_updated_at = password_last_updated_at;
            u.last_sign_in_at = last_sign_in_at;
            u.lockout_expires_in_seconds = lockout_expires_in_seconds;
            u.verification_attempts_remaining = verification_attempts_remaining;
            u.create_organizations_limit = create_organizations_limit;
            u.last_active_at = last_active_at;
            u.legal_accepted_at = legal_accepted_at;
            u.updated_at = t.1;
            u.created_at = t.2;
            u.extra = t.3;
            u
        })
        .boxed()
}
