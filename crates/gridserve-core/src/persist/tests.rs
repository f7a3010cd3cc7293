use std::sync::Arc;

use chrono::TimeZone;
use proptest::prelude::*;

use super::*;
use crate::network::records::NetworkData;
use crate::reliability::{
    CHINA_STANDARD_TIME, CustomersInterrupted, FeederService, IndexOptions, OutageRecord, Period,
    system_indices,
};
use crate::tariff::{MonthlyUsage, TariffBook, defaults};

fn network(points: usize, seed: u64) -> Arc<Network> {
    // The generator links the library build of this crate, not this test build: its records
    // cross over as JSON.
    let data = gridserve_synth::generate(&gridserve_synth::SynthConfig::with_points(points, seed));
    let data: NetworkData = serde_json::from_value(serde_json::to_value(&data).unwrap()).unwrap();
    Arc::new(Network::from_data(&data).expect("valid synthetic network"))
}

/// A topology away from the normal state: a breaker opened, a tie closed, a segment faulted,
/// a source taken out.
fn operated(net: &Arc<Network>) -> Topology {
    let mut t = Topology::normal(Arc::clone(net));
    let mut ops = Vec::new();
    if let Some(b) = net
        .line_ids()
        .filter(|&l| net.line(l).is_protective())
        .nth(3)
    {
        ops.push(Operation::open(b));
    }
    if let Some(tie) = net.line_ids().find(|&l| t.state().is_open(l)) {
        ops.push(Operation::close(tie));
    }
    if let Some(seg) = net
        .line_ids()
        .filter(|&l| net.line(l).as_switch().is_none() && !net.line(l).is_transformer())
        .nth(40)
    {
        ops.push(Operation::fault(ElementId::Line(seg)));
    }
    if net.source_count() > 1 {
        ops.push(Operation::take_out(ElementId::Source(SourceId(1))));
    }
    t.apply(&ops).expect("operations apply");
    t
}

/// Every answer a topology gives that does not depend on its numbering.
fn answers(t: &Topology) -> (Vec<PointId>, Vec<Vec<PointId>>, crate::network::Exposure) {
    let net = t.network();
    // In the index's depth-first order, which depends on how the index was built: sorted.
    let mut energized: Vec<PointId> = t.energized_points().collect();
    energized.sort_unstable();
    let scopes = net
        .line_ids()
        .filter(|&l| net.line(l).as_switch().is_some() && !t.state().is_open(l))
        .take(200)
        .map(|l| {
            t.scope(&[Operation::open(l)])
                .and_then(|s| s.point_ids(t))
                .expect("scope")
        })
        .collect();
    // Loads are differences of prefix sums taken in the index's order: equal to 1e-6 kW.
    let mut exposure = t.exposure();
    for v in &mut exposure.load_kw {
        *v = (*v * 1e6).round() / 1e6;
    }
    (energized, scopes, exposure)
}

#[test]
fn network_round_trips_to_the_same_records() {
    let net = network(3_000, 7);
    let bytes = to_bytes(&*net).unwrap();
    assert_eq!(&bytes[..4], b"GSRV");
    assert_eq!(kind_of(&bytes).unwrap(), Kind::Network);
    let back: Network = from_bytes(&bytes).unwrap();
    assert_eq!(back.to_data(), net.to_data());
}

#[test]
fn encoding_is_smaller_than_json() {
    let net = network(20_000, 3);
    let bytes = to_bytes(&*net).unwrap();
    let json = serde_json::to_vec(&net.to_data()).unwrap();
    // Field names are kept (self-describing) but compressed away; numbers and flags are
    // binary: a fraction of the JSON.
    assert!(
        bytes.len() * 3 < json.len(),
        "{} bytes against {} of JSON",
        bytes.len(),
        json.len()
    );
}

#[test]
fn topology_round_trips_its_state_and_answers() {
    let net = network(5_000, 11);
    let t = operated(&net);
    assert_ne!(
        t.state(),
        &NetworkState::normal(&net),
        "the test needs a changed state"
    );
    let bytes = to_bytes(&t).unwrap();
    let back: Topology = from_bytes(&bytes).unwrap();
    assert_eq!(back.state(), t.state());
    assert_eq!(back.network().to_data(), net.to_data());
    assert_eq!(answers(&back), answers(&t));
    assert_eq!(back.loops().len(), t.loops().len());
}

