//! The second pass: references resolved over the compact records of the first, never over XML.

use super::parse::{ContClass, DevClass, Kind, NONE, Names, Raw};
use super::{AssetId, CimDevice, CimError, CimModel, CimNode, CimOptions, DeviceType};
use crate::error_info::excerpt;

/// How far the container chain (bay → voltage level → substation, feeder → substation) is
/// followed; a longer chain is a cycle or not a CIM containment.
const MAX_CHAIN: usize = 16;

struct Ctx<'a> {
    raw: &'a Raw,
    file: &'a str,
    asset_id: AssetId,
}

impl Ctx<'_> {
    fn mrid(&self, sym: u32, names: &Names) -> String {
        self.raw
            .mrid(names)
            .unwrap_or_else(|| self.raw.ids.get(sym))
            .to_owned()
    }

    fn class_of(&self, sym: u32) -> &str {
        self.raw.defs[sym as usize].map_or("", |d| &self.raw.class_names[d.class as usize])
    }

    /// The asset number of an object under the chosen rule.
    fn asset(&self, sym: u32, names: &Names, line: u64) -> Result<String, CimError> {
        match self.asset_id {
            AssetId::Mrid => Ok(self.mrid(sym, names)),
            AssetId::Name => match self.raw.name(names) {
                Some(name) if !name.is_empty() => Ok(name.to_owned()),
                _ => Err(CimError::Missing {
                    file: self.file.into(),
                    line,
                    element: self.class_of(sym).into(),
                    id: excerpt(&self.mrid(sym, names)).into(),
                    attribute: "IdentifiedObject.name".into(),
                }),
            },
        }
    }

    /// A container's label: its name under [`AssetId::Name`] if it has one, else its mRID.
    fn label(&self, sym: u32, names: &Names) -> String {
        match (self.asset_id, self.raw.name(names)) {
            (AssetId::Name, Some(name)) if !name.is_empty() => name.to_owned(),
            _ => self.mrid(sym, names),
        }
    }

    fn missing(&self, sym: u32, names: Option<&Names>, line: u64, attribute: &str) -> CimError {
        let id = names.map_or_else(|| self.raw.ids.get(sym).to_string(), |n| self.mrid(sym, n));
        CimError::Missing {
            file: self.file.into(),
            line,
            element: self.class_of(sym).into(),
            id: excerpt(&id).into(),
            attribute: attribute.into(),
        }
    }

    fn unknown(
        &self,
        sym: u32,
        line: u64,
        attribute: &str,
        target: u32,
        reason: String,
    ) -> CimError {
        CimError::UnknownReference {
            file: self.file.into(),
            line,
            element: self.class_of(sym).into(),
            id: excerpt(self.raw.ids.get(sym)).into(),
            attribute: attribute.into(),
            target: excerpt(self.raw.ids.get(target)).into(),
            reason: reason.into(),
        }
    }

    /// Why `target` is not an object of the expected class, or `None` if it is one.
    fn wrong_target(
        &self,
        target: u32,
        ok: impl Fn(Kind) -> bool,
        expected: &str,
    ) -> Option<String> {
        match self.raw.defs[target as usize] {
            None => Some("which no object of the file has".to_owned()),
            Some(d) if ok(d.kind) => None,
            Some(d) => Some(format!(
                "which is a {}, not a {expected}",
                self.raw.class_names[d.class as usize]
            )),
        }
    }

    /// The feeder and substation a container chain leads to.
    fn containers(&self, start: u32) -> (Option<String>, Option<String>) {
        let (mut feeder, mut substation) = (None, None);
        let mut sym = start;
        for _ in 0..MAX_CHAIN {
            if sym == NONE {
                break;
            }
            let Some(def) = self.raw.defs[sym as usize] else {
                break;
            };
            let Kind::Container(class) = def.kind else {
                break;
            };
            let c = &self.raw.containers[def.index as usize];
            match class {
                ContClass::Feeder if feeder.is_none() => feeder = Some(self.label(sym, &c.names)),
                ContClass::Substation if substation.is_none() => {
                    substation = Some(self.label(sym, &c.names));
                }
                _ => {}
            }
            sym = c.parent;
        }
        (feeder, substation)
    }
}

