//! `GET /v1/users/{user_id}`: reads a user.

use http::{Method, Request, Response};

use crate::config::ApiConfig;
use crate::error::{BuildError, ResponseError};
use crate::model::User;
use crate::operation::{Operation, build_user_request, parse_json_response};
use crate::user_id::UserId;

/// `GET /v1/users/{user_id}`: reads a user.
///
/// Answers with the user. Reads nothing but the user, so it is always safe to retry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GetUser {
    user_id: UserId,
}

impl GetUser {
    /// The operation for this user.
    pub fn new(user_id: UserId) -> Self {
        Self { user_id }
    }

    /// The user it acts on.
    pub fn user_id(&self) -> &UserId {
        &self.user_id
    }
}

impl Operation for GetUser {
    type Output = User;
    const NAME: &'static str = "get_user";

    fn user_id(&self) -> Option<&UserId> {
        Some(&self.user_id)
    }

    fn build_request(&self, config: &ApiConfig) -> Result<Request<Vec<u8>>, BuildError> {
        build_user_request(config, Method::GET, &self.user_id, None)
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<User, ResponseError> {
        parse_json_response(response)
    }
}
