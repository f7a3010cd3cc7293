//! The records the builder reads, with their texts borrowed: from [`NetworkData`] (the plain
//! records) or straight from the columns of a table reader, so that a reader need not make a
//! `String` per asset and field. An empty text stands for an absent name.

use super::{Segment, Switch};
use crate::network::records::{ContactRole, Importance, NetworkData, PointKind, TransformerUsage};

/// A point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PointIn<'a> {
    pub(crate) asset: &'a str,
    pub(crate) kind: PointKind,
    pub(crate) name: &'a str,
    pub(crate) in_service: bool,
}

/// A line's asset number and ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ends<'a> {
    pub(crate) asset: &'a str,
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
}

/// A segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SegmentIn<'a> {
    pub(crate) ends: Ends<'a>,
    pub(crate) data: Segment,
    pub(crate) in_service: bool,
}

/// A switch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SwitchIn<'a> {
    pub(crate) ends: Ends<'a>,
    pub(crate) data: Switch,
    pub(crate) in_service: bool,
}

/// A transformer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TransformerIn<'a> {
    pub(crate) ends: Ends<'a>,
    pub(crate) rated_kva: f64,
    pub(crate) model: &'a str,
    pub(crate) year_in_service: Option<u16>,
    pub(crate) usage: TransformerUsage,
    pub(crate) in_service: bool,
}

/// A source.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SourceIn<'a> {
    pub(crate) asset: &'a str,
    pub(crate) point: &'a str,
    pub(crate) name: &'a str,
    pub(crate) capacity_kva: f64,
    pub(crate) in_service: bool,
}

/// A customer; its contacts are `contacts[previous customer's contacts_end..contacts_end]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CustomerIn<'a> {
    pub(crate) number: &'a str,
    pub(crate) name: &'a str,
    pub(crate) point: &'a str,
    pub(crate) contracted_kva: f64,
    pub(crate) load_kw: f64,
    pub(crate) importance: Importance,
    pub(crate) contacts_end: usize,
}

/// A contact.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContactIn<'a> {
    pub(crate) name: &'a str,
    pub(crate) phone: &'a str,
    pub(crate) role: ContactRole,
    pub(crate) level: u8,
}

/// A whole network's records, borrowed.
#[derive(Debug, Clone, Default)]
pub(crate) struct NetworkIn<'a> {
    pub(crate) points: Vec<PointIn<'a>>,
    pub(crate) segments: Vec<SegmentIn<'a>>,
    pub(crate) switches: Vec<SwitchIn<'a>>,
    pub(crate) transformers: Vec<TransformerIn<'a>>,
    pub(crate) sources: Vec<SourceIn<'a>>,
    pub(crate) customers: Vec<CustomerIn<'a>>,
    /// Every customer's contacts, customer after customer, each customer's in the order given.
    pub(crate) contacts: Vec<ContactIn<'a>>,
}

impl<'a> NetworkIn<'a> {
    /// The plain records, borrowed.
    pub(crate) fn from_data(data: &'a NetworkData) -> Self {
        let opt = |s: &'a Option<String>| s.as_deref().unwrap_or("");
        let mut contacts =
            Vec::with_capacity(data.customers.iter().map(|c| c.contacts.len()).sum());
        let customers = data
            .customers
            .iter()
            .map(|c| {
                contacts.extend(c.contacts.iter().map(|k| ContactIn {
                    name: &k.name,
                    phone: &k.phone,
                    role: k.role,
                    level: k.level,
                }));
                CustomerIn {
                    number: &c.number,
                    name: opt(&c.name),
                    point: &c.point,
                    contracted_kva: c.contracted_kva,
                    load_kw: c.load_kw,
                    importance: c.importance,
                    contacts_end: contacts.len(),
                }
            })
            .collect();
        Self {
            points: data
                .points
                .iter()
                .map(|p| PointIn {
                    asset: &p.asset,
                    kind: p.kind,
                    name: opt(&p.name),
                    in_service: p.in_service,
                })
                .collect(),
            segments: data
                .segments
                .iter()
                .map(|s| SegmentIn {
                    ends: Ends {
                        asset: &s.asset,
                        from: &s.from,
                        to: &s.to,
                    },
                    data: Segment {
                        kind: s.kind,
                        length_m: s.length_m,
                        rated_current_a: s.rated_current_a,
                    },
                    in_service: s.in_service,
                })
                .collect(),
            switches: data
                .switches
                .iter()
                .map(|s| SwitchIn {
                    ends: Ends {
                        asset: &s.asset,
                        from: &s.from,
                        to: &s.to,
                    },
                    data: Switch {
                        kind: s.kind,
                        normally_open: s.normally_open,
                        protective: s.protective,
                        remote: s.remote,
                    },
                    in_service: s.in_service,
                })
                .collect(),
            transformers: data
                .transformers
                .iter()
                .map(|t| TransformerIn {
                    ends: Ends {
                        asset: &t.asset,
                        from: &t.from,
                        to: &t.to,
                    },
                    rated_kva: t.rated_kva,
                    model: &t.model,
                    year_in_service: t.year_in_service,
                    usage: t.usage,
                    in_service: t.in_service,
                })
                .collect(),
            sources: data
                .sources
                .iter()
                .map(|s| SourceIn {
                    asset: &s.asset,
                    point: &s.point,
                    name: opt(&s.name),
                    capacity_kva: s.capacity_kva,
                    in_service: s.in_service,
                })
                .collect(),
            customers,
            contacts,
        }
    }

    /// The contacts of the customer at `index`.
    pub(crate) fn contacts_of(&self, index: usize) -> &[ContactIn<'a>] {
        let start = index
            .checked_sub(1)
            .map_or(0, |i| self.customers[i].contacts_end);
        &self.contacts[start..self.customers[index].contacts_end]
    }
}
