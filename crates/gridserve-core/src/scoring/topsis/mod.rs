//! TOPSIS (Hwang & Yoon 1981): closeness to the ideal solution.
//!
//! For alternatives i and criteria j with weights w (scaled to sum 1 here; the closeness C does
//! not depend on that scale, D⁺ and D⁻ do):
//!
//! 1. Interval criteria become benefit criteria: y = 1 − d/d_max with d the distance from the
//!    best range (see [`Direction`]); a column with d_max = 0 is constant.
//! 2. Normalise each column: vector (default) r = x / √(Σ_i x²), or min-max
//!    r = (x − min)/(max − min). Cost criteria are not flipped here; their ideal is the minimum
//!    instead (flipping, as pymcdm does with 1 − r or (max − x)/(max − min), gives the same
//!    distances).
//! 3. v = w_j · r.
//! 4. Ideal A⁺_j = max_i v_ij for benefit (and interval), min_i v_ij for cost; anti-ideal A⁻_j
//!    the other end.
//! 5. D⁺_i = ‖v_i − A⁺‖₂, D⁻_i = ‖v_i − A⁻‖₂, C_i = D⁻_i / (D⁺_i + D⁻_i) ∈ [0, 1], higher is
//!    better (the `mcdm` crate returns 1 − C).
//!
//! Documented behaviour at the edges (no input gives a silent NaN):
//!
//! - NaN or ±∞ in a cell: [`ScoringError::NotFinite`] naming the row and column.
//! - A constant column (including a single alternative) or an all-zero column: every
//!   alternative has the same v, A⁺ = A⁻, so the column adds 0 to both distances.
//! - A zero weight: the column adds 0. Negative or non-finite weights, or all weights zero:
//!   an error.
//! - D⁺ + D⁻ = 0: only when no column separates the alternatives (every weighted column
//!   constant, one alternative, …). Then every C is 0.5, every rank is 1, and
//!   [`TopsisResult::degenerate`] is true.
//! - Negative values are allowed; with vector normalisation the ideal is still the largest
//!   (benefit) or smallest (cost) weighted value.
//! - Values whose squares or range do not fit in f64 are rescaled; a column that still cannot
//!   be normalised gives [`ScoringError::Overflow`].
//!
//! Ranks: 1 = best (highest C); ties (exactly equal C) share the smallest rank ("competition"
//! ranking: 1, 2, 2, 4). Percentile = 100 · (n − rank) / (n − 1): the share of the other
//! alternatives that this one ranks at or above (100 for the best, 0 for a sole worst; 100 when
//! n = 1).
//!
//! Two implementations share these rules: [`topsis`] works on a [`DecisionMatrix`](super::DecisionMatrix) with
//! nalgebra (per-row best ranges allowed) and [`topsis_batch`] streams a borrowed
//! [`MatrixView`](super::MatrixView) in two passes over row chunks on all cores, allocating only the outputs and
//! O(columns) scratch per thread.
//!
//! The code is split by concern: this file holds the shared types, the input checks and the
//! ranking; `reference.rs` the nalgebra algorithm behind [`topsis`], and `batch.rs` the
//! hand-written two-pass streaming kernel behind [`topsis_batch`].

mod batch;
mod reference;
mod stats;

use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use super::error::{Result, ScoringError, same_len};
use super::matrix::Direction;
use super::weights::normalised_weights;

pub use batch::{MAX_THREADS, TopsisOutputs, topsis_batch, topsis_batch_into};
pub use reference::topsis;
pub use stats::{
    ColumnStats, TopsisStats, topsis_batch_exact, topsis_batch_with_stats, topsis_stats,
};

/// How TOPSIS normalises each column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// r = x / √(Σ x²) (Hwang & Yoon's original; default).
    #[default]
    Vector,
    /// r = (x − min) / (max − min) (pymcdm's default).
    MinMax,
}

