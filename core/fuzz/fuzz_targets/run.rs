//! The moderation run under any sequence of answers, failures and clock moves.
//!
//! The input's first bytes pick the job (action, dry run, bulk, users with repeats, requests in
//! flight, a pace, a deadline); the rest is a script: each byte answers one request in flight
//! (a success that may leave users out or add strangers, a 404, 422, 429, 503, 401, 402, 403,
//! a bulk-size 400, a 500, a body that is not JSON) or fails it (each failure class), or moves
//! the clock. When the script ends, every request still in flight is answered with success.
//!
//! Invariants: it never panics; every distinct id gets exactly one outcome and no stranger
//! gets one; a `done` holds a user that shows the action in effect; no request carries more
//! than 100 ids (50 for a bulk change); after a fatal answer nothing more is sent; the run
//! finishes; a dry run or a get sends only reads.

#![no_main]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use clerk_moderation_core::http::{Method, Request, Response};
use clerk_moderation_core::{
    Action, ApiConfig, AttemptId, Delivery, FailureClass, Instant, Outcome, Pace, RateLimit, Run,
    RunOptions, RunStep, SecretKey, TransportFailure, UserId,
};
use libfuzzer_sys::fuzz_target;
use percent_encoding::percent_decode_str;

/// Reads bytes one at a time; zeros once they run out.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first
            }
            None => 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut script = Script(data);
    let action = Action::ALL[usize::from(script.byte()) % Action::ALL.len()];
    let flags = script.byte();
    let distinct = 1 + usize::from(script.byte()) % 120;
    let repeats = usize::from(script.byte()) % 20;
    let concurrency = 1 + usize::from(script.byte()) % 8;
    let mut ids: Vec<String> = (0..distinct).map(|i| format!("user_f{i:0>26}")).collect();
    let again: Vec<String> = (0..repeats).map(|i| ids[i % distinct].clone()).collect();
    ids.extend(again);
    let mut options = RunOptions::default()
        .with_seed(u64::from(flags))
        .with_dry_run(flags & 1 != 0)
        .with_bulk(flags & 2 == 0)
        .with_concurrency(concurrency)
        .with_user_deadline((flags & 4 != 0).then(|| Duration::from_secs(30)));
    options = if flags & 8 != 0 {
        options.with_rate_limit(RateLimit::new(5, Duration::from_secs(1)))
    } else {
        options.with_pace(Pace::Unlimited)
    };
    let reads_only = options.dry_run() || action == Action::Get;
    let config = ApiConfig::new(SecretKey::new("sk_test_fuzz").unwrap());
    let input: Vec<UserId> = ids.iter().map(|s| UserId::new(s).unwrap()).collect();
    let mut run = Run::new(config, action, input, options);

    let start = Instant::now();
    let mut now = start;
    let mut in_flight: Vec<(AttemptId, Vec<String>)> = Vec::new();
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    let mut stopped_sending = false;
    for _ in 0..100_000 {
        let step = run.poll(now);
        for outcome in run.take_outcomes() {
            if let Outcome::Done(user) = &outcome.outcome {
                assert!(
                    action.is_in_effect(user),
                    "done without the action in effect"
                );
            }
            *outcomes.entry(outcome.user_id.to_string()).or_default() += 1;
        }
        match step {
            RunStep::Send {
                attempt, request, ..
            } => {
                assert!(!stopped_sending, "a request went out after the run stopped");
                let carried = ids_of(&request);
                let bulk_change = request.method() == Method::POST && carried.len() > 1;
                assert!(carried.len() <= if bulk_change { 50 } else { 100 });
                if reads_only {
                    assert_eq!(
                        request.method(),
                        Method::GET,
                        "a dry run or get changed users"
                    );
                }
                in_flight.push((attempt, carried));
            }
            RunStep::Wait { until, .. } => {
                if script.is_empty() {
                    // Out of script: answer everything with success, or move to the next time.
                    if let Some((attempt, carried)) = in_flight.pop() {
                        run.on_response(
                            attempt,
                            users(&carried, &[], false, action),
                            now,
                            wall(start, now),
                        );
                    } else if let Some(until) = until {
                        now = now.max(until);
                    }
                    continue;
                }
                let byte = script.byte();
                if in_flight.is_empty() || byte >= 240 {
                    // Move the clock: to when the run asked, or by up to 15 s.
                    now = match until {
                        Some(until) if byte % 2 == 0 => now.max(until),
                        _ => now + Duration::from_millis(u64::from(byte) * 60),
                    };
                    continue;
                }
                let (attempt, carried) = in_flight.swap_remove(usize::from(byte) % in_flight.len());
                let detail = script.byte();
                match byte % 16 {
                    0..=5 => {
                        // Every other answer shows the action in effect; the others, unchanged.
                        let shown = if detail & 8 != 0 { action } else { Action::Get };
                        let answer = users(&carried, &[detail], detail % 3 == 0, shown);
                        run.on_response(attempt, answer, now, wall(start, now))
                    }
                    6 => run.on_response(
                        attempt,
                        error(404, "resource_not_found", None),
                        now,
                        wall(start, now),
                    ),
                    7 => run.on_response(
                        attempt,
                        error(422, "form_param_format_invalid", None),
                        now,
                        wall(start, now),
                    ),
                    8 => run.on_response(
                        attempt,
                        error(
                            429,
                            "too_many_requests",
                            Some(
                                ["0", "1", "86400", "Thu, 01 Jan 2037 00:00:05 GMT"]
                                    [usize::from(detail) % 4],
                            ),
                        ),
                        now,
                        wall(start, now),
                    ),
                    9 => run.on_response(attempt, plain(503, b""), now, wall(start, now)),
                    10 => {
                        let (status, code) = [
                            (401, "clerk_key_invalid"),
                            (402, "payment_required"),
                            (403, "feature_not_enabled"),
                            (400, "api_version_invalid"),
                            (400, "bulk_size_exceeded"),
                            (409, "resource_locked"),
                        ][usize::from(detail) % 6];
                        let fatal = matches!(status, 401..=403) || code == "api_version_invalid";
                        run.on_response(attempt, error(status, code, None), now, wall(start, now));
                        if fatal {
                            stopped_sending = true;
                        }
                    }
                    // A 500 page, or a 404 or 405 page: not Clerk at all (which may stop the run).
                    11 => {
                        let status = [500, 404, 405][usize::from(detail) % 3];
                        run.on_response(
                            attempt,
                            plain(status, b"<html>oops</html>"),
                            now,
                            wall(start, now),
                        )
                    }
                    12 => run.on_response(attempt, plain(200, &[detail; 7]), now, wall(start, now)),
                    _ => {
                        let delivery = [Delivery::NotSent, Delivery::MaybeSent, Delivery::Sent]
                            [usize::from(detail) % 3];
                        let transient = detail & 4 != 0;
                        if delivery == Delivery::NotSent && !transient {
                            stopped_sending = true;
                        }
                        let class = FailureClass::new(delivery, transient);
                        let failure =
                            TransportFailure::new(class, std::io::Error::other("fuzzed failure"));
                        run.on_transport_error(attempt, failure, now);
                    }
                }
                if run.stopped().is_some() {
                    stopped_sending = true;
                }
            }
            RunStep::Finished => break,
        }
    }
    assert!(run.is_finished(), "the run did not finish");
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(outcomes.len(), distinct.len(), "a user without an outcome");
    for (id, count) in &outcomes {
        assert!(distinct.contains(id), "an outcome for a stranger: {id}");
        assert_eq!(*count, 1, "{id} got {count} outcomes");
    }
});

