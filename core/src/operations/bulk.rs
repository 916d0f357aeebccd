//! What `BanUsers` and `UnbanUsers` share: the id-count check and the `{"user_ids":[…]}` body.

use serde::Serialize;

use crate::error::BuildError;
use crate::user_id::UserId;

/// The most user ids one bulk request takes; Clerk answers `bulk_size_exceeded` beyond it.
pub const MAX_BULK_USER_IDS: usize = 50;

/// Collects 1 to [`MAX_BULK_USER_IDS`] ids, or says how many there were.
pub(crate) fn collect_ids(
    user_ids: impl IntoIterator<Item = UserId>,
) -> Result<Vec<UserId>, BuildError> {
    let user_ids: Vec<UserId> = user_ids.into_iter().collect();
    if user_ids.is_empty() || user_ids.len() > MAX_BULK_USER_IDS {
        return Err(BuildError::BulkSize {
            count: user_ids.len(),
            max: MAX_BULK_USER_IDS,
        });
    }
    Ok(user_ids)
}

/// The body: `{"user_ids":["user_1","user_2"]}`.
pub(crate) fn body(user_ids: &[UserId]) -> Result<Vec<u8>, BuildError> {
    #[derive(Serialize)]
    struct Body<'a> {
        user_ids: Vec<&'a str>,
    }
    let body = Body {
        user_ids: user_ids.iter().map(UserId::as_str).collect(),
    };
    serde_json::to_vec(&body).map_err(|e| BuildError::Body(e.to_string()))
}
