//! `RedisBudget` against a real `redis-server` of the test's own: the script keeps the core's
//! window exactly, runs sharing it keep together under the limit, and a Redis that dies or
//! freezes mid-run stops the sending promptly, never the limit.

mod budget_support;
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use budget_support::{
    Arrivals, RedisServer, assert_within, free_port, grants_from_threads, recording,
    released_and_expired_places_free, shared_run_options, two_async_runs_sharing, two_runs_sharing,
};
use clerk_moderation_core::{Action, OutcomeKind, RateLimit, SecretKey, UserOutcome};
use clerk_moderation_transports::Client;
use clerk_moderation_transports::budget::{Budget, RedisBudget, Take};
use support::{SECRET, config, uid};

fn budget(server: &RedisServer) -> Arc<RedisBudget> {
    Arc::new(RedisBudget::for_instance(&server.url(), &SecretKey::new(SECRET).unwrap()).unwrap())
}

#[test]
fn many_takers_of_many_stores_never_hold_more_than_the_limit() {
    let server = RedisServer::start();
    // Four stores, as four processes would have, each with its own connections.
    let stores: Vec<Arc<dyn Budget>> = (0..4).map(|_| budget(&server) as Arc<dyn Budget>).collect();
    let limit = RateLimit::new(50, Duration::from_secs(600));
    assert_eq!(grants_from_threads(&stores, 6, 20, limit), 50);
}

#[test]
fn released_places_free_a_window_later_and_expired_leases_free() {
    let server = RedisServer::start();
    released_and_expired_places_free(|| budget(&server));
}

#[test]
fn the_key_names_the_instance_by_its_fingerprint_and_expires_with_its_last_place() {
    let server = RedisServer::start();
    let store = budget(&server);
    let fingerprint = SecretKey::new(SECRET).unwrap().fingerprint();
    assert_eq!(
        store.key(),
        format!("clerk-moderation:budget:{fingerprint}")
    );
    store.check().unwrap();
    let limit = RateLimit::new(5, Duration::from_millis(300));
    let Take::Granted(slot) = store.take(limit, Duration::from_secs(5)).unwrap() else {
        panic!("room");
    };
    let ttl = || -> i64 {
        let answer = server.command(&format!("PTTL {}", store.key())).unwrap();
        answer[1..].parse().unwrap()
    };
    let lease = ttl();
    assert!(
        lease > 4_000 && lease <= 5_000,
        "the key lives as long as its lease: {lease}"
    );
    store.release(slot, limit.per).unwrap();
    // Then a window after the release, once it reached Redis (held back 25 ms at most), the
    // clock rounded up.
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut window = ttl();
    while window > 301 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
        window = ttl();
    }
    assert!(
        window > 0 && window <= 301,
        "then a window after its release: {window}"
    );
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(
        server.command(&format!("EXISTS {}", store.key())).unwrap(),
        ":0"
    );
    assert_eq!(server.command("DBSIZE").unwrap(), ":0", "nothing lingers");
    assert_eq!(store.round_trips(), 2);
}

#[test]
fn an_unreachable_redis_is_a_prompt_error_that_shows_no_password() {
    let port = free_port();
    let url = format!("redis://moderator:Hunter2Pass@127.0.0.1:{port}/0");
    let store = RedisBudget::for_instance(&url, &SecretKey::new(SECRET).unwrap()).unwrap();
    assert_eq!(store.store(), format!("redis://127.0.0.1:{port}/0"));
    let started = Instant::now();
    let error = store
        .take(
            RateLimit::new(1, Duration::from_secs(1)),
            Duration::from_secs(1),
        )
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "not prompt");
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text.push_str(&format!("{error:?}{store:?}"));
    assert!(
        !text.contains("Hunter2Pass") && !text.contains("moderator"),
        "{text}"
    );
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
}

