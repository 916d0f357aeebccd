//! `ExternalAccount`: an OAuth account linked to a user.

use super::Metadata;
use super::enums::{ExternalAccountObject, OAuthProvider};
use super::object::clerk_object;
use super::verification::Verification;

clerk_object! {
    /// An OAuth account (Google, GitHub, …) linked to a user; the spec's
    /// `ExternalAccountWithVerification`.
    pub struct ExternalAccount {
        /// `external_account`, or a legacy value such as `google_account`.
        object: ExternalAccountObject,
        /// Its id (`eac_…` or `idn_…`).
        id: String,
        /// The provider, such as `oauth_google`.
        provider: OAuthProvider,
        /// The identification id it is stored under.
        identification_id: String,
        /// The user's id at the provider.
        provider_user_id: String,
        /// The scopes granted, space-separated.
        approved_scopes: String,
        /// The email the provider reported.
        email_address: String,
        /// Whether the provider said the email was verified; `null` when unknown.
        email_address_verified: Option<bool>,
        /// First name at the provider.
        first_name: String,
        /// Last name at the provider.
        last_name: String,
        /// Deprecated: use `image_url`.
        avatar_url: Option<String>,
        /// Profile image at the provider.
        image_url: Option<String>,
        /// Username at the provider.
        username: Option<String>,
        /// Phone number at the provider.
        phone_number: Option<String>,
        /// Metadata stored on the account.
        public_metadata: Metadata,
        /// A label for custom providers.
        label: Option<String>,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
        /// How it was verified; `null` when it was not.
        verification: Option<Verification>,
    }
}
