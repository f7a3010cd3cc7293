//! Fusion of the sources into one network, and the reconciliation of source-systems.md §3.

use hashbrown::{HashMap, HashSet};

use serde::Serialize;

use super::IntegrateError;
use super::finding::{Finding, FindingKind, counts};
use super::fused::{AssetOrigin, IntegrateOptions, Integrated, Provenance};
use super::records::{
    EquipmentStatus, EquipmentType, GisDevice, PmsEquipment, Sg186Customer, SourceSystem, Sources,
};
use crate::error_info::excerpt;
use crate::network::records::{
    CustomerRecord, NetworkData, PointRecord, SegmentRecord, SourceRecord, SwitchRecord,
    TransformerRecord,
};

pub(super) struct Ctx<'o> {
    pub(super) options: &'o IntegrateOptions,
    pub(super) findings: Vec<Finding>,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        kind: FindingKind,
        source: SourceSystem,
        table: &str,
        record: &str,
        row: u64,
        field: Option<&str>,
        value: Option<String>,
        suggestion: impl Into<String>,
    ) {
        self.findings.push(Finding {
            kind,
            severity: kind.severity(),
            source,
            table: table.to_owned(),
            record: record.to_owned(),
            row: (row > 0).then_some(row),
            field: field.map(str::to_owned),
            value: value.map(|v| excerpt(&v)),
            suggestion: suggestion.into(),
        });
    }
}

/// The first field (serde name) in which two records differ, `row` ignored; `None` if they
/// are identical.
fn first_difference<T: Serialize>(a: &T, b: &T) -> Option<(String, String)> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return None;
    };
    a.iter()
        .filter(|(k, _)| k.as_str() != "row")
        .find(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, v)| {
            let other = b.get(k).cloned().unwrap_or(serde_json::Value::Null);
            (k.clone(), format!("{v} / {other}"))
        })
}

/// The index of the first record of each key; later ones are reported as duplicates.
fn first_of_each<'a, T: Serialize>(
    ctx: &mut Ctx<'_>,
    records: &'a [T],
    key: impl Fn(&'a T) -> &'a str,
    row: impl Fn(&T) -> u64,
    source: SourceSystem,
    table: &str,
) -> HashMap<&'a str, usize> {
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        let k = key(r);
        match index.entry(k) {
            hashbrown::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            hashbrown::hash_map::Entry::Occupied(o) => {
                let first = *o.get();
                match first_difference(&records[first], r) {
                    None => ctx.push(
                        FindingKind::DuplicateRecord,
                        source,
                        table,
                        k,
                        row(r),
                        None,
                        None,
                        format!(
                            "remove the repeated row (identical to line {})",
                            row(&records[first])
                        ),
                    ),
                    Some((field, values)) => ctx.push(
                        FindingKind::ConflictingDuplicate,
                        source,
                        table,
                        k,
                        row(r),
                        Some(&field),
                        Some(values),
                        format!(
                            "keep one row per key; the first (line {}) was used",
                            row(&records[first])
                        ),
                    ),
                }
            }
        }
    }
    index
}

fn pick<T: Copy>(
    order: &[SourceSystem],
    pms: Option<T>,
    gis: Option<T>,
) -> Option<(T, SourceSystem)> {
    order.iter().find_map(|s| match s {
        SourceSystem::Pms => pms.map(|v| (v, SourceSystem::Pms)),
        SourceSystem::Gis => gis.map(|v| (v, SourceSystem::Gis)),
        _ => None,
    })
}

/// Whether `phone` is a valid mainland mobile number (11 digits starting 1[3-9] [S]), after
/// removing spaces, dashes and a `+86`/`86` prefix. Returns the number as 11 digits.
#[must_use]
pub fn mobile_number(phone: &str) -> Option<String> {
    mobile_digits(phone).map(|n| n.to_string())
}

