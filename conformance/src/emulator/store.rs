//! The users the emulator serves: [`UserStore`], and each [`StoredUser`] kept as the bytes it
//! is served as, so that answers share them instead of serializing users again.
//!
//! A user is kept in three parts: its JSON without the fields moderation changes (serialized
//! once, never touched again), those fields (re-serialized, a few dozen bytes, when they
//! change), and the [`UserView`] that the list's filters and orderings read. A user of 40 KB
//! thus costs about 41 KB, and banning it rewrites a few dozen bytes.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::answers::Frames;
use super::list::{self, Filter, Listed, Page, ParamError};
use super::user_view::UserView;
use super::users::{self, BASE_TIMESTAMP_MS, LOCKOUT_SECONDS, VERIFICATION_ATTEMPTS};

/// The fields a moderation action changes.
const MODERATED: [&str; 5] = [
    "banned",
    "locked",
    "lockout_expires_in_seconds",
    "verification_attempts_remaining",
    "updated_at",
];

/// The salt of generated user ids.
const USER_ID_SALT: u64 = 0x7573_6572;
/// The salt of made-up ids (users that a wrong answer holds and nobody has).
const MADE_UP_SALT: u64 = 0x6d61_6465;

/// One user, kept as it is served.
#[derive(Debug, Clone)]
pub(crate) struct StoredUser {
    /// The JSON object without the moderated fields and without its closing brace.
    head: Bytes,
    /// Whether `head` holds a field (then a comma goes before the moderated ones).
    head_has_fields: bool,
    /// The moderated fields the user has.
    moderated: Map<String, Value>,
    /// The moderated fields, serialized, and the closing brace.
    tail: Bytes,
    /// What the list reads.
    view: UserView,
}

impl StoredUser {
    pub(crate) fn new(user: Map<String, Value>) -> Self {
        let user = Value::Object(user);
        let view = UserView::of(&user);
        let Value::Object(mut user) = user else {
            unreachable!("made an object just above")
        };
        let mut moderated = Map::new();
        for field in MODERATED {
            if let Some(value) = user.remove(field) {
                moderated.insert(field.to_owned(), value);
            }
        }
        let head_has_fields = !user.is_empty();
        let mut head = serde_json::to_vec(&Value::Object(user)).unwrap_or_else(|_| b"{}".to_vec());
        head.pop(); // the closing brace
        let mut stored = Self {
            // Without the spare capacity of the growing buffer: up to half of it, else.
            head: Bytes::from(head.into_boxed_slice()),
            head_has_fields,
            moderated,
            tail: Bytes::new(),
            view,
        };
        stored.render_tail();
        stored
    }

    fn render_tail(&mut self) {
        let mut tail = Vec::with_capacity(160);
        for (i, (field, value)) in self.moderated.iter().enumerate() {
            if i > 0 || self.head_has_fields {
                tail.push(b',');
            }
            // Writing into a Vec cannot fail, and a Value always serializes.
            let _ = serde_json::to_writer(&mut tail, field);
            tail.push(b':');
            let _ = serde_json::to_writer(&mut tail, value);
        }
        tail.push(b'}');
        self.tail = Bytes::from(tail.into_boxed_slice());
    }

    /// Sets a moderated field.
    fn set(&mut self, field: &'static str, value: Value) {
        debug_assert!(MODERATED.contains(&field));
        self.view.set(field, &value);
        self.moderated.insert(field.to_owned(), value);
    }

    /// Appends the user's JSON to `frames`, sharing its bytes.
    pub(crate) fn write_to(&self, frames: &mut Frames) {
        frames.push(self.head.clone());
        frames.push(self.tail.clone());
    }

    /// The user as a JSON value.
    pub(crate) fn to_value(&self) -> Value {
        let mut frames = Frames::default();
        self.write_to(&mut frames);
        serde_json::from_slice(&frames.to_vec()).unwrap_or(Value::Null)
    }
}

impl Listed for StoredUser {
    fn view(&self) -> &UserView {
        &self.view
    }
}

/// What a moderation action does to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Ban,
    Unban,
    Lock,
    Unlock,
}

impl Change {
    /// Whether `user` already shows this change in effect.
    fn banned_after(self) -> Option<bool> {
        match self {
            Self::Ban => Some(true),
            Self::Unban => Some(false),
            Self::Lock | Self::Unlock => None,
        }
    }
}

/// Every user, the counter of generated ids, and the logical clock of `updated_at`.
#[derive(Debug)]
pub(crate) struct UserStore {
    users: HashMap<String, StoredUser>,
    user_counter: u64,
    made_up_counter: u64,
    clock_ms: i64,
}

impl UserStore {
    pub(crate) fn new() -> Self {
        Self {
            users: HashMap::new(),
            user_counter: 0,
            made_up_counter: 0,
            clock_ms: BASE_TIMESTAMP_MS,
        }
    }

    /// The next user number and a generated id not in use yet.
    fn next_user_id(&mut self) -> (u64, String) {
        self.user_counter += 1;
        let n = self.user_counter;
        let mut attempt = n;
        loop {
            let candidate = users::clerk_id("user_", USER_ID_SALT, attempt);
            if !self.users.contains_key(&candidate) {
                return (n, candidate);
            }
            attempt = attempt.wrapping_add(1 << 32);
        }
    }

    /// Creates a plain user (with `id`, or a generated one) edited by `edit`, and returns its id.
    pub(crate) fn seed_user(&mut self, id: Option<&str>, edit: impl FnOnce(&mut Value)) -> String {
        let (n, generated) = self.next_user_id();
        let id = id.map_or(generated, str::to_owned);
        let mut user = users::seeded_user(&id, n);
        edit(&mut user);
        self.insert(id.clone(), user);
        id
    }

