//! The fixed list of scenarios: every operation, every error class, every fault.

use std::time::Duration;

use clerk_moderation_core::http::{HeaderValue, Response};
use clerk_moderation_core::{
    ApiConfig, BanUser, BanUsers, GetUser, LockUser, Operation, ResponseError, RetryAfter,
    SecretKey, UnbanUser, UnbanUsers, UnlockUser, User, UserId,
};

use super::Prepared;
use crate::emulator::{Emulator, Fault};

/// What came back from the transport.
pub(super) enum Sent {
    /// A response, whatever its status.
    Response(Response<Vec<u8>>),
    /// No response: the transport's error, as text.
    Failed(String),
}

/// Checks what came back: `Ok(what happened)` when it conforms, `Err(what happened)` when not.
pub(super) type Verify = Box<dyn FnOnce(&Emulator, Sent) -> Result<String, String> + Send>;

/// One scenario of the kit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scenario {
    /// `GET /v1/users/{id}` answers the user.
    GetUser,
    /// `POST …/unlock` answers the user unlocked.
    UnlockUser,
    /// `POST …/unban` answers the user unbanned.
    UnbanUser,
    /// `POST …/lock` answers the user locked.
    LockUser,
    /// `POST …/ban` answers the user banned.
    BanUser,
    /// `POST /v1/users/ban` answers the users banned, in order.
    BanUsers,
    /// `POST /v1/users/unban` answers the users unbanned, in order.
    UnbanUsers,
    /// The request arrives as built: method, path, headers, body.
    RequestUnaltered,
    /// A wrong key gives Clerk's 401.
    Unauthorized,
    /// A malformed `Clerk-API-Version` gives Clerk's 400.
    ApiVersionInvalid,
    /// 51 ids give Clerk's 400 `bulk_size_exceeded`.
    BulkSizeExceeded,
    /// An unknown user gives Clerk's 404.
    NotFound,
    /// A 402 comes back with Clerk's body.
    PaymentRequired,
    /// A 403 comes back with Clerk's body.
    Forbidden,
    /// A 409 `resource_locked` comes back with Clerk's body.
    ResourceLocked,
    /// A 422 comes back with Clerk's body.
    Unprocessable,
    /// A 500 comes back with Clerk's body.
    InternalServerError,
    /// A 503 with a plain-text body comes back with the body intact.
    ServiceUnavailableText,
    /// A 429 comes back with its `Retry-After`.
    RateLimited,
    /// A slow answer still arrives.
    Delay,
    /// A connection closed before the headers is an error.
    ResetBeforeHeaders,
    /// A connection closed after the headers is an error.
    ResetAfterHeaders,
    /// A body shorter than its `Content-Length` is an error, not a short response.
    TruncatedBody,
    /// A load balancer's HTML 502 comes back as a response.
    Html502,
    /// A 2 MiB body is refused, or returned whole: never cut silently.
    OversizedBody,
    /// A 307 comes back as a response and is not followed.
    RedirectNotFollowed,
}

