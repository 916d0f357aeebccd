//! The rate limit as Clerk counts it, over real loopback HTTP: a sliding window of arrivals
//! per key, `Retry-After` until the window has room, the counts the emulator reports (library,
//! `GET /_emulator/stats`), a neighbour that spends the same budget, and dated `Retry-After`s
//! without a `Date` header.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clerk_moderation_conformance::emulator::{Emulator, EmulatorBuilder, Fault, RetryAfter};

mod emulator_support;
use emulator_support::*;

/// An emulator and one kept-alive connection to it that carries its key.
struct Caller {
    emulator: Emulator,
    client: Client,
    auth: String,
}

impl Caller {
    fn start(builder: EmulatorBuilder) -> Self {
        let emulator = builder.start().unwrap();
        Self {
            client: Client::connect(&emulator),
            auth: auth(&emulator),
            emulator,
        }
    }

    /// One authenticated `GET /v1/users/count`.
    fn count(&mut self) -> Resp {
        self.client.request(
            "GET",
            "/v1/users/count",
            &[("Authorization", &self.auth)],
            b"",
        )
    }

    fn statuses(&mut self, n: usize) -> Vec<u16> {
        (0..n).map(|_| self.count().status).collect()
    }
}

fn retry_after_secs(resp: &Resp) -> u64 {
    resp.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After in whole seconds")
}

#[test]
fn a_limits_worth_is_admitted_and_the_next_waits_until_the_window_has_room() {
    let per = Duration::from_secs(4);
    let mut caller = Caller::start(Emulator::builder().rate_limit(5, per));
    let first = Instant::now();
    assert_eq!(caller.statuses(5), [200; 5]);
    let refused = caller.count();
    assert_eq!(refused.status, 429);
    assert_eq!(refused.error_code(), "too_many_requests");
    // Room comes when the second arrival leaves: `per` after it, so about 4 s from now.
    let wait = retry_after_secs(&refused);
    let room = per.saturating_sub(first.elapsed());
    let expected = room.as_secs() + u64::from(room.subsec_nanos() > 0);
    assert!(
        wait.abs_diff(expected) <= 1 && (1..=4).contains(&wait),
        "Retry-After {wait}, expected about {expected}"
    );

    let emulator = &caller.emulator;
    let stats = emulator.stats();
    assert_eq!(stats.requests, 6);
    assert_eq!(stats.rate_limited, 1);
    // The refused arrival counts: six arrivals in one window.
    assert_eq!(stats.peak_window, 6);
    assert_eq!(emulator.peak_window_arrivals(), 6);
    assert_eq!(emulator.rate_limited(), 1);
    assert_eq!(stats.limit, Some(5));
    assert_eq!(stats.window, per);
}

#[test]
fn the_window_slides_instead_of_starting_afresh() {
    // 4 per 2 s: 2 at 0 s, 2 at 1 s, then one refused at 1 s. A fixed window would take 4
    // more at 2 s; the sliding one has room for one only (the two from 1 s and the refused
    // one are still in it).
    let mut caller = Caller::start(Emulator::builder().rate_limit(4, Duration::from_secs(2)));
    let start = Instant::now();
    let at = |secs: f64| {
        let target = start + Duration::from_secs_f64(secs);
        std::thread::sleep(target.saturating_duration_since(Instant::now()));
    };
    let mut statuses = caller.statuses(2);
    at(1.0);
    statuses.extend(caller.statuses(3));
    let refused_at = start.elapsed();
    assert_eq!(statuses, [200, 200, 200, 200, 429]);
    at(2.3);
    let after = [caller.count(), caller.count()];
    // Not a speed check: past 2 s the first arrivals would have left, and the timeline above
    // would not test what it says.
    assert!(
        refused_at < Duration::from_millis(1900),
        "the timeline slipped: the refusal came at {refused_at:?}"
    );
    assert_eq!(after[0].status, 200);
    assert_eq!(after[1].status, 429);
    // Room again when the arrivals of 1 s have left, about 1 s on: rounded up, 1 or 2.
    assert!((1..=2).contains(&retry_after_secs(&after[1])));
}

