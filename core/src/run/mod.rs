//! The moderation run: one action over many users, paced, retried, chunked, with one outcome per
//! user, as a pure state machine ([`Run`]).
//!
//! Like the operations, a run does no I/O and reads no clock: a driver calls [`Run::poll`] with
//! the time, sends the [`RunStep::Send`] requests with any transport, reports each answer with
//! [`Run::on_response`] or [`Run::on_transport_error`], sleeps until [`RunStep::Wait`] says,
//! and hands out [`Run::take_outcomes`] as they come. The clients in
//! `clerk-moderation-transports` are such drivers, for threads and for any async runtime; a
//! simulated server and clock drive it in tests, 100 000 users in well under a second.

mod action;
mod answers;
mod engine;
mod fate;
mod options;
mod outcome;
mod pace;
mod unit;

pub use action::{Action, UnknownAction};
pub(crate) use engine::splitmix64;
pub use engine::{AttemptId, Run, RunStep, WaitReason};
pub use options::{Pace, RunOptions};
pub use outcome::{
    Failure, FailureCause, FatalError, NotAttemptedReason, Outcome, OutcomeKind, RunStats,
    UserOutcome,
};
pub use pace::{Pacer, RateLimit};
