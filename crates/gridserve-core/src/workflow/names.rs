//! Names derived from the serde tags: a command's, an event's and a state's name are what
//! they serialize to (`{"type": "issue_notice"}` → `issue_notice`; a status variant
//! `NoticeIssued` → `notice_issued`), so no table of names is written twice.
//!
//! [`serde_tag`] runs the value's `Serialize` into a serializer that stops at the tag (the
//! first field of an internally tagged enum, or the variant name of an externally tagged
//! one): it costs one short string, not a serialization of the whole value.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// The serde tag of `value`: the `type` field of an internally tagged enum, the variant name
/// of an externally tagged one (a unit-variant status enum), or a plain string. Anything else
/// (a value with no tag) gives `"?"`.
pub(crate) fn serde_tag<T: Serialize + ?Sized>(value: &T) -> String {
    match value.serialize(TagCatcher) {
        Err(Stop(Some(tag))) => tag,
        _ => "?".to_owned(),
    }
}

/// Ends the serialization: with the tag when it was found.
#[derive(Debug)]
struct Stop(Option<String>);

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tag caught")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Stop(None)
    }
}

/// A serializer that only catches a tag.
struct TagCatcher;

/// The first field of a struct, if it is the tag `type`.
struct FieldCatcher;

macro_rules! no_tag {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<(), Stop> { Err(Stop(None)) })*
    };
}

impl ser::Serializer for TagCatcher {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = FieldCatcher;
    type SerializeStructVariant = Impossible<(), Stop>;

    no_tag!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        Err(Stop(Some(v.to_owned())))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Stop> {
        v.serialize(self)
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Stop> {
        Err(Stop(Some(v.to_owned())))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: &T,
    ) -> Result<(), Stop> {
        Err(Stop(Some(v.to_owned())))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(Stop(None))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(Stop(None))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(Stop(None))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(Stop(Some(v.to_owned())))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop(None))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<FieldCatcher, Stop> {
        Ok(FieldCatcher)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        Err(Stop(Some(v.to_owned())))
    }
}

impl ser::SerializeStruct for FieldCatcher {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        if key == "type" {
            value.serialize(TagCatcher)
        } else {
            Err(Stop(None))
        }
    }

    fn end(self) -> Result<(), Stop> {
        Err(Stop(None))
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::serde_tag;

    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Internal {
        IssueNotice,
        Record { note: String },
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum External {
        NoticeIssued,
        Paid(u8),
    }

    #[test]
    fn tags_of_tagged_enums_and_statuses() {
        assert_eq!(serde_tag(&Internal::IssueNotice), "issue_notice");
        let r = Internal::Record { note: "x".into() };
        assert_eq!(serde_tag(&r), "record");
        assert_eq!(serde_tag(&External::NoticeIssued), "notice_issued");
        assert_eq!(serde_tag(&External::Paid(1)), "paid");
        assert_eq!(serde_tag("plain"), "plain");
        assert_eq!(serde_tag(&3_u8), "?");
    }
}
