//! `OrganizationMembership`: a user's membership in an organization.

use super::Metadata;
use super::object::clerk_object;

clerk_object! {
    /// A user's membership in an organization.
    pub struct OrganizationMembership {
        /// Its id (`orgmem_…`).
        id: String,
        /// Always `organization_membership`.
        object: String,
        /// The role key, such as `org:admin`.
        role: String,
        /// The role's display name.
        role_name: Option<String>,
        /// The permissions the role grants.
        permissions: Vec<String>,
        /// Metadata readable from the Frontend and Backend APIs.
        public_metadata: Metadata,
        /// Metadata readable from the Backend API only.
        private_metadata: Option<Metadata>,
        /// The organization.
        organization: Organization,
        /// Public data of the member.
        public_user_data: Option<PublicUserData>,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
    }
}

clerk_object! {
    /// An organization, as embedded in a membership.
    pub struct Organization {
        /// Always `organization`.
        object: String,
        /// Its id (`org_…`).
        id: String,
        /// Its name.
        name: String,
        /// Its URL slug.
        slug: String,
        /// Its logo.
        image_url: Option<String>,
        /// Whether it has a logo of its own.
        has_image: bool,
        /// How many members it has, when included.
        members_count: Option<i64>,
        /// Whether it lacks a member who can manage it, when included.
        missing_member_with_elevated_permissions: Option<bool>,
        /// How many invitations are pending, when included.
        pending_invitations_count: Option<i64>,
        /// The membership cap; 0 means no cap.
        max_allowed_memberships: i64,
        /// Whether admins may delete it.
        admin_delete_enabled: bool,
        /// Metadata readable from the Frontend and Backend APIs.
        public_metadata: Metadata,
        /// Metadata readable from the Backend API only.
        private_metadata: Option<Metadata>,
        /// The user who created it.
        created_by: Option<String>,
        /// Creation, in Unix milliseconds.
        created_at: i64,
        /// Last update, in Unix milliseconds.
        updated_at: i64,
        /// Last activity, in Unix milliseconds.
        last_active_at: Option<i64>,
        /// The key of its role set.
        role_set_key: Option<String>,
    }
}

clerk_object! {
    /// The public data of a member; the spec's `OrganizationMembershipPublicUserData`.
    pub struct PublicUserData {
        /// The user's id.
        user_id: String,
        /// First name.
        first_name: Option<String>,
        /// Last name.
        last_name: Option<String>,
        /// Deprecated: use `image_url`.
        profile_image_url: Option<String>,
        /// Profile image.
        image_url: String,
        /// Whether the user uploaded an image.
        has_image: bool,
        /// The identifier the user signs in with.
        identifier: Option<String>,
        /// Username.
        username: Option<String>,
        /// Whether the user is banned, when included.
        banned: Option<bool>,
        /// Whether the user is deprovisioned, when included.
        deprovisioned: Option<bool>,
    }
}
