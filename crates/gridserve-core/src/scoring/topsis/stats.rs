//! Group statistics, exact and mergeable, for a group scored in parts (files, Dask
//! partitions): [`topsis_stats`] of each part, [`TopsisStats::merge`], then
//! [`topsis_batch_with_stats`] on each part, equal to [`topsis_batch_exact`] on the whole group.

use serde::{Deserialize, Serialize};

#[allow(clippy::wildcard_imports)]
use super::batch::*;
use super::*;
use crate::scoring::error::{Result, ScoringError, criterion_label, same_len};
use crate::scoring::matrix::{Direction, MatrixView};

/// Adds `x` to a nonoverlapping expansion (Shewchuk's algorithm, as Python's `math.fsum`):
/// the expansion's components sum exactly to the sum of everything added.
fn exact_add(partials: &mut Vec<f64>, x: f64) {
    let mut x = x;
    let mut i = 0;
    for j in 0..partials.len() {
        let mut y = partials[j];
        if x.abs() < y.abs() {
            std::mem::swap(&mut x, &mut y);
        }
        let hi = x + y;
        let lo = y - (hi - x);
        if lo != 0.0 {
            partials[i] = lo;
            i += 1;
        }
        x = hi;
    }
    partials.truncate(i);
    partials.push(x);
}

/// The expansion's exact sum rounded once to the nearest `f64` (ties to even), as
/// `math.fsum` rounds it: the same whatever the order the terms were added in.
fn exact_value(partials: &[f64]) -> f64 {
    let mut n = partials.len();
    if n == 0 {
        return 0.0;
    }
    n -= 1;
    let mut hi = partials[n];
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        let y = partials[n - 1];
        n -= 1;
        hi = x + y;
        let yr = hi - x;
        lo = y - yr;
        if lo != 0.0 {
            break;
        }
    }
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        if y == x - hi {
            hi = x;
        }
    }
    hi
}

/// One column's statistics over a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnStats {
    /// Least value (of the distance from the range, for an interval criterion).
    pub min: f64,
    /// Greatest value (idem).
    pub max: f64,
    /// Σ x² as a nonoverlapping expansion: its components sum exactly to Σ x² (plain columns;
    /// empty for interval criteria).
    pub sumsq: Vec<f64>,
    /// The interval criterion's best range, if the column is one.
    pub interval: Option<(f64, f64)>,
}

/// The statistics a TOPSIS score needs from its whole group — per column the least and
/// greatest value and Σ x², exactly — so that a group spread over parts (files, Dask
/// partitions) is scored part by part against the group: [`topsis_stats`] of each part,
/// [`TopsisStats::merge`], then [`topsis_batch_with_stats`] on each part. The sum of squares is
/// kept exact and rounded once, so the result is the same whatever the parts and their order,
/// and equal to [`topsis_batch_exact`] on the whole group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopsisStats {
    /// Rows counted.
    pub rows: u64,
    /// One entry per criterion.
    pub columns: Vec<ColumnStats>,
}

fn interval_of(d: &Direction) -> Option<(f64, f64)> {
    match *d {
        Direction::Interval { lo, hi } => Some((lo, hi)),
        _ => None,
    }
}

impl TopsisStats {
    /// Adds another part's statistics.
    ///
    /// # Errors
    /// [`ScoringError::ShapeMismatch`] if the parts have other criteria.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        let same = self.columns.len() == other.columns.len()
            && self
                .columns
                .iter()
                .zip(&other.columns)
                .all(|(a, b)| a.interval == b.interval);
        if !same {
            return Err(ScoringError::ShapeMismatch {
                what: "criteria of the statistics merged (count and interval ranges)".into(),
                expected: self.columns.len(),
                found: other.columns.len(),
            });
        }
        self.rows += other.rows;
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            a.min = a.min.min(b.min);
            a.max = a.max.max(b.max);
            for &p in &b.sumsq {
                exact_add(&mut a.sumsq, p);
            }
        }
        Ok(())
    }
}