impl Scenario {
    /// Every scenario, in the order the kit runs them.
    pub const ALL: &'static [Scenario] = &[
        Scenario::GetUser,
        Scenario::UnlockUser,
        Scenario::UnbanUser,
        Scenario::LockUser,
        Scenario::BanUser,
        Scenario::BanUsers,
        Scenario::UnbanUsers,
        Scenario::RequestUnaltered,
        Scenario::Unauthorized,
        Scenario::ApiVersionInvalid,
        Scenario::BulkSizeExceeded,
        Scenario::NotFound,
        Scenario::PaymentRequired,
        Scenario::Forbidden,
        Scenario::ResourceLocked,
        Scenario::Unprocessable,
        Scenario::InternalServerError,
        Scenario::ServiceUnavailableText,
        Scenario::RateLimited,
        Scenario::Delay,
        Scenario::ResetBeforeHeaders,
        Scenario::ResetAfterHeaders,
        Scenario::TruncatedBody,
        Scenario::Html502,
        Scenario::OversizedBody,
        Scenario::RedirectNotFollowed,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::GetUser => "get_user",
            Self::UnlockUser => "unlock_user",
            Self::UnbanUser => "unban_user",
            Self::LockUser => "lock_user",
            Self::BanUser => "ban_user",
            Self::BanUsers => "ban_users",
            Self::UnbanUsers => "unban_users",
            Self::RequestUnaltered => "request_unaltered",
            Self::Unauthorized => "401_unauthorized",
            Self::ApiVersionInvalid => "400_api_version_invalid",
            Self::BulkSizeExceeded => "400_bulk_size_exceeded",
            Self::NotFound => "404_not_found",
            Self::PaymentRequired => "402_payment_required",
            Self::Forbidden => "403_forbidden",
            Self::ResourceLocked => "409_resource_locked",
            Self::Unprocessable => "422_unprocessable",
            Self::InternalServerError => "500_internal_error",
            Self::ServiceUnavailableText => "503_plain_text",
            Self::RateLimited => "429_rate_limited",
            Self::Delay => "fault_delay",
            Self::ResetBeforeHeaders => "fault_reset_before_headers",
            Self::ResetAfterHeaders => "fault_reset_after_headers",
            Self::TruncatedBody => "fault_truncated_body",
            Self::Html502 => "fault_html_502",
            Self::OversizedBody => "fault_oversized_body",
            Self::RedirectNotFollowed => "fault_redirect_307",
        }
    }

    /// What a conforming transport does.
    pub fn expected(self) -> &'static str {
        match self {
            Self::GetUser => "200 with the seeded user",
            Self::UnlockUser => "200 with the user unlocked, and the emulator's user unlocked",
            Self::UnbanUser => "200 with the user unbanned, and the emulator's user unbanned",
            Self::LockUser => "200 with the user locked, and the emulator's user locked",
            Self::BanUser => "200 with the user banned, and the emulator's user banned",
            Self::BanUsers => "200 with the three users banned, in request order",
            Self::UnbanUsers => "200 with the three users unbanned, in request order",
            Self::RequestUnaltered => "one request with the built method, path, headers and body",
            Self::Unauthorized => "401 with code clerk_key_invalid",
            Self::ApiVersionInvalid => "400 with code api_version_invalid",
            Self::BulkSizeExceeded => "400 with code bulk_size_exceeded",
            Self::NotFound => "404 with code resource_not_found",
            Self::PaymentRequired => "402 with Clerk's code and trace id",
            Self::Forbidden => "403 with code feature_not_enabled",
            Self::ResourceLocked => "409 with code resource_locked",
            Self::Unprocessable => "422 with code form_param_invalid",
            Self::InternalServerError => "500 with code internal_clerk_error",
            Self::ServiceUnavailableText => "503 with the text body byte for byte",
            Self::RateLimited => "429 too_many_requests with Retry-After: 7",
            Self::Delay => "200 after a 150 ms delay",
            Self::ResetBeforeHeaders => "a transport error",
            Self::ResetAfterHeaders => "a transport error",
            Self::TruncatedBody => "a transport error, not a short body",
            Self::Html502 => "502 with the text/html body intact",
            Self::OversizedBody => "a transport error, or the whole 2 MiB body",
            Self::RedirectNotFollowed => "307 with its Location, and exactly one request sent",
        }
    }

    /// Seeds what the scenario needs and builds the request it sends.
    pub(super) fn prepare(self, emulator: &Emulator, config: &ApiConfig) -> Prepared {
        let seeded =
            || UserId::new(emulator.seed_user(None)).expect("the emulator seeds valid ids");
        match self {
            Self::GetUser => {
                let id = seeded();
                expect_user(&GetUser::new(id.clone()), config, move |_, user| {
                    check(user.id == id.as_str(), format!("200 {}", user.id))
                })
            }
            Self::UnlockUser => {
                let id = UserId::new(emulator.seed_locked_user()).expect("valid id");
                expect_flag(&UnlockUser::new(id.clone()), config, id, "locked", false)
            }
            Self::UnbanUser => {
                let id = UserId::new(emulator.seed_banned_user()).expect("valid id");
                expect_flag(&UnbanUser::new(id.clone()), config, id, "banned", false)
            }
            Self::LockUser => {
                let id = seeded();
                expect_flag(&LockUser::new(id.clone()), config, id, "locked", true)
            }
            Self::BanUser => {
                let id = seeded();
                expect_flag(&BanUser::new(id.clone()), config, id, "banned", true)
            }
            Self::BanUsers => {
                let ids: Vec<UserId> = (0..3).map(|_| seeded()).collect();
                let operation = BanUsers::new(ids.clone()).expect("three ids");
                expect_users(&operation, config, ids, true)
            }
            Self::UnbanUsers => {
                let ids: Vec<UserId> = (0..3)
                    .map(|_| UserId::new(emulator.seed_banned_user()).expect("valid id"))
                    .collect();
                let operation = UnbanUsers::new(ids.clone()).expect("three ids");
                expect_users(&operation, config, ids, false)
            }
            Self::RequestUnaltered => {
                let ids = vec![seeded(), seeded()];
                let request = BanUsers::new(ids)
                    .expect("two ids")
                    .build_request(config)
                    .expect("builds");
                let sent = request.clone();
                prepared(request, move |emulator, outcome| {
                    status_of(&outcome)?;
                    let recorded = emulator.requests();
                    let [one] = recorded.as_slice() else {
                        return Err(format!("the emulator saw {} requests", recorded.len()));
                    };
                    let mut differences = Vec::new();
                    if one.method != sent.method() {
                        differences.push(format!("method {}", one.method));
                    }
                    let target = sent.uri().path_and_query().map_or("", |p| p.as_str());
                    if one.path != target {
                        differences.push(format!("path {}", one.path));
                    }
                    for (name, value) in sent.headers() {
                        if one.headers.get(name) != Some(value) {
                            differences.push(format!("header {name} changed or missing"));
                        }
                    }
                    if one.body != *sent.body() {
                        differences.push(format!("body of {} bytes", one.body.len()));
                    }
                    if differences.is_empty() {
                        Ok("one request, unaltered".to_owned())
                    } else {
                        Err(differences.join("; "))
                    }
                })
            }
            Self::Unauthorized => {
                let wrong = ApiConfig::new(
                    SecretKey::new("sk_test_not_the_emulators_key").expect("valid key"),
                )
                .with_base_url(&emulator.base_url())
                .expect("valid url");
                expect_error(&GetUser::new(seeded()), &wrong, 401, "clerk_key_invalid")
            }
            Self::ApiVersionInvalid => {
                let mut request = GetUser::new(seeded())
                    .build_request(config)
                    .expect("builds");
                // Core refuses a malformed version, so the kit writes the header itself.
                request
                    .headers_mut()
                    .insert("clerk-api-version", HeaderValue::from_static("latest"));
                expect_error_for(request, 400, "api_version_invalid")
            }
            Self::BulkSizeExceeded => {
                let mut request = BanUsers::new([seeded()])
                    .expect("one id")
                    .build_request(config)
                    .expect("builds");
                // Core refuses 51 ids, so the kit writes the body itself.
                let ids: Vec<String> = (0..51).map(|i| format!("\"user_{i}\"")).collect();
                *request.body_mut() = format!("{{\"user_ids\":[{}]}}", ids.join(",")).into_bytes();
                expect_error_for(request, 400, "bulk_size_exceeded")
            }
            Self::NotFound => {
                let missing = UserId::new("user_doesnotexist0000000000000").expect("valid id");
                expect_error(&GetUser::new(missing), config, 404, "resource_not_found")
            }
            Self::PaymentRequired => clerk_status(emulator, config, 402, "payment_required"),
            Self::Forbidden => clerk_status(emulator, config, 403, "feature_not_enabled"),
            Self::ResourceLocked => clerk_status(emulator, config, 409, "resource_locked"),
            Self::Unprocessable => clerk_status(emulator, config, 422, "form_param_invalid"),
            Self::InternalServerError => {
                clerk_status(emulator, config, 500, "internal_clerk_error")
            }
            Self::ServiceUnavailableText => {
                let body = "upstream connect error or disconnect/reset before headers";
                emulator.push_fault(Fault::Status {
                    status: 503,
                    body: body.to_owned(),
                    content_type: "text/plain".to_owned(),
                });
                expect_unstructured(
                    &GetUser::new(seeded()),
                    config,
                    503,
                    body.as_bytes().to_vec(),
                )
            }
            Self::RateLimited => {
                emulator.push_fault(Fault::TooManyRequests {
                    retry_after_secs: 7,
                });
                let operation = GetUser::new(seeded());
                let request = operation.build_request(config).expect("builds");
                prepared(request, move |_, outcome| {
                    let error = response_error(&operation, outcome)?;
                    let retry_after = error.retry_after();
                    let got = format!(
                        "{} {:?} retry_after={retry_after:?}",
                        error.status(),
                        error.code()
                    );
                    check(
                        error.is_rate_limited()
                            && error.has_code("too_many_requests")
                            && retry_after == Some(RetryAfter::Delay(Duration::from_secs(7))),
                        got,
                    )
                })
            }
            Self::Delay => {
                emulator.push_fault(Fault::Delay(Duration::from_millis(150)));
                let id = seeded();
                expect_user(&GetUser::new(id.clone()), config, move |_, user| {
                    check(
                        user.id == id.as_str(),
                        format!("200 {} after the delay", user.id),
                    )
                })
            }
            Self::ResetBeforeHeaders => {
                expect_failure(emulator, config, Fault::ResetBeforeHeaders, seeded())
            }
            Self::ResetAfterHeaders => {
                expect_failure(emulator, config, Fault::ResetAfterHeaders, seeded())
            }
            Self::TruncatedBody => expect_failure(emulator, config, Fault::TruncatedBody, seeded()),
            Self::Html502 => {
                emulator.push_fault(Fault::Html502);
                let operation = GetUser::new(seeded());
                let request = operation.build_request(config).expect("builds");
                prepared(request, move |_, outcome| {
                    match response_error(&operation, outcome)? {
                        ResponseError::Unstructured(raw) => {
                            let is_html = raw
                                .content_type
                                .as_deref()
                                .is_some_and(|ct| ct.starts_with("text/html"));
                            let got = format!(
                                "{} {:?}, {} bytes",
                                raw.status,
                                raw.content_type,
                                raw.body.len()
                            );
                            check(
                                raw.status == 502 && is_html && raw.body_text().contains("<html"),
                                got,
                            )
                        }
                        other => Err(format!("not an unstructured 502: {other}")),
                    }
                })
            }
            Self::OversizedBody => {
                const SIZE: usize = 2 * 1024 * 1024;
                emulator.push_fault(Fault::Oversized { bytes: SIZE });
                let request = GetUser::new(seeded())
                    .build_request(config)
                    .expect("builds");
                prepared(request, move |_, outcome| match outcome {
                    Sent::Failed(error) => Ok(format!("refused: {error}")),
                    Sent::Response(response) => check(
                        response.body().len() == SIZE,
                        format!("a {}-byte body", response.body().len()),
                    ),
                })
            }
            Self::RedirectNotFollowed => {
                // The target is the emulator itself: a transport that follows would show up as a
                // second request (and would ban the user).
                let id = seeded();
                let location = format!("{}/v1/users/{}/ban", emulator.base_url(), id);
                emulator.push_fault(Fault::Redirect {
                    location: location.clone(),
                });
                let request = GetUser::new(id.clone())
                    .build_request(config)
                    .expect("builds");
                prepared(request, move |emulator, outcome| {
                    let seen = emulator.request_count();
                    match outcome {
                        Sent::Response(response) => {
                            let got_location = response
                                .headers()
                                .get("location")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("");
                            let got = format!(
                                "{} Location {got_location:?}, {seen} request(s) sent",
                                response.status()
                            );
                            check(
                                response.status() == 307 && got_location == location && seen == 1,
                                got,
                            )
                        }
                        Sent::Failed(error) => Err(format!("a transport error: {error}")),
                    }
                })
            }
        }
    }
}

