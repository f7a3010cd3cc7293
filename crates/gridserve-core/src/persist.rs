//! A compact, versioned binary form of gridserve's objects: what Python pickles and what a
//! cluster ships to its workers.
//!
//! Every encoding is a 28-byte header followed by a body:
//!
//! | bytes  | field                                                  |
//! |--------|--------------------------------------------------------|
//! | 0..4   | magic `GSRV`                                           |
//! | 4..6   | format version, little-endian ([`FORMAT_VERSION`])      |
//! | 6..8   | object kind, little-endian ([`Kind`])                   |
//! | 8..16  | body length in bytes, little-endian                    |
//! | 16..24 | length of the body once decompressed, little-endian    |
//! | 24..28 | CRC-32 (IEEE) of the body, little-endian               |
//!
//! The body is MessagePack with struct fields written by name (a self-describing format, so
//! internally tagged enums, `deserialize_any`, defaults and skipped fields read back as they
//! do from JSON), compressed as one LZ4 block (the field names that every record repeats cost
//! next to nothing then, and LZ4 decompresses at memory speed). Objects are shipped as their *inputs*, never as their internal indices: a
//! [`Network`] as its records, a [`Topology`] as its network plus the operations that lead from
//! the normal state to its state (re-indexed on arrival), a [`Tariff`] as its schedule and price
//! table, an [`OutageTable`] as its columns and service base. Decoding runs the same validation
//! as building from those inputs, so bytes from elsewhere can never make an object that the
//! public constructors would refuse.
//!
//! Bad bytes never panic: a wrong magic, a version this build does not read, the wrong kind, a
//! short or over-long buffer, a checksum mismatch and a body that does not decode each give a
//! [`PersistError`] that says which.
//!
//! ```
//! use gridserve_core::persist;
//! use gridserve_core::tariff::defaults;
//!
//! let book = defaults::guangdong_huizhou()?;
//! let bytes = persist::to_bytes(&book)?;
//! let back: gridserve_core::tariff::TariffBook = persist::from_bytes(&bytes)?;
//! assert_eq!(back, book);
//! assert!(persist::from_bytes::<gridserve_core::tariff::TariffBook>(&bytes[..10]).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::Cursor;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_info::detail;
use crate::network::records::NetworkData;
use crate::network::{
    Action, Condition, ElementId, FaultOutcome, LineId, Network, NetworkError, NetworkState,
    Operation, PlannedOutage, PointId, Scope, SourceId, Topology, ValidationOptions,
};
use crate::reliability::{OutageColumns, OutageTable, ServiceBase};
use crate::tariff::{PriceTable, Tariff, TouSchedule};

/// The first four bytes of every encoding.
pub const MAGIC: [u8; 4] = *b"GSRV";

/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;

/// The length of the header in bytes.
pub const HEADER_LEN: usize = 28;

/// LZ4's largest expansion: a block never decompresses to more than about 255 times its size.
const MAX_RATIO: u64 = 255;

/// What an encoding holds (bytes 6..8 of the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Kind {
    /// A [`Network`].
    Network,
    /// A [`Topology`].
    Topology,
    /// A [`Tariff`].
    Tariff,
    /// A [`TariffBook`](crate::tariff::TariffBook).
    TariffBook,
    /// A [`TouSchedule`].
    TouSchedule,
    /// A [`PriceTable`].
    PriceTable,
    /// A [`Calendar`](crate::tariff::Calendar).
    Calendar,
    /// An [`OutageTable`].
    OutageTable,
    /// A [`ServiceBase`].
    ServiceBase,
    /// Reliability [`IndexOptions`](crate::reliability::IndexOptions).
    IndexOptions,
    /// A [`Scope`] with the topology that computed it.
    Scope,
    /// A [`FaultOutcome`] with the topology that computed it.
    FaultOutcome,
    /// A [`PlannedOutage`] with the topology that computed it.
    PlannedOutage,
    /// [`AdviceRules`](crate::advice::AdviceRules).
    AdviceRules,
    /// A transformer [`LossTable`](crate::advice::transformer::LossTable).
    LossTable,
    /// Scoring [`IndicatorOptions`](crate::scoring::IndicatorOptions).
    IndicatorOptions,
    /// Scoring [`TopsisOptions`](crate::scoring::TopsisOptions).
    TopsisOptions,
    /// Scoring [`Weights`](crate::scoring::Weights).
    Weights,
    /// A weight [`Combination`](crate::scoring::Combination).
    Combination,
    /// A [`TopologyState`]: a topology's state without its network.
    TopologyState,
    /// A fused [`Snapshot`](crate::integrate::Snapshot) of the source systems.
    Snapshot,
}

