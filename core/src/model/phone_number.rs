//! `PhoneNumber`: one of a user's phone numbers.

use super::identification_link::IdentificationLink;
use super::object::clerk_object;
use super::verification::Verification;

clerk_object! {
    /// One of a user's phone numbers.
    pub struct PhoneNumber {
        /// Its id (`idn_…`).
        id: String,
        /// Always `phone_number`.
        object: String,
        /// The number, in E.164 form.
        phone_number: String,
        /// Whether it is kept for second-factor codes only.
        reserved_for_second_factor: bool,
        /// Whether it is the default second factor.
        default_second_factor: bool,
        /// Held for a user who has not verified it yet.
        reserved: bool,
        /// How it was verified; `null` when it was not.
        verification: Option<Verification>,
        /// Identifications that prove it.
        linked_to: Vec<IdentificationLink>,
        /// Backup codes, when Clerk includes them.
        backup_codes: Option<Vec<String>>,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
    }
}
