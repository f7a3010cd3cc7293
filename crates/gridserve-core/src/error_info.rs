//! What every error says about itself, checked by the compiler.
//!
//! Each error family implements [`ErrorInfo`] through [`impl_error_info!`](crate::impl_error_info):
//! one exhaustive `match` inside the crate that defines the enum (where `#[non_exhaustive]` does
//! not apply), so a new variant without a class and kind does not compile. The variant's fields
//! are its serde serialisation (`#[derive(Serialize)]` on the enum, with `#[serde(rename)]` where
//! the public attribute name differs from the Rust field). Bindings convert every family with one
//! generic function: the class names the exception, the fields become its attributes.
//!
//! Messages never repeat a long input: values are cut with [`excerpt`].

use std::fmt;

use serde::{Serialize, Serializer};

/// The class, kind and fields of an error.
pub trait ErrorInfo: std::error::Error {
    /// The snake_case kinds of this family's own variants (wrapped families list theirs).
    const KINDS: &'static [&'static str];

    /// The name of the exception class this error becomes in bindings, e.g. `"ParseError"`
    /// (a class of `gridserve.exceptions`).
    fn class(&self) -> &'static str;

    /// The variant's snake_case name, e.g. `"duplicate_id"`; equal to its serde tag.
    fn kind(&self) -> &'static str;

    /// Serialises the variant the way serde does (externally tagged: `{kind: {field: value}}`,
    /// or the bare kind for a variant without fields); a wrapped error serialises its own variant.
    ///
    /// # Errors
    /// Whatever the serializer returns.
    fn serialize_fields<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
}

/// Serialises an error's variant through [`ErrorInfo::serialize_fields`], e.g. for
/// `serde_json::to_value(FieldsOf(&err))`.
#[derive(Debug, Clone, Copy)]
pub struct FieldsOf<'a, E>(pub &'a E);

impl<E: ErrorInfo> Serialize for FieldsOf<'_, E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_fields(serializer)
    }
}

impl<E: ErrorInfo> FieldsOf<'_, E> {
    /// The variant's fields as a JSON object (empty for a variant without fields). Non-finite
    /// numbers become `null` here; bindings that keep them serialise [`FieldsOf`] directly.
    #[must_use]
    pub fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut outer)) if outer.len() == 1 => {
                match outer.values_mut().next().map(serde_json::Value::take) {
                    Some(serde_json::Value::Object(fields)) => fields,
                    _ => serde_json::Map::new(),
                }
            }
            _ => serde_json::Map::new(),
        }
    }
}

/// The longest value, in characters, an error message repeats in full.
pub const EXCERPT_CHARS: usize = 60;

/// A value as an error message may show it: in full up to [`EXCERPT_CHARS`] characters, else
/// its start, an ellipsis and the full length, so a 10 MB input never lands in a message.
///
/// ```
/// use gridserve_core::excerpt;
/// assert_eq!(excerpt("K12"), "K12");
/// let long = "x".repeat(10_000);
/// assert_eq!(excerpt(&long), format!("{}… (10000 characters)", "x".repeat(60)));
/// ```
#[must_use]
pub fn excerpt(value: &str) -> String {
    excerpt_to(value, EXCERPT_CHARS)
}

/// The longest detail text (a parser's message, which may quote the input) a message keeps.
pub const DETAIL_CHARS: usize = 300;

/// [`excerpt`] with a given limit in characters (for details such as a parser's message,
/// which [`DETAIL_CHARS`] caps).
#[must_use]
pub fn excerpt_to(value: &str, max_chars: usize) -> String {
    match value.char_indices().nth(max_chars) {
        None => value.to_owned(),
        Some((cut, _)) => format!("{}… ({} characters)", &value[..cut], value.chars().count()),
    }
}

/// [`excerpt`] of a value, debug-quoted (`"K12"`), for `#[error(...)]` formats.
#[must_use]
pub fn quoted(value: &str) -> String {
    format!("{:?}", excerpt(value))
}

/// [`excerpt_to`] with [`DETAIL_CHARS`], for parser messages and other details.
#[must_use]
pub fn detail(value: &str) -> String {
    excerpt_to(value, DETAIL_CHARS)
}

/// ", column `name`" for a parse error's field, or nothing: every reader's parse error reads
/// `file:line, column `name`: message`.
#[must_use]
pub fn column_part(field: Option<&String>) -> String {
    field.map_or_else(String::new, |f| format!(", column `{}`", excerpt(f)))
}