impl Kind {
    /// Every kind, in code order (code = position + 1).
    pub const ALL: [Self; 21] = [
        Self::Network,
        Self::Topology,
        Self::Tariff,
        Self::TariffBook,
        Self::TouSchedule,
        Self::PriceTable,
        Self::Calendar,
        Self::OutageTable,
        Self::ServiceBase,
        Self::IndexOptions,
        Self::Scope,
        Self::FaultOutcome,
        Self::PlannedOutage,
        Self::AdviceRules,
        Self::LossTable,
        Self::IndicatorOptions,
        Self::TopsisOptions,
        Self::Weights,
        Self::Combination,
        Self::TopologyState,
        Self::Snapshot,
    ];

    /// The code written in the header.
    #[must_use]
    pub fn code(self) -> u16 {
        // ALL is short and every kind is in it.
        Self::ALL
            .iter()
            .position(|&k| k == self)
            .map_or(0, |i| i as u16 + 1)
    }

    /// The kind of a header code, if this build knows it.
    #[must_use]
    pub fn from_code(code: u16) -> Option<Self> {
        Self::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// The snake_case name (as in errors).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Topology => "topology",
            Self::Tariff => "tariff",
            Self::TariffBook => "tariff_book",
            Self::TouSchedule => "tou_schedule",
            Self::PriceTable => "price_table",
            Self::Calendar => "calendar",
            Self::OutageTable => "outage_table",
            Self::ServiceBase => "service_base",
            Self::IndexOptions => "index_options",
            Self::Scope => "scope",
            Self::FaultOutcome => "fault_outcome",
            Self::PlannedOutage => "planned_outage",
            Self::AdviceRules => "advice_rules",
            Self::LossTable => "loss_table",
            Self::IndicatorOptions => "indicator_options",
            Self::TopsisOptions => "topsis_options",
            Self::Weights => "weights",
            Self::Combination => "combination",
            Self::TopologyState => "topology_state",
            Self::Snapshot => "snapshot",
        }
    }
}

/// Why bytes could not be encoded or decoded.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)).
#[derive(Debug, Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PersistError {
    /// The bytes do not start with the gridserve magic: they are not a gridserve encoding.
    #[error("not a gridserve encoding: the bytes start with {found} instead of \"GSRV\"")]
    BadMagic {
        /// The first bytes found, in hex (at most four).
        found: String,
    },
    /// The format version is one this build does not read (a newer gridserve wrote it).
    #[error(
        "gridserve encoding format version {version} is not supported: this build reads versions 1 to {supported} (a newer gridserve wrote it; upgrade to read it)"
    )]
    UnsupportedVersion {
        /// The version in the header.
        version: u16,
        /// The newest version this build reads.
        supported: u16,
    },
    /// The bytes hold another kind of object than the one asked for.
    #[error("the bytes hold a {found}, not a {expected}")]
    WrongKind {
        /// The kind asked for.
        expected: &'static str,
        /// The kind found (its name, or `kind <code>` for a code this build does not know).
        found: String,
    },
    /// The bytes end before the header or the body does.
    #[error("truncated gridserve encoding: {found} bytes where {expected} are needed")]
    Truncated {
        /// The bytes needed (header plus body length).
        expected: u64,
        /// The bytes given.
        found: u64,
    },
    /// The body does not match its checksum or length, or does not decode.
    #[error("corrupt gridserve encoding of a {what}: {reason}")]
    Corrupt {
        /// The kind of object.
        what: &'static str,
        /// What is wrong (a parser's message is cut to a few hundred characters).
        reason: String,
    },
    /// The body decodes but does not make a valid object (the error its constructor gives).
    #[error("the encoded {what} is not valid: {reason}")]
    Invalid {
        /// The kind of object.
        what: &'static str,
        /// The constructor's message, cut to a few hundred characters.
        reason: String,
    },
    /// The object cannot be encoded.
    #[error("cannot encode the {what}: {reason}")]
    Encode {
        /// The kind of object.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// An error of the network family, e.g. a scope whose topology changed since
    /// ([`NetworkError::StaleScope`]): its answer would not be the one shipped.
    #[error(transparent)]
    #[serde(skip_serializing)]
    Network(#[from] NetworkError),
}

crate::impl_error_info! {
    PersistError {
        BadMagic => ("bad_magic", "PersistError"),
        UnsupportedVersion => ("unsupported_version", "UnsupportedFormatError"),
        WrongKind => ("wrong_kind", "PersistError"),
        Truncated => ("truncated", "PersistError"),
        Corrupt => ("corrupt", "PersistError"),
        Invalid => ("invalid", "PersistError"),
        Encode => ("encode", "PersistError"),
    }
    delegate { Network }
}

impl PersistError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::BadMagic {
                found: "80 04 95 2a".into(),
            },
            Self::UnsupportedVersion {
                version: 2,
                supported: FORMAT_VERSION,
            },
            Self::WrongKind {
                expected: "network",
                found: "tariff".into(),
            },
            Self::Truncated {
                expected: 120,
                found: 60,
            },
            Self::Corrupt {
                what: "network",
                reason: "checksum mismatch".into(),
            },
            Self::Invalid {
                what: "tariff",
                reason: "the price table lacks the valley period".into(),
            },
            Self::Encode {
                what: "network",
                reason: "out of memory".into(),
            },
        ]
    }
}

