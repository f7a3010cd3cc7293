//! Time: the [`Clock`] port, the system clock and a manual clock for tests.

use chrono::{DateTime, FixedOffset};

/// A point in time with its UTC offset. gridserve writes China Standard Time (UTC+08:00, no
/// daylight saving) unless the host gives another offset.
pub type Timestamp = DateTime<FixedOffset>;

/// How the stores keep a [`Timestamp`] as a sortable integer: nanoseconds since the Unix
/// epoch, saturating outside 1677–2262.
#[must_use]
pub fn stored_nanos(t: &Timestamp) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// How the stores keep a [`Timestamp`] as text: RFC 3339 with its offset and the fractional
/// seconds it has.
#[must_use]
pub fn stored_text(t: &Timestamp) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The [`Timestamp`] a store wrote with [`stored_text`]; `what` names the field for the error.
///
/// # Errors
/// [`StoreError::Corrupt`](super::StoreError::Corrupt) for text that is not RFC 3339.
pub fn parse_stored_text(what: &str, text: &str) -> Result<Timestamp, super::StoreError> {
    DateTime::parse_from_rfc3339(text).map_err(|e| super::StoreError::Corrupt {
        what: what.to_owned(),
        detail: format!("{text:?}: {e}"),
    })
}

/// The source of the current time. Core logic never reads the system clock itself.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system clock, reporting in a fixed offset (China Standard Time by default).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    offset: FixedOffset,
}

impl SystemClock {
    /// China Standard Time, UTC+08:00.
    pub fn china() -> Self {
        Self {
            offset: china_offset(),
        }
    }

    /// The system clock reported in `offset`.
    pub fn with_offset(offset: FixedOffset) -> Self {
        Self { offset }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::china()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now().with_timezone(&self.offset)
    }
}

/// UTC+08:00, China Standard Time.
pub fn china_offset() -> FixedOffset {
    // A constant within chrono's ±24 h range: this cannot fail.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A clock that stands still until moved: for tests, simulations and replays.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: std::sync::Mutex::new(start),
        }
    }

    /// Sets the time.
    pub fn set(&self, to: Timestamp) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = to;
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
