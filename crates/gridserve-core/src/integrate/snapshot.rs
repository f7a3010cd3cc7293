//! Fused snapshots and the difference between two of them: what a nightly refresh stores and
//! reports.
//!
//! A [`Snapshot`] is what fusion produced at one time (the network records, the SG186
//! customers, contacts and meters, the provenance) with the watermarks of the sources it was
//! pulled at. Its stored form is the project's one binary encoding ([`crate::persist`], kind
//! `snapshot`); the SQLite store keeps it with a version, a time and a label.
//!
//! [`diff`] compares two snapshots record by record, keyed by the normalised number:
//!
//! | kind | records | key |
//! |---|---|---|
//! | `point` | network points | asset number |
//! | `line` | segments, switches and transformers (field `line_type` says which) | asset number |
//! | `source` | network sources | asset number |
//! | `customer` | SG186 customers | customer number |
//! | `contact` | SG186 contacts | `{customer}/{level}` (`#2`, `#3`… for more contacts at one level, in order) |
//! | `meter` | SG186 meters | meter number |
//!
//! A key that appears twice in one snapshot gets `#2`, `#3`… in order of appearance. The line
//! a record was read from (`row`) is not compared: a row that moved in its file is not a
//! change. Values are compared as their serde (JSON) values; names, phones, openids and
//! addresses of customers and contacts are masked as the reader's [`Masking`] says.

use std::borrow::Cow;
use std::collections::BTreeMap;

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::fused::{Integrated, Provenance};
use super::port::{SourceTable, Watermark};
use super::records::{Sg186Contact, Sg186Customer, Sg186Meter};
use crate::access::{MaskPersonal, Masking};
use crate::network::records::{NetworkData, SegmentRecord, SwitchRecord, TransformerRecord};

/// A fused snapshot: the network and the SG186 records as fusion gave them, where each value
/// came from, and where each source stood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The network records.
    pub network: NetworkData,
    /// The customers (the first of each number).
    pub customers: Vec<Sg186Customer>,
    /// The contacts.
    pub contacts: Vec<Sg186Contact>,
    /// The meters (the first of each number).
    pub meters: Vec<Sg186Meter>,
    /// Where each value came from.
    #[serde(default)]
    pub provenance: Provenance,
    /// The watermark of each source table the snapshot was pulled at (empty when the sources
    /// were not pulled through a [`DataSource`](super::DataSource)).
    #[serde(default)]
    pub watermarks: BTreeMap<SourceTable, Watermark>,
}

impl Snapshot {
    /// The snapshot of a fusion, without watermarks.
    #[must_use]
    pub fn of(fused: &Integrated) -> Self {
        Self {
            network: fused.network.clone(),
            customers: fused.customers.clone(),
            contacts: fused.contacts.clone(),
            meters: fused.meters.clone(),
            provenance: fused.provenance.clone(),
            watermarks: BTreeMap::new(),
        }
    }

    /// The snapshot with the watermarks of the pull it came from.
    #[must_use]
    pub fn with_watermarks(mut self, watermarks: BTreeMap<SourceTable, Watermark>) -> Self {
        self.watermarks = watermarks;
        self
    }
}

/// A kind of record in a [`SnapshotDiff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A network point.
    Point,
    /// A segment, switch or transformer.
    Line,
    /// A source of supply.
    Source,
    /// An SG186 customer.
    Customer,
    /// An SG186 contact.
    Contact,
    /// An SG186 meter.
    Meter,
}

impl RecordKind {
    /// Every kind, in order.
    pub const ALL: [Self; 6] = [
        Self::Point,
        Self::Line,
        Self::Source,
        Self::Customer,
        Self::Contact,
        Self::Meter,
    ];

    /// The snake_case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Point => "point",
            Self::Line => "line",
            Self::Source => "source",
            Self::Customer => "customer",
            Self::Contact => "contact",
            Self::Meter => "meter",
        }
    }
}

/// What happened to a record between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// In the new snapshot only.
    Added,
    /// In the old snapshot only.
    Removed,
    /// In both, with different values.
    Changed,
}

impl ChangeKind {
    /// The snake_case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// One field of a changed record: its old and new value (JSON; `null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// The value in the old snapshot.
    pub old: Value,
    /// The value in the new snapshot.
    pub new: Value,
}

