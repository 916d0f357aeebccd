//! `SamlAccount`: a SAML identity linked to a user, and its `SamlConnection`.

use super::Metadata;
use super::object::clerk_object;
use super::verification::Verification;

clerk_object! {
    /// A SAML identity linked to a user.
    pub struct SamlAccount {
        /// Its id (`samlacc_…`).
        id: String,
        /// Always `saml_account`.
        object: String,
        /// The identity provider, such as `saml_okta`.
        provider: String,
        /// Whether the account can be used to sign in.
        active: bool,
        /// The email the identity provider reported.
        email_address: String,
        /// First name at the identity provider.
        first_name: Option<String>,
        /// Last name at the identity provider.
        last_name: Option<String>,
        /// The user's id at the identity provider.
        provider_user_id: Option<String>,
        /// Last authentication, in Unix milliseconds.
        last_authenticated_at: Option<i64>,
        /// Metadata stored on the account.
        public_metadata: Metadata,
        /// How it was verified; `null` when it was not.
        verification: Option<Verification>,
        /// The SAML connection it signs in through.
        saml_connection: Option<SamlConnection>,
    }
}

clerk_object! {
    /// The SAML connection behind a [`SamlAccount`]; the spec's `SAMLAccountConnection`.
    pub struct SamlConnection {
        /// Its id (`samlc_…`).
        id: String,
        /// Its name.
        name: String,
        /// Deprecated: use `domains`.
        domain: Option<String>,
        /// The email domains it serves.
        domains: Vec<String>,
        /// Whether it is active.
        active: bool,
        /// The identity provider, such as `saml_okta`.
        provider: String,
        /// Whether user attributes are synced on each sign-in.
        sync_user_attributes: bool,
        /// Whether subdomains of its domains are allowed.
        allow_subdomains: Option<bool>,
        /// Whether IdP-initiated flows are allowed.
        allow_idp_initiated: Option<bool>,
        /// Whether users of this connection may add other identifications.
        disable_additional_identifications: Option<bool>,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
    }
}
