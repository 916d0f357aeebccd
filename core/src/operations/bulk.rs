//! What `BanUsers` and `UnbanUsers` share: the id-count check and the `{"user_ids":[…]}` body.

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
///
/// Written straight into one buffer sized up front: going through a `Serialize` struct cost a
/// `Vec<&str>` and five reallocations of the output for 50 ids (see `BENCHMARKS.md`).
pub(crate) fn body(user_ids: &[UserId]) -> Result<Vec<u8>, BuildError> {
    const OPEN: &[u8] = br#"{"user_ids":["#;
    const CLOSE: &[u8] = b"]}";
    // Each id is quoted and followed by a comma. `UserId` admits only visible ASCII without `\`,
    // so `"` is the one character JSON needs escaped: ids without one are copied as they are.
    let capacity = OPEN.len()
        + CLOSE.len()
        + user_ids
            .iter()
            .map(|id| id.as_str().len() + 3)
            .sum::<usize>();
    let mut body = Vec::with_capacity(capacity);
    body.extend_from_slice(OPEN);
    for (i, id) in user_ids.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let id = id.as_str();
        if id.contains('"') {
            serde_json::to_writer(&mut body, id).map_err(|e| BuildError::Body(e.to_string()))?;
        } else {
            body.push(b'"');
            body.extend_from_slice(id.as_bytes());
            body.push(b'"');
        }
    }
    body.extend_from_slice(CLOSE);
    Ok(body)
}
