//! Errors of the workflow family.

use crate::notify::NotifyError;
use crate::ports::StoreError;

use crate::access::{Denied, Role};

/// Why a command was refused or a workflow operation failed. A refused command writes nothing.
#[derive(Debug, thiserror::Error)]
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
    #[error("unknown customer {:?}", crate::access::excerpt(number))]
    UnknownCustomer {
        /// The customer number.
        number: String,
    },
    /// The asset number is not a device of the network model.
    #[error("unknown device {:?}", crate::access::excerpt(asset))]
    UnknownDevice {
        /// The asset number.
        asset: String,
    },
    /// The phone number is not one of the customer's contacts.
    #[error("customer {customer:?} has no contact with phone {phone} (masked)")]
    UnknownContact {
        /// The customer.
        customer: String,
        /// The phone number asked for, masked (`138****0001`): errors carry no personal data.
        phone: String,
    },
    /// A command's field has a value the workflow does not accept.
    #[error("{command} on {stream}: field {field} = {value:?} is refused: {reason}")]
    Invalid {
        /// The stream.
        stream: String,
        /// The command.
        command: String,
        /// The field.
        field: String,
        /// The value, as text: an excerpt ([`crate::access::excerpt`]), phone numbers masked.
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
    Notify(#[from] NotifyError),
    /// The event store failed.
    #[error("event store: {0}")]
    Store(StoreError),
    /// A stored event could not be read back as this workflow's event.
    #[error("{stream} event {version} ({event_type}) is unreadable: {detail}")]
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
    #[error("unknown {what} {:?}", crate::access::excerpt(name))]
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