/// [`mobile_number`] as an integer (its first digit is 1, so no digit is lost), without
/// allocating: the key of the shared-phone check.
pub(super) fn mobile_digits(phone: &str) -> Option<u64> {
    // The longest valid form is `0086` and 11 digits.
    const LONGEST: usize = 15;
    let mut buf = [0u8; LONGEST];
    let mut len = 0;
    for c in phone.chars() {
        if matches!(c, ' ' | '-' | '\u{3000}') {
            continue;
        }
        // Any other character stays in the number, and only ASCII digits (after an ASCII
        // prefix) make a valid one.
        if !c.is_ascii() || len == LONGEST {
            return None;
        }
        buf[len] = c as u8;
        len += 1;
    }
    let digits = &buf[..len];
    let digits = digits
        .strip_prefix(b"+86")
        .or_else(|| digits.strip_prefix(b"0086"))
        .unwrap_or(digits);
    let digits = if digits.len() == 13 {
        digits.strip_prefix(b"86").unwrap_or(digits)
    } else {
        digits
    };
    if !(digits.len() == 11
        && digits.iter().all(u8::is_ascii_digit)
        && digits[0] == b'1'
        && (b'3'..=b'9').contains(&digits[1]))
    {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')),
    )
}

/// What one fused device became.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Built {
    Transformer,
    Other,
}

const PMS_T: &str = "pms_equipment";
const GIS_T: &str = "gis_connectivity";
const CUST_T: &str = "sg186_customers";
const MET_T: &str = "sg186_meters";

/// The first record of each key of the four keyed tables (later ones reported as duplicates).
struct Indexes<'s> {
    pms: HashMap<&'s str, usize>,
    gis: HashMap<&'s str, usize>,
    customers: HashMap<&'s str, usize>,
    meters: HashMap<&'s str, usize>,
}

impl<'s> Indexes<'s> {
    fn of(ctx: &mut Ctx<'_>, sources: &'s Sources) -> Self {
        Self {
            pms: first_of_each(
                ctx,
                &sources.pms,
                |r| r.asset.as_str(),
                |r| r.row,
                SourceSystem::Pms,
                PMS_T,
            ),
            gis: first_of_each(
                ctx,
                &sources.gis,
                |r| r.asset.as_str(),
                |r| r.row,
                SourceSystem::Gis,
                GIS_T,
            ),
            customers: first_of_each(
                ctx,
                &sources.customers,
                |r| r.customer.as_str(),
                |r| r.row,
                SourceSystem::Sg186,
                CUST_T,
            ),
            meters: first_of_each(
                ctx,
                &sources.meters,
                |r| r.meter.as_str(),
                |r| r.row,
                SourceSystem::Sg186,
                MET_T,
            ),
        }
    }
}

/// The network side of fusion as it is built: the records, nodes in order of first use (a
/// node's provenance is the first device touching it), what each device became, and the
/// normal-state joins and source nodes for the unfed check.
struct NetworkSide<'s> {
    sources: &'s Sources,
    index: Indexes<'s>,
    data: NetworkData,
    provenance: Provenance,
    nodes: Vec<&'s str>,
    node_index: HashMap<&'s str, u32>,
    built: HashMap<&'s str, Built>,
    transformer_lv: HashMap<&'s str, &'s str>,
    /// (node a, node b, conducts in the normal state, asset, GIS row) of each non-source device.
    joins: Vec<(u32, Option<u32>, bool, &'s str, u64)>,
    fed_nodes: Vec<u32>,
}

impl<'s> NetworkSide<'s> {
    fn new(sources: &'s Sources, index: Indexes<'s>) -> Self {
        let (devices, customers, meters) = (
            index.gis.len().max(index.pms.len()),
            index.customers.len(),
            index.meters.len(),
        );
        Self {
            sources,
            index,
            data: NetworkData::default(),
            // Sized for what the sources hold, so no table grows by rehashing a million keys.
            provenance: Provenance {
                assets: HashMap::with_capacity(devices),
                customers: HashMap::with_capacity(customers),
                meters: HashMap::with_capacity(meters),
            },
            nodes: Vec::with_capacity(devices),
            node_index: HashMap::with_capacity(devices),
            built: HashMap::with_capacity(devices),
            transformer_lv: HashMap::new(),
            joins: Vec::new(),
            fed_nodes: Vec::new(),
        }
    }

