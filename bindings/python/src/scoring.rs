//! `g1_weights`, `entropy_weights`, `combine_weights`, `topsis`, `compute_indicators`: thin
//! wrappers over `gridserve_core::scoring`, numpy in (without a copy for float64 arrays in C or
//! Fortran order) and numpy out, the computation run with the GIL released.

use std::num::NonZeroUsize;

use gridserve_core::scoring::{
    self, CombineMethod, Direction, EntropyNormalisation, Indicator, IndicatorOptions, Layout,
    MatrixView, NegativeCoefficients, Normalisation, ScoringError, TopsisOptions, TopsisOutputs,
    UsageRecord,
};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors::{IntoPy, invalid_argument};

/// A float64 2-D array borrowed from Python, or a copy when it is not one in C or F order.
struct Matrix<'py> {
    array: PyReadonlyArray2<'py, f64>,
    copied: bool,
}

impl<'py> Matrix<'py> {
    fn extract(py: Python<'py>, obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(array) = obj.extract::<PyReadonlyArray2<'py, f64>>()
            && (array.is_c_contiguous() || array.is_fortran_contiguous())
        {
            return Ok(Self {
                array,
                copied: false,
            });
        }
        // Another dtype, a strided view or a nested list: one copy in Fortran order (the
        // fastest layout for the batch path).
        let np = py.import("numpy")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("dtype", np.getattr("float64")?)?;
        let converted = np.call_method("asfortranarray", (obj,), Some(&kwargs))?;
        let ndim: usize = converted.getattr("ndim")?.extract()?;
        if ndim != 2 {
            return Err(invalid_argument(
                py,
                format!(
                    "matrix must be 2-dimensional (alternatives x criteria), got {ndim} dimensions"
                ),
            ));
        }
        Ok(Self {
            array: converted.extract()?,
            copied: true,
        })
    }

    fn view(&self) -> Result<MatrixView<'_>, ScoringError> {
        let shape = self.array.shape();
        let (rows, cols) = (
            shape.first().copied().unwrap_or(0),
            shape.get(1).copied().unwrap_or(0),
        );
        let layout = if self.array.is_c_contiguous() {
            Layout::RowMajor
        } else {
            Layout::ColumnMajor
        };
        let data = self
            .array
            .as_slice()
            .map_err(|_| ScoringError::ShapeMismatch {
                what: "contiguous matrix buffer".into(),
                expected: rows * cols,
                found: 0,
            })?;
        MatrixView::new(data, rows, cols, layout)
    }
}

/// One direction from Python: "benefit"/"cost" (or 1/-1, "max"/"min") or a (lo, hi) pair.
fn direction(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Direction> {
    if let Ok(text) = obj.extract::<String>() {
        return Direction::parse(&text).py_err(py);
    }
    if let Ok(v) = obj.extract::<i64>() {
        return Direction::parse(&v.to_string()).py_err(py);
    }
    if let Ok((lo, hi)) = obj.extract::<(f64, f64)>() {
        return Ok(Direction::Interval { lo, hi });
    }
    Err(invalid_argument(
        py,
        format!("a direction is 'benefit', 'cost', 1, -1 or a (lo, hi) pair, not {obj}"),
    ))
}

fn directions(
    py: Python<'_>,
    obj: Option<&Bound<'_, PyAny>>,
    cols: usize,
) -> PyResult<Vec<Direction>> {
    match obj {
        None => Ok(vec![Direction::Benefit; cols]),
        Some(o) if o.is_none() => Ok(vec![Direction::Benefit; cols]),
        Some(o) => o.try_iter()?.map(|d| direction(py, &d?)).collect(),
    }
}

/// G1 weights from an order (most important first; column indices, or names with `criteria`)
/// and the m − 1 ratios r_k = w_(k−1) / w_(k) in [1.0, 1.8]. Returns the weights by column.
#[pyfunction]
#[pyo3(signature = (order, ratios, criteria = None))]
pub(crate) fn g1_weights<'py>(
    py: Python<'py>,
    order: &Bound<'py, PyAny>,
    ratios: Vec<f64>,
    criteria: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let w = match criteria {
        Some(names) => {
            let order: Vec<crate::convert::Text> = order.extract()?;
            let order: Vec<String> = order.into_iter().map(|t| t.0).collect();
            scoring::g1_weights_named(&names, &order, &ratios)
        }
        None => {
            let order: Vec<usize> = crate::convert::ids_arg(py, "order", order)?
                .into_iter()
                .map(|i| i as usize)
                .collect();
            scoring::g1_weights(&order, &ratios)
        }
    }
    .py_err(py)?;
    Ok(w.into_pyarray(py))
}

