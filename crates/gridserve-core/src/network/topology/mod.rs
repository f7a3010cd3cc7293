//! The compiled index of a network in one state, and the queries it answers.
//!
//! Every energized part of the network (a *component*: the points one or more sources reach
//! through passing lines) is numbered in depth-first order from its sources, so that the points
//! downstream of any line or point are one contiguous range of that numbering. Per-component
//! prefix sums then give the points, customers, critical customers, transformers and load of any
//! downstream range in O(1), and listing it costs O(answer). The same depth-first pass computes
//! low-links, so every tree line knows whether it is a bridge (its removal cuts its subtree off)
//! or lies on a loop (meshed: a closed tie or parallel line feeds the subtree another way).
//!
//! A scope query first cuts the ranges below every removed line, point or source. Ranges below
//! bridges are lost whole. Ranges on loops, and any query that also closes or restores something,
//! are settled by a search confined to the cut ranges (plus any de-energized area the closing
//! reaches), so the answer stays exact on meshed networks while the work stays proportional to
//! the affected part. Applying operations rebuilds only the components they touch.

//!
//! The index is built and kept current in `index` (numbering, `apply`), scope queries
//! live in `scope`, faults and planned outages in `fault`, switch exposure in `exposure` and
//! the many-scenario batch in `batch`.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::error::NetworkError;
use super::model::{ElementId, LineId, Network, PointId, SourceId};
use super::scope::{Scope, ScopeSummary, Trip};
use super::state::{Bits, Condition, NetworkState, Operation};

mod batch;
mod exposure;
mod fault;
mod index;
mod scope;

pub use batch::UnsuppliedBatch;
pub use exposure::{Exposure, ExposureKind};
pub use fault::{FaultOutcome, PlannedOutage};
pub use index::Applied;

pub(crate) const NONE: u32 = u32::MAX;
/// Marks a parent/protector code that names a source rather than a line.
pub(crate) const SRC: u32 = 1 << 31;

static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

fn next_version() -> u64 {
    NEXT_VERSION.fetch_add(1, Ordering::Relaxed)
}

/// One energized component: its depth-first order and prefix sums.
#[derive(Debug, Clone, Default)]
pub(crate) struct Component {
    /// `order[t]` is the point with local number `t` (1-based; `order[0]` is unused).
    pub(crate) order: Vec<u32>,
    pub(crate) pre_customers: Vec<u32>,
    pub(crate) pre_critical: Vec<u32>,
    pub(crate) pre_transformers: Vec<u32>,
    /// Non-tree passing lines (and extra sources) attributed to their deeper end.
    pub(crate) pre_loops: Vec<u32>,
    pub(crate) pre_load_kw: Vec<f64>,
    /// Every passing source in the component, the root source first.
    pub(crate) sources: Vec<u32>,
    /// What closes each loop: passing lines not in the depth-first tree, and extra sources
    /// (coded `SRC | source`).
    pub(crate) loop_lines: Vec<u32>,
    /// Cut-space labels of meshed components (empty when radial): every loop closer gets a
    /// pseudo-random 64-bit label XOR-ed into both of its ends (one end for an extra source,
    /// whose other end is the virtual root); `pre_xor[t]` is the XOR of those up to local
    /// number `t`, so the label of the tree line above a point is the XOR over its subtree:
    /// the XOR of the labels of the loops through that line. A set of lines contains a cut
    /// only if some non-empty subset of their labels XORs to zero.
    pub(crate) pre_xor: Vec<u64>,
}

/// The cut-space label of a loop closer (a non-tree line code or `SRC | source`).
pub(crate) fn loop_label(code: u32) -> u64 {
    crate::rng::SplitMix64::new(u64::from(code) ^ 0x005E_ED0F_C07C_0DE5).next_u64() | 1
}

impl Component {
    fn len(&self) -> u32 {
        self.order.len() as u32 - 1
    }

    /// Sums over local numbers `start..=end`.
    pub(crate) fn sums(&self, start: u32, end: u32) -> ScopeSummary {
        let (a, b) = ((start - 1) as usize, end as usize);
        ScopeSummary {
            points: (b - a),
            customers: (self.pre_customers[b] - self.pre_customers[a]) as usize,
            critical_customers: (self.pre_critical[b] - self.pre_critical[a]) as usize,
            transformers: (self.pre_transformers[b] - self.pre_transformers[a]) as usize,
            load_kw: self.pre_load_kw[b] - self.pre_load_kw[a],
            restored_points: 0,
        }
    }

    fn heap_bytes(&self) -> usize {
        self.order.capacity() * 4
            + (self.pre_customers.capacity()
                + self.pre_critical.capacity()
                + self.pre_transformers.capacity()
                + self.pre_loops.capacity())
                * 4
            + (self.pre_load_kw.capacity() + self.pre_xor.capacity()) * 8
            + (self.sources.capacity() + self.loop_lines.capacity()) * 4
    }
}

/// A network compiled for fast queries in one state.
///
/// ```
/// use std::sync::Arc;
/// use gridserve_core::network::{Network, Topology, Operation};
/// use gridserve_synth as synth;
///
/// let net = Arc::new(Network::from_data(&synth::generate(&synth::SynthConfig::with_points(2_000, 7)))?);
/// let topo = Topology::normal(net.clone());
/// let breaker = net.line_ids().find(|&l| net.line(l).is_protective()).unwrap();
/// let scope = topo.scope(&[Operation::open(breaker)])?;
/// assert!(scope.summary().points > 0);
/// # Ok::<(), gridserve_core::network::NetworkError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Topology {
    net: Arc<Network>,
    state: NetworkState,
    version: u64,
    comp: Vec<u32>,
    tin: Vec<u32>,
    size: Vec<u32>,
    /// Whether everything below the point hangs on its parent line alone (low-link ≥ number).
    hangs: Bits,
    parent: Vec<u32>,
    protector: Vec<u32>,
    comps: Vec<Component>,
    free: Vec<u32>,
}

fn decode_trip(code: u32) -> Option<Trip> {
    match code {
        NONE => None,
        c if c & SRC != 0 => Some(Trip::Source(SourceId(c & !SRC))),
        c => Some(Trip::Switch(LineId(c))),
    }
}