fn check(ok: bool, got: String) -> Result<String, String> {
    if ok { Ok(got) } else { Err(got) }
}

fn prepared(
    request: clerk_moderation_core::http::Request<Vec<u8>>,
    verify: impl FnOnce(&Emulator, Sent) -> Result<String, String> + Send + 'static,
) -> Prepared {
    Prepared {
        request,
        verify: Box::new(verify),
    }
}

/// The response's status, or the transport's error as the failure.
fn status_of(outcome: &Sent) -> Result<u16, String> {
    match outcome {
        Sent::Response(response) => Ok(response.status().as_u16()),
        Sent::Failed(error) => Err(format!("a transport error: {error}")),
    }
}

fn field(emulator: &Emulator, id: &UserId, key: &str) -> Option<bool> {
    emulator.user(id.as_str())?.get(key)?.as_bool()
}

/// Expects a 200 that parses as a `User`, then runs `then` on it.
fn expect_user<O>(
    operation: &O,
    config: &ApiConfig,
    then: impl FnOnce(&Emulator, User) -> Result<String, String> + Send + 'static,
) -> Prepared
where
    O: Operation<Output = User> + Clone + Send + 'static,
{
    let request = operation.build_request(config).expect("builds");
    let operation = operation.clone();
    prepared(request, move |emulator, outcome| match outcome {
        Sent::Response(response) => match operation.parse_response(response) {
            Ok(user) => then(emulator, user),
            Err(error) => Err(error.to_string()),
        },
        Sent::Failed(error) => Err(format!("a transport error: {error}")),
    })
}

