//! The first pass: a pull parse of the RDF/XML into compact records, ids interned as numbers.
//! Nothing here resolves a reference; the second pass ([`super::resolve`]) does.

use std::io::BufRead;

use hashbrown::{DefaultHashBuilder, HashMap};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::NamespaceError;
use quick_xml::reader::Reader;

use super::CimError;
use crate::error_info::excerpt;

mod ids;
mod namespaces;
mod split;

use ids::IdTable;
pub(super) use ids::{Ids, normalise_id};
use namespaces::{Namespaces, NsClass};
use split::Parsed;
#[cfg(test)]
pub(super) use split::parse_split;
pub(super) use split::{Part, parse_file};

/// "No reference" in a record's reference slot.
pub(super) const NONE: u32 = u32::MAX;

/// The device classes the reader knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DevClass {
    Segment,
    Breaker,
    Recloser,
    LoadBreakSwitch,
    Disconnector,
    Fuse,
    Sectionaliser,
    Jumper,
    Switch,
    Transformer,
    Consumer,
    Source,
    Machine,
}

/// The equipment containers the reader follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ContClass {
    Feeder,
    Substation,
    VoltageLevel,
    Bay,
}

/// What an object of the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Node,
    Terminal,
    Device(DevClass),
    End,
    Container(ContClass),
    /// A class outside the subset: only its id is kept (for references and duplicates).
    Other,
}

fn kind_of(local: &str) -> Kind {
    match local {
        "ConnectivityNode" => Kind::Node,
        "Terminal" => Kind::Terminal,
        "ACLineSegment" => Kind::Device(DevClass::Segment),
        "Breaker" => Kind::Device(DevClass::Breaker),
        "Recloser" => Kind::Device(DevClass::Recloser),
        "LoadBreakSwitch" => Kind::Device(DevClass::LoadBreakSwitch),
        "Disconnector" => Kind::Device(DevClass::Disconnector),
        "Fuse" => Kind::Device(DevClass::Fuse),
        "Sectionaliser" => Kind::Device(DevClass::Sectionaliser),
        "Jumper" => Kind::Device(DevClass::Jumper),
        "Switch" => Kind::Device(DevClass::Switch),
        "PowerTransformer" => Kind::Device(DevClass::Transformer),
        "EnergyConsumer" | "ConformLoad" | "NonConformLoad" => Kind::Device(DevClass::Consumer),
        "EnergySource" | "ExternalNetworkInjection" => Kind::Device(DevClass::Source),
        "SynchronousMachine" => Kind::Device(DevClass::Machine),
        "PowerTransformerEnd" => Kind::End,
        "Feeder" => Kind::Container(ContClass::Feeder),
        "Substation" => Kind::Container(ContClass::Substation),
        "VoltageLevel" => Kind::Container(ContClass::VoltageLevel),
        "Bay" => Kind::Container(ContClass::Bay),
        _ => Kind::Other,
    }
}

/// The properties the reader takes (any class); every other property is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prop {
    Name,
    Mrid,
    Container,
    Parent,
    Equipment,
    Node,
    EndTerminal,
    Seq,
    EndNumber,
    Length,
    NormalOpen,
    RatedS,
    RatedU,
    MaxP,
    PFixed,
}

fn prop_of(local: &str) -> Option<Prop> {
    Some(match local {
        "IdentifiedObject.name" => Prop::Name,
        "IdentifiedObject.mRID" => Prop::Mrid,
        "Equipment.EquipmentContainer" | "ConnectivityNode.ConnectivityNodeContainer" => {
            Prop::Container
        }
        "Bay.VoltageLevel" | "VoltageLevel.Substation" | "Feeder.NormalEnergizingSubstation" => {
            Prop::Parent
        }
        "Terminal.ConductingEquipment" | "PowerTransformerEnd.PowerTransformer" => Prop::Equipment,
        "Terminal.ConnectivityNode" => Prop::Node,
        "TransformerEnd.Terminal" => Prop::EndTerminal,
        "ACDCTerminal.sequenceNumber" | "Terminal.sequenceNumber" => Prop::Seq,
        "TransformerEnd.endNumber" => Prop::EndNumber,
        "Conductor.length" => Prop::Length,
        "Switch.normalOpen" => Prop::NormalOpen,
        "PowerTransformerEnd.ratedS" | "RotatingMachine.ratedS" => Prop::RatedS,
        "PowerTransformerEnd.ratedU" => Prop::RatedU,
        "ExternalNetworkInjection.maxP" => Prop::MaxP,
        "EnergyConsumer.pfixed" => Prop::PFixed,
        _ => return None,
    })
}

