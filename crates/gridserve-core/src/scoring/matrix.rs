//! Criteria, their directions, and decision matrices (alternatives × criteria).

use serde::{Deserialize, Serialize};

use super::error::{Result, ScoringError, criterion_label, same_len};

/// Which values of a criterion are better.
///
/// For TOPSIS and the entropy method an interval criterion is first turned into a benefit
/// criterion by the usual interval transformation (see [`Direction::interval_deviation`]):
/// with d_i the distance of x_i from its best range (0 inside it) and d_max the largest d_i of
/// the column, y_i = 1 − d_i / d_max (every y_i = 1 when d_max = 0). With one range for the
/// whole column this is the classic formula
/// y = 1 − max(lo − x, 0, x − hi) / max(lo − min x, max x − hi).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum Direction {
    /// Larger is better.
    Benefit,
    /// Smaller is better.
    Cost,
    /// Best inside `[lo, hi]`; the further outside, the worse.
    Interval {
        /// Lower end of the best range.
        lo: f64,
        /// Upper end of the best range.
        hi: f64,
    },
}

impl Direction {
    /// The distance of `x` from `[lo, hi]`: `lo − x` below, `x − hi` above, 0 inside.
    #[inline]
    #[must_use]
    pub fn interval_deviation(x: f64, lo: f64, hi: f64) -> f64 {
        if x < lo {
            lo - x
        } else if x > hi {
            x - hi
        } else {
            0.0
        }
    }

    /// Parses `"benefit"`, `"cost"` (also `"max"`/`"min"`, `"1"`/`"-1"`).
    ///
    /// # Errors
    /// [`ScoringError::Unknown`] for any other text (intervals need [`Direction::Interval`]).
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "benefit" | "max" | "1" | "+1" => Ok(Self::Benefit),
            "cost" | "min" | "-1" => Ok(Self::Cost),
            _ => Err(ScoringError::Unknown {
                what: "direction",
                name: text.to_owned(),
            }),
        }
    }

    pub(crate) fn check(&self, column: usize, names: Option<&[String]>) -> Result<()> {
        if let Self::Interval { lo, hi } = *self
            && !(lo.is_finite() && hi.is_finite() && lo <= hi)
        {
            return Err(ScoringError::InvalidInterval {
                column,
                criterion: criterion_label(names, column),
                lo,
                hi,
            });
        }
        Ok(())
    }
}

/// The interval transformation with a best range per row: y_i = 1 − d_i / d_max, d_i the
/// distance of `values[i]` from `[lo[i], hi[i]]` (every y = 1 when no value is outside its
/// range). Scoring y as a benefit criterion is what [`topsis`](super::topsis()) and the entropy
/// method do with an interval criterion.
///
/// # Errors
/// [`ScoringError::ShapeMismatch`] for unequal lengths, [`ScoringError::NotFinite`] for a NaN or
/// infinite value or bound (column 0 = values, 1 = lo, 2 = hi), [`ScoringError::InvalidInterval`]
/// for lo > hi, [`ScoringError::Overflow`] when a distance overflows.
///
/// ```
/// use gridserve_core::scoring::matrix::interval_scores;
/// // Distances 0, 0.2, 0.1 → y = 1, 0, 0.5.
/// let y = interval_scores(&[0.5, 0.1, 0.85], &[0.3, 0.3, 0.3], &[0.75, 0.75, 0.75])?;
/// assert!((y[2] - 0.5).abs() < 1e-12 && y[0] == 1.0 && y[1] == 0.0);
/// # Ok::<(), gridserve_core::scoring::ScoringError>(())
/// ```
pub fn interval_scores(values: &[f64], lo: &[f64], hi: &[f64]) -> Result<Vec<f64>> {
    for (what, len) in [("lo", lo.len()), ("hi", hi.len())] {
        same_len(what, values.len(), len)?;
    }
    let mut d = Vec::with_capacity(values.len());
    for (i, ((&x, &l), &h)) in values.iter().zip(lo).zip(hi).enumerate() {
        for (column, v, name) in [(0, x, "value"), (1, l, "lo"), (2, h, "hi")] {
            if !v.is_finite() {
                return Err(ScoringError::NotFinite {
                    row: i,
                    column,
                    criterion: name.into(),
                    value: v,
                });
            }
        }
        if l > h {
            return Err(ScoringError::InvalidInterval {
                column: i,
                criterion: format!("row {i}"),
                lo: l,
                hi: h,
            });
        }
        d.push(Direction::interval_deviation(x, l, h));
    }
    let dmax = d.iter().copied().fold(0.0, f64::max);
    if !dmax.is_finite() {
        return Err(ScoringError::Overflow {
            column: 0,
            criterion: "interval distance".into(),
        });
    }
    if dmax == 0.0 {
        d.fill(1.0);
    } else {
        d.iter_mut().for_each(|t| *t = 1.0 - *t / dmax);
    }
    Ok(d)
}

