//! Tests of snapshots and their diff on the shipped sample county.

use std::path::PathBuf;

use super::*;
use crate::access::Masking;
use crate::persist::{self, PersistError};

/// The first contact at or after `from` whose customer has no other contact.
fn lone_contact(snap: &Snapshot, from: usize) -> usize {
    (from..snap.contacts.len())
        .find(|&i| {
            let c = &snap.contacts[i].customer;
            snap.contacts.iter().filter(|k| &k.customer == c).count() == 1
        })
        .unwrap()
}

fn sample() -> Snapshot {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/county-sources");
    let mut files = FileSource::new(dir, ReadOptions::default()).unwrap();
    let (pulled, fused) = integrate_source(&mut files, &IntegrateOptions::default()).unwrap();
    Snapshot::of(&fused).with_watermarks(pulled.watermarks)
}

#[test]
fn a_snapshot_round_trips_through_the_binary_form() {
    let snap = sample();
    assert!(snap.provenance.field("T0000001", "rated_kva").is_some());
    let bytes = persist::to_bytes(&snap).unwrap();
    assert_eq!(persist::kind_of(&bytes).unwrap(), persist::Kind::Snapshot);
    let back: Snapshot = persist::from_bytes(&bytes).unwrap();
    assert_eq!(back, snap);
    assert_eq!(back.watermarks.len(), 7);
    // The encoding is deterministic (provenance is written sorted by key).
    assert_eq!(persist::to_bytes(&back).unwrap(), bytes);
}

#[test]
fn corrupt_and_foreign_blobs_are_typed_errors() {
    let snap = sample();
    let bytes = persist::to_bytes(&snap).unwrap();
    // A flipped byte in the body: the checksum no longer matches.
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x55;
    assert!(matches!(
        persist::from_bytes::<Snapshot>(&flipped),
        Err(PersistError::Corrupt {
            what: "snapshot",
            ..
        })
    ));
    assert!(matches!(
        persist::from_bytes::<Snapshot>(&bytes[..bytes.len() / 2]),
        Err(PersistError::Truncated { .. })
    ));
    assert!(matches!(
        persist::from_bytes::<Snapshot>(b"SQLite format 3\0"),
        Err(PersistError::BadMagic { .. })
    ));
    assert!(matches!(
        persist::from_bytes::<Snapshot>(&[]),
        Err(PersistError::BadMagic { .. })
    ));
    // Another gridserve object is not a snapshot.
    let book = crate::tariff::defaults::guangdong_huizhou().unwrap();
    assert!(matches!(
        persist::from_bytes::<Snapshot>(&persist::to_bytes(&book).unwrap()),
        Err(PersistError::WrongKind {
            expected: "snapshot",
            ..
        })
    ));
    // A well-formed encoding whose body is not a snapshot: re-encode a tariff book's body
    // under the snapshot kind code, with a valid checksum.
    let mut forged = persist::to_bytes(&book).unwrap();
    forged[6..8].copy_from_slice(&persist::Kind::Snapshot.code().to_le_bytes());
    assert!(matches!(
        persist::from_bytes::<Snapshot>(&forged),
        Err(PersistError::Corrupt {
            what: "snapshot",
            ..
        })
    ));
}

#[test]
fn a_snapshot_against_itself_has_no_difference() {
    let snap = sample();
    let d = diff(&snap, &snap.clone(), Masking::Clear);
    assert!(d.is_empty());
    assert!(d.rows().is_empty());
    assert_eq!(d.counts.len(), RecordKind::ALL.len());
    assert!(d.counts.values().all(|c| *c == KindCounts::default()));
}

