//! The errors of the CIM reader: one family, every variant naming the file, the XML line, the
//! element and (where there is one) the attribute.

use serde::Serialize;

use crate::error_info::{excerpt, quoted};
use crate::network::NetworkError;

/// A CIM RDF/XML file that cannot be read, or whose contents do not make a network.
///
/// Every variant but [`CimError::Io`] and [`CimError::Network`] names the file, the 1-based line
/// of the XML element concerned, the element (its CIM class, e.g. `Terminal`) and, where the
/// problem is about one, the attribute (the CIM property, e.g. `Conductor.length`). Nothing is
/// returned with an error: no partial model or network.
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CimError {
    /// The file could not be opened or read.
    #[error("{path}: {message}")]
    Io {
        /// The path concerned.
        path: Box<str>,
        /// What the system said.
        message: Box<str>,
    },
    /// The text is not well-formed XML, or not RDF/XML as CIM writes it (a truncated file, a
    /// mismatched end tag, an object without `rdf:ID`/`rdf:about`, a property nested too deep).
    #[error(
        "{file}:{line}: {}: {}",
        quoted(element),
        crate::error_info::detail(message)
    )]
    Xml {
        /// The file (or stream) name.
        file: Box<str>,
        /// 1-based line where the problem was found.
        line: u64,
        /// The element being read (empty at the top of the document).
        element: Box<str>,
        /// What is wrong.
        message: Box<str>,
    },
    /// A property's value is not of its type (a length that is not a number, a boolean that is
    /// neither `true` nor `false`, a negative or non-finite quantity).
    #[error(
        "{file}:{line}: {element} {}: {attribute} = {}: {reason}",
        quoted(id),
        quoted(value)
    )]
    Value {
        /// The file name.
        file: Box<str>,
        /// 1-based line of the property.
        line: u64,
        /// The object's CIM class.
        element: Box<str>,
        /// The object's mRID.
        id: Box<str>,
        /// The CIM property.
        attribute: Box<str>,
        /// The value as written (cut if long).
        value: Box<str>,
        /// What is wrong with it.
        reason: Box<str>,
    },
    /// A property that the reader needs is missing (a terminal without its equipment or
    /// connectivity node, an object without the name chosen as its asset number, a source
    /// without a capacity when no default is given).
    #[error("{file}:{line}: {element} {}: {attribute} is missing", quoted(id))]
    Missing {
        /// The file name.
        file: Box<str>,
        /// 1-based line of the object.
        line: u64,
        /// The object's CIM class.
        element: Box<str>,
        /// The object's mRID.
        id: Box<str>,
        /// The CIM property that is missing.
        attribute: Box<str>,
    },
    /// A reference (`rdf:resource`) names no object of the file, or an object of the wrong class.
    #[error(
        "{file}:{line}: {element} {}: {attribute} refers to {}, {reason}",
        quoted(id),
        quoted(target)
    )]
    UnknownReference {
        /// The file name.
        file: Box<str>,
        /// 1-based line of the referring object.
        line: u64,
        /// The referring object's CIM class.
        element: Box<str>,
        /// The referring object's mRID.
        id: Box<str>,
        /// The referring property.
        attribute: Box<str>,
        /// The mRID referred to.
        target: Box<str>,
        /// Why it does not resolve (`which no object of the file has`, or the class found).
        reason: Box<str>,
    },
    /// A device has another number of terminals (or a transformer of ends) than its class has.
    #[error(
        "{file}:{line}: {element} {}: {count} {what}, {expected} expected",
        quoted(id)
    )]
    WrongCount {
        /// The file name.
        file: Box<str>,
        /// 1-based line of the device.
        line: u64,
        /// The device's CIM class.
        element: Box<str>,
        /// The device's mRID.
        id: Box<str>,
        /// What was counted: `terminals` or `ends`.
        what: &'static str,
        /// How many the file gives.
        count: usize,
        /// How many the class has.
        expected: usize,
    },
    /// Two objects of the file have the same mRID (`rdf:ID`/`rdf:about`).
    #[error(
        "{file}:{line}: {element} {}: the mRID is already used by the {first_element} on line {first_line}",
        quoted(id)
    )]
    DuplicateId {
        /// The file name.
        file: Box<str>,
        /// 1-based line of the second object.
        line: u64,
        /// The second object's CIM class.
        element: Box<str>,
        /// The mRID.
        id: Box<str>,
        /// The first object's CIM class.
        first_element: Box<str>,
        /// 1-based line of the first object.
        first_line: u64,
    },
    /// An option of the reader is out of its range.
    #[error("option {field} = {}: {reason}", quoted(value))]
    InvalidOption {
        /// The option's name.
        field: &'static str,
        /// The value given, as text.
        value: Box<str>,
        /// The allowed range.
        reason: &'static str,
    },
    /// The records read do not make a valid network (the network builder's problems).
    #[error(transparent)]
    #[serde(skip_serializing)]
    Network(#[from] NetworkError),
}

crate::impl_error_info! {
    CimError {
        Io => ("io", "GridserveIOError"),
        Xml => ("xml", "ParseError"),
        Value => ("value", "ParseError"),
        Missing => ("missing", "ParseError"),
        UnknownReference => ("unknown_reference", "ParseError"),
        WrongCount => ("wrong_count", "ParseError"),
        DuplicateId => ("duplicate_id", "ParseError"),
        InvalidOption => ("invalid_option", "InvalidOptionError"),
    }
    delegate { Network }
}

impl CimError {
    /// One error of every own kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::Io {
                path: "feeder.xml".into(),
                message: "No such file or directory (os error 2)".into(),
            },
            Self::Xml {
                file: "feeder.xml".into(),
                line: 41,
                element: "Terminal".into(),
                message: "the file ends inside this element (truncated?)".into(),
            },
            Self::Value {
                file: "feeder.xml".into(),
                line: 12,
                element: "ACLineSegment".into(),
                id: "L-1".into(),
                attribute: "Conductor.length".into(),
                value: excerpt("1,2").into(),
                reason: "not a number".into(),
            },
            Self::Missing {
                file: "feeder.xml".into(),
                line: 20,
                element: "Terminal".into(),
                id: "T-1".into(),
                attribute: "Terminal.ConnectivityNode".into(),
            },
            Self::UnknownReference {
                file: "feeder.xml".into(),
                line: 20,
                element: "Terminal".into(),
                id: "T-1".into(),
                attribute: "Terminal.ConnectivityNode".into(),
                target: "CN-9".into(),
                reason: "which no object of the file has".into(),
            },
            Self::WrongCount {
                file: "feeder.xml".into(),
                line: 30,
                element: "Breaker".into(),
                id: "CB-1".into(),
                what: "terminals",
                count: 3,
                expected: 2,
            },
            Self::DuplicateId {
                file: "feeder.xml".into(),
                line: 50,
                element: "Breaker".into(),
                id: "CB-1".into(),
                first_element: "Breaker".into(),
                first_line: 30,
            },
            Self::InvalidOption {
                field: "source_capacity_kva",
                value: "-1".into(),
                reason: "a finite number > 0",
            },
        ]
    }
}
