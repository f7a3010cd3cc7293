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
//! Two implementations share these rules: [`topsis`] works on a [`DecisionMatrix`] with
//! nalgebra (per-row best ranges allowed) and [`topsis_batch`] streams a borrowed
//! [`MatrixView`] in two passes over row chunks on all cores, allocating only the outputs and
//! O(columns) scratch per thread.

use std::num::NonZeroUsize;

use nalgebra::{DMatrix, RowDVector};
use serde::{Deserialize, Serialize};

use super::error::{Result, ScoringError, criterion_label};
use super::matrix::{DecisionMatrix, Direction, MatrixView};
use super::weights::normalised_weights;

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
pub struct TopsisOptions {
    /// The normalisation (default vector).
    pub normalisation: Normalisation,
    /// Compute ranks and percentiles (default true). Ranking sorts the closeness values, which
    /// costs more than the scores themselves for millions of rows.
    pub ranks: bool,
    /// Threads for [`topsis_batch`] (default `None`: the machine's available parallelism, or
    /// one thread under 32,768 rows; an explicit count is used as given, at most one per row).
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
        std::thread::scope(|s| {
            s.spawn(|| left.sort_unstable());
            right.sort_unstable();
        });
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
    if directions.len() != cols {
        return Err(ScoringError::ShapeMismatch {
            what: "directions".into(),
            expected: cols,
            found: directions.len(),
        });
    }
    if weights.len() != cols {
        return Err(ScoringError::ShapeMismatch {
            what: "weights".into(),
            expected: cols,
            found: weights.len(),
        });
    }
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

/// TOPSIS on a decision matrix, with nalgebra (per-row best ranges of interval criteria
/// honoured). `weights` are in column order.
///
/// # Errors
/// [`ScoringError::ShapeMismatch`], [`ScoringError::InvalidWeight`],
/// [`ScoringError::ZeroWeights`], [`ScoringError::Overflow`].
///
/// # Example
///
/// ```
/// use gridserve_core::scoring::{topsis, Criterion, DecisionMatrix, Direction, TopsisOptions};
/// let m = DecisionMatrix::from_columns(
///     vec!["A".into(), "B".into(), "C".into()],
///     vec![
///         Criterion::new("load_factor", "1", Direction::Benefit),
///         Criterion::new("loss_rate", "1", Direction::Cost),
///     ],
///     vec![vec![0.8, 0.6, 0.4], vec![0.02, 0.02, 0.05]],
/// )?;
/// let r = topsis(&m, &[0.5, 0.5], &TopsisOptions::default())?;
/// assert_eq!(r.rank, vec![1, 2, 3]);
/// // A is best on both criteria: at the ideal, so C = 1.
/// assert_eq!(r.closeness[0], 1.0);
/// assert_eq!(r.closeness[2], 0.0);
/// # Ok::<(), gridserve_core::scoring::ScoringError>(())
/// ```
pub fn topsis(
    matrix: &DecisionMatrix,
    weights: &[f64],
    options: &TopsisOptions,
) -> Result<TopsisResult> {
    let (n, m) = (matrix.rows(), matrix.cols());
    let names = matrix.criterion_names();
    let directions = matrix.directions();
    let w = check_inputs(n, m, &directions, weights, Some(&names))?;
    let mut v = DMatrix::from_column_slice(n, m, matrix.values());
    let mut ideal = RowDVector::zeros(m);
    let mut anti = RowDVector::zeros(m);
    for (j, dir) in directions.iter().enumerate() {
        let mut col = v.column_mut(j);
        if matches!(dir, Direction::Interval { .. }) {
            for (i, x) in col.iter_mut().enumerate() {
                let [lo, hi] = matrix.range_of(i, j).unwrap_or([*x, *x]);
                *x = Direction::interval_deviation(*x, lo, hi);
            }
            let dmax = col.max();
            if !dmax.is_finite() {
                return Err(ScoringError::Overflow {
                    column: j,
                    criterion: criterion_label(Some(&names), j),
                });
            }
            if dmax > 0.0 {
                col.apply(|x| *x = 1.0 - *x / dmax);
            } else {
                col.fill(1.0);
            }
        }
        let scale = match options.normalisation {
            Normalisation::Vector => {
                let mut norm = col.norm();
                let amax = col.amax();
                if (!norm.is_finite() || norm == 0.0) && amax > 0.0 && amax.is_finite() {
                    // Rescale: the squares overflowed or underflowed.
                    norm = amax * (col.unscale(amax)).norm();
                }
                if norm > 0.0 { 1.0 / norm } else { 0.0 }
            }
            Normalisation::MinMax => {
                let (lo, hi) = (col.min(), col.max());
                let range = hi - lo;
                if range > 0.0 {
                    col.add_scalar_mut(-lo);
                    1.0 / range
                } else {
                    0.0
                }
            }
        };
        let wj = w.get(j).copied().unwrap_or(0.0);
        let factor = wj * scale;
        if !factor.is_finite() {
            return Err(ScoringError::Overflow {
                column: j,
                criterion: criterion_label(Some(&names), j),
            });
        }
        if factor == 0.0 {
            // Zero weight, all-zero or constant column: no contribution.
            col.fill(0.0);
        } else {
            col.scale_mut(factor);
        }
        let (hi, lo) = (col.max(), col.min());
        let (a_plus, a_minus) = match dir {
            Direction::Cost => (lo, hi),
            Direction::Benefit | Direction::Interval { .. } => (hi, lo),
        };
        ideal[j] = a_plus;
        anti[j] = a_minus;
    }
    let mut d_plus = Vec::with_capacity(n);
    let mut d_minus = Vec::with_capacity(n);
    let mut closeness = Vec::with_capacity(n);
    for row in v.row_iter() {
        let dp = (row - &ideal).norm();
        let dm = (row - &anti).norm();
        d_plus.push(dp);
        d_minus.push(dm);
        closeness.push(closeness_of(dp, dm));
    }
    let degenerate = ideal == anti;
    finish(d_plus, d_minus, closeness, degenerate, options.ranks)
}

// ---------------------------------------------------------------------------------------------
// Batch path.

/// Per-column transform: t = x, or t = distance from [lo, hi].
#[derive(Debug, Clone, Copy)]
enum Tf {
    Plain,
    Dev(f64, f64),
}

impl Tf {
    #[inline(always)]
    fn t(self, x: f64) -> f64 {
        match self {
            Self::Plain => x,
            Self::Dev(lo, hi) => deviation(x, lo, hi),
        }
    }
}

/// [`Direction::interval_deviation`] without branches (lo ≤ hi, so at most one term is
/// positive): the same value for every x, ±∞ and NaN included, but it vectorises and does
/// not mispredict on data that falls on both sides of the range.
#[inline(always)]
fn deviation(x: f64, lo: f64, hi: f64) -> f64 {
    (lo - x).max(0.0) + (x - hi).max(0.0)
}

#[derive(Debug, Clone, Copy)]
struct Stats {
    /// A NaN or infinite value was seen.
    bad: bool,
    min: f64,
    max: f64,
    sumsq: f64,
}

impl Stats {
    const EMPTY: Self = Self {
        bad: false,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        sumsq: 0.0,
    };

