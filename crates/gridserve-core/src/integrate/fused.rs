//! What fusion takes and gives: its options (field precedence, thresholds, fatal kinds), its
//! outcome, and the provenance of every fused value.

use std::collections::BTreeMap;

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use super::IntegrateError;
use super::finding::{Finding, FindingKind, counts};
use super::records::{Sg186Contact, Sg186Customer, Sg186Meter, SourceSystem};
use crate::network::infer::Evidence;
use crate::network::records::NetworkData;

/// Which source gives a field that more than one source holds, in order of preference (the
/// first that has a value wins). Only PMS and GIS hold equipment fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Precedence {
    /// The equipment type (default PMS, then GIS: the ledger is authoritative for equipment
    /// attributes).
    pub equipment_type: Vec<SourceSystem>,
    /// The rating in kVA (default PMS, then GIS).
    pub rated_kva: Vec<SourceSystem>,
}

impl Default for Precedence {
    fn default() -> Self {
        Self {
            equipment_type: vec![SourceSystem::Pms, SourceSystem::Gis],
            rated_kva: vec![SourceSystem::Pms, SourceSystem::Gis],
        }
    }
}

/// The options of fusion and reconciliation: data with documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntegrateOptions {
    /// Field-level precedence.
    pub precedence: Precedence,
    /// A customer's representative load is its contracted kVA times this factor (default 0.5
    /// [M]; SG186 holds no load; the curves of AMI give a better one).
    pub load_factor: f64,
    /// Two ratings agree when they differ by at most this share of the larger (default 0.01);
    /// a ratio of 1000 within this share is a unit error.
    pub rating_tolerance: f64,
    /// A phone shared by at least this many customers … (default 3)
    pub shared_phone_customers: usize,
    /// … with at least this many different names is a finding (default 3).
    pub shared_phone_names: usize,
    /// Kinds of finding that make fusion fail (default none).
    pub fatal: Vec<FindingKind>,
}

impl Default for IntegrateOptions {
    fn default() -> Self {
        Self {
            precedence: Precedence::default(),
            load_factor: 0.5,
            rating_tolerance: 0.01,
            shared_phone_customers: 3,
            shared_phone_names: 3,
            fatal: Vec::new(),
        }
    }
}

impl IntegrateOptions {
    /// Checks the options.
    ///
    /// # Errors
    /// [`IntegrateError::Options`] naming the option.
    pub fn validate(&self) -> Result<(), IntegrateError> {
        let bad = |key: &str, message: &str| {
            Err(IntegrateError::Options {
                key: key.to_owned(),
                message: message.to_owned(),
            })
        };
        for (key, list) in [
            ("precedence.equipment_type", &self.precedence.equipment_type),
            ("precedence.rated_kva", &self.precedence.rated_kva),
        ] {
            if list.is_empty()
                || list
                    .iter()
                    .any(|s| !matches!(s, SourceSystem::Pms | SourceSystem::Gis))
            {
                return bad(key, "lists pms and/or gis, at least one");
            }
        }
        if !(self.load_factor.is_finite() && self.load_factor >= 0.0) {
            return bad("load_factor", "must be finite and ≥ 0");
        }
        if !(self.rating_tolerance.is_finite() && (0.0..0.5).contains(&self.rating_tolerance)) {
            return bad("rating_tolerance", "must be in [0, 0.5)");
        }
        if self.shared_phone_customers < 2 || self.shared_phone_names < 1 {
            return bad(
                "shared_phone_customers",
                "needs at least 2 customers and 1 name",
            );
        }
        Ok(())
    }
}

/// Where a fused value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The source system.
    pub source: SourceSystem,
    /// Its table.
    pub table: &'static str,
    /// The record's line in that table (0 for records built by hand).
    pub row: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(super) struct AssetOrigin {
    pub(super) pms_row: Option<u64>,
    pub(super) gis_row: Option<u64>,
    pub(super) type_from: Option<SourceSystem>,
    pub(super) rating_from: Option<SourceSystem>,
}

