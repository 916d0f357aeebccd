//! A simulated Clerk and a simulated clock that drive a [`Run`] the way a real driver does, and
//! check its rules as it goes: no sockets, no sleeping, 100 000 users in well under a second.
//!
//! The server's request decoding is written here, apart from the core's builders, so that a bug
//! in a builder shows up as a wrong request instead of cancelling itself out.

#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::time::{Duration, SystemTime};

use clerk_moderation_core::http::{Method, Request, Response};
use clerk_moderation_core::{
    Action, AttemptId, Delivery, FailureClass, Instant, Outcome, OutcomeKind, RateLimit, Run,
    RunStep, TransportFailure, UserOutcome,
};
use percent_encoding::percent_decode_str;

/// How long a [`Faults::slow`] answer takes.
pub const SLOW: Duration = Duration::from_secs(100);

/// When a blocking transport gives up on a server that never answers (the built-in ones' own
/// whole-call timeout).
pub const TRANSPORT_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server does with a bulk request that names unknown users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkUnknown {
    /// 404, and nothing changes.
    Reject,
    /// The known users are acted on; the unknown are left out of the answer.
    Skip,
}

/// Faults the server injects, each with a probability per request.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// 429 with `Retry-After: 1` (the run should pause).
    pub rate_limited: f64,
    /// 503 with no body (retryable).
    pub unavailable: f64,
    /// No answer at all (the driver gives up at the deadline).
    pub silent: f64,
    /// A reset: a transport failure that may have been sent.
    pub reset: f64,
    /// A normal answer that takes 100 s to arrive (past most deadlines).
    pub slow: f64,
    /// From this request on (0-based), every answer is 401 `clerk_key_invalid`.
    pub unauthorized_from: Option<u64>,
    /// Answers a 200 to this request (0-based) but the transport fails before it arrives.
    pub applied_then_lost: Option<u64>,
    /// An action answered 200 that does not apply the change: the user comes back unchanged.
    pub not_applied: f64,
    /// A bulk action applied, answered `200 []`.
    pub left_out: f64,
    /// A bulk action answered 200 with a user nobody asked for among the asked ones.
    pub extra_user: f64,
    /// A 500 in Clerk's shape (nothing applied).
    pub clerk_500: f64,
    /// Every answer is an HTML 404 (a wrong base URL behind a proxy).
    pub not_clerk: bool,
    /// 429s carry an HTTP-date `Retry-After` (2 s ahead of the server's clock) and no `Date`.
    pub retry_after_date: bool,
}

/// A user on the simulated server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimUser {
    pub banned: bool,
    pub locked: bool,
}

/// The simulated server.
pub struct SimServer {
    pub users: HashMap<String, SimUser>,
    pub bulk_unknown: BulkUnknown,
    pub faults: Faults,
    pub latency: Duration,
    /// Each request's latency is `latency` plus up to this much more, at random; it arrives at
    /// a random point between its send and its answer.
    pub latency_spread: Duration,
    /// The server's own rate limit, checked over a sliding window of arrivals.
    pub limit: Option<RateLimit>,
    /// Another client of the same key: this many arrivals per window, evenly spread.
    pub neighbour: Option<RateLimit>,
    /// When each of the run's requests arrived, in the order sent.
    pub arrivals: Vec<Instant>,
    /// The latency of the request handled last.
    pub last_latency: Duration,
    /// 429s answered.
    pub rate_limited: u64,
    /// When each 429 was answered (at the request's arrival).
    pub rate_limited_at: Vec<Instant>,
    start: Option<Instant>,
    requests: u64,
    rng: u64,
    /// Times each user was changed (ban/unban/lock/unlock applied).
    pub changes: HashMap<String, u32>,
    /// Every user body of every realistic answer, padded to this many bytes (0: minimal).
    pub user_padding: usize,
    /// The users of every request the server never answered.
    pub silenced: HashSet<String>,
}

/// What the server does with one request.
pub enum Reply {
    Answer(Response<Vec<u8>>),
    /// An answer that arrives after [`SLOW`] instead of the latency.
    Slow(Response<Vec<u8>>),
    Fail(TransportFailure),
    Silent,
}

