//! The validated network model: points, lines (segments, switches, transformers), sources and
//! customers, each keyed by its asset or customer number and addressed by a dense id.

use std::thread::ScopedJoinHandle;

use petgraph::graph::{EdgeIndex, NodeIndex, UnGraph};
use serde::{Deserialize, Serialize};

use super::error::{NetworkError, Problem, ProblemKind, Problems, RecordKind};
use super::records::{
    Contact, ContactRole, CustomerRecord, Importance, NetworkData, PointKind, PointRecord,
    SegmentKind, SegmentRecord, SourceRecord, SwitchKind, SwitchRecord, TransformerRecord,
    TransformerUsage,
};
use super::text::{Interner, TextArena};

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into per-element arrays.
            #[must_use]
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_id!(
    /// Dense id of a point: `0..network.point_count()`, in the order the points were given.
    PointId
);
dense_id!(
    /// Dense id of a line (segment, switch or transformer): `0..network.line_count()`, segments
    /// first, then switches, then transformers, each in the order given.
    LineId
);
dense_id!(
    /// Dense id of a source: `0..network.source_count()`, in the order given.
    SourceId
);
dense_id!(
    /// Dense id of a customer: `0..network.customer_count()`, in the order given.
    CustomerId
);

/// Any element that carries an asset number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum ElementId {
    /// A point.
    Point(PointId),
    /// A line (segment, switch or transformer).
    Line(LineId),
    /// A source.
    Source(SourceId),
}

/// A point of the validated network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// What the point is.
    pub kind: PointKind,
    /// Whether it is in service in the normal state.
    pub in_service: bool,
}

/// A line segment's data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Overhead or cable.
    pub kind: SegmentKind,
    /// Length in metres.
    pub length_m: f64,
    /// Rated current in amperes, if known.
    pub rated_current_a: Option<f64>,
}

/// A switching device's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch {
    /// The kind of device.
    pub kind: SwitchKind,
    /// Open in the normal state.
    pub normally_open: bool,
    /// Trips on a fault downstream.
    pub protective: bool,
    /// Remotely operable.
    pub remote: bool,
}

/// A transformer's data (its model text is at [`Network::transformer_model`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transformer {
    /// Rated power in kVA.
    pub rated_kva: f64,
    /// Year in service, if known.
    pub year_in_service: Option<u16>,
    /// Dedicated or public.
    pub usage: TransformerUsage,
    model: u32,
}

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LineKind {
    /// A line segment.
    Segment(Segment),
    /// A switching device.
    Switch(Switch),
    /// A transformer.
    Transformer(Transformer),
}

/// A line of the validated network (its ends are at [`Network::line_ends`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// What the line is.
    pub kind: LineKind,
    /// In service in the normal state.
    pub in_service: bool,
}

