//! `count`: how many users the filters select (`GET /v1/users/count`).

use clerk_moderation_core::{CountUsers, Operation};

use crate::args::CountArgs;
use crate::output::Stdout;
use crate::{Exit, Failure, environment, list};

/// Runs `count`.
pub fn run(args: CountArgs) -> Result<Exit, Failure> {
    let config = environment::config()?;
    let count = CountUsers::new(args.filter.to_filter());
    count.build_request(&config).map_err(Failure::usage)?;
    environment::banner(&config);
    let total = environment::client(config)
        .count_users(&count)
        .map_err(|error| list::stopped_by(&error, 0))?;
    let line = if args.json {
        serde_json::json!({ "total_count": total }).to_string()
    } else {
        total.to_string()
    };
    // A closed stdout has nothing left to be told.
    Stdout::default().line(line);
    Ok(Exit::Success)
}
