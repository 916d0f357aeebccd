//! `clerk-emulator`: runs the Clerk Backend API emulator for anyone's tests.
//!
//! It prints its base URL, its secret key and the ids of the users it holds, one labelled line
//! each, then serves until it gets SIGINT or SIGTERM (or, when asked, until its standard input
//! closes).

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clerk_moderation_conformance::emulator::{BulkUnknown, Emulator, Instance};
use serde_json::Value;

const USAGE: &str = "\
Usage: clerk-emulator [OPTIONS]

Runs an emulator of Clerk's Backend API user-moderation endpoints on 127.0.0.1, and serves
until it gets SIGINT (Ctrl-C) or SIGTERM.

Options:
  --port N                    port to listen on (default 0: a free port)
  --instance KIND             production (1000 requests per 10 s, key sk_live_...) or
                              development (100 requests per 10 s, key sk_test_...);
                              default development
  --rate-limit N              requests per 10 seconds per key, overriding the instance's
                              (0 turns the limit off)
  --secret-key KEY            the secret key clients must send (default: a random key with
                              the instance's prefix)
  --seed N                    realistic users to create (default 5, or 0 with --users); every
                              tenth from the second on is banned, from the third on locked
  --users FILE                serve the users of FILE, a JSON array of Clerk User objects,
                              exactly as given
  --latency MS                wait this many milliseconds before every answer (default 0)
  --bulk-unknown MODE         a bulk ban/unban with unknown ids: reject (404, nothing
                              changes; the default) or skip (the known ids are acted on, the
                              unknown left out of the answer)
  --read-timeout SECS         a request head or body slower than this is cut (default 30)
  --exit-on-stdin-close       also stop when standard input closes
  -h, --help                  print this help

Output, on standard output, one line each, before the first request is served:
  base_url <url>
  secret_key <key>
  user <id>            a user neither banned nor locked
  banned_user <id>     a banned user
  locked_user <id>     a locked user
";

struct Args {
    port: u16,
    instance: Instance,
    rate_limit: Option<u32>,
    secret_key: Option<String>,
    seed: Option<usize>,
    users: Option<String>,
    latency_ms: u64,
    bulk_unknown: BulkUnknown,
    read_timeout_secs: u64,
    exit_on_stdin_close: bool,
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{name}: {value:?} is not a valid number"))
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        port: 0,
        instance: Instance::Development,
        rate_limit: None,
        secret_key: None,
        seed: None,
        users: None,
        latency_ms: 0,
        bulk_unknown: BulkUnknown::Reject,
        read_timeout_secs: 30,
        exit_on_stdin_close: false,
    };
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--exit-on-stdin-close" => {
                parsed.exit_on_stdin_close = true;
                continue;
            }
            _ => {}
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{name} needs a value"))?;
        match name.as_str() {
            "--port" => parsed.port = number(&name, &value)?,
            "--rate-limit" => parsed.rate_limit = Some(number(&name, &value)?),
            "--seed" => parsed.seed = Some(number(&name, &value)?),
            "--latency" => parsed.latency_ms = number(&name, &value)?,
            "--read-timeout" => {
                parsed.read_timeout_secs = number(&name, &value)?;
                if parsed.read_timeout_secs == 0 {
                    return Err("--read-timeout must be at least 1 second".into());
                }
            }
            "--secret-key" => parsed.secret_key = Some(value),
            "--users" => parsed.users = Some(value),
            "--instance" => {
                parsed.instance = match value.as_str() {
                    "production" => Instance::Production,
                    "development" => Instance::Development,
                    _ => {
                        return Err(format!(
                            "--instance: {value:?} is not production or development"
                        ));
                    }
                }
            }
            "--bulk-unknown" => {
                parsed.bulk_unknown = match value.as_str() {
                    "reject" => BulkUnknown::Reject,
                    "skip" => BulkUnknown::Skip,
                    _ => return Err(format!("--bulk-unknown: {value:?} is not reject or skip")),
                }
            }
            _ => return Err(format!("unknown argument {name:?}")),
        }
    }
    Ok(Some(parsed))
}

/// The users of a `--users` file: a JSON array of objects, each with a string `"id"`.
fn read_users(path: &str) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("--users {path}: {e}"))?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| format!("--users {path}: not JSON: {e}"))?;
    let Value::Array(users) = value else {
        return Err(format!("--users {path}: not a JSON array"));
    };
    for (i, user) in users.iter().enumerate() {
        if !user.get("id").is_some_and(Value::is_string) {
            return Err(format!(
                "--users {path}: item {i} is not an object with a string \"id\""
            ));
        }
    }
    Ok(users)
}

/// `user`, `banned_user` or `locked_user`, from the user's state.
fn label(user: &Value) -> &'static str {
    if user["banned"] == true {
        "banned_user"
    } else if user["locked"] == true {
        "locked_user"
    } else {
        "user"
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("clerk-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let users = match args.users.as_deref().map(read_users).transpose() {
        Ok(users) => users,
        Err(message) => {
            eprintln!("clerk-emulator: {message}");
            return ExitCode::from(2);
        }
    };
    let seed = args.seed.unwrap_or(if users.is_some() { 0 } else { 5 });

    let mut builder = Emulator::builder()
        .port(args.port)
        .instance(args.instance)
        .latency(Duration::from_millis(args.latency_ms))
        .read_timeout(Duration::from_secs(args.read_timeout_secs))
        .bulk_unknown(args.bulk_unknown);
    builder = match args.rate_limit {
        None => builder,
        Some(0) => builder.no_rate_limit(),
        Some(n) => builder.rate_limit(n, Duration::from_secs(10)),
    };
    if let Some(key) = args.secret_key {
        builder = builder.secret_key(key);
    }
    let emulator = match builder.start() {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!("clerk-emulator: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };

    let mut ids: Vec<String> = users
        .unwrap_or_default()
        .into_iter()
        .map(|user| emulator.insert_user(user))
        .collect();
    ids.extend(emulator.seed_realistic(seed));
    let mut lines = format!(
        "base_url {}\nsecret_key {}\n",
        emulator.base_url(),
        emulator.secret_key()
    );
    for id in &ids {
        if let Some(user) = emulator.user(id) {
            lines.push_str(&format!("{} {id}\n", label(&user)));
        }
    }
    let mut out = io::stdout().lock();
    if out
        .write_all(lines.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);

    let stopped_by = wait_for_stop(args.exit_on_stdin_close);
    emulator.shutdown();
    match stopped_by {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("clerk-emulator: cannot wait for signals: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Blocks until SIGINT or SIGTERM (Ctrl-C elsewhere than Unix), or the end of standard input
/// when `stdin_too`.
fn wait_for_stop(stdin_too: bool) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (stdin_closed_tx, stdin_closed) = tokio::sync::oneshot::channel::<()>();
        if stdin_too {
            // A plain thread: tokio's stdin would keep the runtime from shutting down.
            std::thread::spawn(move || {
                let mut sink = [0_u8; 1024];
                let mut stdin = io::stdin().lock();
                loop {
                    match stdin.read(&mut sink) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                let _ = stdin_closed_tx.send(());
            });
        }
        let stdin_closed = async {
            if stdin_too {
                let _ = stdin_closed.await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            result = terminated() => result,
            () = stdin_closed => Ok(()),
        }
    })
}

#[cfg(unix)]
async fn terminated() -> io::Result<()> {
    let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    signal.recv().await;
    Ok(())
}

#[cfg(not(unix))]
async fn terminated() -> io::Result<()> {
    std::future::pending().await
}
