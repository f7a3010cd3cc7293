//! Interval readings from numpy for the tariff engine: the 2-D arrays read in place or
//! converted once ([`Column`]), and their aggregation into monthly totals.

use gridserve_core::progress::Progress;
use gridserve_core::tariff::{self, IntervalBatch, IntervalLayout, IntervalOptions, TariffError};
use numpy::{PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::errors::IntoPy;
use crate::tariff::{PyTariff, calendar_of};

/// A 2-D column of interval readings: a C-contiguous float64 array read in place, or any other
/// real numeric array (float16/32, signed or unsigned integers, Fortran order, strided views,
/// nested lists) converted once. float32/float16 values are taken as the decimals they print
/// as (0.1f32 is 0.1 kWh, not 0.10000000149011612), so that they sum exactly like float64
/// readings.
pub(crate) enum Column<'py> {
    InPlace(PyReadonlyArray2<'py, f64>),
    Converted(Vec<f64>, [usize; 2]),
}

impl<'py> Column<'py> {
    pub(crate) fn new(py: Python<'py>, what: &str, obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        let refuse = |got: String| {
            crate::errors::invalid_argument(
                py,
                format!(
                    "{what} must be a 2-D numeric array (customers × intervals) of a float or integer dtype; got {got}"
                ),
            )
        };
        let np = py.import("numpy")?;
        let arr = if obj.is_instance(&np.getattr("ndarray")?)? {
            obj.clone()
        } else {
            np.call_method1("asarray", (obj,)).map_err(|_| {
                refuse(
                    obj.get_type()
                        .name()
                        .map_or_else(|_| "?".into(), |n| n.to_string()),
                )
            })?
        };
        let dtype = arr.getattr("dtype")?;
        let kind: String = dtype.getattr("kind")?.extract()?;
        let ndim: usize = arr.getattr("ndim")?.extract()?;
        if ndim != 2 {
            return Err(refuse(format!("{ndim} dimension(s)")));
        }
        if !matches!(kind.as_str(), "f" | "i" | "u") {
            return Err(refuse(format!("dtype {}", dtype.str()?)));
        }
        if let Ok(a) = arr.extract::<PyReadonlyArray2<'py, f64>>()
            && a.is_c_contiguous()
        {
            return Ok(Self::InPlace(a));
        }
        let shape: (usize, usize) = arr.getattr("shape")?.extract()?;
        let shape = [shape.0, shape.1];
        let itemsize: usize = dtype.getattr("itemsize")?.extract()?;
        if kind == "f" && itemsize > 8 {
            return Err(refuse(format!(
                "dtype {} (wider than float64)",
                dtype.str()?
            )));
        }
        if kind == "f" && itemsize < 8 {
            let a32 = np.call_method1("ascontiguousarray", (&arr, np.getattr("float32")?))?;
            let a32: PyReadonlyArray2<'py, f32> = a32.extract()?;
            let values = a32.as_slice().map_err(|e| refuse(e.to_string()))?;
            let out = values.iter().map(|&x| f32_reading(x)).collect();
            return Ok(Self::Converted(out, shape));
        }
        // float64 in another memory order, or integers: one conversion to C-ordered float64.
        let a = np.call_method1("ascontiguousarray", (&arr, np.getattr("float64")?))?;
        let a: PyReadonlyArray2<'py, f64> = a.extract()?;
        let out = a.as_slice().map_err(|e| refuse(e.to_string()))?.to_vec();
        Ok(Self::Converted(out, shape))
    }

    pub(crate) fn shape(&self) -> [usize; 2] {
        match self {
            Self::InPlace(a) => {
                let s = a.shape();
                [s[0], s[1]]
            }
            Self::Converted(_, s) => *s,
        }
    }

    pub(crate) fn slice(&self) -> PyResult<&[f64]> {
        match self {
            Self::InPlace(a) => a
                .as_slice()
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string())),
            Self::Converted(v, _) => Ok(v),
        }
    }
}

/// A float32 reading as the float64 of the decimal it prints as: the 0.001 kWh grid value when
/// that rounds to the same float32, else its shortest decimal form (NaN and infinities stay, for
/// the engine to refuse by position).
fn f32_reading(x: f32) -> f64 {
    let wide = f64::from(x);
    if !x.is_finite() {
        return wide;
    }
    let g = (wide * 1000.0).round() / 1000.0;
    #[allow(clippy::cast_possible_truncation)]
    let back = g as f32;
    if back == x {
        return g;
    }
    format!("{x:e}").parse().unwrap_or(wide)
}

impl PyTariff {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn aggregate(
        &self,
        py: Python<'_>,
        energy: &Column<'_>,
        start: &Bound<'_, PyAny>,
        interval_min: u32,
        fwd: Option<&Column<'_>>,
        rev: Option<&Column<'_>>,
        calendar: Option<&Bound<'_, PyAny>>,
        ids: Option<&[String]>,
        progress: Option<&mut Progress<'_>>,
    ) -> PyResult<(IntervalLayout, tariff::IntervalTotals)> {
        let shape = energy.shape();
        let (customers, intervals) = (shape[0], shape[1]);
        let start = crate::convert::cst_time_arg(py, "start", start)?;
        let cal = calendar_of(py, calendar)?;
        let layout =
            IntervalLayout::new(self.inner.compiled(), &cal, start, interval_min, intervals)
                .py_err(py)?;
        for (quantity, a) in [("kvarh_forward", fwd), ("kvarh_reverse", rev)] {
            if let Some(a) = a
                && a.shape() != shape
            {
                return Err(TariffError::ShapeMismatch {
                    quantity,
                    got: a.shape()[0] * a.shape()[1],
                    expected: customers * intervals,
                    customers,
                    intervals,
                })
                .py_err(py);
            }
        }
        let e = energy.slice()?;
        let f = fwd.map(Column::slice).transpose()?;
        let r = rev.map(Column::slice).transpose()?;
        if let Some(ids) = ids
            && ids.len() != customers
        {
            return Err(TariffError::ShapeMismatch {
                quantity: "terms",
                got: ids.len(),
                expected: customers,
                customers,
                intervals,
            })
            .py_err(py);
        }
        let totals = py
            .detach(|| {
                tariff::aggregate_tracked(
                    &layout,
                    &IntervalBatch {
                        customers,
                        energy_kwh: e,
                        kvarh_forward: f,
                        kvarh_reverse: r,
                        ids,
                    },
                    IntervalOptions::default(),
                    progress,
                )
            })
            .py_err(py)?;
        Ok((layout, totals))
    }
}