    fn merge(&mut self, o: &Self) {
        self.bad |= o.bad;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.sumsq += o.sumsq;
    }
}

/// v = a·t + b, ideal `ap`, anti-ideal `am`.
#[derive(Debug, Clone, Copy)]
struct Coef {
    j: usize,
    tf: Tf,
    a: f64,
    b: f64,
    ap: f64,
    am: f64,
}

fn thread_count(rows: usize, threads: Option<NonZeroUsize>) -> usize {
    match threads {
        Some(t) => t.get().min(rows.max(1)),
        None if rows < 32_768 => 1,
        None => std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(rows),
    }
}

/// Row ranges of `threads` nearly equal chunks.
fn chunks(rows: usize, threads: usize) -> Vec<(usize, usize)> {
    let size = rows.div_ceil(threads.max(1)).max(1);
    (0..rows)
        .step_by(size)
        .map(|s| (s, (s + size).min(rows)))
        .collect()
}

/// Runs `f` on each chunk in its own scoped thread (the last on the calling thread) and
/// returns the results in chunk order.
fn par_map<R: Send, F: Fn(usize, usize) -> R + Sync>(ranges: &[(usize, usize)], f: F) -> Vec<R> {
    let f = &f;
    std::thread::scope(|s| {
        let (last, rest) = match ranges.split_last() {
            Some(x) => x,
            None => return Vec::new(),
        };
        let handles: Vec<_> = rest
            .iter()
            .map(|&(a, b)| s.spawn(move || f(a, b)))
            .collect();
        let tail = f(last.0, last.1);
        let mut out: Vec<R> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect();
        out.push(tail);
        out
    })
}

fn stats_chunk(view: &MatrixView<'_>, tfs: &[Tf], a: usize, b: usize) -> Vec<Stats> {
    let m = tfs.len();
    let mut st = vec![Stats::EMPTY; m];
    if let Some(data) = view.row_major() {
        let rows = data.get(a * m..b * m).unwrap_or(&[]);
        if tfs.iter().all(|t| matches!(t, Tf::Plain)) {
            return row_major_plain_stats(rows, m);
        }
        for row in rows.chunks_exact(m) {
            for ((s, &x), tf) in st.iter_mut().zip(row).zip(tfs) {
                let t = tf.t(x);
                s.bad |= !x.is_finite();
                s.min = s.min.min(t);
                s.max = s.max.max(t);
                s.sumsq += t * t;
            }
        }
    } else {
        for (j, (s, tf)) in st.iter_mut().zip(tfs).enumerate() {
            let col = view.column(j).and_then(|c| c.get(a..b)).unwrap_or(&[]);
            *s = column_stats(col, *tf);
        }
    }
    st
}

/// [`stats_chunk`] of row-major rows whose columns are all plain: the per-column
/// accumulators are zipped with each row (no bounds checks, no per-cell dispatch), and
/// non-finite values are recognised from the results as in [`column_stats`].
fn row_major_plain_stats(rows: &[f64], m: usize) -> Vec<Stats> {
    let mut lo = vec![f64::INFINITY; m];
    let mut hi = vec![f64::NEG_INFINITY; m];
    let mut sq = vec![0.0; m];
    for row in rows.chunks_exact(m) {
        for (((&x, l), h), s) in row
            .iter()
            .zip(lo.iter_mut())
            .zip(hi.iter_mut())
            .zip(sq.iter_mut())
        {
            *l = if x < *l { x } else { *l };
            *h = if x > *h { x } else { *h };
            *s += x * x;
        }
    }
    lo.iter()
        .zip(&hi)
        .zip(&sq)
        .map(|((&min, &max), &sumsq)| Stats {
            // A NaN leaves min/max alone but makes the sum NaN; ±∞ shows in min or max.
            bad: sumsq.is_nan() || !min.is_finite() || !max.is_finite(),
            min,
            max,
            sumsq,
        })
        .collect()
}

/// Lanes of independent accumulators in [`column_stats`]: they break the add/min/max
/// dependency chains so that the loop runs at memory speed instead of FP latency.
const LANES: usize = 8;

fn column_stats(col: &[f64], tf: Tf) -> Stats {
    if let Tf::Dev(..) = tf {
        return dev_column_stats(col, tf);
    }
    // Plain comparisons compile to minpd/maxpd. A NaN leaves min/max alone but turns the sum of
    // squares into NaN, and ±∞ shows in min or max, so `bad` is decided from the results.
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let mut sq = [0.0; LANES];
    let mut blocks = col.chunks_exact(LANES);
    for block in &mut blocks {
        for k in 0..LANES {
            let x = block.get(k).copied().unwrap_or(0.0);
            lo[k] = if x < lo[k] { x } else { lo[k] };
            hi[k] = if x > hi[k] { x } else { hi[k] };
            sq[k] += x * x;
        }
    }
    for (k, &x) in blocks.remainder().iter().enumerate() {
        lo[k] = if x < lo[k] { x } else { lo[k] };
        hi[k] = if x > hi[k] { x } else { hi[k] };
        sq[k] += x * x;
    }
    let min = lo.iter().copied().fold(f64::INFINITY, f64::min);
    let max = hi.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sumsq: f64 = sq.iter().sum();
    Stats {
        bad: sumsq.is_nan() || !min.is_finite() || !max.is_finite(),
        min,
        max,
        sumsq,
    }
}

fn dev_column_stats(col: &[f64], tf: Tf) -> Stats {
    let mut bad = [false; LANES];
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let mut blocks = col.chunks_exact(LANES);
    for block in &mut blocks {
        for k in 0..LANES {
            let x = block.get(k).copied().unwrap_or(0.0);
            let t = tf.t(x);
            bad[k] |= !x.is_finite();
            lo[k] = lo[k].min(t);
            hi[k] = hi[k].max(t);
        }
    }
    for (k, &x) in blocks.remainder().iter().enumerate() {
        let t = tf.t(x);
        bad[k] |= !x.is_finite();
        lo[k] = lo[k].min(t);
        hi[k] = hi[k].max(t);
    }
    Stats {
        bad: bad.iter().any(|&b| b),
        min: lo.iter().copied().fold(f64::INFINITY, f64::min),
        max: hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        sumsq: 0.0,
    }
}

/// Σ over the chunk of f(j, x) for the listed columns (used for the rescaled norm and the
/// interval columns' Σ y²).
fn column_sums(
    view: &MatrixView<'_>,
    cols: &[usize],
    a: usize,
    b: usize,
    f: &(dyn Fn(usize, f64) -> f64 + Sync),
) -> Vec<f64> {
    let mut out = vec![0.0; cols.len()];
    let m = view.cols();
    if let Some(data) = view.row_major() {
        let rows = data.get(a * m..b * m).unwrap_or(&[]);
        for row in rows.chunks_exact(m) {
            for (o, &j) in out.iter_mut().zip(cols) {
                *o += f(j, row.get(j).copied().unwrap_or(0.0));
            }
        }
    } else {
        for (o, &j) in out.iter_mut().zip(cols) {
            let col = view.column(j).and_then(|c| c.get(a..b)).unwrap_or(&[]);
            *o = col.iter().map(|&x| f(j, x)).sum();
        }
    }
    out
}

/// Rows per group of the column-wise distance pass, their sums held in registers.
const ROW_LANES: usize = 8;

/// The distance pass over row-major rows whose active columns are all plain. The
/// coefficients are spread over all `m` columns (an inactive column gets a = b = 0 and ideals
/// 0, adding exactly 0), so each row is zipped with them: no bounds checks, no dispatch.
fn row_major_plain_distances(
    rows: &[f64],
    m: usize,
    coefs: &[Coef],
    dp: &mut [f64],
    dm: &mut [f64],
    cl: &mut [f64],
) {
    // Per column: (a, b, ap, am).
    let mut k = vec![(0.0, 0.0, 0.0, 0.0); m];
    for c in coefs {
        if let Some(slot) = k.get_mut(c.j) {
            *slot = (c.a, c.b, c.ap, c.am);
        }
    }
    let outs = dp.iter_mut().zip(dm.iter_mut()).zip(cl.iter_mut());
    for (row, ((p, q), c)) in rows.chunks_exact(m).zip(outs) {
        let (mut sp, mut sm) = (0.0, 0.0);
        for (&x, &(ca, cb, ap, am)) in row.iter().zip(&k) {
            let v = ca * x + cb;
            let (e, f) = (v - ap, v - am);
            sp += e * e;
            sm += f * f;
        }
        *p = sp.sqrt();
        *q = sm.sqrt();
        *c = closeness_of(*p, *q);
    }
}

fn distances_chunk(
    view: &MatrixView<'_>,
    coefs: &[Coef],
    a: usize,
    dp: &mut [f64],
    dm: &mut [f64],
    cl: &mut [f64],
) {
    let b = a + dp.len();
    let m = view.cols();
    if let Some(data) = view.row_major() {
        let rows = data.get(a * m..b * m).unwrap_or(&[]);
        if coefs.iter().all(|c| matches!(c.tf, Tf::Plain)) {
            row_major_plain_distances(rows, m, coefs, dp, dm, cl);
            return;
        }
        let outs = dp.iter_mut().zip(dm.iter_mut()).zip(cl.iter_mut());
        for (row, ((p, q), cl)) in rows.chunks_exact(m).zip(outs) {
            let (mut sp, mut sm) = (0.0, 0.0);
            for c in coefs {
                let x = row.get(c.j).copied().unwrap_or(0.0);
                let v = c.a * c.tf.t(x) + c.b;
                let (e, f) = (v - c.ap, v - c.am);
                sp += e * e;
                sm += f * f;
            }
            *p = sp.sqrt();
            *q = sm.sqrt();
            *cl = closeness_of(*p, *q);
        }
    } else {
        // Groups of ROW_LANES rows, every column within a group: the two sums of squares of
        // the group stay in registers, so memory traffic is the input read once plus the
        // outputs written once, and nothing is stored per column.
        let cols: Vec<(&[f64], Coef)> = coefs
            .iter()
            .map(|c| {
                let col = view.column(c.j).and_then(|s| s.get(a..b)).unwrap_or(&[]);
                (col, *c)
            })
            .collect();
        let groups = dp
            .chunks_exact_mut(ROW_LANES)
            .zip(dm.chunks_exact_mut(ROW_LANES))
            .zip(cl.chunks_exact_mut(ROW_LANES));
        for (g, ((p, q), c)) in groups.enumerate() {
            let off = g * ROW_LANES;
            let mut sp = [0.0; ROW_LANES];
            let mut sm = [0.0; ROW_LANES];
            for (col, co) in &cols {
                let Some(x) = col
                    .get(off..off + ROW_LANES)
                    .and_then(|x| <&[f64; ROW_LANES]>::try_from(x).ok())
                else {
                    continue;
                };
                let (ca, cb, ap, am) = (co.a, co.b, co.ap, co.am);
                match co.tf {
                    Tf::Plain => {
                        for k in 0..ROW_LANES {
                            let v = ca * x[k] + cb;
                            let (e, f) = (v - ap, v - am);
                            sp[k] += e * e;
                            sm[k] += f * f;
                        }
                    }
                    Tf::Dev(lo, hi) => {
                        for k in 0..ROW_LANES {
                            let v = ca * deviation(x[k], lo, hi) + cb;
                            let (e, f) = (v - ap, v - am);
                            sp[k] += e * e;
                            sm[k] += f * f;
                        }
                    }
                }
            }
            for k in 0..ROW_LANES {
                let (dplus, dminus) = (sp[k].sqrt(), sm[k].sqrt());
                p[k] = dplus;
                q[k] = dminus;
                c[k] = closeness_of(dplus, dminus);
            }
        }
        // The last rows, fewer than a group.
        let done = dp.len() - dp.len() % ROW_LANES;
        for i in done..dp.len() {
            let (mut sp, mut sm) = (0.0, 0.0);
            for (col, co) in &cols {
                let x = col.get(i).copied().unwrap_or(0.0);
                let v = co.a * co.tf.t(x) + co.b;
                let (e, f) = (v - co.ap, v - co.am);
                sp += e * e;
                sm += f * f;
            }
            let (dplus, dminus) = (sp.sqrt(), sm.sqrt());
            dp[i] = dplus;
            dm[i] = dminus;
            cl[i] = closeness_of(dplus, dminus);
        }
    }
}

/// TOPSIS over a borrowed matrix (any [`MatrixView`] layout), for millions of rows.
///
/// Reads the input in place: pass 1 gathers per-column statistics (finiteness, min, max, sum of
/// squares), pass 2 the distances, each over row chunks on `options.threads` threads. Memory:
/// the outputs (3 × n f64, plus n u32 + n f64 with ranks) and O(columns) per thread. Column-
/// major input (or column slices) is the fastest layout: each thread streams whole columns of
/// its chunk. Row-major works at about the same memory traffic with a row-wise inner loop.
/// Summation order depends on the number of chunks, so results may differ from the
/// single-threaded ones in the last bits.
///
/// # Errors
/// As [`topsis`]; non-finite cells are [`ScoringError::NotFinite`] with the first offending
/// row and column.
///
/// # Example
///
/// ```
/// use gridserve_core::scoring::{topsis_batch, Direction, Layout, MatrixView, TopsisOptions};
/// // 4 alternatives × 2 criteria, column-major: energy share in the valley (benefit) and
/// // transformer loss rate (cost).
/// let data = [0.40, 0.30, 0.20, 0.40, 0.010, 0.020, 0.030, 0.010];
/// let view = MatrixView::new(&data, 4, 2, Layout::ColumnMajor)?;
/// let r = topsis_batch(&view, &[Direction::Benefit, Direction::Cost], &[0.6, 0.4], &TopsisOptions::default())?;
/// // Rows 0 and 3 are identical and best: they tie at rank 1 and C = 1.
/// assert_eq!(r.rank, vec![1, 3, 4, 1]);
/// assert_eq!(r.closeness[0], 1.0);
/// assert_eq!(r.percentile, vec![100.0, 100.0 / 3.0, 0.0, 100.0]);
/// # Ok::<(), gridserve_core::scoring::ScoringError>(())
/// ```
pub fn topsis_batch(
    view: &MatrixView<'_>,
    directions: &[Direction],
    weights: &[f64],
    options: &TopsisOptions,
) -> Result<TopsisResult> {
    let n = view.rows();
    let mut d_plus = vec![0.0; n];
    let mut d_minus = vec![0.0; n];
    let mut closeness = vec![0.0; n];
    let degenerate = topsis_batch_into(
        view,
        directions,
        weights,
        options,
        TopsisOutputs {
            d_plus: &mut d_plus,
            d_minus: &mut d_minus,
            closeness: &mut closeness,
        },
    )?;
    finish(d_plus, d_minus, closeness, degenerate, options.ranks)
}

/// The caller's buffers [`topsis_batch_into`] writes, one value per row each.
#[derive(Debug)]
pub struct TopsisOutputs<'a> {
    /// Distance to the ideal, D⁺.
    pub d_plus: &'a mut [f64],
    /// Distance to the anti-ideal, D⁻.
    pub d_minus: &'a mut [f64],
    /// Closeness C = D⁻ / (D⁺ + D⁻).
    pub closeness: &'a mut [f64],
}