    /// Creates `count` realistic users of about `size` bytes each (their natural size when
    /// `None`) and returns their ids, in creation order.
    pub(crate) fn seed_realistic(&mut self, count: usize, size: Option<usize>) -> Vec<String> {
        (0..count)
            .map(|_| {
                let (n, id) = self.next_user_id();
                // 0-based, so that the first user of a fresh emulator is a plain one.
                let user = match size {
                    None => users::realistic_user(&id, n - 1),
                    Some(size) => users::large_user(&id, n - 1, size),
                };
                self.insert(id.clone(), user);
                id
            })
            .collect()
    }

    /// Inserts or replaces a user; anything but an object is kept as an empty one.
    pub(crate) fn insert(&mut self, id: String, user: Value) {
        let map = match user {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        self.users.insert(id, StoredUser::new(map));
    }

    pub(crate) fn get(&self, id: &str) -> Option<&StoredUser> {
        self.users.get(id)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.users.contains_key(id)
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Value> {
        self.users.remove(id).map(|user| user.to_value())
    }

    /// Every id, sorted.
    pub(crate) fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.users.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Applies `change` to user `id`, bumps `updated_at`, and returns the user.
    pub(crate) fn change(&mut self, id: &str, change: Change) -> Option<&StoredUser> {
        let clock = self.clock_ms;
        let user = self.users.get_mut(id)?;
        let previous = user
            .moderated
            .get("updated_at")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let updated_at = clock.max(previous) + 1000;
        self.clock_ms = updated_at;
        match change {
            Change::Ban => user.set("banned", Value::Bool(true)),
            Change::Unban => user.set("banned", Value::Bool(false)),
            Change::Lock => {
                user.set("locked", Value::Bool(true));
                user.set("lockout_expires_in_seconds", json!(LOCKOUT_SECONDS));
            }
            Change::Unlock => {
                user.set("locked", Value::Bool(false));
                user.set("lockout_expires_in_seconds", Value::Null);
                user.set(
                    "verification_attempts_remaining",
                    json!(VERIFICATION_ATTEMPTS),
                );
            }
        }
        user.set("updated_at", json!(updated_at));
        user.render_tail();
        Some(user)
    }

    /// The first user by id that is not among `asked`.
    pub(crate) fn first_other(&self, asked: &[String]) -> Option<&StoredUser> {
        self.users
            .iter()
            .filter(|(id, _)| !asked.contains(id))
            .min_by(|(a, _), (b, _)| a.cmp(b))
            .map(|(_, user)| user)
    }

    /// A user nobody has, looking as `change` would leave it: what a wrong bulk answer holds.
    pub(crate) fn made_up(&mut self, change: Change) -> StoredUser {
        loop {
            self.made_up_counter += 1;
            let n = self.made_up_counter;
            let id = users::clerk_id("user_", MADE_UP_SALT, n);
            if self.users.contains_key(&id) {
                continue;
            }
            let mut user = users::seeded_user(&id, n);
            if let Some(banned) = change.banned_after() {
                user["banned"] = Value::Bool(banned);
            }
            let Value::Object(map) = user else {
                unreachable!("a seeded user is an object")
            };
            return StoredUser::new(map);
        }
    }

    /// A page of users as `GET /v1/users` lists them.
    pub(crate) fn list(
        &self,
        filter: &Filter,
        page: &Page,
    ) -> Result<Vec<&StoredUser>, ParamError> {
        list::list(&self.users, filter, page)
    }

    /// How many users `filter` admits.
    pub(crate) fn count(&self, filter: &Filter) -> usize {
        list::count(&self.users, filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_user_is_served_as_given_and_changes_in_place() {
        let given = json!({
            "id": "user_x",
            "banned": true,
            "future_field": [1, {"nested": null}],
            "public_metadata": {"score": 1.5e300},
            "updated_at": 5,
        });
        let mut store = UserStore::new();
        store.insert("user_x".into(), given.clone());
        let user = store.get("user_x").unwrap();
        assert_eq!(user.to_value(), given);

        let after = store.change("user_x", Change::Unban).unwrap().to_value();
        assert_eq!(after["banned"], false);
        assert!(after["updated_at"].as_i64().unwrap() > BASE_TIMESTAMP_MS);
        assert_eq!(after["future_field"], given["future_field"]);
        assert_eq!(after["public_metadata"], given["public_metadata"]);
        // The view follows.
        assert_eq!(store.get("user_x").unwrap().view().banned, Some(false));

        let locked = store.change("user_x", Change::Lock).unwrap().to_value();
        assert_eq!(locked["locked"], true);
        assert_eq!(locked["lockout_expires_in_seconds"], LOCKOUT_SECONDS);
    }

    #[test]
    fn users_without_fields_or_without_moderated_ones_serialize() {
        for given in [json!({}), json!({"id": "user_y"}), json!({"banned": false})] {
            let mut store = UserStore::new();
            store.insert("k".into(), given.clone());
            assert_eq!(store.get("k").unwrap().to_value(), given);
            let banned = store.change("k", Change::Ban).unwrap().to_value();
            assert_eq!(banned["banned"], true);
        }
    }

    #[test]
    fn made_up_users_are_nobody() {
        let mut store = UserStore::new();
        let ids = store.seed_realistic(3, None);
        let made_up = store.made_up(Change::Ban).to_value();
        let id = made_up["id"].as_str().unwrap();
        assert!(id.starts_with("user_") && !store.contains(id));
        assert_eq!(made_up["banned"], true);
        assert_eq!(
            store.first_other(&ids[1..]).unwrap().to_value()["id"],
            ids[0].as_str()
        );
    }
}
