//! The batch TOPSIS kernel: a borrowed [`MatrixView`] streamed in two passes over row chunks on
//! several threads, allocating only the outputs and O(columns) scratch per thread (see the
//! parent module for the rules both paths share).

use std::num::NonZeroUsize;
use std::sync::Mutex;

use super::{Normalisation, TopsisOptions, TopsisResult, check_inputs, closeness_of, finish};
use crate::scoring::error::{Result, ScoringError, criterion_label, same_len};
use crate::scoring::matrix::{Direction, MatrixView};

/// The most threads one call may ask for ([`TopsisOptions::threads`](super::TopsisOptions)).
pub const MAX_THREADS: usize = 1024;

/// Per-column transform: t = x, or t = distance from [lo, hi].
#[derive(Debug, Clone, Copy)]
pub(super) enum Tf {
    Plain,
    Dev(f64, f64),
}

impl Tf {
    #[inline(always)]
    pub(super) fn t(self, x: f64) -> f64 {
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
pub(super) struct Stats {
    /// A NaN or infinite value was seen.
    pub(super) bad: bool,
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) sumsq: f64,
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

/// v = a·(t − c), ideal `ap`, anti-ideal `am`. The shift c is subtracted before the scale so
/// that a column whose range is small against its values does not cancel (a·t + b with
/// b = −a·min loses the digits that distinguish the rows).
#[derive(Debug, Clone, Copy)]
struct Coef {
    j: usize,
    tf: Tf,
    a: f64,
    c: f64,
    ap: f64,
    am: f64,
}

pub(super) fn thread_count(rows: usize, threads: Option<NonZeroUsize>) -> usize {
    match threads {
        Some(t) => t.get().min(rows.max(1)),
        None if rows < 32_768 => 1,
        None => std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(rows),
    }
}

/// Row ranges of `threads` nearly equal chunks.
pub(super) fn chunks(rows: usize, threads: usize) -> Vec<(usize, usize)> {
    let size = rows.div_ceil(threads.max(1)).max(1);
    (0..rows)
        .step_by(size)
        .map(|s| (s, (s + size).min(rows)))
        .collect()
}

/// Runs `f` on each task in its own scoped thread (the last on the calling thread) and
/// returns the results in task order. A thread the OS refuses to start is not an error: its
/// task runs on the calling thread instead (each task waits in a cell until one side takes
/// it, so nothing is lost when a spawn fails).
fn par_run<T: Send, R: Send, F: Fn(T) -> R + Sync>(tasks: Vec<T>, f: F) -> Vec<R> {
    let cells: Vec<Mutex<Option<T>>> = tasks.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let take = |cell: &Mutex<Option<T>>| {
        cell.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    };
    let f = &f;
    std::thread::scope(|s| {
        let Some((last, rest)) = cells.split_last() else {
            return Vec::new();
        };
        let handles: Vec<_> = rest
            .iter()
            .map(|cell| {
                std::thread::Builder::new()
                    .spawn_scoped(s, move || take(cell).map(f))
                    .ok()
            })
            .collect();
        let tail = take(last).map(f);
        let mut out = Vec::with_capacity(cells.len());
        for (cell, handle) in rest.iter().zip(handles) {
            let r = match handle {
                Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                None => take(cell).map(f),
            };
            out.extend(r);
        }
        out.extend(tail);
        out
    })
}

/// [`par_run`] over row ranges.
pub(super) fn par_map<R: Send, F: Fn(usize, usize) -> R + Sync>(
    ranges: &[(usize, usize)],
    f: F,
) -> Vec<R> {
    par_run(ranges.to_vec(), |(a, b)| f(a, b))
}

pub(super) fn stats_chunk(view: &MatrixView<'_>, tfs: &[Tf], a: usize, b: usize) -> Vec<Stats> {
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
    // Per column: (a, c, ap, am).
    let mut k = vec![(0.0, 0.0, 0.0, 0.0); m];
    for c in coefs {
        if let Some(slot) = k.get_mut(c.j) {
            *slot = (c.a, c.c, c.ap, c.am);
        }
    }
    let outs = dp.iter_mut().zip(dm.iter_mut()).zip(cl.iter_mut());
    for (row, ((p, q), c)) in rows.chunks_exact(m).zip(outs) {
        let (mut sp, mut sm) = (0.0, 0.0);
        for (&x, &(ca, cc, ap, am)) in row.iter().zip(&k) {
            let v = ca * (x - cc);
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
                let v = c.a * (c.tf.t(x) - c.c);
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
                let (ca, cc, ap, am) = (co.a, co.c, co.ap, co.am);
                match co.tf {
                    Tf::Plain => {
                        for k in 0..ROW_LANES {
                            let v = ca * (x[k] - cc);
                            let (e, f) = (v - ap, v - am);
                            sp[k] += e * e;
                            sm[k] += f * f;
                        }
                    }
                    Tf::Dev(lo, hi) => {
                        for k in 0..ROW_LANES {
                            let v = ca * (deviation(x[k], lo, hi) - cc);
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
                let v = co.a * (co.tf.t(x) - co.c);
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
/// As [`topsis`](super::topsis()); non-finite cells are [`ScoringError::NotFinite`] with the first offending
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
/// `options.ranks` is ignored: rank the closeness with [`rank_descending`](super::rank_descending) if needed. Returns
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
    let (w, tfs) = prepare(view, directions, weights, options, &out)?;
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

    apply(
        view,
        &tfs,
        directions,
        &w,
        options.normalisation,
        &st,
        &norms,
        &ranges,
        out,
    )
}

/// The checks both batch drivers make before a pass (output lengths, inputs, the thread
/// option), and the checked weights and each criterion's transform.
pub(super) fn prepare(
    view: &MatrixView<'_>,
    directions: &[Direction],
    weights: &[f64],
    options: &TopsisOptions,
    out: &TopsisOutputs<'_>,
) -> Result<(Vec<f64>, Vec<Tf>)> {
    let (n, m) = (view.rows(), view.cols());
    for (what, len) in [
        ("d_plus buffer", out.d_plus.len()),
        ("d_minus buffer", out.d_minus.len()),
        ("closeness buffer", out.closeness.len()),
    ] {
        same_len(what, n, len)?;
    }
    let w = check_inputs(n, m, directions, weights, None)?;
    if let Some(t) = options.threads
        && t.get() > MAX_THREADS
    {
        return Err(ScoringError::InvalidOption {
            option: "threads",
            value: t.get() as f64,
            problem: "is more than the 1024 threads a call may use",
        });
    }
    let tfs = directions
        .iter()
        .map(|d| match *d {
            Direction::Interval { lo, hi } => Tf::Dev(lo, hi),
            _ => Tf::Plain,
        })
        .collect();
    Ok((w, tfs))
}

/// The coefficients from the column statistics and norms, then pass 2: the distances, written
/// straight into the outputs. Returns whether the result is degenerate.
#[allow(clippy::too_many_arguments)]
pub(super) fn apply(
    view: &MatrixView<'_>,
    tfs: &[Tf],
    directions: &[Direction],
    w: &[f64],
    normalisation: Normalisation,
    st: &[Stats],
    norms: &[f64],
    ranges: &[(usize, usize)],
    out: TopsisOutputs<'_>,
) -> Result<bool> {
    // Coefficients v = a·(t − c) per active column.
    let mut coefs = Vec::with_capacity(st.len());
    for (j, ((s, tf), dir)) in st.iter().zip(tfs).zip(directions).enumerate() {
        let wj = w.get(j).copied().unwrap_or(0.0);
        if wj == 0.0 {
            continue;
        }
        let (a, c) = match (tf, normalisation) {
            (Tf::Plain, Normalisation::Vector) => {
                if norms[j] == 0.0 {
                    continue;
                }
                (wj / norms[j], 0.0)
            }
            (Tf::Plain, Normalisation::MinMax) => {
                // r = (x − min)/(max − min).
                let range = s.max - s.min;
                if range == 0.0 {
                    continue;
                }
                (wj / range, s.min)
            }
            (Tf::Dev(..), Normalisation::Vector) => {
                // y = 1 − t/d_max, v = w·y/‖y‖ = −(w/‖y‖/d_max)·(t − d_max).
                let dmax = s.max;
                if dmax == 0.0 || norms[j] == 0.0 {
                    continue;
                }
                (-(wj / norms[j]) / dmax, dmax)
            }
            (Tf::Dev(..), Normalisation::MinMax) => {
                // r = (d_max − t)/(d_max − d_min).
                let range = s.max - s.min;
                if range == 0.0 {
                    continue;
                }
                (-wj / range, s.max)
            }
        };
        if !(a.is_finite() && c.is_finite()) {
            return Err(ScoringError::Overflow {
                column: j,
                criterion: criterion_label(None, j),
            });
        }
        let (v1, v2) = (a * (s.min - c), a * (s.max - c));
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
            c,
            ap,
            am,
        });
    }

    // Pass 2: distances, written straight into the outputs.
    let mut tasks = Vec::with_capacity(ranges.len());
    let mut rest = (out.d_plus, out.d_minus, out.closeness);
    for &(a, b) in ranges {
        let len = b - a;
        let (p, p_rest) = std::mem::take(&mut rest.0).split_at_mut(len);
        let (q, q_rest) = std::mem::take(&mut rest.1).split_at_mut(len);
        let (c, c_rest) = std::mem::take(&mut rest.2).split_at_mut(len);
        rest = (p_rest, q_rest, c_rest);
        tasks.push((a, p, q, c));
    }
    let coefs_ref = &coefs;
    par_run(tasks, |(a, p, q, c)| {
        distances_chunk(view, coefs_ref, a, p, q, c);
    });
    Ok(coefs.is_empty())
}
