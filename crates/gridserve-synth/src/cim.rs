//! A network's records written as IEC 61970 CIM RDF/XML (the CGMES equipment profile subset
//! that `gridserve_core::cim` reads), so that tests and benchmarks have CIM files of any size.
//!
//! Written, one object after another (the file streams out as it streams in):
//!
//! - a point → a `ConnectivityNode` named by its asset number;
//! - a segment → an `ACLineSegment` (`Conductor.length` in km) with two `Terminal`s;
//! - a switch → a `Breaker`, `Recloser`, `LoadBreakSwitch`, `Disconnector`, `Fuse` or
//!   `Sectionaliser` (`Switch.normalOpen`) with two `Terminal`s;
//! - a transformer → a `PowerTransformer` with two `PowerTransformerEnd`s (end 1 at 10.5 kV on
//!   the `from` point, end 2 at 0.4 kV on the `to` point, `ratedS` in MVA) and two `Terminal`s;
//! - a source → an `ExternalNetworkInjection` (`maxP` = capacity in MW) with one `Terminal`;
//! - a customer → an `EnergyConsumer` named by its customer number (`pfixed` = load in MW).
//!
//! Element ids are generated (`_P12`, `_L40_T1`, …), names carry the asset numbers, so a file is
//! read back with the names as asset numbers (`AssetId::Name`, the reader's default). What CIM's
//! EQ profile has no place for is not written: in-service flags, protective and remote flags
//! (the reader gives each switch kind its default), transformer models and years, customer
//! names, contracted capacities and contacts.

use std::io::{self, Write};

use gridserve_core::markup::escape as esc;
use gridserve_core::network::records::{NetworkData, SwitchKind};

const HEADER: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" ",
    "xmlns:cim=\"http://iec.ch/TC57/2013/CIM-schema-cim16#\">\n"
);

fn switch_class(kind: SwitchKind) -> &'static str {
    match kind {
        SwitchKind::Breaker => "Breaker",
        SwitchKind::Recloser => "Recloser",
        SwitchKind::LoadBreakSwitch => "LoadBreakSwitch",
        SwitchKind::Disconnector => "Disconnector",
        SwitchKind::Fuse => "Fuse",
        SwitchKind::Sectionalizer => "Sectionaliser",
    }
}

/// Writes the records as CIM RDF/XML.
///
/// # Errors
/// Whatever the writer returns; [`io::ErrorKind::InvalidInput`] if a line, source or customer
/// names a point the records do not have.
pub fn write_cim<W: Write>(data: &NetworkData, out: W) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    let mut node_of = std::collections::HashMap::with_capacity(data.points.len());
    w.write_all(HEADER.as_bytes())?;
    for (i, p) in data.points.iter().enumerate() {
        node_of.insert(p.asset.as_str(), i);
        writeln!(
            w,
            "  <cim:ConnectivityNode rdf:ID=\"_P{i}\"><cim:IdentifiedObject.name>{}</cim:IdentifiedObject.name></cim:ConnectivityNode>",
            esc(&p.asset)
        )?;
    }
    let node = |asset: &str| -> io::Result<usize> {
        node_of.get(asset).copied().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unknown point {asset:?}"),
            )
        })
    };
    let terminal = |w: &mut io::BufWriter<W>, id: &str, n: u32, eq: &str, p: usize| {
        writeln!(
            w,
            "  <cim:Terminal rdf:ID=\"{id}_T{n}\"><cim:Terminal.ConductingEquipment rdf:resource=\"#{eq}\"/><cim:Terminal.ConnectivityNode rdf:resource=\"#_P{p}\"/><cim:ACDCTerminal.sequenceNumber>{n}</cim:ACDCTerminal.sequenceNumber></cim:Terminal>"
        )
    };
    let mut line = 0_usize;
    for s in &data.segments {
        let id = format!("_L{line}");
        line += 1;
        let (a, b) = (node(&s.from)?, node(&s.to)?);
        writeln!(
            w,
            "  <cim:ACLineSegment rdf:ID=\"{id}\"><cim:IdentifiedObject.name>{}</cim:IdentifiedObject.name><cim:Conductor.length>{}</cim:Conductor.length></cim:ACLineSegment>",
            esc(&s.asset),
            s.length_m / 1000.0
        )?;
        terminal(&mut w, &id, 1, &id, a)?;
        terminal(&mut w, &id, 2, &id, b)?;
    }
    for s in &data.switches {
        let id = format!("_L{line}");
        line += 1;
        let (a, b) = (node(&s.from)?, node(&s.to)?);
        let class = switch_class(s.kind);
        writeln!(
            w,
            "  <cim:{class} rdf:ID=\"{id}\"><cim:IdentifiedObject.name>{}</cim:IdentifiedObject.name><cim:Switch.normalOpen>{}</cim:Switch.normalOpen></cim:{class}>",
            esc(&s.asset),
            s.normally_open
        )?;
        terminal(&mut w, &id, 1, &id, a)?;
        terminal(&mut w, &id, 2, &id, b)?;
    }
    for t in &data.transformers {
        let id = format!("_L{line}");
        line += 1;
        let (a, b) = (node(&t.from)?, node(&t.to)?);
        let mva = t.rated_kva / 1000.0;
        writeln!(
            w,
            "  <cim:PowerTransformer rdf:ID=\"{id}\"><cim:IdentifiedObject.name>{}</cim:IdentifiedObject.name></cim:PowerTransformer>",
            esc(&t.asset)
        )?;
        terminal(&mut w, &id, 1, &id, a)?;
        terminal(&mut w, &id, 2, &id, b)?;
        for (n, kv) in [(1, 10.5), (2, 0.4)] {
            writeln!(
                w,
                "  <cim:PowerTransformerEnd rdf:ID=\"{id}_E{n}\"><cim:PowerTransformerEnd.PowerTransformer rdf:resource=\"#{id}\"/><cim:TransformerEnd.Terminal rdf:resource=\"#{id}_T{n}\"/><cim:TransformerEnd.endNumber>{n}</cim:TransformerEnd.endNumber><cim:PowerTransformerEnd.ratedS>{mva}</cim:PowerTransformerEnd.ratedS><cim:PowerTransformerEnd.ratedU>{kv}</cim:PowerTransformerEnd.ratedU></cim:PowerTransformerEnd>"
            )?;
        }
    }
    for (i, s) in data.sources.iter().enumerate() {
        let id = format!("_S{i}");
        let p = node(&s.point)?;
        writeln!(
            w,
            "  <cim:ExternalNetworkInjection rdf:ID=\"{id}\"><cim:IdentifiedObject.name>{}</cim:IdentifiedObject.name><cim:ExternalNetworkInjection.maxP>{}</cim:ExternalNetworkInjection.maxP></cim:ExternalNetworkInjection>",
            esc(&s.asset),
            s.capacity_kva / 1000.0
        )?;
        terminal(&mut w, &id, 1, &id, p)?;
    }
    for (i, c) in data.customers.iter().enumerate() {
        let id = format!("_C{i}");
        let p = node(&c.point)?;
        writeln!(
            w,
            "  <cim:EnergyConsumer rdf:ID=\"{id}\"><cim:IdentifiedObject.name>{}</cim:IdentifiedObject.name><cim:EnergyConsumer.pfixed>{}</cim:EnergyConsumer.pfixed></cim:EnergyConsumer>",
            esc(&c.number),
            c.load_kw / 1000.0
        )?;
        terminal(&mut w, &id, 1, &id, p)?;
    }
    w.write_all(b"</rdf:RDF>\n")?;
    w.flush()
}