impl Normalisation {
    /// Parses `"vector"` or `"min_max"`/`"minmax"`.
    ///
    /// # Errors
    /// [`ScoringError::Unknown`].
    pub fn parse(text: &str) -> Result<Self> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "vector" => Ok(Self::Vector),
            "minmax" => Ok(Self::MinMax),
            _ => Err(ScoringError::Unknown {
                what: "normalisation",
                name: text.to_owned(),
            }),
        }
    }
}

/// Options of [`topsis`] and [`topsis_batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopsisOptions {
    /// The normalisation (default vector).
    pub normalisation: Normalisation,
    /// Compute ranks and percentiles (default true). Ranking sorts the closeness values, which
    /// costs more than the scores themselves for millions of rows.
    pub ranks: bool,
    /// Threads for [`topsis_batch`] (default `None`: the machine's available parallelism, or
    /// one thread under 32,768 rows; an explicit count is used as given, at most one per row
    /// and at most [`MAX_THREADS`], more is [`ScoringError::InvalidOption`]). A thread the
    /// system refuses to start is not an error: its share runs on the calling thread.
    pub threads: Option<NonZeroUsize>,
}

impl Default for TopsisOptions {
    fn default() -> Self {
        Self {
            normalisation: Normalisation::Vector,
            ranks: true,
            threads: None,
        }
    }
}

/// TOPSIS output, one entry per alternative in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopsisResult {
    /// Distance to the ideal, D⁺.
    pub d_plus: Vec<f64>,
    /// Distance to the anti-ideal, D⁻.
    pub d_minus: Vec<f64>,
    /// Closeness C = D⁻ / (D⁺ + D⁻), higher is better.
    pub closeness: Vec<f64>,
    /// Rank, 1 = best; empty when ranks were not requested.
    pub rank: Vec<u32>,
    /// Percentile 0–100 (see the module docs); empty when ranks were not requested.
    pub percentile: Vec<f64>,
    /// True when no criterion separates the alternatives (every C is 0.5).
    pub degenerate: bool,
}

/// One alternative's TOPSIS score, for a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Closeness C (0–1, higher is better).
    pub closeness: f64,
    /// Distance to the ideal.
    pub d_plus: f64,
    /// Distance to the anti-ideal.
    pub d_minus: f64,
    /// Rank among the peers, 1 = best.
    pub rank: u32,
    /// Percentile among the peers (0–100).
    pub percentile: f64,
    /// The number of alternatives scored together.
    pub peers: usize,
}

impl TopsisResult {
    /// The score of alternative `i` (needs ranks).
    #[must_use]
    pub fn score(&self, i: usize) -> Option<Score> {
        Some(Score {
            closeness: *self.closeness.get(i)?,
            d_plus: *self.d_plus.get(i)?,
            d_minus: *self.d_minus.get(i)?,
            rank: *self.rank.get(i)?,
            percentile: *self.percentile.get(i)?,
            peers: self.closeness.len(),
        })
    }
}

/// Rows from which ranking sorts two halves in parallel.
const PARALLEL_SORT_MIN: usize = 1 << 20;

/// A u64 whose unsigned order is the descending `f64::total_cmp` order.
#[inline]
fn descending_key(x: f64) -> u64 {
    let b = x.to_bits();
    let ascending = if b >> 63 == 1 { !b } else { b | (1 << 63) };
    !ascending
}