/// A result with [`PersistError`].
pub type Result<T, E = PersistError> = std::result::Result<T, E>;

/// An object with a binary encoding: its [`Kind`] and how its body is written and read.
///
/// Implemented for the network, topology, tariff, reliability and scoring objects and rules;
/// use [`to_bytes`] and [`from_bytes`].
pub trait Persist: Sized {
    /// What the header says the bytes hold.
    const KIND: Kind;

    /// The body (MessagePack).
    ///
    /// # Errors
    /// [`PersistError::Encode`] if the object cannot be written; for an answer of a topology,
    /// [`NetworkError::StaleScope`] if the topology changed since.
    fn encode_body(&self) -> Result<Vec<u8>>;

    /// The object from its body, validated as its constructor validates.
    ///
    /// # Errors
    /// [`PersistError::Corrupt`] if the body does not decode, [`PersistError::Invalid`] if the
    /// decoded inputs do not make a valid object.
    fn decode_body(body: &[u8]) -> Result<Self>;
}

/// Encodes an object: header and body.
///
/// # Errors
/// As [`Persist::encode_body`].
pub fn to_bytes<T: Persist>(value: &T) -> Result<Vec<u8>> {
    let raw = value.encode_body()?;
    let body = lz4_flex::block::compress(&raw);
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&T::KIND.code().to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&(raw.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes an object of type `T`.
///
/// # Errors
/// [`PersistError::BadMagic`], [`PersistError::UnsupportedVersion`], [`PersistError::WrongKind`],
/// [`PersistError::Truncated`], [`PersistError::Corrupt`] (checksum, length or body) and
/// [`PersistError::Invalid`] (the inputs do not make a valid object).
pub fn from_bytes<T: Persist>(bytes: &[u8]) -> Result<T> {
    let (kind, body) = split(bytes)?;
    match kind {
        Some(k) if k == T::KIND => T::decode_body(&decompress(bytes, body, k.name())?),
        other => Err(PersistError::WrongKind {
            expected: T::KIND.name(),
            found: kind_name(other, bytes),
        }),
    }
}

/// The kind an encoding holds, after checking its header, length and checksum (the body is not
/// decoded).
///
/// # Errors
/// As [`from_bytes`], and [`PersistError::WrongKind`] for a kind code this build does not know.
pub fn kind_of(bytes: &[u8]) -> Result<Kind> {
    let (kind, _) = split(bytes)?;
    kind.ok_or_else(|| PersistError::WrongKind {
        expected: "gridserve object",
        found: kind_name(None, bytes),
    })
}

fn kind_name(kind: Option<Kind>, bytes: &[u8]) -> String {
    match kind {
        Some(k) => k.name().to_owned(),
        None => format!("kind {}", u16::from_le_bytes([bytes[6], bytes[7]])),
    }
}

/// The body decompressed to the length the header states.
fn decompress(bytes: &[u8], body: &[u8], what: &'static str) -> Result<Vec<u8>> {
    let corrupt = |reason: String| PersistError::Corrupt { what, reason };
    let raw_len = le_u64(&bytes[16..24]);
    // Checked before allocating, so a forged length cannot ask for more memory than the
    // body could ever expand to.
    if raw_len
        > (body.len() as u64)
            .saturating_mul(MAX_RATIO)
            .saturating_add(64)
    {
        return Err(corrupt(format!(
            "a body of {} bytes cannot decompress to the {raw_len} bytes the header states",
            body.len()
        )));
    }
    let raw_len = usize::try_from(raw_len)
        .map_err(|_| corrupt(format!("{raw_len} bytes do not fit in memory")))?;
    let mut raw = vec![0u8; raw_len];
    match lz4_flex::block::decompress_into(body, &mut raw) {
        Ok(n) if n == raw_len => Ok(raw),
        Ok(n) => Err(corrupt(format!(
            "the body decompresses to {n} bytes, not the {raw_len} the header states"
        ))),
        Err(e) => Err(corrupt(detail(&e.to_string()))),
    }
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Checks the header and returns the kind (if known) and the body.
fn split(bytes: &[u8]) -> Result<(Option<Kind>, &[u8])> {
    let hex = |b: &[u8]| {
        b.iter()
            .take(4)
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] || bytes.is_empty() {
        return Err(PersistError::BadMagic {
            found: if bytes.is_empty() {
                "nothing (0 bytes)".into()
            } else {
                hex(bytes)
            },
        });
    }
    if bytes.len() < HEADER_LEN {
        return Err(PersistError::Truncated {
            expected: HEADER_LEN as u64,
            found: bytes.len() as u64,
        });
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version == 0 || version > FORMAT_VERSION {
        return Err(PersistError::UnsupportedVersion {
            version,
            supported: FORMAT_VERSION,
        });
    }
    let kind = Kind::from_code(u16::from_le_bytes([bytes[6], bytes[7]]));
    let what = kind.map_or("gridserve object", Kind::name);
    let body_len = le_u64(&bytes[8..16]);
    let expected = body_len.saturating_add(HEADER_LEN as u64);
    let found = bytes.len() as u64;
    if found < expected {
        return Err(PersistError::Truncated { expected, found });
    }
    if found > expected {
        return Err(PersistError::Corrupt {
            what,
            reason: format!("{} bytes follow the end of the body", found - expected),
        });
    }
    let body = &bytes[HEADER_LEN..];
    let crc = u32::from_le_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]);
    if crc32fast::hash(body) != crc {
        return Err(PersistError::Corrupt {
            what,
            reason: "the body does not match its checksum".into(),
        });
    }
    Ok((kind, body))
}

/// MessagePack of a serde value, struct fields by name.
fn encode<T: Serialize + ?Sized>(what: &'static str, value: &T) -> Result<Vec<u8>> {
    rmp_serde::to_vec_named(value).map_err(|e| PersistError::Encode {
        what,
        reason: detail(&e.to_string()),
    })
}

/// A serde value from a whole body (bytes left over are corruption).
fn decode<T: DeserializeOwned>(what: &'static str, body: &[u8]) -> Result<T> {
    let corrupt = |reason: String| PersistError::Corrupt {
        what,
        reason: detail(&reason),
    };
    let mut de = rmp_serde::Deserializer::new(Cursor::new(body));
    let value = T::deserialize(&mut de).map_err(|e| corrupt(e.to_string()))?;
    let used = de.position();
    if used != body.len() as u64 {
        return Err(corrupt(format!(
            "{} bytes follow the encoded value",
            body.len() as u64 - used
        )));
    }
    Ok(value)
}

fn invalid(what: &'static str, err: &impl std::fmt::Display) -> PersistError {
    PersistError::Invalid {
        what,
        reason: detail(&err.to_string()),
    }
}

/// Rules and options: the serde value itself is the body.
macro_rules! persist_serde {
    ($($ty:ty => $kind:ident),* $(,)?) => {$(
        impl Persist for $ty {
            const KIND: Kind = Kind::$kind;
            fn encode_body(&self) -> Result<Vec<u8>> {
                encode(Kind::$kind.name(), self)
            }
            fn decode_body(body: &[u8]) -> Result<Self> {
                decode(Kind::$kind.name(), body)
            }
        }
    )*};
}

persist_serde! {
    crate::tariff::TariffBook => TariffBook,
    TouSchedule => TouSchedule,
    PriceTable => PriceTable,
    crate::tariff::Calendar => Calendar,
    ServiceBase => ServiceBase,
    crate::reliability::IndexOptions => IndexOptions,
    crate::advice::AdviceRules => AdviceRules,
    crate::advice::transformer::LossTable => LossTable,
    crate::scoring::IndicatorOptions => IndicatorOptions,
    crate::scoring::TopsisOptions => TopsisOptions,
    crate::scoring::Weights => Weights,
    crate::scoring::Combination => Combination,
    crate::integrate::Snapshot => Snapshot,
}

// ---- network -------------------------------------------------------------------------------

/// A network as shipped: its records and the validation options to rebuild it with.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkForm<D> {
    options: ValidationOptions,
    data: D,
}

impl NetworkForm<NetworkData> {
    fn of(net: &Network) -> Self {
        Self {
            // The network passed validation once; isolated points it holds were allowed then.
            options: ValidationOptions {
                allow_isolated_points: true,
            },
            data: net.to_data(),
        }
    }

    fn build(self, what: &'static str) -> Result<Network> {
        Network::from_data_with(&self.data, self.options).map_err(|e| invalid(what, &e))
    }
}

impl Persist for Network {
    const KIND: Kind = Kind::Network;
    fn encode_body(&self) -> Result<Vec<u8>> {
        encode("network", &NetworkForm::of(self))
    }
    fn decode_body(body: &[u8]) -> Result<Self> {
        decode::<NetworkForm<NetworkData>>("network", body)?.build("network")
    }
}

/// A topology as shipped: its network and the operations from the normal state to its state.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopologyForm {
    network: NetworkForm<NetworkData>,
    operations: Vec<Operation>,
}