/// Where an id is defined: its class (an index into [`Raw::class_names`]), kind, index in the
/// records of its kind, and line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Def {
    pub class: u16,
    pub kind: Kind,
    pub index: u32,
    pub line: u64,
}

/// Where a text of an object (a name, an mRID) is in [`Raw::texts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    start: usize,
    end: usize,
}

/// Name and explicit mRID of an object, in [`Raw::texts`] (no allocation per object).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Names {
    name: Option<Span>,
    mrid: Option<Span>,
}

impl Names {
    /// The same texts `by` bytes further on (a part's texts appended after another's).
    fn shifted(self, by: usize) -> Self {
        let shift = |s: Span| Span {
            start: s.start + by,
            end: s.end + by,
        };
        Self {
            name: self.name.map(shift),
            mrid: self.mrid.map(shift),
        }
    }
}

#[derive(Debug)]
pub(super) struct NodeRec {
    pub sym: u32,
    pub line: u64,
    pub names: Names,
    pub container: u32,
}

#[derive(Debug)]
pub(super) struct TermRec {
    pub sym: u32,
    pub line: u64,
    pub equipment: u32,
    pub node: u32,
    pub seq: Option<u32>,
}

#[derive(Debug)]
pub(super) struct DevRec {
    pub sym: u32,
    pub line: u64,
    pub class: DevClass,
    pub class_name: u16,
    pub names: Names,
    pub container: u32,
    pub length_km: Option<f64>,
    pub normal_open: Option<bool>,
    pub rated_s: Option<f64>,
    pub max_p: Option<f64>,
    pub pfixed: Option<f64>,
}

#[derive(Debug)]
pub(super) struct EndRec {
    pub sym: u32,
    pub line: u64,
    pub transformer: u32,
    pub terminal: u32,
    pub end_number: Option<u32>,
    pub rated_s: Option<f64>,
    pub rated_u: Option<f64>,
}

#[derive(Debug)]
pub(super) struct ContRec {
    pub names: Names,
    pub parent: u32,
}

/// Everything the first pass keeps.
#[derive(Debug, Default)]
pub(super) struct Raw {
    /// The normalised id of each symbol.
    pub ids: Ids,
    /// Where each symbol is defined (`None`: only referred to).
    pub defs: Vec<Option<Def>>,
    pub class_names: Vec<Box<str>>,
    /// The names and mRIDs of the objects, end to end.
    pub texts: String,
    pub nodes: Vec<NodeRec>,
    pub terminals: Vec<TermRec>,
    pub devices: Vec<DevRec>,
    pub ends: Vec<EndRec>,
    pub containers: Vec<ContRec>,
}

impl Raw {
    /// An object's `IdentifiedObject.name`, if it has one.
    pub(super) fn name(&self, names: &Names) -> Option<&str> {
        names.name.map(|s| &self.texts[s.start..s.end])
    }

    /// An object's `IdentifiedObject.mRID`, if it has one.
    pub(super) fn mrid(&self, names: &Names) -> Option<&str> {
        names.mrid.map(|s| &self.texts[s.start..s.end])
    }

    fn push_text(&mut self, text: &str) -> Span {
        let start = self.texts.len();
        self.texts.push_str(text);
        Span {
            start,
            end: self.texts.len(),
        }
    }
}

/// The object being read.
#[derive(Debug, Clone, Copy)]
struct Cur {
    kind: Kind,
    class: u16,
    sym: u32,
    line: u64,
    names: Names,
    container: u32,
    parent: u32,
    equipment: u32,
    node: u32,
    end_terminal: u32,
    seq: Option<u32>,
    end_number: Option<u32>,
    length: Option<f64>,
    normal_open: Option<bool>,
    rated_s: Option<f64>,
    rated_u: Option<f64>,
    max_p: Option<f64>,
    pfixed: Option<f64>,
}

impl Cur {
    fn new(kind: Kind, class: u16, sym: u32, line: u64) -> Self {
        Self {
            kind,
            class,
            sym,
            line,
            names: Names::default(),
            container: NONE,
            parent: NONE,
            equipment: NONE,
            node: NONE,
            end_terminal: NONE,
            seq: None,
            end_number: None,
            length: None,
            normal_open: None,
            rated_s: None,
            rated_u: None,
            max_p: None,
            pfixed: None,
        }
    }
}

