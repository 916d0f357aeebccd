//! `UserId`: a validated Clerk user id, safe to put in a URL path.

use std::fmt;
use std::sync::Arc;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{BuildError, UserIdProblem};

/// The longest id accepted. Clerk's are 32 characters (`user_` and 27 more); 128 leaves room for
/// other id schemes behind emulators and proxies, and refuses absurd input.
pub const MAX_USER_ID_LEN: usize = 128;

/// What a path segment must escape: everything but RFC 3986's unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A Clerk user id, checked so that it can only ever name one user's path. Cheap to clone
/// (a shared string): a run of 100 000 users hands ids around without copying them.
///
/// Refuses what cannot be a Clerk user id and could change which path a request goes to: empty,
/// `.` and `..`, `/`, `\`, `?`, `#`, `%`, whitespace, control and non-ASCII characters, and more
/// than [`MAX_USER_ID_LEN`] bytes. The path segment is percent-encoded all the same.
///
/// ```
/// use clerk_moderation_core::UserId;
///
/// assert!(UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S").is_ok());
/// assert!(UserId::new("../admin").is_err());
/// assert!(UserId::new("user_1/ban").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(Arc<str>);

impl UserId {
    /// Checks and wraps a user id.
    pub fn new(id: impl AsRef<str>) -> Result<Self, BuildError> {
        let id = id.as_ref();
        match problem(id) {
            None => Ok(Self(id.into())),
            Some(problem) => Err(BuildError::InvalidUserId {
                id: excerpt(id),
                problem,
            }),
        }
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the id has the form of Clerk's own user ids: `user_` followed by one or more
    /// ASCII letters and digits (`user_2g7np7Hrk0SN6kj5EDMLDaKNL0S`).
    ///
    /// [`UserId::new`] accepts more (an emulator's or a proxy's ids, as long as they can only
    /// name one path); a tool that takes ids from people checks this too, so that `usr_123` or
    /// a CSV header is caught before anything is sent.
    ///
    /// ```
    /// use clerk_moderation_core::UserId;
    ///
    /// assert!(UserId::new("user_2g7np7Hrk0SN6kj5EDMLDaKNL0S").unwrap().has_clerk_form());
    /// assert!(!UserId::new("usr_123").unwrap().has_clerk_form());
    /// assert!(!UserId::new("user_").unwrap().has_clerk_form());
    /// assert!(!UserId::new("user_x,user_y").unwrap().has_clerk_form());
    /// ```
    pub fn has_clerk_form(&self) -> bool {
        self.0
            .strip_prefix("user_")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
    }

    /// The id as a percent-encoded path segment.
    pub fn path_segment(&self) -> impl fmt::Display + '_ {
        utf8_percent_encode(&self.0, PATH_SEGMENT)
    }
}

fn problem(id: &str) -> Option<UserIdProblem> {
    if id.is_empty() {
        return Some(UserIdProblem::Empty);
    }
    if id.len() > MAX_USER_ID_LEN {
        return Some(UserIdProblem::TooLong);
    }
    if id == "." || id == ".." {
        return Some(UserIdProblem::DotSegment);
    }
    for c in id.chars() {
        let problem = match c {
            '/' | '\\' | '?' | '#' | '%' => UserIdProblem::ForbiddenCharacter(c),
            c if c.is_control() => UserIdProblem::ControlCharacter,
            c if c.is_whitespace() => UserIdProblem::Whitespace,
            c if !c.is_ascii() => UserIdProblem::NonAscii,
            _ => continue,
        };
        return Some(problem);
    }
    None
}

/// A printable excerpt of a refused id for the error: escaped (no raw CR/LF reaches a log) and
/// cut to 64 characters (a 10 000-character id does not flood one).
fn excerpt(id: &str) -> String {
    let mut out: String = id.chars().take(64).flat_map(char::escape_default).collect();
    if id.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({:?})", &*self.0)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UserId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for UserId {
    type Error = BuildError;
    fn try_from(id: &str) -> Result<Self, BuildError> {
        Self::new(id)
    }
}

impl TryFrom<String> for UserId {
    type Error = BuildError;
    fn try_from(id: String) -> Result<Self, BuildError> {
        Self::new(id)
    }
}

impl std::str::FromStr for UserId {
    type Err = BuildError;
    fn from_str(id: &str) -> Result<Self, BuildError> {
        Self::new(id)
    }
}

/// Serializes as the id's string.
impl serde::Serialize for UserId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Deserializes from a string, checked as [`UserId::new`] checks it: an id that could name
/// another path is refused while deserializing (an axum `Path<UserId>` answers 400 for it).
///
/// ```
/// use clerk_moderation_core::UserId;
///
/// let id: UserId = serde_json::from_str(r#""user_1""#).unwrap();
/// assert_eq!(id.as_str(), "user_1");
/// assert!(serde_json::from_str::<UserId>(r#""user_1/ban""#).is_err());
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""user_1""#);
/// ```
impl<'de> serde::Deserialize<'de> for UserId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = UserId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Clerk user id")
            }
            fn visit_str<E: serde::de::Error>(self, id: &str) -> Result<UserId, E> {
                UserId::new(id).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}