impl SimServer {
    pub fn new(users: impl IntoIterator<Item = (String, SimUser)>, seed: u64) -> Self {
        Self {
            users: users.into_iter().collect(),
            bulk_unknown: BulkUnknown::Reject,
            faults: Faults::default(),
            latency: Duration::from_millis(20),
            latency_spread: Duration::ZERO,
            limit: None,
            neighbour: None,
            arrivals: Vec::new(),
            last_latency: Duration::from_millis(20),
            rate_limited: 0,
            rate_limited_at: Vec::new(),
            start: None,
            requests: 0,
            rng: seed,
            changes: HashMap::new(),
            user_padding: 0,
            silenced: HashSet::new(),
        }
    }

    fn random(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Handles a request sent at `now`: picks its latency ([`SimServer::last_latency`]) and
    /// the moment it arrives, and answers as Clerk would at that moment.
    pub fn handle(&mut self, request: &Request<Vec<u8>>, now: Instant) -> Reply {
        let start = *self.start.get_or_insert(now);
        let n = self.requests;
        self.requests += 1;
        self.last_latency = self.latency + self.latency_spread.mul_f64(self.random());
        let arrival = now + self.last_latency.mul_f64(self.random());
        self.arrivals.push(arrival);
        if self.faults.unauthorized_from.is_some_and(|from| n >= from) {
            return Reply::Answer(clerk_error(401, "clerk_key_invalid", None));
        }
        if self.faults.not_clerk {
            return Reply::Answer(
                Response::builder()
                    .status(404)
                    .header("content-type", "text/html")
                    .body(b"<html><body>404 Not Found</body></html>".to_vec())
                    .unwrap(),
            );
        }
        if let Some(limit) = self.limit {
            let in_window = |t: &Instant| *t <= arrival && arrival.duration_since(*t) < limit.per;
            let ours = self.arrivals.iter().filter(|t| in_window(t)).count();
            // The neighbour has been at it long before the run: its share of any window is
            // the arrivals of its even spacing that fall in it.
            let theirs = self.neighbour.map_or(0, |n| {
                let gap = n.per.as_secs_f64() / f64::from(n.requests);
                let since = arrival.duration_since(start).as_secs_f64() + 1e6;
                let upto = |t: f64| (t / gap).floor() as i64;
                (upto(since) - upto(since - limit.per.as_secs_f64())) as usize
            });
            if ours + theirs > limit.requests as usize {
                self.rate_limited += 1;
                self.rate_limited_at.push(arrival);
                return Reply::Answer(self.too_many(arrival));
            }
        }
        let roll = self.random();
        let f = self.faults.clone();
        if roll < f.rate_limited {
            self.rate_limited += 1;
            return Reply::Answer(self.too_many(arrival));
        }
        if roll < f.rate_limited + f.unavailable {
            return Reply::Answer(Response::builder().status(503).body(Vec::new()).unwrap());
        }
        if roll < f.rate_limited + f.unavailable + f.silent {
            self.silenced.extend(ids_of(request));
            return Reply::Silent;
        }
        if roll < f.rate_limited + f.unavailable + f.silent + f.reset {
            return Reply::Fail(TransportFailure::new(
                FailureClass::new(Delivery::MaybeSent, true),
                std::io::Error::from(std::io::ErrorKind::ConnectionReset),
            ));
        }
        // The first roll fell past every fault above: below this, the answer is slow.
        let slow = roll < f.rate_limited + f.unavailable + f.silent + f.reset + f.slow;
        let roll = self.random();
        if roll < f.clerk_500 {
            return Reply::Answer(clerk_error(500, "internal_clerk_error", None));
        }
        let quirk = if roll < f.clerk_500 + f.not_applied {
            Quirk::NotApplied
        } else if roll < f.clerk_500 + f.not_applied + f.left_out {
            Quirk::LeftOut
        } else if roll < f.clerk_500 + f.not_applied + f.left_out + f.extra_user {
            Quirk::ExtraUser
        } else {
            Quirk::None
        };
        let answer = self.answer(request, quirk);
        if slow {
            return Reply::Slow(answer);
        }
        if self.faults.applied_then_lost == Some(n) {
            return Reply::Fail(TransportFailure::new(
                FailureClass::new(Delivery::MaybeSent, true),
                std::io::Error::from(std::io::ErrorKind::ConnectionReset),
            ));
        }
        Reply::Answer(answer)
    }

    /// A 429, its `Retry-After` in seconds or (with [`Faults::retry_after_date`]) as a date
    /// on the server's wall clock with no `Date` header.
    fn too_many(&self, arrival: Instant) -> Response<Vec<u8>> {
        if !self.faults.retry_after_date {
            return clerk_error(429, "too_many_requests", Some("1"));
        }
        let start = self.start.expect("set by handle");
        let at = wall(start, arrival) + Duration::from_secs(2);
        let date = httpdate::fmt_http_date(at);
        clerk_error(429, "too_many_requests", Some(&date))
    }

    /// The answer Clerk would give, applying the change (or misbehaving as `quirk` says).
    fn answer(&mut self, request: &Request<Vec<u8>>, quirk: Quirk) -> Response<Vec<u8>> {
        let path = request.uri().path();
        let rest = path
            .strip_prefix("/v1/users")
            .expect("every request goes under /v1/users");
        match (request.method(), rest) {
            (&Method::POST, "/ban") | (&Method::POST, "/unban") => {
                let ids = bulk_ids(request.body());
                assert!(
                    (1..=50).contains(&ids.len()),
                    "a bulk request carried {} ids",
                    ids.len()
                );
                let unknown = ids.iter().any(|id| !self.users.contains_key(id));
                if unknown && self.bulk_unknown == BulkUnknown::Reject {
                    return clerk_error(404, "resource_not_found", None);
                }
                let action = if rest == "/ban" {
                    Action::Ban
                } else {
                    Action::Unban
                };
                let applied = if quirk == Quirk::NotApplied {
                    Action::Get
                } else {
                    action
                };
                let mut users: Vec<String> = ids
                    .iter()
                    .filter_map(|id| self.apply(id, applied))
                    .collect();
                match quirk {
                    Quirk::LeftOut => users.clear(),
                    Quirk::ExtraUser => {
                        users.push(
                            r#"{"id":"user_nobody_asked","banned":false,"locked":false}"#
                                .to_owned(),
                        );
                    }
                    _ => {}
                }
                json_array(&users)
            }
            (&Method::GET, "") => {
                let ids = ids_of(request);
                assert!(ids.len() <= 100, "a read asked for {} ids", ids.len());
                let users: Vec<String> = ids
                    .iter()
                    .filter_map(|id| self.apply(id, Action::Get))
                    .collect();
                json_array(&users)
            }
            (method, rest) => {
                let mut parts = rest.trim_start_matches('/').splitn(2, '/');
                let id = percent_decode_str(parts.next().unwrap())
                    .decode_utf8()
                    .unwrap()
                    .into_owned();
                let action = match (method, parts.next()) {
                    (&Method::GET, None) => Action::Get,
                    (&Method::POST, Some("ban")) => Action::Ban,
                    (&Method::POST, Some("unban")) => Action::Unban,
                    (&Method::POST, Some("lock")) => Action::Lock,
                    (&Method::POST, Some("unlock")) => Action::Unlock,
                    other => panic!("unexpected request {other:?}"),
                };
                let action = if quirk == Quirk::NotApplied && action.changes_users() {
                    Action::Get
                } else {
                    action
                };
                match self.apply(&id, action) {
                    Some(user) => Response::builder()
                        .status(200)
                        .body(user.into_bytes())
                        .unwrap(),
                    None => clerk_error(404, "resource_not_found", None),
                }
            }
        }
    }

    /// Applies `action` to a user and returns its JSON, or `None` when it does not exist.
    fn apply(&mut self, id: &str, action: Action) -> Option<String> {
        let user = self.users.get_mut(id)?;
        match action {
            Action::Ban => user.banned = true,
            Action::Unban => user.banned = false,
            Action::Lock => user.locked = true,
            Action::Unlock => user.locked = false,
            _ => {}
        }
        let user = *user;
        if action.changes_users() {
            *self.changes.entry(id.to_owned()).or_default() += 1;
        }
        let mut json = format!(
            r#"{{"id":"{id}","object":"user","banned":{},"locked":{}"#,
            user.banned, user.locked
        );
        if self.user_padding > json.len() + 20 {
            let pad = self.user_padding - json.len() - 20;
            json.push_str(r#","public_metadata":{"p":""#);
            json.extend(std::iter::repeat_n('x', pad));
            json.push_str(r#""}"#);
        }
        json.push('}');
        Some(json)
    }
}

/// How an answer misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quirk {
    None,
    NotApplied,
    LeftOut,
    ExtraUser,
}

/// The simulated wall clock at `now`, for a run that started at `start`.
pub fn wall(start: Instant, now: Instant) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000) + now.duration_since(start)
}