/// The operations that lead from `from` to `to` (states of `net`): for each element whose
/// condition differs, opening or closing first, then taking out or restoring, then faulting or
/// repairing (so that a switch is never closed onto a fault).
#[must_use]
pub fn operations_between(net: &Network, from: &NetworkState, to: &NetworkState) -> Vec<Operation> {
    let mut ops = Vec::new();
    let elements = net
        .point_ids()
        .map(ElementId::Point)
        .chain(net.line_ids().map(ElementId::Line))
        .chain(net.source_ids().map(ElementId::Source));
    for element in elements {
        let (a, b) = (from.condition(element), to.condition(element));
        push_diff(&mut ops, element, a, b);
    }
    ops
}

fn push_diff(ops: &mut Vec<Operation>, element: ElementId, a: Condition, b: Condition) {
    if a == b {
        return;
    }
    let mut op = |action| ops.push(Operation { action, element });
    // Repair before closing (closing onto a fault is refused), fault after.
    if a.faulted && !b.faulted {
        op(Action::Repair);
    }
    if a.open != b.open {
        op(if b.open { Action::Open } else { Action::Close });
    }
    if a.out_of_service != b.out_of_service {
        op(if b.out_of_service {
            Action::TakeOut
        } else {
            Action::Restore
        });
    }
    if !a.faulted && b.faulted {
        op(Action::Fault);
    }
}