/// The parser's state apart from the XML reader (so that events, which borrow the reader's
/// buffer, can be handled while the state changes).
struct State<'f> {
    file: &'f str,
    ids: IdTable,
    class_map: HashMap<Box<str>, u16>,
    /// The class index of `RDF` (the root), once the root is read.
    root_class: u16,
    raw: Raw,
    /// Element depth: 0 outside the root, 1 inside `rdf:RDF`, 2 inside an object, 3 inside a
    /// property.
    depth: u32,
    root_seen: bool,
    root_closed: bool,
    cur: Option<Cur>,
    /// The property being read, with its line and the text gathered so far.
    prop: Option<(Prop, u64)>,
    /// The property's element name (reused buffer).
    prop_local: String,
    text: String,
    /// The class (index into `raw.class_names`) of the innermost open object, for messages;
    /// `None` at the top of the document.
    element: Option<u16>,
}

/// Reads the document into compact records.
///
/// `ids_hint`: how many ids to make room for at the start (an estimate from the file's size;
/// 0 if unknown), which saves growing the id table many times over a large file.
pub(super) fn parse<R: BufRead>(reader: R, file: &str, ids_hint: usize) -> Result<Raw, CimError> {
    parse_part(
        reader,
        file,
        ids_hint,
        Part::Whole,
        DefaultHashBuilder::default(),
    )
    .map(Parsed::finish)
}

/// Parses one [`Part`] of a document; `hasher` hashes the ids (two parts to be appended must
/// share it).
fn parse_part<R: BufRead>(
    reader: R,
    file: &str,
    ids_hint: usize,
    part: Part,
    hasher: DefaultHashBuilder,
) -> Result<Parsed, CimError> {
    let mut reader = Reader::from_reader(reader);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.expand_empty_elements = false;
    }
    let mut st = State {
        file,
        ids: IdTable::new(ids_hint, hasher),
        class_map: HashMap::new(),
        root_class: 0,
        raw: Raw::default(),
        depth: 0,
        root_seen: false,
        root_closed: false,
        cur: None,
        prop: None,
        prop_local: String::new(),
        text: String::new(),
        element: None,
    };
    let mut ns = Namespaces::new();
    let mut buf = Vec::with_capacity(1024);
    // Lines completed before the event being read; every byte of the input belongs to one
    // event's buffer, so counting the line breaks of each buffer tracks the line exactly.
    let mut lines: u64 = 0;
    loop {
        let line = lines + 1;
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                let at = line + count_lines(&buf);
                return Err(st.xml_error(at, e.to_string()));
            }
        };
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let depth = st.depth;
                // The limit of the namespace resolver, which counts every open element.
                if depth >= u32::from(u16::MAX) {
                    let err = NamespaceError::TooDeeplyNested(usize::from(u16::MAX));
                    return Err(st.xml_error(line + count_lines(&buf), err.to_string()));
                }
                let declares = Namespaces::declares(&e);
                if declares && let Err(err) = ns.push(&e, depth) {
                    return Err(st.xml_error(line + count_lines(&buf), err.to_string()));
                }
                st.start(&mut ns, &e, line, empty)?;
                if declares && empty {
                    ns.pop(depth);
                }
            }
            Event::End(_) => {
                st.end(line)?;
                ns.pop(st.depth);
            }
            Event::Text(t) => {
                if st.prop.is_some() && st.depth == 3 {
                    st.text.push_str(&t.xml_content(XmlVersion::Implicit1_0));
                } else if st.depth <= 1 && !t.trim().is_empty() {
                    return Err(st.xml_error(
                        line,
                        format!("text outside an object: {:?}", excerpt(t.trim())),
                    ));
                }
            }
            Event::CData(t) => {
                if st.prop.is_some() && st.depth == 3 {
                    st.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(ch)) => Some(ch.to_string()),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_owned),
                    Err(e) => return Err(st.xml_error(line, e.to_string())),
                };
                let Some(ch) = ch else {
                    return Err(st.xml_error(line, format!("unknown entity &{};", excerpt(&r))));
                };
                if st.prop.is_some() && st.depth == 3 {
                    st.text.push_str(&ch);
                }
            }
            Event::Eof if part == Part::Head => {
                if !(st.root_seen && !st.root_closed && st.depth == 1 && st.cur.is_none()) {
                    return Err(st.xml_error(line, "the part does not end between objects".into()));
                }
                break;
            }
            Event::Eof => {
                if !st.root_seen {
                    return Err(st.xml_error(
                        line,
                        "no rdf:RDF element: not a CIM RDF/XML document".into(),
                    ));
                }
                if !st.root_closed {
                    return Err(st.xml_error(
                        line,
                        "the file ends inside this element (truncated?)".into(),
                    ));
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
        lines += count_lines(&buf);
        buf.clear();
    }
    let State { ids, raw, .. } = st;
    Ok(Parsed { ids, raw, lines })
}

