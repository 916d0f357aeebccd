//! Clerk's error body: `{"errors":[{"message","long_message","code","meta"}],"meta","clerk_trace_id"}`.

use crate::model::object::clerk_object;

clerk_object! {
    /// One entry of a Clerk error body.
    pub struct ClerkError {
        /// A short message, such as `not found`.
        message: String,
        /// A longer message meant for developers.
        long_message: Option<String>,
        /// A stable code to branch on, such as `resource_not_found`.
        code: String,
        /// Details, such as `{"param_name": "user_ids"}`.
        meta: Option<serde_json::Value>,
    }
}

clerk_object! {
    /// Clerk's error body, as the spec's `ClerkErrors`.
    pub struct ClerkErrors {
        /// The errors, most relevant first.
        errors: Vec<ClerkError>,
        /// Details about the request as a whole.
        meta: Option<serde_json::Value>,
        /// The id Clerk support can trace the request by.
        clerk_trace_id: Option<String>,
    }
}

impl ClerkErrors {
    /// Whether the body had an `errors` field: a JSON object without one is not Clerk's.
    pub(crate) fn has_errors_field(&self) -> bool {
        !self.was_absent("errors")
    }
}
