//! `UserFilter`: which users `ListUsers` and `CountUsers` select, as the spec's query parameters.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::BuildError;
use crate::user_id::UserId;

/// The most values Clerk takes for one list parameter (`email_address`, `user_id`, …).
pub const MAX_FILTER_VALUES: usize = 100;

/// The longest single filter value accepted: far over any email, username or id, and it keeps a
/// request line from growing past what servers accept.
const MAX_FILTER_VALUE_LEN: usize = 512;

/// What a query value must escape: everything but RFC 3986's unreserved characters (so `+`, `&`,
/// `=` and `#` in an email or a search text stay inside their value).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Which users to select: the filters of `GET /v1/users` and `GET /v1/users/count`.
///
/// Filters combine with AND; the values of one list filter (several email addresses, say) with
/// OR, as Clerk applies them. Times are Unix milliseconds. Checked when a request is built: at
/// most [`MAX_FILTER_VALUES`] values per list filter, no empty or overlong value, no control
/// character.
///
/// ```
/// use clerk_moderation_core::{ApiConfig, CountUsers, Operation, SecretKey, UserFilter};
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let filter = UserFilter::new()
///     .banned(true)
///     .email_address("ada+spam@example.com")
///     .created_after(1_763_596_800_000);
/// let request = CountUsers::new(filter).build_request(&config).unwrap();
/// assert_eq!(
///     request.uri(),
///     "https://api.clerk.com/v1/users/count?banned=true&email_address=ada%2Bspam%40example.com&created_at_after=1763596800000"
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct UserFilter {
    banned: Option<bool>,
    email_addresses: Vec<String>,
    usernames: Vec<String>,
    user_ids: Vec<String>,
    excluded_user_ids: Vec<String>,
    external_ids: Vec<String>,
    organization_ids: Vec<String>,
    query: Option<String>,
    created_at_before: Option<i64>,
    created_at_after: Option<i64>,
    last_sign_in_at_before: Option<i64>,
    last_sign_in_at_after: Option<i64>,
    last_active_at_before: Option<i64>,
    last_active_at_after: Option<i64>,
}

impl UserFilter {
    /// No filter: every user.
    pub fn new() -> Self {
        Self::default()
    }

    /// Banned users only (`true`), or users who are not banned (`false`).
    pub fn banned(mut self, banned: bool) -> Self {
        self.banned = Some(banned);
        self
    }

    /// Users with this email address (exact; repeat for several).
    pub fn email_address(mut self, email: impl Into<String>) -> Self {
        self.email_addresses.push(email.into());
        self
    }

