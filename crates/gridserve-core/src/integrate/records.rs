//! The typed records of the source tables (source-systems.md §2), one type per table.
//!
//! Every record keeps `row`, the line of the row it was read from (its 0-based index plus 2,
//! the header being line 1), so a finding or a provenance lookup can name it. Records built by
//! hand (or by a reader of another format, such as a CIM GIS) may leave it 0.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::network::records::{ContactRole, Importance, SwitchKind};
use crate::tariff::BillingMethod;

/// The system a record or a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceSystem {
    /// The equipment ledger (电网设备生产管理系统).
    Pms,
    /// The connectivity (电网资源图形管理系统).
    Gis,
    /// The marketing system (营销业务应用系统): customers, contacts, meters.
    Sg186,
    /// The metering system (用电信息采集系统).
    Ami,
    /// Distribution automation (配电自动化主站).
    Da,
    /// The fusion itself (a problem of the sources taken together).
    Fusion,
}

impl SourceSystem {
    /// The snake_case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Pms => "pms",
            Self::Gis => "gis",
            Self::Sg186 => "sg186",
            Self::Ami => "ami",
            Self::Da => "da",
            Self::Fusion => "fusion",
        }
    }
}

/// The type of a device in the PMS ledger or the GIS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EquipmentType {
    /// A line or cable section.
    Segment,
    /// A circuit breaker.
    Breaker,
    /// A recloser.
    Recloser,
    /// A load-break switch.
    LoadBreakSwitch,
    /// A disconnector.
    Disconnector,
    /// A fuse.
    Fuse,
    /// A sectionalizer.
    Sectionalizer,
    /// A distribution transformer.
    Transformer,
    /// A source of supply (a feeder head).
    Source,
    /// A point (pole, ring-main unit, …): a connectivity node that is also a ledger asset.
    Point,
}

impl EquipmentType {
    /// The switch kind, for switching devices.
    #[must_use]
    pub fn switch_kind(self) -> Option<SwitchKind> {
        Some(match self {
            Self::Breaker => SwitchKind::Breaker,
            Self::Recloser => SwitchKind::Recloser,
            Self::LoadBreakSwitch => SwitchKind::LoadBreakSwitch,
            Self::Disconnector => SwitchKind::Disconnector,
            Self::Fuse => SwitchKind::Fuse,
            Self::Sectionalizer => SwitchKind::Sectionalizer,
            _ => return None,
        })
    }

    /// The equipment type of a switch kind.
    #[must_use]
    pub fn of_switch(kind: SwitchKind) -> Self {
        match kind {
            SwitchKind::Breaker => Self::Breaker,
            SwitchKind::Recloser => Self::Recloser,
            SwitchKind::LoadBreakSwitch => Self::LoadBreakSwitch,
            SwitchKind::Disconnector => Self::Disconnector,
            SwitchKind::Fuse => Self::Fuse,
            SwitchKind::Sectionalizer => Self::Sectionalizer,
        }
    }

    /// The snake_case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Segment => "segment",
            Self::Breaker => "breaker",
            Self::Recloser => "recloser",
            Self::LoadBreakSwitch => "load_break_switch",
            Self::Disconnector => "disconnector",
            Self::Fuse => "fuse",
            Self::Sectionalizer => "sectionalizer",
            Self::Transformer => "transformer",
            Self::Source => "source",
            Self::Point => "point",
        }
    }
}

/// The ledger status of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EquipmentStatus {
    /// In service.
    #[default]
    InService,
    /// Installed but not in service (备用).
    Standby,
    /// Retired (退役): should no longer be drawn by the GIS.
    Retired,
}

/// A row of `pms_equipment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PmsEquipment {
    /// Asset number (normalised).
    pub asset: String,
    /// Equipment type.
    #[serde(rename = "type")]
    pub kind: EquipmentType,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Model or series designation.
    #[serde(default)]
    pub model: Option<String>,
    /// Rating, kVA.
    #[serde(default)]
    pub rated_kva: Option<f64>,
    /// Year put in service.
    #[serde(default)]
    pub year: Option<u16>,
    /// Feeder.
    #[serde(default)]
    pub feeder: Option<String>,
    /// Substation.
    #[serde(default)]
    pub substation: Option<String>,
    /// Ledger status.
    #[serde(default)]
    pub status: EquipmentStatus,
    /// The line the row was read from (0: built by hand).
    #[serde(default)]
    pub row: u64,
}

/// A row of `gis_connectivity`: one conducting device and the nodes its terminals touch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GisDevice {
    /// Asset number (normalised).
    pub asset: String,
    /// Equipment type.
    #[serde(rename = "type")]
    pub kind: EquipmentType,
    /// Connectivity node of terminal 1 (a transformer's HV side; a source's point).
    pub node_a: String,
    /// Connectivity node of terminal 2 (a transformer's LV side; `None` for a source).
    #[serde(default)]
    pub node_b: Option<String>,
    /// Whether a switch is open in the normal state.
    #[serde(default)]
    pub normal_open: Option<bool>,
    /// Length, metres.
    #[serde(default)]
    pub length_m: Option<f64>,
    /// Rating, kVA, where the GIS has one.
    #[serde(default)]
    pub rated_kva: Option<f64>,
    /// The line the row was read from (0: built by hand).
    #[serde(default)]
    pub row: u64,
}

