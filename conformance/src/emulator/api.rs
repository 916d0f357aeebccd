//! The Backend API as the emulator answers it, without the network: the persistent
//! misbehaviours first, then Clerk's checks in Clerk's order, then the users.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde_json::json;

use super::answers::{
    self, Answer, ClerkError, Frames, JSON_CONTENT_TYPE, RetryAfterValue, clerk_error, clerk_json,
    clerk_value,
};
use super::fault::Fault;
use super::knobs::{BulkAnswer, BulkUnknown, RetryAfter};
use super::list::{self, ParamError};
use super::rate_limit::{Admission, whole_seconds};
use super::state::{Settings, Shared};
use super::store::{Change, StoredUser};
use crate::decoder::{DecodeError, DecodedOperation, QueryParams};

/// Bulk operations take 1 to this many ids.
pub(crate) const MAX_BULK_IDS: usize = 50;

/// The emulator's own endpoint, outside Clerk's API: what it has counted.
pub(crate) const STATS_PATH: &str = "/_emulator/stats";

/// A request as the API sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) method: &'a Method,
    /// Path and query, as received.
    pub(crate) target: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl ApiRequest<'_> {
    fn path_and_query(&self) -> (&str, &str) {
        self.target.split_once('?').unwrap_or((self.target, ""))
    }

    /// Whether this is `GET /_emulator/stats`.
    pub(crate) fn is_stats(&self) -> bool {
        *self.method == Method::GET && self.path_and_query().0 == STATS_PATH
    }
}

/// How a ban, unban, lock or unlock is answered: Clerk's way, or a wrong one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActionAnswer {
    /// Whether the users change.
    pub(crate) applied: bool,
    /// Which users a bulk answer holds.
    pub(crate) bulk: BulkAnswer,
}

impl ActionAnswer {
    /// As the emulator was started.
    pub(crate) fn of(settings: &Settings) -> Self {
        Self {
            applied: !settings.not_applied,
            bulk: settings.bulk_answer,
        }
    }

    /// As a queued fault asks, for the faults that shape an action's answer.
    pub(crate) fn of_fault(fault: &Fault) -> Option<Self> {
        match fault {
            Fault::NotApplied => Some(Self {
                applied: false,
                bulk: BulkAnswer::Asked,
            }),
            Fault::BulkAnswer { answer, applied } => Some(Self {
                applied: *applied,
                bulk: *answer,
            }),
            _ => None,
        }
    }
}

/// `{"requests",…}`: what the emulator has counted, as JSON.
pub(crate) fn stats_answer(shared: &Shared) -> Answer {
    let body = serde_json::to_vec(&shared.stats().to_json()).unwrap_or_default();
    answers::plain(StatusCode::OK, Some(JSON_CONTENT_TYPE), Frames::whole(body))
}

/// Answers `request` as the emulator's settings say, faults aside: a server that is not Clerk,
/// a 500 for the first requests, or Clerk's answer (see [`respond`]).
pub(crate) fn answer(
    shared: &Shared,
    request: &ApiRequest<'_>,
    admission: Option<Admission>,
    actions: ActionAnswer,
) -> Answer {
    if let Some(kind) = shared.settings.not_clerk {
        return answers::not_clerk(kind);
    }
    if shared.take_failure() {
        return answers::internal_clerk_error(&shared.trace_ids.next());
    }
    respond(shared, request, admission, actions)
}

fn error(shared: &Shared, status: StatusCode, error: ClerkError<'_>) -> Answer {
    clerk_error(status, error, &shared.trace_ids.next())
}

fn not_found(shared: &Shared) -> Answer {
    error(
        shared,
        StatusCode::NOT_FOUND,
        ClerkError::new("resource_not_found", "not found", "Resource not found"),
    )
}

/// A 429 of the rate limit, with room in the window after `room_in`.
fn rate_limited(shared: &Shared, room_in: Duration) -> Answer {
    let retry_after = match shared.settings.retry_after {
        RetryAfter::Seconds => RetryAfterValue::Seconds(whole_seconds(room_in)),
        RetryAfter::HttpDate => RetryAfterValue::date_after(room_in.max(Duration::from_secs(1))),
    };
    answers::too_many_requests(retry_after, &shared.trace_ids.next())
}

/// A 422 for a query parameter, with `meta.param_name` as Clerk sends it.
fn param_error(shared: &Shared, param: &ParamError) -> Answer {
    error(
        shared,
        StatusCode::UNPROCESSABLE_ENTITY,
        ClerkError {
            meta: json!({ "param_name": param.param }),
            ..ClerkError::new(param.code, "is invalid", &param.long_message)
        },
    )
}

