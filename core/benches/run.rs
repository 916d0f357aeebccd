//! The CPU cost of the pure run per user: a whole `Run` driven against a simulated server that
//! answers at once, timing only the run's own calls (`Run::new`, `poll`, `on_response`,
//! `take_outcomes` and dropping the outcomes), not the server's work of writing the answers.
//!
//! Run: `cargo bench -p clerk-moderation-core --bench run`. Cases:
//! - bulk unban of 100 000 users answered with minimal users (the run's bookkeeping, chunking and
//!   the parse of a small user);
//! - bulk unban of 100 000 users answered with Clerk's example user from the webhook docs
//!   (about 1 KB written compactly, what a real answer holds: the parse of `User` dominates);
//! - unlock of 10 000 users, one request each, same example user;
//! - the floor under the second case: parsing the same answers, nothing else.

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use clerk_moderation_core::http::Response;
use clerk_moderation_core::{Action, ApiConfig, Pace, Run, RunOptions, RunStep, SecretKey, UserId};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

#[allow(dead_code)]
mod payloads;

/// Ids of the same length as the example user's, so that it can be re-used by a byte splice.
fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("user_2{i:0>26}")).collect()
}

/// A user template and where its id sits in it.
struct Template {
    bytes: Vec<u8>,
    id_at: usize,
    id_len: usize,
}

impl Template {
    /// The template from any JSON user, written compactly as a server sends it.
    fn new(json: &[u8]) -> Self {
        let value: serde_json::Value = serde_json::from_slice(json).expect("a JSON user");
        let bytes = serde_json::to_vec(&value).expect("serializes");
        let text = String::from_utf8(bytes.clone()).expect("UTF-8 JSON");
        let start = text.find(r#""id":"user_"#).expect("a user id") + r#""id":""#.len();
        let len = text[start..].find('"').expect("a closing quote");
        Self {
            bytes,
            id_at: start,
            id_len: len,
        }
    }

    /// The user with `id` spliced in, appended to `out`.
    fn write(&self, id: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bytes[..self.id_at]);
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&self.bytes[self.id_at + self.id_len..]);
    }
}

/// What the simulated server answers: a 200 with the users a request asks for.
fn answer(template: &Template, request: &http::Request<Vec<u8>>) -> Response<Vec<u8>> {
    let mut body = Vec::with_capacity(64 * 1024);
    let path = request.uri().path();
    if path.ends_with("/ban") || path.ends_with("/unban") && !path.starts_with("/v1/users/user") {
        let ids: serde_json::Value = serde_json::from_slice(request.body()).expect("a bulk body");
        body.push(b'[');
        for (i, id) in ids["user_ids"].as_array().expect("ids").iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            template.write(id.as_str().expect("a string id"), &mut body);
        }
        body.push(b']');
    } else {
        let id = path
            .trim_start_matches("/v1/users/")
            .split('/')
            .next()
            .expect("an id");
        template.write(id, &mut body);
    }
    Response::new(body)
}

/// Drives a run to its end; returns the time spent inside the run's own calls.
fn timed_run(action: Action, ids: &[String], template: &Template) -> Duration {
    let config = ApiConfig::new(SecretKey::new("sk_live_bench0123456789").unwrap());
    let options = RunOptions::default()
        .with_pace(Pace::Unlimited)
        .with_seed(1)
        .with_concurrency(16);
    let input: Vec<UserId> = ids.iter().map(|s| UserId::new(s).unwrap()).collect();
    let now = Instant::now();
    let started = Instant::now();
    let mut run = Run::new(config, action, input, options);
    let mut inside = started.elapsed();
    let mut pending = Vec::new();
    loop {
        let t = Instant::now();
        let step = run.poll(now);
        drop(black_box(run.take_outcomes().collect::<Vec<_>>()));
        inside += t.elapsed();
        match step {
            RunStep::Send {
                attempt, request, ..
            } => pending.push((attempt, answer(template, &request))),
            RunStep::Wait { .. } => {
                let answers = std::mem::take(&mut pending);
                let t = Instant::now();
                for (attempt, response) in answers {
                    run.on_response(attempt, response, now, SystemTime::UNIX_EPOCH);
                }
                inside += t.elapsed();
            }
            RunStep::Finished => break,
        }
    }
    assert_eq!(run.stats().done, ids.len());
    inside
}

fn per_user(c: &mut Criterion) {
    let minimal = Template::new(&payloads::minimal_user());
    let example = Template::new(include_bytes!(
        "../tests/fixtures/webhook_user_created.json"
    ));
    println!(
        "users: minimal {} bytes, example {} bytes",
        minimal.bytes.len(),
        example.bytes.len()
    );
    let mut group = c.benchmark_group("run_per_user");
    group.sample_size(10);
    let cases: [(&str, Action, usize, &Template); 3] = [
        ("bulk_unban/minimal_user", Action::Unban, 100_000, &minimal),
        ("bulk_unban/example_user", Action::Unban, 100_000, &example),
        ("unlock/example_user", Action::Unlock, 10_000, &example),
    ];
    for (name, action, n, template) in cases {
        let ids = ids(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &ids, |b, ids| {
            b.iter_custom(|iters| (0..iters).map(|_| timed_run(action, ids, template)).sum());
        });
    }
    // The floor under the realistic bulk case: parsing the same answers into the boxed users
    // the outcomes hand out, and nothing else.
    let n = 100_000;
    let bodies: Vec<Vec<u8>> = ids(n)
        .chunks(50)
        .map(|chunk| {
            let mut body = vec![b'['];
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                example.write(id, &mut body);
            }
            body.push(b']');
            body
        })
        .collect();
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("parse_only/example_user", |b| {
        b.iter(|| {
            for body in &bodies {
                let users: Vec<Box<clerk_moderation_core::User>> =
                    serde_json::from_slice(black_box(body)).expect("users");
                drop(black_box(users));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, per_user);
criterion_main!(benches);
