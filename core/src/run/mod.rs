//! The moderation run: one action over many users, paced, retried, chunked, with one outcome per
//! user, each on Clerk's evidence, as a pure state machine ([`Run`]).
//!
//! Like the operations, a run does no I/O and reads no clock: a driver calls [`Run::poll`] with
//! the time, sends the [`RunStep::Send`] requests with any transport, reports each answer with
//! [`Run::on_response`] or [`Run::on_transport_error`], sleeps until [`RunStep::Wait`] says,
//! and hands out [`Run::take_outcomes`] as they come. The clients in
//! `clerk-moderation-transports` are such drivers, for threads and for any async runtime; a
//! simulated server and clock drive it in tests, 100 000 users in well under a second.
//!
//! Where things live, for a reader of this module:
//!
//! | file | what it owns |
//! | --- | --- |
//! | `machine.rs` | [`Run`]: its API, handing requests out, stopping |
//! | `schedule.rs` | what is ready, waiting for a retry, in flight, and not taken yet; deadlines |
//! | `ledger.rs` | the users, their one outcome each, and the counts ([`RunStats`]) |
//! | `answers.rs` | what an answer means: done on evidence, a re-read, a probe, a split, a pause after a 429, a fatal stop |
//! | `followups.rs` | what becomes of users whose answer was not final: retried, re-read, probed, split, failed |
//! | `pace.rs` | [`RateLimit`] and [`Pacer`]: the window as Clerk counts it, lowered by 429s, regained slowly |
//! | `unit.rs` | one request's worth of users, and how its request is built |
//! | `options.rs`, `outcome.rs` | [`RunOptions`]; [`Outcome`] and why a user failed or was not attempted |

mod answers;
mod followups;
mod ledger;
mod machine;
mod options;
mod outcome;
mod pace;
mod schedule;
mod unit;

pub use machine::{Run, RunStep, WaitReason};
pub use options::{Pace, RunOptions};
pub use outcome::{
    Failure, FatalError, NotAttemptedReason, Outcome, OutcomeKind, RunStats, UserOutcome,
};
pub use pace::{Pacer, RateLimit};
