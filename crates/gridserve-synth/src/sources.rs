//! A network written as the five source systems (PMS ledger, GIS connectivity, SG186
//! customers, contacts and meters, AMI and DA events), with disagreements of each kind
//! injected on request, so fusion and reconciliation can be tested and measured at any size.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use gridserve_core::integrate::{
    AmiEvent, AmiEventKind, ContactChannel, DaEvent, DaEventKind, EquipmentStatus, EquipmentType,
    FindingKind, GisDevice, PmsEquipment, Sg186Contact, Sg186Customer, Sg186Meter, Sources,
};
use gridserve_core::network::records::NetworkData;
use gridserve_core::rng::Rng;

/// The meter number of a customer in the sources written by [`to_sources`]: `M` and the
/// customer number.
#[must_use]
pub fn meter_of(customer: &str) -> String {
    format!("M{customer}")
}

/// Writes a network as the five sources: every point, line and source in the PMS ledger (in
/// service, or standby when out of service) and every line and source in the GIS (a point is a
/// connectivity node named by its asset number); every customer in SG186, supplied by the
/// transformer whose LV point it is attached to, with one meter ([`meter_of`]) and its
/// contacts (channel `sms`). No AMI or DA event. Fusing them gives back the network's points,
/// lines, sources and customers (see `gridserve_core::integrate`: point kinds, segment kinds,
/// ratings in amperes, `remote`, `usage` and loads are not part of the source layouts).
#[must_use]
pub fn to_sources(data: &NetworkData) -> Sources {
    let status = |in_service: bool| {
        if in_service {
            EquipmentStatus::InService
        } else {
            EquipmentStatus::Standby
        }
    };
    let ledger = |asset: &str, kind, name: Option<String>, rated_kva, in_service| PmsEquipment {
        asset: asset.to_owned(),
        kind,
        name,
        model: None,
        rated_kva,
        year: None,
        feeder: None,
        substation: None,
        status: status(in_service),
        row: 0,
    };
    let gis = |asset: &str, kind, a: &str, b: Option<&str>| GisDevice {
        asset: asset.to_owned(),
        kind,
        node_a: a.to_owned(),
        node_b: b.map(str::to_owned),
        normal_open: None,
        length_m: None,
        rated_kva: None,
        row: 0,
    };
    let mut s = Sources::default();
    for p in &data.points {
        s.pms.push(ledger(
            &p.asset,
            EquipmentType::Point,
            p.name.clone(),
            None,
            p.in_service,
        ));
    }
    for r in &data.segments {
        s.pms.push(ledger(
            &r.asset,
            EquipmentType::Segment,
            None,
            None,
            r.in_service,
        ));
        s.gis.push(GisDevice {
            length_m: Some(r.length_m),
            ..gis(&r.asset, EquipmentType::Segment, &r.from, Some(&r.to))
        });
    }
    for r in &data.switches {
        let kind = EquipmentType::of_switch(r.kind);
        s.pms.push(ledger(&r.asset, kind, None, None, r.in_service));
        s.gis.push(GisDevice {
            normal_open: Some(r.normally_open),
            ..gis(&r.asset, kind, &r.from, Some(&r.to))
        });
    }
    for r in &data.transformers {
        s.pms.push(PmsEquipment {
            model: (!r.model.is_empty()).then(|| r.model.clone()),
            year: r.year_in_service,
            ..ledger(
                &r.asset,
                EquipmentType::Transformer,
                None,
                Some(r.rated_kva),
                r.in_service,
            )
        });
        s.gis.push(gis(
            &r.asset,
            EquipmentType::Transformer,
            &r.from,
            Some(&r.to),
        ));
    }
    for r in &data.sources {
        s.pms.push(ledger(
            &r.asset,
            EquipmentType::Source,
            r.name.clone(),
            Some(r.capacity_kva),
            r.in_service,
        ));
        s.gis
            .push(gis(&r.asset, EquipmentType::Source, &r.point, None));
    }
    let mut transformer_at: HashMap<&str, &str> = HashMap::new();
    for t in &data.transformers {
        transformer_at
            .entry(t.to.as_str())
            .or_insert(t.asset.as_str());
    }
    for c in &data.customers {
        s.customers.push(Sg186Customer {
            customer: c.number.clone(),
            name: c.name.clone(),
            address: None,
            supply_asset: transformer_at
                .get(c.point.as_str())
                .map_or_else(|| c.point.clone(), |t| (*t).to_owned()),
            contracted_kva: c.contracted_kva,
            importance: c.importance,
            billing_method: gridserve_core::tariff::BillingMethod::default(),
            pf_standard: None,
            industry: None,
            row: 0,
        });
        s.meters.push(Sg186Meter {
            meter: meter_of(&c.number),
            customer: Some(c.number.clone()),
            multiplier: 1.0,
            row: 0,
        });
        for ct in &c.contacts {
            s.contacts.push(Sg186Contact {
                customer: c.number.clone(),
                name: Some(ct.name.clone()),
                phone: Some(ct.phone.clone()),
                role: ct.role,
                level: ct.level,
                wechat_openid: None,
                channels: vec![ContactChannel::Sms],
                row: 0,
            });
        }
    }
    s
}

