//! `POST /v1/users/{user_id}/lock`: locks a user out of signing in, as too many failed attempts would.

use http::{Method, Request, Response};

use crate::config::ApiConfig;
use crate::error::{BuildError, ResponseError};
use crate::model::User;
use crate::operation::{Operation, build_user_request, parse_json_response};
use crate::user_id::UserId;

/// `POST /v1/users/{user_id}/lock`: locks a user out of signing in, as too many failed attempts would.
///
/// Answers with the user. Safe to retry: doing it twice leaves the user as doing it once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LockUser {
    user_id: UserId,
}

impl LockUser {
    /// The operation for this user.
    pub fn new(user_id: UserId) -> Self {
        Self { user_id }
    }

    /// The user it acts on.
    pub fn user_id(&self) -> &UserId {
        &self.user_id
    }
}

impl Operation for LockUser {
    type Output = User;
    const NAME: &'static str = "lock_user";

    fn user_id(&self) -> Option<&UserId> {
        Some(&self.user_id)
    }

    fn build_request(&self, config: &ApiConfig) -> Result<Request<Vec<u8>>, BuildError> {
        build_user_request(config, Method::POST, &self.user_id, Some("lock"))
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<User, ResponseError> {
        parse_json_response(response)
    }
}
