//! Errors of the network family.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use crate::error_info::{excerpt, quoted};

/// The type of record a problem or an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A point.
    Point,
    /// A line segment.
    Segment,
    /// A switch.
    Switch,
    /// A transformer.
    Transformer,
    /// A source.
    Source,
    /// A customer.
    Customer,
    /// A contact of a customer.
    Contact,
}

impl RecordKind {
    /// The lower-case name used in messages and in the CSV layout's file names (without `s.csv`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Point => "point",
            Self::Segment => "segment",
            Self::Switch => "switch",
            Self::Transformer => "transformer",
            Self::Source => "source",
            Self::Customer => "customer",
            Self::Contact => "contact",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The asset or customer number is empty.
    EmptyId,
    /// The asset number is used by an earlier record (points, lines and sources share one
    /// namespace; customers have their own).
    DuplicateId,
    /// A line end or an attachment names a point that does not exist.
    UnknownPoint,
    /// A line ends where it starts.
    SelfLoop,
    /// A point has no line and no source: nothing can reach it.
    DanglingPoint,
    /// A source's point has no line attached, so the source feeds nothing.
    SourceFeedsNothing,
    /// A number is NaN or infinite.
    NotFinite,
    /// A number is negative where only zero or more makes sense.
    Negative,
    /// A number is zero or negative where only more than zero makes sense.
    NotPositive,
    /// A required text field is empty.
    Empty,
    /// A value is outside its allowed range (stated in the field's documentation).
    OutOfRange,
}

impl ProblemKind {
    /// A short human description.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::EmptyId => "is empty",
            Self::DuplicateId => "is already used by another record",
            Self::UnknownPoint => "names no known point",
            Self::SelfLoop => "is the same point as the other end",
            Self::DanglingPoint => "has no line or source attached",
            Self::SourceFeedsNothing => "has no line attached, so the source feeds nothing",
            Self::NotFinite => "is not a finite number",
            Self::Negative => "is negative",
            Self::NotPositive => "is not greater than zero",
            Self::Empty => "is empty",
            Self::OutOfRange => "is out of range",
        }
    }
}

/// One problem found while validating a network: which record, which field, which value, and
/// what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Problem {
    /// The type of the record.
    pub record: RecordKind,
    /// The record's asset or customer number (for contacts: `customer#index`, 1-based).
    pub id: String,
    /// The record's 0-based position among the records of its type, as given to the builder.
    pub index: usize,
    /// The field that is wrong.
    pub field: &'static str,
    /// The offending value as text.
    pub value: String,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} (record {}): {} = {} {}",
            self.record,
            quoted(&self.id),
            self.index + 1,
            self.field,
            quoted(&self.value),
            self.kind.describe()
        )
    }
}

/// Every problem found in a set of network records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s)", self.0.len())?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// An action on the network state (see [`crate::network::Operation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Open a switch.
    Open,
    /// Close a switch.
    Close,
    /// Mark an element as faulted (it carries no power until repaired).
    Fault,
    /// Clear an element's fault.
    Repair,
    /// Take an element out of service (planned work).
    TakeOut,
    /// Return an element to service.
    Restore,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Open => "open",
            Self::Close => "close",
            Self::Fault => "fault",
            Self::Repair => "repair",
            Self::TakeOut => "take out of service",
            Self::Restore => "return to service",
        })
    }
}

/// Why an operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Only switches can be opened or closed.
    NotASwitch,
    /// The switch is already open.
    AlreadyOpen,
    /// The switch is already closed.
    AlreadyClosed,
    /// The element is already faulted.
    AlreadyFaulted,
    /// The element is not faulted, so there is nothing to repair.
    NotFaulted,
    /// The element is already out of service.
    AlreadyOutOfService,
    /// The element is already in service.
    AlreadyInService,
    /// A faulted switch cannot be closed until it is repaired.
    ClosingOntoFault,
    /// The operation does not apply to a source (sources can only be taken out of and returned
    /// to service, or faulted and repaired).
    NotApplicableToSource,
}

impl Refusal {
    /// A short human description.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::NotASwitch => "only switches can be opened or closed",
            Self::AlreadyOpen => "the switch is already open",
            Self::AlreadyClosed => "the switch is already closed",
            Self::AlreadyFaulted => "the element is already faulted",
            Self::NotFaulted => "the element is not faulted",
            Self::AlreadyOutOfService => "the element is already out of service",
            Self::AlreadyInService => "the element is already in service",
            Self::ClosingOntoFault => "the switch is faulted and must be repaired before closing",
            Self::NotApplicableToSource => "the operation does not apply to a source",
        }
    }
}

