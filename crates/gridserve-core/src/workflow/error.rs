//! Errors of the workflow family.

use serde::{Serialize, Serializer};

use crate::error_info::{excerpt, quoted};
use crate::notify::NotifyError;
use crate::ports::StoreError;

use crate::access::{Denied, Role};

/// Why a command was refused or a workflow operation failed. A refused command writes nothing.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)); a contact's phone is masked.
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WorkflowError {
    /// The actor holds none of the roles allowed to give this command (or acts for another
    /// customer).
    #[error("{actor} may not {command} on {stream}: it needs one of the roles {allowed:?}{}", if *other_customer { " for its own customer" } else { "" })]
    Forbidden {
        /// The stream.
        stream: String,
        /// The command.
        command: String,
        /// The actor's id.
        actor: String,
        /// The roles that may give the command.
        allowed: Vec<Role>,
        /// The actor holds the customer role but for another customer.
        other_customer: bool,
    },
    /// The command does not apply in the instance's current state.
    #[error("{command} is not possible on {stream} in state {state}")]
    WrongState {
        /// The stream.
        stream: String,
        /// The command.
        command: String,
        /// The current state's name (`new` for a stream with no events).
        state: String,
    },
    /// Optimistic concurrency: the instance moved on since the caller read it.
    #[error("{stream} is at version {actual}, not the expected {expected}")]
    Conflict {
        /// The stream.
        stream: String,
        /// The version the caller decided on.
        expected: u64,
        /// The version found.
        actual: u64,
    },
    /// The customer number is not in the network model.
    #[error("unknown customer {}", quoted(number))]
    UnknownCustomer {
        /// The customer number.
        number: String,
    },
    /// The asset number is not a device of the network model.
    #[error("unknown device {}", quoted(asset))]
    UnknownDevice {
        /// The asset number.
        asset: String,
    },
    /// The phone number is not one of the customer's contacts.
    #[error("customer {} has no contact with phone {}", quoted(customer), quoted(&crate::notify::masking::mask_phone(phone)))]
    UnknownContact {
        /// The customer.
        customer: String,
        /// The phone number asked for, masked (`138****0001`): errors carry no personal data.
        #[serde(serialize_with = "ser_phone")]
        phone: String,
    },
    /// A command's field has a value the workflow does not accept.
    #[error("{command} on {stream}: field {field} = {} is refused: {reason}", quoted(&crate::notify::masking::mask_text(value)))]
    Invalid {
        /// The stream.
        stream: String,
        /// The command.
        command: String,
        /// The field.
        field: String,
        /// The value, as text.
        #[serde(serialize_with = "ser_excerpt")]
        value: String,
        /// Why.
        reason: String,
    },
    /// A planned outage announced with less notice than the rules require.
    #[error("{stream}: outage starting {start} announced {given_hours:.1} h ahead; {required_hours} h are required{}", if *temporary { " for temporary maintenance" } else { "" })]
    NoticePeriod {
        /// The stream.
        stream: String,
        /// The announced start.
        start: String,
        /// Hours between the announcement and the start.
        given_hours: f64,
        /// Hours required.
        required_hours: i64,
        /// Whether it was flagged temporary maintenance.
        temporary: bool,
    },
    /// The notices an event causes could not be rendered: nothing is written.
    #[error(transparent)]
    #[serde(skip_serializing)]
    Notify(#[from] NotifyError),
    /// The event store failed.
    #[error("event store: {0}")]
    #[serde(skip_serializing)]
    Store(StoreError),
    /// A stored event could not be read back as this workflow's event.
    #[error(
        "{stream} event {version} ({event_type}) is unreadable: {}",
        crate::error_info::detail(detail)
    )]
    Corrupt {
        /// The stream.
        stream: String,
        /// The event's version.
        version: u64,
        /// Its stored type.
        event_type: String,
        /// The decoder's message.
        detail: String,
    },
    /// An unknown workflow kind or command name (from scripting).
    #[error("unknown {what} {}", quoted(name))]
    Unknown {
        /// What was looked up (`workflow`, `command`).
        what: String,
        /// The name given.
        name: String,
    },
}

impl From<StoreError> for WorkflowError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::VersionConflict {
                stream,
                expected,
                actual,
            } => Self::Conflict {
                stream,
                expected,
                actual,
            },
            other => Self::Store(other),
        }
    }
}

impl From<Denied> for WorkflowError {
    fn from(d: Denied) -> Self {
        Self::Forbidden {
            stream: d.stream,
            command: d.command,
            actor: d.actor,
            allowed: d.allowed,
            other_customer: d.other_customer,
        }
    }
}

fn ser_phone<S: Serializer>(phone: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::notify::masking::mask_phone(&excerpt(phone)))
}

fn ser_excerpt<S: Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::notify::masking::mask_text(&excerpt(value)))
}

crate::impl_error_info! {
    WorkflowError {
        Forbidden => ("forbidden", "ForbiddenError"),
        WrongState => ("wrong_state", "WrongStateError"),
        Conflict => ("conflict", "VersionConflictError"),
        UnknownCustomer => ("unknown_customer", "UnknownCustomerError"),
        UnknownDevice => ("unknown_device", "UnknownElementError"),
        UnknownContact => ("unknown_contact", "UnknownContactError"),
        Invalid => ("invalid", "InvalidCommandError"),
        NoticePeriod => ("notice_period", "NoticePeriodError"),
        Corrupt => ("corrupt", "EventStoreError"),
        Unknown => ("unknown", "InvalidArgumentError"),
    }
    delegate { Notify, Store }
}

impl WorkflowError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        let s = |v: &str| v.to_owned();
        vec![
            Self::Forbidden {
                stream: s("complaint-1"),
                command: s("close"),
                actor: s("customer:C1"),
                allowed: vec![Role::Dispatcher],
                other_customer: false,
            },
            Self::WrongState {
                stream: s("complaint-1"),
                command: s("close"),
                state: s("closed"),
            },
            Self::Conflict {
                stream: s("complaint-1"),
                expected: 1,
                actual: 2,
            },
            Self::UnknownCustomer { number: s("C404") },
            Self::UnknownDevice { asset: s("K99") },
            Self::UnknownContact {
                customer: s("C1"),
                phone: s("13800000001"),
            },
            Self::Invalid {
                stream: s("complaint-1"),
                command: s("file"),
                field: s("text"),
                value: s("call 13800000001"),
                reason: s("too long"),
            },
            Self::NoticePeriod {
                stream: s("planned-1"),
                start: s("2024-07-01T08:00:00+08:00"),
                given_hours: 12.0,
                required_hours: 168,
                temporary: false,
            },
            Self::Corrupt {
                stream: s("complaint-1"),
                version: 3,
                event_type: s("filed"),
                detail: s("bad json"),
            },
            Self::Unknown {
                what: s("workflow"),
                name: s("repairs"),
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
        crate::error_info::tests::check_examples(&WorkflowError::examples());
    }

    #[test]
    fn fields_never_carry_a_clear_phone_and_wrapped_errors_keep_their_class() {
        for e in WorkflowError::examples() {
            let text = serde_json::to_string(&FieldsOf(&e)).unwrap();
            assert!(!text.contains("13800000001"), "{text}");
        }
        let e = WorkflowError::Store(StoreError::Backend {
            detail: "disk full".into(),
        });
        assert_eq!((e.class(), e.kind()), ("EventStoreError", "backend"));
        let e = WorkflowError::from(NotifyError::UnknownTemplate {
            template: "x".into(),
        });
        assert_eq!(e.class(), "NoticeError");
    }
}
