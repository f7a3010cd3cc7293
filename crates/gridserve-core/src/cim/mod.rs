//! The GIS side as IEC 61970 CIM RDF/XML: a streaming reader of the CGMES equipment (EQ) profile
//! subset a distribution GIS exports, giving one row per conducting device in the
//! `gis_connectivity` layout, and the network's records built from them.
//!
//! The reader is a pull parser over the XML ([`quick_xml`]): it never holds the document, only
//! compact records of the objects it reads (ids interned once, references kept as numbers), so
//! a million-device file streams. A second pass over those records, not over the XML, resolves
//! the `rdf:resource` references, counts each device's terminals and orders them, decides which
//! transformer end is the high-voltage side and walks the equipment containers up to the feeder
//! and the substation.
//!
//! [`read_cim_file`] reads a large file (16 MiB or more) in two parts on two threads: it
//! splits at a line that starts a top-level object past the middle, parses both parts at once
//! (the second behind a copy of the root's start tag, for its namespaces) and appends the
//! second part's records to the first's, numbering ids and lines as one pass would. The
//! records are the same as one pass gives, symbol for symbol; a file that cannot be split
//! (objects not on lines of their own, a DOCTYPE, another encoding than UTF-8) or a part that
//! fails (a malformed document, an id defined in both parts) is read again in one pass, so
//! errors are the one-pass errors. A large model (20,000 nodes and devices or more) is also
//! resolved on two threads, with the same result and the same first error as on one.
//!
//! The subset read, the mapping to [`CimDevice`] and to the network's records, the options and
//! the errors are specified in `docs/formats/cim.md`. In short:
//!
//! | CIM class | [`DeviceType`] | network record |
//! |---|---|---|
//! | `ConnectivityNode` | (a [`CimNode`]) | point |
//! | `ACLineSegment` | `segment` (`Conductor.length` km → `length_m`) | segment |
//! | `Breaker`, `Recloser`, `LoadBreakSwitch`, `Disconnector`, `Fuse`, `Sectionaliser` | the switch kind | switch |
//! | `Jumper`, `Switch` | `jumper`, `switch` | switch (disconnector) |
//! | `PowerTransformer` + 2 `PowerTransformerEnd` | `transformer` (`ratedS` MVA → `rated_kva`) | transformer, HV end → `from` |
//! | `EnergyConsumer`, `ConformLoad`, `NonConformLoad` | `consumer` | customer at its node |
//! | `EnergySource`, `ExternalNetworkInjection` (and `SynchronousMachine` if asked) | `source` | source at its node |
//!
//! ```
//! use gridserve_core::cim::{CimOptions, AssetId, read_cim};
//!
//! let xml = r##"<?xml version="1.0" encoding="UTF-8"?>
//! <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
//!          xmlns:cim="http://iec.ch/TC57/2013/CIM-schema-cim16#">
//!   <cim:ConnectivityNode rdf:ID="_N1"><cim:IdentifiedObject.name>BUS-1</cim:IdentifiedObject.name></cim:ConnectivityNode>
//!   <cim:ConnectivityNode rdf:ID="_N2"><cim:IdentifiedObject.name>P-1</cim:IdentifiedObject.name></cim:ConnectivityNode>
//!   <cim:ACLineSegment rdf:ID="_L1">
//!     <cim:IdentifiedObject.name>L-1</cim:IdentifiedObject.name>
//!     <cim:Conductor.length>0.85</cim:Conductor.length>
//!   </cim:ACLineSegment>
//!   <cim:Terminal rdf:ID="_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_L1"/>
//!     <cim:Terminal.ConnectivityNode rdf:resource="#_N1"/></cim:Terminal>
//!   <cim:Terminal rdf:ID="_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_L1"/>
//!     <cim:Terminal.ConnectivityNode rdf:resource="#_N2"/></cim:Terminal>
//! </rdf:RDF>"##;
//! let model = read_cim(xml.as_bytes(), "feeder.xml", &CimOptions::default()).unwrap();
//! let line = &model.devices[0];
//! assert_eq!((line.asset.as_str(), line.node_a.as_str()), ("L-1", "BUS-1"));
//! assert_eq!(line.node_b.as_deref(), Some("P-1"));
//! assert_eq!(line.length_m, Some(850.0));
//! assert_eq!(line.mrid, "L1");
//! ```