/// Each kind of record gets one addition, one removal and one change; the diff names exactly
/// those eighteen.
#[test]
fn a_hand_modified_snapshot_diffs_to_exactly_its_modifications() {
    let old = sample();
    let mut new = old.clone();
    let net = &mut new.network;
    // Points.
    let removed_point = net.points.remove(10).asset;
    let mut p = net.points[0].clone();
    p.asset = "PNEW".into();
    net.points.push(p);
    let changed_point = net.points[20].asset.clone();
    net.points[20].name = Some("2号杆".into());
    // Lines: a segment longer, a transformer removed, a switch added.
    let changed_line = net.segments[3].asset.clone();
    let old_len = net.segments[3].length_m;
    net.segments[3].length_m = old_len + 10.0;
    let removed_line = net.transformers.remove(2).asset;
    let mut sw = net.switches[0].clone();
    sw.asset = "KNEW".into();
    net.switches.push(sw);
    // Sources.
    let removed_source = net.sources.remove(1).asset;
    let mut s = net.sources[0].clone();
    s.asset = "SNEW".into();
    net.sources.push(s);
    let changed_source = net.sources[0].asset.clone();
    net.sources[0].capacity_kva += 1000.0;
    // Customers.
    let removed_customer = new.customers.remove(7).customer;
    let mut c = new.customers[0].clone();
    c.customer = "9999999999".into();
    new.customers.push(c);
    let changed_customer = new.customers[30].customer.clone();
    new.customers[30].contracted_kva = 1250.0;
    // Contacts: one phone changed, one removed, one added at level 2.
    let contact_key = |c: &Sg186Contact| format!("{}/{}", c.customer, c.level);
    let (i, j, l) = (
        lone_contact(&old, 40),
        lone_contact(&old, 50),
        lone_contact(&old, 60),
    );
    let changed_contact = contact_key(&new.contacts[i]);
    let old_phone = new.contacts[i].phone.clone().unwrap();
    new.contacts[i].phone = Some("13700001111".into());
    let mut k = new.contacts[l].clone();
    let removed_contact = contact_key(&new.contacts.remove(j));
    k.level = 2;
    let added_contact = contact_key(&k);
    new.contacts.push(k);
    // Meters.
    let removed_meter = new.meters.remove(5).meter;
    let mut m = new.meters[0].clone();
    m.meter = "MNEW".into();
    new.meters.push(m);
    let changed_meter = new.meters[9].meter.clone();
    new.meters[9].multiplier = 40.0;
    // Moving a record in its file (another `row`) is no change.
    new.meters[11].row += 1000;

    let d = diff(&old, &new, Masking::Clear);
    for kind in RecordKind::ALL {
        assert_eq!(
            d.counts[&kind],
            KindCounts {
                added: 1,
                removed: 1,
                changed: 1
            },
            "{kind:?}"
        );
    }
    assert_eq!(d.changes.len(), 18);
    let expect = [
        (RecordKind::Point, "PNEW", ChangeKind::Added),
        (
            RecordKind::Point,
            removed_point.as_str(),
            ChangeKind::Removed,
        ),
        (
            RecordKind::Point,
            changed_point.as_str(),
            ChangeKind::Changed,
        ),
        (RecordKind::Line, "KNEW", ChangeKind::Added),
        (RecordKind::Line, removed_line.as_str(), ChangeKind::Removed),
        (RecordKind::Line, changed_line.as_str(), ChangeKind::Changed),
        (RecordKind::Source, "SNEW", ChangeKind::Added),
        (
            RecordKind::Source,
            removed_source.as_str(),
            ChangeKind::Removed,
        ),
        (
            RecordKind::Source,
            changed_source.as_str(),
            ChangeKind::Changed,
        ),
        (RecordKind::Customer, "9999999999", ChangeKind::Added),
        (
            RecordKind::Customer,
            removed_customer.as_str(),
            ChangeKind::Removed,
        ),
        (
            RecordKind::Customer,
            changed_customer.as_str(),
            ChangeKind::Changed,
        ),
        (
            RecordKind::Contact,
            added_contact.as_str(),
            ChangeKind::Added,
        ),
        (
            RecordKind::Contact,
            removed_contact.as_str(),
            ChangeKind::Removed,
        ),
        (
            RecordKind::Contact,
            changed_contact.as_str(),
            ChangeKind::Changed,
        ),
        (RecordKind::Meter, "MNEW", ChangeKind::Added),
        (
            RecordKind::Meter,
            removed_meter.as_str(),
            ChangeKind::Removed,
        ),
        (
            RecordKind::Meter,
            changed_meter.as_str(),
            ChangeKind::Changed,
        ),
    ];
    for (kind, key, change) in expect {
        let c = d.get(kind, key).unwrap_or_else(|| panic!("{kind:?} {key}"));
        assert_eq!(c.change, change, "{kind:?} {key}");
    }
    // The changed fields, by name, with old and new values.
    let field = |kind, key: &str| {
        let c = d.get(kind, key).unwrap();
        assert_eq!(c.fields.len(), 1, "{kind:?} {key}: {:?}", c.fields);
        c.fields[0].clone()
    };
    let f = field(RecordKind::Line, &changed_line);
    assert_eq!(
        (f.field.as_str(), f.old.as_f64(), f.new.as_f64()),
        ("length_m", Some(old_len), Some(old_len + 10.0))
    );
    assert_eq!(field(RecordKind::Point, &changed_point).field, "name");
    assert_eq!(
        field(RecordKind::Source, &changed_source).field,
        "capacity_kva"
    );
    assert_eq!(
        field(RecordKind::Customer, &changed_customer).field,
        "contracted_kva"
    );
    let f = field(RecordKind::Contact, &changed_contact);
    assert_eq!(f.field, "phone");
    assert_eq!(f.old, serde_json::json!(old_phone));
    assert_eq!(f.new, serde_json::json!("13700001111"));
    assert_eq!(field(RecordKind::Meter, &changed_meter).new, 40.0);
    // The flat form: one row per added or removed record, one per changed field.
    let rows = d.rows();
    assert_eq!(rows.len(), 18);
    let phone_row = rows
        .iter()
        .find(|r| r.kind == RecordKind::Contact && r.change == ChangeKind::Changed)
        .unwrap();
    assert_eq!(phone_row.new.as_deref(), Some("13700001111"));
    let removed_row = rows
        .iter()
        .find(|r| r.kind == RecordKind::Meter && r.change == ChangeKind::Removed)
        .unwrap();
    assert_eq!((&removed_row.field, &removed_row.old), (&None, &None));
}

