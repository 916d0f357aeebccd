//! `GET /v1/users`: lists the users a filter selects, a page at a time, newest first.

use http::{Method, Request, Response};

use super::user_filter::{Query, UserFilter};
use crate::config::ApiConfig;
use crate::error::{BuildError, ResponseError};
use crate::model::User;
use crate::operation::{Operation, build_request, parse_json_response};
use crate::user_id::UserId;

/// The most users one page holds.
pub const MAX_LIST_LIMIT: u16 = 500;

/// `GET /v1/users`: lists the users a [`UserFilter`] selects, a page at a time, newest first.
///
/// Answers with one page: at most `limit` users (Clerk's default is 10, the most 500). To walk
/// every page, use [`UserPages`], which follows Clerk's `starting_after` cursor.
///
/// ```
/// use clerk_moderation_core::{ApiConfig, ListUsers, Operation, SecretKey, UserFilter};
///
/// let config = ApiConfig::new(SecretKey::new("sk_test_x").unwrap());
/// let list = ListUsers::new(UserFilter::new().banned(true)).with_limit(500).unwrap();
/// let request = list.build_request(&config).unwrap();
/// assert_eq!(request.uri(), "https://api.clerk.com/v1/users?banned=true&limit=500");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ListUsers {
    filter: UserFilter,
    limit: Option<u16>,
    offset: Option<u64>,
    starting_after: Option<UserId>,
}

impl ListUsers {
    /// The first page of the users `filter` selects.
    pub fn new(filter: UserFilter) -> Self {
        Self {
            filter,
            ..Self::default()
        }
    }

    /// At most `limit` users in the page: 1 to [`MAX_LIST_LIMIT`].
    pub fn with_limit(mut self, limit: u16) -> Result<Self, BuildError> {
        if limit == 0 || limit > MAX_LIST_LIMIT {
            return Err(BuildError::InvalidQuery {
                param: "limit",
                reason: format!("must be 1 to {MAX_LIST_LIMIT}, got {limit}"),
            });
        }
        self.limit = Some(limit);
        Ok(self)
    }

    /// Skips the first `offset` users. Slow deep into a large list; prefer [`UserPages`].
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The page after this user (the last one of the previous page).
    pub fn with_starting_after(mut self, user_id: UserId) -> Self {
        self.starting_after = Some(user_id);
        self
    }

    /// The filter.
    pub fn filter(&self) -> &UserFilter {
        &self.filter
    }

    /// The page size asked for, if set.
    pub fn limit(&self) -> Option<u16> {
        self.limit
    }
}

impl Operation for ListUsers {
    type Output = Vec<User>;
    const NAME: &'static str = "list_users";

    fn build_request(&self, config: &ApiConfig) -> Result<Request<Vec<u8>>, BuildError> {
        let mut query = Query::default();
        self.filter.write_query(&mut query)?;
        if let Some(limit) = self.limit {
            query.pair("limit", &limit.to_string())?;
        }
        if let Some(offset) = self.offset {
            query.pair("offset", &offset.to_string())?;
        }
        if let Some(cursor) = &self.starting_after {
            query.pair("starting_after", cursor.as_str())?;
        }
        build_request(
            config,
            Method::GET,
            format_args!("{}", query.as_str()),
            None,
            // Clerk's page holds 10 users unless a limit says otherwise.
            u32::from(self.limit.unwrap_or(10)),
        )
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: Response<B>,
    ) -> Result<Vec<User>, ResponseError> {
        parse_json_response(response)
    }
}

/// Walks every page of a [`ListUsers`], following Clerk's `starting_after` cursor: pure, so any
/// transport drives it.
///
/// Ask for [`UserPages::next_page`], send it, hand the users to [`UserPages::on_page`], and
/// repeat until `next_page` is `None`. It stops after a page shorter than the page size, and
/// refuses to go round in circles: a cursor seen before is a [`PagingError`].
///
/// ```
/// use clerk_moderation_core::{ListUsers, User, UserFilter, UserPages};
///
/// let mut pages = UserPages::new(ListUsers::new(UserFilter::new()), 2).unwrap();
/// let user = |id: &str| -> User { serde_json::from_str(&format!(r#"{{"id":"{id}"}}"#)).unwrap() };
/// assert!(pages.next_page().is_some());
/// pages.on_page(&[user("user_3"), user("user_2")]).unwrap();
/// let second = pages.next_page().unwrap();
/// assert_eq!(second, &ListUsers::new(UserFilter::new()).with_limit(2).unwrap()
///     .with_starting_after("user_2".parse().unwrap()));
/// pages.on_page(&[user("user_1")]).unwrap(); // shorter than a page: the last one
/// assert!(pages.next_page().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct UserPages {
    next: Option<ListUsers>,
    page_size: u16,
    cursors: std::collections::HashSet<String>,
    pages: u64,
}

/// Why paging stopped before the end: the server sent a page that would repeat an earlier one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingError {
    /// The last user of a page was the last user of an earlier page: following it would loop.
    CursorRepeated {
        /// The repeated cursor (a user id).
        cursor: String,
    },
    /// A full page whose last user has an id that cannot be a cursor.
    InvalidCursor {
        /// What the server sent as the last user's id, escaped and cut.
        id: String,
    },
}

impl std::fmt::Display for PagingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CursorRepeated { cursor } => write!(
                f,
                "the server repeated a page (cursor {cursor:?} came twice); stopped to avoid a loop"
            ),
            Self::InvalidCursor { id } => {
                write!(
                    f,
                    "a page ended with user id {id:?}, which cannot be a cursor"
                )
            }
        }
    }
}

impl std::error::Error for PagingError {}

impl UserPages {
    /// Pages of `page_size` users (1 to [`MAX_LIST_LIMIT`]; 500 wastes fewest requests) from
    /// `list`, which should have no offset (Clerk refuses a cursor with one).
    pub fn new(list: ListUsers, page_size: u16) -> Result<Self, BuildError> {
        let first = list.with_limit(page_size)?;
        Ok(Self {
            next: Some(first),
            page_size,
            cursors: std::collections::HashSet::new(),
            pages: 0,
        })
    }

    /// The request for the next page, or `None` when every page was read.
    pub fn next_page(&self) -> Option<&ListUsers> {
        self.next.as_ref()
    }

    /// Takes the users of the page [`UserPages::next_page`] asked for, and moves on.
    pub fn on_page(&mut self, users: &[User]) -> Result<(), PagingError> {
        self.pages += 1;
        let Some(current) = self.next.take() else {
            return Ok(());
        };
        let last = match users.last() {
            Some(last) if users.len() >= usize::from(self.page_size) => last,
            _ => return Ok(()),
        };
        let cursor = UserId::new(&last.id).map_err(|_| PagingError::InvalidCursor {
            id: last
                .id
                .chars()
                .take(64)
                .flat_map(char::escape_default)
                .collect(),
        })?;
        if !self.cursors.insert(last.id.clone()) {
            return Err(PagingError::CursorRepeated {
                cursor: last.id.clone(),
            });
        }
        self.next = Some(current.with_starting_after(cursor));
        Ok(())
    }

    /// Pages taken so far.
    pub fn pages_read(&self) -> u64 {
        self.pages
    }
}