#[test]
fn a_state_alone_reindexes_on_the_network_it_is_given() {
    let net = network(3_000, 19);
    let t = operated(&net);
    let state = TopologyState::of(&t);
    let bytes = to_bytes(&state).unwrap();
    let back: TopologyState = from_bytes(&bytes).unwrap();
    assert_eq!(back, state);
    let shipped = network(3_000, 19);
    let rebuilt = back.index(Arc::clone(&shipped)).unwrap();
    assert_eq!(rebuilt.state(), t.state());
    assert_eq!(answers(&rebuilt), answers(&t));
    // The same state on a smaller network names ids it does not have.
    let small = network(200, 19);
    let e = back.index(small).unwrap_err();
    assert_eq!(crate::ErrorInfo::kind(&e), "invalid", "{e}");
}

#[test]
fn normal_topology_ships_no_operations() {
    let net = network(1_000, 5);
    let t = Topology::normal(Arc::clone(&net));
    let form = TopologyForm::of(&t);
    assert!(form.operations.is_empty());
}

#[test]
fn answers_round_trip_against_the_decoded_topology() {
    let net = network(4_000, 13);
    let t = Arc::new(operated(&net));
    let breaker = net
        .line_ids()
        .find(|&l| net.line(l).is_protective() && !t.state().is_open(l))
        .unwrap();
    let scope = t.scope(&[Operation::open(breaker)]).unwrap();
    let bytes = to_bytes(&Answered {
        topology: Arc::clone(&t),
        answer: scope.clone(),
    })
    .unwrap();
    let back: Answered<Scope> = from_bytes(&bytes).unwrap();
    assert_eq!(back.answer.summary(), scope.summary());
    assert_eq!(
        back.answer.point_ids(&back.topology).unwrap(),
        scope.point_ids(&t).unwrap()
    );
    assert_eq!(
        back.answer.customer_ids(&back.topology).unwrap(),
        scope.customer_ids(&t).unwrap()
    );

    let seg = net
        .line_ids()
        .filter(|&l| net.line(l).as_switch().is_none())
        .nth(100)
        .unwrap();
    let fault = t.fault(ElementId::Line(seg)).unwrap();
    let plan = t.planned_outage(ElementId::Line(seg)).unwrap();
    let fb = to_bytes(&Answered {
        topology: Arc::clone(&t),
        answer: fault.clone(),
    })
    .unwrap();
    let f2: Answered<FaultOutcome> = from_bytes(&fb).unwrap();
    assert_eq!(f2.answer.tripped, fault.tripped);
    assert_eq!(
        f2.answer.scope.point_ids(&f2.topology).unwrap(),
        fault.scope.point_ids(&t).unwrap()
    );
    let pb = to_bytes(&Answered {
        topology: Arc::clone(&t),
        answer: plan.clone(),
    })
    .unwrap();
    let p2: Answered<PlannedOutage> = from_bytes(&pb).unwrap();
    assert_eq!(p2.answer.operations, plan.operations);
    assert_eq!(p2.answer.isolators, plan.isolators);
    assert_eq!(p2.answer.scope.summary(), plan.scope.summary());
}

#[test]
fn a_stale_scope_is_refused() {
    let net = network(1_000, 17);
    let mut t = Topology::normal(Arc::clone(&net));
    let breaker = net
        .line_ids()
        .find(|&l| net.line(l).is_protective())
        .unwrap();
    let scope = t.scope(&[Operation::open(breaker)]).unwrap();
    t.apply(&[Operation::open(breaker)]).unwrap();
    let err = to_bytes(&Answered {
        topology: Arc::new(t),
        answer: scope,
    })
    .unwrap_err();
    assert!(matches!(
        err,
        PersistError::Network(NetworkError::StaleScope { .. })
    ));
    assert_eq!(crate::ErrorInfo::class(&err), "StaleScopeError");
}

