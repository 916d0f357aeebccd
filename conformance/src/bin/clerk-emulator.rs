//! `clerk-emulator`: runs the Clerk Backend API emulator for anyone's tests.
//!
//! It prints its base URL, its secret key and the ids of the users it seeded, one labelled
//! line each, then serves until its standard input closes (or the process is interrupted).

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use clerk_moderation_conformance::emulator::Emulator;

const USAGE: &str = "\
Usage: clerk-emulator [--port N] [--seed N] [--rate-limit N] [--secret-key KEY]

Runs an emulator of Clerk's Backend API user-moderation endpoints on 127.0.0.1, and serves
until standard input closes.

Options:
  --port N          port to listen on (default 0: a free port)
  --seed N          normal users to seed (default 3); one banned and one locked user are
                    seeded as well
  --rate-limit N    requests per 10 seconds per key (default 1000; 0 turns the limit off)
  --secret-key KEY  the secret key clients must send (default: a generated sk_test_ key)
  -h, --help        print this help

Output (one line each):
  base_url <url>
  secret_key <key>
  user <id>
  banned_user <id>
  locked_user <id>
";

struct Args {
    port: u16,
    seed: usize,
    rate_limit: u32,
    secret_key: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        port: 0,
        seed: 3,
        rate_limit: 1000,
        secret_key: None,
    };
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        if name == "-h" || name == "--help" {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number_error = |v: &str| format!("{name}: {v:?} is not a valid number");
        match name.as_str() {
            "--port" => {
                let v = value()?;
                parsed.port = v.parse().map_err(|_| number_error(&v))?;
            }
            "--seed" => {
                let v = value()?;
                parsed.seed = v.parse().map_err(|_| number_error(&v))?;
            }
            "--rate-limit" => {
                let v = value()?;
                parsed.rate_limit = v.parse().map_err(|_| number_error(&v))?;
            }
            "--secret-key" => parsed.secret_key = Some(value()?),
            _ => return Err(format!("unknown argument {name:?}")),
        }
    }
    Ok(Some(parsed))
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

    let mut builder = Emulator::builder().port(args.port);
    builder = if args.rate_limit == 0 {
        builder.no_rate_limit()
    } else {
        builder.rate_limit(args.rate_limit, Duration::from_secs(10))
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

    let users = emulator.seed(args.seed);
    let banned = emulator.seed_banned_user();
    let locked = emulator.seed_locked_user();
    let mut out = io::stdout().lock();
    let mut lines = format!(
        "base_url {}\nsecret_key {}\n",
        emulator.base_url(),
        emulator.secret_key()
    );
    for id in &users {
        lines.push_str(&format!("user {id}\n"));
    }
    lines.push_str(&format!("banned_user {banned}\nlocked_user {locked}\n"));
    if out
        .write_all(lines.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);

    // Serve until standard input reaches its end (or fails); Ctrl-C ends the process.
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
    emulator.shutdown();
    ExitCode::SUCCESS
}
