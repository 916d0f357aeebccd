//! `IdentificationLink`: an identification linked to another one (an email to an OAuth account).

use super::object::clerk_object;

clerk_object! {
    /// A link from an email address or phone number to the identification that proves it,
    /// such as the OAuth account it came from.
    pub struct IdentificationLink {
        /// The kind of the linked identification, such as `oauth_google`.
        link_type as "type": String,
        /// The linked identification's id.
        id: String,
    }
}