fn bulk_ids(body: &[u8]) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_slice(body).expect("a JSON bulk body");
    value["user_ids"]
        .as_array()
        .expect("user_ids")
        .iter()
        .map(|v| v.as_str().expect("string ids").to_owned())
        .collect()
}

fn json_array(users: &[String]) -> Response<Vec<u8>> {
    let mut body = Vec::with_capacity(users.iter().map(|u| u.len() + 1).sum::<usize>() + 2);
    body.push(b'[');
    for (i, user) in users.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(user.as_bytes());
    }
    body.push(b']');
    Response::builder().status(200).body(body).unwrap()
}

pub fn clerk_error(status: u16, code: &str, retry_after: Option<&str>) -> Response<Vec<u8>> {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(seconds) = retry_after {
        builder = builder.header("retry-after", seconds);
    }
    let body = format!(
        r#"{{"errors":[{{"message":"{code}","long_message":"{code}","code":"{code}"}}],"clerk_trace_id":"trace_{status}"}}"#
    );
    builder.body(body.into_bytes()).unwrap()
}

/// What a simulated run did, for the checks.
pub struct Record {
    pub outcomes: Vec<UserOutcome>,
    /// When each outcome was taken from the run, and its place in the order of events.
    pub outcome_times: Vec<(Instant, u64)>,
    /// Every request sent: when, its place in the order of events, and the ids it carried.
    pub sent: Vec<(Instant, u64, Vec<String>)>,
    /// The place in the order of events of the first fatal answer's delivery, if any.
    pub fatal_delivered_at: Option<u64>,
    pub start: Instant,
    pub end: Instant,
    pub polls: u64,
}