/// `^\d{4}-\d{2}-\d{2}$`.
fn is_api_version(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// Answers a request the way Clerk would. Checks, in order: the bearer key, the
/// `Clerk-API-Version` header, the rate limit (decided when the request arrived), the route and
/// method, the body, the bulk size, the users' existence.
fn respond(
    shared: &Shared,
    request: &ApiRequest<'_>,
    admission: Option<Admission>,
    actions: ActionAnswer,
) -> Answer {
    if !shared.is_authenticated(request.headers) {
        let has_bearer = request
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(crate::decoder::parse_bearer)
            .is_some();
        return if has_bearer {
            error(
                shared,
                StatusCode::UNAUTHORIZED,
                ClerkError::new(
                    "clerk_key_invalid",
                    "Secret Key is invalid",
                    "The provided Secret Key is invalid. Make sure that your Secret Key is correct.",
                ),
            )
        } else {
            error(
                shared,
                StatusCode::UNAUTHORIZED,
                ClerkError::new(
                    "authentication_invalid",
                    "Invalid authentication",
                    "Unable to authenticate the request, you need to supply an active API key",
                ),
            )
        };
    }

    let bad_version = request
        .headers
        .get("clerk-api-version")
        .is_some_and(|version| !version.to_str().is_ok_and(is_api_version));
    if bad_version {
        return error(
            shared,
            StatusCode::BAD_REQUEST,
            ClerkError::new(
                "api_version_invalid",
                "Invalid API version",
                "The Clerk-API-Version header must be a date of the form YYYY-MM-DD.",
            ),
        );
    }

    if let Some(Admission::Refused { room_in }) = admission {
        return rate_limited(shared, room_in);
    }

    // Clerk ignores query strings on the moderation routes; so does the emulator.
    let (path, query) = request.path_and_query();
    let operation = match shared
        .decoder
        .decode_route(request.method, path, request.body)
    {
        Ok(DecodedOperation::ListUsers(_)) => return list_users(shared, query),
        Ok(DecodedOperation::CountUsers(_)) => return count_users(shared, query),
        Ok(operation) => operation,
        Err(err) => return decode_error(shared, &err),
    };

    let bad_bulk_size = operation
        .user_ids()
        .map(<[String]>::len)
        .filter(|len| *len == 0 || *len > MAX_BULK_IDS);
    if let Some(len) = bad_bulk_size {
        return error(
            shared,
            StatusCode::BAD_REQUEST,
            ClerkError::new(
                "bulk_size_exceeded",
                "Bulk size exceeded",
                &format!("user_ids must contain between 1 and {MAX_BULK_IDS} ids, got {len}."),
            ),
        );
    }

    match apply(shared, &operation, actions) {
        Some(body) => clerk_json(StatusCode::OK, body, &shared.trace_ids.next()),
        None => not_found(shared),
    }
}

fn list_users(shared: &Shared, query: &str) -> Answer {
    let params = QueryParams::parse(query);
    let page = list::parse_filter(&params).and_then(|filter| {
        let page = list::parse_page(&params)?;
        let users = shared.users();
        Ok(json_array(users.list(&filter, &page)?))
    });
    match page {
        Ok(body) => clerk_json(StatusCode::OK, body, &shared.trace_ids.next()),
        Err(param) => param_error(shared, &param),
    }
}

fn count_users(shared: &Shared, query: &str) -> Answer {
    match list::parse_filter(&QueryParams::parse(query)) {
        Ok(filter) => {
            let total = shared.users().count(&filter);
            clerk_value(
                StatusCode::OK,
                &json!({ "object": "total_count", "total_count": total }),
                &shared.trace_ids.next(),
            )
        }
        Err(param) => param_error(shared, &param),
    }
}

fn decode_error(shared: &Shared, err: &DecodeError) -> Answer {
    let detail = err.to_string();
    let bad_body = |code, message| {
        error(
            shared,
            StatusCode::BAD_REQUEST,
            ClerkError::new(code, message, &detail),
        )
    };
    match err {
        DecodeError::WrongMethod { allowed, .. } => {
            let mut answer = error(
                shared,
                StatusCode::METHOD_NOT_ALLOWED,
                ClerkError::new("method_not_allowed", "Method not allowed", &detail),
            );
            let allowed: Vec<&str> = allowed.iter().map(Method::as_str).collect();
            if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                answer.headers_mut().insert(ALLOW, value);
            }
            answer
        }
        DecodeError::UnexpectedBody { .. } => {
            bad_body("unexpected_request_body", "Unexpected request body")
        }
        DecodeError::InvalidJson { .. } | DecodeError::BodyNotAnObject => {
            bad_body("malformed_request_body", "Malformed request body")
        }
        // The spec documents 400, not 422, for the bulk endpoints' bad bodies.
        DecodeError::MissingUserIds => error(
            shared,
            StatusCode::BAD_REQUEST,
            ClerkError {
                meta: json!({ "param_name": "user_ids" }),
                ..ClerkError::new(
                    "form_param_missing",
                    "missing required parameter",
                    "user_ids must be included.",
                )
            },
        ),
        DecodeError::InvalidUserIds { .. } => error(
            shared,
            StatusCode::BAD_REQUEST,
            ClerkError {
                meta: json!({ "param_name": "user_ids" }),
                ..ClerkError::new("form_param_format_invalid", "is invalid", &detail)
            },
        ),
        // Unknown routes, undecodable ids and anything new: nothing is there.
        _ => not_found(shared),
    }
}

