//! The core's cost per request: building each kind of request, parsing users of three sizes
//! (beside `serde_json::Value` on the same bytes, the floor to beat), and parsing errors.
//!
//! Run: `cargo bench -p clerk-moderation-core --bench core`.

use std::hint::black_box;

use clerk_moderation_core::http::Response;
use clerk_moderation_core::{
    ApiConfig, BanUser, BanUsers, GetUser, LockUser, Operation, SecretKey, UnbanUser, UnbanUsers,
    UnlockUser, User, UserId,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

mod payloads;

fn config() -> ApiConfig {
    ApiConfig::new(SecretKey::new("sk_test_bench0123456789abcdefghijklmnop").unwrap())
}

fn build(c: &mut Criterion) {
    let config = config();
    let id = UserId::new("user_2xhFjEI5X2qWRvtV13BzSj8H6Dk").unwrap();
    let ids: Vec<UserId> = (0..50)
        .map(|i| UserId::new(format!("user_2xhFjEI5X2qWRvtV13BzSj8H{i:03}")).unwrap())
        .collect();
    let mut group = c.benchmark_group("build_request");
    group.bench_function("unlock_user", |b| {
        b.iter(|| UnlockUser::new(black_box(id.clone())).build_request(&config))
    });
    group.bench_function("unban_user", |b| {
        b.iter(|| UnbanUser::new(black_box(id.clone())).build_request(&config))
    });
    group.bench_function("lock_user", |b| {
        b.iter(|| LockUser::new(black_box(id.clone())).build_request(&config))
    });
    group.bench_function("ban_user", |b| {
        b.iter(|| BanUser::new(black_box(id.clone())).build_request(&config))
    });
    group.bench_function("get_user", |b| {
        b.iter(|| GetUser::new(black_box(id.clone())).build_request(&config))
    });
    let ban_users = BanUsers::new(ids.clone()).unwrap();
    group.bench_function("ban_users_50", |b| {
        b.iter(|| black_box(&ban_users).build_request(&config))
    });
    let unban_users = UnbanUsers::new(ids).unwrap();
    group.bench_function("unban_users_50", |b| {
        b.iter(|| black_box(&unban_users).build_request(&config))
    });
    group.bench_function("user_id_new", |b| {
        b.iter(|| UserId::new(black_box("user_2xhFjEI5X2qWRvtV13BzSj8H6Dk")))
    });
    group.finish();
}

fn parse(c: &mut Criterion) {
    let unlock = UnlockUser::new(UserId::new("user_2xhFjEI5X2qWRvtV13BzSj8H6Dk").unwrap());
    let mut group = c.benchmark_group("parse_user");
    for (name, bytes) in [
        ("minimal", payloads::minimal_user()),
        ("typical", payloads::typical_user()),
        ("large", payloads::large_user()),
    ] {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("serde_json_value", name),
            &bytes,
            |b, bytes| {
                b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap())
            },
        );
        group.bench_with_input(BenchmarkId::new("user", name), &bytes, |b, bytes| {
            b.iter(|| serde_json::from_slice::<User>(black_box(bytes)).unwrap())
        });
        group.bench_with_input(
            BenchmarkId::new("parse_response", name),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    let response = Response::builder()
                        .status(200)
                        .body(black_box(bytes.as_slice()))
                        .unwrap();
                    unlock.parse_response(response).unwrap()
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("parse_error");
    let not_found = payloads::not_found_error();
    group.bench_function("clerk_404", |b| {
        b.iter(|| {
            let response = Response::builder()
                .status(404)
                .header("content-type", "application/json")
                .body(black_box(not_found.as_slice()))
                .unwrap();
            unlock.parse_response(response).unwrap_err()
        })
    });
    let html = b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";
    group.bench_function("html_502", |b| {
        b.iter(|| {
            let response = Response::builder()
                .status(502)
                .header("content-type", "text/html")
                .body(black_box(&html[..]))
                .unwrap();
            unlock.parse_response(response).unwrap_err()
        })
    });
    group.finish();
}

criterion_group!(benches, build, parse);
criterion_main!(benches);