/// Errors of the network family: validation, lookups, operations, import and export.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)).
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NetworkError {
    /// The records do not make a valid network; every problem found is listed.
    #[error("invalid network: {problems}")]
    Invalid {
        /// All problems, in record order.
        #[serde(serialize_with = "ser_problems")]
        problems: Problems,
    },
    /// The network is larger than the model's compact ids and offsets can address.
    #[error("too many {what}: {count} (at most {limit})")]
    TooLarge {
        /// What overflowed.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The most the model holds.
        limit: usize,
    },
    /// No point, line or source has this asset number.
    #[error(
        "unknown element {}: no point, line or source has this asset number",
        quoted(asset)
    )]
    UnknownElement {
        /// The asset number asked for.
        asset: String,
    },
    /// No customer has this customer number.
    #[error("unknown customer {}", quoted(number))]
    UnknownCustomer {
        /// The customer number asked for.
        number: String,
    },
    /// A dense id is out of range for this network.
    #[error("{kind} id {id} is out of range (the network has {len})")]
    IdOutOfRange {
        /// What the id refers to: `point`, `line`, `source` or `customer`.
        kind: &'static str,
        /// The id.
        id: u32,
        /// How many elements of that kind the network has.
        len: usize,
    },
    /// An operation cannot be carried out in the current state; the state is unchanged.
    #[error("cannot {action} {}: {}", quoted(asset), reason.describe())]
    Refused {
        /// The element's asset number.
        asset: String,
        /// What was asked.
        action: Action,
        /// Why it was refused.
        reason: Refusal,
    },
    /// A state was used with a network it was not made for.
    #[error(
        "the state has {state_points} points and {state_lines} lines but the network has {points} and {lines}"
    )]
    StateMismatch {
        /// Points in the state.
        state_points: usize,
        /// Lines in the state.
        state_lines: usize,
        /// Points in the network.
        points: usize,
        /// Lines in the network.
        lines: usize,
    },
    /// A scope was used with a topology index other than the one (or the version) that made it.
    #[error(
        "the scope was made by topology version {scope}, but the index is now version {topology}"
    )]
    StaleScope {
        /// The version the scope was made against.
        #[serde(rename = "scope_version")]
        scope: u64,
        /// The index's current version.
        #[serde(rename = "topology_version")]
        topology: u64,
    },
    /// A record of a foreign model (such as a pandapower table row) cannot be mapped to the
    /// point-line model.
    #[error(
        "cannot map {table} {}: {field} = {}: {reason}",
        excerpt(id),
        quoted(value)
    )]
    Unmappable {
        /// The foreign table (for example `switch`).
        table: &'static str,
        /// The row's id in that table.
        id: String,
        /// The column concerned.
        field: &'static str,
        /// The offending value as text.
        value: String,
        /// Why it cannot be mapped.
        reason: String,
    },
    /// A CSV or JSON input could not be parsed.
    #[error("{file}:{line}{}: {}", crate::error_info::column_part(field.as_ref()), crate::error_info::detail(message))]
    Parse {
        /// The file (or stream) name.
        file: String,
        /// 1-based line number (0 if unknown).
        line: u64,
        /// The field (column) concerned, if known.
        field: Option<String>,
        /// What is wrong.
        #[serde(rename = "detail")]
        message: String,
    },
    /// An option of a network query (capacity, inference, restoration) is out of its range.
    #[error("option {field} = {}: {reason}", quoted(value))]
    InvalidOption {
        /// The option's name (its JSON key).
        field: &'static str,
        /// The value given, as text.
        value: String,
        /// The allowed range.
        reason: &'static str,
    },
    /// An evidence item for outage inference is not usable.
    #[error("evidence item {index}: {field} = {}: {reason}", quoted(value))]
    InvalidEvidence {
        /// The item's position in the input (0-based).
        index: usize,
        /// The field concerned.
        field: &'static str,
        /// The value given, as text (cut if long).
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: String,
        /// The underlying error (its OS error number is the `errno` field).
        #[source]
        #[serde(rename = "errno", serialize_with = "crate::error_info::ser_errno")]
        source: std::io::Error,
    },
}

fn ser_problems<S: Serializer>(problems: &Problems, s: S) -> Result<S::Ok, S::Error> {
    crate::error_info::ser_problems(&problems.0, s)
}

