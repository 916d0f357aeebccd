//! `Verification`: how an email, phone, wallet, passkey or account was verified.

use super::enums::{VerificationStatus, VerificationStrategy};
use super::object::clerk_object;
use crate::error::ClerkError;

clerk_object! {
    /// The verification of an identification: one type for every variant the spec lists
    /// (`verification_otp`, `verification_admin`, `verification_oauth`, `verification_saml`, …),
    /// since they share their fields and older payloads lack the `object` discriminator.
    pub struct Verification {
        /// The variant, such as `verification_otp`; missing in older payloads.
        object: Option<String>,
        /// Where the verification stands.
        status: VerificationStatus,
        /// How it was (or is being) verified.
        strategy: VerificationStrategy,
        /// Attempts made; `null` or missing for strategies without attempts.
        attempts: Option<i64>,
        /// When the verification expires, in Unix milliseconds.
        expire_at: Option<i64>,
        /// The client that completed the verification, if recorded.
        verified_at_client: Option<String>,
        /// The channel a code went through (`sms`, `whatsapp`), for OTP verifications.
        channel: Option<String>,
        /// The nonce of a Web3 or passkey verification.
        nonce: Option<String>,
        /// The message signed in a Web3 or passkey verification.
        message: Option<String>,
        /// Where the user is sent to finish an OAuth or SAML verification.
        external_verification_redirect_url: Option<String>,
        /// The error that failed an OAuth or SAML verification.
        error: Option<ClerkError>,
    }
}