/// Expects a 200 whose user has `flag` (`banned` or `locked`) set to `value`, in the answer
/// and in the emulator's state.
fn expect_flag<O>(
    operation: &O,
    config: &ApiConfig,
    id: UserId,
    flag: &'static str,
    value: bool,
) -> Prepared
where
    O: Operation<Output = User> + Clone + Send + 'static,
{
    expect_user(operation, config, move |emulator, user| {
        let answered = if flag == "banned" {
            user.banned
        } else {
            user.locked
        };
        let stored = field(emulator, &id, flag);
        check(
            answered == value && stored == Some(value),
            format!("200 {flag}={answered} (emulator: {stored:?})"),
        )
    })
}

/// Expects a 200 with the users, in the order of `ids`, all with `banned` as given.
fn expect_users<O>(operation: &O, config: &ApiConfig, ids: Vec<UserId>, banned: bool) -> Prepared
where
    O: Operation<Output = Vec<User>> + Clone + Send + 'static,
{
    let request = operation.build_request(config).expect("builds");
    let operation = operation.clone();
    prepared(request, move |emulator, outcome| match outcome {
        Sent::Response(response) => match operation.parse_response(response) {
            Ok(users) => {
                let in_order = users
                    .iter()
                    .map(|u| u.id.as_str())
                    .eq(ids.iter().map(UserId::as_str));
                let all = users.iter().all(|u| u.banned == banned)
                    && ids
                        .iter()
                        .all(|id| field(emulator, id, "banned") == Some(banned));
                check(
                    in_order && all,
                    format!(
                        "200 with {} users, in order: {in_order}, banned={banned}: {all}",
                        users.len()
                    ),
                )
            }
            Err(error) => Err(error.to_string()),
        },
        Sent::Failed(error) => Err(format!("a transport error: {error}")),
    })
}

