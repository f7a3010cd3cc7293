//! Capacities and loading: how much of its capacity each source and segment carries.
//!
//! A source's capacity is its `capacity_kva`; a segment's limit is its ampacity at the nominal
//! voltage, `√3 × U × I` (`rated_current_a` at [`CapacityOptions::nominal_kv`]); a transformer's
//! limit is its `rated_kva`. Switches carry no rating in the model and are not checked. Loads
//! are the customers' `load_kw`, turned into kVA with [`CapacityOptions::power_factor`].
//!
//! Flows follow the depth-first tree of the [`Topology`]: the flow through the line a point
//! hangs from is the load at and below the point. On a radial network that is the exact flow;
//! on a meshed component (a closed tie, two sources) it is the flow of one radial split of it,
//! and a source's share of a component fed by several sources is in proportion to capacity.

use serde::{Deserialize, Serialize};

use super::error::NetworkError;
use super::model::{LineId, LineKind, Network, PointId, SourceId};
use super::topology::{NONE, SRC, Topology};

/// The default power factor of customer load, 0.9: the power-factor standard that applies to
/// most 10 kV industrial customers of 160 kVA and above in the 1983 adjustment tables
/// (`reference/tariff.md`). Override it in [`CapacityOptions`].
pub const DEFAULT_POWER_FACTOR: f64 = 0.9;
/// The default nominal line-to-line voltage of the modelled network, 10 kV (the voltage of the
/// county distribution networks gridserve is built for).
pub const DEFAULT_NOMINAL_KV: f64 = 10.0;
/// The default reserve margin, 10 % of each capacity kept free when load is transferred [M]:
/// a share a dispatcher keeps for load growth during the repair and measurement error.
pub const DEFAULT_RESERVE_MARGIN: f64 = 0.1;

/// How loads and limits are compared. JSON keys are the field names; unknown keys are errors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CapacityOptions {
    /// Power factor of customer load (kW → kVA), in `(0, 1]`.
    pub power_factor: f64,
    /// Nominal line-to-line voltage in kV for segment ampacities, > 0.
    pub nominal_kv: f64,
    /// Share of every capacity kept in reserve when load is added, in `[0, 1)`.
    pub reserve_margin: f64,
}

impl Default for CapacityOptions {
    fn default() -> Self {
        Self {
            power_factor: DEFAULT_POWER_FACTOR,
            nominal_kv: DEFAULT_NOMINAL_KV,
            reserve_margin: DEFAULT_RESERVE_MARGIN,
        }
    }
}

impl CapacityOptions {
    /// Checks the options.
    ///
    /// # Errors
    /// [`NetworkError::InvalidOption`] naming the first option out of range (NaN included).
    pub fn validate(&self) -> Result<(), NetworkError> {
        let checks: [(&'static str, f64, bool, &'static str); 3] = [
            (
                "power_factor",
                self.power_factor,
                self.power_factor > 0.0 && self.power_factor <= 1.0,
                "must be in (0, 1]",
            ),
            (
                "nominal_kv",
                self.nominal_kv,
                self.nominal_kv > 0.0 && self.nominal_kv.is_finite(),
                "must be finite and > 0",
            ),
            (
                "reserve_margin",
                self.reserve_margin,
                (0.0..1.0).contains(&self.reserve_margin),
                "must be in [0, 1)",
            ),
        ];
        for (option, value, ok, reason) in checks {
            if !ok {
                return Err(NetworkError::invalid_option(option, value, reason));
            }
        }
        Ok(())
    }

    /// Apparent power of a load in kW.
    #[must_use]
    pub fn kva(&self, load_kw: f64) -> f64 {
        load_kw / self.power_factor
    }

    /// The limit of a line in kVA, if the model rates it: a segment's ampacity at the nominal
    /// voltage, a transformer's rating.
    #[must_use]
    pub fn line_limit_kva(&self, net: &Network, line: LineId) -> Option<f64> {
        match net.line(line).kind {
            LineKind::Segment(s) => s.rated_current_a.map(|a| 3f64.sqrt() * self.nominal_kv * a),
            LineKind::Transformer(t) => Some(t.rated_kva),
            LineKind::Switch(_) => None,
        }
    }