/// The user ids a request carries.
fn ids_of(request: &Request<Vec<u8>>) -> Vec<String> {
    let path = request.uri().path();
    let decode = |s: &str| percent_decode_str(s).decode_utf8().unwrap().into_owned();
    if path == "/v1/users/ban" || path == "/v1/users/unban" {
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        return body["user_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
    }
    if path == "/v1/users" {
        return request
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .filter_map(|pair| pair.strip_prefix("user_id="))
            .map(decode)
            .collect();
    }
    let segment = path
        .strip_prefix("/v1/users/")
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    vec![decode(segment)]
}

/// The wall clock the driver hands in with an answer.
fn wall(start: Instant, now: Instant) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(2_100_000_000) + now.duration_since(start)
}

/// A 200 with the users carried (one object for a single-user path), leaving out the ones
/// `drop` picks and, if `stranger`, adding one nobody asked for; each as `shown` leaves them
/// (`Get`: neither banned nor locked).
fn users(carried: &[String], drop: &[u8], stranger: bool, shown: Action) -> Response<Vec<u8>> {
    let banned = shown == Action::Ban;
    let locked = shown == Action::Lock;
    let keep = |i: usize| !drop.iter().any(|d| usize::from(*d) % 64 == i && *d != 0);
    let mut objects: Vec<String> = carried
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, id)| {
            format!(r#"{{"id":"{id}","object":"user","banned":{banned},"locked":{locked}}}"#)
        })
        .collect();
    if stranger {
        objects.push(r#"{"id":"user_stranger","object":"user"}"#.to_owned());
    }
    let body = if carried.len() == 1 && !stranger && objects.len() == 1 {
        // A single-user answer is an object; a list answer an array. A run tells them apart by
        // what it asked, so sending an array here is a decode failure it must survive too.
        objects.remove(0)
    } else {
        format!("[{}]", objects.join(","))
    };
    Response::builder()
        .status(200)
        .body(body.into_bytes())
        .unwrap()
}

fn error(status: u16, code: &str, retry_after: Option<&str>) -> Response<Vec<u8>> {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(seconds) = retry_after {
        builder = builder.header("retry-after", seconds);
    }
    let body = format!(r#"{{"errors":[{{"message":"m","code":"{code}"}}],"clerk_trace_id":"t"}}"#);
    builder.body(body.into_bytes()).unwrap()
}

fn plain(status: u16, body: &[u8]) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.to_vec())
        .unwrap()
}
