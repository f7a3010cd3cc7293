//! Errors of the reliability family.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use crate::error_info::{detail, excerpt, quoted};

/// What is wrong with one field of an outage record or of a feeder of the service base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A required text field is empty.
    Empty,
    /// The id is used by an earlier record.
    DuplicateId,
    /// The end lies before the start.
    EndBeforeStart,
    /// A number is negative where only zero or more makes sense.
    Negative,
    /// A number is NaN or infinite.
    NotFinite,
    /// More customers (or more kVA) are interrupted than the feeder serves.
    MoreThanServed,
    /// The feeder is not in the service base.
    UnknownFeeder,
    /// A stage timestamp lies before the one of an earlier stage
    /// (reported ≤ dispatched ≤ arrived ≤ located ≤ restored).
    StageOutOfOrder,
    /// A customer appears twice in one record's list.
    DuplicateCustomer,
    /// The given count differs from the length of the given customer list.
    CountMismatch,
    /// A value cannot be parsed or does not fit (stated in the message of the field).
    Malformed,
    /// A required value is missing (a null, NaN or NaT cell of a column that is present).
    Missing,
}

impl ProblemKind {
    /// A short human description.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Empty => "is empty",
            Self::DuplicateId => "is already used by another record",
            Self::EndBeforeStart => "lies before the start",
            Self::Negative => "is negative",
            Self::NotFinite => "is not a finite number",
            Self::MoreThanServed => "is more than the feeder serves",
            Self::UnknownFeeder => "names no feeder of the service base",
            Self::StageOutOfOrder => "lies before an earlier stage",
            Self::DuplicateCustomer => "lists a customer twice",
            Self::CountMismatch => "differs from the length of the customer list",
            Self::Malformed => "is malformed",
            Self::Missing => "is missing",
        }
    }
}

/// One problem found in an outage record (or, with `record` = the feeder, in the service base).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Problem {
    /// The record's id (for the service base: the feeder).
    pub record: String,
    /// The record's 0-based position in its input.
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
            "record {} (#{}): {} = {} {}",
            quoted(&self.record),
            self.index + 1,
            self.field,
            quoted(&self.value),
            self.kind.describe()
        )
    }
}

/// Every problem found in a set of outage records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} problem(s)", self.0.len())?;
        for p in self.0.iter().take(20) {
            write!(f, "\n  - {p}")?;
        }
        if self.0.len() > 20 {
            write!(f, "\n  - … and {} more", self.0.len() - 20)?;
        }
        Ok(())
    }
}

/// Errors of the reliability family: invalid records, options and periods, indices that need
/// data the records do not carry, import and export.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)).
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReliabilityError {
    /// The outage records (or the service base) are invalid; every problem found is listed.
    #[error("invalid outage records: {problems}")]
    InvalidRecords {
        /// All problems, in record order.
        #[serde(serialize_with = "ser_problems")]
        problems: Problems,
    },
    /// An index that counts distinct customers (CAIFI, CTAIDI, CEMIn, CEMSMIn, CELID) was asked
    /// for, but a record of the group gives only a count of interrupted customers.
    #[error(
        "{index} needs the list of interrupted customers, but record {} gives only a count",
        quoted(record)
    )]
    NeedsCustomerLists {
        /// The index asked for.
        index: &'static str,
        /// The first record of the group without a customer list.
        record: String,
    },
    /// A period ends before (or when) it starts.
    #[error(
        "the period {} .. {} is empty or reversed",
        excerpt(start),
        excerpt(end)
    )]
    InvalidPeriod {
        /// The start, RFC 3339.
        start: String,
        /// The end, RFC 3339.
        end: String,
    },
    /// An option is out of its documented range.
    #[error("option {field} = {}: {reason}", excerpt(value))]
    InvalidOption {
        /// The option.
        field: &'static str,
        /// The offending value as text.
        value: String,
        /// The allowed range.
        reason: &'static str,
    },
    /// A daily SAIDI value of a major-event-day history is negative or not finite.
    #[error("daily SAIDI #{index} = {value} is not a finite number of zero or more")]
    InvalidDailyValue {
        /// The 0-based position of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The history has too few days with SAIDI above zero to compute α and β.
    #[error(
        "the history has {nonzero_days} day(s) with SAIDI above zero; at least {needed} are needed"
    )]
    NotEnoughHistory {
        /// Days with SAIDI above zero.
        nonzero_days: usize,
        /// Days needed (2 for the sample deviation, 1 for the population deviation).
        needed: usize,
    },
    /// More records, customers or names than the table's 32-bit ids address.
    #[error("too many {what}: {count} (at most {limit})")]
    TooLarge {
        /// What overflowed.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The most the table holds.
        limit: usize,
    },
    /// Columnar input whose columns differ in length.
    #[error("column {column} has {len} rows, but {expected} were expected")]
    ColumnLength {
        /// The column.
        column: &'static str,
        /// Its length.
        len: usize,
        /// The expected length.
        expected: usize,
    },
    /// A CSV input could not be parsed.
    #[error("{file}:{line}{}: {}", crate::error_info::column_part(field.as_ref()), detail(message))]
    Parse {
        /// The file (or stream) name.
        file: String,
        /// 1-based line number (0 if unknown).
        line: u64,
        /// The column concerned, if known.
        field: Option<String>,
        /// What is wrong.
        #[serde(rename = "detail")]
        message: String,
    },
    /// The network model refused a query made to build records (e.g. a stale scope).
    #[error(transparent)]
    #[serde(skip_serializing)]
    Network(#[from] crate::network::NetworkError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: String,
        /// The underlying error.
        #[source]
        #[serde(rename = "errno", serialize_with = "crate::error_info::ser_errno")]
        source: std::io::Error,
    },
}