/// Entropy weights of an alternatives x criteria matrix.
#[pyfunction]
#[pyo3(signature = (matrix, directions = None, normalisation = "min_max"))]
pub(crate) fn entropy_weights<'py>(
    py: Python<'py>,
    matrix: &Bound<'py, PyAny>,
    directions: Option<&Bound<'py, PyAny>>,
    normalisation: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = Matrix::extract(py, matrix)?;
    let view = m.view().py_err(py)?;
    let dirs = self::directions(py, directions, view.cols())?;
    let norm = EntropyNormalisation::parse(normalisation).py_err(py)?;
    let w = py
        .detach(|| scoring::entropy_weights(&view, &dirs, norm))
        .py_err(py)?;
    Ok(w.into_pyarray(py))
}

/// Combines weight vectors: method "multiplicative", "geometric" (optional `exponents`),
/// "linear" (`alpha` for two vectors, or `coefficients`) or "game_theory" (`negative` = "abs"
/// or "clamp"). Returns {"weights", "coefficients", "raw_coefficients"}.
#[pyfunction]
#[pyo3(signature = (vectors, method = "linear", alpha = None, coefficients = None, exponents = None, negative = "abs"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn combine_weights<'py>(
    py: Python<'py>,
    vectors: Vec<Vec<f64>>,
    method: &str,
    alpha: Option<f64>,
    coefficients: Option<Vec<f64>>,
    exponents: Option<Vec<f64>>,
    negative: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let method = match method
        .trim()
        .to_ascii_lowercase()
        .replace('-', "_")
        .as_str()
    {
        "multiplicative" => CombineMethod::Multiplicative,
        "geometric" => CombineMethod::Geometric { exponents },
        "linear" => match (alpha, coefficients) {
            (Some(a), None) => CombineMethod::linear(a),
            (None, Some(c)) => CombineMethod::Linear { coefficients: c },
            _ => {
                return Err(invalid_argument(
                    py,
                    "the linear combination needs exactly one of alpha or coefficients".into(),
                ));
            }
        },
        "game_theory" => CombineMethod::GameTheory {
            negative: match negative {
                "abs" => NegativeCoefficients::Abs,
                "clamp" => NegativeCoefficients::Clamp,
                other => {
                    return Err(invalid_argument(
                        py,
                        format!("negative must be 'abs' or 'clamp', not {other:?}"),
                    ));
                }
            },
        },
        other => {
            return Err(invalid_argument(
                py,
                format!("unknown combination method {other:?}"),
            ));
        }
    };
    let refs: Vec<&[f64]> = vectors.iter().map(Vec::as_slice).collect();
    let c = scoring::combine_weights(&refs, &method).py_err(py)?;
    let d = PyDict::new(py);
    d.set_item("weights", c.weights.into_pyarray(py))?;
    d.set_item("coefficients", c.coefficients.into_pyarray(py))?;
    d.set_item(
        "raw_coefficients",
        c.raw_coefficients.map(|r| r.into_pyarray(py)),
    )?;
    Ok(d)
}

