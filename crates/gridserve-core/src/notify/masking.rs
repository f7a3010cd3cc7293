//! Personal data (phone numbers, names, addresses) masked in logs and exports by the reader's
//! role.
//!
//! [`Masking::Masked`] is the default everywhere personal data is printed: the `Debug` of
//! [`super::Recipient`], [`MaskedMessage`] (a loggable and exportable view of an outbound
//! notice) and the exports of the workflow engine. A [`MaskingPolicy`] says which roles read
//! the clear values. The policy and the masking rules live in [`crate::access`]; this module
//! applies them to notices and outbox entries.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

pub use crate::access::{Masking, MaskingPolicy, mask_name, mask_phone, mask_text};
use crate::ports::{OutboundMessage, OutboxEntry};

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

/// Replaces every occurrence of each of `names` in the strings of `v` by its masked form
/// ([`mask_name`]): names known from the network model, in free text where no pattern finds
/// them.
pub fn mask_names(v: &mut serde_json::Value, names: &[&str]) {
    match v {
        serde_json::Value::String(s) => {
            for n in names {
                if !n.is_empty() && s.contains(n) {
                    *s = s.replace(n, &mask_name(n));
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| mask_names(x, names)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| mask_names(x, names)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_masked_in_free_text() {
        let mut v = serde_json::json!({"text": "【电力】张三丰您好，请联系王五", "n": 3});
        mask_names(&mut v, &["张三丰", "王五"]);
        assert_eq!(v["text"], "【电力】张**您好，请联系王*");
        assert_eq!(v["n"], 3);
    }
}
