//! [proptest] strategies for everything clerk-moderation reads and writes, for anyone's tests.
//!
//! - **Typed model values** ([`user`], [`email_address`], [`verification`], …): every `User`
//!   type, built with `Default` and field assignment, with known and unknown open-enum values
//!   and unknown fields in `extra`. They are canonical, so `value → JSON → value` is the
//!   identity.
//! - **JSON with drift** ([`user_json`], [`object_json`] over a [`Schema`]): Clerk-shaped
//!   objects whose modelled fields are present, missing or `null` at random (non-nullable ones
//!   too), with unknown fields at every level and unknown enum strings. `JSON → User → JSON`
//!   must be the identity.
//! - **Errors**: typed [`clerk_error`] and [`clerk_errors`], and [`clerk_errors_json`].
//! - **Operations**: [`any_operation`] (an [`AnyOperation`] of the seven, bulk ones with 1 to
//!   50 ids) and [`config_spec`] (a [`ConfigSpec`] with a random key, base URL and path
//!   prefix, API version and user agent).
//! - **Ids and keys**: [`valid_user_id`], [`user_id`], [`hostile_user_id`],
//!   [`secret_key_string`], [`invalid_secret_key_string`].
//! - **HTTP**: [`any_status`] (100 to 999), [`error_status`], [`success_status`],
//!   [`header_map`], [`response_body`] (bytes, JSON, HTML), [`retry_after_header`].
//!
//! Sizes are bounded (at most two items per list, JSON nested two levels) so a case is
//! generated in well under a millisecond.
//!
//! ```
//! use clerk_moderation_conformance::strategies;
//! use clerk_moderation_core::User;
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! let mut runner = TestRunner::default();
//! runner
//!     .run(&strategies::user_json(), |json| {
//!         let user: User = serde_json::from_value(json.clone()).unwrap();
//!         prop_assert_eq!(serde_json::to_value(&user).unwrap(), json);
//!         Ok(())
//!     })
//!     .unwrap();
//! ```

mod common;
mod errors;
mod http;
mod ids;
mod json;
mod model;
mod operations;

pub use common::{
    extra_fields, json_value, metadata, non_null_json_value, short_string, timestamp,
};
pub use errors::{clerk_error, clerk_errors, error_code};
pub use http::{
    RetryAfterHeader, any_status, error_status, header_map, header_value, imf_fixdate,
    response_body, retry_after_header, success_status,
};
pub use ids::{
    hostile_user_id, invalid_secret_key_string, secret_key_string, user_id, valid_user_id,
};
pub use json::{
    ALL_SCHEMAS, CLERK_ERROR, CLERK_ERRORS, EMAIL_ADDRESS, ENTERPRISE_ACCOUNT,
    ENTERPRISE_CONNECTION, EXTERNAL_ACCOUNT, FieldKind, IDENTIFICATION_LINK, ORGANIZATION,
    ORGANIZATION_MEMBERSHIP, OpenEnum, PASSKEY, PHONE_NUMBER, PUBLIC_USER_DATA, SAML_ACCOUNT,
    SAML_CONNECTION, SCIM_USER_METADATA, Schema, USER, VERIFICATION, WEB3_WALLET,
    clerk_errors_json, object_json, user_json, users_json,
};
pub use model::{
    email_address, enterprise_account, enterprise_connection, enterprise_protocol,
    enterprise_protocol_value, external_account, external_account_object,
    external_account_object_value, identification_link, oauth_provider, oauth_provider_value,
    organization, organization_membership, passkey, phone_number, public_user_data, saml_account,
    saml_connection, scim_user_metadata, user, verification, verification_status,
    verification_status_value, verification_strategy, verification_strategy_value, web3_wallet,
};
pub use operations::{
    AnyOperation, AnyOutput, ApiVersionChoice, BaseUrl, ConfigSpec, any_operation, api_version,
    base_url, bulk_user_ids, config_spec, path_prefix,
};