/// TOPSIS on an alternatives x criteria matrix. Returns {"closeness", "d_plus", "d_minus",
/// "rank", "percentile", "degenerate", "input_copied"}.
#[pyfunction]
#[pyo3(signature = (matrix, weights, directions = None, normalisation = "vector", ranks = true, threads = None, exact = false, stats = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn topsis<'py>(
    py: Python<'py>,
    matrix: &Bound<'py, PyAny>,
    weights: Vec<f64>,
    directions: Option<&Bound<'py, PyAny>>,
    normalisation: &str,
    ranks: bool,
    threads: Option<&Bound<'py, PyAny>>,
    exact: bool,
    stats: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let stats: Option<scoring::TopsisStats> = match stats {
        Some(s) if !s.is_none() => Some(stats_arg(py, s)?),
        _ => None,
    };
    let threads = match threads {
        None => None,
        // An int beyond i64 is out of range either way; keep its sign for the message.
        Some(t) => Some(t.extract::<i64>().or_else(|_| {
            match t.extract::<f64>() {
                Ok(f) if t.is_instance_of::<pyo3::types::PyInt>() => {
                    Ok(if f < 0.0 { i64::MIN } else { i64::MAX })
                }
                _ => Err(ScoringError::InvalidOption {
                    option: "threads",
                    value: f64::NAN,
                    problem: "must be an integer (or None for the default)",
                })
                .py_err(py),
            }
        })?),
    };
    let m = Matrix::extract(py, matrix)?;
    let view = m.view().py_err(py)?;
    let dirs = self::directions(py, directions, view.cols())?;
    let options = TopsisOptions {
        normalisation: Normalisation::parse(normalisation).py_err(py)?,
        ranks,
        threads: match threads {
            None => None,
            Some(t) => Some(
                usize::try_from(t)
                    .ok()
                    .and_then(NonZeroUsize::new)
                    .ok_or(ScoringError::InvalidOption {
                        option: "threads",
                        value: t as f64,
                        problem: "must be at least 1 (or None for the default)",
                    })
                    .py_err(py)?,
            ),
        },
    };
    // The outputs are numpy's own arrays, written in place: numpy asks the kernel for huge
    // pages for large arrays, which makes their first touch several times cheaper than that
    // of a Rust `Vec` of the same size (page faults are a large part of a 5-million-row call).
    let n = view.rows();
    let closeness = PyArray1::<f64>::zeros(py, n, false);
    let d_plus = PyArray1::<f64>::zeros(py, n, false);
    let d_minus = PyArray1::<f64>::zeros(py, n, false);
    let (rank, percentile, degenerate) = {
        let mut c = closeness.readwrite();
        let mut p = d_plus.readwrite();
        let mut q = d_minus.readwrite();
        let (c, p, q) = (c.as_slice_mut()?, p.as_slice_mut()?, q.as_slice_mut()?);
        py.detach(|| -> Result<_, ScoringError> {
            let out = TopsisOutputs {
                d_plus: p,
                d_minus: q,
                closeness: &mut *c,
            };
            let degenerate = match &stats {
                Some(stats) => {
                    scoring::topsis_batch_with_stats(&view, &dirs, &weights, stats, &options, out)?
                }
                None if exact => {
                    let stats = scoring::topsis_stats(&view, &dirs)?;
                    scoring::topsis_batch_with_stats(&view, &dirs, &weights, &stats, &options, out)?
                }
                None => scoring::topsis_batch_into(&view, &dirs, &weights, &options, out)?,
            };
            let (rank, percentile) = if options.ranks {
                scoring::rank_descending(c)?
            } else {
                (Vec::new(), Vec::new())
            };
            Ok((rank, percentile, degenerate))
        })
        .py_err(py)?
    };
    let d = PyDict::new(py);
    d.set_item("closeness", closeness)?;
    d.set_item("d_plus", d_plus)?;
    d.set_item("d_minus", d_minus)?;
    d.set_item("rank", rank.into_pyarray(py))?;
    d.set_item("percentile", percentile.into_pyarray(py))?;
    d.set_item("degenerate", degenerate)?;
    d.set_item("input_copied", m.copied)?;
    Ok(d)
}

fn stats_arg(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<scoring::TopsisStats> {
    pythonize::depythonize(obj).map_err(|e| {
        crate::errors::invalid_argument(
            py,
            format!(
                "stats: not the statistics topsis_stats returns: {}",
                gridserve_core::excerpt(&e.to_string())
            ),
        )
    })
}

/// The statistics TOPSIS needs from a part of a group (per criterion: least and greatest
/// value, and the exact sum of squares), for scoring a group spread over parts: merge the
/// parts' statistics with `merge_topsis_stats`, then score each part with `topsis(...,
/// stats=merged)`. The result equals `topsis(whole, ..., exact=True)` bit for bit.
#[pyfunction]
#[pyo3(signature = (matrix, directions = None))]
pub(crate) fn topsis_stats<'py>(
    py: Python<'py>,
    matrix: &Bound<'py, PyAny>,
    directions: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let m = Matrix::extract(py, matrix)?;
    let view = m.view().py_err(py)?;
    let dirs = self::directions(py, directions, view.cols())?;
    let stats = py
        .detach(|| scoring::topsis_stats(&view, &dirs))
        .py_err(py)?;
    Ok(pythonize::pythonize(py, &stats)?)
}