impl Line {
    /// The switch data, if the line is a switch.
    #[must_use]
    pub fn as_switch(&self) -> Option<&Switch> {
        match &self.kind {
            LineKind::Switch(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the line is a transformer.
    #[must_use]
    pub fn is_transformer(&self) -> bool {
        matches!(self.kind, LineKind::Transformer(_))
    }

    /// Whether the line is a protective switch (whatever its position).
    #[must_use]
    pub fn is_protective(&self) -> bool {
        self.as_switch().is_some_and(|s| s.protective)
    }

    /// The record type of the line.
    #[must_use]
    pub fn record_kind(&self) -> RecordKind {
        match self.kind {
            LineKind::Segment(_) => RecordKind::Segment,
            LineKind::Switch(_) => RecordKind::Switch,
            LineKind::Transformer(_) => RecordKind::Transformer,
        }
    }
}

/// A source of the validated network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Source {
    /// The point it feeds.
    pub point: PointId,
    /// Capacity in kVA.
    pub capacity_kva: f64,
    /// In service in the normal state.
    pub in_service: bool,
    name: u32,
}

#[derive(Debug, Clone, Copy)]
struct CustomerData {
    point: PointId,
    importance: Importance,
    name: u32,
    contracted_kva: f64,
    load_kw: f64,
    contacts_end: u32,
}

#[derive(Debug, Clone, Copy)]
struct ContactData {
    text: u32,
    role: ContactRole,
    level: u8,
}

/// A customer of the validated network, borrowed from it.
#[derive(Debug, Clone, Copy)]
pub struct CustomerRef<'a> {
    net: &'a Network,
    id: CustomerId,
    data: &'a CustomerData,
}

impl<'a> CustomerRef<'a> {
    /// Dense id.
    #[must_use]
    pub fn id(&self) -> CustomerId {
        self.id
    }
    /// Customer number (户号).
    #[must_use]
    pub fn number(&self) -> &'a str {
        self.net.customer_ids.resolve(self.id.0)
    }
    /// Name, if any.
    #[must_use]
    pub fn name(&self) -> Option<&'a str> {
        self.net.customer_names.get_opt(self.data.name)
    }
    /// The point the customer is supplied from.
    #[must_use]
    pub fn point(&self) -> PointId {
        self.data.point
    }
    /// Contracted capacity in kVA.
    #[must_use]
    pub fn contracted_kva(&self) -> f64 {
        self.data.contracted_kva
    }
    /// Representative load in kW.
    #[must_use]
    pub fn load_kw(&self) -> f64 {
        self.data.load_kw
    }
    /// Importance class.
    #[must_use]
    pub fn importance(&self) -> Importance {
        self.data.importance
    }
    /// Contacts, in the order given.
    pub fn contacts(&self) -> impl ExactSizeIterator<Item = ContactRef<'a>> + 'a {
        let net = self.net;
        let start = if self.id.0 == 0 {
            0
        } else {
            net.customers[self.id.index() - 1].contacts_end as usize
        };
        net.contacts[start..self.data.contacts_end as usize]
            .iter()
            .map(move |c| ContactRef {
                name: net.contact_text.get(c.text),
                phone: net.contact_text.get(c.text + 1),
                role: c.role,
                level: c.level,
            })
    }
    /// The customer as a plain record.
    #[must_use]
    pub fn to_record(&self) -> CustomerRecord {
        CustomerRecord {
            number: self.number().to_owned(),
            name: self.name().map(str::to_owned),
            point: self.net.point_asset(self.point()).to_owned(),
            contracted_kva: self.contracted_kva(),
            load_kw: self.load_kw(),
            importance: self.importance(),
            contacts: self.contacts().map(|c| c.to_contact()).collect(),
        }
    }
}

/// A contact of a customer, borrowed from the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactRef<'a> {
    /// Name.
    pub name: &'a str,
    /// Phone number.
    pub phone: &'a str,
    /// Role.
    pub role: ContactRole,
    /// Escalation level (1 first).
    pub level: u8,
}

impl ContactRef<'_> {
    /// An owned copy.
    #[must_use]
    pub fn to_contact(&self) -> Contact {
        Contact {
            name: self.name.to_owned(),
            phone: self.phone.to_owned(),
            role: self.role,
            level: self.level,
        }
    }
}

/// Options for validating network records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationOptions {
    /// Accept points with no line and no source (they are never energized). Off by default: such
    /// a point is almost always a data error.
    #[serde(default)]
    pub allow_isolated_points: bool,
}

/// A validated distribution network.
///
/// Built from [`NetworkData`] by [`Network::from_data`], which reports every problem at once.
/// The model is a petgraph undirected graph (node *i* is [`PointId`] *i*, edge *j* is
/// [`LineId`] *j*) plus compact tables for sources and customers and a compressed adjacency for
/// fast traversal. The model is immutable; switch positions and outages live in a
/// [`NetworkState`](super::NetworkState).
///
/// ```
/// use gridserve_core::network::{Network, records::*};
///
/// let data = NetworkData {
///     points: vec![
///         PointRecord { asset: "BUS".into(), kind: PointKind::SubstationBus, name: None, in_service: true },
///         PointRecord { asset: "P1".into(), kind: PointKind::Pole, name: None, in_service: true },
///     ],
///     switches: vec![SwitchRecord {
///         asset: "CB1".into(), from: "BUS".into(), to: "P1".into(), kind: SwitchKind::Breaker,
///         normally_open: false, protective: true, remote: true, in_service: true,
///     }],
///     sources: vec![SourceRecord {
///         asset: "S1".into(), point: "BUS".into(), name: None, capacity_kva: 8000.0, in_service: true,
///     }],
///     ..NetworkData::default()
/// };
/// let net = Network::from_data(&data)?;
/// assert_eq!(net.point_count(), 2);
/// assert_eq!(net.line_asset(net.line_id("CB1")?), "CB1");
/// # Ok::<(), gridserve_core::network::NetworkError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Network {
    graph: UnGraph<Point, Line>,
    /// Asset numbers of points (ids `0..P`), then lines (`P..P+L`), then sources: one namespace.
    assets: Interner,
    customer_ids: Interner,
    point_names: TextArena,
    models: TextArena,
    source_names: TextArena,
    customer_names: TextArena,
    contact_text: TextArena,
    sources: Vec<Source>,
    customers: Vec<CustomerData>,
    contacts: Vec<ContactData>,
    /// `adj[adj_start[p]..adj_start[p + 1]]` are `(neighbour, line)` of point `p`.
    adj_start: Vec<u32>,
    adj: Vec<(u32, u32)>,
    /// `point_customers[cust_start[p]..cust_start[p + 1]]` are the customers of point `p`.
    cust_start: Vec<u32>,
    point_customers: Vec<u32>,
    /// `(point, source)` sorted by point.
    point_sources: Vec<(u32, u32)>,
}

