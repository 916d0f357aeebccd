//! The main job: unban and unlock users, through ureq and through hyper.
//!
//! With nothing set, it starts the embedded Clerk emulator on 127.0.0.1, seeds a banned user and
//! a locked user for each transport, unbans and unlocks them, and prints each user's state
//! before and after. With `CLERK_SECRET_KEY` set it acts on the user ids given on the command
//! line, against Clerk (or `CLERK_API_URL`).
//!
//! ```text
//! cargo run -p clerk-moderation-conformance --bin moderate
//! CLERK_SECRET_KEY=sk_test_… cargo run -p clerk-moderation-conformance --bin moderate -- user_2x…
//! ```

use std::process::ExitCode;

use clerk_moderation_conformance::emulator::Emulator;
use clerk_moderation_core::{ApiConfig, SecretKey, User, UserId};
use clerk_moderation_transports::hyper::HyperTransport;
use clerk_moderation_transports::ureq::UreqTransport;
use clerk_moderation_transports::{AsyncClient, Client};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!(
            "usage: moderate [USER_ID ...]\n\n\
             Without CLERK_SECRET_KEY: runs against the embedded emulator with seeded users.\n\
             With CLERK_SECRET_KEY (and optionally CLERK_API_URL): unbans and unlocks USER_ID ..."
        );
        return Ok(());
    }
    match std::env::var("CLERK_SECRET_KEY") {
        Ok(key) if !key.is_empty() => against_clerk(&key, &args),
        _ => against_emulator(),
    }
}

/// The default: everything on loopback, nothing to set up.
fn against_emulator() -> Result<(), BoxError> {
    let emulator = Emulator::start()?;
    println!("emulator listening on {}", emulator.base_url());
    let config = ApiConfig::new(SecretKey::new(emulator.secret_key())?)
        .with_base_url(&emulator.base_url())?;

    let Clients {
        ureq,
        runtime,
        hyper,
    } = clients(config)?;
    let banned = UserId::new(emulator.seed_banned_user())?;
    let locked = UserId::new(emulator.seed_locked_user())?;
    moderate_blocking("ureq", &ureq, &banned, &locked)?;

    let banned = UserId::new(emulator.seed_banned_user())?;
    let locked = UserId::new(emulator.seed_locked_user())?;
    runtime.block_on(moderate_async("hyper", &hyper, &banned, &locked))?;

    println!(
        "{} requests served by the emulator",
        emulator.request_count()
    );
    emulator.shutdown();
    Ok(())
}

/// Against Clerk itself, or the server `CLERK_API_URL` names, on the ids given.
fn against_clerk(key: &str, ids: &[String]) -> Result<(), BoxError> {
    if ids.is_empty() {
        return Err("CLERK_SECRET_KEY is set: name the user ids to unban and unlock".into());
    }
    let mut config = ApiConfig::new(SecretKey::new(key)?);
    if let Ok(url) = std::env::var("CLERK_API_URL") {
        config = config.with_base_url(&url)?;
    }
    println!(
        "acting on {} user(s) through {}",
        ids.len(),
        config.base_url()
    );
    let Clients {
        ureq,
        runtime,
        hyper,
    } = clients(config)?;
    // Every id gets its turn: a failure (a 404, a 403 where lockout is off) is reported and the
    // next id goes on; the exit status says whether any failed.
    let mut failures = 0;
    for id in ids {
        let outcome = UserId::new(id).map_err(BoxError::from).and_then(|id| {
            moderate_blocking("ureq", &ureq, &id, &id)?;
            runtime.block_on(moderate_async("hyper", &hyper, &id, &id))
        });
        if let Err(error) = outcome {
            eprintln!("{id}: {error}");
            failures += 1;
        }
    }
    match failures {
        0 => Ok(()),
        n => Err(format!("{n} of {} user(s) failed", ids.len()).into()),
    }
}

/// The two clients the job runs, and the runtime the async one needs.
struct Clients {
    ureq: Client<UreqTransport>,
    runtime: tokio::runtime::Runtime,
    hyper: AsyncClient<HyperTransport>,
}

/// Plain HTTP is allowed for loopback hosts only (the emulator, or a local `CLERK_API_URL`);
/// everything else must be HTTPS, as the transports enforce.
fn clients(config: ApiConfig) -> Result<Clients, BoxError> {
    let ureq = Client::new(
        config.clone(),
        UreqTransport::builder().allow_loopback_http(true).build(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let hyper = AsyncClient::new(
        config,
        HyperTransport::builder()
            .allow_loopback_http(true)
            .build()?,
    );
    Ok(Clients {
        ureq,
        runtime,
        hyper,
    })
}

fn moderate_blocking(
    label: &str,
    client: &Client<UreqTransport>,
    to_unban: &UserId,
    to_unlock: &UserId,
) -> Result<(), BoxError> {
    let before = client.get_user(to_unban)?;
    let after = client.unban(to_unban)?;
    report(label, "unban", &before, &after);
    let before = client.get_user(to_unlock)?;
    let after = client.unlock(to_unlock)?;
    report(label, "unlock", &before, &after);
    Ok(())
}

async fn moderate_async(
    label: &str,
    client: &AsyncClient<HyperTransport>,
    to_unban: &UserId,
    to_unlock: &UserId,
) -> Result<(), BoxError> {
    let before = client.get_user(to_unban).await?;
    let after = client.unban(to_unban).await?;
    report(label, "unban", &before, &after);
    let before = client.get_user(to_unlock).await?;
    let after = client.unlock(to_unlock).await?;
    report(label, "unlock", &before, &after);
    Ok(())
}

fn report(transport: &str, action: &str, before: &User, after: &User) {
    println!(
        "[{transport:>5}] {action:<6} {}: {}  ->  {}",
        after.id,
        state(before),
        state(after)
    );
}

fn state(user: &User) -> String {
    let lock = match (user.locked, user.lockout_expires_in_seconds) {
        (false, _) => "unlocked".to_owned(),
        (true, Some(seconds)) => format!("locked ({seconds} s left)"),
        (true, None) => "locked (no expiry)".to_owned(),
    };
    format!(
        "{}, {lock}",
        if user.banned { "banned" } else { "not banned" }
    )
}