/// The statistics of a whole group from those of its parts (exactly: the order does not
/// matter).
#[pyfunction]
pub(crate) fn merge_topsis_stats<'py>(
    py: Python<'py>,
    parts: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut parts = parts.iter();
    let Some(first) = parts.next() else {
        return Err(crate::errors::invalid_argument(
            py,
            "merge_topsis_stats: no statistics given".to_owned(),
        ));
    };
    let mut merged = stats_arg(py, first)?;
    for p in parts {
        merged.merge(&stats_arg(py, p)?).py_err(py)?;
    }
    Ok(pythonize::pythonize(py, &merged)?)
}

/// Ranks and percentiles as numpy arrays.
type Ranked<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<f64>>);

/// Rank (1 = best, ties share the best rank) and percentile (0–100) of closeness values.
#[pyfunction]
pub(crate) fn rank_descending<'py>(
    py: Python<'py>,
    closeness: &Bound<'py, PyAny>,
) -> PyResult<Ranked<'py>> {
    let values = crate::convert::floats_1d(py, "closeness", closeness)?;
    let (rank, percentile) = py.detach(|| scoring::rank_descending(&values)).py_err(py)?;
    Ok((rank.into_pyarray(py), percentile.into_pyarray(py)))
}

/// Usage fields whose absence makes an indicator use a fallback rather than refuse.
const FALLBACK_FIELDS: &[&str] = &[
    "sharp_kwh",
    "deep_valley_kwh",
    "power_factor",
    "avg_load_kw",
    "contract_demand_kw",
    "transformer_p0_kw",
    "transformer_pk_kw",
    "transformer_i0_pct",
    "transformer_uk_pct",
];

