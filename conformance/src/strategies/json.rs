//! JSON-level strategies: Clerk-shaped objects with the drift real payloads show.
//!
//! Each object type has a [`Schema`]: its modelled keys and what each holds. From a schema,
//! [`object_json`] generates `serde_json::Value` objects where every modelled field is, at
//! random, present with a value of its type, missing, or `null` (also for fields the spec calls
//! non-nullable: booleans, strings, arrays, timestamps), and where unknown fields are added at
//! every level. Open-enum fields get known and unknown strings; a verification may lack its
//! `object` discriminator.
//!
//! Every generated object parses into the model, and serializing it again must give back the
//! same `Value`.

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Map, Value};

use super::common::{extra_fields_where, json_value, metadata, short_string, timestamp};
use super::errors::error_code;
use super::model::{
    enterprise_protocol_value, external_account_object_value, oauth_provider_value,
    verification_status_value, verification_strategy_value,
};

/// An object type's modelled fields, in the model's declaration order.
#[derive(Debug)]
pub struct Schema {
    /// The model type's name, such as `User`.
    pub name: &'static str,
    /// The modelled keys and what each holds.
    pub fields: &'static [(&'static str, FieldKind)],
}

impl Schema {
    /// The modelled keys, in order (compare with the model type's `FIELDS`).
    pub fn keys(&self) -> Vec<&'static str> {
        self.fields.iter().map(|(key, _)| *key).collect()
    }

    /// What the field `key` holds, if it is modelled.
    pub fn kind(&self, key: &str) -> Option<FieldKind> {
        self.fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, kind)| *kind)
    }
}

