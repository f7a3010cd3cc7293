//! Errors of the scoring family.

use serde::Serialize;
use thiserror::Error;

use crate::error_info::{excerpt, quoted};

/// An error of indicators, weights or TOPSIS. Every variant names the record (row), the column
/// (criterion) or the position and the offending value, so that a caller can point at the cell.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)).
#[derive(Debug, Clone, PartialEq, Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScoringError {
    /// A list or column does not have the length it must have.
    #[error("{}: expected {expected} values, found {found}", excerpt(what))]
    ShapeMismatch {
        /// What was measured (for example `"weights"` or `"column 3"`).
        what: String,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// There is nothing to score: no alternatives (rows) or no criteria (columns).
    #[error("{what} is empty")]
    Empty {
        /// `"alternatives"`, `"criteria"` or `"weight vectors"`.
        what: &'static str,
    },
    /// A matrix cell is NaN or infinite.
    #[error("row {row}, column {column} ({criterion}): value {value} is not finite")]
    NotFinite {
        /// The 0-based row (alternative).
        row: usize,
        /// The 0-based column (criterion).
        column: usize,
        /// The criterion's name (or `#<column>` when the caller gave none).
        criterion: String,
        /// The offending value.
        value: f64,
    },
    /// A weight is negative, NaN or infinite.
    #[error("weight {index} ({criterion}) = {value} {problem}")]
    InvalidWeight {
        /// The 0-based position of the weight.
        index: usize,
        /// The criterion's name (or `#<index>`).
        criterion: String,
        /// The offending value.
        value: f64,
        /// What is wrong: `"is not finite"` or `"is negative"`.
        problem: &'static str,
    },
    /// Every weight is zero, so no criterion counts.
    #[error("all weights are zero")]
    ZeroWeights,
    /// A G1 ratio is outside [1.0, 1.8] (or not finite).
    #[error("G1 ratio r_{position} = {value} is outside [1.0, 1.8]")]
    InvalidRatio {
        /// The 1-based index k of r_k in the G1 notation (2..=m): r_k = w_(k−1) / w_k.
        position: usize,
        /// The offending value.
        value: f64,
    },
    /// A G1 order is not a permutation of the criteria.
    #[error("G1 order: {} {problem}", excerpt(value))]
    InvalidOrder {
        /// The offending entry (an index or a name, as text).
        value: String,
        /// What is wrong: `"appears twice"`, `"is not a criterion"`, or `"misses criteria"`.
        problem: &'static str,
    },
    /// An interval criterion's best range is not a finite range with `lo <= hi`.
    #[error("column {column} ({criterion}): best range [{lo}, {hi}] is not a finite range")]
    InvalidInterval {
        /// The 0-based column.
        column: usize,
        /// The criterion's name.
        criterion: String,
        /// Lower end given.
        lo: f64,
        /// Upper end given.
        hi: f64,
    },
    /// Entropy weights need at least two alternatives.
    #[error("entropy weights need at least {needed} alternatives, found {found}")]
    TooFewAlternatives {
        /// The minimum.
        needed: usize,
        /// The number given.
        found: usize,
    },
    /// Every column is constant (or, for sum normalisation, concentrated so that it carries no
    /// information): the entropy method has nothing to weigh.
    #[error("no column carries information: every criterion is constant across the alternatives")]
    NoInformation,
    /// A cell is negative or all-zero where the chosen entropy normalisation needs proportions.
    #[error("row {row}, column {column} ({criterion}): value {value} {problem}")]
    NotProportion {
        /// The 0-based row.
        row: usize,
        /// The 0-based column.
        column: usize,
        /// The criterion's name.
        criterion: String,
        /// The offending value.
        value: f64,
        /// What is wrong.
        problem: &'static str,
    },
    /// A combination coefficient (linear share or geometric exponent) is invalid.
    #[error("combination coefficient {index} = {value} {problem}")]
    InvalidCoefficient {
        /// The 0-based position.
        index: usize,
        /// The offending value.
        value: f64,
        /// What is wrong.
        problem: &'static str,
    },
    /// The combination leaves every weight at zero (for example a multiplicative combination of
    /// vectors that are never both positive on the same criterion).
    #[error("the {method} combination gives zero to every criterion")]
    DegenerateCombination {
        /// The method's name.
        method: &'static str,
    },
    /// An indicator needs an input field the record does not have.
    #[error(
        "record {record} ({}): indicator {indicator} needs {field}",
        excerpt(id)
    )]
    MissingInput {
        /// The 0-based record.
        record: usize,
        /// The record's identifier (customer number).
        id: String,
        /// The indicator's name.
        indicator: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// An input field has a value that makes no sense (negative energy, zero capacity, NaN…).
    #[error("record {record} ({}): {field} = {value} {problem}", excerpt(id))]
    InvalidInput {
        /// The 0-based record.
        record: usize,
        /// The record's identifier (customer number).
        id: String,
        /// The field.
        field: &'static str,
        /// The offending value.
        value: f64,
        /// What is wrong.
        problem: &'static str,
    },
    /// An option value is out of its documented range.
    #[error("option {option} = {value} {problem}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// The offending value.
        value: f64,
        /// What is wrong.
        problem: &'static str,
    },
    /// A column's values are so large or so close together that they cannot be normalised in
    /// f64 even after rescaling (for example a range above 1.8e308).
    #[error("column {column} ({criterion}): values cannot be normalised in f64 (overflow)")]
    Overflow {
        /// The 0-based column.
        column: usize,
        /// The criterion's name.
        criterion: String,
    },
    /// A name is not known (an indicator name, a normalisation, a direction, a method).
    #[error("unknown {what} {}", quoted(name))]
    Unknown {
        /// What kind of name.
        what: &'static str,
        /// The name given.
        name: String,
    },
    /// Two criteria have the same name.
    #[error("criterion {} appears twice", quoted(name))]
    DuplicateCriterion {
        /// The repeated name.
        name: String,
    },
}

