//! Fusion of the sources into one network, and the reconciliation of source-systems.md §3.

use hashbrown::{HashMap, HashSet};

use serde::Serialize;

use super::IntegrateError;
use super::finding::{Finding, FindingKind, counts};
use super::fused::{AssetOrigin, IntegrateOptions, Integrated, Provenance};
use super::records::{
    EquipmentStatus, EquipmentType, GisDevice, Sg186Customer, SourceSystem, Sources,
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
        match index.get(k) {
            None => {
                index.insert(k, i);
            }
            Some(&first) => match first_difference(&records[first], r) {
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
            },
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
    let digits: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}'))
        .collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .unwrap_or(&digits);
    let digits = if digits.len() == 13 {
        digits.strip_prefix("86").unwrap_or(digits)
    } else {
        digits
    };
    let b = digits.as_bytes();
    (b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]))
    .then(|| digits.to_owned())
}

/// What one fused device became.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Built {
    Transformer,
    Other,
}

/// Fuses the sources into one network and reconciles them. Never stops at the first problem:
/// what can be built is built, the rest is reported as findings (the normalisation findings
/// of reading, `read_findings`, come first).
///
/// # Errors
/// [`IntegrateError::Options`] for invalid options; [`IntegrateError::Fatal`] when a finding
/// of a kind listed in [`IntegrateOptions::fatal`] is found.
#[allow(clippy::too_many_lines)]
pub fn integrate<'s>(
    sources: &'s Sources,
    read_findings: Vec<Finding>,
    options: &IntegrateOptions,
) -> Result<Integrated, IntegrateError> {
    options.validate()?;
    let mut ctx = Ctx {
        options,
        findings: read_findings,
    };
    let (pms_t, gis_t) = ("pms_equipment", "gis_connectivity");
    let (cust_t, met_t) = ("sg186_customers", "sg186_meters");
    let pms_index = first_of_each(
        &mut ctx,
        &sources.pms,
        |r| r.asset.as_str(),
        |r| r.row,
        SourceSystem::Pms,
        pms_t,
    );
    let gis_index = first_of_each(
        &mut ctx,
        &sources.gis,
        |r| r.asset.as_str(),
        |r| r.row,
        SourceSystem::Gis,
        gis_t,
    );
    let cust_index = first_of_each(
        &mut ctx,
        &sources.customers,
        |r| r.customer.as_str(),
        |r| r.row,
        SourceSystem::Sg186,
        cust_t,
    );
    let meter_index = first_of_each(
        &mut ctx,
        &sources.meters,
        |r| r.meter.as_str(),
        |r| r.row,
        SourceSystem::Sg186,
        met_t,
    );

    let mut provenance = Provenance::default();
    let mut data = NetworkData::default();
    let gis_first: Vec<&'s GisDevice> = sources
        .gis
        .iter()
        .enumerate()
        .filter(|(i, r)| gis_index.get(r.asset.as_str()) == Some(i))
        .map(|(_, r)| r)
        .collect();
    let device_assets: HashSet<&str> = gis_first.iter().map(|g| g.asset.as_str()).collect();
    let pms_of = |asset: &str| pms_index.get(asset).map(|&i| &sources.pms[i]);

    // Nodes in order of first use; their provenance is the first device touching them.
    let mut nodes: Vec<&'s str> = Vec::new();
    let mut node_index: HashMap<&'s str, u32> = HashMap::new();
    let mut built: HashMap<&str, Built> = HashMap::with_capacity(gis_first.len());
    let mut transformer_lv: HashMap<&str, &str> = HashMap::new();
    // Devices joining nodes in the normal state (for the unfed check), and source nodes.
    let mut joins: Vec<(u32, Option<u32>, bool, &str, u64)> = Vec::new();
    let mut fed_nodes: Vec<u32> = Vec::new();

    for g in &gis_first {
        let asset = g.asset.as_str();
        let pms = pms_of(asset);
        let order = &options.precedence;
        let (kind, type_from) = pick(&order.equipment_type, pms.map(|p| p.kind), Some(g.kind))
            .unwrap_or((g.kind, SourceSystem::Gis));
        match pms {
            None => ctx.push(
                FindingKind::NotInLedger,
                SourceSystem::Gis,
                gis_t,
                asset,
                g.row,
                Some("asset"),
                Some(asset.to_owned()),
                "add the device to the PMS ledger, or remove it from the GIS",
            ),
            Some(p) => {
                if p.kind != g.kind {
                    ctx.push(
                        FindingKind::TypeMismatch,
                        SourceSystem::Gis,
                        gis_t,
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
                    let tol = options.rating_tolerance;
                    let near = |x: f64, y: f64| (x - y).abs() <= tol * x.abs().max(y.abs());
                    let value = Some(format!("pms: {a} kVA; gis: {b} kVA"));
                    if near(a, b * 1000.0) || near(a * 1000.0, b) {
                        ctx.push(
                            FindingKind::RatingUnit,
                            SourceSystem::Gis,
                            gis_t,
                            asset,
                            g.row,
                            Some("rated_kva"),
                            value,
                            "one source wrote MVA for kVA (or the reverse); correct its unit",
                        );
                    } else if !near(a, b) {
                        ctx.push(
                            FindingKind::RatingMismatch,
                            SourceSystem::Gis,
                            gis_t,
                            asset,
                            g.row,
                            Some("rated_kva"),
                            value,
                            "check the nameplate and correct the wrong source",
                        );
                    }
                }
                if p.status == EquipmentStatus::Retired {
                    ctx.push(
                        FindingKind::RetiredConnected,
                        SourceSystem::Pms,
                        pms_t,
                        asset,
                        p.row,
                        Some("status"),
                        Some("retired".to_owned()),
                        "remove the device from the GIS, or return it to service in the ledger",
                    );
                }
            }
        }
        let rating = pick(&order.rated_kva, pms.and_then(|p| p.rated_kva), g.rated_kva);
        // A standby device is out of service; a retired one the GIS still draws stays as drawn (the
        // GIS is authoritative for topology) and is reported.
        let in_service = pms.is_none_or(|p| p.status != EquipmentStatus::Standby);
        let name = pms.and_then(|p| p.name.clone());
        let invalid = |ctx: &mut Ctx<'_>, field: &str, value: Option<String>, why: &str| {
            ctx.push(
                FindingKind::InvalidRecord,
                SourceSystem::Gis,
                gis_t,
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
                &mut ctx,
                "type",
                Some("point".into()),
                "a point is a connectivity node, not a conducting device",
            );
            continue;
        }
        let node_b = match (&g.node_b, two_terminal) {
            (Some(b), true) => Some(b.as_str()),
            (None, true) => {
                invalid(
                    &mut ctx,
                    "node_b",
                    None,
                    "a two-terminal device needs node_b",
                );
                continue;
            }
            (_, false) => None,
        };
        if let Some(n) = [Some(g.node_a.as_str()), node_b]
            .into_iter()
            .flatten()
            .find(|n| device_assets.contains(n))
        {
            invalid(
                &mut ctx,
                "node_a",
                Some(n.to_owned()),
                "a node id is also a device's asset number",
            );
            continue;
        }
        if node_b == Some(g.node_a.as_str()) {
            invalid(
                &mut ctx,
                "node_b",
                Some(g.node_a.clone()),
                "both terminals touch the same node",
            );
            continue;
        }
        let mut node = |n: &'s str| -> u32 {
            *node_index.entry(n).or_insert_with(|| {
                nodes.push(n);
                (nodes.len() - 1) as u32
            })
        };
        let (na, nb) = (&g.node_a, node_b);
        let g: &'s GisDevice = g;
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
                        &mut ctx,
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
                        &mut ctx,
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
                        name: name.clone(),
                        capacity_kva,
                        in_service,
                    });
                    true
                }
                other => {
                    invalid(
                        &mut ctx,
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
            continue;
        }
        let a = node(&g.node_a);
        let b = nb.map(&mut node);
        if kind == EquipmentType::Source {
            fed_nodes.push(a);
        } else {
            let conducts = !(kind.switch_kind().is_some() && g.normal_open.unwrap_or(false));
            joins.push((a, b, conducts, asset, g.row));
        }
        built.insert(
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
            transformer_lv.insert(asset, lv);
        }
        provenance.assets.insert(
            asset.to_owned(),
            AssetOrigin {
                pms_row: pms.map(|p| p.row),
                gis_row: Some(g.row),
                type_from: Some(type_from),
                rating_from: rating.map(|r| r.1),
            },
        );
    }

    // Points: one per node, named and put in or out of service by the ledger.
    for &n in &nodes {
        let pms = pms_of(n);
        if let Some(p) = pms
            && p.status == EquipmentStatus::Retired
        {
            ctx.push(
                FindingKind::RetiredConnected,
                SourceSystem::Pms,
                pms_t,
                n,
                p.row,
                Some("status"),
                Some("retired".to_owned()),
                "remove the point from the GIS, or return it to service in the ledger",
            );
        }
        data.points.push(PointRecord {
            asset: n.to_owned(),
            kind: crate::network::records::PointKind::default(),
            name: pms.and_then(|p| p.name.clone()),
            in_service: pms.is_none_or(|p| p.status != EquipmentStatus::Standby),
        });
        provenance
            .assets
            .entry(n.to_owned())
            .or_insert(AssetOrigin {
                pms_row: pms.map(|p| p.row),
                gis_row: None,
                type_from: pms.map(|_| SourceSystem::Pms),
                rating_from: None,
            });
    }

    // Ledger devices the GIS does not draw.
    for (i, p) in sources.pms.iter().enumerate() {
        if pms_index.get(p.asset.as_str()) != Some(&i) || p.status == EquipmentStatus::Retired {
            continue;
        }
        let drawn = if p.kind == EquipmentType::Point {
            node_index.contains_key(p.asset.as_str())
        } else {
            gis_index.contains_key(p.asset.as_str())
        };
        if !drawn {
            ctx.push(
                FindingKind::NoConnectivity,
                SourceSystem::Pms,
                pms_t,
                &p.asset,
                p.row,
                Some("asset"),
                Some(p.asset.clone()),
                "draw the device in the GIS, or retire it in the ledger",
            );
        }
    }

    // Parts no source feeds (GIS normal state).
    let mut parent: Vec<u32> = (0..nodes.len() as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    for &(a, b, conducts, _, _) in &joins {
        if let (Some(b), true) = (b, conducts) {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra as usize] = rb;
            }
        }
    }
    let fed: HashSet<u32> = fed_nodes.iter().map(|&n| root(&mut parent, n)).collect();
    for &(a, b, _, asset, row) in &joins {
        let fed_a = fed.contains(&root(&mut parent, a));
        let fed_b = b.is_some_and(|b| fed.contains(&root(&mut parent, b)));
        if !fed_a && !fed_b {
            ctx.push(
                FindingKind::Unfed,
                SourceSystem::Gis,
                gis_t,
                asset,
                row,
                None,
                None,
                "no source reaches the device in the normal state: connect it or remove it",
            );
        }
    }

    // Customers.
    let customers: Vec<Sg186Customer> = sources
        .customers
        .iter()
        .enumerate()
        .filter(|(i, c)| cust_index.get(c.customer.as_str()) == Some(i))
        .map(|(_, c)| c.clone())
        .collect();
    let mut placed: HashMap<&str, usize> = HashMap::new();
    for c in &customers {
        provenance.customers.insert(c.customer.clone(), c.row);
        let supply = c.supply_asset.as_str();
        let point = match built.get(supply) {
            Some(Built::Transformer) => transformer_lv.get(supply).copied(),
            Some(Built::Other) => {
                ctx.push(
                    FindingKind::SupplyNotTransformer,
                    SourceSystem::Sg186,
                    cust_t,
                    &c.customer,
                    c.row,
                    Some("supply_asset"),
                    Some(supply.to_owned()),
                    "name the transformer that supplies the customer",
                );
                None
            }
            None if node_index.contains_key(supply) || pms_index.contains_key(supply) => {
                let is_transformer =
                    pms_of(supply).is_some_and(|p| p.kind == EquipmentType::Transformer);
                ctx.push(
                    if is_transformer { FindingKind::UnknownSupplyAsset } else { FindingKind::SupplyNotTransformer },
                    SourceSystem::Sg186,
                    cust_t,
                    &c.customer,
                    c.row,
                    Some("supply_asset"),
                    Some(supply.to_owned()),
                    if is_transformer {
                        "the transformer is in the ledger but not in the fused network; draw it in the GIS"
                    } else {
                        "name the transformer that supplies the customer"
                    },
                );
                None
            }
            None => {
                ctx.push(
                    FindingKind::UnknownSupplyAsset,
                    SourceSystem::Sg186,
                    cust_t,
                    &c.customer,
                    c.row,
                    Some("supply_asset"),
                    Some(supply.to_owned()),
                    "no source knows the supply asset; correct the number",
                );
                None
            }
        };
        if let Some(point) = point {
            placed.insert(c.customer.as_str(), data.customers.len());
            data.customers.push(CustomerRecord {
                number: c.customer.clone(),
                name: c.name.clone(),
                point: point.to_owned(),
                contracted_kva: c.contracted_kva,
                load_kw: c.contracted_kva.max(0.0) * options.load_factor,
                importance: c.importance,
                contacts: Vec::new(),
            });
        }
    }

    let (meters, meter_customer) = super::fuse_sg186::meters(
        &mut ctx,
        sources,
        &meter_index,
        &cust_index,
        &customers,
        &mut provenance,
    );
    super::fuse_sg186::contacts(
        &mut ctx,
        sources,
        &cust_index,
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
    // The indexes borrow the customers and meters returned below.
    drop(placed);
    Ok(Integrated {
        network: data,
        customers,
        contacts: sources
            .contacts
            .iter()
            .filter(|c| cust_index.contains_key(c.customer.as_str()))
            .cloned()
            .collect(),
        meters,
        findings,
        provenance,
        evidence,
        live_open,
    })
}