fn ser_problems<S: Serializer>(problems: &Problems, s: S) -> Result<S::Ok, S::Error> {
    crate::error_info::ser_problems(&problems.0, s)
}

crate::impl_error_info! {
    ReliabilityError {
        InvalidRecords => ("invalid_records", "InvalidOutageRecordsError"),
        NeedsCustomerLists => ("needs_customer_lists", "NeedsCustomerListsError"),
        InvalidPeriod => ("invalid_period", "InvalidPeriodError"),
        InvalidOption => ("invalid_option", "InvalidOptionError"),
        InvalidDailyValue => ("invalid_daily_value", "InvalidDailyValueError"),
        NotEnoughHistory => ("not_enough_history", "NotEnoughHistoryError"),
        TooLarge => ("too_large", "TooLargeError"),
        ColumnLength => ("column_length", "ColumnLengthError"),
        Parse => ("parse", "ParseError"),
        Io => ("io", "GridserveIOError"),
    }
    delegate { Network }
}

impl ReliabilityError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::InvalidRecords {
                problems: Problems(vec![Problem {
                    record: "M2".into(),
                    index: 1,
                    field: "customers",
                    value: "-3".into(),
                    kind: ProblemKind::Negative,
                }]),
            },
            Self::NeedsCustomerLists {
                index: "CAIFI",
                record: "M1".into(),
            },
            Self::InvalidPeriod {
                start: "2024-02-01T00:00:00+08:00".into(),
                end: "2024-01-01T00:00:00+08:00".into(),
            },
            Self::InvalidOption {
                field: "momentary_max_min",
                value: "-1".into(),
                reason: "is negative",
            },
            Self::InvalidDailyValue {
                index: 3,
                value: f64::NAN,
            },
            Self::NotEnoughHistory {
                nonzero_days: 1,
                needed: 10,
            },
            Self::TooLarge {
                what: "records",
                count: 5,
                limit: 4,
            },
            Self::ColumnLength {
                column: "end",
                len: 2,
                expected: 3,
            },
            Self::Parse {
                file: "outages.csv".into(),
                line: 2,
                field: Some("start".into()),
                message: "not a time".into(),
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
        crate::error_info::tests::check_examples(&ReliabilityError::examples());
    }

    #[test]
    fn wrapped_network_errors_report_their_own_class_and_fields() {
        let e = ReliabilityError::from(crate::network::NetworkError::UnknownElement {
            asset: "F9".into(),
        });
        assert_eq!(
            (e.class(), e.kind()),
            ("UnknownElementError", "unknown_element")
        );
        assert_eq!(FieldsOf(&e).to_map()["asset"], "F9");
        let all = ReliabilityError::examples();
        let p = FieldsOf(crate::error_info::tests::example(&all, "invalid_records")).to_map();
        assert_eq!(p["problems"][0]["kind"], "negative");
    }

    #[test]
    fn messages_cap_echoed_values() {
        let big = "7".repeat(1_000_000);
        for e in [
            ReliabilityError::InvalidPeriod {
                start: big.clone(),
                end: big.clone(),
            },
            ReliabilityError::InvalidOption {
                field: "f",
                value: big.clone(),
                reason: "r",
            },
            ReliabilityError::NeedsCustomerLists {
                index: "CAIFI",
                record: big.clone(),
            },
            ReliabilityError::Parse {
                file: "f".into(),
                line: 1,
                field: None,
                message: big.clone(),
            },
            ReliabilityError::InvalidRecords {
                problems: Problems(vec![Problem {
                    record: big.clone(),
                    index: 0,
                    field: "f",
                    value: big,
                    kind: ProblemKind::Malformed,
                }]),
            },
        ] {
            assert!(e.to_string().len() < 500, "{}", e.to_string().len());
        }
    }
}
