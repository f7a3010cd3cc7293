//! Personal data (phone numbers, names, addresses) masked in logs and exports by the reader's
//! role.
//!
//! [`Masking::Masked`] is the default everywhere personal data is printed: the `Debug` of
//! [`super::Recipient`], [`MaskedMessage`] (a loggable and exportable view of an outbound
//! notice) and the exports of the workflow engine. A [`MaskingPolicy`] says which roles read
//! the clear values.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::ports::{OutboundMessage, OutboxEntry};
use crate::workflow::Role;

/// Whether personal data is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Masking {
    /// Phone numbers, names and digit runs that may be phone numbers are masked.
    #[default]
    Masked,
    /// Shown as they are.
    Clear,
}

/// Which roles read personal data in the clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskingPolicy {
    /// Roles that see clear values; everyone else sees them masked.
    pub clear_roles: Vec<Role>,
}

impl Default for MaskingPolicy {
    /// Customer managers and supervisors see contacts in the clear (they call them); crews,
    /// dispatchers, analysts and everyone else see them masked.
    fn default() -> Self {
        Self {
            clear_roles: vec![Role::CustomerManager, Role::Supervisor],
        }
    }
}

impl MaskingPolicy {
    /// The masking for a reader holding `roles`.
    #[must_use]
    pub fn for_roles(&self, roles: &[Role]) -> Masking {
        if roles.iter().any(|r| self.clear_roles.contains(r)) {
            Masking::Clear
        } else {
            Masking::Masked
        }
    }
}

impl Masking {
    /// A phone number or other address: see [`mask_phone`].
    #[must_use]
    pub fn phone(self, s: &str) -> String {
        match self {
            Self::Clear => s.to_owned(),
            Self::Masked => mask_phone(s),
        }
    }

    /// A person's name: see [`mask_name`].
    #[must_use]
    pub fn name(self, s: &str) -> String {
        match self {
            Self::Clear => s.to_owned(),
            Self::Masked => mask_name(s),
        }
    }

    /// Free text: see [`mask_text`].
    #[must_use]
    pub fn text(self, s: &str) -> String {
        match self {
            Self::Clear => s.to_owned(),
            Self::Masked => mask_text(s),
        }
    }
}

/// Masks a phone number or address: with 8 or more characters the first 3 and the last 4 stay
/// (`13812345678` → `138****5678`); shorter ones keep only their last 2.
#[must_use]
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let (head, tail) = if n >= 8 { (3, 4) } else { (0, n.min(2)) };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

/// Masks a name: the first character stays, the others become `*` (spaces stay):
/// `张三丰` → `张**`.
#[must_use]
pub fn mask_name(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i == 0 || c == ' ' { c } else { '*' })
        .collect()
}

/// Masks every run of 7 or more digits in free text as a phone number (keeping 3 + 4 of 11).
#[must_use]
pub fn mask_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 7 {
            out.push_str(&mask_phone(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A view of an outbound notice that masks its address and texts: for logs (`Debug`) and
/// exports (`Serialize`).
#[derive(Clone, Copy)]
pub struct MaskedMessage<'a> {
    /// The notice.
    pub message: &'a OutboundMessage,
    /// How to show personal data.
    pub masking: Masking,
}

impl std::fmt::Debug for MaskedMessage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.message;
        let k = self.masking;
        f.debug_struct("OutboundMessage")
            .field("dedupe_key", &m.dedupe_key)
            .field("stream", &m.stream)
            .field("stream_version", &m.stream_version)
            .field("channel", &m.channel)
            .field("address", &k.phone(&m.address))
            .field("customer", &m.customer)
            .field("template", &m.template)
            .field(
                "fields",
                &m.fields
                    .iter()
                    .map(|(a, b)| (a.as_str(), k.text(b)))
                    .collect::<Vec<_>>(),
            )
            .field("text", &m.text.as_deref().map(|t| k.text(t)))
            .field("category", &m.category)
            .field("not_before", &m.not_before)
            .finish_non_exhaustive()
    }
}

impl Serialize for MaskedMessage<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let m = self.message;
        let k = self.masking;
        let mut st = s.serialize_struct("OutboundMessage", 14)?;
        st.serialize_field("dedupe_key", &m.dedupe_key)?;
        st.serialize_field("stream", &m.stream)?;
        st.serialize_field("stream_version", &m.stream_version)?;
        st.serialize_field("channel", &m.channel)?;
        st.serialize_field("address", &k.phone(&m.address))?;
        st.serialize_field("customer", &m.customer)?;
        st.serialize_field("template", &m.template)?;
        let fields: Vec<(String, String)> = m
            .fields
            .iter()
            .map(|(a, b)| (a.clone(), k.text(b)))
            .collect();
        st.serialize_field("fields", &fields)?;
        st.serialize_field("text", &m.text.as_deref().map(|t| k.text(t)))?;
        st.serialize_field("link", &m.link)?;
        st.serialize_field("category", &m.category)?;
        st.serialize_field("not_before", &m.not_before)?;
        st.serialize_field("expires_at", &m.expires_at)?;
        st.serialize_field("supersede_key", &m.supersede_key)?;
        st.end()
    }
}

/// An outbox entry as JSON for an export, with personal data masked per `masking`.
#[must_use]
pub fn export_entry(entry: &OutboxEntry, masking: Masking) -> serde_json::Value {
    let message = serde_json::to_value(MaskedMessage {
        message: &entry.message,
        masking,
    })
    .unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "id": entry.id,
        "message": message,
        "status": entry.status,
        "attempts": entry.attempts,
        "next_attempt_at": entry.next_attempt_at,
        "last_error": entry.last_error.as_deref().map(|e| masking.text(e)),
        "provider_msg_id": entry.provider_msg_id,
        "sent_at": entry.sent_at,
        "receipt": entry.receipt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0571-88886666"), "057******6666");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("Li Lei"), "L* ***");
        assert_eq!(
            mask_text("请联系13812345678或110"),
            "请联系138****5678或110"
        );
        assert_eq!(Masking::Clear.phone("13812345678"), "13812345678");
        let p = MaskingPolicy::default();
        assert_eq!(p.for_roles(&[Role::RepairCrew]), Masking::Masked);
        assert_eq!(
            p.for_roles(&[Role::RepairCrew, Role::CustomerManager]),
            Masking::Clear
        );
    }
}