/// For every fused element and field, which source and record gave the value. Serialises as
/// three lists sorted by key (assets with their PMS and GIS rows and the sources of type and
/// rating; customers and meters with their SG186 rows).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "ProvenanceForm")]
pub struct Provenance {
    pub(super) assets: HashMap<String, AssetOrigin>,
    pub(super) customers: HashMap<String, u64>,
    pub(super) meters: HashMap<String, u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvenanceForm {
    assets: Vec<(String, AssetOrigin)>,
    customers: Vec<(String, u64)>,
    meters: Vec<(String, u64)>,
}

/// The serialised form of [`ProvenanceForm`], borrowed: no copy of a million keys.
#[derive(Serialize)]
struct ProvenanceRef<'a> {
    assets: Vec<(&'a String, &'a AssetOrigin)>,
    customers: Vec<(&'a String, &'a u64)>,
    meters: Vec<(&'a String, &'a u64)>,
}

impl Serialize for Provenance {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn sorted<V>(m: &HashMap<String, V>) -> Vec<(&String, &V)> {
            let mut v: Vec<_> = m.iter().collect();
            v.sort_unstable_by(|a, b| a.0.cmp(b.0));
            v
        }
        ProvenanceRef {
            assets: sorted(&self.assets),
            customers: sorted(&self.customers),
            meters: sorted(&self.meters),
        }
        .serialize(serializer)
    }
}

impl From<ProvenanceForm> for Provenance {
    fn from(f: ProvenanceForm) -> Self {
        Self {
            assets: f.assets.into_iter().collect(),
            customers: f.customers.into_iter().collect(),
            meters: f.meters.into_iter().collect(),
        }
    }
}

const PMS_FIELDS: &[&str] = &["name", "model", "year", "feeder", "substation", "status"];
const GIS_FIELDS: &[&str] = &[
    "node_a",
    "node_b",
    "from",
    "to",
    "point",
    "normal_open",
    "length_m",
];

impl Provenance {
    /// The origin of `field` of the element, customer or meter keyed `key` (normalised),
    /// `None` if the key is not fused or the field has no source. Equipment fields: `type`,
    /// `rated_kva` (by precedence), `name`, `model`, `year`, `feeder`, `substation`, `status`
    /// (PMS), `node_a`, `node_b`, `from`, `to`, `point`, `normal_open`, `length_m` (GIS).
    /// Any field of a customer or a meter comes from its SG186 row.
    #[must_use]
    pub fn field(&self, key: &str, field: &str) -> Option<Origin> {
        if let Some(o) = self.assets.get(key) {
            let pms = |row: Option<u64>| {
                row.map(|row| Origin {
                    source: SourceSystem::Pms,
                    table: "pms_equipment",
                    row,
                })
            };
            let gis = |row: Option<u64>| {
                row.map(|row| Origin {
                    source: SourceSystem::Gis,
                    table: "gis_connectivity",
                    row,
                })
            };
            let by = |from: Option<SourceSystem>| match from? {
                SourceSystem::Pms => pms(o.pms_row),
                _ => gis(o.gis_row),
            };
            return match field {
                "type" => by(o.type_from),
                "rated_kva" => by(o.rating_from),
                f if PMS_FIELDS.contains(&f) => pms(o.pms_row),
                f if GIS_FIELDS.contains(&f) => gis(o.gis_row),
                _ => None,
            };
        }
        if let Some(&row) = self.customers.get(key) {
            return Some(Origin {
                source: SourceSystem::Sg186,
                table: "sg186_customers",
                row,
            });
        }
        self.meters.get(key).map(|&row| Origin {
            source: SourceSystem::Sg186,
            table: "sg186_meters",
            row,
        })
    }
}

/// The outcome of fusion: the network, the SG186 records fused with it, the findings and the
/// provenance.
#[derive(Debug, Clone)]
pub struct Integrated {
    /// The network, as the CSV and JSON readers build it (customers with their contacts).
    pub network: NetworkData,
    /// The customers (the first of each number), including those the network could not place.
    pub customers: Vec<Sg186Customer>,
    /// The contacts.
    pub contacts: Vec<Sg186Contact>,
    /// The meters (the first of each number).
    pub meters: Vec<Sg186Meter>,
    /// Every finding, in the order found.
    pub findings: Vec<Finding>,
    /// Where each value came from.
    pub provenance: Provenance,
    /// The AMI events as evidence for outage inference (by customer).
    pub evidence: Vec<Evidence>,
    /// The switches whose live state after every DA event differs from their normal state
    /// (asset → open).
    pub live_open: BTreeMap<String, bool>,
}

impl Integrated {
    /// The number of findings of each kind.
    #[must_use]
    pub fn counts(&self) -> BTreeMap<FindingKind, usize> {
        counts(&self.findings)
    }
}
