//! The answers a client must not take at its word, over real loopback HTTP, each as a knob of
//! the builder (for the emulator's life) and as a one-shot fault: actions that do not apply,
//! bulk answers with too few or too many users, servers that are not Clerk, Clerk's 500s, and
//! the 400 for a request without `Host`.

use clerk_moderation_conformance::emulator::{BulkAnswer, Emulator, Fault, NotClerk};
use serde_json::Value;

mod emulator_support;
use emulator_support::*;

fn no_limit() -> clerk_moderation_conformance::emulator::EmulatorBuilder {
    Emulator::builder().no_rate_limit()
}

fn field(emulator: &Emulator, id: &str, name: &str) -> Value {
    emulator.user(id).expect("user")[name].clone()
}

#[test]
fn actions_that_answer_200_but_change_nothing() {
    let emulator = no_limit().not_applied().start().unwrap();
    let banned = emulator.seed_banned_user();
    let locked = emulator.seed_locked_user();
    let plain = emulator.seed_user(None);
    let before = emulator.user(&banned).unwrap();

    let resp = call(&emulator, "POST", &format!("/v1/users/{banned}/unban"), b"");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json(), before, "the answer shows the user unchanged");
    assert_eq!(field(&emulator, &banned, "banned"), true);

    let resp = call(
        &emulator,
        "POST",
        &format!("/v1/users/{locked}/unlock"),
        b"",
    );
    assert_eq!(
        (resp.status, &resp.json()["locked"]),
        (200, &Value::Bool(true))
    );
    assert_eq!(field(&emulator, &locked, "locked"), true);
    for action in ["ban", "lock"] {
        let resp = call(
            &emulator,
            "POST",
            &format!("/v1/users/{plain}/{action}"),
            b"",
        );
        assert_eq!(resp.status, 200);
        assert_eq!(resp.json(), emulator.user(&plain).unwrap());
    }
    assert_eq!(field(&emulator, &plain, "banned"), false);
    assert_eq!(field(&emulator, &plain, "locked"), false);

    let ids = vec![banned.clone(), emulator.seed_banned_user()];
    let resp = call(&emulator, "POST", "/v1/users/unban", &bulk_body(&ids));
    assert_eq!(resp.status, 200);
    assert_eq!(ids_of(&resp), ids);
    assert!(every_user(&resp, "banned", &Value::Bool(true)));
    assert!(ids.iter().all(|id| field(&emulator, id, "banned") == true));
    // Unknown users are still 404.
    assert_eq!(
        call(&emulator, "POST", "/v1/users/user_nobody/unban", b"").status,
        404
    );
}

#[test]
fn not_applied_as_a_fault_is_once() {
    let emulator = started();
    let banned = emulator.seed_banned_user();
    emulator.push_fault(Fault::NotApplied);
    let path = format!("/v1/users/{banned}/unban");
    let resp = call(&emulator, "POST", &path, b"");
    assert_eq!(
        (resp.status, &resp.json()["banned"]),
        (200, &Value::Bool(true))
    );
    assert_eq!(field(&emulator, &banned, "banned"), true);
    let resp = call(&emulator, "POST", &path, b"");
    assert_eq!(resp.json()["banned"], false);
    assert_eq!(field(&emulator, &banned, "banned"), false);

    let ids = vec![emulator.seed_user(None), emulator.seed_user(None)];
    emulator.push_fault(Fault::NotApplied);
    let resp = call(&emulator, "POST", "/v1/users/ban", &bulk_body(&ids));
    assert_eq!(ids_of(&resp), ids);
    assert!(ids.iter().all(|id| field(&emulator, id, "banned") == false));
}

