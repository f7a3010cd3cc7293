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

pub use build::{CustomerInput, build_reports};
pub use report::{EnergyReport, Finding, render_html, render_summary};
pub use rules::{AdviceRules, WeightSpec};

/// Why a rule could not be applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdviceError {
    /// An input value is out of its domain.
    #[error("{record}: {field} = {value} {reason}")]
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
    #[error("{rule}: {field} = {value}: {reason}")]
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
    #[error("cannot read the {what}: {detail}")]
    Parse {
        /// What was being read.
        what: String,
        /// The parser's message.
        detail: String,
    },
    /// A month could not be billed or the tariff decision failed.
    #[error(transparent)]
    Tariff(#[from] crate::tariff::TariffError),
    /// An indicator, weight or score could not be computed.
    #[error(transparent)]
    Scoring(#[from] crate::scoring::ScoringError),
}
