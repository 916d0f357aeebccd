//! `POST /v1/users/{user_id}/unban`: lifts a ban, so the user can sign in again.

use http::{Method, Request, Response};

use crate::config::ApiConfig;
use crate::error::{BuildError, ResponseError};
use crate::model::User;
use crate::operation::{Operation, build_user_request, parse_json_response};
use crate::user_id::UserId;

/// `POST /v1/users/{user_id}/unban`: lifts a ban, so the user can sign in again.
///
/// Answers with the user. Safe to retry: doing it twice leaves the user as doing it once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnbanUser {
    user_id: UserId,
}

impl UnbanUser {
    /// The operation for this user.
    pub fn new(user_id: UserId) -> Self {
        Self { user_id }
    }

    /// The user it acts on.
    pub fn user_id(&self) -> &UserId {
        &self.user_id
    }
}

impl Operation for UnbanUser {
    type Output = User;
    const NAME: &'static str = "unban_user";

    fn user_id(&self) -> Option<&UserId> {
        Some(&self.user_id)
    }

    fn build_request(&self, config: &ApiConfig) -> Result<Request<Vec<u8>>, BuildError> {
        build_user_request(config, Method::POST, &self.user_id, Some("unban"))
    }

    fn parse_response<B: AsRef<[u8]>>(&self, response: Response<B>) -> Result<User, ResponseError> {
        parse_json_response(response)
    }
}