/// One record added, removed or changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordChange {
    /// The kind of record.
    pub kind: RecordKind,
    /// Its key.
    pub key: String,
    /// What happened.
    pub change: ChangeKind,
    /// The fields that differ (changed records only), by field name.
    pub fields: Vec<FieldChange>,
}

/// Counts of one kind of record in a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KindCounts {
    /// Records added.
    pub added: usize,
    /// Records removed.
    pub removed: usize,
    /// Records changed.
    pub changed: usize,
}

/// The difference between two snapshots: every record added, removed or changed, by kind and
/// key, with counts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SnapshotDiff {
    /// The changes, by kind then key.
    pub changes: Vec<RecordChange>,
    /// The counts of each kind (every kind listed, zeros included).
    pub counts: BTreeMap<RecordKind, KindCounts>,
}

/// One row of the flat form of a diff: one per changed field, one per added or removed
/// record (with no field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffRow {
    /// The kind of record.
    pub kind: RecordKind,
    /// Its key.
    pub key: String,
    /// What happened.
    pub change: ChangeKind,
    /// The field (changed records).
    pub field: Option<String>,
    /// The old value as text (strings as they are, other values as JSON; none when absent).
    pub old: Option<String>,
    /// The new value as text.
    pub new: Option<String>,
}

impl SnapshotDiff {
    /// Whether nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The flat form: one row per changed field and per added or removed record.
    #[must_use]
    pub fn rows(&self) -> Vec<DiffRow> {
        let text = |v: &Value| match v {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        let mut out = Vec::new();
        for c in &self.changes {
            if c.fields.is_empty() {
                out.push(DiffRow {
                    kind: c.kind,
                    key: c.key.clone(),
                    change: c.change,
                    field: None,
                    old: None,
                    new: None,
                });
            }
            for f in &c.fields {
                out.push(DiffRow {
                    kind: c.kind,
                    key: c.key.clone(),
                    change: c.change,
                    field: Some(f.field.clone()),
                    old: text(&f.old),
                    new: text(&f.new),
                });
            }
        }
        out
    }

    /// The change of the record `kind` keyed `key`, if it changed.
    #[must_use]
    pub fn get(&self, kind: RecordKind, key: &str) -> Option<&RecordChange> {
        self.changes
            .binary_search_by(|c| (c.kind, c.key.as_str()).cmp(&(kind, key)))
            .ok()
            .map(|i| &self.changes[i])
    }
}

/// The personal fields of a kind of record, and how each is masked.
fn personal(kind: RecordKind, field: &str) -> Option<fn(Masking, &str) -> String> {
    match (kind, field) {
        (RecordKind::Customer | RecordKind::Contact, "name") => Some(Masking::name),
        (RecordKind::Contact, "phone" | "wechat_openid") => Some(Masking::phone),
        (RecordKind::Customer, "address") => Some(Masking::text),
        _ => None,
    }
}

impl MaskPersonal for SnapshotDiff {
    fn mask_personal(&mut self, masking: Masking) {
        if masking == Masking::Clear {
            return;
        }
        for c in &mut self.changes {
            for f in &mut c.fields {
                if let Some(mask) = personal(c.kind, &f.field) {
                    for v in [&mut f.old, &mut f.new] {
                        if let Value::String(s) = v {
                            *s = mask(masking, s);
                        }
                    }
                }
            }
        }
    }
}

/// A record as the diff sees it: a key, equality without the row it was read from, and its
/// fields as JSON.
trait Diffable {
    fn key(&self) -> Cow<'_, str>;
    fn same(&self, other: &Self) -> bool;
    fn fields(&self) -> Map<String, Value>;
}

fn json_fields<T: Serialize>(record: &T) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(mut m)) => {
            m.remove("row");
            m
        }
        // The records are plain structs of text, numbers and enums: always an object.
        Ok(other) => Map::from_iter([("value".to_owned(), other)]),
        Err(e) => Map::from_iter([("error".to_owned(), Value::String(e.to_string()))]),
    }
}

macro_rules! diffable_network {
    ($($ty:ty),*) => {$(
        impl Diffable for $ty {
            fn key(&self) -> Cow<'_, str> {
                Cow::Borrowed(&self.asset)
            }
            fn same(&self, other: &Self) -> bool {
                self == other
            }
            fn fields(&self) -> Map<String, Value> {
                json_fields(self)
            }
        }
    )*};
}
diffable_network!(
    crate::network::records::PointRecord,
    crate::network::records::SourceRecord
);