mod error;
mod network;
mod parse;
mod resolve;
#[cfg(test)]
mod tests;

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use self::error::CimError;
use crate::network::Network;
use crate::network::records::NetworkData;

/// Which identifier of a CIM object becomes its asset number (and a node's point asset number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetId {
    /// `IdentifiedObject.name` (the default: a utility's GIS writes the ledger's asset number
    /// as the name, the mRID being a generated UUID). An object without a name is an error.
    #[default]
    Name,
    /// The mRID: `IdentifiedObject.mRID` if the object has one, else its `rdf:ID` or
    /// `rdf:about` without the leading `#`, `urn:uuid:` and `_`.
    Mrid,
}

/// How the CIM reader reads a file and builds the network's records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CimOptions {
    /// Which identifier is the asset number. Default: [`AssetId::Name`].
    pub asset_id: AssetId,
    /// Whether a `SynchronousMachine` is read as a source (an embedded generator feeding the
    /// network). Default `false`: machines and their terminals are skipped like any class
    /// outside the subset.
    pub machines_as_sources: bool,
    /// The capacity in kVA of a source whose file gives none (`ExternalNetworkInjection.maxP`,
    /// `RotatingMachine.ratedS`). Default `None`: such a source is an error when the network's
    /// records are built (`SourceRecord::capacity_kva` is required).
    pub source_capacity_kva: Option<f64>,
    /// The length in metres of a segment whose file gives no `Conductor.length` (transmission
    /// models often leave it out). Default `None`: such a segment is an error when the
    /// network's records are built (`SegmentRecord::length_m` is required).
    pub segment_length_m: Option<f64>,
    /// The load in kW of a consumer whose file gives no `EnergyConsumer.pfixed` (the EQ profile
    /// rarely does: loads are in the steady-state profile, or come from the customer system).
    /// Default `0.0`.
    pub consumer_load_kw: f64,
}

impl Default for CimOptions {
    fn default() -> Self {
        Self {
            asset_id: AssetId::Name,
            machines_as_sources: false,
            source_capacity_kva: None,
            segment_length_m: None,
            consumer_load_kw: 0.0,
        }
    }
}

impl CimOptions {
    /// Checks the options' ranges.
    ///
    /// # Errors
    /// [`CimError::InvalidOption`] for a capacity that is not finite and > 0, or a length or
    /// load that is not finite and ≥ 0.
    pub fn validate(&self) -> Result<(), CimError> {
        if let Some(kva) = self.source_capacity_kva
            && !(kva.is_finite() && kva > 0.0)
        {
            return Err(CimError::InvalidOption {
                field: "source_capacity_kva",
                value: kva.to_string().into(),
                reason: "a finite number > 0",
            });
        }
        if let Some(m) = self.segment_length_m
            && !(m.is_finite() && m >= 0.0)
        {
            return Err(CimError::InvalidOption {
                field: "segment_length_m",
                value: m.to_string().into(),
                reason: "a finite number ≥ 0",
            });
        }
        if !(self.consumer_load_kw.is_finite() && self.consumer_load_kw >= 0.0) {
            return Err(CimError::InvalidOption {
                field: "consumer_load_kw",
                value: self.consumer_load_kw.to_string().into(),
                reason: "a finite number ≥ 0",
            });
        }
        Ok(())
    }
}

