//! Findings of the reconciliation: typed, serde, one per disagreement (source-systems.md §3).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::records::SourceSystem;
use crate::access::Masking;

/// The kind of a finding. The numbers refer to source-systems.md §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A key cell (asset, customer, meter number) matched only after NFKC, trimming and
    /// upper-casing (informational).
    NormalisedKey,
    /// A vocabulary cell (type, status, event, role, channels) matched only after NFKC,
    /// trimming and lower-casing (informational).
    NormalisedVocabulary,
    /// §3.1: the same key twice in one source with identical attributes.
    DuplicateRecord,
    /// §3.1: the same key twice in one source with conflicting attributes (the first row is
    /// kept).
    ConflictingDuplicate,
    /// §3.2: a device the GIS draws that the PMS ledger lacks.
    NotInLedger,
    /// §3.2: a ledger device (not retired) the GIS does not draw.
    NoConnectivity,
    /// §3.3: PMS and GIS give different types for one asset.
    TypeMismatch,
    /// §3.3: PMS and GIS give different ratings for one asset.
    RatingMismatch,
    /// §3.3: PMS and GIS ratings differ by a factor of 1000 (kVA written as MVA or back).
    RatingUnit,
    /// §3.4: a customer's supply asset is in no source.
    UnknownSupplyAsset,
    /// §3.4: a customer's supply asset is not a transformer.
    SupplyNotTransformer,
    /// §3.4: a meter with no customer (none given, or an unknown one).
    MeterWithoutCustomer,
    /// §3.4: a customer with no meter.
    CustomerWithoutMeter,
    /// A contact of an unknown customer.
    ContactWithoutCustomer,
    /// §3.5: a contact's phone is not a valid mainland mobile number.
    InvalidPhone,
    /// §3.5: a customer with no reachable contact.
    Unreachable,
    /// §3.5: one phone on many customers of different names.
    SharedPhone,
    /// §3.6: a switch whose live (DA) state differs from its GIS normal state.
    AbnormalState,
    /// §3.7: a device that no source feeds in the GIS normal state.
    Unfed,
    /// §3.7: a device retired in the ledger that the GIS still draws.
    RetiredConnected,
    /// §3.8: an AMI power-off of a meter whose customer the model says is supplied.
    PowerOffWhileSupplied,
    /// A DA event that cannot apply (unknown asset, not a switch, closing onto a fault).
    DaRefused,
    /// A record that cannot become part of the network (a missing node, length or rating, an
    /// asset number used as a node, a self-loop).
    InvalidRecord,
}

impl FindingKind {
    /// Every kind, in order.
    pub const ALL: [Self; 23] = [
        Self::NormalisedKey,
        Self::NormalisedVocabulary,
        Self::DuplicateRecord,
        Self::ConflictingDuplicate,
        Self::NotInLedger,
        Self::NoConnectivity,
        Self::TypeMismatch,
        Self::RatingMismatch,
        Self::RatingUnit,
        Self::UnknownSupplyAsset,
        Self::SupplyNotTransformer,
        Self::MeterWithoutCustomer,
        Self::CustomerWithoutMeter,
        Self::ContactWithoutCustomer,
        Self::InvalidPhone,
        Self::Unreachable,
        Self::SharedPhone,
        Self::AbnormalState,
        Self::Unfed,
        Self::RetiredConnected,
        Self::PowerOffWhileSupplied,
        Self::DaRefused,
        Self::InvalidRecord,
    ];

    /// The snake_case name.
    #[must_use]
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => format!("{self:?}"),
        }
    }

    /// The kind called `name`, if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The default severity of the kind.
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            Self::NormalisedKey | Self::NormalisedVocabulary | Self::DuplicateRecord => {
                Severity::Info
            }
            Self::ConflictingDuplicate
            | Self::TypeMismatch
            | Self::RatingUnit
            | Self::UnknownSupplyAsset
            | Self::SupplyNotTransformer
            | Self::PowerOffWhileSupplied
            | Self::InvalidRecord => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing is wrong; the data needed a harmless correction.
    Info,
    /// The fused model may be incomplete or stale here.
    Warning,
    /// The sources contradict each other; the fused model took one side.
    Error,
}

/// One finding of the reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What it is.
    pub kind: FindingKind,
    /// How much it matters.
    pub severity: Severity,
    /// The source whose record it is about.
    pub source: SourceSystem,
    /// The table of that record (`pms_equipment`, …).
    pub table: String,
    /// The record's key (asset, customer or meter number).
    pub record: String,
    /// The record's line in its table, when it has one.
    pub row: Option<u64>,
    /// The field concerned, if one.
    pub field: Option<String>,
    /// The value concerned (an excerpt; personal data is masked on export).
    pub value: Option<String>,
    /// What to do about it.
    pub suggestion: String,
}

impl Finding {
    /// Whether the value is personal data (a phone, a name, an openid, an address).
    #[must_use]
    pub fn is_personal(&self) -> bool {
        matches!(
            self.field.as_deref(),
            Some("phone" | "name" | "wechat_openid" | "address")
        ) && matches!(self.table.as_str(), "sg186_contacts" | "sg186_customers")
    }

    /// The finding with its personal value masked as `masking` says
    /// ([`MaskPersonal`](crate::access::MaskPersonal) on a copy).
    #[must_use]
    pub fn masked(&self, masking: Masking) -> Self {
        use crate::access::MaskPersonal;
        let mut out = self.clone();
        out.mask_personal(masking);
        out
    }
}

impl crate::access::MaskPersonal for Finding {
    /// Masks the value of a personal field: a phone or openid as a phone, a name as a name,
    /// an address as text.
    fn mask_personal(&mut self, masking: Masking) {
        if !self.is_personal() {
            return;
        }
        let field = self.field.as_deref();
        if let Some(v) = self.value.as_mut() {
            *v = match field {
                Some("phone" | "wechat_openid") => masking.phone(v),
                Some("name") => masking.name(v),
                _ => masking.text(v),
            };
        }
    }
}

/// The number of findings of each kind (kinds with none left out).
#[must_use]
pub fn counts(findings: &[Finding]) -> BTreeMap<FindingKind, usize> {
    let mut out = BTreeMap::new();
    for f in findings {
        *out.entry(f.kind).or_insert(0) += 1;
    }
    out
}