fn device_type(class: DevClass) -> DeviceType {
    match class {
        DevClass::Segment => DeviceType::Segment,
        DevClass::Breaker => DeviceType::Breaker,
        DevClass::Recloser => DeviceType::Recloser,
        DevClass::LoadBreakSwitch => DeviceType::LoadBreakSwitch,
        DevClass::Disconnector => DeviceType::Disconnector,
        DevClass::Fuse => DeviceType::Fuse,
        DevClass::Sectionaliser => DeviceType::Sectionalizer,
        DevClass::Jumper => DeviceType::Jumper,
        DevClass::Switch => DeviceType::Switch,
        DevClass::Transformer => DeviceType::Transformer,
        DevClass::Consumer => DeviceType::Consumer,
        DevClass::Source | DevClass::Machine => DeviceType::Source,
    }
}

/// Below this many nodes and devices the model is built on one thread.
const PARALLEL_MIN: usize = 20_000;

/// Resolves the records of the first pass into nodes and devices.
pub(super) fn resolve(raw: &Raw, file: &str, options: &CimOptions) -> Result<CimModel, CimError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let parallel = threads > 1 && raw.nodes.len() + raw.devices.len() >= PARALLEL_MIN;
    resolve_with(raw, file, options, parallel)
}

/// [`resolve`], the nodes and part of the devices built on a second thread when `parallel`:
/// the result and the error (the first in the order of one thread) are the same either way.
pub(super) fn resolve_with(
    raw: &Raw,
    file: &str,
    options: &CimOptions,
    parallel: bool,
) -> Result<CimModel, CimError> {
    let cx = Ctx {
        raw,
        file,
        asset_id: options.asset_id,
    };
    let links = links(&cx, options);
    let (nodes, head, tail) = if parallel {
        // A node costs about half a device (three texts to five or more): the second thread
        // builds the nodes and the first devices, this one the rest.
        let n = raw.devices.len();
        let split = (n / 2).saturating_sub(raw.nodes.len() / 4).min(n);
        std::thread::scope(|s| {
            let other = s.spawn(|| {
                let nodes = build_nodes(&cx);
                let head = match &links {
                    Ok(l) => build_devices(&cx, options, l, 0..split),
                    Err(_) => Ok(Vec::new()),
                };
                (nodes, head)
            });
            let tail = match &links {
                Ok(l) => build_devices(&cx, options, l, split..n),
                Err(_) => Ok(Vec::new()),
            };
            let (nodes, head) = other
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (nodes, head, tail)
        })
    } else {
        let nodes = build_nodes(&cx);
        let devices = match (&nodes, &links) {
            (Ok(_), Ok(l)) => build_devices(&cx, options, l, 0..raw.devices.len()),
            _ => Ok(Vec::new()),
        };
        (nodes, devices, Ok(Vec::new()))
    };
    let nodes = nodes?;
    links?;
    let mut devices = head?;
    devices.extend(tail?);
    Ok(CimModel {
        file: file.to_owned(),
        nodes,
        devices,
    })
}

/// The nodes and their asset numbers.
fn build_nodes(cx: &Ctx<'_>) -> Result<Vec<CimNode>, CimError> {
    let raw = cx.raw;
    let mut nodes = Vec::with_capacity(raw.nodes.len());
    for n in &raw.nodes {
        let (feeder, substation) = cx.containers(n.container);
        nodes.push(CimNode {
            asset: cx.asset(n.sym, &n.names, n.line)?,
            name: raw.name(&n.names).map(str::to_owned),
            mrid: cx.mrid(n.sym, &n.names),
            feeder,
            substation,
            line: n.line,
        });
    }

    Ok(nodes)
}

/// Each device's two first terminals and transformer ends (indices into the records), and
/// its count of ends.
struct Links {
    dev_terms: Vec<[u32; 2]>,
    dev_ends: Vec<[u32; 2]>,
    end_count: Vec<u32>,
}

