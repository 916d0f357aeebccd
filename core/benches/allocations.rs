//! Allocations per build and per parse, counted with dhat's global allocator in testing mode.
//!
//! Run: `cargo bench -p clerk-moderation-core --bench allocations`. Prints one line a case:
//! heap blocks and bytes allocated per call, averaged over many calls.

use clerk_moderation_core::http::Response;
use clerk_moderation_core::{
    ApiConfig, BanUsers, GetUser, Operation, SecretKey, UnlockUser, User, UserId,
};

mod payloads;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const CALLS: u64 = 1_000;

/// Runs `f` `CALLS` times and returns (blocks, bytes) allocated per call.
fn per_call<T>(mut f: impl FnMut() -> T) -> (f64, f64) {
    // One warm-up call, so lazily initialised statics do not count.
    drop(f());
    let before = dhat::HeapStats::get();
    for _ in 0..CALLS {
        drop(std::hint::black_box(f()));
    }
    let after = dhat::HeapStats::get();
    (
        (after.total_blocks - before.total_blocks) as f64 / CALLS as f64,
        (after.total_bytes - before.total_bytes) as f64 / CALLS as f64,
    )
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let config = ApiConfig::new(SecretKey::new("sk_test_bench0123456789abcdefghijklmnop").unwrap());
    let id = UserId::new("user_2xhFjEI5X2qWRvtV13BzSj8H6Dk").unwrap();
    let ids: Vec<UserId> = (0..50)
        .map(|i| UserId::new(format!("user_{i:027}")).unwrap())
        .collect();
    let unlock = UnlockUser::new(id.clone());
    let get = GetUser::new(id.clone());
    let ban_users = BanUsers::new(ids).unwrap();

    let mut rows: Vec<(String, (f64, f64))> = vec![
        (
            "build unlock_user".into(),
            per_call(|| unlock.build_request(&config).unwrap()),
        ),
        (
            "build get_user".into(),
            per_call(|| get.build_request(&config).unwrap()),
        ),
        (
            "build ban_users (50 ids)".into(),
            per_call(|| ban_users.build_request(&config).unwrap()),
        ),
    ];
    for (name, bytes) in [
        ("minimal", payloads::minimal_user()),
        ("typical", payloads::typical_user()),
        ("large", payloads::large_user()),
    ] {
        rows.push((
            format!("parse {name} ({} B) as serde_json::Value", bytes.len()),
            per_call(|| serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()),
        ));
        rows.push((
            format!("parse {name} ({} B) as User", bytes.len()),
            per_call(|| serde_json::from_slice::<User>(&bytes).unwrap()),
        ));
        rows.push((
            format!("parse_response {name}"),
            per_call(|| {
                unlock
                    .parse_response(Response::new(bytes.as_slice()))
                    .unwrap()
            }),
        ));
    }
    let not_found = payloads::not_found_error();
    rows.push((
        "parse_response Clerk 404".into(),
        per_call(|| {
            let response = Response::builder()
                .status(404)
                .body(not_found.as_slice())
                .unwrap();
            unlock.parse_response(response).unwrap_err()
        }),
    ));

    println!("{:<48} {:>12} {:>12}", "case", "allocs/call", "bytes/call");
    for (name, (blocks, bytes)) in rows {
        println!("{name:<48} {blocks:>12.1} {bytes:>12.0}");
    }
}