/// The statistics of a part of a group (see [`TopsisStats`]).
///
/// # Errors
/// [`ScoringError::ShapeMismatch`] if `directions` does not have one entry per column, and
/// [`ScoringError::NotFinite`] for the first NaN or infinite cell.
pub fn topsis_stats(view: &MatrixView<'_>, directions: &[Direction]) -> Result<TopsisStats> {
    let (n, m) = (view.rows(), view.cols());
    same_len("directions", m, directions.len())?;
    if let Some((row, column, value)) = view.first_non_finite() {
        return Err(ScoringError::NotFinite {
            row,
            column,
            criterion: criterion_label(None, column),
            value,
        });
    }
    let mut columns: Vec<ColumnStats> = directions
        .iter()
        .map(|d| ColumnStats {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sumsq: Vec::new(),
            interval: interval_of(d),
        })
        .collect();
    for (j, c) in columns.iter_mut().enumerate() {
        let tf = match c.interval {
            Some((lo, hi)) => Tf::Dev(lo, hi),
            None => Tf::Plain,
        };
        let mut each = |x: f64| {
            let t = tf.t(x);
            c.min = c.min.min(t);
            c.max = c.max.max(t);
            if matches!(tf, Tf::Plain) {
                exact_add(&mut c.sumsq, t * t);
            }
        };
        match (view.column(j), view.row_major()) {
            (Some(col), _) => col.iter().copied().for_each(&mut each),
            (None, Some(data)) => data
                .iter()
                .skip(j)
                .step_by(m.max(1))
                .copied()
                .for_each(&mut each),
            (None, None) => {}
        }
    }
    Ok(TopsisStats {
        rows: n as u64,
        columns,
    })
}

