//! Errors of the notice family.

use serde::{Serialize, Serializer};

use crate::error_info::{excerpt, quoted};
use crate::ports::Channel;

use super::channel::FieldKind;

/// Why a notice could not be rendered or addressed. Every variant names the template and,
/// where one is concerned, the field and the offending value.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)); a field's `kind` is
/// `field_kind`, and values are masked (they may hold a customer's phone number).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotifyError {
    /// No template has this name.
    #[error("unknown notice template {}", quoted(template))]
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
        "template {template:?} ({channel}) field {field:?} ({kind}) value {} has {length} characters, more than the limit of {limit}",
        quoted(&masked(value))
    )]
    FieldTooLong {
        /// The template.
        template: String,
        /// The channel.
        channel: Channel,
        /// The field.
        field: String,
        /// Its type.
        #[serde(rename = "field_kind")]
        kind: FieldKind,
        /// The rendered value.
        #[serde(serialize_with = "ser_masked")]
        value: String,
        /// Its length in characters (digits for `amount`).
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// A value has characters or a shape its field type does not accept.
    #[error(
        "template {template:?} ({channel}) field {field:?} ({kind}) value {} is not accepted: {reason}",
        quoted(&masked(value))
    )]
    FieldInvalid {
        /// The template.
        template: String,
        /// The channel.
        channel: Channel,
        /// The field.
        field: String,
        /// Its type.
        #[serde(rename = "field_kind")]
        kind: FieldKind,
        /// The rendered value.
        #[serde(serialize_with = "ser_masked")]
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
    #[error("unknown customer {}", quoted(number))]
    UnknownCustomer {
        /// The customer number.
        number: String,
    },
    /// A rule set (templates, limits, contact settings) is not valid data.
    #[error("invalid notice rules: {}", crate::error_info::detail(detail))]
    InvalidRules {
        /// What is wrong.
        detail: String,
    },
}

/// A value as a notice error may show it: cut with [`excerpt`] and with digit runs masked.
fn masked(value: &str) -> String {
    super::masking::mask_text(&excerpt(value))
}

fn ser_masked<S: Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&masked(value))
}

crate::impl_error_info! {
    NotifyError {
        UnknownTemplate => ("unknown_template", "NoticeError"),
        MissingVariable => ("missing_variable", "NoticeError"),
        BadTemplate => ("bad_template", "NoticeError"),
        FieldTooLong => ("field_too_long", "NoticeError"),
        FieldInvalid => ("field_invalid", "NoticeError"),
        SmsTooLong => ("sms_too_long", "NoticeError"),
        NoChannelForm => ("no_channel_form", "NoticeError"),
        UnknownCustomer => ("unknown_customer", "UnknownCustomerError"),
        InvalidRules => ("invalid_rules", "NoticeRulesError"),
    }
    delegate {}
}

impl NotifyError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        let t = || "outage_notice".to_owned();
        vec![
            Self::UnknownTemplate { template: t() },
            Self::MissingVariable {
                template: t(),
                channel: Channel::Sms,
                field: "text".into(),
                variable: "area".into(),
            },
            Self::BadTemplate {
                template: t(),
                field: "text".into(),
                detail: "unclosed {".into(),
            },
            Self::FieldTooLong {
                template: t(),
                channel: Channel::WechatTemplate,
                field: "thing1".into(),
                kind: FieldKind::Thing,
                value: "call 13800000001 now".into(),
                length: 25,
                limit: 20,
            },
            Self::FieldInvalid {
                template: t(),
                channel: Channel::WechatTemplate,
                field: "time2".into(),
                kind: FieldKind::Time,
                value: "soon".into(),
                reason: "not a time".into(),
            },
            Self::SmsTooLong {
                template: t(),
                length: 400,
                limit: 335,
            },
            Self::NoChannelForm {
                template: t(),
                channel: Channel::WechatTemplate,
            },
            Self::UnknownCustomer {
                number: "C404".into(),
            },
            Self::InvalidRules {
                detail: "quiet_hours.start: not a time".into(),
            },
        ]
    }
}

#[cfg(test)]
mod info_tests {
    use super::*;
    use crate::FieldsOf;

    #[test]
    fn every_variant_has_an_example_class_and_kind() {
        crate::error_info::tests::check_examples(&NotifyError::examples());
    }

    #[test]
    fn values_are_masked_in_fields_and_messages() {
        let all = NotifyError::examples();
        let e = crate::error_info::tests::example(&all, "field_too_long");
        let fields = FieldsOf(e).to_map();
        assert!(!fields["value"].as_str().unwrap().contains("13800000001"));
        assert_eq!(fields["field_kind"], "thing");
        assert!(!e.to_string().contains("13800000001"), "{e}");
    }
}