#[test]
fn bulk_answers_with_too_few_or_too_many_users() {
    // Applied, answered `[]`.
    let emulator = no_limit().bulk_answer(BulkAnswer::Empty).start().unwrap();
    let ids = vec![emulator.seed_banned_user(), emulator.seed_banned_user()];
    let resp = call(&emulator, "POST", "/v1/users/unban", &bulk_body(&ids));
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, b"[]");
    assert!(ids.iter().all(|id| field(&emulator, id, "banned") == false));

    // Neither applied nor answered.
    let emulator = no_limit()
        .bulk_answer(BulkAnswer::Empty)
        .not_applied()
        .start()
        .unwrap();
    let ids = vec![emulator.seed_banned_user(), emulator.seed_banned_user()];
    let resp = call(&emulator, "POST", "/v1/users/unban", &bulk_body(&ids));
    assert_eq!((resp.status, resp.json()), (200, Value::Array(Vec::new())));
    assert!(ids.iter().all(|id| field(&emulator, id, "banned") == true));

    // One more user than asked for: an existing one, as it is.
    let emulator = no_limit()
        .bulk_answer(BulkAnswer::ExtraExisting)
        .start()
        .unwrap();
    // Someone nobody asks for.
    emulator.seed_user(None);
    let ids = vec![emulator.seed_user(None), emulator.seed_user(None)];
    let resp = call(&emulator, "POST", "/v1/users/ban", &bulk_body(&ids));
    let answered = ids_of(&resp);
    assert_eq!(answered[..2], ids[..]);
    assert_eq!(answered.len(), 3);
    let extra = &answered[2];
    assert!(!ids.contains(extra) && emulator.user(extra).is_some());
    // The first by id of those not asked for.
    assert_eq!(
        extra,
        emulator
            .user_ids()
            .iter()
            .find(|id| !ids.contains(id))
            .unwrap()
    );
    assert_eq!(resp.json()[2], emulator.user(extra).unwrap(), "as it is");
    assert_eq!(field(&emulator, extra, "banned"), false, "not banned by it");
    assert!(ids.iter().all(|id| field(&emulator, id, "banned") == true));

    // One more, made up: no user has its id.
    let emulator = no_limit()
        .bulk_answer(BulkAnswer::ExtraMadeUp)
        .start()
        .unwrap();
    let ids = vec![emulator.seed_user(None)];
    let resp = call(&emulator, "POST", "/v1/users/ban", &bulk_body(&ids));
    let answered = ids_of(&resp);
    assert_eq!(answered.len(), 2);
    assert!(answered[1].starts_with("user_") && emulator.user(&answered[1]).is_none());
    assert_eq!(resp.json()[1]["banned"], true, "it looks banned, as asked");
}

#[test]
fn bulk_answers_as_faults_are_once() {
    let emulator = started();
    let ids = vec![emulator.seed_banned_user(), emulator.seed_banned_user()];
    emulator.push_fault(Fault::BulkAnswer {
        answer: BulkAnswer::Empty,
        applied: false,
    });
    let resp = call(&emulator, "POST", "/v1/users/unban", &bulk_body(&ids));
    assert_eq!(resp.body, b"[]");
    assert!(ids.iter().all(|id| field(&emulator, id, "banned") == true));

    emulator.push_fault(Fault::BulkAnswer {
        answer: BulkAnswer::ExtraMadeUp,
        applied: true,
    });
    let resp = call(&emulator, "POST", "/v1/users/unban", &bulk_body(&ids));
    assert_eq!(ids_of(&resp).len(), 3);
    assert!(ids.iter().all(|id| field(&emulator, id, "banned") == false));

    let resp = call(&emulator, "POST", "/v1/users/ban", &bulk_body(&ids));
    assert_eq!(ids_of(&resp), ids, "the next answer is Clerk's");
}

