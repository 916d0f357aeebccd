//! The Clerk `User` and its nested types, modelled on the spec's `User` schema.
//!
//! Every type is lossless: unknown fields land in `extra`, and a parsed value remembers which
//! fields were missing or `null`, so serializing it gives back the JSON it came from.
//!
//! Equality follows from that: two values are equal when they serialize to the same JSON. A user
//! parsed from a payload without `banned` is not equal to one whose `banned` was an explicit
//! `false`, although both read `banned == false`.

mod email_address;
mod enterprise_account;
mod enums;
mod external_account;
mod identification_link;
pub(crate) mod object;
mod open_enum;
mod organization_membership;
mod passkey;
mod phone_number;
mod saml_account;
mod timestamp;
mod user;
mod verification;
mod web3_wallet;

pub use email_address::EmailAddress;
pub use enterprise_account::{EnterpriseAccount, EnterpriseConnection};
pub use enums::{
    EnterpriseProtocol, ExternalAccountObject, OAuthProvider, VerificationStatus,
    VerificationStrategy,
};
pub use external_account::ExternalAccount;
pub use identification_link::IdentificationLink;
pub use organization_membership::{Organization, OrganizationMembership, PublicUserData};
pub use passkey::Passkey;
pub use phone_number::PhoneNumber;
pub use saml_account::{SamlAccount, SamlConnection};
pub use timestamp::unix_millis_to_system_time;
pub use user::{Lockout, ScimUserMetadata, User};
pub use verification::Verification;
pub use web3_wallet::Web3Wallet;

/// Metadata: a JSON object of the application's own keys.
pub type Metadata = serde_json::Map<String, serde_json::Value>;