/// [`topsis_batch`] writing D⁺, D⁻ and C into buffers the caller owns (for example arrays a
/// Python caller allocated), so that nothing is allocated per call beyond O(columns).
/// `options.ranks` is ignored: rank the closeness with [`rank_descending`] if needed. Returns
/// whether the result is degenerate (no criterion separates the alternatives; every C is 0.5).
///
/// # Errors
/// As [`topsis_batch`], and [`ScoringError::ShapeMismatch`] when a buffer's length is not the
/// number of rows. On error the buffers' contents are unspecified.
pub fn topsis_batch_into(
    view: &MatrixView<'_>,
    directions: &[Direction],
    weights: &[f64],
    options: &TopsisOptions,
    out: TopsisOutputs<'_>,
) -> Result<bool> {
    let (n, m) = (view.rows(), view.cols());
    for (what, len) in [
        ("d_plus buffer", out.d_plus.len()),
        ("d_minus buffer", out.d_minus.len()),
        ("closeness buffer", out.closeness.len()),
    ] {
        if len != n {
            return Err(ScoringError::ShapeMismatch {
                what: what.into(),
                expected: n,
                found: len,
            });
        }
    }
    let w = check_inputs(n, m, directions, weights, None)?;
    let tfs: Vec<Tf> = directions
        .iter()
        .map(|d| match *d {
            Direction::Interval { lo, hi } => Tf::Dev(lo, hi),
            _ => Tf::Plain,
        })
        .collect();
    let ranges = chunks(n, thread_count(n, options.threads));

    // Pass 1: column statistics.
    let mut st = vec![Stats::EMPTY; m];
    for part in par_map(&ranges, |a, b| stats_chunk(view, &tfs, a, b)) {
        for (s, p) in st.iter_mut().zip(&part) {
            s.merge(p);
        }
    }
    if st.iter().any(|s| s.bad)
        && let Some((row, column, value)) = view.first_non_finite()
    {
        return Err(ScoringError::NotFinite {
            row,
            column,
            criterion: criterion_label(None, column),
            value,
        });
    }
    for (j, s) in st.iter().enumerate() {
        if !(s.min.is_finite() && s.max.is_finite()) {
            return Err(ScoringError::Overflow {
                column: j,
                criterion: criterion_label(None, j),
            });
        }
    }

    // Vector norms: rescale columns whose Σx² overflowed or underflowed; Σy² of interval
    // columns (y = 1 − d/d_max needs d_max from pass 1).
    let mut norms = vec![0.0; m];
    if options.normalisation == Normalisation::Vector {
        let mut extra: Vec<usize> = Vec::new();
        let mut scale = vec![1.0; m];
        for (j, (s, tf)) in st.iter().zip(&tfs).enumerate() {
            match tf {
                Tf::Plain => {
                    let amax = s.min.abs().max(s.max.abs());
                    if (s.sumsq.is_finite() && s.sumsq > 0.0) || amax == 0.0 {
                        norms[j] = s.sumsq.sqrt();
                    } else {
                        scale[j] = amax;
                        extra.push(j);
                    }
                }
                Tf::Dev(..) => {
                    if s.max > 0.0 {
                        scale[j] = s.max;
                        extra.push(j);
                    }
                }
            }
        }
        if !extra.is_empty() {
            let f = |j: usize, x: f64| -> f64 {
                let (tf, k) = (
                    tfs.get(j).copied().unwrap_or(Tf::Plain),
                    scale.get(j).copied().unwrap_or(1.0),
                );
                let y = match tf {
                    Tf::Plain => x / k,
                    Tf::Dev(..) => 1.0 - tf.t(x) / k,
                };
                y * y
            };
            let mut sums = vec![0.0; extra.len()];
            for part in par_map(&ranges, |a, b| column_sums(view, &extra, a, b, &f)) {
                for (s, p) in sums.iter_mut().zip(&part) {
                    *s += p;
                }
            }
            for (&j, s) in extra.iter().zip(&sums) {
                norms[j] = match tfs.get(j) {
                    Some(Tf::Plain) => scale[j] * s.sqrt(),
                    _ => s.sqrt(),
                };
            }
        }
    }

    // Coefficients v = a·t + b per active column.
    let mut coefs = Vec::with_capacity(m);
    for (j, ((s, tf), dir)) in st.iter().zip(&tfs).zip(directions).enumerate() {
        let wj = w.get(j).copied().unwrap_or(0.0);
        if wj == 0.0 {
            continue;
        }
        let (a, b) = match (tf, options.normalisation) {
            (Tf::Plain, Normalisation::Vector) => {
                if norms[j] == 0.0 {
                    continue;
                }
                (wj / norms[j], 0.0)
            }
            (Tf::Plain, Normalisation::MinMax) => {
                let range = s.max - s.min;
                if range == 0.0 {
                    continue;
                }
                let a = wj / range;
                (a, -a * s.min)
            }
            (Tf::Dev(..), Normalisation::Vector) => {
                // y = 1 − t/d_max, v = w·y/‖y‖.
                let dmax = s.max;
                if dmax == 0.0 || norms[j] == 0.0 {
                    continue;
                }
                let b = wj / norms[j];
                (-b / dmax, b)
            }
            (Tf::Dev(..), Normalisation::MinMax) => {
                // r = (d_max − t)/(d_max − d_min).
                let range = s.max - s.min;
                if range == 0.0 {
                    continue;
                }
                let a = -wj / range;
                (a, -a * s.max)
            }
        };
        if !(a.is_finite() && b.is_finite()) {
            return Err(ScoringError::Overflow {
                column: j,
                criterion: criterion_label(None, j),
            });
        }
        let (v1, v2) = (a * s.min + b, a * s.max + b);
        let (hi, lo) = (v1.max(v2), v1.min(v2));
        let (ap, am) = match dir {
            Direction::Cost => (lo, hi),
            _ => (hi, lo),
        };
        if ap == am {
            // A constant column (v is the same for every row): it adds 0 to both distances.
            continue;
        }
        coefs.push(Coef {
            j,
            tf: *tf,
            a,
            b,
            ap,
            am,
        });
    }

    // Pass 2: distances, written straight into the outputs.
    std::thread::scope(|s| {
        let mut rest = (out.d_plus, out.d_minus, out.closeness);
        let coefs = &coefs;
        for (i, &(a, b)) in ranges.iter().enumerate() {
            let len = b - a;
            let (p, p_rest) = std::mem::take(&mut rest.0).split_at_mut(len);
            let (q, q_rest) = std::mem::take(&mut rest.1).split_at_mut(len);
            let (c, c_rest) = std::mem::take(&mut rest.2).split_at_mut(len);
            rest = (p_rest, q_rest, c_rest);
            if i + 1 == ranges.len() {
                distances_chunk(view, coefs, a, p, q, c);
            } else {
                s.spawn(move || distances_chunk(view, coefs, a, p, q, c));
            }
        }
    });
    Ok(coefs.is_empty())
}