/// A criterion (an indicator as a column of a decision matrix): name, unit and direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// A unique name (built-in indicators use their snake_case name, e.g. `load_factor`).
    pub name: String,
    /// The unit of the values (`"1"` for ratios).
    pub unit: String,
    /// Which values are better.
    pub direction: Direction,
}

impl Criterion {
    /// A criterion with the given name, unit and direction.
    #[must_use]
    pub fn new(name: impl Into<String>, unit: impl Into<String>, direction: Direction) -> Self {
        Self {
            name: name.into(),
            unit: unit.into(),
            direction,
        }
    }
}

/// How a [`MatrixView`]'s buffer is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Row after row: cell (i, j) at `i * cols + j` (numpy's default, C order).
    RowMajor,
    /// Column after column: cell (i, j) at `j * rows + i` (Fortran order, nalgebra's storage).
    ColumnMajor,
}

#[derive(Debug, Clone, Copy)]
enum Storage<'a> {
    Buffer { data: &'a [f64], layout: Layout },
    Columns(&'a [&'a [f64]]),
}

/// A borrowed alternatives × criteria matrix: one buffer in either layout, or one slice per
/// column. Nothing is copied; the shape is checked once, at construction.
#[derive(Debug, Clone, Copy)]
pub struct MatrixView<'a> {
    storage: Storage<'a>,
    rows: usize,
    cols: usize,
}

impl<'a> MatrixView<'a> {
    /// A view of `rows × cols` values in `data`, laid out as `layout`.
    ///
    /// # Errors
    /// [`ScoringError::ShapeMismatch`] when `data.len() != rows * cols`.
    pub fn new(data: &'a [f64], rows: usize, cols: usize, layout: Layout) -> Result<Self> {
        let expected = rows.checked_mul(cols).ok_or(ScoringError::ShapeMismatch {
            what: "matrix buffer".into(),
            expected: usize::MAX,
            found: data.len(),
        })?;
        same_len("matrix buffer", expected, data.len())?;
        Ok(Self {
            storage: Storage::Buffer { data, layout },
            rows,
            cols,
        })
    }

    /// A view of equal-length column slices.
    ///
    /// # Errors
    /// [`ScoringError::ShapeMismatch`] when the columns differ in length.
    pub fn from_columns(columns: &'a [&'a [f64]]) -> Result<Self> {
        let rows = columns.first().map_or(0, |c| c.len());
        for (j, c) in columns.iter().enumerate() {
            same_len(format_args!("column {j}"), rows, c.len())?;
        }
        Ok(Self {
            storage: Storage::Columns(columns),
            rows,
            cols: columns.len(),
        })
    }

    /// The number of rows (alternatives).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns (criteria).
    #[must_use]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Cell (i, j), or `None` out of range.
    #[inline]
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        if i >= self.rows || j >= self.cols {
            return None;
        }
        match self.storage {
            Storage::Buffer {
                data,
                layout: Layout::RowMajor,
            } => data.get(i * self.cols + j).copied(),
            Storage::Buffer {
                data,
                layout: Layout::ColumnMajor,
            } => data.get(j * self.rows + i).copied(),
            Storage::Columns(c) => c.get(j).and_then(|c| c.get(i)).copied(),
        }
    }

    /// Column `j` as a contiguous slice, when the storage has one (column-major buffer or
    /// column slices).
    #[must_use]
    pub fn column(&self, j: usize) -> Option<&'a [f64]> {
        if j >= self.cols {
            return None;
        }
        match self.storage {
            Storage::Buffer {
                data,
                layout: Layout::ColumnMajor,
            } => data.get(j * self.rows..(j + 1) * self.rows),
            Storage::Columns(c) => c.get(j).copied(),
            Storage::Buffer { .. } => None,
        }
    }

    /// The whole row-major buffer, when the storage is one.
    #[must_use]
    pub fn row_major(&self) -> Option<&'a [f64]> {
        match self.storage {
            Storage::Buffer {
                data,
                layout: Layout::RowMajor,
            } => Some(data),
            _ => None,
        }
    }

    /// The first non-finite cell by row, then column.
    pub(crate) fn first_non_finite(&self) -> Option<(usize, usize, f64)> {
        let mut best: Option<(usize, usize, f64)> = None;
        if let Some(data) = self.row_major() {
            let (i, v) = data.iter().enumerate().find(|(_, v)| !v.is_finite())?;
            return Some((i / self.cols.max(1), i % self.cols.max(1), *v));
        }
        for j in 0..self.cols {
            if let Some(col) = self.column(j)
                && let Some((i, v)) = col.iter().enumerate().find(|(_, v)| !v.is_finite())
                && best.is_none_or(|(bi, _, _)| i < bi)
            {
                best = Some((i, j, *v));
            }
        }
        best
    }
}

