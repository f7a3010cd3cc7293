//! The four rule sets of the energy-use report and the report itself.
//!
//! Each rule takes the numbers of one customer and returns a finding: a status (red / yellow /
//! green), the advice in one sentence, and where a saving can be estimated, the saving in yuan
//! with the formula and inputs shown.
//!
//! * [`transformer`] — rule (1), transformer energy use against GB 20052.
//! * [`rules`] — rules (2) basic-charge method, (3) power factor and (4) time of use, from the
//!   tariff engine's decisions.
//! * [`report`] — the report document and its HTML and summary renderings.
//! * [`build`] — [`build_reports`]: bills, findings, indicators, weights and TOPSIS score for a
//!   whole peer group of customers.

pub mod build;
pub mod report;
pub mod rules;
pub mod transformer;

pub use build::{CustomerInput, build_reports, build_reports_tracked};
pub use report::{EnergyReport, Finding, render_html, render_summary};
pub use rules::{AdviceRules, WeightSpec};

/// Why a rule could not be applied.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)).
#[derive(Debug, thiserror::Error, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AdviceError {
    /// An input value is out of its domain.
    #[error("{record}: {field} = {} {reason}", crate::excerpt(value))]
    InvalidInput {
        /// The record (asset or customer number).
        record: String,
        /// The field.
        field: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A rule or table value is out of its domain.
    #[error("{rule}: {field} = {}: {reason}", crate::excerpt(value))]
    InvalidRule {
        /// The rule set or table.
        rule: String,
        /// The field.
        field: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Rule data could not be parsed.
    #[error("cannot read the {what}: {}", crate::error_info::detail(detail))]
    Parse {
        /// What was being read.
        #[serde(rename = "file")]
        what: String,
        /// The parser's message.
        detail: String,
    },
    /// The progress callback asked to stop (see [`crate::progress`]).
    #[error("cancelled by the progress callback after {done} of {total} customers")]
    Cancelled {
        /// Reports done.
        done: usize,
        /// Customers in the call.
        total: usize,
    },
    /// A month could not be billed or the tariff decision failed.
    #[error(transparent)]
    #[serde(skip_serializing)]
    Tariff(#[from] crate::tariff::TariffError),
    /// An indicator, weight or score could not be computed.
    #[error(transparent)]
    #[serde(skip_serializing)]
    Scoring(#[from] crate::scoring::ScoringError),
}

impl From<crate::progress::Cancelled> for AdviceError {
    fn from(c: crate::progress::Cancelled) -> Self {
        Self::Cancelled {
            done: c.done,
            total: c.total,
        }
    }
}

crate::impl_error_info! {
    AdviceError {
        InvalidInput => ("invalid_input", "AdviceInputError"),
        InvalidRule => ("invalid_rule", "AdviceRuleError"),
        Parse => ("parse", "ParseError"),
        Cancelled => ("cancelled", "CancelledError"),
    }
    delegate { Tariff, Scoring }
}

impl AdviceError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::InvalidInput {
                record: "A".into(),
                field: "usage.id".into(),
                value: "B".into(),
                reason: "differs from the customer".into(),
            },
            Self::InvalidRule {
                rule: "tou_shift".into(),
                field: "tou_shift_share".into(),
                value: "2".into(),
                reason: "is above 1".into(),
            },
            Self::Parse {
                what: "advice rules".into(),
                detail: "expected value".into(),
            },
            Self::Cancelled {
                done: 40,
                total: 1_000,
            },
        ]
    }
}

#[cfg(test)]
mod error_info_tests {
    #[test]
    fn every_advice_error_has_an_example_class_and_kind() {
        crate::error_info::tests::check_examples(&super::AdviceError::examples());
        crate::error_info::tests::check_examples(&super::super::outbox::OutboxError::examples());
    }
}