macro_rules! diffable_sg186 {
    ($($ty:ty => |$r:ident| $key:expr),* $(,)?) => {$(
        impl Diffable for $ty {
            fn key(&self) -> Cow<'_, str> {
                let $r = self;
                $key
            }
            fn same(&self, other: &Self) -> bool {
                if self.row == other.row {
                    return self == other;
                }
                let mut other = other.clone();
                other.row = self.row;
                *self == other
            }
            fn fields(&self) -> Map<String, Value> {
                json_fields(self)
            }
        }
    )*};
}
diffable_sg186!(
    Sg186Customer => |r| Cow::Borrowed(&r.customer),
    Sg186Meter => |r| Cow::Borrowed(&r.meter),
    Sg186Contact => |r| Cow::Owned(format!("{}/{}", r.customer, r.level)),
);

/// A segment, switch or transformer.
#[derive(PartialEq)]
enum Line<'a> {
    Segment(&'a SegmentRecord),
    Switch(&'a SwitchRecord),
    Transformer(&'a TransformerRecord),
}

impl Diffable for Line<'_> {
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self {
            Line::Segment(r) => &r.asset,
            Line::Switch(r) => &r.asset,
            Line::Transformer(r) => &r.asset,
        })
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
    fn fields(&self) -> Map<String, Value> {
        let (mut m, kind) = match self {
            Line::Segment(r) => (json_fields(r), "segment"),
            Line::Switch(r) => (json_fields(r), "switch"),
            Line::Transformer(r) => (json_fields(r), "transformer"),
        };
        m.insert("line_type".to_owned(), Value::String(kind.to_owned()));
        m
    }
}

fn lines(net: &NetworkData) -> Vec<Line<'_>> {
    net.segments
        .iter()
        .map(Line::Segment)
        .chain(net.switches.iter().map(Line::Switch))
        .chain(net.transformers.iter().map(Line::Transformer))
        .collect()
}

/// Keys with `#n` for the n-th repeat.
fn keyed<T: Diffable>(records: &[T]) -> Vec<(Cow<'_, str>, &T)> {
    let mut seen: HashMap<Cow<'_, str>, usize> = HashMap::with_capacity(records.len());
    records
        .iter()
        .map(|r| {
            let base = r.key();
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let key = if *n > 1 {
                Cow::Owned(format!("{base}#{n}"))
            } else {
                base
            };
            (key, r)
        })
        .collect()
}

/// The fields of a record that differ between `o` and `n`, by name.
fn field_changes<T: Diffable>(o: &T, n: &T) -> Vec<FieldChange> {
    let (a, b) = (o.fields(), n.fields());
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|f| {
            let (x, y) = (
                a.get(f).cloned().unwrap_or(Value::Null),
                b.get(f).cloned().unwrap_or(Value::Null),
            );
            (x != y).then(|| FieldChange {
                field: f.clone(),
                old: x,
                new: y,
            })
        })
        .collect()
}

fn changed(kind: RecordKind, key: String, fields: Vec<FieldChange>) -> Option<RecordChange> {
    // Equal JSON but unequal records (e.g. -0.0 against 0.0) is no change to show.
    (!fields.is_empty()).then_some(RecordChange {
        kind,
        key,
        change: ChangeKind::Changed,
        fields,
    })
}

