//! The GIS side from a CIM file: a [`CimModel`] (read by [`crate::cim`]) as rows of the
//! `gis_connectivity` table, so a utility whose GIS exports CIM RDF/XML feeds the same fusion
//! as one that exports the table.
//!
//! | [`DeviceType`] | [`EquipmentType`] |
//! |---|---|
//! | `segment` | `segment` (with `length_m`) |
//! | `breaker`, `recloser`, `load_break_switch`, `disconnector`, `fuse`, `sectionalizer` | the same (with `normal_open`) |
//! | `jumper`, `switch` | `disconnector`, as the CIM reader's own network mapping does |
//! | `transformer` | `transformer` (high-voltage end → `node_a`, `rated_kva` from `ratedS`) |
//! | `source` | `source` (`rated_kva` from `maxP`) |
//! | `consumer` | not a GIS row: customers come from the marketing system (SG186) |
//!
//! Keys (asset numbers and nodes) are normalised as the table readers normalise them
//! ([`Conventions::normalise_keys`]), each changed key reported once as a
//! [`FindingKind::NormalisedKey`] finding with the device's line in the file as its row.

use crate::cim::{CimModel, DeviceType};

use super::finding::{Finding, FindingKind};
use super::read::{Conventions, normalise_key};
use super::records::{EquipmentType, GisDevice, SourceSystem};

/// The `gis_connectivity` rows of a CIM model (see the [module documentation](self)), with the
/// normalisation findings.
#[must_use]
pub fn gis_from_cim(model: &CimModel, conventions: &Conventions) -> (Vec<GisDevice>, Vec<Finding>) {
    let mut rows = Vec::with_capacity(model.devices.len());
    let mut findings = Vec::new();
    for d in &model.devices {
        let kind = match d.kind {
            DeviceType::Segment => EquipmentType::Segment,
            DeviceType::Breaker => EquipmentType::Breaker,
            DeviceType::Recloser => EquipmentType::Recloser,
            DeviceType::LoadBreakSwitch => EquipmentType::LoadBreakSwitch,
            DeviceType::Disconnector | DeviceType::Jumper | DeviceType::Switch => {
                EquipmentType::Disconnector
            }
            DeviceType::Fuse => EquipmentType::Fuse,
            DeviceType::Sectionalizer => EquipmentType::Sectionalizer,
            DeviceType::Transformer => EquipmentType::Transformer,
            DeviceType::Source => EquipmentType::Source,
            DeviceType::Consumer => continue,
        };
        let mut key = |field: &str, raw: &str| -> String {
            if !conventions.normalise_keys {
                return raw.to_owned();
            }
            let k = normalise_key(raw);
            if k != raw {
                findings.push(Finding {
                    kind: FindingKind::NormalisedKey,
                    severity: FindingKind::NormalisedKey.severity(),
                    source: SourceSystem::Gis,
                    table: "gis_connectivity".to_owned(),
                    record: normalise_key(&d.asset),
                    row: Some(d.line),
                    field: Some(field.to_owned()),
                    value: Some(crate::excerpt(raw)),
                    suggestion: "correct the name in the GIS so it matches without normalisation"
                        .to_owned(),
                });
            }
            k
        };
        let asset = key("asset", &d.asset);
        let node_a = key("node_a", &d.node_a);
        let node_b = match (kind, d.node_b.as_deref()) {
            (EquipmentType::Source, _) | (_, None) => None,
            (_, Some(b)) => Some(key("node_b", b)),
        };
        rows.push(GisDevice {
            asset,
            kind,
            node_a,
            node_b,
            normal_open: kind.switch_kind().map(|_| d.normal_open.unwrap_or(false)),
            length_m: if kind == EquipmentType::Segment {
                d.length_m
            } else {
                None
            },
            rated_kva: d.rated_kva,
            row: d.line,
        });
    }
    (rows, findings)
}