fn huizhou() -> Tariff {
    defaults::guangdong_huizhou()
        .unwrap()
        .tariff_for(
            "large_industry",
            "1-10kV",
            chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
        )
        .unwrap()
}

#[test]
fn tariff_bills_to_the_fen_after_a_round_trip() {
    let t = huizhou();
    let back: Tariff = from_bytes(&to_bytes(&t).unwrap()).unwrap();
    assert_eq!(back, t);
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    let mut u = MonthlyUsage::new("C1", 2026, 2, d("3200"));
    for (p, kwh) in [
        (crate::tariff::Period::Peak, "210000.5"),
        (crate::tariff::Period::Flat, "180000"),
        (crate::tariff::Period::Valley, "95000.25"),
    ] {
        u.energy_kwh.set(p, d(kwh));
    }
    u.max_demand_kw = Some(d("2100"));
    assert_eq!(back.bill(&u).unwrap(), t.bill(&u).unwrap());

    let book = defaults::guangdong_huizhou().unwrap();
    let b2: TariffBook = from_bytes(&to_bytes(&book).unwrap()).unwrap();
    assert_eq!(b2, book);
}

fn outage_table() -> OutageTable {
    let base = ServiceBase::new(vec![
        FeederService {
            feeder: "F1".into(),
            substation: "S1".into(),
            customers: 100,
            load_kva: 1000.0,
        },
        FeederService {
            feeder: "F2".into(),
            substation: "S2".into(),
            customers: 50,
            load_kva: 400.0,
        },
    ])
    .unwrap();
    let t = |d, h, m| {
        CHINA_STANDARD_TIME
            .with_ymd_and_hms(2024, 3, d, h, m, 0)
            .unwrap()
    };
    let mut a = OutageRecord::new(
        "O1",
        t(1, 8, 0),
        t(1, 10, 0),
        "F1",
        CustomersInterrupted::Count(20),
    );
    a.cause = "tree".into();
    a.device = "SW7".into();
    a.load_kva = 120.5;
    a.reported = Some(t(1, 8, 5));
    a.restored = Some(t(1, 10, 0));
    let mut b = OutageRecord::new(
        "O2",
        t(2, 9, 0),
        t(2, 9, 3),
        "F2",
        CustomersInterrupted::List(vec!["K1".into(), "K2".into()]),
    );
    b.planned = true;
    b.operations = 2;
    let c = OutageRecord::new(
        "O3",
        t(5, 1, 0),
        t(5, 4, 30),
        "F1",
        CustomersInterrupted::List(vec!["K2".into(), "K9".into(), "K1".into()]),
    );
    OutageTable::new(&[a, b, c], base).unwrap()
}

#[test]
fn outage_table_gives_the_same_indices_after_a_round_trip() {
    let table = outage_table();
    let back: OutageTable = from_bytes(&to_bytes(&table).unwrap()).unwrap();
    assert_eq!(outage_columns(&back), outage_columns(&table));
    assert_eq!(back.customer_numbers(), table.customer_numbers());
    let year = Period::new(
        CHINA_STANDARD_TIME
            .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
            .unwrap(),
        CHINA_STANDARD_TIME
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .unwrap(),
    )
    .unwrap();
    let o = IndexOptions::default();
    assert_eq!(
        system_indices(&back, &year, &o).unwrap(),
        system_indices(&table, &year, &o).unwrap()
    );
}

#[test]
fn rules_round_trip() {
    let rules = crate::advice::AdviceRules::default();
    let back: crate::advice::AdviceRules = from_bytes(&to_bytes(&rules).unwrap()).unwrap();
    assert_eq!(back, rules);
    let o = crate::scoring::TopsisOptions::default();
    let back: crate::scoring::TopsisOptions = from_bytes(&to_bytes(&o).unwrap()).unwrap();
    assert_eq!(back, o);
    let o = IndexOptions::default();
    let back: IndexOptions = from_bytes(&to_bytes(&o).unwrap()).unwrap();
    assert_eq!(back, o);
}