impl TopologyForm {
    fn of(t: &Topology) -> Self {
        let net = t.network();
        let normal = NetworkState::normal(net);
        Self {
            network: NetworkForm::of(net),
            operations: operations_between(net, &normal, t.state()),
        }
    }

    fn build(self, what: &'static str) -> Result<Topology> {
        let net = Arc::new(self.network.build(what)?);
        let mut state = NetworkState::normal(&net);
        state
            .apply(&net, &self.operations)
            .map_err(|e| invalid(what, &e))?;
        Topology::new(net, state).map_err(|e| invalid(what, &e))
    }
}

impl Persist for Topology {
    const KIND: Kind = Kind::Topology;
    fn encode_body(&self) -> Result<Vec<u8>> {
        encode("topology", &TopologyForm::of(self))
    }
    /// Re-indexes on arrival: indexing is linear in the network and checks nothing it could
    /// trust blindly, where a shipped index would have to be checked point by point anyway.
    fn decode_body(body: &[u8]) -> Result<Self> {
        decode::<TopologyForm>("topology", body)?.build("topology")
    }
}

/// The state of a topology without its network: the operations from the network's normal state.
/// Ships many topologies of one network (or a topology whose network travels separately)
/// without repeating the network; [`TopologyState::index`] rebuilds the topology on the network
/// it is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologyState {
    /// The operations from the normal state, in the order they apply.
    pub operations: Vec<Operation>,
}