crate::impl_error_info! {
    NetworkError {
        Invalid => ("invalid", "InvalidNetworkError"),
        TooLarge => ("too_large", "TooLargeError"),
        UnknownElement => ("unknown_element", "UnknownElementError"),
        UnknownCustomer => ("unknown_customer", "UnknownCustomerError"),
        IdOutOfRange => ("id_out_of_range", "IdOutOfRangeError"),
        Refused => ("refused", "OperationRefusedError"),
        StateMismatch => ("state_mismatch", "StateMismatchError"),
        StaleScope => ("stale_scope", "StaleScopeError"),
        Unmappable => ("unmappable", "UnmappableError"),
        Parse => ("parse", "ParseError"),
        InvalidOption => ("invalid_option", "InvalidOptionError"),
        InvalidEvidence => ("invalid_evidence", "InvalidEvidenceError"),
        Io => ("io", "GridserveIOError"),
    }
    delegate {}
}

impl NetworkError {
    /// An [`NetworkError::InvalidOption`] for a number.
    pub(crate) fn invalid_option(field: &'static str, value: f64, reason: &'static str) -> Self {
        Self::InvalidOption {
            field,
            value: value.to_string(),
            reason,
        }
    }

    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::Invalid {
                problems: Problems(vec![Problem {
                    record: RecordKind::Segment,
                    id: "L1".into(),
                    index: 0,
                    field: "asset",
                    value: "L1".into(),
                    kind: ProblemKind::DuplicateId,
                }]),
            },
            Self::TooLarge {
                what: "points",
                count: 5,
                limit: 4,
            },
            Self::UnknownElement {
                asset: "K99".into(),
            },
            Self::UnknownCustomer {
                number: "C404".into(),
            },
            Self::IdOutOfRange {
                kind: "line",
                id: 10,
                len: 8,
            },
            Self::Refused {
                asset: "L1".into(),
                action: Action::Open,
                reason: Refusal::NotASwitch,
            },
            Self::StateMismatch {
                state_points: 1,
                state_lines: 2,
                points: 3,
                lines: 4,
            },
            Self::StaleScope {
                scope: 1,
                topology: 2,
            },
            Self::Unmappable {
                table: "switch",
                id: "3".into(),
                field: "bus",
                value: "x".repeat(1000),
                reason: "names no bus".into(),
            },
            Self::Parse {
                file: "points.csv".into(),
                line: 3,
                field: Some("x".into()),
                message: "not a number".into(),
            },
            Self::InvalidOption {
                field: "reserve_margin",
                value: "1.5".into(),
                reason: "must be in [0, 1)",
            },
            Self::InvalidEvidence {
                index: 3,
                field: "kind",
                value: "power_off".into(),
                reason: "needs a customer or an asset",
            },
            Self::Io {
                path: "missing.csv".into(),
                source: std::io::Error::from_raw_os_error(2),
            },
        ]
    }
}

#[cfg(test)]
mod info_tests {
    use super::*;
    use crate::{ErrorInfo, FieldsOf};

    #[test]
    fn every_variant_has_an_example_class_and_kind() {
        crate::error_info::tests::check_examples(&NetworkError::examples());
    }

    #[test]
    fn fields_use_the_public_names_and_snake_case_kinds() {
        use crate::error_info::tests::example as ex;
        let all = NetworkError::examples();
        let invalid = FieldsOf(ex(&all, "invalid")).to_map();
        assert_eq!(invalid["problems"][0]["kind"], "duplicate_id");
        assert_eq!(invalid["problems"][0]["record"], "segment");
        assert!(
            invalid["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("L1")
        );
        let stale = FieldsOf(ex(&all, "stale_scope")).to_map();
        assert_eq!(
            (
                stale["scope_version"].as_u64(),
                stale["topology_version"].as_u64()
            ),
            (Some(1), Some(2))
        );
        let io = FieldsOf(ex(&all, "io")).to_map();
        assert_eq!(io["errno"], 2);
        let parse = FieldsOf(ex(&all, "parse")).to_map();
        assert_eq!(parse["detail"], "not a number");
        assert_eq!(ex(&all, "refused").class(), "OperationRefusedError");
    }

    #[test]
    fn messages_cap_echoed_values() {
        let big = "9".repeat(10_000_000);
        for e in [
            NetworkError::UnknownElement { asset: big.clone() },
            NetworkError::UnknownCustomer {
                number: big.clone(),
            },
            NetworkError::Unmappable {
                table: "load",
                id: big.clone(),
                field: "bus",
                value: big.clone(),
                reason: "r".into(),
            },
            NetworkError::Refused {
                asset: big,
                action: Action::Open,
                reason: Refusal::NotASwitch,
            },
        ] {
            let m = e.to_string();
            assert!(m.len() < 300, "{}", m.len());
            assert!(m.contains("(10000000 characters)"), "{m}");
        }
    }
}
