//! Exposure: what every switch carries in the indexed state.

use super::*;

/// How a switch's exposure was determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExposureKind {
    /// The switch is energized and radial: opening it cuts off what is counted.
    Radial,
    /// The switch lies on a loop: opening it alone cuts nothing off.
    Meshed,
    /// The switch is open, faulted or out of service: it carries nothing.
    NotPassing,
    /// The switch passes but is not energized at both ends.
    Deenergized,
}

/// What every switch carries: for each switch, the points, customers and load that opening it
/// alone would cut off in the indexed state. One row per switch, in line-id order (columnar, so
/// it moves to numpy/pandas without reshaping).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    /// The switches.
    pub switches: Vec<LineId>,
    /// How each row was determined.
    pub kinds: Vec<ExposureKind>,
    /// Points cut off.
    pub points: Vec<u32>,
    /// Customers cut off.
    pub customers: Vec<u32>,
    /// Critical customers cut off.
    pub critical_customers: Vec<u32>,
    /// Transformers cut off.
    pub transformers: Vec<u32>,
    /// Load cut off, in kW.
    pub load_kw: Vec<f64>,
}

impl Topology {
    /// For every switch, what opening it alone cuts off in the indexed state, in one pass over
    /// the switches (O(1) each from the prefix sums). Index the normal state for the classic
    /// exposure table.
    #[must_use]
    pub fn exposure(&self) -> Exposure {
        let net = &*self.net;
        let mut x = Exposure::default();
        for l in net.line_ids() {
            if net.line(l).as_switch().is_none() {
                continue;
            }
            let (a, b) = net.line_ends(l);
            let (kind, sums) = if !self.state.line_passes(l) {
                (ExposureKind::NotPassing, ScopeSummary::default())
            } else if self.comp[a.index()] == NONE || self.comp[b.index()] == NONE {
                (ExposureKind::Deenergized, ScopeSummary::default())
            } else {
                let child = if self.parent[b.index()] == l.0 {
                    Some(b.0)
                } else if self.parent[a.index()] == l.0 {
                    Some(a.0)
                } else {
                    None
                };
                match child {
                    Some(v) if self.hangs(v) => {
                        let (c, s, e) = self.subtree(v);
                        (ExposureKind::Radial, self.comps[c as usize].sums(s, e))
                    }
                    _ => (ExposureKind::Meshed, ScopeSummary::default()),
                }
            };
            x.switches.push(l);
            x.kinds.push(kind);
            x.points.push(sums.points as u32);
            x.customers.push(sums.customers as u32);
            x.critical_customers.push(sums.critical_customers as u32);
            x.transformers.push(sums.transformers as u32);
            x.load_kw.push(sums.load_kw);
        }
        x
    }
}