/// The type of a conducting device, as the `gis_connectivity` layout's `type` column names it
/// (with `jumper`, `switch` and `consumer` for the CIM classes that layout has no name for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceType {
    /// `ACLineSegment`.
    Segment,
    /// `Breaker`.
    Breaker,
    /// `Recloser`.
    Recloser,
    /// `LoadBreakSwitch`.
    LoadBreakSwitch,
    /// `Disconnector`.
    Disconnector,
    /// `Fuse`.
    Fuse,
    /// `Sectionaliser`.
    Sectionalizer,
    /// `Jumper` (a removable short conductor; a disconnector in the network).
    Jumper,
    /// `Switch` of no more specific class (a disconnector in the network).
    Switch,
    /// `PowerTransformer` with two `PowerTransformerEnd`s.
    Transformer,
    /// `EnergyConsumer` (or `ConformLoad`, `NonConformLoad`).
    Consumer,
    /// `EnergySource`, `ExternalNetworkInjection`, or `SynchronousMachine` when
    /// [`CimOptions::machines_as_sources`] is set.
    Source,
}

impl DeviceType {
    /// The name as written in the `type` column.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Segment => "segment",
            Self::Breaker => "breaker",
            Self::Recloser => "recloser",
            Self::LoadBreakSwitch => "load_break_switch",
            Self::Disconnector => "disconnector",
            Self::Fuse => "fuse",
            Self::Sectionalizer => "sectionalizer",
            Self::Jumper => "jumper",
            Self::Switch => "switch",
            Self::Transformer => "transformer",
            Self::Consumer => "consumer",
            Self::Source => "source",
        }
    }

    /// How many terminals a device of this type has.
    #[must_use]
    pub fn terminals(self) -> usize {
        match self {
            Self::Consumer | Self::Source => 1,
            _ => 2,
        }
    }

    /// Whether the type is a switching device (has `normal_open`).
    #[must_use]
    pub fn is_switch(self) -> bool {
        !matches!(
            self,
            Self::Segment | Self::Transformer | Self::Consumer | Self::Source
        )
    }
}

/// One conducting device: a row of the `gis_connectivity` layout (`asset, type, node_a, node_b,
/// normal_open, length_m`) and the fields CIM adds to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CimDevice {
    /// The asset number (`IdentifiedObject.name` or the mRID, see [`AssetId`]).
    pub asset: String,
    /// The device's type.
    #[serde(rename = "type")]
    pub kind: DeviceType,
    /// The asset number of the node at terminal 1 (a transformer's high-voltage side).
    pub node_a: String,
    /// The asset number of the node at terminal 2 (a transformer's low-voltage side); `None`
    /// for one-terminal devices (sources, consumers).
    pub node_b: Option<String>,
    /// `Switch.normalOpen` for switches (`false` if the file does not say); `None` otherwise.
    pub normal_open: Option<bool>,
    /// `Conductor.length` in metres (the file gives km) for segments; `None` otherwise or if the
    /// file gives none.
    pub length_m: Option<f64>,
    /// Rated power in kVA: a transformer's high-voltage end `ratedS` (MVA × 1000), a source's
    /// `ExternalNetworkInjection.maxP` (MW × 1000) or machine `ratedS`; `None` if not given.
    pub rated_kva: Option<f64>,
    /// A consumer's `EnergyConsumer.pfixed` in kW (MW × 1000); `None` otherwise.
    pub load_kw: Option<f64>,
    /// The feeder the device's equipment container chain leads to, if any.
    pub feeder: Option<String>,
    /// The substation the device's equipment container chain leads to, if any.
    pub substation: Option<String>,
    /// `IdentifiedObject.name`, if any.
    pub name: Option<String>,
    /// The mRID (see [`AssetId::Mrid`]).
    pub mrid: String,
    /// The CIM class the device was read from (`ACLineSegment`, `Breaker`, …).
    pub class: String,
    /// 1-based line of the device's element in the file.
    pub line: u64,
}

