//! The four rule sets of the energy-use report and the report itself.
//!
//! Each rule takes the numbers of one customer and returns a finding: a status (red / yellow /
//! green), the advice in one sentence, and where a saving can be estimated, the saving in yuan
//! with the formula and inputs shown.
//!
//! * [`transformer`] — rule (1), transformer energy use against GB 20052.
//! * [`report`] — the report document and its HTML and summary renderings.

pub mod report;
pub mod transformer;

/// Why a rule could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
}