/// One disagreement planted by [`inject`]: the kind of finding it must give and the record
/// that finding names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Injected {
    /// The finding it must give.
    pub kind: FindingKind,
    /// The key of the record the finding names.
    pub record: String,
}

/// The kinds [`inject`] can plant. [`FindingKind::NormalisedKey`] is found only when the
/// sources are read through a reader (the typed records are taken as they are).
pub const INJECTABLE: [FindingKind; 22] = [
    FindingKind::NormalisedKey,
    FindingKind::DuplicateRecord,
    FindingKind::ConflictingDuplicate,
    FindingKind::NotInLedger,
    FindingKind::NoConnectivity,
    FindingKind::TypeMismatch,
    FindingKind::RatingMismatch,
    FindingKind::RatingUnit,
    FindingKind::UnknownSupplyAsset,
    FindingKind::SupplyNotTransformer,
    FindingKind::MeterWithoutCustomer,
    FindingKind::CustomerWithoutMeter,
    FindingKind::ContactWithoutCustomer,
    FindingKind::InvalidPhone,
    FindingKind::Unreachable,
    FindingKind::SharedPhone,
    FindingKind::AbnormalState,
    FindingKind::Unfed,
    FindingKind::RetiredConnected,
    FindingKind::PowerOffWhileSupplied,
    FindingKind::DaRefused,
    FindingKind::InvalidRecord,
];

fn t0() -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .expect("+08:00")
        .with_ymd_and_hms(2026, 7, 1, 10, 0, 0)
        .single()
        .expect("a valid instant")
}

/// Plants disagreements at `rates` (kind → share of the records of its base: ledger rows for
/// equipment kinds, customers for customer kinds, at least one when the rate is above 0), with
/// the seeded generator. See [`inject_counts`].
pub fn inject(sources: &mut Sources, rates: &[(FindingKind, f64)], seed: u64) -> Vec<Injected> {
    let equipment = sources.pms.len() as f64;
    let customers = sources.customers.len() as f64;
    let counts: Vec<(FindingKind, usize)> = rates
        .iter()
        .map(|&(kind, rate)| {
            let base = match kind {
                FindingKind::UnknownSupplyAsset
                | FindingKind::SupplyNotTransformer
                | FindingKind::MeterWithoutCustomer
                | FindingKind::CustomerWithoutMeter
                | FindingKind::ContactWithoutCustomer
                | FindingKind::InvalidPhone
                | FindingKind::Unreachable
                | FindingKind::SharedPhone
                | FindingKind::PowerOffWhileSupplied => customers,
                _ => equipment,
            };
            let n = (rate.clamp(0.0, 1.0) * base).round() as usize;
            (kind, if rate > 0.0 { n.max(1) } else { 0 })
        })
        .collect();
    inject_counts(sources, &counts, seed)
}

