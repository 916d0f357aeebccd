//! Open enums: string values Clerk documents today, and a fallback for the ones it adds tomorrow.

/// Declares an open string enum: known values as variants, anything else kept in `Unknown`.
///
/// `as_str` gives back exactly the string that was parsed, so values round-trip.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:literal,
            )*
        }
        $(
            families {
                $(
                    $(#[$fmeta:meta])*
                    $family:ident(prefix $prefix:literal),
                )*
            }
        )?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )*
            $($(
                $(#[$fmeta])*
                $family(String),
            )*)?
            /// A value this version does not know, kept as it came.
            Unknown(String),
        }

        impl $name {
            /// The wire value, exactly as Clerk sends it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    $($(Self::$family(full) => full,)*)?
                    Self::Unknown(other) => other,
                }
            }

            /// Parses a wire value; values this version does not know become `Unknown`.
            #[allow(clippy::should_implement_trait)]
            pub fn from_str(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    $($(other if other.len() > $prefix.len() && other.starts_with($prefix) => {
                        Self::$family(other.to_owned())
                    })*)?
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// Whether this is a value this version does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl $crate::model::object::FieldType for $name {}

        impl Default for $name {
            /// An empty unknown value: what a missing field becomes.
            fn default() -> Self {
                Self::Unknown(String::new())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::from_str(value)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct OpenEnumVisitor;
                impl serde::de::Visitor<'_> for OpenEnumVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        Ok($name::from_str(value))
                    }
                }
                deserializer.deserialize_str(OpenEnumVisitor)
            }
        }
    };
}

pub(crate) use open_enum;
