//! `User`: the Clerk user every moderation operation answers with.

use std::time::{Duration, SystemTime};

use super::Metadata;
use super::email_address::EmailAddress;
use super::enterprise_account::EnterpriseAccount;
use super::external_account::ExternalAccount;
use super::object::clerk_object;
use super::organization_membership::OrganizationMembership;
use super::passkey::Passkey;
use super::phone_number::PhoneNumber;
use super::saml_account::SamlAccount;
use super::timestamp::unix_millis_to_system_time;
use super::web3_wallet::Web3Wallet;

clerk_object! {
    /// A Clerk user, as the Backend API and webhooks deliver it.
    ///
    /// Every field of the spec's `User` schema is here, typed; fields that are nullable or have
    /// ever been missing are `Option`, arrays are empty when missing, and fields this version
    /// does not know are kept in `extra`. Serializing a parsed `User` gives back the JSON it was
    /// parsed from, field for field (missing stays missing, `null` stays `null`).
    pub struct User {
        /// The user id (`user_…`).
        id: String,
        /// Always `user`.
        object: String,
        /// The id in the application's own system.
        external_id: Option<String>,
        /// The primary email address's id.
        primary_email_address_id: Option<String>,
        /// The primary phone number's id.
        primary_phone_number_id: Option<String>,
        /// The primary Web3 wallet's id.
        primary_web3_wallet_id: Option<String>,
        /// Username.
        username: Option<String>,
        /// First name.
        first_name: Option<String>,
        /// Last name.
        last_name: Option<String>,
        /// Preferred locale (BCP 47), when set.
        locale: Option<String>,
        /// Deprecated: use `image_url`.
        profile_image_url: Option<String>,
        /// Profile image.
        image_url: Option<String>,
        /// Whether the user uploaded an image.
        has_image: bool,
        /// Metadata readable from the Frontend and Backend APIs.
        public_metadata: Metadata,
        /// Metadata readable from the Backend API only; `null` in webhooks.
        private_metadata: Option<Metadata>,
        /// Metadata the user can write from the frontend.
        unsafe_metadata: Metadata,
        /// Email addresses.
        email_addresses: Vec<EmailAddress>,
        /// Phone numbers.
        phone_numbers: Vec<PhoneNumber>,
        /// Web3 wallets.
        web3_wallets: Vec<Web3Wallet>,
        /// Passkeys.
        passkeys: Vec<Passkey>,
        /// Whether the user has a password.
        password_enabled: bool,
        /// Whether a second factor is on.
        two_factor_enabled: bool,
        /// Whether an authenticator app is set up.
        totp_enabled: bool,
        /// Whether backup codes are set up.
        backup_code_enabled: bool,
        /// When MFA was last turned on, in Unix milliseconds (kept after it is turned off).
        mfa_enabled_at: Option<i64>,
        /// When MFA was last turned off, in Unix milliseconds.
        mfa_disabled_at: Option<i64>,
        /// When the password last changed, in Unix milliseconds.
        password_last_updated_at: Option<i64>,
        /// OAuth accounts.
        external_accounts: Vec<ExternalAccount>,
        /// SAML accounts.
        saml_accounts: Vec<SamlAccount>,
        /// Enterprise SSO accounts.
        enterprise_accounts: Vec<EnterpriseAccount>,
        /// Organization memberships, when Clerk includes them.
        organization_memberships: Vec<OrganizationMembership>,
        /// Last sign-in, in Unix milliseconds.
        last_sign_in_at: Option<i64>,
        /// Whether the user is banned.
        banned: bool,
        /// Whether the user is locked out of signing in.
        locked: bool,
        /// Whether the user was deprovisioned (by SCIM) and cannot sign in.
        deprovisioned: bool,
        /// Seconds until the lockout ends; `null` on a locked user means it never ends.
        lockout_expires_in_seconds: Option<i64>,
        /// Verification attempts left before a lockout; `null` when lockout is off.
        verification_attempts_remaining: Option<i64>,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Whether the user may delete themselves.
        delete_self_enabled: bool,
        /// Whether the user may create organizations.
        create_organization_enabled: bool,
        /// How many organizations the user may create; 0 means no limit.
        create_organizations_limit: Option<i64>,
        /// Latest session activity, in Unix milliseconds, at day precision.
        last_active_at: Option<i64>,
        /// When the user accepted the legal terms, in Unix milliseconds.
        legal_accepted_at: Option<i64>,
        /// Whether the user skips Client Trust checks when signing in.
        bypass_client_trust: bool,
        /// The directory the user was provisioned from, in webhooks only.
        scim: Option<ScimUserMetadata>,
        /// Legacy: a birthday some older instances still carry.
        birthday: Option<String>,
        /// Legacy: a gender some older instances still carry.
        gender: Option<String>,
    }
}

clerk_object! {
    /// The directory a user was provisioned from; the spec's `SCIMUserMetadata`.
    pub struct ScimUserMetadata {
        /// The directory's id.
        directory_id: String,
        /// Whether the directory is enabled; omitted when false.
        directory_enabled: Option<bool>,
        /// The user's id in the directory.
        external_id: Option<String>,
    }
}

/// Whether a user is locked out, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lockout {
    /// The user can sign in.
    NotLocked,
    /// The lock lifts by itself after this long (as of when Clerk answered).
    ExpiresIn(Duration),
    /// The lock never lifts by itself: `locked` with `lockout_expires_in_seconds: null`.
    Indefinite,
}

impl User {
    /// The lock state, from `locked` and `lockout_expires_in_seconds`.
    pub fn lockout(&self) -> Lockout {
        match (self.locked, self.lockout_expires_in_seconds) {
            (false, _) => Lockout::NotLocked,
            (true, None) => Lockout::Indefinite,
            (true, Some(seconds)) => Lockout::ExpiresIn(Duration::from_secs(seconds.max(0) as u64)),
        }
    }

    /// The primary email address, if the user has one.
    pub fn primary_email_address(&self) -> Option<&EmailAddress> {
        let id = self.primary_email_address_id.as_deref()?;
        self.email_addresses.iter().find(|email| email.id == id)
    }

    /// Creation as a `SystemTime`.
    pub fn created_at_time(&self) -> SystemTime {
        unix_millis_to_system_time(self.created_at)
    }

    /// Last update as a `SystemTime`.
    pub fn updated_at_time(&self) -> SystemTime {
        unix_millis_to_system_time(self.updated_at)
    }

    /// Last sign-in as a `SystemTime`.
    pub fn last_sign_in_at_time(&self) -> Option<SystemTime> {
        self.last_sign_in_at.map(unix_millis_to_system_time)
    }
}
