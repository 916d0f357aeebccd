//! `Passkey`: one of a user's WebAuthn passkeys.

use super::object::clerk_object;
use super::verification::Verification;

clerk_object! {
    /// One of a user's WebAuthn passkeys.
    pub struct Passkey {
        /// Its id (`idn_…`).
        id: String,
        /// Always `passkey`.
        object: String,
        /// The name the user gave it.
        name: String,
        /// Last use, in Unix milliseconds.
        last_used_at: Option<i64>,
        /// How it was verified; `null` when it was not.
        verification: Option<Verification>,
    }
}
