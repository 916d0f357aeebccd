//! The pacer alone, on a simulated clock: the smoothing's promise (a burst of a tenth of the
//! pace, then one request per `per / requests`, never more than the limit in a window) and how
//! often it wakes a driver to keep it.

use std::time::Duration;

use clerk_moderation_core::{Instant, Pacer, RateLimit};

/// Sends `count` requests as early as the pacer allows, each answered at once (the round trip
/// that costs the pace least), and returns their send times.
fn send_as_allowed(limit: RateLimit, count: usize) -> Vec<Instant> {
    let mut pacer = Pacer::new(limit);
    let mut now = Instant::now();
    let mut sent = Vec::with_capacity(count);
    while sent.len() < count {
        let at = pacer
            .next_allowed(now)
            .expect("nothing in flight: a time is always known");
        now = now.max(at);
        pacer.on_send(now);
        pacer.on_answered(now, now);
        sent.push(now);
    }
    sent
}

#[test]
fn at_clerks_production_pace_requests_go_a_few_at_a_time_and_keep_the_smoothing() {
    let limit = RateLimit::new(1000, Duration::from_secs(10));
    let sent = send_as_allowed(limit, 3000);
    let spacing = limit.per / limit.requests;
    let burst = (limit.requests / 10) as usize;

    // Never more than the limit in any window of `per`.
    for (i, at) in sent.iter().enumerate() {
        let in_window = sent[i..]
            .iter()
            .take_while(|later| **later - *at < limit.per)
            .count();
        assert!(
            in_window <= 1000,
            "{in_window} requests within one window from request {i}"
        );
    }
    // The smoothing: k requests after any one, at least (k - burst + 1) spacings later.
    for k in burst..3 * burst {
        for i in 0..sent.len() - k {
            let least = spacing * (k - burst + 1) as u32;
            assert!(
                sent[i + k] - sent[i] >= least,
                "requests {i} and {} only {:?} apart, under {least:?}",
                i + k,
                sent[i + k] - sent[i]
            );
        }
    }
    // The driver is woken for several requests at once, not for each (10 ms apart at this
    // pace, gathered over 50 ms): after the first burst, about one wake-up per five requests.
    let mut wake_ups = sent[burst..].to_vec();
    wake_ups.dedup();
    let per_wake_up = (sent.len() - burst) as f64 / wake_ups.len() as f64;
    assert!(
        per_wake_up >= 4.0,
        "{per_wake_up:.2} requests per wake-up ({} wake-ups)",
        wake_ups.len()
    );
    // And the pace is kept: 3000 requests take at least two full windows.
    assert!(sent[2999] - sent[0] >= limit.per * 2);
    assert!(
        sent[2999] - sent[0] <= limit.per * 3,
        "{:?} for 3000 requests",
        sent[2999] - sent[0]
    );
}

#[test]
fn at_a_slow_pace_each_request_keeps_its_own_moment() {
    // 95 per 10 s: 105 ms apart, more than the gathering: nothing waits for company. In the
    // first window (before any place frees), a burst of 9, then exactly one every spacing.
    let limit = RateLimit::new(95, Duration::from_secs(10));
    let sent = send_as_allowed(limit, 95);
    let spacing = limit.per / limit.requests;
    let burst = 9;
    assert!(
        sent[..burst].iter().all(|at| *at == sent[0]),
        "the burst goes at once"
    );
    for pair in sent[burst - 1..].windows(2) {
        assert_eq!(
            pair[1] - pair[0],
            spacing,
            "after the burst, one every spacing"
        );
    }
}