    /// The ledger's record of `asset`, if it has one.
    fn pms_of(&self, asset: &str) -> Option<&'s PmsEquipment> {
        let sources = self.sources;
        self.index.pms.get(asset).map(|&i| &sources.pms[i])
    }

    /// The number of node `n`, given on first use.
    fn node(&mut self, n: &'s str) -> u32 {
        let nodes = &mut self.nodes;
        *self.node_index.entry(n).or_insert_with(|| {
            nodes.push(n);
            (nodes.len() - 1) as u32
        })
    }

    /// Every GIS device (the first row of each asset), compared with the ledger and built
    /// into the network where it is valid.
    fn devices(&mut self, ctx: &mut Ctx<'_>) {
        let sources = self.sources;
        let gis_first: Vec<&'s GisDevice> = sources
            .gis
            .iter()
            .enumerate()
            .filter(|(i, r)| self.index.gis.get(r.asset.as_str()) == Some(i))
            .map(|(_, r)| r)
            .collect();
        let device_assets: HashSet<&str> = gis_first.iter().map(|g| g.asset.as_str()).collect();
        self.built.reserve(gis_first.len());
        for g in gis_first {
            self.device(ctx, g, &device_assets);
        }
    }

    fn device(&mut self, ctx: &mut Ctx<'_>, g: &'s GisDevice, device_assets: &HashSet<&str>) {
        let options = ctx.options;
        let asset = g.asset.as_str();
        let pms = self.pms_of(asset);
        let order = &options.precedence;
        let (kind, type_from) = pick(&order.equipment_type, pms.map(|p| p.kind), Some(g.kind))
            .unwrap_or((g.kind, SourceSystem::Gis));
        compare_with_ledger(ctx, g, pms, kind, type_from);
        let rating = pick(&order.rated_kva, pms.and_then(|p| p.rated_kva), g.rated_kva);
        // A standby device is out of service; a retired one the GIS still draws stays as drawn (the
        // GIS is authoritative for topology) and is reported.
        let in_service = pms.is_none_or(|p| p.status != EquipmentStatus::Standby);
        let name = pms.and_then(|p| p.name.clone());
        let invalid = |ctx: &mut Ctx<'_>, field: &str, value: Option<String>, why: &str| {
            ctx.push(
                FindingKind::InvalidRecord,
                SourceSystem::Gis,
                GIS_T,
                asset,
                g.row,
                Some(field),
                value,
                format!("{why}; the device is left out of the network"),
            );
        };
        // Terminals.
        let two_terminal = kind != EquipmentType::Source;
        if kind == EquipmentType::Point {
            invalid(
                ctx,
                "type",
                Some("point".into()),
                "a point is a connectivity node, not a conducting device",
            );
            return;
        }
        let node_b = match (&g.node_b, two_terminal) {
            (Some(b), true) => Some(b.as_str()),
            (None, true) => {
                invalid(ctx, "node_b", None, "a two-terminal device needs node_b");
                return;
            }
            (_, false) => None,
        };
        if let Some(n) = [Some(g.node_a.as_str()), node_b]
            .into_iter()
            .flatten()
            .find(|n| device_assets.contains(n))
        {
            invalid(
                ctx,
                "node_a",
                Some(n.to_owned()),
                "a node id is also a device's asset number",
            );
            return;
        }
        if node_b == Some(g.node_a.as_str()) {
            invalid(
                ctx,
                "node_b",
                Some(g.node_a.clone()),
                "both terminals touch the same node",
            );
            return;
        }
        let (na, nb) = (&g.node_a, node_b);
        let data = &mut self.data;
        let record_ok = match kind {
            EquipmentType::Segment => match g.length_m {
                Some(length_m) if length_m >= 0.0 => {
                    data.segments.push(SegmentRecord {
                        asset: asset.to_owned(),
                        from: na.clone(),
                        to: nb.unwrap_or_default().to_owned(),
                        kind: crate::network::records::SegmentKind::default(),
                        length_m,
                        rated_current_a: None,
                        in_service,
                    });
                    true
                }
                other => {
                    invalid(
                        ctx,
                        "length_m",
                        other.map(|v| v.to_string()),
                        "a segment needs a length ≥ 0",
                    );
                    false
                }
            },
            EquipmentType::Transformer => match rating {
                Some((rated_kva, _)) if rated_kva > 0.0 => {
                    data.transformers.push(TransformerRecord {
                        asset: asset.to_owned(),
                        from: na.clone(),
                        to: nb.unwrap_or_default().to_owned(),
                        rated_kva,
                        model: pms.and_then(|p| p.model.clone()).unwrap_or_default(),
                        year_in_service: pms.and_then(|p| p.year),
                        usage: crate::network::records::TransformerUsage::default(),
                        in_service,
                    });
                    true
                }
                other => {
                    invalid(
                        ctx,
                        "rated_kva",
                        other.map(|v| v.0.to_string()),
                        "a transformer needs a rating > 0",
                    );
                    false
                }
            },
            EquipmentType::Source => match rating {
                Some((capacity_kva, _)) if capacity_kva > 0.0 => {
                    data.sources.push(SourceRecord {
                        asset: asset.to_owned(),
                        point: na.clone(),
                        name,
                        capacity_kva,
                        in_service,
                    });
                    true
                }
                other => {
                    invalid(
                        ctx,
                        "rated_kva",
                        other.map(|v| v.0.to_string()),
                        "a source needs a capacity > 0",
                    );
                    false
                }
            },
            switch => {
                let kind = switch
                    .switch_kind()
                    .expect("the other types are matched above");
                data.switches.push(SwitchRecord {
                    asset: asset.to_owned(),
                    from: na.clone(),
                    to: nb.unwrap_or_default().to_owned(),
                    kind,
                    normally_open: g.normal_open.unwrap_or(false),
                    protective: kind.protective_by_default(),
                    remote: false,
                    in_service,
                });
                true
            }
        };
        if !record_ok {
            return;
        }
        let a = self.node(&g.node_a);
        let b = nb.map(|n| self.node(n));
        if kind == EquipmentType::Source {
            self.fed_nodes.push(a);
        } else {
            let conducts = !(kind.switch_kind().is_some() && g.normal_open.unwrap_or(false));
            self.joins.push((a, b, conducts, asset, g.row));
        }
        self.built.insert(
            asset,
            if kind == EquipmentType::Transformer {
                Built::Transformer
            } else {
                Built::Other
            },
        );
        if kind == EquipmentType::Transformer
            && let Some(lv) = nb
        {
            self.transformer_lv.insert(asset, lv);
        }
        self.provenance.assets.insert(
            asset.to_owned(),
            AssetOrigin {
                pms_row: pms.map(|p| p.row),
                gis_row: Some(g.row),
                type_from: Some(type_from),
                rating_from: rating.map(|r| r.1),
            },
        );
    }

    /// Points: one per node, named and put in or out of service by the ledger.
    fn points(&mut self, ctx: &mut Ctx<'_>) {
        for i in 0..self.nodes.len() {
            let n = self.nodes[i];
            let pms = self.pms_of(n);
            if let Some(p) = pms
                && p.status == EquipmentStatus::Retired
            {
                ctx.push(
                    FindingKind::RetiredConnected,
                    SourceSystem::Pms,
                    PMS_T,
                    n,
                    p.row,
                    Some("status"),
                    Some("retired".to_owned()),
                    "remove the point from the GIS, or return it to service in the ledger",
                );
            }
            self.data.points.push(PointRecord {
                asset: n.to_owned(),
                kind: crate::network::records::PointKind::default(),
                name: pms.and_then(|p| p.name.clone()),
                in_service: pms.is_none_or(|p| p.status != EquipmentStatus::Standby),
            });
            self.provenance
                .assets
                .entry(n.to_owned())
                .or_insert(AssetOrigin {
                    pms_row: pms.map(|p| p.row),
                    gis_row: None,
                    type_from: pms.map(|_| SourceSystem::Pms),
                    rating_from: None,
                });
        }
    }

    /// Ledger devices the GIS does not draw.
    fn undrawn(&self, ctx: &mut Ctx<'_>) {
        for (i, p) in self.sources.pms.iter().enumerate() {
            if self.index.pms.get(p.asset.as_str()) != Some(&i)
                || p.status == EquipmentStatus::Retired
            {
                continue;
            }
            let drawn = if p.kind == EquipmentType::Point {
                self.node_index.contains_key(p.asset.as_str())
            } else {
                self.index.gis.contains_key(p.asset.as_str())
            };
            if !drawn {
                ctx.push(
                    FindingKind::NoConnectivity,
                    SourceSystem::Pms,
                    PMS_T,
                    &p.asset,
                    p.row,
                    Some("asset"),
                    Some(p.asset.clone()),
                    "draw the device in the GIS, or retire it in the ledger",
                );
            }
        }
    }

    /// Parts no source feeds (GIS normal state).
    fn unfed(&self, ctx: &mut Ctx<'_>) {
        let mut parent: Vec<u32> = (0..self.nodes.len() as u32).collect();
        fn root(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        for &(a, b, conducts, _, _) in &self.joins {
            if let (Some(b), true) = (b, conducts) {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                if ra != rb {
                    parent[ra as usize] = rb;
                }
            }
        }
        let fed: HashSet<u32> = self
            .fed_nodes
            .iter()
            .map(|&n| root(&mut parent, n))
            .collect();
        for &(a, b, _, asset, row) in &self.joins {
            let fed_a = fed.contains(&root(&mut parent, a));
            let fed_b = b.is_some_and(|b| fed.contains(&root(&mut parent, b)));
            if !fed_a && !fed_b {
                ctx.push(
                    FindingKind::Unfed,
                    SourceSystem::Gis,
                    GIS_T,
                    asset,
                    row,
                    None,
                    None,
                    "no source reaches the device in the normal state: connect it or remove it",
                );
            }
        }
    }

    /// Customers (the first row of each), placed at the low-voltage point of the transformer
    /// that supplies them; returns them with the index in the network's customers of each
    /// placed one.
    fn customers(&mut self, ctx: &mut Ctx<'_>) -> (Vec<Sg186Customer>, HashMap<&'s str, usize>) {
        let sources = self.sources;
        let mut customers = Vec::with_capacity(self.index.customers.len());
        let mut placed: HashMap<&'s str, usize> =
            HashMap::with_capacity(self.index.customers.len());
        for (i, c) in sources.customers.iter().enumerate() {
            if self.index.customers.get(c.customer.as_str()) != Some(&i) {
                continue;
            }
            customers.push(c.clone());
            self.provenance.customers.insert(c.customer.clone(), c.row);
            if let Some(point) = self.supply_point(ctx, c) {
                placed.insert(c.customer.as_str(), self.data.customers.len());
                self.data.customers.push(CustomerRecord {
                    number: c.customer.clone(),
                    name: c.name.clone(),
                    point: point.to_owned(),
                    contracted_kva: c.contracted_kva,
                    load_kw: c.contracted_kva.max(0.0) * ctx.options.load_factor,
                    importance: c.importance,
                    contacts: Vec::new(),
                });
            }
        }
        (customers, placed)
    }

    /// The point a customer is placed at, or the finding why it cannot be placed.
    fn supply_point(&self, ctx: &mut Ctx<'_>, c: &Sg186Customer) -> Option<&'s str> {
        let supply = c.supply_asset.as_str();
        let (kind, suggestion) = match self.built.get(supply) {
            Some(Built::Transformer) => return self.transformer_lv.get(supply).copied(),
            Some(Built::Other) => (
                FindingKind::SupplyNotTransformer,
                "name the transformer that supplies the customer",
            ),
            None if self.node_index.contains_key(supply) || self.index.pms.contains_key(supply) => {
                if self
                    .pms_of(supply)
                    .is_some_and(|p| p.kind == EquipmentType::Transformer)
                {
                    (
                        FindingKind::UnknownSupplyAsset,
                        "the transformer is in the ledger but not in the fused network; draw it in the GIS",
                    )
                } else {
                    (
                        FindingKind::SupplyNotTransformer,
                        "name the transformer that supplies the customer",
                    )
                }
            }
            None => (
                FindingKind::UnknownSupplyAsset,
                "no source knows the supply asset; correct the number",
            ),
        };
        ctx.push(
            kind,
            SourceSystem::Sg186,
            CUST_T,
            &c.customer,
            c.row,
            Some("supply_asset"),
            Some(supply.to_owned()),
            suggestion,
        );
        None
    }
}

/// The findings of a GIS device against its ledger record: not in the ledger, another type,
/// another rating (or the same in another unit), retired.
fn compare_with_ledger(
    ctx: &mut Ctx<'_>,
    g: &GisDevice,
    pms: Option<&PmsEquipment>,
    kind: EquipmentType,
    type_from: SourceSystem,
) {
    let asset = g.asset.as_str();
    let Some(p) = pms else {
        ctx.push(
            FindingKind::NotInLedger,
            SourceSystem::Gis,
            GIS_T,
            asset,
            g.row,
            Some("asset"),
            Some(asset.to_owned()),
            "add the device to the PMS ledger, or remove it from the GIS",
        );
        return;
    };
    if p.kind != g.kind {
        ctx.push(
            FindingKind::TypeMismatch,
            SourceSystem::Gis,
            GIS_T,
            asset,
            g.row,
            Some("type"),
            Some(format!("pms: {}; gis: {}", p.kind.name(), g.kind.name())),
            format!(
                "the {} type ({}) was used; correct the other source",
                type_from.name(),
                kind.name()
            ),
        );
    }
    if let (Some(a), Some(b)) = (p.rated_kva, g.rated_kva) {
        let tol = ctx.options.rating_tolerance;
        let near = |x: f64, y: f64| (x - y).abs() <= tol * x.abs().max(y.abs());
        let finding = if near(a, b * 1000.0) || near(a * 1000.0, b) {
            Some((
                FindingKind::RatingUnit,
                "one source wrote MVA for kVA (or the reverse); correct its unit",
            ))
        } else {
            (!near(a, b)).then_some((
                FindingKind::RatingMismatch,
                "check the nameplate and correct the wrong source",
            ))
        };
        if let Some((kind, suggestion)) = finding {
            ctx.push(
                kind,
                SourceSystem::Gis,
                GIS_T,
                asset,
                g.row,
                Some("rated_kva"),
                Some(format!("pms: {a} kVA; gis: {b} kVA")),
                suggestion,
            );
        }
    }
    if p.status == EquipmentStatus::Retired {
        ctx.push(
            FindingKind::RetiredConnected,
            SourceSystem::Pms,
            PMS_T,
            asset,
            p.row,
            Some("status"),
            Some("retired".to_owned()),
            "remove the device from the GIS, or return it to service in the ledger",
        );
    }
}

/// Fuses the sources into one network and reconciles them. Never stops at the first problem:
/// what can be built is built, the rest is reported as findings (the normalisation findings
/// of reading, `read_findings`, come first).
///
/// The phases, in order (findings come in this order): duplicates by key in each keyed
/// table; the GIS devices against the ledger, built where valid; the points; the ledger's
/// undrawn devices; the unfed parts; the customers placed; meters, contacts and the live
/// state ([`super::fuse_sg186`]).
///
/// # Errors
/// [`IntegrateError::Options`] for invalid options; [`IntegrateError::Fatal`] when a finding
/// of a kind listed in [`IntegrateOptions::fatal`] is found.
pub fn integrate(
    sources: &Sources,
    read_findings: Vec<Finding>,
    options: &IntegrateOptions,
) -> Result<Integrated, IntegrateError> {
    options.validate()?;
    let mut ctx = Ctx {
        options,
        findings: read_findings,
    };
    let index = Indexes::of(&mut ctx, sources);
    let mut side = NetworkSide::new(sources, index);
    side.devices(&mut ctx);
    side.points(&mut ctx);
    side.undrawn(&mut ctx);
    side.unfed(&mut ctx);
    let (customers, placed) = side.customers(&mut ctx);
    let NetworkSide {
        index,
        mut data,
        mut provenance,
        ..
    } = side;

    let (meters, meter_customer) = super::fuse_sg186::meters(
        &mut ctx,
        sources,
        &index.meters,
        &index.customers,
        &customers,
        &mut provenance,
    );
    super::fuse_sg186::contacts(
        &mut ctx,
        sources,
        &index.customers,
        &customers,
        &placed,
        &mut data,
    );
    let (evidence, live_open) =
        super::fuse_sg186::live_state(&mut ctx, sources, &data, &meter_customer);

    let findings = ctx.findings;
    let fatal: Vec<FindingKind> = counts(&findings)
        .into_keys()
        .filter(|k| options.fatal.contains(k))
        .collect();
    if !fatal.is_empty() {
        let first = findings
            .iter()
            .find(|f| fatal.contains(&f.kind))
            .map(|f| format!("{} {}", f.table, f.record))
            .unwrap_or_default();
        return Err(IntegrateError::Fatal {
            kinds: fatal.iter().map(|k| k.name()).collect(),
            count: findings.iter().filter(|f| fatal.contains(&f.kind)).count(),
            first: excerpt(&first),
        });
    }
    Ok(Integrated {
        network: data,
        customers,
        contacts: sources
            .contacts
            .iter()
            .filter(|c| index.customers.contains_key(c.customer.as_str()))
            .cloned()
            .collect(),
        meters,
        findings,
        provenance,
        evidence,
        live_open,
    })
}
