//! Errors of the notice family.

use crate::ports::Channel;

use super::channel::FieldKind;

/// Why a notice could not be rendered or addressed. Every variant names the template and,
/// where one is concerned, the field and the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// No template has this name.
    #[error("unknown notice template {template:?}")]
    UnknownTemplate {
        /// The name asked for.
        template: String,
    },
    /// A template text names a variable the event did not supply.
    #[error(
        "template {template:?} ({channel}) field {field:?} uses variable {{{variable}}}, which was not supplied"
    )]
    MissingVariable {
        /// The template.
        template: String,
        /// The channel being rendered.
        channel: Channel,
        /// The field (a WeChat key, or `text`/`link`).
        field: String,
        /// The missing variable.
        variable: String,
    },
    /// A template text is malformed (an unclosed `{`).
    #[error("template {template:?} field {field:?} is malformed: {detail}")]
    BadTemplate {
        /// The template.
        template: String,
        /// The field.
        field: String,
        /// What is wrong.
        detail: String,
    },
    /// A value is longer than its field type allows on the channel.
    #[error(
        "template {template:?} ({channel}) field {field:?} ({kind}) value {value:?} has {length} characters, more than the limit of {limit}"
    )]
    FieldTooLong {
        /// The template.
        template: String,
        /// The channel.
        channel: Channel,
        /// The field.
        field: String,
        /// Its type.
        kind: FieldKind,
        /// The rendered value.
        value: String,
        /// Its length in characters (digits for `amount`).
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// A value has characters or a shape its field type does not accept.
    #[error(
        "template {template:?} ({channel}) field {field:?} ({kind}) value {value:?} is not accepted: {reason}"
    )]
    FieldInvalid {
        /// The template.
        template: String,
        /// The channel.
        channel: Channel,
        /// The field.
        field: String,
        /// Its type.
        kind: FieldKind,
        /// The rendered value.
        value: String,
        /// Why.
        reason: String,
    },
    /// An SMS is longer than the gateway accepts (signature included).
    #[error(
        "template {template:?} SMS text has {length} characters with its signature, more than the limit of {limit}"
    )]
    SmsTooLong {
        /// The template.
        template: String,
        /// The rendered text's length, signature included.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The template does not define the channel it is asked to render.
    #[error("template {template:?} has no form for channel {channel}")]
    NoChannelForm {
        /// The template.
        template: String,
        /// The channel.
        channel: Channel,
    },
    /// The customer is not in the network model, so it has no contacts.
    #[error("unknown customer {number:?}")]
    UnknownCustomer {
        /// The customer number.
        number: String,
    },
    /// A rule set (templates, limits, contact settings) is not valid data.
    #[error("invalid notice rules: {detail}")]
    InvalidRules {
        /// What is wrong.
        detail: String,
    },
}