#[test]
fn answers_that_are_not_clerks() {
    let cases = [
        (NotClerk::Html404, 404, Some("text/html"), "<html>"),
        (NotClerk::Empty404, 404, None, ""),
        (
            NotClerk::Json404,
            404,
            Some("application/json"),
            "{\"message\"",
        ),
        (NotClerk::Html405, 405, Some("text/html"), "<html>"),
        (NotClerk::Empty405, 405, None, ""),
        (
            NotClerk::Json405,
            405,
            Some("application/json"),
            "{\"message\"",
        ),
    ];
    for (kind, status, content_type, body_start) in cases {
        assert_eq!(kind.status(), status);
        // Over a limit of one: the rate limit is Clerk's, and Clerk is not there.
        let emulator = Emulator::builder()
            .rate_limit(1, std::time::Duration::from_secs(60))
            .not_clerk(kind)
            .start()
            .unwrap();
        let banned = emulator.seed_banned_user();
        for (method, path) in [
            ("POST", format!("/v1/users/{banned}/unban")),
            ("GET", format!("/v1/users/{banned}")),
            ("GET", "/v1/users?limit=1".to_owned()),
            ("POST", "/v1/users/unban".to_owned()),
        ] {
            let resp = call(&emulator, method, &path, &[]);
            assert_eq!(resp.status, status, "{kind:?} {method} {path}");
            assert_eq!(resp.header("content-type"), content_type, "{kind:?}");
            assert!(
                String::from_utf8_lossy(&resp.body).starts_with(body_start),
                "{kind:?}"
            );
            assert!(resp.header("clerk-trace-id").is_none());
            if content_type == Some("application/json") {
                assert!(resp.json().get("errors").is_none(), "not Clerk's shape");
            }
        }
        assert_eq!(field(&emulator, &banned, "banned"), true);
        let stats = emulator.stats();
        assert_eq!(
            (stats.requests, stats.rate_limited, stats.peak_window),
            (4, 0, 0)
        );

        let emulator = started();
        emulator.push_fault(Fault::NotClerk(kind));
        let resp = call(&emulator, "GET", "/v1/users/count", b"");
        assert_eq!(resp.status, status);
        assert_eq!(call(&emulator, "GET", "/v1/users/count", b"").status, 200);
    }
}

#[test]
fn clerk_500s_for_the_first_requests_then_service() {
    let emulator = no_limit().fail_first(3).start().unwrap();
    let banned = emulator.seed_banned_user();
    let path = format!("/v1/users/{banned}/unban");
    for _ in 0..3 {
        let resp = call(&emulator, "POST", &path, b"");
        assert_eq!(resp.status, 500);
        assert_eq!(resp.error_code(), "internal_clerk_error");
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(field(&emulator, &banned, "banned"), true, "nothing changes");
    }
    let resp = call(&emulator, "POST", &path, b"");
    assert_eq!(
        (resp.status, &resp.json()["banned"]),
        (200, &Value::Bool(false))
    );

    let emulator = started();
    emulator.push_fault(Fault::ClerkInternalError);
    let resp = call(&emulator, "GET", "/v1/users/count", b"");
    assert_eq!(
        (resp.status, resp.error_code().as_str()),
        (500, "internal_clerk_error")
    );
    assert_eq!(call(&emulator, "GET", "/v1/users/count", b"").status, 200);
}

#[test]
fn a_request_without_one_host_gets_400_and_the_connection_closes() {
    let emulator = started();
    let auth = auth(&emulator);
    let without = format!("GET /v1/users/count HTTP/1.1\r\nAuthorization: {auth}\r\n\r\n");
    let resp = raw_exchange(emulator.addr(), without.as_bytes());
    assert_eq!(resp.status, 400);
    assert_eq!(resp.header("connection"), Some("close"));
    let twice = format!(
        "GET /v1/users/count HTTP/1.1\r\nHost: a\r\nHost: b\r\nAuthorization: {auth}\r\n\r\n"
    );
    assert_eq!(raw_exchange(emulator.addr(), twice.as_bytes()).status, 400);
    // HTTP/1.0 has no such rule.
    let old = format!("GET /v1/users/count HTTP/1.0\r\nAuthorization: {auth}\r\n\r\n");
    assert_eq!(raw_exchange(emulator.addr(), old.as_bytes()).status, 200);
    let with = format!("GET /v1/users/count HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n");
    assert_eq!(raw_exchange(emulator.addr(), with.as_bytes()).status, 200);
    // Received and recorded, never counted as arrivals.
    assert_eq!(emulator.request_count(), 4);
    assert_eq!(emulator.stats().peak_window, 2);
}

#[test]
fn every_answer_has_a_date_header_but_dated_429s() {
    let emulator = started();
    for (method, path) in [("GET", "/v1/users/count"), ("GET", "/v1/users/nobody")] {
        let resp = call(&emulator, method, path, b"");
        let date = resp.header("date").expect("Date");
        assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
    }
    emulator.push_fault(Fault::Html502);
    assert!(
        call(&emulator, "GET", "/v1/users/count", b"")
            .header("date")
            .is_some()
    );
}