/// A row of `sg186_customers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sg186Customer {
    /// Customer number (户号, normalised).
    pub customer: String,
    /// Name (personal data).
    #[serde(default)]
    pub name: Option<String>,
    /// Supply address (personal data).
    #[serde(default)]
    pub address: Option<String>,
    /// Asset number of the supplying transformer (normalised).
    pub supply_asset: String,
    /// Contracted capacity, kVA.
    pub contracted_kva: f64,
    /// Importance class.
    #[serde(default)]
    pub importance: Importance,
    /// Basic-charge method.
    #[serde(default)]
    pub billing_method: BillingMethod,
    /// Power-factor standard.
    #[serde(default)]
    pub pf_standard: Option<f64>,
    /// Industry.
    #[serde(default)]
    pub industry: Option<String>,
    /// The line the row was read from (0: built by hand).
    #[serde(default)]
    pub row: u64,
}

/// A channel a contact accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    /// Text messages to the phone.
    Sms,
    /// WeChat template messages.
    WechatTemplate,
    /// WeChat subscription messages.
    WechatSubscribe,
}

/// A row of `sg186_contacts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sg186Contact {
    /// The customer's number (normalised).
    pub customer: String,
    /// Name (personal data).
    #[serde(default)]
    pub name: Option<String>,
    /// Phone (personal data), as given.
    #[serde(default)]
    pub phone: Option<String>,
    /// Role.
    #[serde(default)]
    pub role: ContactRole,
    /// Escalation level, 1 first.
    pub level: u8,
    /// WeChat openid (personal data).
    #[serde(default)]
    pub wechat_openid: Option<String>,
    /// Channels the contact accepts. Empty when the cell was empty: then `sms` if a phone is
    /// given and `wechat_template` if an openid is (see [`Sg186Contact::effective_channels`]).
    #[serde(default)]
    pub channels: Vec<ContactChannel>,
    /// The line the row was read from (0: built by hand).
    #[serde(default)]
    pub row: u64,
}

impl Sg186Contact {
    /// The channels, or when none is listed those the contact's addresses allow: `sms` for a
    /// phone, `wechat_template` for an openid.
    #[must_use]
    pub fn effective_channels(&self) -> Vec<ContactChannel> {
        if !self.channels.is_empty() {
            return self.channels.clone();
        }
        let mut out = Vec::new();
        if self.phone.as_deref().is_some_and(|p| !p.is_empty()) {
            out.push(ContactChannel::Sms);
        }
        if self.wechat_openid.as_deref().is_some_and(|p| !p.is_empty()) {
            out.push(ContactChannel::WechatTemplate);
        }
        out
    }
}

/// A row of `sg186_meters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sg186Meter {
    /// Meter number (normalised).
    pub meter: String,
    /// The customer's number (normalised), if any.
    #[serde(default)]
    pub customer: Option<String>,
    /// Multiplier (CT × PT ratio).
    pub multiplier: f64,
    /// The line the row was read from (0: built by hand).
    #[serde(default)]
    pub row: u64,
}

/// What an AMI event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmiEventKind {
    /// The meter lost supply.
    PowerOff,
    /// The meter regained supply.
    PowerOn,
}

/// A row of `ami_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmiEvent {
    /// Meter number (normalised).
    pub meter: String,
    /// When the meter saw it.
    pub time: DateTime<FixedOffset>,
    /// Power off or on.
    pub event: AmiEventKind,
    /// The line the row was read from (0: built by hand).
    #[serde(default)]
    pub row: u64,
}

/// What a DA event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaEventKind {
    /// The switch opened.
    Open,
    /// The switch closed.
    Close,
    /// A protection trip (the switch opened on a fault).
    Trip,
    /// A fault indicator saw fault current (changes no state).
    FaultIndicator,
}

/// A row of `da_events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaEvent {
    /// Asset number of the device (normalised).
    pub asset: String,
    /// Sequence-of-events time.
    pub time: DateTime<FixedOffset>,
    /// What happened.
    pub event: DaEventKind,
    /// Sequence number.
    pub seq: u64,
    /// The line the row was read from (0: built by hand).
    #[serde(default)]
    pub row: u64,
}

/// The five sources as typed records: what fusion takes. Any reader (the CSV and Parquet
/// readers of this module, a CIM GIS reader, a host's own database adapter) fills it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sources {
    /// `pms_equipment`.
    #[serde(default)]
    pub pms: Vec<PmsEquipment>,
    /// `gis_connectivity`.
    #[serde(default)]
    pub gis: Vec<GisDevice>,
    /// `sg186_customers`.
    #[serde(default)]
    pub customers: Vec<Sg186Customer>,
    /// `sg186_contacts`.
    #[serde(default)]
    pub contacts: Vec<Sg186Contact>,
    /// `sg186_meters`.
    #[serde(default)]
    pub meters: Vec<Sg186Meter>,
    /// `ami_events`.
    #[serde(default)]
    pub ami_events: Vec<AmiEvent>,
    /// `da_events`.
    #[serde(default)]
    pub da_events: Vec<DaEvent>,
}