/// How the simulated driver reports an attempt whose deadline passed before its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LateAnswers {
    /// Cut it at the deadline, as the async client does.
    CutAtDeadline,
    /// Deliver it whenever it comes, as a blocking transport would; a server that never
    /// answers is given up on at the transport's timeout ([`TRANSPORT_TIMEOUT`]).
    DeliverLate,
}

/// Drives `run` against `server` on a simulated clock until it finishes. Panics if the run
/// would hang (waits for nothing with nothing in flight) or runs too long.
pub fn drive(run: &mut Run, server: &mut SimServer, late: LateAnswers) -> Record {
    let start = Instant::now();
    let mut now = start;
    // (time, sequence, attempt, reply); `sequence` keeps equal times in send order.
    let mut pending: BinaryHeap<Reverse<(Instant, u64, AttemptId)>> = BinaryHeap::new();
    let mut replies: HashMap<AttemptId, Reply> = HashMap::new();
    let mut deadlines: HashMap<AttemptId, Instant> = HashMap::new();
    let mut sequence = 0;
    // Orders sends and outcomes that share an instant.
    let mut event: u64 = 0;
    let mut record = Record {
        outcomes: Vec::new(),
        outcome_times: Vec::new(),
        sent: Vec::new(),
        fatal_delivered_at: None,
        start,
        end: start,
        polls: 0,
    };
    let never = start + Duration::from_secs(365 * 24 * 3600);
    loop {
        record.polls += 1;
        assert!(record.polls < 50_000_000, "the run does not end");
        let step = run.poll(now);
        for outcome in run.take_outcomes() {
            record.outcomes.push(outcome);
            event += 1;
            record.outcome_times.push((now, event));
        }
        match step {
            RunStep::Send {
                attempt,
                request,
                deadline,
            } => {
                let ids = ids_of(&request);
                event += 1;
                record.sent.push((now, event, ids));
                let reply = server.handle(&request, now);
                let at = match reply {
                    // A blocking driver gives up on a silent server when its transport times
                    // out; an async one cuts the request at its deadline.
                    Reply::Silent if late == LateAnswers::DeliverLate => now + TRANSPORT_TIMEOUT,
                    Reply::Silent => never,
                    Reply::Slow(_) => now + SLOW,
                    _ => now + server.last_latency,
                };
                let at = match (late, deadline) {
                    (LateAnswers::CutAtDeadline, Some(d)) if d < at => {
                        deadlines.insert(attempt, d);
                        d
                    }
                    _ => at,
                };
                sequence += 1;
                pending.push(Reverse((at, sequence, attempt)));
                replies.insert(attempt, reply);
            }
            RunStep::Wait { until, .. } => {
                let next_answer = pending.peek().map(|Reverse((t, ..))| *t);
                let next = match (until, next_answer) {
                    (Some(a), Some(b)) => a.min(b),
                    (a, b) => a.or(b).expect("the run waits for nothing: it would hang"),
                };
                assert!(next < never, "the run waits for an answer that never comes");
                let answer_due = next_answer.is_some_and(|t| t <= next);
                assert!(
                    next > now || answer_due,
                    "the run asks to wait until {:?} ago: it would spin",
                    now.duration_since(next)
                );
                now = now.max(next);
                while let Some(Reverse((at, _, attempt))) = pending.peek().copied() {
                    if at > now {
                        break;
                    }
                    pending.pop();
                    let reply = replies.remove(&attempt).expect("one reply per attempt");
                    if deadlines.remove(&attempt).is_some() {
                        run.on_transport_error(attempt, TransportFailure::deadline_reached(), now);
                        continue;
                    }
                    // Outcomes the answer settles are taken at the next poll, after it.
                    match reply {
                        Reply::Answer(response) | Reply::Slow(response) => {
                            let fatal = response.status() == 401;
                            run.on_response(attempt, response, now, wall(start, now));
                            if fatal && record.fatal_delivered_at.is_none() {
                                event += 1;
                                record.fatal_delivered_at = Some(event);
                            }
                        }
                        Reply::Fail(failure) => run.on_transport_error(attempt, failure, now),
                        Reply::Silent => {
                            let timeout = TransportFailure::new(
                                FailureClass::new(Delivery::MaybeSent, true),
                                std::io::Error::from(std::io::ErrorKind::TimedOut),
                            );
                            run.on_transport_error(attempt, timeout, now);
                        }
                    }
                }
            }
            RunStep::Finished => break,
        }
    }
    record.end = now;
    record
}