impl TopologyState {
    /// The state of `t`.
    #[must_use]
    pub fn of(t: &Topology) -> Self {
        let net = t.network();
        Self {
            operations: operations_between(net, &NetworkState::normal(net), t.state()),
        }
    }

    /// Indexes `net` in this state.
    ///
    /// # Errors
    /// [`PersistError::Invalid`] if the operations do not apply to `net` (an id out of its
    /// range, or an operation its normal state refuses: the state was made for another network).
    pub fn index(&self, net: Arc<Network>) -> Result<Topology> {
        let what = Kind::TopologyState.name();
        let mut state = NetworkState::normal(&net);
        state
            .apply(&net, &self.operations)
            .map_err(|e| invalid(what, &e))?;
        Topology::new(net, state).map_err(|e| invalid(what, &e))
    }
}

persist_serde! {
    TopologyState => TopologyState,
}

/// The answer of a topology query together with the topology that gave it. Encoded as the
/// topology and the query; decoding re-indexes and asks again, so the answer's listings work
/// against the decoded topology.
#[derive(Debug, Clone)]
pub struct Answered<T> {
    /// The topology, in the state the answer was computed in.
    pub topology: Arc<Topology>,
    /// The answer.
    pub answer: T,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerForm<Q> {
    topology: TopologyForm,
    query: Q,
}

fn check_element(t: &Topology, e: ElementId) -> bool {
    let net = t.network();
    match e {
        ElementId::Point(PointId(p)) => (p as usize) < net.point_count(),
        ElementId::Line(LineId(l)) => (l as usize) < net.line_count(),
        ElementId::Source(SourceId(s)) => (s as usize) < net.source_count(),
    }
}

impl Persist for Answered<Scope> {
    const KIND: Kind = Kind::Scope;
    fn encode_body(&self) -> Result<Vec<u8>> {
        self.topology.check_scope(&self.answer)?;
        let state = self.topology.state();
        let mut ops = Vec::new();
        for &(element, after) in &self.answer.changes {
            if !check_element(&self.topology, element) {
                continue;
            }
            push_diff(&mut ops, element, state.condition(element), after);
        }
        encode(
            "scope",
            &AnswerForm {
                topology: TopologyForm::of(&self.topology),
                query: ops,
            },
        )
    }
    fn decode_body(body: &[u8]) -> Result<Self> {
        let form: AnswerForm<Vec<Operation>> = decode("scope", body)?;
        let topology = form.topology.build("scope")?;
        let answer = topology
            .scope(&form.query)
            .map_err(|e| invalid("scope", &e))?;
        Ok(Self {
            topology: Arc::new(topology),
            answer,
        })
    }
}

impl Persist for Answered<FaultOutcome> {
    const KIND: Kind = Kind::FaultOutcome;
    fn encode_body(&self) -> Result<Vec<u8>> {
        self.topology.check_scope(&self.answer.scope)?;
        encode(
            "fault_outcome",
            &AnswerForm {
                topology: TopologyForm::of(&self.topology),
                query: self.answer.element,
            },
        )
    }
    fn decode_body(body: &[u8]) -> Result<Self> {
        let form: AnswerForm<ElementId> = decode("fault_outcome", body)?;
        let topology = form.topology.build("fault_outcome")?;
        if !check_element(&topology, form.query) {
            return Err(invalid(
                "fault_outcome",
                &"the faulted element is not in the network",
            ));
        }
        let answer = topology
            .fault(form.query)
            .map_err(|e| invalid("fault_outcome", &e))?;
        Ok(Self {
            topology: Arc::new(topology),
            answer,
        })
    }
}

impl Persist for Answered<PlannedOutage> {
    const KIND: Kind = Kind::PlannedOutage;
    fn encode_body(&self) -> Result<Vec<u8>> {
        self.topology.check_scope(&self.answer.scope)?;
        encode(
            "planned_outage",
            &AnswerForm {
                topology: TopologyForm::of(&self.topology),
                query: self.answer.element,
            },
        )
    }
    fn decode_body(body: &[u8]) -> Result<Self> {
        let form: AnswerForm<ElementId> = decode("planned_outage", body)?;
        let topology = form.topology.build("planned_outage")?;
        if !check_element(&topology, form.query) {
            return Err(invalid(
                "planned_outage",
                &"the element to work on is not in the network",
            ));
        }
        let answer = topology
            .planned_outage(form.query)
            .map_err(|e| invalid("planned_outage", &e))?;
        Ok(Self {
            topology: Arc::new(topology),
            answer,
        })
    }
}

// ---- tariff --------------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TariffForm<S, P> {
    schedule: S,
    prices: P,
}

