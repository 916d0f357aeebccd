//! `GET /v1/users/count`: counts the users a filter selects.

use http::{Method, Request, Response};
use serde::Deserialize;

use super::user_filter::{Query, UserFilter};
use crate::config::ApiConfig;
use crate::error::{BuildError, ResponseError};
use crate::operation::{Operation, build_request, parse_json_response};

/// `GET /v1/users/count`: counts the users a [`UserFilter`] selects.
///
/// Answers with `{"object":"total_count","total_count":N}`; the output is `N`.
///
/// ```
/// use clerk_moderation_core::{ApiConfig, CountUsers, Operation, SecretKey, UserFilter};
///
/// let count = CountUsers::new(UserFilter::new().banned(true));
/// let response = http::Response::builder()
///     .status(200)
///     .body(r#"{"object":"total_count","total_count":42}"#)
///     .unwrap();
/// assert_eq!(count.parse_response(response).unwrap(), 42);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CountUsers {
    filter: UserFilter,
}

impl CountUsers {
    /// Counts the users `filter` selects.
    pub fn new(filter: UserFilter) -> Self {
        Self { filter }
    }

    /// The filter.
    pub fn filter(&self) -> &UserFilter {
        &self.filter
    }
}

/// The answer's shape; other fields are ignored.
#[derive(Deserialize)]
struct TotalCount {
    total_count: u64,
}

impl Operation for CountUsers {
    type Output = u64;
    const NAME: &'static str = "count_users";

    fn build_request(&self, config: &ApiConfig) -> Result<Request<Vec<u8>>, BuildError> {
        let mut query = Query::default();
        self.filter.write_query(&mut query)?;
        build_request(
            config,
            Method::GET,
            format_args!("/count{}", query.as_str()),
            None,
            0,
        )
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<u64, ResponseError> {
        parse_json_response::<TotalCount, B>(response).map(|count| count.total_count)
    }
}