/// The user ids a request carries, decoded by hand.
pub fn ids_of(request: &Request<Vec<u8>>) -> Vec<String> {
    let path = request.uri().path();
    if path == "/v1/users/ban" || path == "/v1/users/unban" {
        return bulk_ids(request.body());
    }
    if path == "/v1/users" {
        return request
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .filter_map(|pair| pair.strip_prefix("user_id="))
            .map(|v| percent_decode_str(v).decode_utf8().unwrap().into_owned())
            .collect();
    }
    let segment = path
        .strip_prefix("/v1/users/")
        .and_then(|rest| rest.split('/').next())
        .expect("a user path");
    vec![
        percent_decode_str(segment)
            .decode_utf8()
            .unwrap()
            .into_owned(),
    ]
}

/// Checks the rules every run keeps, whatever happened. Returns the outcome count by kind.
pub fn check_invariants(
    record: &Record,
    input: &[String],
    limit: Option<RateLimit>,
    user_deadline: Option<Duration>,
) -> HashMap<OutcomeKind, usize> {
    // Exactly one outcome per distinct id, and none for anything else.
    let distinct: HashSet<&str> = input.iter().map(String::as_str).collect();
    let mut seen = HashSet::new();
    for outcome in &record.outcomes {
        let id = outcome.user_id.as_str();
        assert!(
            distinct.contains(id),
            "an outcome for {id}, which was not asked for"
        );
        assert!(seen.insert(id), "a second outcome for {id}");
    }
    assert_eq!(seen.len(), distinct.len(), "some users have no outcome");

    // No request carries an id after its outcome.
    let finished_at: HashMap<&str, (Instant, u64)> = record
        .outcomes
        .iter()
        .zip(&record.outcome_times)
        .map(|(o, t)| (o.user_id.as_str(), *t))
        .collect();
    let mut first_sent: HashMap<&str, Instant> = HashMap::new();
    for (at, event, ids) in &record.sent {
        assert!(ids.len() <= 100, "a request carried {} ids", ids.len());
        for id in ids {
            let (_, done) = finished_at[id.as_str()];
            assert!(*event < done, "{id} was sent after its outcome");
            first_sent.entry(id.as_str()).or_insert(*at);
        }
    }

    // Never more than the limit in any window.
    if let Some(limit) = limit {
        let times: Vec<Instant> = record.sent.iter().map(|(t, ..)| *t).collect();
        let n = limit.requests as usize;
        for window in times.windows(n + 1) {
            assert!(
                window[n].duration_since(window[0]) >= limit.per,
                "{} requests within {:?}",
                n + 1,
                window[n].duration_since(window[0])
            );
        }
    }

    // No user's attempts and waits pass its deadline.
    if let Some(deadline) = user_deadline {
        for (at, _, ids) in &record.sent {
            for id in ids {
                let first = first_sent[id.as_str()];
                assert!(
                    *at < first + deadline,
                    "{id} was sent again past its deadline"
                );
            }
        }
        for (outcome, (at, _)) in record.outcomes.iter().zip(&record.outcome_times) {
            if let Some(first) = first_sent.get(outcome.user_id.as_str()) {
                assert!(
                    *at <= *first + deadline,
                    "{} ended {:?} after its first request",
                    outcome.user_id,
                    at.duration_since(*first)
                );
            }
        }
    }

    // After a fatal answer, nothing is sent.
    if let Some(fatal) = record.fatal_delivered_at {
        assert!(
            record.sent.iter().all(|(_, event, _)| *event < fatal),
            "a request went out after the fatal answer"
        );
    }

    let mut counts = HashMap::new();
    for outcome in &record.outcomes {
        *counts.entry(outcome.outcome.kind()).or_default() += 1;
        // Not attempted means no request carried the user.
        if let Outcome::NotAttempted(_) = outcome.outcome {
            assert!(
                !first_sent.contains_key(outcome.user_id.as_str()),
                "{} is not attempted, yet a request carried it",
                outcome.user_id
            );
        }
    }
    counts
}