/// A decision matrix that owns its data: named alternatives (rows) × criteria (columns), stored
/// column-major (the layout nalgebra uses), every cell finite.
///
/// Interval criteria may carry a best range per row (the transformer load rate's best range
/// depends on each customer's transformer); the column's [`Direction::Interval`] range applies
/// to rows without one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionMatrix {
    alternatives: Vec<String>,
    criteria: Vec<Criterion>,
    /// Column-major values.
    values: Vec<f64>,
    /// Per-column optional per-row best ranges.
    row_ranges: Vec<Option<Vec<[f64; 2]>>>,
}

/// One indicator of one alternative, ready to show in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValue {
    /// The criterion's name.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// Its direction.
    pub direction: Direction,
    /// The value.
    pub value: f64,
    /// The best range that applies to this alternative (interval criteria only).
    pub best_range: Option<[f64; 2]>,
}

impl DecisionMatrix {
    /// An empty matrix over these alternatives; add criteria with [`Self::push_column`].
    ///
    /// # Errors
    /// [`ScoringError::Empty`] when there are no alternatives.
    pub fn new(alternatives: Vec<String>) -> Result<Self> {
        if alternatives.is_empty() {
            return Err(ScoringError::Empty {
                what: "alternatives",
            });
        }
        Ok(Self {
            alternatives,
            criteria: Vec::new(),
            values: Vec::new(),
            row_ranges: Vec::new(),
        })
    }

    /// A matrix from columns (one `Vec` per criterion, in the order of `criteria`).
    ///
    /// # Errors
    /// As [`Self::new`] and [`Self::push_column`].
    pub fn from_columns(
        alternatives: Vec<String>,
        criteria: Vec<Criterion>,
        columns: Vec<Vec<f64>>,
    ) -> Result<Self> {
        same_len("columns", criteria.len(), columns.len())?;
        let mut m = Self::new(alternatives)?;
        for (c, v) in criteria.into_iter().zip(columns) {
            m.push_column(c, &v)?;
        }
        Ok(m)
    }

