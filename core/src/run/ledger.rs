//! `Ledger`: the run's users, the one outcome each gets, and the counts.
//!
//! Its invariants, kept here and nowhere else: every distinct id of the input gets exactly one
//! outcome (a second is a bug, never output); and an outcome claims no more than Clerk showed —
//! a `Done` holds a user that shows the action in effect.

use std::collections::{HashSet, VecDeque};

use super::outcome::{Outcome, RunStats, UserOutcome};
use crate::action::Action;
use crate::user_id::UserId;

/// The users of a run and their outcomes.
#[derive(Debug)]
pub(super) struct Ledger {
    action: Action,
    /// The distinct ids, in input order.
    ids: Vec<UserId>,
    /// Whether each user has its outcome: the guard behind "exactly one".
    has_outcome: Vec<bool>,
    /// Outcomes known and not yet taken by the driver.
    outcomes: VecDeque<UserOutcome>,
    stats: RunStats,
}

impl Ledger {
    /// A ledger for `ids`, repeats dropped (the first kept) and counted.
    pub(super) fn new(action: Action, ids: impl IntoIterator<Item = UserId>) -> Self {
        let ids = ids.into_iter();
        let mut seen = HashSet::with_capacity(ids.size_hint().0);
        let mut distinct = Vec::with_capacity(ids.size_hint().0);
        let mut duplicates = 0;
        for id in ids {
            if seen.insert(id.clone()) {
                distinct.push(id);
            } else {
                duplicates += 1;
            }
        }
        let stats = RunStats {
            users: distinct.len(),
            duplicates,
            ..RunStats::default()
        };
        Self {
            action,
            has_outcome: vec![false; distinct.len()],
            ids: distinct,
            outcomes: VecDeque::new(),
            stats,
        }
    }

    /// The distinct ids, in input order.
    pub(super) fn ids(&self) -> &[UserId] {
        &self.ids
    }

    /// The id of user `index`.
    pub(super) fn id(&self, index: u32) -> &UserId {
        &self.ids[index as usize]
    }

    /// Counts so far.
    pub(super) fn stats(&self) -> &RunStats {
        &self.stats
    }

    /// Counts to update (requests, responses, retries…; outcomes are counted by
    /// [`Ledger::record`] alone).
    pub(super) fn stats_mut(&mut self) -> &mut RunStats {
        &mut self.stats
    }

    /// Whether every user has an outcome.
    pub(super) fn all_recorded(&self) -> bool {
        self.stats.finished() == self.ids.len()
    }

    /// Gives user `index` its outcome, carried by `requests` requests.
    pub(super) fn record(&mut self, index: u32, outcome: Outcome, requests: u32) {
        let slot = index as usize;
        if std::mem::replace(&mut self.has_outcome[slot], true) {
            debug_assert!(false, "a second outcome for user {}", self.ids[slot]);
            return;
        }
        debug_assert!(
            !matches!(&outcome, Outcome::Done(user) if !self.action.is_in_effect(user)),
            "a done outcome for {} whose user does not show the action",
            self.ids[slot]
        );
        self.stats.count(outcome.kind());
        self.outcomes.push_back(UserOutcome {
            user_id: self.ids[slot].clone(),
            action: self.action,
            outcome,
            requests,
        });
    }

    /// Hands out the outcomes recorded since the last call, in order.
    pub(super) fn take_outcomes(&mut self) -> std::collections::vec_deque::Drain<'_, UserOutcome> {
        self.outcomes.drain(..)
    }
}