/// Plants `count` disagreements of each kind in sources written by [`to_sources`], each on a
/// record no other planted disagreement touches, so each gives exactly one finding of its
/// kind naming [`Injected::record`]. Kinds not in [`INJECTABLE`] are ignored; a kind runs out
/// when its candidates do. Returns what was planted, in order.
#[allow(clippy::too_many_lines)]
pub fn inject_counts(
    sources: &mut Sources,
    counts: &[(FindingKind, usize)],
    seed: u64,
) -> Vec<Injected> {
    let mut rng = Rng::new(seed);
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    // Candidate pools, shuffled.
    let shuffle = |mut v: Vec<String>, rng: &mut Rng| {
        for i in (1..v.len()).rev() {
            v.swap(i, rng.index(i + 1));
        }
        v
    };
    let of_type = |s: &Sources, pred: &dyn Fn(&GisDevice) -> bool| -> Vec<String> {
        s.gis
            .iter()
            .filter(|g| pred(g))
            .map(|g| g.asset.clone())
            .collect()
    };
    let segments = shuffle(
        of_type(sources, &|g| g.kind == EquipmentType::Segment),
        &mut rng,
    );
    let switches = shuffle(
        of_type(sources, &|g| {
            g.kind.switch_kind().is_some() && g.normal_open == Some(false)
        }),
        &mut rng,
    );
    let transformers = shuffle(
        of_type(sources, &|g| g.kind == EquipmentType::Transformer),
        &mut rng,
    );
    let metered: HashSet<&str> = sources
        .meters
        .iter()
        .filter_map(|m| m.customer.as_deref())
        .collect();
    let customers = shuffle(
        sources
            .customers
            .iter()
            .filter(|c| metered.contains(c.customer.as_str()))
            .map(|c| c.customer.clone())
            .collect(),
        &mut rng,
    );
    let next = |pool: &[String], used: &mut HashSet<String>| -> Option<String> {
        let found = pool.iter().find(|a| !used.contains(*a))?.clone();
        used.insert(found.clone());
        Some(found)
    };
    let mut seq = sources.da_events.iter().map(|e| e.seq).max().unwrap_or(0);
    let mut serial = 0usize;
    for &(kind, count) in counts {
        for _ in 0..count {
            serial += 1;
            let tag = format!("{serial:05}");
            let planted: Option<String> = match kind {
                FindingKind::NormalisedKey => next(&segments, &mut used).inspect(|a| {
                    if let Some(p) = sources.pms.iter_mut().find(|p| &p.asset == a) {
                        p.asset = format!("{}\u{3000}", a.to_lowercase());
                    }
                }),
                FindingKind::DuplicateRecord | FindingKind::ConflictingDuplicate => {
                    next(&segments, &mut used).inspect(|a| {
                        if let Some(p) = sources.pms.iter().find(|p| &p.asset == a) {
                            let mut copy = p.clone();
                            if kind == FindingKind::ConflictingDuplicate {
                                copy.name = Some(format!("重复{tag}"));
                            }
                            sources.pms.push(copy);
                        }
                    })
                }
                FindingKind::NotInLedger => next(&segments, &mut used).inspect(|a| {
                    sources.pms.retain(|p| &p.asset != a);
                }),
                FindingKind::RetiredConnected => next(&segments, &mut used).inspect(|a| {
                    if let Some(p) = sources.pms.iter_mut().find(|p| &p.asset == a) {
                        p.status = EquipmentStatus::Retired;
                    }
                }),
                FindingKind::NoConnectivity => {
                    let asset = format!("SPARE{tag}");
                    sources.pms.push(PmsEquipment {
                        asset: asset.clone(),
                        kind: EquipmentType::Disconnector,
                        name: None,
                        model: None,
                        rated_kva: None,
                        year: None,
                        feeder: None,
                        substation: None,
                        status: EquipmentStatus::InService,
                        row: 0,
                    });
                    Some(asset)
                }
                FindingKind::Unfed | FindingKind::InvalidRecord => {
                    let asset = format!("ISLAND{tag}");
                    sources.pms.push(PmsEquipment {
                        asset: asset.clone(),
                        kind: EquipmentType::Segment,
                        name: None,
                        model: None,
                        rated_kva: None,
                        year: None,
                        feeder: None,
                        substation: None,
                        status: EquipmentStatus::InService,
                        row: 0,
                    });
                    sources.gis.push(GisDevice {
                        asset: asset.clone(),
                        kind: EquipmentType::Segment,
                        node_a: format!("ISLAND{tag}A"),
                        node_b: Some(format!("ISLAND{tag}B")),
                        normal_open: None,
                        length_m: (kind == FindingKind::Unfed).then_some(100.0),
                        rated_kva: None,
                        row: 0,
                    });
                    Some(asset)
                }
                FindingKind::TypeMismatch => next(&switches, &mut used).inspect(|a| {
                    if let Some(g) = sources.gis.iter_mut().find(|g| &g.asset == a) {
                        g.kind = if g.kind == EquipmentType::Disconnector {
                            EquipmentType::LoadBreakSwitch
                        } else {
                            EquipmentType::Disconnector
                        };
                    }
                }),
                FindingKind::AbnormalState => next(&switches, &mut used).inspect(|a| {
                    seq += 1;
                    sources.da_events.push(DaEvent {
                        asset: a.clone(),
                        time: t0() + Duration::hours(1),
                        event: DaEventKind::Open,
                        seq,
                        row: 0,
                    });
                }),
                FindingKind::DaRefused => {
                    seq += 1;
                    let asset = format!("NODEVICE{tag}");
                    sources.da_events.push(DaEvent {
                        asset: asset.clone(),
                        time: t0() + Duration::hours(1),
                        event: DaEventKind::Open,
                        seq,
                        row: 0,
                    });
                    Some(asset)
                }
                FindingKind::RatingMismatch | FindingKind::RatingUnit => {
                    next(&transformers, &mut used).inspect(|a| {
                        let kva = sources
                            .pms
                            .iter()
                            .find(|p| &p.asset == a)
                            .and_then(|p| p.rated_kva)
                            .unwrap_or(400.0);
                        if let Some(g) = sources.gis.iter_mut().find(|g| &g.asset == a) {
                            g.rated_kva = Some(if kind == FindingKind::RatingUnit {
                                kva / 1000.0
                            } else {
                                kva * 1.5
                            });
                        }
                    })
                }
                FindingKind::UnknownSupplyAsset | FindingKind::SupplyNotTransformer => {
                    let target = if kind == FindingKind::UnknownSupplyAsset {
                        Some(format!("NOASSET{tag}"))
                    } else {
                        next(&segments, &mut used)
                    };
                    match (target, next(&customers, &mut used)) {
                        (Some(target), Some(c)) => {
                            if let Some(r) = sources.customers.iter_mut().find(|r| r.customer == c)
                            {
                                r.supply_asset = target;
                            }
                            Some(c)
                        }
                        _ => None,
                    }
                }
                FindingKind::MeterWithoutCustomer => {
                    let meter = format!("MSPARE{tag}");
                    sources.meters.push(Sg186Meter {
                        meter: meter.clone(),
                        customer: None,
                        multiplier: 1.0,
                        row: 0,
                    });
                    Some(meter)
                }
                FindingKind::CustomerWithoutMeter => next(&customers, &mut used).inspect(|c| {
                    sources
                        .meters
                        .retain(|m| m.customer.as_deref() != Some(c.as_str()));
                }),
                FindingKind::ContactWithoutCustomer => {
                    let c = format!("9{tag}");
                    sources.contacts.push(contact(&c, "孙七", "13700000000"));
                    Some(c)
                }
                FindingKind::InvalidPhone => next(&customers, &mut used).inspect(|c| {
                    sources.contacts.push(contact(c, "周八", "0571-8888"));
                }),
                FindingKind::Unreachable => next(&customers, &mut used).inspect(|c| {
                    sources.contacts.retain(|k| &k.customer != c);
                }),
                FindingKind::SharedPhone => {
                    let trio: Vec<String> =
                        (0..3).filter_map(|_| next(&customers, &mut used)).collect();
                    (trio.len() == 3).then(|| {
                        let phone = format!("199{:08}", serial);
                        for (c, name) in trio.iter().zip(["吴一", "郑二", "王三"]) {
                            sources.contacts.push(contact(c, name, &phone));
                        }
                        trio[0].clone()
                    })
                }
                FindingKind::PowerOffWhileSupplied => next(&customers, &mut used).map(|c| {
                    let meter = meter_of(&c);
                    sources.ami_events.push(AmiEvent {
                        meter: meter.clone(),
                        time: t0(),
                        event: AmiEventKind::PowerOff,
                        row: 0,
                    });
                    meter
                }),
                _ => None,
            };
            match planted {
                Some(record) => out.push(Injected {
                    kind,
                    record: gridserve_core::integrate::normalise_key(&record),
                }),
                None => break,
            }
        }
    }
    out
}

fn contact(customer: &str, name: &str, phone: &str) -> Sg186Contact {
    Sg186Contact {
        customer: customer.to_owned(),
        name: Some(name.to_owned()),
        phone: Some(phone.to_owned()),
        role: gridserve_core::network::records::ContactRole::Other,
        level: 1,
        wechat_openid: None,
        channels: vec![ContactChannel::Sms],
        row: 0,
    }
}