#[test]
fn a_frozen_redis_gives_an_error_within_the_response_timeout() {
    let server = RedisServer::start();
    let store = RedisBudget::for_instance(&server.url(), &SecretKey::new(SECRET).unwrap())
        .unwrap()
        .with_timeouts(Duration::from_millis(300), Duration::from_millis(300));
    store.check().unwrap();
    server.signal("STOP");
    let started = Instant::now();
    let limit = RateLimit::new(1, Duration::from_secs(1));
    let answer = store.take(limit, Duration::from_secs(1));
    let took = started.elapsed();
    server.signal("CONT");
    assert!(answer.is_err(), "{answer:?}");
    // Bounded by the timeouts (connect and answer), not by the frozen server.
    assert!(took < Duration::from_secs(5), "{took:?}");
    // Thawed, it answers again on a new connection. (The take that timed out may have been
    // granted once Redis thawed: its place is then held until its lease ends, never lost.)
    assert!(store.take(limit, Duration::from_secs(1)).is_ok());
}

#[test]
fn two_runs_sharing_a_redis_budget_never_pass_its_limit_together() {
    let server = RedisServer::start();
    let limit = RateLimit::new(10, Duration::from_millis(300));
    let (done, arrivals) = two_runs_sharing(budget(&server), limit, 30);
    assert_eq!(done, (30, 30));
    assert_eq!(arrivals.lock().unwrap().len(), 60);
    assert_within(&arrivals, limit);
}

#[test]
fn a_redis_killed_mid_run_stops_the_sending_and_every_user_gets_one_outcome() {
    let mut server = RedisServer::start();
    let store = budget(&server);
    let arrivals = Arrivals::default();
    let limit = RateLimit::new(10, Duration::from_millis(500));
    let client = Client::new(config("https://api.clerk.com"), recording(arrivals.clone()))
        .with_budget(store.clone());
    let ids: Vec<_> = (0..60).map(|i| uid(&format!("user_{i}"))).collect();
    // Each user's attempts and waits are bounded, so the run ends soon after Redis is gone.
    let options = shared_run_options(limit)
        .with_concurrency(8)
        .with_user_deadline(Some(Duration::from_millis(1500)));
    let outcomes = Mutex::new(Vec::new());
    let report = std::thread::scope(|scope| {
        let run = scope.spawn(|| {
            client.run(Action::Unlock, ids.clone(), options, |o: UserOutcome| {
                outcomes.lock().unwrap().push(o)
            })
        });
        // Kill Redis once the run has sent some, well before it could finish.
        let deadline = Instant::now() + Duration::from_secs(10);
        while arrivals.lock().unwrap().len() < 12 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        server.kill();
        run.join().unwrap()
    });
    let sent_before = arrivals.lock().unwrap().len();
    assert!((12..60).contains(&sent_before), "{sent_before}");
    assert_within(&arrivals, limit);
    let outcomes = outcomes.into_inner().unwrap();
    assert_eq!(outcomes.len(), ids.len(), "one outcome per user");
    let mut seen: Vec<_> = outcomes
        .iter()
        .map(|o| o.user_id.as_str().to_owned())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), ids.len(), "no user twice");
    let done = outcomes
        .iter()
        .filter(|o| o.outcome.kind() == OutcomeKind::Done)
        .count();
    // Done only for what was sent; the others did not get a place, so were not sent.
    assert!(done <= sent_before, "{done} done, {sent_before} sent");
    assert!(report.stats.done < 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_runs_sharing_a_redis_budget_never_pass_its_limit_together() {
    let server = RedisServer::start();
    let store = budget(&server);
    let limit = RateLimit::new(8, Duration::from_millis(250));
    let (done, arrivals) = two_async_runs_sharing(store.clone(), limit, 20).await;
    assert_eq!(done, (20, 20));
    assert_eq!(arrivals.lock().unwrap().len(), 40);
    assert_within(&arrivals, limit);
    // Killed, it errs promptly for async callers too.
    drop(server);
    let started = Instant::now();
    let answer = clerk_moderation_transports::budget::AsyncBudget::take(
        store.as_ref(),
        RateLimit::new(1000, Duration::from_secs(1)),
        Duration::from_secs(1),
    )
    .await;
    assert!(answer.is_err() && started.elapsed() < Duration::from_secs(5));
}
