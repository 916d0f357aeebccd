//! Small building blocks shared by the other strategy modules: strings, numbers, JSON values
//! and unknown fields.

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// A short string: mostly identifier-like ASCII, sometimes any Unicode (controls, quotes,
/// backslashes, line separators and astral characters included, which JSON must escape).
///
/// Built from a length and a seed rather than a regex: a user has hundreds of strings, and
/// regex generation is slow in debug builds. Shrinks towards shorter strings and `a`s.
pub fn short_string() -> BoxedStrategy<String> {
    prop_oneof![
        6 => (0usize..=12, any::<u64>()).prop_map(|(len, seed)| chars_from(IDENT, len, seed)),
        2 => (0usize..=8, any::<u64>()).prop_map(|(len, seed)| chars_from(TRICKY, len, seed)),
        1 => ".{0,8}",
    ]
    .boxed()
}

/// Identifier-like characters.
const IDENT: &[char] = &[
    'a', 'b', 'c', 'x', 'y', 'z', '0', '1', '9', '_', 'A', 'Q', 'Z', '-', '.', 'k', 'm', 'q',
];

/// Lower-case letters and `_`, for field names.
pub(crate) const LOWER: &[char] = &[
    'a', 'b', 'e', 'i', 'l', 'n', 'o', 'r', 's', 't', 'u', 'z', '_',
];

/// Characters JSON must escape or that trip up text handling.
const TRICKY: &[char] = &[
    'a',
    '"',
    '\\',
    '/',
    '\u{0}',
    '\u{1f}',
    '\n',
    '\r',
    '\t',
    '\u{7f}',
    '\u{e9}',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '\u{fffd}',
    '\u{1F600}',
    '\u{10FFFF}',
    ' ',
    '{',
    '}',
    '<',
    '&',
];

/// `len` characters of `alphabet`, picked by a xorshift generator seeded with `seed`.
pub(crate) fn chars_from(alphabet: &[char], len: usize, seed: u64) -> String {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize]
        })
        .collect()
}

/// An optional short string.
pub fn opt_string() -> BoxedStrategy<Option<String>> {
    option::of(short_string()).boxed()
}

/// A Clerk timestamp (Unix milliseconds): mostly realistic, sometimes any `i64`.
pub fn timestamp() -> BoxedStrategy<i64> {
    prop_oneof![
        4 => 1_500_000_000_000i64..2_100_000_000_000,
        1 => any::<i64>(),
        1 => Just(0i64),
    ]
    .boxed()
}

/// An optional timestamp or count.
pub fn opt_i64() -> BoxedStrategy<Option<i64>> {
    option::of(prop_oneof![3 => timestamp(), 1 => -5i64..1000]).boxed()
}

/// Any JSON value, bounded: depth at most 2, a handful of items.
///
/// Numbers are `i64`, `u64` beyond `i64` and finite `f64`s that survive `serde_json` text
/// unchanged. (Without serde_json's `float_roundtrip` feature, parsing is not correctly rounded
/// for some extreme floats, such as `-1.2331761056012127e-142`; those are left out, since
/// they test serde_json's parser, not the model.)
pub fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (i64::MAX as u64 + 1..=u64::MAX).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite, survives serde_json text", |f| survives_text(*f))
            .prop_map(Value::from),
        short_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(short_string(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A JSON value that is not `null` (what an `Option<serde_json::Value>` field holds as `Some`).
pub fn non_null_json_value() -> BoxedStrategy<Value> {
    json_value()
        .prop_filter("not null", |v| !v.is_null())
        .boxed()
}

/// Metadata: a JSON object of an application's own keys.
pub fn metadata() -> BoxedStrategy<Map<String, Value>> {
    btree_map(short_string(), json_value(), 0..3)
        .prop_map(|m| m.into_iter().collect())
        .boxed()
}

/// Unknown fields for an object whose modelled keys are `known`: keys that are none of them,
/// with any JSON value. Empty half of the time.
pub fn extra_fields(known: &'static [&'static str]) -> BoxedStrategy<Map<String, Value>> {
    extra_fields_where(move |key| known.contains(&key)).boxed()
}

/// Unknown fields for an object whose modelled keys are those `is_known` accepts.
pub(crate) fn extra_fields_where(
    is_known: impl Fn(&str) -> bool + Clone + 'static,
) -> BoxedStrategy<Map<String, Value>> {
    let key = prop_oneof![
        3 => (1usize..=10, any::<u64>()).prop_map(|(len, seed)| format!("x{}", chars_from(LOWER, len, seed))),
        1 => (1usize..=6, any::<u64>()).prop_map(|(len, seed)| chars_from(TRICKY, len, seed)),
        1 => prop::sample::select(DRIFT_KEYS).prop_map(str::to_owned),
    ]
    .prop_filter("unknown key", move |k| !is_known(k));
    prop_oneof![
        1 => Just(Map::new()),
        1 => btree_map(key, json_value(), 1..3).prop_map(|m| m.into_iter().collect()),
    ]
    .boxed()
}

/// Field names Clerk has added or dropped over time, to make unknown fields look real.
const DRIFT_KEYS: &[&str] = &[
    "locale",
    "bypass_client_trust",
    "deprovisioned",
    "scim",
    "enterprise_accounts",
    "profile_image_url",
    "birthday",
    "gender",
    "requires_password_reset",
    "mfa_required",
    "x_future_field",
];

/// Whether `f` is finite and parses back from its `serde_json` text to exactly itself.
pub(crate) fn survives_text(f: f64) -> bool {
    f.is_finite()
        && serde_json::to_string(&f)
            .ok()
            .and_then(|text| serde_json::from_str::<f64>(&text).ok())
            .is_some_and(|back| back.to_bits() == f.to_bits() || back == f)
}
