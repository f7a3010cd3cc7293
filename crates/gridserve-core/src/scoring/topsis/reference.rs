//! The reference TOPSIS algorithm on a [`DecisionMatrix`], written with nalgebra matrix and
//! vector operations (see the parent module for the rules both paths share).

use nalgebra::{DMatrix, RowDVector};

use super::{Normalisation, TopsisOptions, TopsisResult, check_inputs, closeness_of, finish};
use crate::scoring::error::{Result, ScoringError, criterion_label};
use crate::scoring::matrix::{DecisionMatrix, Direction};

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