fn links(cx: &Ctx<'_>, options: &CimOptions) -> Result<Links, CimError> {
    let raw = cx.raw;
    let file = cx.file;
    let accepted = |class: DevClass| class != DevClass::Machine || options.machines_as_sources;
    // Terminals attached to the devices of the subset.
    let mut dev_terms = vec![[NONE; 2]; raw.devices.len()];
    let mut term_count = vec![0_u32; raw.devices.len()];
    for (ti, t) in raw.terminals.iter().enumerate() {
        if t.equipment == NONE {
            return Err(cx.missing(t.sym, None, t.line, "Terminal.ConductingEquipment"));
        }
        let dev = match raw.defs[t.equipment as usize] {
            None => {
                return Err(cx.unknown(
                    t.sym,
                    t.line,
                    "Terminal.ConductingEquipment",
                    t.equipment,
                    "which no object of the file has".into(),
                ));
            }
            Some(d) => match d.kind {
                Kind::Device(class) if accepted(class) => d.index as usize,
                // Equipment outside the subset (or machines not read as sources): skipped.
                Kind::Device(_) | Kind::Other => continue,
                _ => {
                    return Err(cx.unknown(
                        t.sym,
                        t.line,
                        "Terminal.ConductingEquipment",
                        t.equipment,
                        format!(
                            "which is a {}, not conducting equipment",
                            raw.class_names[d.class as usize]
                        ),
                    ));
                }
            },
        };
        if t.node == NONE {
            return Err(cx.missing(t.sym, None, t.line, "Terminal.ConnectivityNode"));
        }
        if let Some(reason) = cx.wrong_target(t.node, |k| k == Kind::Node, "ConnectivityNode") {
            return Err(cx.unknown(t.sym, t.line, "Terminal.ConnectivityNode", t.node, reason));
        }
        let c = term_count[dev] as usize;
        if c < 2 {
            dev_terms[dev][c] = u32::try_from(ti).unwrap_or(NONE);
        }
        term_count[dev] = term_count[dev].saturating_add(1);
    }
    for (di, d) in raw.devices.iter().enumerate() {
        if !accepted(d.class) {
            continue;
        }
        let expected = device_type(d.class).terminals();
        if term_count[di] as usize != expected {
            return Err(CimError::WrongCount {
                file: file.into(),
                line: d.line,
                element: raw.class_names[d.class_name as usize].to_string().into(),
                id: excerpt(&cx.mrid(d.sym, &d.names)).into(),
                what: "terminals",
                count: term_count[di] as usize,
                expected,
            });
        }
    }

    // Transformer ends.
    let mut dev_ends = vec![[NONE; 2]; raw.devices.len()];
    let mut end_count = vec![0_u32; raw.devices.len()];
    for (ei, e) in raw.ends.iter().enumerate() {
        if e.transformer == NONE {
            return Err(cx.missing(e.sym, None, e.line, "PowerTransformerEnd.PowerTransformer"));
        }
        if let Some(reason) = cx.wrong_target(
            e.transformer,
            |k| k == Kind::Device(DevClass::Transformer),
            "PowerTransformer",
        ) {
            return Err(cx.unknown(
                e.sym,
                e.line,
                "PowerTransformerEnd.PowerTransformer",
                e.transformer,
                reason,
            ));
        }
        let dev = raw.defs[e.transformer as usize].map_or(0, |d| d.index as usize);
        let c = end_count[dev] as usize;
        if c < 2 {
            dev_ends[dev][c] = u32::try_from(ei).unwrap_or(NONE);
        }
        end_count[dev] = end_count[dev].saturating_add(1);
    }

    Ok(Links {
        dev_terms,
        dev_ends,
        end_count,
    })
}