#[test]
fn stats_endpoint_needs_no_key_and_counts_nothing() {
    let mut caller = Caller::start(Emulator::builder().rate_limit(2, Duration::from_secs(10)));
    assert_eq!(caller.statuses(3), [200, 200, 429]);
    let emulator = &caller.emulator;
    // Without a key: a 401, counted as a request, not as an arrival.
    assert_eq!(
        Client::connect(emulator)
            .request("GET", "/v1/users/count", &[], b"")
            .status,
        401
    );
    for _ in 0..3 {
        let stats = stats_of(emulator.addr());
        assert_eq!(stats["requests"], 4);
        assert_eq!(stats["rate_limited"], 1);
        assert_eq!(stats["peak_window"], 3);
        assert_eq!(stats["neighbour_arrivals"], 0);
        assert_eq!(stats["limit"], 2);
        assert_eq!(stats["window_ms"], 10_000);
    }
    assert_eq!(emulator.request_count(), 4, "not in the request log either");
    // With the key it is no arrival either: no 429 for it, whatever the window holds.
    let auth = caller.auth.clone();
    let resp = caller
        .client
        .request("GET", "/_emulator/stats", &[("Authorization", &auth)], b"");
    assert_eq!(resp.json()["rate_limited"], 1);

    let off = Emulator::builder().no_rate_limit().start().unwrap();
    let stats = stats_of(off.addr());
    assert!(stats["limit"].is_null());
    assert_eq!(stats["window_ms"], 10_000);
}

#[test]
fn the_peak_counts_arrivals_across_connections() {
    let emulator = Emulator::builder()
        .rate_limit(10, Duration::from_secs(10))
        .start()
        .unwrap();
    let auth = auth(&emulator);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let addr = emulator.addr();
            let auth = auth.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect_to(addr);
                (0..5)
                    .map(|_| {
                        client
                            .request("GET", "/v1/users/count", &[("Authorization", &auth)], b"")
                            .status
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let statuses: Vec<u16> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10);
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 10);
    let stats = emulator.stats();
    assert_eq!(stats.peak_window, 20);
    assert_eq!(stats.rate_limited, 10);
    assert_eq!(stats.requests, 20);
}

#[test]
fn an_arrival_counts_when_its_head_is_read_before_the_latency() {
    let emulator = Emulator::builder()
        .latency(Duration::from_secs(3))
        .start()
        .unwrap();
    let auth = auth(&emulator);
    let mut client = Client::connect(&emulator);
    client.send("GET", "/v1/users/count", &[("Authorization", &auth)], b"");
    let deadline = Instant::now() + Duration::from_millis(2000);
    while emulator.peak_window_arrivals() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Counted, and its answer not even sent yet.
    assert_eq!(emulator.peak_window_arrivals(), 1);
    assert_eq!(emulator.stats().requests, 1);
    assert_eq!(client.read_response().unwrap().status, 200);
}

#[test]
fn a_neighbour_spends_the_same_budget() {
    let mut caller = Caller::start(
        Emulator::builder()
            .rate_limit(10, Duration::from_secs(10))
            .neighbour(4, Duration::from_secs(10)),
    );
    // The neighbour's last 10 s hold 4 arrivals (one every 2.5 s, as if it had been running).
    assert_eq!(caller.statuses(8), [200, 200, 200, 200, 200, 200, 429, 429]);
    let emulator = &caller.emulator;
    let stats = emulator.stats();
    assert!(
        (4..=5).contains(&stats.neighbour_arrivals),
        "{}",
        stats.neighbour_arrivals
    );
    assert_eq!(stats.requests, 8, "phantom arrivals are not requests");
    assert_eq!(stats.peak_window, 8, "nor are they in the peak");
    assert_eq!(stats.rate_limited, 2);
    assert_eq!(
        stats_of(emulator.addr())["neighbour_arrivals"],
        stats.neighbour_arrivals
    );
}

