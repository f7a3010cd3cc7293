use std::sync::Arc;

use super::*;
use crate::access::Masking;
use crate::network::Network;
use crate::table::TableError;

const PMS: &str = "asset,type,name,rated_kva,status\n\
S1,source,10kV 城关1号线,8000,in_service\n\
B1,breaker,,,in_service\n\
L1,segment,,,in_service\n\
K1,load_break_switch,,,in_service\n\
T1,transformer,,400,in_service\n\
N2,point,1号杆,,in_service\n";
const GIS: &str = "asset,type,node_a,node_b,normal_open,length_m\n\
S1,source,N1,,,\n\
B1,breaker,N1,N2,false,\n\
L1,segment,N2,N3,,120\n\
K1,load_break_switch,N3,N4,false,\n\
T1,transformer,N4,N5,,\n";
const CUSTOMERS: &str = "customer,name,supply_asset,contracted_kva\nC1,某某公司,T1,315\n";
const CONTACTS: &str = "customer,name,phone,channels\nC1,张三,13812345678,sms\nC1,李四,12345,sms\n";
const METERS: &str = "meter,customer\nM1,C1\n";

fn read(
    tables: &[(&str, &str)],
    options: &ReadOptions,
) -> Result<(Sources, Vec<Finding>), IntegrateError> {
    let mut sources = Sources::default();
    let mut findings = Vec::new();
    for (table, text) in tables {
        findings.extend(read_csv_table(
            &mut sources,
            table,
            text.as_bytes(),
            &format!("{table}.csv"),
            options,
        )?);
    }
    Ok((sources, findings))
}

fn sample() -> Vec<(&'static str, &'static str)> {
    vec![
        ("pms_equipment", PMS),
        ("gis_connectivity", GIS),
        ("sg186_customers", CUSTOMERS),
        ("sg186_contacts", CONTACTS),
        ("sg186_meters", METERS),
    ]
}

fn fused(tables: &[(&str, &str)]) -> Integrated {
    let (sources, findings) = read(tables, &ReadOptions::default()).unwrap();
    integrate(&sources, findings, &IntegrateOptions::default()).unwrap()
}

#[test]
fn the_sample_fuses_into_a_valid_network_with_provenance() {
    let out = fused(&sample());
    // Only the invalid phone of 李四 (the customer stays reachable through 张三).
    let kinds: Vec<FindingKind> = out.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, vec![FindingKind::InvalidPhone]);
    let net = Network::from_data(&out.network).unwrap();
    assert_eq!(net.point_count(), 5);
    assert_eq!(out.network.customers[0].point, "N5");
    // load = 315 kVA × the default load factor 0.5.
    assert!((out.network.customers[0].load_kw - 157.5).abs() < 1e-9);
    assert_eq!(out.network.customers[0].contacts.len(), 2);
    assert_eq!(out.network.points[1].name.as_deref(), Some("1号杆"));
    // Provenance: the rating from the PMS row (line 6), the nodes from the GIS row (line 6).
    let rating = out.provenance.field("T1", "rated_kva").unwrap();
    assert_eq!((rating.source, rating.row), (SourceSystem::Pms, 6));
    let node = out.provenance.field("T1", "node_b").unwrap();
    assert_eq!(
        (node.source, node.table, node.row),
        (SourceSystem::Gis, "gis_connectivity", 6)
    );
    assert_eq!(out.provenance.field("C1", "contracted_kva").unwrap().row, 2);
    assert_eq!(out.provenance.field("T1", "colour"), None);
    assert_eq!(out.provenance.field("NOPE", "type"), None);
}

