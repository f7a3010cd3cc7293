//! [`JsonLinesMessenger`]: notices as JSON lines.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use gridserve_core::notify::{MaskedMessage, Masking};
use gridserve_core::ports::{Channel, Messenger, OutboundMessage, SendError, SendOutcome};

use crate::MessengerError;

/// Writes each message as one line of JSON (the serde form of
/// [`OutboundMessage`]) and flushes it; answers `Delivered`. A failed write is a
/// [`SendError::Transient`] (a full disk or a closed pipe may clear), so the dispatcher
/// retries it.
///
/// The console form ([`JsonLinesMessenger::stdout`]) is a log a person reads: it masks
/// personal data (address, phone numbers in the texts) by default. A file or writer is a
/// delivery sink another program sends from, so it writes the message as it is; either can be
/// changed with [`JsonLinesMessenger::with_masking`].
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
    masking: Masking,
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for JsonLinesMessenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLinesMessenger")
            .field("channel", &self.channel)
            .field("masking", &self.masking)
            .finish_non_exhaustive()
    }
}

impl JsonLinesMessenger {
    /// Lines to standard output (the console messenger), personal data masked.
    pub fn stdout(channel: Channel) -> Self {
        Self::to_writer(channel, std::io::stdout()).with_masking(Masking::Masked)
    }

    /// With personal data shown per `masking`.
    #[must_use]
    pub fn with_masking(mut self, masking: Masking) -> Self {
        self.masking = masking;
        self
    }

    /// How personal data is written.
    pub fn masking(&self) -> Masking {
        self.masking
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

    /// Lines to any writer (messages as they are).
    pub fn to_writer(channel: Channel, writer: impl Write + Send + 'static) -> Self {
        Self {
            channel,
            masking: Masking::Clear,
            out: Mutex::new(Box::new(writer)),
        }
    }
}

impl Messenger for JsonLinesMessenger {
    fn channel(&self) -> Channel {
        self.channel
    }

    fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError> {
        let written = match self.masking {
            Masking::Clear => serde_json::to_vec(message),
            Masking::Masked => serde_json::to_vec(&MaskedMessage {
                message,
                masking: Masking::Masked,
            }),
        };
        let mut line = written.map_err(|e| SendError::Invalid {
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
