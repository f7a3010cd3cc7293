//! The messengers of gridserve that do I/O, implementing the core's
//! [`Messenger`](gridserve_core::ports::Messenger):
//!
//! - [`JsonLinesMessenger`]: one JSON object per line to a file, standard output or any
//!   writer; for examples, demos and audit copies.
//! - [`WebhookMessenger`] (feature `webhook`, on by default): a JSON `POST` of each
//!   [`OutboundMessage`](gridserve_core::ports::OutboundMessage) to the host application's
//!   URL, with connect and response timeouts and the answer classified into the core's
//!   [`SendError`](gridserve_core::ports::SendError) classes. HTTPS needs the `tls` feature.
//! - [`receiver::WebhookReceiver`] (feature `webhook`): a minimal HTTP/1.1 receiver on
//!   127.0.0.1 that records what it is sent and answers as scripted, for tests, examples and
//!   benchmarks of the webhook path (not a production server).
//!
//! The core's [`MemoryMessenger`](gridserve_core::outbox::MemoryMessenger) covers tests
//! without I/O.

mod error;
mod jsonl;
#[cfg(feature = "webhook")]
pub mod receiver;
#[cfg(feature = "webhook")]
mod webhook;

pub use error::MessengerError;
pub use jsonl::JsonLinesMessenger;
#[cfg(feature = "webhook")]
pub use webhook::{WebhookConfig, WebhookMessenger, classify_status, parse_retry_after};