/// `n` ids like Clerk's: `user_` and 27 characters.
pub fn user_ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user_{prefix}{i:0>20}")).collect()
}

/// Checks that no window of `limit.per` at the server saw more than `limit.requests` of the
/// run's arrivals, whatever their latency.
pub fn check_arrivals(server: &SimServer, limit: RateLimit) {
    let mut arrivals = server.arrivals.clone();
    arrivals.sort_unstable();
    let n = limit.requests as usize;
    for window in arrivals.windows(n + 1) {
        assert!(
            window[n].duration_since(window[0]) >= limit.per,
            "{} arrivals at the server within {:?}",
            n + 1,
            window[n].duration_since(window[0])
        );
    }
}

/// Checks that every outcome agrees with the server's state at the end: a `done` user shows
/// the action in effect, a `not_found` user is unknown to the server, and a dry run's
/// `unchanged` / `would_change` said the truth and changed nothing.
pub fn check_against_server(record: &Record, server: &SimServer, action: Action) {
    for outcome in &record.outcomes {
        let id = outcome.user_id.as_str();
        let state = server.users.get(id);
        let in_effect = |user: &SimUser| match action {
            Action::Ban => user.banned,
            Action::Unban => !user.banned,
            Action::Lock => user.locked,
            Action::Unlock => !user.locked,
            _ => true,
        };
        match &outcome.outcome {
            Outcome::Done(user) => {
                let state =
                    state.unwrap_or_else(|| panic!("{id} is done but unknown to the server"));
                assert!(
                    in_effect(state),
                    "{id} is done, but the server shows {state:?}"
                );
                assert!(
                    action.is_in_effect(user),
                    "{id} is done on an answer without the action"
                );
            }
            Outcome::NotFound(_) => {
                assert!(
                    state.is_none(),
                    "{id} is not found, yet the server knows it"
                )
            }
            Outcome::Unchanged(_) => assert!(state.is_some_and(in_effect), "{id} unchanged"),
            Outcome::WouldChange(_) => {
                assert!(state.is_some_and(|s| !in_effect(s)), "{id} would change")
            }
            _ => {}
        }
    }
}