/// `[user,user,…]`, sharing the users' bytes.
fn json_array<'a>(users: impl IntoIterator<Item = &'a StoredUser>) -> Frames {
    let mut frames = Frames::whole(Bytes::from_static(b"["));
    for (i, user) in users.into_iter().enumerate() {
        if i > 0 {
            frames.push(Bytes::from_static(b","));
        }
        user.write_to(&mut frames);
    }
    frames.push(Bytes::from_static(b"]"));
    frames
}

fn change_of(operation: &DecodedOperation) -> Option<Change> {
    match operation {
        DecodedOperation::BanUser(_) | DecodedOperation::BanUsers(_) => Some(Change::Ban),
        DecodedOperation::UnbanUser(_) | DecodedOperation::UnbanUsers(_) => Some(Change::Unban),
        DecodedOperation::LockUser(_) => Some(Change::Lock),
        DecodedOperation::UnlockUser(_) => Some(Change::Unlock),
        _ => None,
    }
}

/// Applies the operation (or not, as `actions` says) and gives the answer's body; `None` when
/// a user does not exist (nothing is changed then), or, for a bulk request under
/// [`BulkUnknown::Reject`], when any of them does not.
fn apply(shared: &Shared, operation: &DecodedOperation, actions: ActionAnswer) -> Option<Frames> {
    let mut users = shared.users();
    let one = |user: &StoredUser| {
        let mut frames = Frames::default();
        user.write_to(&mut frames);
        frames
    };
    let change = change_of(operation);
    match (operation, change) {
        (DecodedOperation::GetUser(id), _) => users.get(id).map(one),
        (
            DecodedOperation::BanUser(id)
            | DecodedOperation::UnbanUser(id)
            | DecodedOperation::LockUser(id)
            | DecodedOperation::UnlockUser(id),
            Some(change),
        ) => {
            if actions.applied {
                users.change(id, change).map(one)
            } else {
                users.get(id).map(one)
            }
        }
        (DecodedOperation::BanUsers(ids) | DecodedOperation::UnbanUsers(ids), Some(change)) => {
            let all_known = ids.iter().all(|id| users.contains(id));
            if !all_known && shared.settings.bulk_unknown == BulkUnknown::Reject {
                return None;
            }
            if actions.applied {
                for id in ids {
                    // Under `Skip`, the unknown ids change nothing and are left out below.
                    users.change(id, change);
                }
            }
            let extra = match actions.bulk {
                BulkAnswer::Asked | BulkAnswer::Empty => None,
                BulkAnswer::ExtraExisting => Some(
                    users
                        .first_other(ids)
                        .cloned()
                        .unwrap_or_else(|| users.made_up(change)),
                ),
                BulkAnswer::ExtraMadeUp => Some(users.made_up(change)),
            };
            let asked = ids.iter().filter_map(|id| users.get(id));
            Some(if actions.bulk == BulkAnswer::Empty {
                json_array([])
            } else {
                json_array(asked.chain(extra.as_ref()))
            })
        }
        // Answered before `apply`; nothing to change.
        _ => None,
    }
}

/// The user id a request is about, if any (for the oversized fault's body).
pub(crate) fn user_id_of(shared: &Shared, request: &ApiRequest<'_>) -> Option<String> {
    let (path, _) = request.path_and_query();
    shared
        .decoder
        .decode_route(request.method, path, request.body)
        .ok()
        .and_then(|op| op.user_id().map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_pattern() {
        assert!(is_api_version("2026-05-12"));
        assert!(!is_api_version("2026-5-12"));
        assert!(!is_api_version("2026-05-12x"));
        assert!(!is_api_version("2026/05/12"));
        assert!(!is_api_version(""));
    }
}