impl Persist for Tariff {
    const KIND: Kind = Kind::Tariff;
    fn encode_body(&self) -> Result<Vec<u8>> {
        encode(
            "tariff",
            &TariffForm {
                schedule: self.schedule(),
                prices: self.prices(),
            },
        )
    }
    fn decode_body(body: &[u8]) -> Result<Self> {
        let form: TariffForm<TouSchedule, PriceTable> = decode("tariff", body)?;
        Tariff::new(form.schedule, form.prices).map_err(|e| invalid("tariff", &e))
    }
}

// ---- reliability ---------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutageTableForm {
    base: ServiceBase,
    columns: OutageColumns,
}

/// The table's rows as columns that [`OutageTable::from_columns`] turns back into the same
/// table (names are interned in first-seen order, which the columns keep).
fn outage_columns(t: &OutageTable) -> OutageColumns {
    let n = t.len();
    let name = |names: &[String], i: u32| names.get(i as usize).cloned().unwrap_or_default();
    let feeders = t.base().feeders();
    // A missing stage time is stored as i64::MIN (the table's NO_TIME).
    let time = |v: i64| (v != i64::MIN).then_some(v);
    let any_list = t.has_list.iter().any(|&h| h);
    let mut cols = OutageColumns {
        id: (0..n)
            .map(|i| t.id(i).unwrap_or_default().to_owned())
            .collect(),
        start_ms: t.start_ms.iter().map(|&v| Some(v)).collect(),
        end_ms: t.end_ms.iter().map(|&v| Some(v)).collect(),
        cause: t.cause.iter().map(|&c| name(&t.causes, c)).collect(),
        planned: t.planned.iter().map(|&p| Some(p)).collect(),
        device: t.device.iter().map(|&d| name(&t.devices, d)).collect(),
        feeder: t
            .feeder
            .iter()
            .map(|&f| {
                feeders
                    .get(f as usize)
                    .map(|s| s.feeder.clone())
                    .unwrap_or_default()
            })
            .collect(),
        customers_count: t
            .customers
            .iter()
            .map(|&c| Some(i64::try_from(c).unwrap_or(i64::MAX)))
            .collect(),
        load_kva: t.load_kva.clone(),
        load_kw: t.load_kw.clone(),
        operations: t.operations.iter().map(|&o| Some(i64::from(o))).collect(),
        stages_ms: std::array::from_fn(|k| t.stages[k].iter().map(|&v| time(v)).collect()),
        ..OutageColumns::default()
    };
    if any_list {
        cols.list_offsets = t.list_start.clone();
        cols.has_list = t.has_list.clone();
        cols.customer_numbers = t
            .list
            .iter()
            .map(|&c| name(&t.customer_numbers, c))
            .collect();
    }
    cols
}

impl Persist for OutageTable {
    const KIND: Kind = Kind::OutageTable;
    fn encode_body(&self) -> Result<Vec<u8>> {
        encode(
            "outage_table",
            &OutageTableForm {
                base: self.base().clone(),
                columns: outage_columns(self),
            },
        )
    }
    fn decode_body(body: &[u8]) -> Result<Self> {
        let form: OutageTableForm = decode("outage_table", body)?;
        OutageTable::from_columns(&form.columns, form.base).map_err(|e| invalid("outage_table", &e))
    }
}

#[cfg(test)]
mod tests;
