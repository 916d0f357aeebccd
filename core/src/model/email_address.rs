//! `EmailAddress`: one of a user's email addresses.

use super::identification_link::IdentificationLink;
use super::object::clerk_object;
use super::verification::Verification;

clerk_object! {
    /// One of a user's email addresses.
    pub struct EmailAddress {
        /// Its id (`idn_…`).
        id: String,
        /// Always `email_address`.
        object: String,
        /// The address.
        email_address: String,
        /// Held for a user who has not verified it yet.
        reserved: bool,
        /// How it was verified; `null` when it was not.
        verification: Option<Verification>,
        /// Identifications that prove it, such as the OAuth account it came from.
        linked_to: Vec<IdentificationLink>,
        /// Whether its domain matches an active enterprise connection.
        matches_sso_connection: Option<bool>,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
    }
}