mod build;
pub(crate) mod input;

impl Network {
    /// The network as plain records, in id order: `Network::from_data(&net.to_data())`
    /// rebuilds the same network. Empty names come back as `None`.
    #[must_use]
    pub fn to_data(&self) -> NetworkData {
        let mut data = NetworkData {
            points: self
                .point_ids()
                .map(|p| {
                    let pt = self.point(p);
                    PointRecord {
                        asset: self.point_asset(p).to_owned(),
                        kind: pt.kind,
                        name: self.point_name(p).map(str::to_owned),
                        in_service: pt.in_service,
                    }
                })
                .collect(),
            ..NetworkData::default()
        };
        for l in self.line_ids() {
            let line = self.line(l);
            let (f, t) = self.line_ends(l);
            let asset = self.line_asset(l).to_owned();
            let from = self.point_asset(f).to_owned();
            let to = self.point_asset(t).to_owned();
            let in_service = line.in_service;
            match line.kind {
                LineKind::Segment(s) => data.segments.push(SegmentRecord {
                    asset,
                    from,
                    to,
                    kind: s.kind,
                    length_m: s.length_m,
                    rated_current_a: s.rated_current_a,
                    in_service,
                }),
                LineKind::Switch(s) => data.switches.push(SwitchRecord {
                    asset,
                    from,
                    to,
                    kind: s.kind,
                    normally_open: s.normally_open,
                    protective: s.protective,
                    remote: s.remote,
                    in_service,
                }),
                LineKind::Transformer(t) => data.transformers.push(TransformerRecord {
                    asset,
                    from,
                    to,
                    rated_kva: t.rated_kva,
                    model: self.models.get(t.model).to_owned(),
                    year_in_service: t.year_in_service,
                    usage: t.usage,
                    in_service,
                }),
            }
        }
        data.sources = (0..self.sources.len() as u32)
            .map(|i| {
                let s = SourceId(i);
                let src = self.source(s);
                SourceRecord {
                    asset: self.source_asset(s).to_owned(),
                    point: self.point_asset(src.point).to_owned(),
                    name: self.source_name(s).map(str::to_owned),
                    capacity_kva: src.capacity_kva,
                    in_service: src.in_service,
                }
            })
            .collect();
        data.customers = self.customers().map(|c| c.to_record()).collect();
        data
    }

    /// The petgraph graph of the model: node *i* is point *i*, edge *j* is line *j*. Use it to
    /// run petgraph's algorithms (shortest paths by length, connected components, …).
    #[must_use]
    pub fn graph(&self) -> &UnGraph<Point, Line> {
        &self.graph
    }