/// What a modelled field holds, and whether its model type has a `null` of its own.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum FieldKind {
    /// A `String` (an id, a name…).
    String,
    /// An `Option<String>`.
    OptString,
    /// A `String` that is an object discriminator, usually this value.
    Tag(&'static str),
    /// A `bool`.
    Bool,
    /// An `Option<bool>`.
    OptBool,
    /// An `i64` (a timestamp or a count).
    Int,
    /// An `Option<i64>`.
    OptInt,
    /// Metadata: a JSON object.
    Metadata,
    /// `Option` of metadata.
    OptMetadata,
    /// A `Vec<String>`.
    StringList,
    /// An `Option<Vec<String>>`.
    OptStringList,
    /// An `Option<serde_json::Value>`: any JSON.
    OptJson,
    /// An open enum with these wire values (plus unknown ones).
    Enum(OpenEnum),
    /// An error code string.
    ErrorCode,
    /// A nested object.
    Object(&'static Schema),
    /// An optional nested object.
    OptObject(&'static Schema),
    /// An array of nested objects.
    List(&'static Schema),
}

/// The open enums of the model, by the field that holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenEnum {
    /// `verification.status`.
    VerificationStatus,
    /// `verification.strategy`.
    VerificationStrategy,
    /// `external_account.provider`.
    OAuthProvider,
    /// `external_account.object`.
    ExternalAccountObject,
    /// `enterprise_account.protocol`.
    EnterpriseProtocol,
}

impl FieldKind {
    /// Whether the model type is an `Option`, whose `null` is its own `None` (and so not
    /// drift the model has to remember with `was_null`).
    pub fn is_option(&self) -> bool {
        matches!(
            self,
            Self::OptString
                | Self::OptBool
                | Self::OptInt
                | Self::OptMetadata
                | Self::OptStringList
                | Self::OptJson
                | Self::OptObject(_)
        )
    }
}

use FieldKind as K;

/// `ClerkError`: one entry of Clerk's error body.
pub static CLERK_ERROR: Schema = Schema {
    name: "ClerkError",
    fields: &[
        ("message", K::String),
        ("long_message", K::OptString),
        ("code", K::ErrorCode),
        ("meta", K::OptJson),
    ],
};

/// `ClerkErrors`: Clerk's error body.
pub static CLERK_ERRORS: Schema = Schema {
    name: "ClerkErrors",
    fields: &[
        ("errors", K::List(&CLERK_ERROR)),
        ("meta", K::OptJson),
        ("clerk_trace_id", K::OptString),
    ],
};

/// `Verification`.
pub static VERIFICATION: Schema = Schema {
    name: "Verification",
    fields: &[
        ("object", K::OptString),
        ("status", K::Enum(OpenEnum::VerificationStatus)),
        ("strategy", K::Enum(OpenEnum::VerificationStrategy)),
        ("attempts", K::OptInt),
        ("expire_at", K::OptInt),
        ("verified_at_client", K::OptString),
        ("channel", K::OptString),
        ("nonce", K::OptString),
        ("message", K::OptString),
        ("external_verification_redirect_url", K::OptString),
        ("error", K::OptObject(&CLERK_ERROR)),
    ],
};

/// `IdentificationLink`.
pub static IDENTIFICATION_LINK: Schema = Schema {
    name: "IdentificationLink",
    fields: &[("type", K::String), ("id", K::String)],
};

/// `EmailAddress`.
pub static EMAIL_ADDRESS: Schema = Schema {
    name: "EmailAddress",
    fields: &[
        ("id", K::String),
        ("object", K::Tag("email_address")),
        ("email_address", K::String),
        ("reserved", K::Bool),
        ("verification", K::OptObject(&VERIFICATION)),
        ("linked_to", K::List(&IDENTIFICATION_LINK)),
        ("matches_sso_connection", K::OptBool),
        ("created_at", K::Int),
        ("updated_at", K::Int),
    ],
};

/// `PhoneNumber`.
pub static PHONE_NUMBER: Schema = Schema {
    name: "PhoneNumber",
    fields: &[
        ("id", K::String),
        ("object", K::Tag("phone_number")),
        ("phone_number", K::String),
        ("reserved_for_second_factor", K::Bool),
        ("default_second_factor", K::Bool),
        ("reserved", K::Bool),
        ("verification", K::OptObject(&VERIFICATION)),
        ("linked_to", K::List(&IDENTIFICATION_LINK)),
        ("backup_codes", K::OptStringList),
        ("created_at", K::Int),
        ("updated_at", K::Int),
    ],
};

/// `Web3Wallet`.
pub static WEB3_WALLET: Schema = Schema {
    name: "Web3Wallet",
    fields: &[
        ("id", K::String),
        ("object", K::Tag("web3_wallet")),
        ("web3_wallet", K::String),
        ("verification", K::OptObject(&VERIFICATION)),
        ("created_at", K::Int),
        ("updated_at", K::Int),
    ],
};

/// `Passkey`.
pub static PASSKEY: Schema = Schema {
    name: "Passkey",
    fields: &[
        ("id", K::String),
        ("object", K::Tag("passkey")),
        ("name", K::String),
        ("last_used_at", K::OptInt),
        ("verification", K::OptObject(&VERIFICATION)),
    ],
};

/// `ExternalAccount`.
pub static EXTERNAL_ACCOUNT: Schema = Schema {
    name: "ExternalAccount",
    fields: &[
        ("object", K::Enum(OpenEnum::ExternalAccountObject)),
        ("id", K::String),
        ("provider", K::Enum(OpenEnum::OAuthProvider)),
        ("identification_id", K::String),
        ("provider_user_id", K::String),
        ("approved_scopes", K::String),
        ("email_address", K::String),
        ("email_address_verified", K::OptBool),
        ("first_name", K::String),
        ("last_name", K::String),
        ("avatar_url", K::OptString),
        ("image_url", K::OptString),
        ("username", K::OptString),
        ("phone_number", K::OptString),
        ("public_metadata", K::Metadata),
        ("label", K::OptString),
        ("created_at", K::Int),
        ("updated_at", K::Int),
        ("verification", K::OptObject(&VERIFICATION)),
    ],
};

/// `SamlConnection`.
pub static SAML_CONNECTION: Schema = Schema {
    name: "SamlConnection",
    fields: &[
        ("id", K::String),
        ("name", K::String),
        ("domain", K::OptString),
        ("domains", K::StringList),
        ("active", K::Bool),
        ("provider", K::String),
        ("sync_user_attributes", K::Bool),
        ("allow_subdomains", K::OptBool),
        ("allow_idp_initiated", K::OptBool),
        ("disable_additional_identifications", K::OptBool),
        ("created_at", K::Int),
        ("updated_at", K::Int),
    ],
};

/// `SamlAccount`.
pub static SAML_ACCOUNT: Schema = Schema {
    name: "SamlAccount",
    fields: &[
        ("id", K::String),
        ("object", K::Tag("saml_account")),
        ("provider", K::String),
        ("active", K::Bool),
        ("email_address", K::String),
        ("first_name", K::OptString),
        ("last_name", K::OptString),
        ("provider_user_id", K::OptString),
        ("last_authenticated_at", K::OptInt),
        ("public_metadata", K::Metadata),
        ("verification", K::OptObject(&VERIFICATION)),
        ("saml_connection", K::OptObject(&SAML_CONNECTION)),
    ],
};

/// `EnterpriseConnection`.
pub static ENTERPRISE_CONNECTION: Schema = Schema {
    name: "EnterpriseConnection",
    fields: &[
        ("id", K::String),
        ("protocol", K::Enum(OpenEnum::EnterpriseProtocol)),
        ("provider", K::String),
        ("name", K::String),
        ("logo_public_url", K::OptString),
        ("domain", K::OptString),
        ("domains", K::StringList),
        ("active", K::Bool),
        ("sync_user_attributes", K::Bool),
        ("allow_subdomains", K::Bool),
        ("allow_idp_initiated", K::Bool),
        ("disable_additional_identifications", K::Bool),
        ("created_at", K::Int),
        ("updated_at", K::Int),
    ],
};

/// `EnterpriseAccount`.
pub static ENTERPRISE_ACCOUNT: Schema = Schema {
    name: "EnterpriseAccount",
    fields: &[
        ("id", K::String),
        ("object", K::Tag("enterprise_account")),
        ("protocol", K::Enum(OpenEnum::EnterpriseProtocol)),
        ("provider", K::String),
        ("active", K::Bool),
        ("email_address", K::String),
        ("first_name", K::OptString),
        ("last_name", K::OptString),
        ("provider_user_id", K::OptString),
        ("enterprise_connection_id", K::OptString),
        ("public_metadata", K::Metadata),
        ("verification", K::OptObject(&VERIFICATION)),
        (
            "enterprise_connection",
            K::OptObject(&ENTERPRISE_CONNECTION),
        ),
        ("last_authenticated_at", K::OptInt),
    ],
};

/// `Organization`.
pub static ORGANIZATION: Schema = Schema {
    name: "Organization",
    fields: &[
        ("object", K::Tag("organization")),
        ("id", K::String),
        ("name", K::String),
        ("slug", K::String),
        ("image_url", K::OptString),
        ("has_image", K::Bool),
        ("members_count", K::OptInt),
        ("missing_member_with_elevated_permissions", K::OptBool),
        ("pending_invitations_count", K::OptInt),
        ("max_allowed_memberships", K::Int),
        ("admin_delete_enabled", K::Bool),
        ("public_metadata", K::Metadata),
        ("private_metadata", K::OptMetadata),
        ("created_by", K::OptString),
        ("created_at", K::Int),
        ("updated_at", K::Int),
        ("last_active_at", K::OptInt),
        ("role_set_key", K::OptString),
    ],
};

/// `PublicUserData`.
pub static PUBLIC_USER_DATA: Schema = Schema {
    name: "PublicUserData",
    fields: &[
        ("user_id", K::String),
        ("first_name", K::OptString),
        ("last_name", K::OptString),
        ("profile_image_url", K::OptString),
        ("image_url", K::String),
        ("has_image", K::Bool),
        ("identifier", K::OptString),
        ("username", K::OptString),
        ("banned", K::OptBool),
        ("deprovisioned", K::OptBool),
    ],
};

/// `OrganizationMembership`.
pub static ORGANIZATION_MEMBERSHIP: Schema = Schema {
    name: "OrganizationMembership",
    fields: &[
        ("id", K::String),
        ("object", K::Tag("organization_membership")),
        ("role", K::String),
        ("role_name", K::OptString),
        ("permissions", K::StringList),
        ("public_metadata", K::Metadata),
        ("private_metadata", K::OptMetadata),
        ("organization", K::Object(&ORGANIZATION)),
        ("public_user_data", K::OptObject(&PUBLIC_USER_DATA)),
        ("created_at", K::Int),
        ("updated_at", K::Int),
    ],
};

/// `ScimUserMetadata`.
pub static SCIM_USER_METADATA: Schema = Schema {
    name: "ScimUserMetadata",
    fields: &[
        ("directory_id", K::String),
        ("directory_enabled", K::OptBool),
        ("external_id", K::OptString),
    ],
};

/// `User`.
pub static USER: Schema = Schema {
    name: "User",
    fields: &[
        ("id", K::String),
        ("object", K::Tag("user")),
        ("external_id", K::OptString),
        ("primary_email_address_id", K::OptString),
        ("primary_phone_number_id", K::OptString),
        ("primary_web3_wallet_id", K::OptString),
        ("username", K::OptString),
        ("first_name", K::OptString),
        ("last_name", K::OptString),
        ("locale", K::OptString),
        ("profile_image_url", K::OptString),
        ("image_url", K::OptString),
        ("has_image", K::Bool),
        ("public_metadata", K::Metadata),
        ("private_metadata", K::OptMetadata),
        ("unsafe_metadata", K::Metadata),
        ("email_addresses", K::List(&EMAIL_ADDRESS)),
        ("phone_numbers", K::List(&PHONE_NUMBER)),
        ("web3_wallets", K::List(&WEB3_WALLET)),
        ("passkeys", K::List(&PASSKEY)),
        ("password_enabled", K::Bool),
        ("two_factor_enabled", K::Bool),
        ("totp_enabled", K::Bool),
        ("backup_code_enabled", K::Bool),
        ("mfa_enabled_at", K::OptInt),
        ("mfa_disabled_at", K::OptInt),
        ("password_last_updated_at", K::OptInt),
        ("external_accounts", K::List(&EXTERNAL_ACCOUNT)),
        ("saml_accounts", K::List(&SAML_ACCOUNT)),
        ("enterprise_accounts", K::List(&ENTERPRISE_ACCOUNT)),
        (
            "organization_memberships",
            K::List(&ORGANIZATION_MEMBERSHIP),
        ),
        ("last_sign_in_at", K::OptInt),
        ("banned", K::Bool),
        ("locked", K::Bool),
        ("deprovisioned", K::Bool),
        ("lockout_expires_in_seconds", K::OptInt),
        ("verification_attempts_remaining", K::OptInt),
        ("updated_at", K::Int),
        ("created_at", K::Int),
        ("delete_self_enabled", K::Bool),
        ("create_organization_enabled", K::Bool),
        ("create_organizations_limit", K::OptInt),
        ("last_active_at", K::OptInt),
        ("legal_accepted_at", K::OptInt),
        ("bypass_client_trust", K::Bool),
        ("scim", K::OptObject(&SCIM_USER_METADATA)),
        ("birthday", K::OptString),
        ("gender", K::OptString),
    ],
};

/// Every schema above, for tests that hold them against the model's `FIELDS`.
pub static ALL_SCHEMAS: &[&Schema] = &[
    &USER,
    &EMAIL_ADDRESS,
    &PHONE_NUMBER,
    &WEB3_WALLET,
    &PASSKEY,
    &EXTERNAL_ACCOUNT,
    &SAML_ACCOUNT,
    &SAML_CONNECTION,
    &ENTERPRISE_ACCOUNT,
    &ENTERPRISE_CONNECTION,
    &ORGANIZATION_MEMBERSHIP,
    &ORGANIZATION,
    &PUBLIC_USER_DATA,
    &VERIFICATION,
    &IDENTIFICATION_LINK,
    &SCIM_USER_METADATA,
    &CLERK_ERROR,
    &CLERK_ERRORS,
];

/// A well-typed value for a field of this kind (never `null` for a non-`Option` kind).
fn field_value(kind: FieldKind) -> BoxedStrategy<Value> {
    match kind {
        K::String => short_string().prop_map(Value::String).boxed(),
        K::OptString => short_string().prop_map(Value::String).boxed(),
        K::Tag(tag) => prop_oneof![
            4 => Just(Value::String(tag.to_owned())),
            1 => short_string().prop_map(Value::String),
        ]
        .boxed(),
        K::Bool | K::OptBool => any::<bool>().prop_map(Value::Bool).boxed(),
        K::Int | K::OptInt => timestamp().prop_map(Value::from).boxed(),
        K::Metadata | K::OptMetadata => metadata().prop_map(Value::Object).boxed(),
        K::StringList | K::OptStringList => vec(short_string().prop_map(Value::String), 0..3)
            .prop_map(Value::Array)
            .boxed(),
        K::OptJson => json_value().boxed(),
        K::ErrorCode => error_code().prop_map(Value::String).boxed(),
        K::Enum(which) => match which {
            OpenEnum::VerificationStatus => verification_status_value().boxed(),
            OpenEnum::VerificationStrategy => verification_strategy_value().boxed(),
            OpenEnum::OAuthProvider => oauth_provider_value().boxed(),
            OpenEnum::ExternalAccountObject => external_account_object_value().boxed(),
            OpenEnum::EnterpriseProtocol => enterprise_protocol_value().boxed(),
        }
        .prop_map(Value::String)
        .boxed(),
        K::Object(schema) | K::OptObject(schema) => object_json(schema),
        K::List(schema) => vec(object_json(schema), 0..=list_len(schema))
            .prop_map(Value::Array)
            .boxed(),
    }
}

/// The longest generated array of `schema` objects: keeps the big types few.
fn list_len(schema: &Schema) -> usize {
    if schema.fields.len() > 10 { 1 } else { 2 }
}

/// One field of a generated object: its key and value, or nothing when it is missing.
fn field(key: &'static str, kind: FieldKind) -> BoxedStrategy<Option<(String, Value)>> {
    // `prop_oneof!` generates only the branch it picks, so a missing field costs nothing.
    prop_oneof![
        8 => field_value(kind).prop_map(move |value| Some((key.to_owned(), value))),
        1 => Just(None),
        1 => Just(Some((key.to_owned(), Value::Null))),
    ]
    .boxed()
}

/// A JSON object shaped by `schema`, with drift: every modelled field is present with a
/// value of its type, missing, or `null` (whatever its type), and unknown fields are added.
///
/// Every generated object parses into the model type, at every level.
pub fn object_json(schema: &'static Schema) -> BoxedStrategy<Value> {
    let fields: Vec<_> = schema
        .fields
        .iter()
        .map(|(key, kind)| field(key, *kind))
        .collect();
    (fields, extra_fields_where(|key| schema.kind(key).is_some()))
        .prop_map(|(fields, extra)| {
            let mut object: Map<String, Value> = fields.into_iter().flatten().collect();
            object.extend(extra);
            Value::Object(object)
        })
        .boxed()
}

/// A Clerk user as JSON, with drift at every level: fields missing or `null` (non-nullable
/// ones too), unknown fields, unknown enum strings, verifications without `object`.
pub fn user_json() -> BoxedStrategy<Value> {
    object_json(&USER)
}

/// A JSON array of 0 to 3 users, as the bulk operations answer.
pub fn users_json() -> impl Strategy<Value = Value> {
    vec(user_json(), 0..=3).prop_map(Value::Array)
}

/// A Clerk error body as JSON, always with an `errors` array (0 to 3 entries, each with
/// drift), and sometimes `meta`, `clerk_trace_id` (a string or `null`) and unknown fields.
pub fn clerk_errors_json() -> impl Strategy<Value = Value> {
    let entries = vec(object_json(&CLERK_ERROR), 0..=3);
    let trace = prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        3 => "[a-f0-9]{8,32}".prop_map(|t| Some(Value::String(t))),
    ];
    let meta = prop_oneof![
        2 => Just(None),
        1 => json_value().prop_map(Some),
    ];
    (
        entries,
        trace,
        meta,
        extra_fields_where(|key| CLERK_ERRORS.kind(key).is_some()),
    )
        .prop_map(|(entries, trace, meta, extra)| {
            let mut body = Map::new();
            body.insert("errors".to_owned(), Value::Array(entries));
            if let Some(meta) = meta {
                body.insert("meta".to_owned(), meta);
            }
            if let Some(trace) = trace {
                body.insert("clerk_trace_id".to_owned(), trace);
            }
            body.extend(extra);
            Value::Object(body)
        })
}