#[test]
fn personal_values_in_a_diff_are_masked_unless_the_reader_may_see_them() {
    let old = sample();
    let mut new = old.clone();
    new.contacts[0].phone = Some("13700001111".into());
    new.contacts[0].name = Some("王建国".into());
    new.customers[0].address = Some("城关镇 12 号 13812345678".into());
    new.customers[1].contracted_kva = 77.0;
    let masked = diff(&old, &new, Masking::default());
    let clear = diff(&old, &new, Masking::Clear);
    assert_eq!(masked.counts, clear.counts);
    let value = |d: &SnapshotDiff, kind, field: &str| {
        d.changes
            .iter()
            .filter(|c| c.kind == kind)
            .flat_map(|c| &c.fields)
            .find(|f| f.field == field)
            .unwrap()
            .new
            .clone()
    };
    assert_eq!(value(&clear, RecordKind::Contact, "phone"), "13700001111");
    // mask_phone keeps the first 3 and the last 4 of 11 digits.
    assert_eq!(value(&masked, RecordKind::Contact, "phone"), "137****1111");
    assert_ne!(value(&masked, RecordKind::Contact, "name"), "王建国");
    let addr = value(&masked, RecordKind::Customer, "address");
    assert!(!addr.as_str().unwrap().contains("13812345678"), "{addr}");
    // Not personal: shown as it is.
    assert_eq!(value(&masked, RecordKind::Customer, "contracted_kva"), 77.0);
    // The policy gives the masking by role.
    let policy = crate::access::MaskingPolicy::default();
    assert_eq!(
        policy.for_roles(&[crate::access::Role::CustomerManager]),
        Masking::Clear
    );
}

#[test]
fn repeated_keys_are_numbered_in_order() {
    let old = sample();
    let mut new = old.clone();
    // A second contact at the level of the first one: `{customer}/{level}#2`.
    let i = lone_contact(&old, 0);
    let mut extra = new.contacts[i].clone();
    extra.phone = Some("13900000000".into());
    let key = format!("{}/{}#2", extra.customer, extra.level);
    new.contacts.insert(i + 1, extra);
    let d = diff(&old, &new, Masking::Clear);
    assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
    assert_eq!(d.changes[0].key, key);
    assert_eq!(d.changes[0].change, ChangeKind::Added);
}

/// Records changed in place (same keys, same order) are paired by position; a changed record
/// whose key repeats is still named by its occurrence.
#[test]
fn in_place_changes_of_repeated_keys_are_named_by_occurrence() {
    let mut old = sample();
    let i = lone_contact(&old, 0);
    let mut second = old.contacts[i].clone();
    second.phone = Some("13900000000".into());
    old.contacts.insert(i + 1, second);
    let base = format!("{}/{}", old.contacts[i].customer, old.contacts[i].level);
    let mut new = old.clone();
    new.contacts[i + 1].phone = Some("13900000001".into());
    new.contacts[i].name = Some("赵六".into());
    // And a segment changed in place, in another kind.
    new.network.segments[0].length_m += 1.0;
    let d = diff(&old, &new, Masking::Clear);
    let named: Vec<(&str, &str)> = d
        .changes
        .iter()
        .map(|c| (c.key.as_str(), c.fields[0].field.as_str()))
        .collect();
    let second_key = format!("{base}#2");
    let segment = old.network.segments[0].asset.clone();
    assert_eq!(
        named,
        [
            (segment.as_str(), "length_m"),
            (base.as_str(), "name"),
            (second_key.as_str(), "phone"),
        ]
    );
    assert_eq!(
        d.get(RecordKind::Contact, &second_key).unwrap().fields[0].new,
        "13900000001"
    );
}