/// The devices of `range` (indices into the device records) that are read.
fn build_devices(
    cx: &Ctx<'_>,
    options: &CimOptions,
    links: &Links,
    range: std::ops::Range<usize>,
) -> Result<Vec<CimDevice>, CimError> {
    let raw = cx.raw;
    let file = cx.file;
    let accepted = |class: DevClass| class != DevClass::Machine || options.machines_as_sources;
    let Links {
        dev_terms,
        dev_ends,
        end_count,
    } = links;
    let mut devices = Vec::with_capacity(range.len());
    for di in range {
        let d = &raw.devices[di];
        if !accepted(d.class) {
            continue;
        }
        let kind = device_type(d.class);
        let class = raw.class_names[d.class_name as usize].to_string();
        let mrid = cx.mrid(d.sym, &d.names);
        let terms = dev_terms[di];
        // A node's asset number as the nodes get it (a node that has none fails the nodes,
        // whose error comes first).
        let node_of = |t: u32| -> Result<String, CimError> {
            let node_sym = raw.terminals[t as usize].node;
            let index = raw.defs[node_sym as usize].map_or(0, |def| def.index as usize);
            let n = &raw.nodes[index];
            cx.asset(n.sym, &n.names, n.line)
        };
        let mut rated_kva = None;
        let (node_a, node_b) = match kind {
            DeviceType::Consumer | DeviceType::Source => (node_of(terms[0])?, None),
            DeviceType::Transformer => {
                if end_count[di] != 2 {
                    return Err(CimError::WrongCount {
                        file: file.into(),
                        line: d.line,
                        element: class.into(),
                        id: excerpt(&mrid).into(),
                        what: "ends",
                        count: end_count[di] as usize,
                        expected: 2,
                    });
                }
                let [e0, e1] = dev_ends[di].map(|e| &raw.ends[e as usize]);
                let term_syms = terms.map(|t| raw.terminals[t as usize].sym);
                let mut at = [0_usize; 2];
                for (k, e) in [e0, e1].into_iter().enumerate() {
                    if e.terminal == NONE {
                        return Err(cx.missing(e.sym, None, e.line, "TransformerEnd.Terminal"));
                    }
                    let Some(pos) = term_syms.iter().position(|&s| s == e.terminal) else {
                        return Err(cx.unknown(
                            e.sym,
                            e.line,
                            "TransformerEnd.Terminal",
                            e.terminal,
                            "which is not a terminal of its PowerTransformer".into(),
                        ));
                    };
                    at[k] = pos;
                }
                if at[0] == at[1] {
                    return Err(cx.unknown(
                        e1.sym,
                        e1.line,
                        "TransformerEnd.Terminal",
                        e1.terminal,
                        "which the transformer's other end names too".into(),
                    ));
                }
                // The high-voltage end: the higher ratedU when both are given and differ, else
                // endNumber 1 (CGMES numbers the highest voltage end 1), else the first end.
                let e1_hv = match (e0.rated_u, e1.rated_u) {
                    (Some(u0), Some(u1)) if u0 != u1 => u1 > u0,
                    _ => e1.end_number == Some(1) && e0.end_number != Some(1),
                };
                let (hv, lv, hv_at, lv_at) = if e1_hv {
                    (e1, e0, at[1], at[0])
                } else {
                    (e0, e1, at[0], at[1])
                };
                rated_kva = hv.rated_s.or(lv.rated_s).map(|s| s * 1000.0);
                (node_of(terms[hv_at])?, Some(node_of(terms[lv_at])?))
            }
            _ => {
                let [t0, t1] = terms.map(|t| &raw.terminals[t as usize]);
                let swap = matches!((t0.seq, t1.seq), (Some(a), Some(b)) if a > b);
                let (a, b) = if swap {
                    (terms[1], terms[0])
                } else {
                    (terms[0], terms[1])
                };
                (node_of(a)?, Some(node_of(b)?))
            }
        };
        if kind == DeviceType::Source {
            rated_kva = match d.class {
                DevClass::Machine => d.rated_s,
                _ => d.max_p,
            }
            .map(|p| p * 1000.0);
        }
        let (feeder, substation) = cx.containers(d.container);
        devices.push(CimDevice {
            asset: cx.asset(d.sym, &d.names, d.line)?,
            kind,
            node_a,
            node_b,
            normal_open: kind.is_switch().then(|| d.normal_open.unwrap_or(false)),
            length_m: (kind == DeviceType::Segment)
                .then_some(d.length_km)
                .flatten()
                .map(|km| km * 1000.0),
            rated_kva,
            load_kw: (kind == DeviceType::Consumer)
                .then_some(d.pfixed)
                .flatten()
                .map(|mw| mw * 1000.0),
            feeder,
            substation,
            name: raw.name(&d.names).map(str::to_owned),
            mrid,
            class,
            line: d.line,
        });
    }
    Ok(devices)
}