    /// The usable part of a capacity: `capacity × (1 − reserve_margin)`.
    #[must_use]
    pub fn usable(&self, capacity_kva: f64) -> f64 {
        capacity_kva * (1.0 - self.reserve_margin)
    }
}

/// The loading of one source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SourceLoading {
    /// The source.
    pub source: SourceId,
    /// Load it carries, in kW.
    pub load_kw: f64,
    /// Load it carries, in kVA.
    pub load_kva: f64,
    /// Its capacity, in kVA.
    pub capacity_kva: f64,
    /// `load_kva / capacity_kva`.
    pub utilisation: f64,
}

/// The loading of one rated line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LineLoading {
    /// The line.
    pub line: LineId,
    /// Flow through it, in kVA.
    pub flow_kva: f64,
    /// Its limit, in kVA.
    pub limit_kva: f64,
    /// `flow_kva / limit_kva`.
    pub utilisation: f64,
}

/// The loading of a network in one state: every energized source, and every rated line that
/// carries load.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Loading {
    /// Energized sources, by id.
    pub sources: Vec<SourceLoading>,
    /// Rated lines of the depth-first trees, by id.
    pub lines: Vec<LineLoading>,
}

impl Loading {
    /// Sources loaded beyond their capacity.
    pub fn overloaded_sources(&self) -> impl Iterator<Item = &SourceLoading> {
        self.sources.iter().filter(|s| s.utilisation > 1.0)
    }
    /// Lines loaded beyond their limit.
    pub fn overloaded_lines(&self) -> impl Iterator<Item = &LineLoading> {
        self.lines.iter().filter(|l| l.utilisation > 1.0)
    }
}

impl Topology {
    /// The loading of every energized source and rated line (see the [module
    /// documentation](self)). Work is O(points).
    ///
    /// # Errors
    /// [`NetworkError::InvalidOption`] for options out of range.
    pub fn loading(&self, options: &CapacityOptions) -> Result<Loading, NetworkError> {
        options.validate()?;
        let net = &**self.network();
        let mut out = Loading::default();
        for (_, comp) in self.components() {
            let total_kw = comp.pre_load_kw.last().copied().unwrap_or(0.0);
            let capacity: f64 = comp
                .sources
                .iter()
                .map(|&s| net.source(SourceId(s)).capacity_kva)
                .sum();
            for &s in &comp.sources {
                let cap = net.source(SourceId(s)).capacity_kva;
                let load_kw = if capacity > 0.0 {
                    total_kw * cap / capacity
                } else {
                    0.0
                };
                let load_kva = options.kva(load_kw);
                out.sources.push(SourceLoading {
                    source: SourceId(s),
                    load_kw,
                    load_kva,
                    capacity_kva: cap,
                    utilisation: load_kva / cap,
                });
            }
            for &p in &comp.order[1..] {
                let code = self.parent_code(p);
                if code == NONE || code & SRC != 0 {
                    continue;
                }
                let line = LineId(code);
                let Some(limit_kva) = options.line_limit_kva(net, line) else {
                    continue;
                };
                let flow_kva = options.kva(self.below(p).load_kw);
                out.lines.push(LineLoading {
                    line,
                    flow_kva,
                    limit_kva,
                    utilisation: flow_kva / limit_kva,
                });
            }
        }
        out.sources.sort_unstable_by_key(|s| s.source);
        out.lines.sort_unstable_by_key(|l| l.line);
        Ok(out)
    }

    /// The flow in kVA through the line a point hangs from (the load at and below it), or
    /// `None` if the point is not energized.
    #[must_use]
    pub fn flow_below_kva(&self, point: PointId, options: &CapacityOptions) -> Option<f64> {
        self.is_energized(point)
            .then(|| options.kva(self.below(point.0).load_kw))
    }
}
