//! The errors of building a messenger (sending returns the core's `SendError`).

/// Why a messenger could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessengerError {
    /// The webhook URL is unusable.
    #[error("webhook url {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A messenger's configuration value is unusable.
    #[error("messenger config field {field} = {value:?}: {reason}")]
    InvalidConfig {
        /// The field, e.g. `api_base` or `templates.outage.progress`.
        field: String,
        /// A short excerpt of its value (never a secret).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The output file could not be opened.
    #[error("cannot open {path} for appending: {detail}")]
    Open {
        /// The path given.
        path: String,
        /// The operating system's message.
        detail: String,
    },
}