    /// Number of points.
    #[must_use]
    pub fn point_count(&self) -> usize {
        self.graph.node_count()
    }
    /// Number of lines.
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.graph.edge_count()
    }
    /// Number of sources.
    #[must_use]
    pub fn source_count(&self) -> usize {
        self.sources.len()
    }
    /// Number of customers.
    #[must_use]
    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    /// All point ids.
    pub fn point_ids(&self) -> impl ExactSizeIterator<Item = PointId> + use<> {
        (0..self.point_count() as u32).map(PointId)
    }
    /// All line ids.
    pub fn line_ids(&self) -> impl ExactSizeIterator<Item = LineId> + use<> {
        (0..self.line_count() as u32).map(LineId)
    }
    /// All source ids.
    pub fn source_ids(&self) -> impl ExactSizeIterator<Item = SourceId> + use<> {
        (0..self.source_count() as u32).map(SourceId)
    }

    /// The point with this id.
    ///
    /// # Panics
    /// If `id` is not a point id of this network (ids come from this network's lookups).
    #[must_use]
    pub fn point(&self, id: PointId) -> &Point {
        &self.graph[NodeIndex::new(id.index())]
    }
    /// The asset number of a point.
    #[must_use]
    pub fn point_asset(&self, id: PointId) -> &str {
        self.assets.resolve(id.0)
    }
    /// The name of a point, if any.
    #[must_use]
    pub fn point_name(&self, id: PointId) -> Option<&str> {
        self.point_names.get_opt(id.0)
    }
    /// The line with this id.
    ///
    /// # Panics
    /// If `id` is not a line id of this network.
    #[must_use]
    pub fn line(&self, id: LineId) -> &Line {
        &self.graph[EdgeIndex::new(id.index())]
    }
    /// The asset number of a line.
    #[must_use]
    pub fn line_asset(&self, id: LineId) -> &str {
        self.assets.resolve(self.point_count() as u32 + id.0)
    }
    /// The two end points of a line, in the order the record gave them (`from`, `to`).
    ///
    /// # Panics
    /// If `id` is not a line id of this network.
    #[must_use]
    pub fn line_ends(&self, id: LineId) -> (PointId, PointId) {
        let (a, b) = self
            .graph
            .edge_endpoints(EdgeIndex::new(id.index()))
            .expect("line id from this network");
        (PointId(a.index() as u32), PointId(b.index() as u32))
    }
    /// The model text of a transformer line (`None` if the line is not a transformer).
    #[must_use]
    pub fn transformer_model(&self, id: LineId) -> Option<&str> {
        match self.line(id).kind {
            LineKind::Transformer(t) => Some(self.models.get(t.model)),
            _ => None,
        }
    }
    /// The source with this id.
    ///
    /// # Panics
    /// If `id` is not a source id of this network.
    #[must_use]
    pub fn source(&self, id: SourceId) -> &Source {
        &self.sources[id.index()]
    }
    /// The asset number of a source.
    #[must_use]
    pub fn source_asset(&self, id: SourceId) -> &str {
        self.assets
            .resolve((self.point_count() + self.line_count()) as u32 + id.0)
    }
    /// The name of a source, if any.
    #[must_use]
    pub fn source_name(&self, id: SourceId) -> Option<&str> {
        self.source_names.get_opt(self.sources[id.index()].name)
    }
    /// The sources feeding a point.
    pub fn sources_at(&self, point: PointId) -> impl Iterator<Item = SourceId> + '_ {
        let start = self.point_sources.partition_point(|&(p, _)| p < point.0);
        self.point_sources[start..]
            .iter()
            .take_while(move |&&(p, _)| p == point.0)
            .map(|&(_, s)| SourceId(s))
    }
    /// The customer with this id.
    ///
    /// # Panics
    /// If `id` is not a customer id of this network.
    #[must_use]
    pub fn customer(&self, id: CustomerId) -> CustomerRef<'_> {
        CustomerRef {
            net: self,
            id,
            data: &self.customers[id.index()],
        }
    }
    /// All customers, in id order.
    pub fn customers(&self) -> impl ExactSizeIterator<Item = CustomerRef<'_>> {
        self.customers
            .iter()
            .enumerate()
            .map(|(i, data)| CustomerRef {
                net: self,
                id: CustomerId(i as u32),
                data,
            })
    }
    /// The customers supplied from a point.
    #[must_use]
    pub fn customers_at(&self, point: PointId) -> &[u32] {
        let p = point.index();
        &self.point_customers[self.cust_start[p] as usize..self.cust_start[p + 1] as usize]
    }
    /// Load in kW and importance of a customer, without building a [`CustomerRef`].
    #[inline]
    pub(crate) fn customer_load(&self, c: u32) -> (f64, Importance) {
        let d = &self.customers[c as usize];
        (d.load_kw, d.importance)
    }
    /// The `(neighbour, line)` pairs of a point.
    #[must_use]
    #[inline]
    pub fn neighbours(&self, point: PointId) -> &[(u32, u32)] {
        let p = point.index();
        &self.adj[self.adj_start[p] as usize..self.adj_start[p + 1] as usize]
    }

    /// The id of the point with this asset number.
    ///
    /// # Errors
    /// [`NetworkError::UnknownElement`] if no point has it.
    pub fn point_id(&self, asset: &str) -> Result<PointId, NetworkError> {
        match self.element(asset)? {
            ElementId::Point(p) => Ok(p),
            _ => Err(unknown(asset)),
        }
    }
    /// The id of the line with this asset number.
    ///
    /// # Errors
    /// [`NetworkError::UnknownElement`] if no line has it.
    pub fn line_id(&self, asset: &str) -> Result<LineId, NetworkError> {
        match self.element(asset)? {
            ElementId::Line(l) => Ok(l),
            _ => Err(unknown(asset)),
        }
    }
    /// The id of the source with this asset number.
    ///
    /// # Errors
    /// [`NetworkError::UnknownElement`] if no source has it.
    pub fn source_id(&self, asset: &str) -> Result<SourceId, NetworkError> {
        match self.element(asset)? {
            ElementId::Source(s) => Ok(s),
            _ => Err(unknown(asset)),
        }
    }
    /// The element (point, line or source) with this asset number.
    ///
    /// # Errors
    /// [`NetworkError::UnknownElement`] if no element has it.
    pub fn element(&self, asset: &str) -> Result<ElementId, NetworkError> {
        let (p, l) = (self.point_count() as u32, self.line_count() as u32);
        match self.assets.get(asset) {
            Some(i) if i < p => Ok(ElementId::Point(PointId(i))),
            Some(i) if i < p + l => Ok(ElementId::Line(LineId(i - p))),
            Some(i) => Ok(ElementId::Source(SourceId(i - p - l))),
            None => Err(unknown(asset)),
        }
    }
    /// The id of the customer with this customer number.
    ///
    /// # Errors
    /// [`NetworkError::UnknownCustomer`] if no customer has it.
    pub fn customer_id(&self, number: &str) -> Result<CustomerId, NetworkError> {
        self.customer_ids
            .get(number)
            .map(CustomerId)
            .ok_or_else(|| NetworkError::UnknownCustomer {
                number: number.to_owned(),
            })
    }
    /// The asset number of any element.
    #[must_use]
    pub fn asset(&self, element: ElementId) -> &str {
        match element {
            ElementId::Point(p) => self.point_asset(p),
            ElementId::Line(l) => self.line_asset(l),
            ElementId::Source(s) => self.source_asset(s),
        }
    }

    /// Checks that an element id belongs to this network.
    ///
    /// # Errors
    /// [`NetworkError::IdOutOfRange`] otherwise.
    pub fn check(&self, element: ElementId) -> Result<ElementId, NetworkError> {
        let (kind, id, len) = match element {
            ElementId::Point(p) => ("point", p.0, self.point_count()),
            ElementId::Line(l) => ("line", l.0, self.line_count()),
            ElementId::Source(s) => ("source", s.0, self.source_count()),
        };
        if (id as usize) < len {
            Ok(element)
        } else {
            Err(NetworkError::IdOutOfRange { kind, id, len })
        }
    }

    /// Bytes of memory the model holds (heap allocations plus the struct), for capacity planning.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        size_of::<Self>()
            + self.graph.capacity().0 * (size_of::<Point>() + 8)
            + self.graph.capacity().1 * (size_of::<Line>() + 16)
            + self.assets.heap_bytes()
            + self.customer_ids.heap_bytes()
            + self.point_names.heap_bytes()
            + self.models.heap_bytes()
            + self.source_names.heap_bytes()
            + self.customer_names.heap_bytes()
            + self.contact_text.heap_bytes()
            + self.sources.capacity() * size_of::<Source>()
            + self.customers.capacity() * size_of::<CustomerData>()
            + self.contacts.capacity() * size_of::<ContactData>()
            + (self.adj_start.capacity() + self.cust_start.capacity()) * 4
            + self.adj.capacity() * 8
            + self.point_customers.capacity() * 4
            + self.point_sources.capacity() * 8
    }
}

fn unknown(asset: &str) -> NetworkError {
    NetworkError::UnknownElement {
        asset: asset.to_owned(),
    }
}