/// Serialises a value through its `Display` (for fields whose type has no serde form).
pub(crate) fn ser_display<T: fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Serialises an I/O error as its OS error number (or `None`).
pub(crate) fn ser_errno<S: Serializer>(e: &std::io::Error, s: S) -> Result<S::Ok, S::Error> {
    e.raw_os_error().serialize(s)
}

/// Serialises problems as a list of their fields plus `message` (their `Display`).
pub(crate) fn ser_problems<P: Serialize + fmt::Display, S: Serializer>(
    problems: &[P],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(problems.len()))?;
    for p in problems {
        let mut v = serde_json::to_value(p).map_err(serde::ser::Error::custom)?;
        if let serde_json::Value::Object(map) = &mut v {
            map.insert("message".into(), serde_json::Value::String(p.to_string()));
        }
        seq.serialize_element(&v)?;
    }
    seq.end()
}

/// Implements [`ErrorInfo`] for an error enum: each own variant with its kind (the serde tag,
/// snake_case) and exception class, and the variants that wrap another family's error
/// (`Variant(inner)`, marked `#[serde(skip_serializing)]`), which report the inner error.
///
/// The generated `match`es are exhaustive, so a variant missing here is a compile error.
#[doc(hidden)]
#[macro_export]
macro_rules! impl_error_info {
    (
        $ty:ident { $($v:ident => ($kind:literal, $class:literal)),* $(,)? }
        delegate { $($d:ident),* $(,)? }
    ) => {
        impl $crate::ErrorInfo for $ty {
            const KINDS: &'static [&'static str] = &[$($kind),*];

            fn class(&self) -> &'static str {
                match self {
                    $(Self::$v { .. } => $class,)*
                    $(Self::$d(e) => $crate::ErrorInfo::class(e),)*
                }
            }

            fn kind(&self) -> &'static str {
                match self {
                    $(Self::$v { .. } => $kind,)*
                    $(Self::$d(e) => $crate::ErrorInfo::kind(e),)*
                }
            }

            fn serialize_fields<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    $(Self::$v { .. } => ::serde::Serialize::serialize(self, serializer),)*
                    $(Self::$d(e) => $crate::ErrorInfo::serialize_fields(e, serializer),)*
                }
            }
        }
    };
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Checks one family's examples: they cover every kind of [`ErrorInfo::KINDS`] exactly,
    /// each kind is the serde tag, and the class is a non-empty `…Error` name.
    pub(crate) fn check_examples<E: ErrorInfo>(examples: &[E]) {
        let kinds: BTreeSet<&str> = examples.iter().map(ErrorInfo::kind).collect();
        let declared: BTreeSet<&str> = E::KINDS.iter().copied().collect();
        assert_eq!(kinds, declared, "every variant needs exactly one example");
        assert_eq!(E::KINDS.len(), declared.len(), "kinds are distinct");
        for e in examples {
            let v = serde_json::to_value(FieldsOf(e)).expect("fields serialise");
            let tag = match &v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Object(m) if m.len() == 1 => m.keys().next().unwrap().clone(),
                other => panic!("{}: unexpected serialisation {other}", e.kind()),
            };
            assert_eq!(tag, e.kind(), "the kind is the serde tag");
            assert!(e.class().ends_with("Error"), "{}", e.class());
            assert!(e.to_string().chars().count() < 400, "{e}");
        }
    }

    /// The example of the given kind.
    pub(crate) fn example<'a, E: ErrorInfo>(examples: &'a [E], kind: &str) -> &'a E {
        examples
            .iter()
            .find(|e| e.kind() == kind)
            .unwrap_or_else(|| panic!("no example of kind {kind}"))
    }

    #[test]
    fn excerpt_caps_long_values_on_a_char_boundary() {
        assert_eq!(excerpt(""), "");
        let exact = "主".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&exact), exact);
        let long = "主".repeat(EXCERPT_CHARS + 1);
        assert_eq!(
            excerpt(&long),
            format!(
                "{}… ({} characters)",
                "主".repeat(EXCERPT_CHARS),
                EXCERPT_CHARS + 1
            )
        );
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn crate_error_reports_the_wrapped_family() {
        let e = crate::Error::from(crate::scoring::ScoringError::ZeroWeights);
        assert_eq!(
            (e.class(), e.kind()),
            ("InvalidWeightsError", "zero_weights")
        );
        assert!(FieldsOf(&e).to_map().is_empty());
    }
}