/// Seconds from now to an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), read by hand.
fn seconds_until(date: &str) -> f64 {
    let parts: Vec<&str> = date.split([' ', ':']).collect();
    assert_eq!(parts.len(), 8, "{date}");
    assert!(date.ends_with(" GMT") && parts[0].ends_with(','), "{date}");
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day: i64 = parts[1].parse().unwrap();
    let month = months.iter().position(|m| *m == parts[2]).unwrap() as i64 + 1;
    let year: i64 = parts[3].parse().unwrap();
    let (h, m, s): (i64, i64, i64) = (
        parts[4].parse().unwrap(),
        parts[5].parse().unwrap(),
        parts[6].parse().unwrap(),
    );
    // Days since 1970 by counting whole years and months: fine for dates near now.
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days: i64 = (1970..year).map(|y| if leap(y) { 366 } else { 365 }).sum();
    let month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for mo in 1..month {
        days += month_days[(mo - 1) as usize] + i64::from(mo == 2 && leap(year));
    }
    days += day - 1;
    let at = days * 86_400 + h * 3600 + m * 60 + s;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    at as f64 - now
}

#[test]
fn dated_retry_after_comes_without_a_date_header() {
    let mut caller = Caller::start(
        Emulator::builder()
            .rate_limit(1, Duration::from_secs(6))
            .retry_after(RetryAfter::HttpDate),
    );
    let admitted = caller.count();
    assert_eq!(admitted.status, 200);
    assert!(
        admitted.header("date").is_some(),
        "other answers have a Date"
    );
    let refused = caller.count();
    assert_eq!(refused.status, 429);
    assert_eq!(refused.error_code(), "too_many_requests");
    assert!(refused.header("date").is_none(), "{:?}", refused.headers);
    // With a limit of one, room comes when the refused arrival leaves too: about 6 s ahead.
    let ahead = seconds_until(refused.header("retry-after").unwrap());
    assert!((4.0..=8.0).contains(&ahead), "{ahead}");

    // The fault, once, on an emulator without a limit.
    let emulator = started();
    emulator.push_fault(Fault::TooManyRequestsHttpDate {
        retry_after_secs: 3,
    });
    let resp = call(&emulator, "GET", "/v1/users/count", b"");
    assert_eq!(resp.status, 429);
    assert_eq!(resp.error_code(), "too_many_requests");
    assert!(resp.header("date").is_none());
    let ahead = seconds_until(resp.header("retry-after").unwrap());
    assert!((1.0..=5.0).contains(&ahead), "{ahead}");
    assert_eq!(emulator.rate_limited(), 1);
    let next = call(&emulator, "GET", "/v1/users/count", b"");
    assert_eq!(next.status, 200);
    assert!(next.header("date").is_some());
}

#[test]
fn reset_rate_limits_empties_the_window_and_keeps_the_counts() {
    let mut caller = Caller::start(Emulator::builder().rate_limit(1, Duration::from_secs(60)));
    assert_eq!(caller.statuses(2), [200, 429]);
    caller.emulator.reset_rate_limits();
    assert_eq!(caller.count().status, 200);
    let stats = caller.emulator.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.peak_window),
        (3, 1, 2)
    );
}

#[test]
fn requests_without_the_network_count_too() {
    let emulator = Emulator::builder()
        .rate_limit(1, Duration::from_secs(60))
        .start()
        .unwrap();
    let request = || {
        http::Request::get("/v1/users/count")
            .header("authorization", auth(&emulator))
            .body(Vec::new())
            .unwrap()
    };
    assert_eq!(emulator.handle(&request()).status(), 200);
    let refused = emulator.handle(&request());
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "60");
    let stats = emulator.stats();
    assert_eq!(
        (stats.requests, stats.rate_limited, stats.peak_window),
        (2, 1, 2)
    );
    let stats_answer = emulator.handle(
        &http::Request::get("/_emulator/stats")
            .body(Vec::new())
            .unwrap(),
    );
    let body: serde_json::Value = serde_json::from_slice(stats_answer.body()).unwrap();
    assert_eq!(body["requests"], 2);
}