/// A connectivity node: a point of the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CimNode {
    /// The asset number (name or mRID, see [`AssetId`]).
    pub asset: String,
    /// `IdentifiedObject.name`, if any.
    pub name: Option<String>,
    /// The mRID.
    pub mrid: String,
    /// The feeder its container chain leads to, if any.
    pub feeder: Option<String>,
    /// The substation its container chain leads to, if any.
    pub substation: Option<String>,
    /// 1-based line of the node's element in the file.
    pub line: u64,
}

/// What a CIM file holds, resolved: its nodes and conducting devices in file order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CimModel {
    /// The file (or stream) name the model was read from, for messages.
    pub file: String,
    /// The connectivity nodes.
    pub nodes: Vec<CimNode>,
    /// The conducting devices.
    pub devices: Vec<CimDevice>,
}

/// Reads a CIM RDF/XML document from a buffered reader; `file` names it in errors.
///
/// # Errors
/// Any [`CimError`] but [`CimError::Network`]; nothing is returned with an error.
pub fn read_cim<R: BufRead>(
    reader: R,
    file: &str,
    options: &CimOptions,
) -> Result<CimModel, CimError> {
    read_with_hint(reader, file, options, 0)
}

fn read_with_hint<R: BufRead>(
    reader: R,
    file: &str,
    options: &CimOptions,
    ids_hint: usize,
) -> Result<CimModel, CimError> {
    options.validate()?;
    let raw = parse::parse(reader, file, ids_hint)?;
    resolve::resolve(&raw, file, options)
}

/// Bytes of RDF/XML per object id, about (CGMES files run 200–400 bytes per object): the id
/// table is sized from the file's length so that it is not grown many times over.
const BYTES_PER_ID: u64 = 200;

/// Reads a CIM RDF/XML file.
///
/// # Errors
/// [`CimError::Io`] if the file cannot be opened; otherwise as [`read_cim`].
pub fn read_cim_file(path: impl AsRef<Path>, options: &CimOptions) -> Result<CimModel, CimError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    options.validate()?;
    let len = std::fs::metadata(path)
        .map_err(|e| CimError::Io {
            path: name.as_str().into(),
            message: e.to_string().into(),
        })?
        .len();
    let hint = usize::try_from(len / BYTES_PER_ID).unwrap_or(0);
    let raw = parse::parse_file(path, &name, hint)?;
    resolve::resolve(&raw, &name, options)
}

/// Reads a CIM RDF/XML file and builds the network it describes.
///
/// # Errors
/// As [`read_cim_file`] and [`CimModel::to_network_data`]; [`CimError::Network`] if the
/// records do not make a valid network.
pub fn network_from_cim_file(
    path: impl AsRef<Path>,
    options: &CimOptions,
) -> Result<Network, CimError> {
    let model = read_cim_file(path, options)?;
    let data = model.to_network_data(options)?;
    Ok(Network::from_data(&data)?)
}

impl CimModel {
    /// Builds the network's records: a point per node, a segment, switch or transformer per
    /// two-terminal device between its nodes' points, a customer per consumer on its node's
    /// point, a source per source on its node's point.
    ///
    /// # Errors
    /// [`CimError::Missing`] for a source without a capacity when
    /// [`CimOptions::source_capacity_kva`] is `None`, a segment without a length when
    /// [`CimOptions::segment_length_m`] is `None`, a transformer without `ratedS`;
    /// [`CimError::InvalidOption`] for options out of range.
    pub fn to_network_data(&self, options: &CimOptions) -> Result<NetworkData, CimError> {
        options.validate()?;
        network::to_network_data(self, options)
    }

    /// Builds the network ([`Self::to_network_data`], then [`Network::from_data`]).
    ///
    /// # Errors
    /// As [`Self::to_network_data`]; [`CimError::Network`] if the records do not make a valid
    /// network.
    pub fn to_network(&self, options: &CimOptions) -> Result<Network, CimError> {
        Ok(Network::from_data(&self.to_network_data(options)?)?)
    }
}