/// The response read as an error by `operation`; a success or a transport error fails.
fn response_error<O: Operation>(operation: &O, outcome: Sent) -> Result<ResponseError, String> {
    match outcome {
        Sent::Response(response) => {
            let status = response.status();
            operation
                .parse_response(response)
                .err()
                .ok_or_else(|| format!("a {status} success"))
        }
        Sent::Failed(error) => Err(format!("a transport error: {error}")),
    }
}

/// Expects Clerk's error JSON with this status and code.
fn expect_error<O: Operation>(
    operation: &O,
    config: &ApiConfig,
    status: u16,
    code: &'static str,
) -> Prepared {
    let request = operation.build_request(config).expect("builds");
    expect_error_for(request, status, code)
}

fn expect_error_for(
    request: clerk_moderation_core::http::Request<Vec<u8>>,
    status: u16,
    code: &'static str,
) -> Prepared {
    prepared(request, move |_, outcome| {
        let Sent::Response(response) = outcome else {
            return Err(format!("a transport error: {}", failure_text(outcome)));
        };
        let error = clerk_moderation_core::response_error(&response);
        let got = format!(
            "{} {:?} trace={:?}",
            error.status(),
            error.code(),
            error.clerk_trace_id()
        );
        check(
            matches!(error, ResponseError::Api(_))
                && error.status() == status
                && error.has_code(code),
            got,
        )
    })
}