crate::impl_error_info! {
    ScoringError {
        ShapeMismatch => ("shape_mismatch", "ScoringError"),
        Empty => ("empty", "ScoringError"),
        NotFinite => ("not_finite", "NotFiniteError"),
        InvalidWeight => ("invalid_weight", "InvalidWeightsError"),
        ZeroWeights => ("zero_weights", "InvalidWeightsError"),
        InvalidRatio => ("invalid_ratio", "InvalidWeightsError"),
        InvalidOrder => ("invalid_order", "InvalidWeightsError"),
        InvalidInterval => ("invalid_interval", "ScoringError"),
        TooFewAlternatives => ("too_few_alternatives", "ScoringError"),
        NoInformation => ("no_information", "ScoringError"),
        NotProportion => ("not_proportion", "ScoringError"),
        InvalidCoefficient => ("invalid_coefficient", "InvalidWeightsError"),
        DegenerateCombination => ("degenerate_combination", "InvalidWeightsError"),
        MissingInput => ("missing_input", "MissingInputError"),
        InvalidInput => ("invalid_input", "ScoringError"),
        InvalidOption => ("invalid_option", "ScoringError"),
        Overflow => ("overflow", "ScoringError"),
        Unknown => ("unknown", "InvalidArgumentError"),
        DuplicateCriterion => ("duplicate_criterion", "ScoringError"),
    }
    delegate {}
}

impl ScoringError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        let c = || "cost".to_owned();
        vec![
            Self::ShapeMismatch {
                what: "weights".into(),
                expected: 3,
                found: 2,
            },
            Self::Empty { what: "matrix" },
            Self::NotFinite {
                row: 1,
                column: 0,
                criterion: c(),
                value: f64::NAN,
            },
            Self::InvalidWeight {
                index: 0,
                criterion: c(),
                value: -1.0,
                problem: "is negative",
            },
            Self::ZeroWeights,
            Self::InvalidRatio {
                position: 3,
                value: 1.81,
            },
            Self::InvalidOrder {
                value: "q".into(),
                problem: "names no criterion",
            },
            Self::InvalidInterval {
                column: 0,
                criterion: c(),
                lo: 2.0,
                hi: 1.0,
            },
            Self::TooFewAlternatives {
                needed: 2,
                found: 1,
            },
            Self::NoInformation,
            Self::NotProportion {
                row: 0,
                column: 0,
                criterion: c(),
                value: 1.5,
                problem: "is above 1",
            },
            Self::InvalidCoefficient {
                index: 0,
                value: -0.5,
                problem: "is negative",
            },
            Self::DegenerateCombination {
                method: "game_theory",
            },
            Self::MissingInput {
                record: 0,
                id: "T1".into(),
                indicator: "load_rate",
                field: "capacity_kva",
            },
            Self::InvalidInput {
                record: 0,
                id: "T1".into(),
                field: "capacity_kva",
                value: -1.0,
                problem: "is negative",
            },
            Self::InvalidOption {
                option: "threads",
                value: 0.0,
                problem: "is zero",
            },
            Self::Overflow {
                column: 0,
                criterion: c(),
            },
            Self::Unknown {
                what: "indicator",
                name: "colour".into(),
            },
            Self::DuplicateCriterion { name: c() },
        ]
    }
}

/// A result with [`ScoringError`].
pub type Result<T, E = ScoringError> = std::result::Result<T, E>;

/// `Ok` when a length is as required, else [`ScoringError::ShapeMismatch`] naming `what`
/// (text or `format_args!`, formatted only for the error).
pub(crate) fn same_len(what: impl std::fmt::Display, expected: usize, found: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(ScoringError::ShapeMismatch {
            what: what.to_string(),
            expected,
            found,
        })
    }
}

/// The name used in errors for column `j`: its name, or `#j`.
pub(crate) fn criterion_label(names: Option<&[String]>, j: usize) -> String {
    names
        .and_then(|n| n.get(j))
        .cloned()
        .unwrap_or_else(|| format!("#{j}"))
}

#[cfg(test)]
mod info_tests {
    use super::*;

    #[test]
    fn every_variant_has_an_example_class_and_kind() {
        crate::error_info::tests::check_examples(&ScoringError::examples());
    }

    #[test]
    fn messages_cap_echoed_values() {
        let big = "q".repeat(1_000_000);
        for e in [
            ScoringError::Unknown {
                what: "indicator",
                name: big.clone(),
            },
            ScoringError::InvalidOrder {
                value: big.clone(),
                problem: "p",
            },
            ScoringError::DuplicateCriterion { name: big.clone() },
            ScoringError::MissingInput {
                record: 0,
                id: big,
                indicator: "i",
                field: "f",
            },
        ] {
            assert!(e.to_string().len() < 300, "{}", e.to_string().len());
        }
    }
}