    /// Users with this username (exact; repeat for several).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.usernames.push(username.into());
        self
    }

    /// This user (repeat for several).
    ///
    /// Clerk reads a leading `+` or `-` on a `user_id` value as include or exclude, so an id that
    /// starts with either is refused when the request is built rather than misread.
    pub fn user_id(mut self, id: &UserId) -> Self {
        self.user_ids.push(id.as_str().to_owned());
        self
    }

    /// Leaves this user out.
    pub fn exclude_user_id(mut self, id: &UserId) -> Self {
        self.excluded_user_ids.push(id.as_str().to_owned());
        self
    }

    /// Users with this id in the application's own system (repeat for several).
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_ids.push(external_id.into());
        self
    }

    /// Members of this organization (repeat for several).
    pub fn organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_ids.push(organization_id.into());
        self
    }

    /// Users matching this text anywhere Clerk searches: emails, phone numbers, usernames, Web3
    /// wallets, ids, first and last names; partial matches count.
    pub fn query(mut self, text: impl Into<String>) -> Self {
        self.query = Some(text.into());
        self
    }

    /// Created before this time (Unix milliseconds).
    pub fn created_before(mut self, unix_ms: i64) -> Self {
        self.created_at_before = Some(unix_ms);
        self
    }

    /// Created after this time (Unix milliseconds).
    pub fn created_after(mut self, unix_ms: i64) -> Self {
        self.created_at_after = Some(unix_ms);
        self
    }

    /// Last signed in before this time (Unix milliseconds).
    pub fn last_sign_in_before(mut self, unix_ms: i64) -> Self {
        self.last_sign_in_at_before = Some(unix_ms);
        self
    }

    /// Last signed in after this time (Unix milliseconds).
    pub fn last_sign_in_after(mut self, unix_ms: i64) -> Self {
        self.last_sign_in_at_after = Some(unix_ms);
        self
    }

    /// Last active before this time (Unix milliseconds).
    pub fn last_active_before(mut self, unix_ms: i64) -> Self {
        self.last_active_at_before = Some(unix_ms);
        self
    }

    /// Last active after this time (Unix milliseconds).
    pub fn last_active_after(mut self, unix_ms: i64) -> Self {
        self.last_active_at_after = Some(unix_ms);
        self
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Appends the filters as `name=value` pairs, each after `&` or the first after `?`.
    pub(crate) fn write_query(&self, query: &mut Query) -> Result<(), BuildError> {
        if let Some(banned) = self.banned {
            query.pair("banned", if banned { "true" } else { "false" })?;
        }
        query.list("email_address", &self.email_addresses, &[])?;
        query.list("username", &self.usernames, &[])?;
        let signed = self
            .user_ids
            .iter()
            .chain(&self.excluded_user_ids)
            .find(|id| id.starts_with(['+', '-']));
        if let Some(id) = signed {
            return Err(BuildError::InvalidQuery {
                param: "user_id",
                reason: format!("{id:?} starts with a sign Clerk would read as include or exclude"),
            });
        }
        let excluded: Vec<String> = self
            .excluded_user_ids
            .iter()
            .map(|id| format!("-{id}"))
            .collect();
        query.list("user_id", &self.user_ids, &excluded)?;
        query.list("external_id", &self.external_ids, &[])?;
        query.list("organization_id", &self.organization_ids, &[])?;
        if let Some(text) = &self.query {
            query.pair("query", text)?;
        }
        let times = [
            ("created_at_before", self.created_at_before),
            ("created_at_after", self.created_at_after),
            ("last_sign_in_at_before", self.last_sign_in_at_before),
            ("last_sign_in_at_after", self.last_sign_in_at_after),
            ("last_active_at_before", self.last_active_at_before),
            ("last_active_at_after", self.last_active_at_after),
        ];
        for (name, value) in times {
            if let Some(ms) = value {
                query.pair(name, &ms.to_string())?;
            }
        }
        Ok(())
    }
}

/// A query string being written: `?a=1&b=2`, every value percent-encoded.
#[derive(Debug, Default)]
pub(crate) struct Query {
    text: String,
}

impl Query {
    /// Appends `name=value`, checking the value.
    pub(crate) fn pair(&mut self, name: &'static str, value: &str) -> Result<(), BuildError> {
        let problem = if value.is_empty() {
            Some("is empty".to_owned())
        } else if value.len() > MAX_FILTER_VALUE_LEN {
            Some(format!("is longer than {MAX_FILTER_VALUE_LEN} bytes"))
        } else if value.chars().any(char::is_control) {
            Some("has a control character".to_owned())
        } else {
            None
        };
        if let Some(reason) = problem {
            return Err(BuildError::InvalidQuery {
                param: name,
                reason: format!("a value {reason}"),
            });
        }
        self.text.push(if self.text.is_empty() { '?' } else { '&' });
        self.text.push_str(name);
        self.text.push('=');
        // Writing to a `String` cannot fail.
        let _ = write!(self.text, "{}", utf8_percent_encode(value, QUERY_VALUE));
        Ok(())
    }

    /// Appends `name=v` for each value of both lists, after checking how many there are.
    fn list(
        &mut self,
        name: &'static str,
        values: &[String],
        more: &[String],
    ) -> Result<(), BuildError> {
        let count = values.len() + more.len();
        if count > MAX_FILTER_VALUES {
            return Err(BuildError::InvalidQuery {
                param: name,
                reason: format!("takes at most {MAX_FILTER_VALUES} values, got {count}"),
            });
        }
        values
            .iter()
            .chain(more)
            .try_for_each(|value| self.pair(name, value))
    }

    /// The query string, `?…`, or empty.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }
}