#[test]
fn keys_and_vocabulary_are_normalised_and_each_reported_once() {
    // A full-width key with an ideographic space, a lower-case key, an upper-case type.
    let gis = "asset,type,node_a,node_b,normal_open,length_m\n\
ｓ１\u{3000},SOURCE,n1,,,\n";
    let pms = "asset,type,rated_kva\nS1,source,100\n";
    let (sources, findings) = read(
        &[("pms_equipment", pms), ("gis_connectivity", gis)],
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(sources.gis[0].asset, "S1");
    assert_eq!(sources.gis[0].node_a, "N1");
    assert_eq!(sources.gis[0].kind, EquipmentType::Source);
    let got: Vec<(FindingKind, &str, Option<&str>)> = findings
        .iter()
        .map(|f| (f.kind, f.record.as_str(), f.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (FindingKind::NormalisedKey, "S1", Some("asset")),
            (FindingKind::NormalisedVocabulary, "S1", Some("type")),
            (FindingKind::NormalisedKey, "N1", Some("node_a")),
        ]
    );
    assert_eq!(findings[0].row, Some(2));
    // Turned off, the keys stay as they are and do not match.
    let options = ReadOptions {
        conventions: Conventions {
            normalise_keys: false,
            normalise_vocabulary: true,
        },
        ..ReadOptions::default()
    };
    let (sources, _) = read(&[("gis_connectivity", gis)], &options).unwrap();
    assert_eq!(sources.gis[0].asset, "ｓ１\u{3000}");
}

#[test]
fn a_mapping_renames_export_columns_and_bad_mappings_are_refused() {
    let customers = "CONS_NO,supply_asset,contracted_kva\nC1,T1,315\n";
    let mapping = ColumnMapping::default().with("sg186_customers", "CONS_NO", "customer");
    let options = ReadOptions {
        mapping,
        ..ReadOptions::default()
    };
    let (sources, _) = read(&[("sg186_customers", customers)], &options).unwrap();
    assert_eq!(sources.customers[0].customer, "C1");
    // Without the mapping the export's name is an unknown column.
    let err = read(&[("sg186_customers", customers)], &ReadOptions::default()).unwrap_err();
    match err {
        IntegrateError::Table(TableError::Parse {
            file,
            line,
            field,
            message,
        }) => {
            assert_eq!(
                (file.as_str(), line, field.as_deref()),
                ("sg186_customers.csv", 1, Some("CONS_NO"))
            );
            assert!(message.contains("customer"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A mapping to a column the table lacks, or for a table that is not a source table.
    let bad = ReadOptions {
        mapping: ColumnMapping::default().with("sg186_customers", "CONS_NO", "custmer"),
        ..ReadOptions::default()
    };
    assert!(matches!(
        read(&[("sg186_customers", customers)], &bad),
        Err(IntegrateError::Mapping { column: Some(c), .. }) if c == "CONS_NO"
    ));
    let bad = ReadOptions {
        mapping: ColumnMapping::default().with("customers", "CONS_NO", "customer"),
        ..ReadOptions::default()
    };
    assert!(matches!(
        read(&[("sg186_customers", customers)], &bad),
        Err(IntegrateError::Mapping { .. })
    ));
}

#[test]
fn bad_cells_name_file_line_and_column() {
    let cases = [
        (
            "sg186_customers",
            "customer,supply_asset,contracted_kva\nC1,T1,315\nC2,T1,lots\n",
            3,
            "contracted_kva",
        ),
        (
            "sg186_customers",
            "customer,supply_asset\nC1,T1\n",
            1,
            "contracted_kva",
        ),
        (
            "sg186_customers",
            "customer,supply_asset,contracted_kva\n,T1,315\n",
            2,
            "customer",
        ),
        ("pms_equipment", "asset,type\nX,transformator\n", 2, "type"),
        (
            "da_events",
            "asset,time,event,seq\nB1,yesterday,open,1\n",
            2,
            "time",
        ),
        (
            "da_events",
            "asset,time,event,seq\nB1,2026-07-01 10:00,open,\n",
            2,
            "seq",
        ),
        (
            "gis_connectivity",
            "asset,type,node_a,length_m\nL1,segment,N1,abc\n",
            2,
            "length_m",
        ),
    ];
    for (table, text, want_line, want_field) in cases {
        let err = read(&[(table, text)], &ReadOptions::default()).unwrap_err();
        let IntegrateError::Table(TableError::Parse {
            file, line, field, ..
        }) = &err
        else {
            panic!("{table}: {err:?}");
        };
        assert_eq!(file, &format!("{table}.csv"));
        assert_eq!(
            (*line, field.as_deref()),
            (want_line, Some(want_field)),
            "{table}: {err}"
        );
    }
}

#[test]
fn times_without_offset_are_china_standard_time() {
    let (sources, _) = read(
        &[(
            "da_events",
            "asset,time,event,seq\nB1,2026-07-01 10:00,OPEN,1\nB1,2026-07-01T02:00:00Z,close,2\n",
        )],
        &ReadOptions::default(),
    )
    .unwrap();
    // 10:00 at +08:00 is 02:00 UTC: the same instant as the second row.
    assert_eq!(sources.da_events[0].time, sources.da_events[1].time);
    assert_eq!(sources.da_events[0].event, DaEventKind::Open);
}

#[test]
fn chosen_kinds_are_fatal() {
    let (sources, findings) = read(&sample(), &ReadOptions::default()).unwrap();
    let options = IntegrateOptions {
        fatal: vec![FindingKind::InvalidPhone, FindingKind::TypeMismatch],
        ..IntegrateOptions::default()
    };
    let err = integrate(&sources, findings, &options).unwrap_err();
    assert_eq!(
        err,
        IntegrateError::Fatal {
            kinds: vec!["invalid_phone".into()],
            count: 1,
            first: "sg186_contacts C1".into(),
        }
    );
    let bad = IntegrateOptions {
        load_factor: f64::NAN,
        ..IntegrateOptions::default()
    };
    assert!(matches!(
        integrate(&sources, Vec::new(), &bad),
        Err(IntegrateError::Options { key, .. }) if key == "load_factor"
    ));
}

#[test]
fn precedence_is_data() {
    // PMS says 400 kVA, GIS 630: a mismatch; the rating follows the precedence.
    let gis = "asset,type,node_a,node_b,normal_open,length_m,rated_kva\n\
S1,source,N1,,,,\n\
B1,breaker,N1,N2,false,,\n\
L1,segment,N2,N3,,120,\n\
K1,load_break_switch,N3,N4,false,,\n\
T1,transformer,N4,N5,,,630\n";
    let tables = [("pms_equipment", PMS), ("gis_connectivity", gis)];
    let (sources, findings) = read(&tables, &ReadOptions::default()).unwrap();
    let out = integrate(&sources, findings.clone(), &IntegrateOptions::default()).unwrap();
    assert_eq!(out.network.transformers[0].rated_kva, 400.0);
    assert!(
        out.findings
            .iter()
            .any(|f| f.kind == FindingKind::RatingMismatch && f.record == "T1")
    );
    let gis_first = IntegrateOptions {
        precedence: Precedence {
            rated_kva: vec![SourceSystem::Gis, SourceSystem::Pms],
            ..Precedence::default()
        },
        ..IntegrateOptions::default()
    };
    let out = integrate(&sources, findings, &gis_first).unwrap();
    assert_eq!(out.network.transformers[0].rated_kva, 630.0);
    assert_eq!(
        out.provenance.field("T1", "rated_kva").unwrap().source,
        SourceSystem::Gis
    );
}

#[test]
fn mobile_numbers_follow_the_mainland_rule() {
    for ok in [
        "13812345678",
        "+86 138 1234 5678",
        "8613812345678",
        "199-0000-1111",
    ] {
        assert!(mobile_number(ok).is_some(), "{ok}");
    }
    for bad in [
        "12812345678",
        "1381234567",
        "0571-88888888",
        "1381234567x",
        "",
        // Full-width digits are not ASCII digits; too long even after the prefix.
        "１３８１２３４５６７８",
        "+86 138 1234 5678 9",
        "00086 13812345678",
    ] {
        assert!(mobile_number(bad).is_none(), "{bad}");
    }
    // Separators (including the ideographic space) and each prefix give the 11 digits.
    for (raw, digits) in [
        ("138\u{3000}1234\u{3000}5678", "13812345678"),
        ("+86-199-0000-1111", "19900001111"),
        ("0086 13912345678", "13912345678"),
        ("86 139 1234 5678", "13912345678"),
    ] {
        assert_eq!(mobile_number(raw).as_deref(), Some(digits), "{raw}");
    }
}

#[test]
fn da_events_apply_in_order_idempotently_and_refuse_with_a_reason() {
    let out = fused(&sample());
    let net = Arc::new(Network::from_data(&out.network).unwrap());
    let mut live = LiveState::new(Arc::clone(&net));
    let t = |m: u32| {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-07-01T10:{m:02}:00+08:00")).unwrap()
    };
    let ev = |asset: &str, event, seq, m| DaEvent {
        asset: asset.into(),
        time: t(m),
        event,
        seq,
        row: 0,
    };
    assert!(live.is_energized("N5"));
    assert_eq!(
        live.apply(&ev("K1", DaEventKind::Trip, 1, 0)),
        Ok(DaOutcome::Changed)
    );
    assert!(!live.is_energized("N5"));
    // The same sequence number again (even as another event) is a no-op.
    assert_eq!(
        live.apply(&ev("K1", DaEventKind::Close, 1, 1)),
        Ok(DaOutcome::Replayed)
    );
    assert!(!live.is_energized("N5"));
    assert_eq!(
        live.apply(&ev("K1", DaEventKind::Open, 2, 1)),
        Ok(DaOutcome::NoChange)
    );
    assert_eq!(
        live.apply(&ev("ZZ", DaEventKind::Open, 3, 1)),
        Err(DaRefusal::UnknownAsset)
    );
    assert_eq!(
        live.apply(&ev("L1", DaEventKind::Open, 4, 1)),
        Err(DaRefusal::NotASwitch)
    );
    assert_eq!(
        live.apply(&ev("L1", DaEventKind::FaultIndicator, 5, 1)),
        Ok(DaOutcome::NoChange)
    );
    assert_eq!(live.abnormal(), vec![("K1".to_owned(), true, false, 0)]);
    // Out of order input is sorted by time then seq: close (10:05) comes after open (10:03).
    let mut live = LiveState::new(net);
    let mut findings = Vec::new();
    live.apply_all(
        &[
            ev("K1", DaEventKind::Close, 11, 5),
            ev("K1", DaEventKind::Open, 10, 3),
            ev("X", DaEventKind::Open, 12, 4),
        ],
        &mut findings,
    );
    assert!(live.is_energized("N5"));
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (findings[0].kind, findings[0].record.as_str()),
        (FindingKind::DaRefused, "X")
    );
}

#[test]
fn ami_power_offs_are_judged_at_their_instant_and_become_evidence() {
    let da = "asset,time,event,seq\nK1,2026-07-01 10:00,trip,1\nK1,2026-07-01 11:00,close,2\n";
    // 09:30: before the trip, the customer is supplied (a finding); 10:30: after it, not.
    let ami = "meter,time,event\nM1,2026-07-01 09:30,power_off\nM1,2026-07-01 10:30,power_off\nM1,2026-07-01 11:05,power_on\n";
    let mut tables = sample();
    tables.push(("da_events", da));
    tables.push(("ami_events", ami));
    let out = fused(&tables);
    let offs: Vec<u64> = out
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::PowerOffWhileSupplied)
        .filter_map(|f| f.row)
        .collect();
    assert_eq!(offs, vec![2]);
    assert_eq!(out.evidence.len(), 3);
    assert_eq!(
        out.evidence[1],
        crate::network::infer::Evidence::customer(
            crate::network::infer::EvidenceKind::PowerOff,
            "C1"
        )
    );
    // Closed again at 11:00: the live state is normal, no abnormal-state finding.
    assert!(
        out.findings
            .iter()
            .all(|f| f.kind != FindingKind::AbnormalState)
    );
    assert!(out.live_open.is_empty());
}

#[test]
fn the_html_page_masks_personal_data_unless_the_role_allows() {
    let mut tables = sample();
    let contacts =
        "customer,name,phone,channels\nC1,张三,13812345678,sms\nC1,李四,02112345678,sms\n";
    tables[3] = ("sg186_contacts", contacts);
    let out = fused(&tables);
    let masked = render_html(&out.findings, Masking::Masked, 100);
    assert!(masked.starts_with("<!DOCTYPE html>"));
    assert!(masked.contains("invalid_phone"));
    assert!(!masked.contains("02112345678"), "{masked}");
    assert!(masked.contains("021****5678"), "{masked}");
    let clear = render_html(&out.findings, Masking::Clear, 100);
    assert!(clear.contains("02112345678"));
    // No external resource.
    assert!(!masked.contains("http") && !masked.contains("<script"));
}

#[test]
fn findings_serialise_with_snake_case_kinds() {
    let out = fused(&sample());
    let v = serde_json::to_value(&out.findings[0]).unwrap();
    assert_eq!(v["kind"], "invalid_phone");
    assert_eq!(v["severity"], "warning");
    assert_eq!(v["source"], "sg186");
    assert_eq!(v["row"], 3);
    for k in FindingKind::ALL {
        assert_eq!(FindingKind::from_name(&k.name()), Some(k));
    }
}

#[test]
fn error_examples_cover_every_kind() {
    crate::error_info::tests::check_examples(&IntegrateError::examples());
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_round_trips_and_a_truncated_file_is_refused() {
    let (sources, _) = read(&sample(), &ReadOptions::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("gs-integrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write_parquet_dir(&sources, &dir).unwrap();
    let (back, _) =
        read_sources(&SourcePaths::in_dir(&dir, true), &ReadOptions::default()).unwrap();
    assert_eq!(back, sources);
    let path = dir.join("sg186_customers.parquet");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = read_sources(&SourcePaths::in_dir(&dir, true), &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(err, IntegrateError::Table(TableError::Format { ref file, .. }) if file.ends_with("sg186_customers.parquet")),
        "{err:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn csv_files_round_trip() {
    let (sources, _) = read(&sample(), &ReadOptions::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("gs-integrate-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write_csv_dir(&sources, &dir).unwrap();
    let (back, _) =
        read_sources(&SourcePaths::in_dir(&dir, false), &ReadOptions::default()).unwrap();
    assert_eq!(back, sources);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn normal_forms_of_keys_and_words() {
    // Full-width letters and digits become ASCII (NFKC), U+3000 a space that is trimmed.
    assert_eq!(normalise_key("ｔ１\u{3000}"), "T1");
    assert_eq!(normalise_key(" p0000001 "), "P0000001");
    assert_eq!(normalise_key("T1"), "T1");
    assert_eq!(normalise_key("城关１号"), "城关1号");
    assert_eq!(
        normalise_vocabulary(" Load_Break_Switch"),
        "load_break_switch"
    );
    assert_eq!(normalise_vocabulary("ｂｒｅａｋｅｒ"), "breaker");
    assert_eq!(normalise_vocabulary("segment"), "segment");
}

#[test]
fn a_da_close_onto_a_marked_fault_is_refused_until_repaired() {
    // S1 -B1- N2 -L1- N3 -K1- N4 -T1- N5: K1 trips for a fault in T1, which the crew locates.
    let out = fused(&sample());
    let net = Arc::new(Network::from_data(&out.network).unwrap());
    let mut live = LiveState::new(net);
    let time = chrono::DateTime::parse_from_rfc3339("2026-07-01T10:00:00+08:00").unwrap();
    let ev = |event, seq| DaEvent {
        asset: "K1".into(),
        time,
        event,
        seq,
        row: 0,
    };
    assert_eq!(
        live.apply(&ev(DaEventKind::Trip, 1)),
        Ok(DaOutcome::Changed)
    );
    assert_eq!(live.mark_fault("T1"), Ok(DaOutcome::Changed));
    assert_eq!(live.mark_fault("ZZ"), Err(DaRefusal::UnknownAsset));
    // Re-closing K1 would feed T1 at N4: refused, nothing changes, the sequence stays unseen.
    assert_eq!(
        live.apply(&ev(DaEventKind::Close, 2)),
        Err(DaRefusal::ClosingOntoFault {
            element: "T1".into()
        })
    );
    assert!(!live.is_energized("N4"));
    let mut findings = Vec::new();
    live.apply_reporting(&ev(DaEventKind::Close, 2), &mut findings);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].kind, FindingKind::DaRefused);
    assert!(
        findings[0]
            .value
            .as_deref()
            .is_some_and(|v| v.contains("closing onto the fault at T1")),
        "{:?}",
        findings[0].value
    );
    // After the repair the close goes through.
    assert_eq!(live.mark_repaired("T1"), Ok(DaOutcome::Changed));
    assert_eq!(
        live.apply(&ev(DaEventKind::Close, 2)),
        Ok(DaOutcome::Changed)
    );
    assert!(live.is_energized("N5"));
    assert!(matches!(
        live.mark_repaired("T1"),
        Err(DaRefusal::Refused { .. })
    ));
}
