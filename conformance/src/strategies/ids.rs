//! User ids (valid and hostile) and secret keys (valid and invalid).

use clerk_moderation_core::{MAX_USER_ID_LEN, UserId};
use proptest::collection::vec;
use proptest::prelude::*;

/// A user id `UserId::new` accepts: mostly Clerk's own shape (`user_` and 27 alphanumerics),
/// also other id schemes (emulators, proxies): RFC 3986 unreserved characters, visible ASCII
/// that must be percent-encoded in a path (`:`, `@`, `;`, `"`, `+`…), lone route words (`ban`,
/// `unban`, `lock`), `...`, and ids of exactly the maximum length.
pub fn valid_user_id() -> BoxedStrategy<String> {
    prop_oneof![
        6 => "user_[A-Za-z0-9]{27}",
        2 => "[A-Za-z0-9._~-]{1,40}".prop_filter("not a dot segment", |s| s != "." && s != ".."),
        // Visible ASCII but `#`, `%`, `/`, `?` and `\`.
        2 => r#"[!-"$&-.0->@-\[\]-~]{1,40}"#
            .prop_filter("not a dot segment", |s| s != "." && s != ".."),
        1 => prop::sample::select(&["ban", "unban", "lock", "unlock", "users", "v1", "...", "~", "-"][..])
            .prop_map(str::to_owned),
        1 => "[a-z]{1}".prop_map(|c| c.repeat(MAX_USER_ID_LEN)),
    ]
    .boxed()
}

/// A [`UserId`] built from [`valid_user_id`].
pub fn user_id() -> BoxedStrategy<UserId> {
    valid_user_id()
        .prop_map(|id| match UserId::new(&id) {
            Ok(id) => id,
            Err(e) => panic!("valid_user_id generated {id:?}, which UserId refuses: {e}"),
        })
        .boxed()
}

/// Fragments that try to leave the `{user_id}` path segment or smuggle something: path
/// separators, dot segments, query and fragment starters, percent escapes (raw and
/// double-encoded), CR/LF and other controls, whitespace, Unicode look-alikes and bidi
/// overrides, and characters some servers treat specially.
const HOSTILE_FRAGMENTS: &[&str] = &[
    "../",
    "..",
    ".",
    "/",
    "//",
    "\\",
    "..\\",
    "?",
    "?x=1",
    "#",
    "#frag",
    "%",
    "%2e%2e",
    "%2E%2E%2F",
    "%2f",
    "%252e",
    "%00",
    "%0d%0a",
    "\r",
    "\n",
    "\r\nX-Injected: 1",
    "\u{0}",
    "\t",
    " ",
    "\u{a0}",
    "\u{85}",
    "\u{2028}",
    "\u{200b}",
    "\u{202e}",
    "\u{feff}",
    "\u{ff0f}",
    "\u{2215}",
    "\u{e9}",
    "\u{1F600}",
    ";",
    ":",
    "@",
    "&",
    "=",
    "+",
    "$",
    ",",
    "'",
    "\"",
    "<",
    ">",
    "[",
    "]",
    "{",
    "}",
    "|",
    "^",
    "`",
    "*",
    "!",
    "(",
    ")",
    "~",
    "-",
    "_",
    "ban",
    "unban",
    "/ban",
    "/unlock",
    "users",
];

/// A hostile user id: empty, dot segments, `..`-paths, ids with `/`, `?`, `#`, `%`, escapes,
/// CR/LF and other controls, whitespace, non-ASCII, and huge ones. Some are harmless once
/// percent-encoded (`a:b@c`, `...`, `ban`) and are accepted; a property must check that those
/// name exactly one path segment.
pub fn hostile_user_id() -> BoxedStrategy<String> {
    let fragment = prop::sample::select(HOSTILE_FRAGMENTS).prop_map(str::to_owned);
    let word = "[A-Za-z0-9_]{0,8}";
    prop_oneof![
        // A fragment alone (`..`, `/`, `%2e%2e`…).
        3 => fragment.clone(),
        // Fragments around valid characters, as a path-traversal or injection attempt would.
        6 => vec((word, fragment.clone()), 1..4).prop_flat_map(move |parts| {
            (Just(parts), word).prop_map(|(parts, tail)| {
                let mut id: String = parts.into_iter().map(|(w, f)| w + &f).collect();
                id.push_str(&tail);
                id
            })
        }),
        1 => Just(String::new()),
        1 => Just("...".to_owned()),
        // Around the length limit, and absurdly long.
        1 => (MAX_USER_ID_LEN - 1..=MAX_USER_ID_LEN + 2).prop_map(|n| "u".repeat(n)),
        1 => (MAX_USER_ID_LEN + 1..=20_000usize).prop_map(|n| "a".repeat(n)),
        // Any Unicode at all.
        2 => ".{1,12}",
        2 => any::<String>(),
    ]
    .boxed()
}

/// A secret key `SecretKey::new` accepts: Clerk's `sk_test_…`/`sk_live_…` shape, any visible
/// ASCII, and keys near the 512-byte limit. At least 16 bytes, so that finding it in some
/// output is never a coincidence.
pub fn secret_key_string() -> BoxedStrategy<String> {
    prop_oneof![
        6 => "sk_(test|live)_[A-Za-z0-9]{24,48}",
        3 => "[!-~]{16,80}",
        1 => "[A-Za-z0-9]{500,512}",
    ]
    .boxed()
}

/// A secret key `SecretKey::new` refuses (whitespace, CR/LF and other controls, non-ASCII,
/// more than 512 bytes), still long and random enough (16 bytes and more) that finding it in
/// some output is never a coincidence.
pub fn invalid_secret_key_string() -> BoxedStrategy<String> {
    let bad = prop::sample::select(
        &[
            " ",
            "\t",
            "\r\n",
            "\n",
            "\u{0}",
            "\u{7f}",
            "\u{e9}",
            "\u{1F511}",
        ][..],
    );
    prop_oneof![
        4 => ("sk_(test|live)_[A-Za-z0-9]{12,24}", bad, "[A-Za-z0-9]{0,12}")
            .prop_map(|(head, bad, tail)| format!("{head}{bad}{tail}")),
        1 => "sk_test_[A-Za-z0-9]{600,700}",
        1 => "[!-~]{8,16} [!-~]{8,16}",
    ]
    .boxed()
}