/// Ranks (1 = highest value, competition ranking for exact ties) and percentiles
/// 100·(n − rank)/(n − 1) of `closeness`.
///
/// # Errors
/// [`ScoringError::ShapeMismatch`] for more than `u32::MAX` values, [`ScoringError::NotFinite`]
/// for a NaN or infinite value.
///
/// Memory: the two outputs plus 16 bytes per value while sorting.
pub fn rank_descending(closeness: &[f64]) -> Result<(Vec<u32>, Vec<f64>)> {
    let n = closeness.len();
    let n32 = u32::try_from(n).map_err(|_| ScoringError::ShapeMismatch {
        what: "alternatives to rank (at most u32::MAX)".into(),
        expected: u32::MAX as usize,
        found: n,
    })?;
    if let Some((row, value)) = closeness.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ScoringError::NotFinite {
            row,
            column: 0,
            criterion: "closeness".into(),
            value: *value,
        });
    }
    // Sort (key, row) pairs, the key a u64 whose unsigned order is descending closeness: the
    // comparisons touch contiguous memory instead of looking each closeness up. Pairs are
    // unique, so the unstable sort is deterministic (ties by row, ascending). Large inputs are
    // sorted in two halves on two threads and merged.
    let mut pairs: Vec<(u64, u32)> = closeness
        .iter()
        .zip(0..n32)
        .map(|(&c, i)| (descending_key(c), i))
        .collect();
    let parallel = n >= PARALLEL_SORT_MIN
        && std::thread::available_parallelism().map_or(1, NonZeroUsize::get) > 1;
    let split = if parallel { n / 2 } else { n };
    if parallel {
        let (left, right) = pairs.split_at_mut(split);
        let spawned = std::thread::scope(|s| {
            let spawned = std::thread::Builder::new()
                .spawn_scoped(s, || left.sort_unstable())
                .is_ok();
            right.sort_unstable();
            spawned
        });
        if !spawned {
            // The system refused the thread: sort everything here (both halves are then
            // sorted too, which is all the merge below needs).
            pairs.sort_unstable();
        }
    } else {
        pairs.sort_unstable();
    }
    let mut order: Vec<u32> = Vec::with_capacity(n);
    let (left, right) = pairs.split_at(split);
    let (mut a, mut b) = (left.iter().peekable(), right.iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => {
                if x <= y {
                    a.next()
                } else {
                    b.next()
                }
            }
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        if let Some(&(_, i)) = next {
            order.push(i);
        }
    }
    drop(pairs);
    let key = |i: u32| {
        closeness
            .get(i as usize)
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    };
    let mut pct = vec![0.0; n];
    let mut group_start = 0usize;
    let mut prev = f64::NAN;
    for (pos, &i) in order.iter().enumerate() {
        let c = key(i);
        if pos == 0 || c != prev {
            group_start = pos;
            prev = c;
        }
        if let Some(slot) = pct.get_mut(i as usize) {
            *slot = (group_start + 1) as f64;
        }
    }
    let denom = n.saturating_sub(1) as f64;
    for (r, p) in order.iter_mut().zip(pct.iter_mut()) {
        let rank = *p;
        *r = rank as u32;
        *p = if n <= 1 {
            100.0
        } else {
            100.0 * (n as f64 - rank) / denom
        };
    }
    Ok((order, pct))
}

fn check_inputs(
    rows: usize,
    cols: usize,
    directions: &[Direction],
    weights: &[f64],
    names: Option<&[String]>,
) -> Result<Vec<f64>> {
    if rows == 0 {
        return Err(ScoringError::Empty {
            what: "alternatives",
        });
    }
    if cols == 0 {
        return Err(ScoringError::Empty { what: "criteria" });
    }
    same_len("directions", cols, directions.len())?;
    same_len("weights", cols, weights.len())?;
    for (j, d) in directions.iter().enumerate() {
        d.check(j, names)?;
    }
    normalised_weights(weights, names)
}

fn finish(
    d_plus: Vec<f64>,
    d_minus: Vec<f64>,
    closeness: Vec<f64>,
    degenerate: bool,
    ranks: bool,
) -> Result<TopsisResult> {
    let (rank, percentile) = if ranks {
        rank_descending(&closeness)?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(TopsisResult {
        d_plus,
        d_minus,
        closeness,
        rank,
        percentile,
        degenerate,
    })
}

#[inline]
fn closeness_of(dp: f64, dm: f64) -> f64 {
    let s = dp + dm;
    if s > 0.0 { dm / s } else { 0.5 }
}