/// [`topsis_batch_into`] against a group's statistics instead of this matrix's own (the rows
/// must belong to the group the statistics were made from). Vector normalisation of an
/// interval criterion needs a third pass over the group and is refused here; use min–max
/// normalisation for it.
///
/// # Errors
/// As [`topsis_batch_into`], [`ScoringError::ShapeMismatch`] if the statistics have other
/// criteria, [`ScoringError::InvalidOption`] for vector normalisation of an interval
/// criterion, and [`ScoringError::Overflow`] for a column whose Σ x² overflows.
pub fn topsis_batch_with_stats(
    view: &MatrixView<'_>,
    directions: &[Direction],
    weights: &[f64],
    stats: &TopsisStats,
    options: &TopsisOptions,
    out: TopsisOutputs<'_>,
) -> Result<bool> {
    let (n, m) = (view.rows(), view.cols());
    let (w, tfs) = super::batch::prepare(view, directions, weights, options, &out)?;
    let matches = stats.columns.len() == m
        && stats
            .columns
            .iter()
            .zip(directions)
            .all(|(c, d)| c.interval == interval_of(d));
    if !matches {
        return Err(ScoringError::ShapeMismatch {
            what: "criteria of the statistics (count and interval ranges)".into(),
            expected: m,
            found: stats.columns.len(),
        });
    }
    if let Some((row, column, value)) = view.first_non_finite() {
        return Err(ScoringError::NotFinite {
            row,
            column,
            criterion: criterion_label(None, column),
            value,
        });
    }
    let mut st = Vec::with_capacity(m);
    let mut norms = vec![0.0; m];
    for (j, (c, tf)) in stats.columns.iter().zip(&tfs).enumerate() {
        let sumsq = exact_value(&c.sumsq);
        if !(c.min.is_finite() && c.max.is_finite()) && stats.rows > 0 {
            return Err(ScoringError::Overflow {
                column: j,
                criterion: criterion_label(None, j),
            });
        }
        if options.normalisation == Normalisation::Vector {
            match tf {
                Tf::Plain => {
                    if !sumsq.is_finite() {
                        return Err(ScoringError::Overflow {
                            column: j,
                            criterion: criterion_label(None, j),
                        });
                    }
                    norms[j] = sumsq.sqrt();
                }
                Tf::Dev(..) => {
                    return Err(ScoringError::InvalidOption {
                        option: "normalisation",
                        value: f64::NAN,
                        problem: "vector normalisation of an interval criterion needs the whole \
                                  group at once; score with min_max normalisation against \
                                  group statistics",
                    });
                }
            }
        }
        st.push(Stats {
            bad: false,
            min: c.min,
            max: c.max,
            sumsq,
        });
    }
    let ranges = chunks(n, thread_count(n, options.threads));
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

/// TOPSIS of a whole group against its exact statistics ([`topsis_stats`] of the group, then
/// [`topsis_batch_with_stats`]): the result a group scored in parts gives, bit for bit.
///
/// # Errors
/// As [`topsis_batch_with_stats`].
pub fn topsis_batch_exact(
    view: &MatrixView<'_>,
    directions: &[Direction],
    weights: &[f64],
    options: &TopsisOptions,
) -> Result<TopsisResult> {
    let stats = topsis_stats(view, directions)?;
    let n = view.rows();
    let (mut d_plus, mut d_minus, mut closeness) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let degenerate = topsis_batch_with_stats(
        view,
        directions,
        weights,
        &stats,
        options,
        TopsisOutputs {
            d_plus: &mut d_plus,
            d_minus: &mut d_minus,
            closeness: &mut closeness,
        },
    )?;
    finish(d_plus, d_minus, closeness, degenerate, options.ranks)
}

#[cfg(test)]
mod exact_tests {
    use super::*;
    use crate::scoring::matrix::Layout;

    #[test]
    fn exact_sums_do_not_depend_on_order() {
        // 1e16 + 1 − 1e16 is 0 in floating point left to right; the exact sum is 1.
        let mut p = Vec::new();
        for x in [1e16, 1.0, -1e16] {
            exact_add(&mut p, x);
        }
        assert_eq!(exact_value(&p), 1.0);
        let xs: Vec<f64> = (0..1000)
            .map(|k| 0.1 * f64::from(k) + 1e-7 * f64::from(k * k))
            .collect();
        let mut a = Vec::new();
        xs.iter().for_each(|&x| exact_add(&mut a, x));
        let mut b = Vec::new();
        xs.iter().rev().for_each(|&x| exact_add(&mut b, x));
        assert_eq!(exact_value(&a), exact_value(&b));
    }

    #[test]
    fn a_group_scored_in_parts_equals_the_whole_bit_for_bit() {
        // 7 alternatives × 3 criteria (benefit, cost, benefit), column-major.
        let rows = 7;
        let data: Vec<f64> = (0..21)
            .map(|k| 1.0 + 0.37 * f64::from(k) + 1e-9 * f64::from(k * k * k))
            .collect();
        let dirs = [Direction::Benefit, Direction::Cost, Direction::Benefit];
        let weights = [0.5, 0.3, 0.2];
        for normalisation in [Normalisation::Vector, Normalisation::MinMax] {
            let options = TopsisOptions {
                normalisation,
                ranks: false,
                threads: None,
            };
            let whole = MatrixView::new(&data, rows, 3, Layout::ColumnMajor).unwrap();
            let expected = topsis_batch_exact(&whole, &dirs, &weights, &options).unwrap();
            // Parts of 3 and 4 rows, in the opposite order.
            let part = |a: usize, b: usize| -> Vec<f64> {
                (0..3)
                    .flat_map(|j| data[j * rows + a..j * rows + b].to_vec())
                    .collect()
            };
            let (p1, p2) = (part(0, 3), part(3, 7));
            let v1 = MatrixView::new(&p1, 3, 3, Layout::ColumnMajor).unwrap();
            let v2 = MatrixView::new(&p2, 4, 3, Layout::ColumnMajor).unwrap();
            let mut stats = topsis_stats(&v2, &dirs).unwrap();
            stats.merge(&topsis_stats(&v1, &dirs).unwrap()).unwrap();
            let mut got = Vec::new();
            for v in [&v1, &v2] {
                let n = v.rows();
                let (mut p, mut q, mut c) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                topsis_batch_with_stats(
                    v,
                    &dirs,
                    &weights,
                    &stats,
                    &options,
                    TopsisOutputs {
                        d_plus: &mut p,
                        d_minus: &mut q,
                        closeness: &mut c,
                    },
                )
                .unwrap();
                got.extend(c);
            }
            assert_eq!(got, expected.closeness, "{normalisation:?}");
            // And within rounding of the default kernel (which sums in chunk order).
            let fast = topsis_batch(&whole, &dirs, &weights, &options).unwrap();
            for (a, b) in fast.closeness.iter().zip(&expected.closeness) {
                assert!((a - b).abs() <= 1e-14, "{a} {b}");
            }
        }
    }

    #[test]
    fn both_drivers_refuse_the_same_bad_calls() {
        // 2 alternatives × 1 criterion; a short buffer and too many threads are refused by the
        // group-statistics driver as by the matrix's own.
        let data = [1.0, 2.0];
        let view = MatrixView::new(&data, 2, 1, Layout::ColumnMajor).unwrap();
        let dirs = [Direction::Benefit];
        let stats = topsis_stats(&view, &dirs).unwrap();
        let run = |threads: Option<usize>, len: usize, with_stats: bool| {
            let options = TopsisOptions {
                normalisation: Normalisation::MinMax,
                ranks: false,
                threads: threads.and_then(std::num::NonZeroUsize::new),
            };
            let (mut p, mut q, mut c) = (vec![0.0; len], vec![0.0; 2], vec![0.0; 2]);
            let out = TopsisOutputs {
                d_plus: &mut p,
                d_minus: &mut q,
                closeness: &mut c,
            };
            if with_stats {
                topsis_batch_with_stats(&view, &dirs, &[1.0], &stats, &options, out)
            } else {
                topsis_batch_into(&view, &dirs, &[1.0], &options, out)
            }
        };
        for with_stats in [false, true] {
            assert!(run(None, 2, with_stats).is_ok());
            assert!(matches!(
                run(Some(1025), 2, with_stats),
                Err(ScoringError::InvalidOption {
                    option: "threads",
                    ..
                })
            ));
            assert!(matches!(
                run(None, 1, with_stats),
                Err(ScoringError::ShapeMismatch { .. })
            ));
        }
    }
}
