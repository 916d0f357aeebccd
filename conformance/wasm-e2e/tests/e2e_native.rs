//! The job natively: the async client over hyper, on tokio. Against the `clerk-emulator` process
//! `.ci/wasm` started (writing its outcomes for the wasm run to compare with), or, in a plain
//! `cargo test`, against an emulator of its own with the same users.
#![cfg(not(all(target_family = "wasm", target_os = "unknown")))]

use clerk_moderation_conformance::emulator::Emulator;
use clerk_moderation_core::{ApiConfig, SecretKey};
use clerk_moderation_transports::AsyncClient;
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_wasm_e2e::{SEEDED_USERS, env, run_job, seeded_users};

#[tokio::test(flavor = "current_thread")]
async fn an_unban_then_a_paced_run_of_200() {
    // The script's emulator, or one of our own (kept alive to the end of the test).
    let (own, base_url, key, seeded, banned) =
        match (env("WASM_E2E_API_URL"), env("WASM_E2E_SECRET_KEY")) {
            (Some(url), Some(key)) => {
                let seeded = seeded_users().expect("WASM_E2E_USERS");
                (
                    None,
                    url,
                    key,
                    seeded,
                    env("WASM_E2E_BANNED").expect("WASM_E2E_BANNED"),
                )
            }
            _ => {
                let emulator = Emulator::start().unwrap();
                let seeded = emulator.seed_realistic(SEEDED_USERS);
                let banned = seeded
                    .iter()
                    .find(|id| emulator.user(id).unwrap()["banned"] == true)
                    .unwrap()
                    .clone();
                let (url, key) = (emulator.base_url(), emulator.secret_key().to_owned());
                (Some(emulator), url, key, seeded, banned)
            }
        };
    let config = ApiConfig::new(SecretKey::new(key).unwrap())
        .with_base_url(&base_url)
        .unwrap();
    let transport = HyperTransport::builder()
        .allow_loopback_http(true)
        .build()
        .unwrap();
    let client = AsyncClient::new(config, transport);

    let lines = run_job(&client, &banned, &seeded).await;
    if let Some(path) = env("WASM_E2E_NATIVE_OUT") {
        std::fs::write(path, lines).unwrap();
    }
    drop(own);
}