#[test]
fn kinds_have_distinct_codes_and_names() {
    for (i, k) in Kind::ALL.iter().enumerate() {
        assert_eq!(k.code() as usize, i + 1);
        assert_eq!(Kind::from_code(k.code()), Some(*k));
        assert_eq!(
            serde_json::to_value(k).unwrap(),
            serde_json::Value::String(k.name().into())
        );
    }
    assert_eq!(Kind::from_code(0), None);
    assert_eq!(Kind::from_code(Kind::ALL.len() as u16 + 1), None);
}

fn reseal(bytes: &mut [u8]) {
    let crc = crc32fast::hash(&bytes[HEADER_LEN..]);
    bytes[24..28].copy_from_slice(&crc.to_le_bytes());
}

/// An encoding of `raw` (an uncompressed body) with a valid header and checksum.
fn sealed(kind: Kind, raw: &[u8]) -> Vec<u8> {
    let body = lz4_flex::block::compress(raw);
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&kind.code().to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(raw.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&[0; 4]);
    bytes.extend_from_slice(&body);
    reseal(&mut bytes);
    bytes
}

#[test]
fn bad_bytes_give_the_error_that_names_them() {
    let t = huizhou();
    let good = to_bytes(&t).unwrap();
    let kind = |r: Result<Tariff>| crate::ErrorInfo::kind(&r.unwrap_err()).to_owned();

    assert_eq!(kind(from_bytes(b"")), "bad_magic");
    assert_eq!(kind(from_bytes(b"\x80\x04\x95 pickle")), "bad_magic");
    assert_eq!(kind(from_bytes(b"GSR")), "truncated");
    // Every prefix is refused, none panics.
    for n in 0..good.len() {
        let e = from_bytes::<Tariff>(&good[..n]).unwrap_err();
        assert!(
            matches!(
                e,
                PersistError::Truncated { .. } | PersistError::BadMagic { .. }
            ),
            "{n}: {e}"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(kind(from_bytes(&longer)), "corrupt");

    let mut future = good.clone();
    future[4..6].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = from_bytes::<Tariff>(&future).unwrap_err();
    assert!(matches!(
        e,
        PersistError::UnsupportedVersion { version, supported: FORMAT_VERSION }
            if version == FORMAT_VERSION + 1
    ));
    assert!(e.to_string().contains("version 2"), "{e}");
    assert_eq!(crate::ErrorInfo::class(&e), "UnsupportedFormatError");

    let e = from_bytes::<Network>(&good).unwrap_err();
    assert!(matches!(
        &e,
        PersistError::WrongKind { expected: "network", found } if found == "tariff"
    ));
    let mut unknown = good.clone();
    unknown[6..8].copy_from_slice(&999u16.to_le_bytes());
    assert_eq!(kind(from_bytes(&unknown)), "wrong_kind");
    assert!(
        kind_of(&unknown)
            .unwrap_err()
            .to_string()
            .contains("kind 999")
    );

    // A flipped bit anywhere in the body fails the checksum.
    for i in (HEADER_LEN..good.len()).step_by(37) {
        let mut bad = good.clone();
        bad[i] ^= 0x10;
        let e = from_bytes::<Tariff>(&bad).unwrap_err();
        assert!(e.to_string().contains("checksum"), "{i}: {e}");
    }
    // A body with a valid checksum that is not the object's layout.
    assert_eq!(
        kind(from_bytes(&sealed(Kind::Tariff, &[0xc1; 9]))),
        "corrupt"
    );
    // A body that is not LZ4, and one whose stated length is far beyond what it could hold.
    let mut not_lz4 = good[..HEADER_LEN].to_vec();
    not_lz4.extend_from_slice(&[0xff; 12]);
    not_lz4[8..16].copy_from_slice(&12u64.to_le_bytes());
    reseal(&mut not_lz4);
    assert_eq!(kind(from_bytes(&not_lz4)), "corrupt");
    let mut bomb = good;
    bomb[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    let e = from_bytes::<Tariff>(&bomb).unwrap_err();
    assert!(e.to_string().contains("cannot decompress"), "{e}");
    // A well-formed body whose content the constructor refuses (a component priced per
    // period names no period).
    let form = TariffForm {
        schedule: t.schedule(),
        prices: {
            let mut p = t.prices().clone();
            p.energy.push(crate::tariff::EnergyComponent {
                name: "per period".into(),
                price: crate::tariff::EnergyPrice::PerPeriod {
                    yuan_per_kwh: std::collections::BTreeMap::new(),
                },
                pf_adjusted: true,
            });
            p
        },
    };
    let refused = sealed(Kind::Tariff, &encode("tariff", &form).unwrap());
    let e = from_bytes::<Tariff>(&refused).unwrap_err();
    assert_eq!(crate::ErrorInfo::kind(&e), "invalid", "{e}");
}

#[test]
fn every_variant_has_an_example_class_and_kind() {
    crate::error_info::tests::check_examples(&PersistError::examples());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random bytes after a valid header (checksum fixed up) never panic.
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400), code in 1u16..=20) {
        let bytes = sealed(Kind::from_code(code).unwrap(), &body);
        let _ = from_bytes::<Network>(&bytes);
        let _ = from_bytes::<Topology>(&bytes);
        let _ = from_bytes::<Tariff>(&bytes);
        let _ = from_bytes::<OutageTable>(&bytes);
        let _ = from_bytes::<Answered<Scope>>(&bytes);
        let _ = from_bytes::<Answered<FaultOutcome>>(&bytes);
        let _ = from_bytes::<TariffBook>(&bytes);
        if let Ok(state) = from_bytes::<TopologyState>(&bytes) {
            let _ = state.index(network(200, 1));
        }
        prop_assert!(kind_of(&bytes).is_ok());
    }

    /// Mutations of a real body (sealed again) decode or give an error, never panic; so do
    /// mutations of the compressed body.
    #[test]
    fn mutated_encodings_never_panic(edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..6)) {
        let net = network(200, 1);
        let t = operated(&net);
        let mut raw = TopologyForm::of(&t);
        let mut raw = encode("topology", &{ raw.operations.truncate(3); raw }).unwrap();
        let mut packed = to_bytes(&t).unwrap();
        let (len, plen) = (raw.len(), packed.len() - HEADER_LEN);
        for &(at, v) in &edits {
            raw[usize::from(at) % len] = v;
            packed[HEADER_LEN + usize::from(at) % plen] = v;
        }
        reseal(&mut packed);
        let _ = from_bytes::<Topology>(&sealed(Kind::Topology, &raw));
        let _ = from_bytes::<Topology>(&packed);
    }

    /// The operations between two states lead from one to the other.
    #[test]
    fn operations_between_reach_the_state(seed in 0u64..1000, picks in proptest::collection::vec((0usize..6, any::<u16>()), 0..30)) {
        let net = network(300, seed % 5 + 1);
        let mut s = NetworkState::normal(&net);
        for (a, i) in picks {
            let element = match a % 3 {
                0 => ElementId::Line(LineId(u32::from(i) % net.line_count() as u32)),
                1 => ElementId::Point(PointId(u32::from(i) % net.point_count() as u32)),
                _ => ElementId::Source(SourceId(u32::from(i) % net.source_count() as u32)),
            };
            let action = [Action::Open, Action::Close, Action::Fault, Action::Repair, Action::TakeOut, Action::Restore][a];
            let _ = s.apply(&net, &[Operation { action, element }]);
        }
        let normal = NetworkState::normal(&net);
        let mut rebuilt = normal.clone();
        rebuilt.apply(&net, &operations_between(&net, &normal, &s)).unwrap();
        prop_assert_eq!(rebuilt, s);
    }
}

#[test]
fn empty_network_data_is_refused_as_invalid() {
    let form = NetworkForm {
        options: ValidationOptions::default(),
        data: NetworkData::default(),
    };
    let bytes = sealed(Kind::Network, &encode("network", &form).unwrap());
    match from_bytes::<Network>(&bytes) {
        Ok(n) => assert_eq!(n.point_count(), 0),
        Err(e) => assert_eq!(crate::ErrorInfo::kind(&e), "invalid", "{e}"),
    }
}
