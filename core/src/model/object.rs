//! The machinery behind every model struct: a streaming, lossless JSON mapping.
//!
//! Clerk's payloads drift from the spec in three ways (see `shared/DESIGN.md`): fields appear that
//! the spec lacks, fields the spec calls required go missing, and fields come back `null` that the
//! spec calls non-nullable. A derived `Deserialize` handles none of these losslessly: `#[serde(default)]`
//! forgets that a field was missing, and `#[serde(flatten)]` for the unknown fields buffers the
//! whole object and is several times slower.
//!
//! [`clerk_object!`] generates the struct and a hand-written visitor instead. The visitor walks the
//! object once, borrows keys straight from the input where it can, and records in a [`Shape`]
//! which modelled fields were absent and which came as `null`. Serializing consults the shape: a
//! field that was absent (and still holds its default) is left out, a field that was `null` (and
//! still holds its default) is written as `null`. Unknown fields go to `extra` and come back out
//! unchanged. Parsing then serializing therefore gives back the same JSON value, field for field.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Which modelled fields were absent or `null` in the JSON a value was parsed from.
///
/// One bit a field, in declaration order; a value built in code has an empty shape, so every
/// field is written out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Shape {
    pub(crate) absent: u64,
    pub(crate) null: u64,
}

/// An object key, borrowed from the input when the input allows it (no escapes).
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// How a field type relates to JSON `null`.
///
/// For `Option<T>`, `null` is the default value itself, so a `null` needs no note in the
/// [`Shape`]: `None` serializes back to `null`. For every other type, a `null` is drift that the
/// shape must remember to give it back.
pub(crate) trait FieldType {
    /// Whether the type's default value serializes as `null`.
    const NULL_IS_DEFAULT: bool = false;
}

impl<T> FieldType for Option<T> {
    const NULL_IS_DEFAULT: bool = true;
}
impl FieldType for String {}
impl FieldType for bool {}
impl FieldType for i64 {}
impl<T> FieldType for Vec<T> {}
impl FieldType for serde_json::Map<String, serde_json::Value> {}

/// Declares a lossless Clerk object: the struct, `Default`, `Serialize` and `Deserialize`.
///
/// Each field may name its JSON key with `as "key"` (for keys that are Rust keywords). Every
/// field type must be `Default + PartialEq + Serialize + Deserialize`.
macro_rules! clerk_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident $(as $json:literal)? : $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
            /// Fields this version of the model does not know, kept as they came so that
            /// serializing gives them back.
            pub extra: serde_json::Map<String, serde_json::Value>,
            shape: $crate::model::object::Shape,
        }

        impl $crate::model::object::FieldType for $name {}

        const _: () = {
            use serde::de::{MapAccess, Visitor};
            use serde::ser::SerializeMap;

            #[allow(non_camel_case_types, clippy::enum_variant_names)]
            #[derive(Clone, Copy)]
            enum Field { $($field,)* }

            const FIELD_COUNT: u32 = [$(stringify!($field)),*].len() as u32;
            const _: () = assert!(FIELD_COUNT <= 64, "a Shape holds at most 64 fields");
            const ALL_FIELDS: u64 = if FIELD_COUNT == 64 { u64::MAX } else { (1u64 << FIELD_COUNT) - 1 };

            impl $name {
                /// The JSON keys this type models, in declaration order.
                pub const FIELDS: &'static [&'static str] = &[$(clerk_object!(@key $field $($json)?)),*];

                /// Whether the modelled field `key` was missing from the JSON this value was
                /// parsed from (always `false` for a value built in code).
                pub fn was_absent(&self, key: &str) -> bool {
                    Self::FIELDS.iter().position(|k| *k == key)
                        .is_some_and(|i| self.shape.absent & (1u64 << i) != 0)
                }

                /// Whether the modelled field `key` came as `null` although its type has no
                /// `null` of its own (a `bool`, a string, an array…). An `Option` field's
                /// `null` is simply `None`.
                pub fn was_null(&self, key: &str) -> bool {
                    Self::FIELDS.iter().position(|k| *k == key)
                        .is_some_and(|i| self.shape.null & (1u64 << i) != 0)
                }
            }

            impl serde::Serialize for $name {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    let mut map = serializer.serialize_map(None)?;
                    $(
                        let bit = 1u64 << (Field::$field as u32);
                        if (self.shape.absent | self.shape.null) & bit == 0
                            || self.$field != <$ty as Default>::default()
                        {
                            map.serialize_entry(clerk_object!(@key $field $($json)?), &self.$field)?;
                        } else if self.shape.null & bit != 0 {
                            map.serialize_entry(clerk_object!(@key $field $($json)?), &())?;
                        }
                    )*
                    for (key, value) in &self.extra {
                        map.serialize_entry(key, value)?;
                    }
                    map.end()
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    struct ObjectVisitor;
                    impl<'de> Visitor<'de> for ObjectVisitor {
                        type Value = $name;
                        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            f.write_str(concat!("a JSON object (", stringify!($name), ")"))
                        }
                        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                            let mut out = $name::default();
                            let mut seen = 0u64;
                            while let Some(key) = map.next_key::<$crate::model::object::Key<'de>>()? {
                                match &*key.0 {
                                    $(
                                        clerk_object!(@key $field $($json)?) => {
                                            let bit = 1u64 << (Field::$field as u32);
                                            seen |= bit;
                                            match map.next_value::<Option<$ty>>()? {
                                                Some(value) => {
                                                    out.$field = value;
                                                    out.shape.null &= !bit;
                                                }
                                                None => {
                                                    out.$field = <$ty as Default>::default();
                                                    if !<$ty as $crate::model::object::FieldType>::NULL_IS_DEFAULT {
                                                        out.shape.null |= bit;
                                                    }
                                                }
                                            }
                                        }
                                    )*
                                    _ => {
                                        let value = map.next_value::<serde_json::Value>()?;
                                        out.extra.insert(key.0.into_owned(), value);
                                    }
                                }
                            }
                            out.shape.absent = ALL_FIELDS & !seen;
                            Ok(out)
                        }
                    }
                    deserializer.deserialize_map(ObjectVisitor)
                }
            }
        };
    };
    (@key $field:ident $json:literal) => { $json };
    (@key $field:ident) => { stringify!($field) };
}

pub(crate) use clerk_object;
