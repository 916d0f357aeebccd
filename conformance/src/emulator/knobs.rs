//! The emulator's persistent behaviours, chosen once at start with the
//! [`EmulatorBuilder`](super::builder::EmulatorBuilder) or the binary's flags: which instance it
//! plays, and the ways it can answer that a client must survive.

/// The kind of Clerk instance to emulate. It sets the rate limit and the secret key's prefix,
/// which clients read to pick their default pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Instance {
    /// 1000 requests per 10 seconds per key; keys start with `sk_live_`.
    Production,
    /// 100 requests per 10 seconds per key; keys start with `sk_test_`.
    Development,
}

impl Instance {
    /// Requests allowed per 10 seconds per key.
    pub fn requests_per_10s(self) -> u32 {
        match self {
            Self::Production => 1000,
            Self::Development => 100,
        }
    }

    /// The prefix of this instance's secret keys.
    pub fn key_prefix(self) -> &'static str {
        match self {
            Self::Production => "sk_live_",
            Self::Development => "sk_test_",
        }
    }
}

/// What a bulk ban or unban does when some of its ids are unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BulkUnknown {
    /// 404 `resource_not_found`, and no user changes (the default).
    #[default]
    Reject,
    /// The known users change and the 200 array holds only them: the unknown ids are left out.
    Skip,
}

/// Which users the 200 array of a bulk ban or unban holds. Every variant but
/// [`BulkAnswer::Asked`] is a wrong answer a client must not take at its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BulkAnswer {
    /// The users asked for, in request order (Clerk's answer; the default).
    #[default]
    Asked,
    /// `[]`: none of them, whether or not the change was applied.
    Empty,
    /// The users asked for, then one more that nobody asked for: an existing user (the first
    /// by id that was not asked for, as it is; a made-up one when there is none).
    ExtraExisting,
    /// The users asked for, then one more with an id that no user has.
    ExtraMadeUp,
}

/// An answer that is not Clerk's, as a proxy or another service at a wrong base URL gives it
/// for every path. None carries a `Clerk-Trace-Id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotClerk {
    /// 404 with nginx's HTML error page (`Content-Type: text/html`).
    Html404,
    /// 404 with an empty body and no `Content-Type`.
    Empty404,
    /// 404 with JSON of another shape: `{"message":"Not Found"}`.
    Json404,
    /// 405 with nginx's HTML error page.
    Html405,
    /// 405 with an empty body and no `Content-Type`.
    Empty405,
    /// 405 with JSON of another shape: `{"message":"Method Not Allowed"}`.
    Json405,
}

impl NotClerk {
    /// The status code: 404 or 405.
    pub fn status(self) -> u16 {
        match self {
            Self::Html404 | Self::Empty404 | Self::Json404 => 404,
            Self::Html405 | Self::Empty405 | Self::Json405 => 405,
        }
    }
}

/// How the rate limit's 429 answers give `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RetryAfter {
    /// Whole seconds, rounded up, at least 1 (Clerk's form; the default).
    #[default]
    Seconds,
    /// An HTTP-date that many seconds ahead (rounded up to the next whole second), on an answer
    /// without a `Date` header, so that a client must read it against its own clock.
    HttpDate,
}
