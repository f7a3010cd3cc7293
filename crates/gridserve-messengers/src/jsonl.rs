//! [`JsonLinesMessenger`]: notices as JSON lines.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use gridserve_core::ports::{Channel, Messenger, OutboundMessage, SendError, SendOutcome};

use crate::MessengerError;

/// Writes each message as one line of JSON (the serde form of
/// [`OutboundMessage`]) and flushes it; answers `Delivered`. A failed write is a
/// [`SendError::Transient`] (a full disk or a closed pipe may clear), so the dispatcher
/// retries it.
///
/// ```
/// use gridserve_core::ports::{Channel, Messenger};
/// use gridserve_messengers::JsonLinesMessenger;
///
/// let dir = tempfile::tempdir()?;
/// let sms = JsonLinesMessenger::file(Channel::Sms, dir.path().join("sms.jsonl"))?;
/// assert_eq!(sms.channel(), Channel::Sms);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct JsonLinesMessenger {
    channel: Channel,
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for JsonLinesMessenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLinesMessenger")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl JsonLinesMessenger {
    /// Lines to standard output (the console messenger).
    pub fn stdout(channel: Channel) -> Self {
        Self::to_writer(channel, std::io::stdout())
    }

    /// Lines appended to the file at `path` (created if missing). Each line is flushed to the
    /// operating system, not synced to disk.
    ///
    /// # Errors
    /// [`MessengerError::Open`].
    pub fn file(channel: Channel, path: impl AsRef<Path>) -> Result<Self, MessengerError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path.as_ref())
            .map_err(|e| MessengerError::Open {
                path: path.as_ref().display().to_string(),
                detail: e.to_string(),
            })?;
        Ok(Self::to_writer(channel, file))
    }

    /// Lines to any writer.
    pub fn to_writer(channel: Channel, writer: impl Write + Send + 'static) -> Self {
        Self {
            channel,
            out: Mutex::new(Box::new(writer)),
        }
    }
}

impl Messenger for JsonLinesMessenger {
    fn channel(&self) -> Channel {
        self.channel
    }

    fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError> {
        let mut line = serde_json::to_vec(message).map_err(|e| SendError::Invalid {
            field: None,
            detail: format!("cannot serialize: {e}"),
        })?;
        line.push(b'\n');
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        out.write_all(&line)
            .and_then(|()| out.flush())
            .map_err(|e| SendError::Transient {
                detail: format!("write failed: {e}"),
                retry_after: None,
            })?;
        Ok(SendOutcome::Delivered)
    }
}