    /// Adds a criterion (a user's own indicator, for example) with one value per alternative.
    ///
    /// # Errors
    /// [`ScoringError::ShapeMismatch`] for a wrong length, [`ScoringError::NotFinite`] for a NaN
    /// or infinite value, [`ScoringError::DuplicateCriterion`] for a name already used,
    /// [`ScoringError::InvalidInterval`] for a bad best range.
    pub fn push_column(&mut self, criterion: Criterion, values: &[f64]) -> Result<()> {
        let j = self.criteria.len();
        same_len(
            format_args!("column {j} ({})", criterion.name),
            self.alternatives.len(),
            values.len(),
        )?;
        if self.criteria.iter().any(|c| c.name == criterion.name) {
            return Err(ScoringError::DuplicateCriterion {
                name: criterion.name,
            });
        }
        let mut names = self.criterion_names();
        names.push(criterion.name.clone());
        criterion.direction.check(j, Some(&names))?;
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(ScoringError::NotFinite {
                row: i,
                column: j,
                criterion: criterion.name,
                value: *v,
            });
        }
        self.values.extend_from_slice(values);
        self.criteria.push(criterion);
        self.row_ranges.push(None);
        Ok(())
    }

    /// Gives an interval criterion a best range per row.
    ///
    /// # Errors
    /// [`ScoringError::Unknown`] for an unknown criterion, [`ScoringError::ShapeMismatch`] for a
    /// wrong length, [`ScoringError::InvalidInterval`] for a range that is not finite with
    /// lo ≤ hi, or when the criterion is not an interval criterion.
    pub fn set_row_ranges(&mut self, criterion: &str, ranges: Vec<[f64; 2]>) -> Result<()> {
        let j = self.index_of(criterion)?;
        let name = criterion.to_owned();
        same_len(
            format_args!("best ranges of {name}"),
            self.alternatives.len(),
            ranges.len(),
        )?;
        let is_interval = self
            .criteria
            .get(j)
            .is_some_and(|c| matches!(c.direction, Direction::Interval { .. }));
        for [lo, hi] in &ranges {
            if !(is_interval && lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(ScoringError::InvalidInterval {
                    column: j,
                    criterion: name,
                    lo: *lo,
                    hi: *hi,
                });
            }
        }
        if let Some(slot) = self.row_ranges.get_mut(j) {
            *slot = Some(ranges);
        }
        Ok(())
    }

    /// Changes a criterion's direction (per-row ranges are dropped when it stops being an
    /// interval criterion).
    ///
    /// # Errors
    /// [`ScoringError::Unknown`] for an unknown criterion, [`ScoringError::InvalidInterval`]
    /// for a bad range.
    pub fn set_direction(&mut self, criterion: &str, direction: Direction) -> Result<()> {
        let j = self.index_of(criterion)?;
        direction.check(j, Some(&self.criterion_names()))?;
        if let Some(c) = self.criteria.get_mut(j) {
            c.direction = direction;
        }
        if !matches!(direction, Direction::Interval { .. })
            && let Some(slot) = self.row_ranges.get_mut(j)
        {
            *slot = None;
        }
        Ok(())
    }

    /// The position of a criterion.
    ///
    /// # Errors
    /// [`ScoringError::Unknown`] when no criterion has this name.
    pub fn index_of(&self, criterion: &str) -> Result<usize> {
        self.criteria
            .iter()
            .position(|c| c.name == criterion)
            .ok_or_else(|| ScoringError::Unknown {
                what: "criterion",
                name: criterion.to_owned(),
            })
    }

    /// The alternatives' names (rows).
    #[must_use]
    pub fn alternatives(&self) -> &[String] {
        &self.alternatives
    }

    /// The criteria (columns).
    #[must_use]
    pub fn criteria(&self) -> &[Criterion] {
        &self.criteria
    }

    /// The criteria's names.
    #[must_use]
    pub fn criterion_names(&self) -> Vec<String> {
        self.criteria.iter().map(|c| c.name.clone()).collect()
    }

    /// The criteria's directions.
    #[must_use]
    pub fn directions(&self) -> Vec<Direction> {
        self.criteria.iter().map(|c| c.direction).collect()
    }

    /// The number of alternatives.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.alternatives.len()
    }

    /// The number of criteria.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.criteria.len()
    }

    /// The column-major values.
    #[must_use]
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Column `j`'s values.
    #[must_use]
    pub fn column(&self, j: usize) -> Option<&[f64]> {
        let n = self.rows();
        self.values.get(j * n..(j + 1) * n)
    }

    /// A borrowed view of the values.
    #[must_use]
    pub fn view(&self) -> MatrixView<'_> {
        MatrixView {
            storage: Storage::Buffer {
                data: &self.values,
                layout: Layout::ColumnMajor,
            },
            rows: self.rows(),
            cols: self.cols(),
        }
    }

    /// The per-row best ranges of column `j`, if it has them.
    #[must_use]
    pub fn row_ranges(&self, j: usize) -> Option<&[[f64; 2]]> {
        self.row_ranges.get(j).and_then(|r| r.as_deref())
    }

    /// The best range that applies to row `i` of interval column `j`.
    #[must_use]
    pub fn range_of(&self, i: usize, j: usize) -> Option<[f64; 2]> {
        if let Some(r) = self.row_ranges(j).and_then(|r| r.get(i)) {
            return Some(*r);
        }
        match self.criteria.get(j)?.direction {
            Direction::Interval { lo, hi } => Some([lo, hi]),
            _ => None,
        }
    }

    /// Every indicator of alternative `i`, for a report.
    #[must_use]
    pub fn row_values(&self, i: usize) -> Vec<IndicatorValue> {
        self.criteria
            .iter()
            .enumerate()
            .filter_map(|(j, c)| {
                Some(IndicatorValue {
                    name: c.name.clone(),
                    unit: c.unit.clone(),
                    direction: c.direction,
                    value: *self.column(j)?.get(i)?,
                    best_range: self.range_of(i, j),
                })
            })
            .collect()
    }
}
