//! What a request built by the core tells the transport beyond its method, URL, headers and
//! body, as `http::Extensions`: how large its answer may legitimately be ([`ResponseCap`]), and
//! whether its caller configured plain HTTP to a loopback host ([`LoopbackHttp`]).
//!
//! Transports that do not know them lose nothing: they are hints for a body cap and for the
//! HTTPS rule, which the built-in transports read and any other may.

use http::Request;

/// How large the answer to a request may legitimately be: sized for the users it can return,
/// each up to [`ResponseCap::USER_BYTES`], so that real users (several email addresses, phone
/// numbers, OAuth accounts and kilobytes of metadata) fit, while a runaway body is still cut.
///
/// Every request the core builds carries one. The built-in transports cap the body at the
/// larger of it and their builder's `max_body_size`, and their error names both numbers.
///
/// ```
/// use clerk_moderation_core::{ApiConfig, BanUsers, Operation, ResponseCap, SecretKey, UserId};
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let ids = (0..50).map(|i| UserId::new(format!("user_{i}")).unwrap());
/// let request = BanUsers::new(ids).unwrap().build_request(&config).unwrap();
/// let cap = ResponseCap::of(&request).unwrap();
/// assert_eq!(cap.users(), 50);
/// assert!(cap.bytes() >= 50 * ResponseCap::USER_BYTES);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResponseCap {
    users: u32,
    bytes: u64,
}

impl ResponseCap {
    /// The most a single user's JSON may take: 64 KiB. Clerk's own limits keep a user well under
    /// it (metadata 8 KiB per kind, a handful of addresses and accounts); the rest is room.
    pub const USER_BYTES: u64 = 64 * 1024;

    /// What an answer may hold beside its users (an error body, headers of a JSON array).
    pub const OVERHEAD_BYTES: u64 = 64 * 1024;

    /// The cap for an answer of at most `users` users (0 for one without a user, such as a
    /// count).
    pub const fn for_users(users: u32) -> Self {
        Self {
            users,
            bytes: users as u64 * Self::USER_BYTES + Self::OVERHEAD_BYTES,
        }
    }

    /// The users it is sized for.
    pub const fn users(self) -> u32 {
        self.users
    }

    /// The cap in bytes.
    pub const fn bytes(self) -> u64 {
        self.bytes
    }

    /// The cap a request carries, if it carries one.
    pub fn of<B>(request: &Request<B>) -> Option<Self> {
        request.extensions().get::<Self>().copied()
    }
}

/// Marks a request whose caller configured its base URL as plain `http://` to a loopback host
/// (an emulator, a local proxy): see
/// [`ApiConfig::is_loopback_http`](crate::ApiConfig::is_loopback_http).
///
/// The built-in transports send such a request without TLS, after checking the host is loopback
/// themselves; any other plain-HTTP request they refuse unless switched on on their builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct LoopbackHttp;

impl LoopbackHttp {
    /// Whether `request` carries the mark.
    pub fn is_marked<B>(request: &Request<B>) -> bool {
        request.extensions().get::<Self>().is_some()
    }
}