/// Built-in indicators from columns of usage data (`id` plus the fields of `UsageRecord`; a
/// missing column = not given, a NaN cell = missing, refused by name where an indicator needs
/// it). Returns {"id", <indicator>..., and for the load rate
/// "transformer_load_rate_best_lo"/"_best_hi"} plus "criteria" (name, unit, direction).
#[pyfunction]
#[pyo3(signature = (columns, indicators = None, options = None))]
pub(crate) fn compute_indicators<'py>(
    py: Python<'py>,
    columns: &Bound<'py, PyDict>,
    indicators: Option<Vec<String>>,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let options: IndicatorOptions = match options {
        None => IndicatorOptions::default(),
        Some(o) => crate::convert::json_arg(py, "indicator options", o.as_any())?,
    };
    let ids: Vec<String> = match columns.get_item("id")? {
        Some(v) => v
            .try_iter()?
            .map(|x| x.and_then(|x| x.str().map(|s| s.to_string())))
            .collect::<PyResult<_>>()?,
        None => return Err(invalid_argument(py, "columns need an 'id' column".into())),
    };
    let n = ids.len();
    let column = |name: &str| -> PyResult<Option<Vec<f64>>> {
        match columns.get_item(name)? {
            None => Ok(None),
            Some(v) => {
                let v: Vec<f64> = v.extract()?;
                if v.len() != n {
                    return Err(invalid_argument(
                        py,
                        format!("column {name} has {} values, id has {n}", v.len()),
                    ));
                }
                Ok(Some(v))
            }
        }
    };
    for key in columns.keys() {
        let key: String = key.extract()?;
        if key != "id" && !FIELDS.contains(&key.as_str()) {
            return Err(invalid_argument(
                py,
                format!("unknown usage column {key:?}"),
            ));
        }
    }
    let mut records: Vec<UsageRecord> = ids
        .into_iter()
        .map(|id| UsageRecord {
            id,
            ..Default::default()
        })
        .collect();
    for &field in FIELDS {
        let Some(values) = column(field)? else {
            continue;
        };
        // A NaN cell is a missing value. Where the core refuses a missing value by name
        // (MissingInput) it is passed as absent; where absence has a fallback (power factor
        // from reactive energy, average load from energy, …) it is passed as NaN, which the
        // core refuses as not finite, so that a missing cell never switches the formula.
        let has_fallback = FALLBACK_FIELDS.contains(&field);
        for (r, v) in records.iter_mut().zip(values) {
            let opt = (has_fallback || !v.is_nan()).then_some(v);
            match field {
                "period_hours" => r.period_hours = v,
                "energy_kwh" => r.energy_kwh = v,
                "sharp_kwh" => r.sharp_kwh = opt,
                "peak_kwh" => r.peak_kwh = opt,
                "flat_kwh" => r.flat_kwh = opt,
                "valley_kwh" => r.valley_kwh = opt,
                "deep_valley_kwh" => r.deep_valley_kwh = opt,
                "reactive_kvarh" => r.reactive_kvarh = opt,
                "power_factor" => r.power_factor = opt,
                "max_load_kw" => r.max_load_kw = opt,
                "min_load_kw" => r.min_load_kw = opt,
                "avg_load_kw" => r.avg_load_kw = opt,
                "capacity_kva" => r.capacity_kva = opt,
                "transformer_p0_kw" => r.transformer_p0_kw = opt,
                "transformer_pk_kw" => r.transformer_pk_kw = opt,
                "transformer_i0_pct" => r.transformer_i0_pct = opt,
                "transformer_uk_pct" => r.transformer_uk_pct = opt,
                "max_demand_kw" => r.max_demand_kw = opt,
                "contract_demand_kw" => r.contract_demand_kw = opt,
                _ => r.output = opt,
            }
        }
    }
    let list: Vec<Indicator> = match indicators {
        Some(names) => names
            .iter()
            .map(|n| Indicator::parse(n))
            .collect::<Result<_, _>>()
            .py_err(py)?,
        None => Indicator::ALL.to_vec(),
    };
    let m = py
        .detach(|| scoring::compute_indicators(&records, &list, &options))
        .py_err(py)?;
    let out = PyDict::new(py);
    out.set_item("id", PyList::new(py, m.alternatives())?)?;
    let criteria = PyList::empty(py);
    for (j, c) in m.criteria().iter().enumerate() {
        let values = m.column(j).unwrap_or(&[]).to_vec();
        out.set_item(&c.name, values.into_pyarray(py))?;
        if let Some(ranges) = m.row_ranges(j) {
            let lo: Vec<f64> = ranges.iter().map(|r| r[0]).collect();
            let hi: Vec<f64> = ranges.iter().map(|r| r[1]).collect();
            out.set_item(format!("{}_best_lo", c.name), lo.into_pyarray(py))?;
            out.set_item(format!("{}_best_hi", c.name), hi.into_pyarray(py))?;
        }
        let dir: Bound<'_, PyAny> = match c.direction {
            Direction::Benefit => "benefit".into_pyobject(py)?.into_any(),
            Direction::Cost => "cost".into_pyobject(py)?.into_any(),
            Direction::Interval { lo, hi } => PyTuple::new(py, [lo, hi])?.into_any(),
        };
        criteria.append((c.name.as_str(), c.unit.as_str(), dir))?;
    }
    out.set_item("criteria", criteria)?;
    Ok(out)
}

/// The interval transformation with a best range per row: y = 1 − d / d_max (see the core's
/// `matrix::interval_scores`); score y as a benefit criterion.
#[pyfunction]
pub(crate) fn interval_scores<'py>(
    py: Python<'py>,
    values: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let y = scoring::matrix::interval_scores(&values, &lo, &hi).py_err(py)?;
    Ok(y.into_pyarray(py))
}

/// The numeric fields of `UsageRecord`, in declaration order.
pub(crate) const FIELDS: &[&str] = &[
    "period_hours",
    "energy_kwh",
    "sharp_kwh",
    "peak_kwh",
    "flat_kwh",
    "valley_kwh",
    "deep_valley_kwh",
    "reactive_kvarh",
    "power_factor",
    "max_load_kw",
    "min_load_kw",
    "avg_load_kw",
    "capacity_kva",
    "transformer_p0_kw",
    "transformer_pk_kw",
    "transformer_i0_pct",
    "transformer_uk_pct",
    "max_demand_kw",
    "contract_demand_kw",
    "output",
];
