//! The plain records a network is built from and exported to.
//!
//! These are the exchange form of a network: the JSON form serialises [`NetworkData`] as it is,
//! the CSV layout (see [`crate::network::io`]) writes one file per record type. Every element is
//! keyed by its asset number (设备资产编号); points, lines and sources share one namespace, customers
//! are keyed by their customer number (户号).
//!
//! Records are not validated: [`crate::network::Network::from_data`] checks them and reports every
//! problem at once.

use serde::{Deserialize, Serialize};

/// What a point (node) physically is. The kind does not change how power flows through it; it is
/// kept for the operator's listings and for importers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// A substation bus (the 10 kV bus a feeder leaves from).
    SubstationBus,
    /// A busbar in a switching station or distribution room.
    Busbar,
    /// A pole of an overhead line.
    Pole,
    /// A ring-main unit (环网柜).
    RingMainUnit,
    /// A cable branch box (分支箱).
    BranchBox,
    /// A transformer terminal (the HV or LV side of a distribution transformer).
    TransformerTerminal,
    /// Any other connection point.
    #[default]
    Junction,
}

/// A point of the network: a node where lines meet and customers attach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    /// Asset number, unique among points, lines and sources.
    pub asset: String,
    /// What the point is.
    #[serde(default)]
    pub kind: PointKind,
    /// A readable name, if the ledger has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the point is in service in the network's normal state.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// How a segment is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// An overhead line.
    #[default]
    Overhead,
    /// An underground cable.
    Cable,
}

/// A line segment between two points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRecord {
    /// Asset number, unique among points, lines and sources.
    pub asset: String,
    /// Asset number of one end point.
    pub from: String,
    /// Asset number of the other end point.
    pub to: String,
    /// Overhead line or cable.
    #[serde(default)]
    pub kind: SegmentKind,
    /// Length in metres (finite, ≥ 0).
    pub length_m: f64,
    /// Rated (ampacity) current in amperes, if known (finite, > 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_current_a: Option<f64>,
    /// Whether the segment is in service in the network's normal state.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// The kind of a switching device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SwitchKind {
    /// A circuit breaker (断路器).
    Breaker,
    /// A recloser (重合器).
    Recloser,
    /// A load-break switch (负荷开关).
    LoadBreakSwitch,
    /// A disconnector (隔离开关, 刀闸).
    Disconnector,
    /// A fuse, including drop-out fuses (熔断器, 跌落式熔断器).
    Fuse,
    /// A sectionalizer (分段器).
    Sectionalizer,
}

impl SwitchKind {
    /// Whether a device of this kind protects (interrupts fault current) unless the record says
    /// otherwise: breakers, reclosers and fuses do.
    #[must_use]
    pub fn protective_by_default(self) -> bool {
        matches!(self, Self::Breaker | Self::Recloser | Self::Fuse)
    }
}

/// A switching device between two points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwitchRecord {
    /// Asset number, unique among points, lines and sources.
    pub asset: String,
    /// Asset number of one end point.
    pub from: String,
    /// Asset number of the other end point.
    pub to: String,
    /// The kind of device.
    pub kind: SwitchKind,
    /// Whether the switch is open in the network's normal state (a normally-open tie, 联络开关).
    #[serde(default)]
    pub normally_open: bool,
    /// Whether the device trips on a fault downstream of it.
    pub protective: bool,
    /// Whether the device can be operated remotely (distribution automation).
    #[serde(default)]
    pub remote: bool,
    /// Whether the switch is in service in the network's normal state.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// Whom a distribution transformer serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransformerUsage {
    /// A customer's own (dedicated) transformer (专变).
    Dedicated,
    /// A public transformer serving low-voltage customers (公变).
    #[default]
    Public,
}

/// A distribution transformer between an HV point and an LV point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformerRecord {
    /// Asset number, unique among points, lines and sources.
    pub asset: String,
    /// Asset number of the high-voltage side point.
    pub from: String,
    /// Asset number of the low-voltage side point.
    pub to: String,
    /// Rated power in kVA (finite, > 0).
    pub rated_kva: f64,
    /// Series or model designation, e.g. `S11-M-400/10`.
    #[serde(default)]
    pub model: String,
    /// Year the transformer entered service, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year_in_service: Option<u16>,
    /// Dedicated (专变) or public (公变).
    #[serde(default)]
    pub usage: TransformerUsage,
    /// Whether the transformer is in service in the network's normal state.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A source: a point fed from the transmission side (usually a substation's 10 kV bus or feeder
/// head), with the capacity of the feeder it supplies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Asset number, unique among points, lines and sources.
    pub asset: String,
    /// Asset number of the point the source feeds.
    pub point: String,
    /// A readable name (for example the feeder's name), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The capacity available to the network at this source, in kVA (finite, > 0).
    pub capacity_kva: f64,
    /// Whether the source is in service in the network's normal state.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// The importance class of a customer (重要电力用户分级). Ordered from the least to the most
/// important, so that sorting in descending order lists critical customers first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    /// An ordinary customer.
    #[default]
    Normal,
    /// A temporarily important customer (临时性重要用户).
    Temporary,
    /// A second-class important customer (二级重要用户).
    SecondClass,
    /// A first-class important customer (一级重要用户).
    FirstClass,
    /// A special-class important customer (特级重要用户).
    SpecialClass,
}

impl Importance {
    /// Whether a customer of this class is critical: any class above [`Importance::Normal`].
    #[must_use]
    pub fn is_critical(self) -> bool {
        self != Self::Normal
    }
}

/// The role a contact plays for a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    /// The legal representative (法人).
    LegalRepresentative,
    /// The manager responsible for energy use (用电负责人).
    Manager,
    /// The customer's electrician (电工).
    Electrician,
    /// The finance contact who pays the bills (财务).
    Finance,
    /// Any other contact.
    #[default]
    Other,
}

/// A person to notify on a customer's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Phone number as given (not validated beyond being non-empty).
    pub phone: String,
    /// Role.
    #[serde(default)]
    pub role: ContactRole,
    /// Escalation level: 1 is contacted first, then 2, then 3 (at least 1).
    #[serde(default = "one")]
    pub level: u8,
}

/// A customer attached to a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRecord {
    /// Customer number (户号), unique among customers.
    pub number: String,
    /// The customer's name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Asset number of the point the customer is supplied from.
    pub point: String,
    /// Contracted capacity in kVA (finite, ≥ 0).
    pub contracted_kva: f64,
    /// Representative load in kW, used for lost load (finite, ≥ 0).
    pub load_kw: f64,
    /// Importance class.
    #[serde(default)]
    pub importance: Importance,
    /// Contacts, in the order given.
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

/// A whole network as plain records: the JSON form, and what the builder takes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkData {
    /// Points (nodes).
    #[serde(default)]
    pub points: Vec<PointRecord>,
    /// Line segments.
    #[serde(default)]
    pub segments: Vec<SegmentRecord>,
    /// Switching devices.
    #[serde(default)]
    pub switches: Vec<SwitchRecord>,
    /// Distribution transformers.
    #[serde(default)]
    pub transformers: Vec<TransformerRecord>,
    /// Sources.
    #[serde(default)]
    pub sources: Vec<SourceRecord>,
    /// Customers with their contacts.
    #[serde(default)]
    pub customers: Vec<CustomerRecord>,
}

fn yes() -> bool {
    true
}

fn one() -> u8 {
    1
}