fn diff_kind<T: Diffable>(kind: RecordKind, old: &[T], new: &[T], out: &mut Vec<RecordChange>) {
    // The common case of a nightly refresh: the same records in the same order, a few of them
    // changed in place. Pairing by position gives what pairing by numbered key would, without
    // hashing a million keys.
    if old.len() == new.len() && old.iter().zip(new).all(|(o, n)| o.key() == n.key()) {
        let differing: Vec<usize> = (0..old.len()).filter(|&i| !old[i].same(&new[i])).collect();
        if differing.is_empty() {
            return;
        }
        // Number the keys of the differing records (`#n` for a repeated key): count the
        // earlier occurrences of just those keys.
        let wanted: hashbrown::HashSet<Cow<'_, str>> =
            differing.iter().map(|&i| old[i].key()).collect();
        let mut seen: HashMap<Cow<'_, str>, usize> = HashMap::new();
        let mut next = differing.iter().peekable();
        for (i, o) in old.iter().enumerate() {
            let key = o.key();
            if !wanted.contains(&key) {
                continue;
            }
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            if next.peek() == Some(&&i) {
                next.next();
                let name = if *n > 1 {
                    format!("{key}#{n}")
                } else {
                    key.into_owned()
                };
                out.extend(changed(kind, name, field_changes(o, &new[i])));
            }
        }
        return;
    }
    let old = keyed(old);
    let new = keyed(new);
    let index: HashMap<&str, usize> = old
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_ref(), i))
        .collect();
    let mut matched = vec![false; old.len()];
    for (key, n) in &new {
        match index.get(key.as_ref()) {
            None => out.push(RecordChange {
                kind,
                key: key.clone().into_owned(),
                change: ChangeKind::Added,
                fields: Vec::new(),
            }),
            Some(&i) => {
                matched[i] = true;
                let o = old[i].1;
                if !o.same(n) {
                    out.extend(changed(
                        kind,
                        key.clone().into_owned(),
                        field_changes(o, *n),
                    ));
                }
            }
        }
    }
    for ((key, _), m) in old.iter().zip(matched) {
        if !m {
            out.push(RecordChange {
                kind,
                key: key.clone().into_owned(),
                change: ChangeKind::Removed,
                fields: Vec::new(),
            });
        }
    }
}

/// The difference from `old` to `new`: every point, line, source, customer, contact and meter
/// added, removed or changed (by field), personal values masked as `masking` says (a
/// reader's masking comes from [`MaskingPolicy::for_roles`](crate::access::MaskingPolicy::for_roles);
/// `Masking::default()` masks).
///
/// ```
/// use gridserve_core::access::Masking;
/// use gridserve_core::integrate::{self, ChangeKind, IntegrateOptions, RecordKind, Snapshot, Sources};
///
/// let mut sources = Sources::default();
/// let gis = "asset,type,node_a,node_b,length_m\nS1,source,N1,,\nL1,segment,N1,N2,100\n";
/// integrate::read_csv_table(&mut sources, "gis_connectivity", gis.as_bytes(), "gis.csv", &Default::default())?;
/// let before = Snapshot::of(&integrate::integrate(&sources, vec![], &IntegrateOptions::default())?);
/// sources.gis[1].length_m = Some(250.0);
/// let after = Snapshot::of(&integrate::integrate(&sources, vec![], &IntegrateOptions::default())?);
/// let d = integrate::diff(&before, &after, Masking::default());
/// let change = d.get(RecordKind::Line, "L1").unwrap();
/// assert_eq!(change.change, ChangeKind::Changed);
/// assert_eq!(change.fields[0].field, "length_m");
/// assert!(integrate::diff(&after, &after, Masking::default()).is_empty());
/// # Ok::<(), gridserve_core::integrate::IntegrateError>(())
/// ```
#[must_use]
pub fn diff(old: &Snapshot, new: &Snapshot, masking: Masking) -> SnapshotDiff {
    let mut changes = Vec::new();
    let (a, b) = (&old.network, &new.network);
    diff_kind(RecordKind::Point, &a.points, &b.points, &mut changes);
    diff_kind(RecordKind::Line, &lines(a), &lines(b), &mut changes);
    diff_kind(RecordKind::Source, &a.sources, &b.sources, &mut changes);
    diff_kind(
        RecordKind::Customer,
        &old.customers,
        &new.customers,
        &mut changes,
    );
    diff_kind(
        RecordKind::Contact,
        &old.contacts,
        &new.contacts,
        &mut changes,
    );
    diff_kind(RecordKind::Meter, &old.meters, &new.meters, &mut changes);
    changes.sort_by(|x, y| (x.kind, &x.key).cmp(&(y.kind, &y.key)));
    let mut counts: BTreeMap<RecordKind, KindCounts> = RecordKind::ALL
        .into_iter()
        .map(|k| (k, KindCounts::default()))
        .collect();
    for c in &changes {
        let n = counts.entry(c.kind).or_default();
        match c.change {
            ChangeKind::Added => n.added += 1,
            ChangeKind::Removed => n.removed += 1,
            ChangeKind::Changed => n.changed += 1,
        }
    }
    let mut out = SnapshotDiff { changes, counts };
    out.mask_personal(masking);
    out
}
