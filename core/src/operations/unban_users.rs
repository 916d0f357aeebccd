//! `POST /v1/users/unban`: lifts the bans of many users at once.

use http::{Method, Request, Response};

use super::bulk;
use crate::config::ApiConfig;
use crate::error::{BuildError, ResponseError};
use crate::model::User;
use crate::operation::{Operation, build_request, parse_json_response};
use crate::user_id::UserId;

/// `POST /v1/users/unban` with `{"user_ids":[…]}`: lifts the bans of many users at once.
///
/// Takes 1 to [`bulk::MAX_BULK_USER_IDS`](crate::MAX_BULK_USER_IDS) ids, checked when it is
/// made; the clients in `clerk-moderation-transports` split longer lists into chunks. Answers
/// with the users.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnbanUsers {
    user_ids: Vec<UserId>,
}

impl UnbanUsers {
    /// The operation for these users: 1 to 50 of them.
    pub fn new(user_ids: impl IntoIterator<Item = UserId>) -> Result<Self, BuildError> {
        Ok(Self {
            user_ids: bulk::collect_ids(user_ids)?,
        })
    }

    /// The users it acts on, in order.
    pub fn user_ids(&self) -> &[UserId] {
        &self.user_ids
    }
}

impl Operation for UnbanUsers {
    type Output = Vec<User>;
    const NAME: &'static str = "unban_users";

    fn build_request(&self, config: &ApiConfig) -> Result<Request<Vec<u8>>, BuildError> {
        build_request(
            config,
            Method::POST,
            format_args!("/unban"),
            Some(bulk::body(&self.user_ids)?),
            self.user_ids.len() as u32,
        )
    }

    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: Response<B>,
    ) -> Result<Vec<User>, ResponseError> {
        parse_json_response(response)
    }
}
