//! `EnterpriseAccount`: an enterprise SSO identity linked to a user, and its connection.

use super::Metadata;
use super::enums::EnterpriseProtocol;
use super::object::clerk_object;
use super::verification::Verification;

clerk_object! {
    /// An enterprise single sign-on identity (SAML or OIDC) linked to a user.
    pub struct EnterpriseAccount {
        /// Its id.
        id: String,
        /// Always `enterprise_account`.
        object: String,
        /// The protocol it signs in with.
        protocol: EnterpriseProtocol,
        /// The identity provider.
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
        /// The id of the enterprise connection.
        enterprise_connection_id: Option<String>,
        /// Metadata stored on the account.
        public_metadata: Metadata,
        /// How it was verified; `null` when it was not.
        verification: Option<Verification>,
        /// The enterprise connection it signs in through.
        enterprise_connection: Option<EnterpriseConnection>,
        /// Last authentication, in Unix milliseconds.
        last_authenticated_at: Option<i64>,
    }
}

clerk_object! {
    /// The connection behind an [`EnterpriseAccount`]; the spec's `EnterpriseAccountConnection`.
    pub struct EnterpriseConnection {
        /// Its id.
        id: String,
        /// The protocol, such as `saml` or `oauth`.
        protocol: EnterpriseProtocol,
        /// The identity provider.
        provider: String,
        /// Its name.
        name: String,
        /// The public URL of its logo.
        logo_public_url: Option<String>,
        /// Deprecated: use `domains`.
        domain: Option<String>,
        /// The email domains it serves.
        domains: Vec<String>,
        /// Whether it is active.
        active: bool,
        /// Whether user attributes are synced on each sign-in.
        sync_user_attributes: bool,
        /// Whether subdomains of its domains are allowed.
        allow_subdomains: bool,
        /// Whether IdP-initiated flows are allowed.
        allow_idp_initiated: bool,
        /// Whether users of this connection may add other identifications.
        disable_additional_identifications: bool,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
    }
}