fn count_lines(bytes: &[u8]) -> u64 {
    // Summed in blocks so that the compiler vectorises the comparison.
    bytes
        .chunks(255)
        .map(|c| u64::from(c.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

impl State<'_> {
    fn xml_error(&self, line: u64, message: String) -> CimError {
        CimError::Xml {
            file: self.file.into(),
            line,
            element: self
                .element
                .map_or_else(Box::default, |c| self.raw.class_names[c as usize].clone()),
            message: message.into(),
        }
    }

    fn sym(&mut self, id: &str) -> u32 {
        let (sym, new) = self.ids.intern(id);
        if new {
            self.raw.defs.push(None);
        }
        sym
    }

    fn class_index(&mut self, local: &str) -> u16 {
        if let Some(&c) = self.class_map.get(local) {
            return c;
        }
        let c = u16::try_from(self.raw.class_names.len()).unwrap_or(u16::MAX);
        self.class_map.insert(Box::from(local), c);
        self.raw.class_names.push(Box::from(local));
        c
    }

    fn start(
        &mut self,
        ns: &mut Namespaces,
        e: &BytesStart<'_>,
        line: u64,
        empty: bool,
    ) -> Result<(), CimError> {
        let (space, local) = ns.resolve(e.name(), true);
        if space == NsClass::Unknown {
            let prefix = e
                .name()
                .prefix()
                .map_or("", quick_xml::name::Prefix::into_inner);
            return Err(self.xml_error(
                line,
                format!("unknown namespace prefix {:?}", excerpt(prefix)),
            ));
        }
        match self.depth {
            0 => {
                if self.root_closed {
                    return Err(self.xml_error(line, "a second root element after rdf:RDF".into()));
                }
                if space != NsClass::Rdf || local != "RDF" {
                    return Err(self.xml_error(
                        line,
                        format!("the root element is {:?}, not rdf:RDF", excerpt(local)),
                    ));
                }
                self.root_seen = true;
                self.root_class = self.class_index("RDF");
                self.element = Some(self.root_class);
                if empty {
                    self.root_closed = true;
                    return Ok(());
                }
            }
            1 => {
                let class = self.class_index(local);
                self.element = Some(class);
                let mut id = None;
                for attr in e.attributes() {
                    let attr = attr.map_err(|err| self.xml_error(line, err.to_string()))?;
                    let (ans, alocal) = ns.resolve(attr.key, false);
                    if ans == NsClass::Rdf && matches!(alocal, "ID" | "about") {
                        id = Some(
                            attr.normalized_value(XmlVersion::Implicit1_0)
                                .map_err(|err| self.xml_error(line, err.to_string()))?,
                        );
                    }
                }
                let Some(id) = id.as_deref().map(normalise_id) else {
                    return Err(
                        self.xml_error(line, "an object without rdf:ID or rdf:about".into())
                    );
                };
                if id.is_empty() {
                    return Err(self.xml_error(line, "an object with an empty rdf:ID".into()));
                }
                let kind = if space == NsClass::Cim {
                    kind_of(local)
                } else {
                    Kind::Other
                };
                let sym = self.sym(id);
                if let Some(first) = self.raw.defs[sym as usize] {
                    return Err(CimError::DuplicateId {
                        file: self.file.into(),
                        line,
                        element: local.into(),
                        id: excerpt(id).into(),
                        first_element: self.raw.class_names[first.class as usize]
                            .to_string()
                            .into(),
                        first_line: first.line,
                    });
                }
                let cur = Cur::new(kind, class, sym, line);
                if empty {
                    self.finish_object(cur);
                } else {
                    self.cur = Some(cur);
                }
            }
            2 => {
                let Some(cur) = self.cur.as_ref() else {
                    return Err(self.xml_error(line, "a property outside an object".into()));
                };
                if cur.kind != Kind::Other
                    && space == NsClass::Cim
                    && let Some(prop) = prop_of(local)
                {
                    let mut resource = None;
                    for attr in e.attributes() {
                        let attr = attr.map_err(|err| self.xml_error(line, err.to_string()))?;
                        let (ans, alocal) = ns.resolve(attr.key, false);
                        if ans == NsClass::Rdf && alocal == "resource" {
                            resource = Some(
                                attr.normalized_value(XmlVersion::Implicit1_0)
                                    .map_err(|err| self.xml_error(line, err.to_string()))?,
                            );
                        }
                    }
                    if let Some(target) = resource {
                        self.set_reference(prop, normalise_id(&target), local, line)?;
                    } else if empty {
                        self.set_value(prop, "", local, line)?;
                    } else {
                        self.prop = Some((prop, line));
                        self.prop_local.clear();
                        self.prop_local.push_str(local);
                        self.text.clear();
                    }
                }
                if empty {
                    return Ok(());
                }
            }
            _ => {
                if empty {
                    return Ok(());
                }
                // Nested content of a property is not part of the subset: its text is dropped.
                self.prop = None;
            }
        }
        self.depth += 1;
        Ok(())
    }

    fn end(&mut self, line: u64) -> Result<(), CimError> {
        match self.depth {
            0 => return Err(self.xml_error(line, "an end tag without a start tag".into())),
            1 => {
                self.root_closed = true;
                self.element = None;
            }
            2 => {
                if let Some(cur) = self.cur.take() {
                    self.finish_object(cur);
                }
                self.element = Some(self.root_class);
            }
            3 => {
                if let Some((prop, pline)) = self.prop.take() {
                    let text = std::mem::take(&mut self.text);
                    let name = std::mem::take(&mut self.prop_local);
                    let r = self.set_value(prop, &text, &name, pline);
                    self.text = text;
                    self.prop_local = name;
                    r?;
                }
            }
            _ => {}
        }
        self.depth -= 1;
        Ok(())
    }

    fn value_error(&self, attribute: &str, value: &str, line: u64, reason: &str) -> CimError {
        let (element, id) = self.cur.as_ref().map_or_else(
            || (String::new(), String::new()),
            |c| {
                (
                    self.raw.class_names[c.class as usize].to_string(),
                    excerpt(self.id_of(c.sym)),
                )
            },
        );
        CimError::Value {
            file: self.file.into(),
            line,
            element: element.into(),
            id: id.into(),
            attribute: attribute.into(),
            value: excerpt(value).into(),
            reason: reason.into(),
        }
    }

    /// The id of a symbol during the parse.
    fn id_of(&self, sym: u32) -> &str {
        self.ids.ids.get(sym)
    }

    fn set_reference(
        &mut self,
        prop: Prop,
        target: &str,
        attribute: &str,
        line: u64,
    ) -> Result<(), CimError> {
        if target.is_empty() {
            return Err(self.value_error(attribute, target, line, "an empty reference"));
        }
        let sym = self.sym(target);
        let Some(cur) = self.cur.as_mut() else {
            return Ok(());
        };
        match prop {
            Prop::Container => cur.container = sym,
            Prop::Parent => cur.parent = sym,
            Prop::Equipment => cur.equipment = sym,
            Prop::Node => cur.node = sym,
            Prop::EndTerminal => cur.end_terminal = sym,
            _ => {
                return Err(self.value_error(
                    attribute,
                    target,
                    line,
                    "a reference where a value is expected",
                ));
            }
        }
        Ok(())
    }

    fn set_value(
        &mut self,
        prop: Prop,
        text: &str,
        attribute: &str,
        line: u64,
    ) -> Result<(), CimError> {
        let v = text.trim();
        match prop {
            Prop::Name => {
                if self.cur.is_some() {
                    let span = self.raw.push_text(v);
                    if let Some(cur) = self.cur.as_mut() {
                        cur.names.name = Some(span);
                    }
                }
            }
            Prop::Mrid => {
                let id = normalise_id(v);
                if id.is_empty() {
                    return Err(self.value_error(attribute, text, line, "an empty mRID"));
                }
                if self.cur.is_some() {
                    let span = self.raw.push_text(id);
                    if let Some(cur) = self.cur.as_mut() {
                        cur.names.mrid = Some(span);
                    }
                }
            }
            Prop::Container | Prop::Parent | Prop::Equipment | Prop::Node | Prop::EndTerminal => {
                return Err(self.value_error(
                    attribute,
                    text,
                    line,
                    "a value where a reference (rdf:resource) is expected",
                ));
            }
            Prop::Seq | Prop::EndNumber => {
                let n: u32 = v.parse().map_err(|_| {
                    self.value_error(attribute, text, line, "not a whole number ≥ 0")
                })?;
                if let Some(cur) = self.cur.as_mut() {
                    if prop == Prop::Seq {
                        cur.seq = Some(n);
                    } else {
                        cur.end_number = Some(n);
                    }
                }
            }
            Prop::NormalOpen => {
                let b = match v {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => {
                        return Err(self.value_error(
                            attribute,
                            text,
                            line,
                            "not a boolean (true or false)",
                        ));
                    }
                };
                if let Some(cur) = self.cur.as_mut() {
                    cur.normal_open = Some(b);
                }
            }
            Prop::Length | Prop::RatedS | Prop::RatedU | Prop::MaxP | Prop::PFixed => {
                let x: f64 = v
                    .parse()
                    .map_err(|_| self.value_error(attribute, text, line, "not a number"))?;
                let (ok, reason) = match prop {
                    Prop::Length | Prop::RatedU => {
                        (x.is_finite() && x >= 0.0, "not a finite number ≥ 0")
                    }
                    Prop::RatedS => (x.is_finite() && x > 0.0, "not a finite number > 0"),
                    _ => (x.is_finite(), "not a finite number"),
                };
                if !ok {
                    return Err(self.value_error(attribute, text, line, reason));
                }
                // Every one of these is scaled by 1000 (km → m, MVA → kVA, MW → kW).
                if x.abs() > f64::MAX / 1000.0 {
                    return Err(self.value_error(
                        attribute,
                        text,
                        line,
                        "out of range (the value × 1000 is not finite)",
                    ));
                }
                if let Some(cur) = self.cur.as_mut() {
                    let slot = match prop {
                        Prop::Length => &mut cur.length,
                        Prop::RatedS => &mut cur.rated_s,
                        Prop::RatedU => &mut cur.rated_u,
                        Prop::MaxP => &mut cur.max_p,
                        _ => &mut cur.pfixed,
                    };
                    *slot = Some(x);
                }
            }
        }
        Ok(())
    }

    fn finish_object(&mut self, cur: Cur) {
        let raw = &mut self.raw;
        let index = match cur.kind {
            Kind::Node => {
                raw.nodes.push(NodeRec {
                    sym: cur.sym,
                    line: cur.line,
                    names: cur.names,
                    container: cur.container,
                });
                raw.nodes.len() - 1
            }
            Kind::Terminal => {
                raw.terminals.push(TermRec {
                    sym: cur.sym,
                    line: cur.line,
                    equipment: cur.equipment,
                    node: cur.node,
                    seq: cur.seq,
                });
                raw.terminals.len() - 1
            }
            Kind::Device(class) => {
                raw.devices.push(DevRec {
                    sym: cur.sym,
                    line: cur.line,
                    class,
                    class_name: cur.class,
                    names: cur.names,
                    container: cur.container,
                    length_km: cur.length,
                    normal_open: cur.normal_open,
                    rated_s: cur.rated_s,
                    max_p: cur.max_p,
                    pfixed: cur.pfixed,
                });
                raw.devices.len() - 1
            }
            Kind::End => {
                raw.ends.push(EndRec {
                    sym: cur.sym,
                    line: cur.line,
                    transformer: cur.equipment,
                    terminal: cur.end_terminal,
                    end_number: cur.end_number,
                    rated_s: cur.rated_s,
                    rated_u: cur.rated_u,
                });
                raw.ends.len() - 1
            }
            Kind::Container(_) => {
                raw.containers.push(ContRec {
                    names: cur.names,
                    parent: cur.parent,
                });
                raw.containers.len() - 1
            }
            Kind::Other => 0,
        };
        raw.defs[cur.sym as usize] = Some(Def {
            class: cur.class,
            kind: cur.kind,
            index: u32::try_from(index).unwrap_or(NONE),
            line: cur.line,
        });
    }
}