fn failure_text(outcome: Sent) -> String {
    match outcome {
        Sent::Failed(error) => error,
        Sent::Response(response) => response.status().to_string(),
    }
}

/// Makes the emulator answer `status` with Clerk's error body, and expects it back intact.
fn clerk_status(
    emulator: &Emulator,
    config: &ApiConfig,
    status: u16,
    code: &'static str,
) -> Prepared {
    let body = format!(
        r#"{{"errors":[{{"message":"{code}","long_message":"kit: {code}","code":"{code}","meta":{{}}}}],"clerk_trace_id":"kit_trace_{status}"}}"#
    );
    emulator.push_fault(Fault::Status {
        status,
        body,
        content_type: "application/json".to_owned(),
    });
    let operation = BanUser::new(UserId::new(emulator.seed_user(None)).expect("valid id"));
    let request = operation.build_request(config).expect("builds");
    prepared(request, move |_, outcome| {
        let error = response_error(&operation, outcome)?;
        let trace = format!("kit_trace_{status}");
        let long = error.errors().first().and_then(|e| e.long_message.clone());
        let got = format!(
            "{} {:?} trace={:?}",
            error.status(),
            error.code(),
            error.clerk_trace_id()
        );
        check(
            error.status() == status
                && error.has_code(code)
                && error.clerk_trace_id() == Some(trace.as_str())
                && long.as_deref() == Some(format!("kit: {code}").as_str()),
            got,
        )
    })
}

/// Expects a non-Clerk error body back byte for byte.
fn expect_unstructured<O: Operation + Clone + Send + 'static>(
    operation: &O,
    config: &ApiConfig,
    status: u16,
    body: Vec<u8>,
) -> Prepared {
    let request = operation.build_request(config).expect("builds");
    let operation = operation.clone();
    prepared(request, move |_, outcome| {
        match response_error(&operation, outcome)? {
            ResponseError::Unstructured(raw) => check(
                raw.status == status && raw.body == body,
                format!("{} with {} bytes", raw.status, raw.body.len()),
            ),
            other => Err(format!("not unstructured: {other}")),
        }
    })
}

/// Injects `fault` and expects the transport to report an error.
fn expect_failure(emulator: &Emulator, config: &ApiConfig, fault: Fault, id: UserId) -> Prepared {
    emulator.push_fault(fault);
    let request = GetUser::new(id).build_request(config).expect("builds");
    prepared(request, |_, outcome| match outcome {
        Sent::Failed(error) => Ok(format!("error: {error}")),
        Sent::Response(response) => Err(format!(
            "a {} response with {} body bytes",
            response.status(),
            response.body().len()
        )),
    })
}
