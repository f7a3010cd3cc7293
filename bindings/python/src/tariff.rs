//! The tariff engine for Python: rules from JSON text or dicts, bills as dicts with money as
//! `decimal.Decimal`, interval data from 2-D numpy arrays (read in place).
//!
//! Conversions only. Inputs that are dicts go through Python's `json.dumps` (with `str` for
//! `Decimal`, dates and anything else JSON lacks) into the core's serde layouts. Outputs are
//! the core's serde form; every string under a key that names a quantity or money (suffixes
//! `_yuan`, `_yuan_per_year`, `_kwh`, `_kvarh`, `_kw`, `_kva`, `_kva_days`, `_pct`, `_share`, `_per_kwh`, `_pf`,
//! and `unit_price`, `power_factor`, `kvarh`, `overrun_multiplier`) becomes a `Decimal`.

use gridserve_core::tariff::{
    self, Calendar, CustomerTerms, IntervalOptions, MonthlyUsage, PfStandard, Tariff, TariffBook,
    TariffError, defaults,
};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::errors::IntoPy;
use crate::interval::Column;
use crate::progress::PyProgress;
use gridserve_core::progress::Progress;

const DECIMAL_SUFFIXES: [&str; 11] = [
    "_yuan",
    "_yuan_per_year",
    "_kwh",
    "_kvarh",
    "_kw",
    "_kva",
    "_kva_days",
    "_pct",
    "_share",
    "_per_kwh",
    "_pf",
];
const DECIMAL_KEYS: [&str; 4] = ["unit_price", "power_factor", "kvarh", "overrun_multiplier"];

fn is_decimal_key(key: &str) -> bool {
    DECIMAL_KEYS.contains(&key) || DECIMAL_SUFFIXES.iter().any(|s| key.ends_with(s))
}

/// A JSON value as Python values, strings under quantity keys as `Decimal`.
fn value_to_py<'py>(
    py: Python<'py>,
    decimal: &Bound<'py, PyAny>,
    v: &Value,
    as_decimal: bool,
) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::String(s) if as_decimal => decimal.call1((s.as_str(),)),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, decimal, item, as_decimal)?)?;
            }
            Ok(list.into_any())
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, value_to_py(py, decimal, item, is_decimal_key(k))?)?;
            }
            Ok(dict.into_any())
        }
        other => crate::convert::value_to_py(py, other),
    }
}

pub(crate) fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(value).map_err(|e| {
        pyo3::exceptions::PyValueError::new_err(format!("cannot convert to Python: {e}"))
    })?;
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    value_to_py(py, &decimal, &v, false)
}

/// JSON text from a `str` (as is) or any JSON-able Python value (dict, list), through the one
/// converter (a NaN or infinite float is refused naming its path).
pub(crate) fn json_text(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = obj.cast::<PyString>() {
        return crate::convert::text_of(py, "argument", "", s);
    }
    let value = crate::convert::json_value(py, "argument", obj)?;
    Ok(value.to_string())
}

/// A JSON-shaped argument (through the one converter, which names the field path); an unknown
/// period name stays the core's `UnknownPeriodError`.
fn parse<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    what: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<T> {
    let value = crate::convert::json_value(py, what, obj)?;
    crate::convert::from_value(py, what, &value).or_else(|path_err| {
        match tariff::from_json_value::<T>(what, value) {
            Err(e @ TariffError::UnknownPeriod { .. }) => Err(e).py_err(py),
            _ => Err(path_err),
        }
    })
}

pub(crate) fn parse_date(py: Python<'_>, what: &str, text: &str) -> PyResult<chrono::NaiveDate> {
    text.parse().map_err(|e| {
        crate::errors::invalid_argument(
            py,
            format!("{what} {text:?} is not a date (YYYY-MM-DD): {e}"),
        )
    })
}

/// A number argument (int, float, `Decimal` or text) as an exact decimal: NaN, infinities and
/// more than 28 significant digits are refused, never rounded.
fn parse_decimal(py: Python<'_>, what: &str, v: &Bound<'_, PyAny>) -> PyResult<Decimal> {
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return Err(crate::errors::invalid_argument(
            py,
            format!("{what} must be a number, not a bool"),
        ));
    }
    let text = v.str()?.to_string();
    tariff::exact::parse_decimal(&text)
        .map_err(|e| crate::errors::invalid_argument(py, format!("{what}: {e}")))
}

/// A TOU schedule and a price table validated together: bills months, aggregates interval
/// data, compares basic-charge methods.
#[pyclass(frozen, module = "gridserve._gridserve", name = "Tariff")]
pub struct PyTariff {
    pub(crate) inner: Tariff,
}

#[pymethods]
impl PyTariff {
    /// A tariff from a schedule and a price table, each JSON text or a dict.
    #[new]
    fn new(
        py: Python<'_>,
        schedule: &Bound<'_, PyAny>,
        prices: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let schedule = parse(py, "schedule", schedule)?;
        let prices = parse(py, "price table", prices)?;
        Ok(Self {
            inner: Tariff::new(schedule, prices).py_err(py)?,
        })
    }

    /// The tariff of a book (`{"schedules": [...], "prices": [...]}`, JSON text or dict) for a
    /// category and voltage level in force on `date` (`YYYY-MM-DD`).
    #[staticmethod]
    fn from_book(
        py: Python<'_>,
        book: &Bound<'_, PyAny>,
        category: crate::convert::Text,
        voltage: crate::convert::Text,
        date: crate::convert::Text,
    ) -> PyResult<Self> {
        let category: &str = &category;
        let voltage: &str = &voltage;
        let date: &str = &date;
        let book: TariffBook = parse(py, "tariff book", book)?;
        let date = parse_date(py, "date", date)?;
        Ok(Self {
            inner: book.tariff_for(category, voltage, date).py_err(py)?,
        })
    }

    /// The shipped defaults: Guangdong's TOU schedule with Huizhou's prices (`voltage` one of
    /// `1-10kV`, `35-110kV`, `220kV+`). Their energy price is an example value.
    #[staticmethod]
    #[pyo3(signature = (voltage = "1-10kV", category = "large_industry", date = "2026-02-01"))]
    fn default(py: Python<'_>, voltage: &str, category: &str, date: &str) -> PyResult<Self> {
        let date = parse_date(py, "date", date)?;
        let book = defaults::guangdong_huizhou().py_err(py)?;
        Ok(Self {
            inner: book.tariff_for(category, voltage, date).py_err(py)?,
        })
    }

    /// The default book as JSON text (edit it and use `from_book`).
    #[staticmethod]
    fn default_book_json(py: Python<'_>) -> PyResult<String> {
        let book = defaults::guangdong_huizhou().py_err(py)?;
        serde_json::to_string_pretty(&book)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }

    /// The schedule as a dict.
    #[getter]
    fn schedule<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::to_py(py, self.inner.schedule())
    }

    /// The price table as a dict (prices as `Decimal`).
    #[getter]
    fn prices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.prices())
    }

    /// The unit energy price of a period (yuan/kWh), `None` if the schedule lacks it.
    fn unit_price<'py>(
        &self,
        py: Python<'py>,
        period: crate::convert::Text,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let period: &str = &period;
        let p = tariff::Period::parse(period, "period").py_err(py)?;
        let decimal = py.import("decimal")?.getattr("Decimal")?;
        self.inner
            .unit_price(p)
            .map(|v| decimal.call1((v.to_string(),)))
            .transpose()
    }

    /// The period at a wall-clock time (`YYYY-MM-DDTHH:MM[:SS]`, China Standard Time).
    #[pyo3(signature = (time, calendar = None))]
    fn period_at(
        &self,
        py: Python<'_>,
        time: &Bound<'_, PyAny>,
        calendar: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let t = crate::convert::cst_time_arg(py, "time", time)?;
        let cal = calendar_of(py, calendar)?;
        Ok(self.inner.compiled().period_at(t, &cal).as_str().to_owned())
    }

    /// Bills one month of usage (a dict in the `MonthlyUsage` layout, or JSON text). A month
    /// outside the tariff's validity is refused unless `what_if=True` (bill at these prices on
    /// purpose, e.g. last year's usage at today's tariff).
    #[pyo3(signature = (usage, *, what_if = false))]
    fn bill<'py>(
        &self,
        py: Python<'py>,
        usage: &Bound<'py, PyAny>,
        what_if: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let usage: MonthlyUsage = parse(py, "usage", usage)?;
        let bill = self.bill_one(&usage, what_if).py_err(py)?;
        to_py(py, &bill)
    }

    /// Bills many months (a list of usage dicts); the first error stops. `what_if` as in
    /// `bill`. `progress`: a callable `(done, total)` (returning `False` cancels with
    /// `CancelledError`) or a tqdm-like object with `update(n)`, told every 1 % of the months.
    #[pyo3(signature = (usages, *, what_if = false, progress = None))]
    fn bills<'py>(
        &self,
        py: Python<'py>,
        usages: &Bound<'py, PyAny>,
        what_if: bool,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = crate::progress::PyProgress::arg(py, progress)?;
        let usages: Vec<MonthlyUsage> = parse(py, "usages", usages)?;
        let bills = crate::progress::run(py, target, usages.len(), 1, |mut progress| {
            let mut bills = Vec::with_capacity(usages.len());
            for (i, u) in usages.iter().enumerate() {
                if let Some(p) = progress.as_deref_mut() {
                    p.report(i)?;
                }
                bills.push(self.bill_one(u, what_if)?);
            }
            Ok::<_, TariffError>(bills)
        })?;
        to_py(py, &bills)
    }

    /// Per-customer monthly figures from interval energy (kWh), a C-contiguous float64 array of
    /// shape (customers, intervals) read in place. Returns numpy arrays: `energy_kwh`
    /// (customers × 5, periods sharp, peak, flat, valley, deep_valley), `total_kwh`,
    /// `max_demand_kw`, `load_factor`, `peak_share`, `valley_share`, `kvarh_forward`,
    /// `kvarh_reverse`. `progress`: a callable `(done, total)` (returning `False` cancels with
    /// `CancelledError`) or a tqdm-like object with `update(n)`, told the customers summed every
    /// 1 % (at most every 65,536) while the threads run.
    #[pyo3(signature = (energy_kwh, start, interval_min = 15, kvarh_forward = None, kvarh_reverse = None, calendar = None, ids = None, *, progress = None))]
    #[allow(clippy::too_many_arguments)]
    fn aggregate_intervals<'py>(
        &self,
        py: Python<'py>,
        energy_kwh: &Bound<'py, PyAny>,
        start: &Bound<'_, PyAny>,
        interval_min: u32,
        kvarh_forward: Option<&Bound<'py, PyAny>>,
        kvarh_reverse: Option<&Bound<'py, PyAny>>,
        calendar: Option<&Bound<'py, PyAny>>,
        ids: Option<Vec<String>>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut target = PyProgress::arg(py, progress)?;
        let energy = Column::new(py, "energy_kwh", energy_kwh)?;
        let fwd = kvarh_forward
            .map(|a| Column::new(py, "kvarh_forward", a))
            .transpose()?;
        let rev = kvarh_reverse
            .map(|a| Column::new(py, "kvarh_reverse", a))
            .transpose()?;
        let given = target.is_some();
        let outcome = {
            let mut callback =
                |done: usize, total: usize| target.as_mut().is_none_or(|t| t.call(done, total));
            let mut tracked = Progress::new(&mut callback, energy.shape()[0]);
            let result = self.aggregate(
                py,
                &energy,
                start,
                interval_min,
                fwd.as_ref(),
                rev.as_ref(),
                calendar,
                ids.as_deref(),
                given.then_some(&mut tracked),
            );
            if result.is_ok() && given {
                let _ = tracked.finish();
            }
            result
        };
        if let Some(e) = PyProgress::raised(target) {
            return Err(e);
        }
        let (_, totals) = outcome?;
        let out = PyDict::new(py);
        let n = totals.customers;
        let energy = totals.energy_kwh.into_pyarray(py).reshape([n, 5])?;
        out.set_item("energy_kwh", energy)?;
        let cols: [(&str, Vec<f64>); 7] = [
            ("total_kwh", totals.total_kwh),
            ("max_demand_kw", totals.max_demand_kw),
            ("load_factor", totals.load_factor),
            ("peak_share", totals.peak_share),
            ("valley_share", totals.valley_share),
            ("kvarh_forward", totals.kvarh_forward),
            ("kvarh_reverse", totals.kvarh_reverse),
        ];
        for (name, v) in cols {
            let arr: Bound<'py, PyArray1<f64>> = v.into_pyarray(py);
            out.set_item(name, arr)?;
        }
        Ok(out)
    }

    /// Monthly bills from interval energy (as `aggregate_intervals`) and one terms dict per
    /// customer (`customer`, `capacity_kva`, `method`, `contract_demand_kw`, and optionally the
    /// month's `kvarh_forward` / `kvarh_reverse` registers). With `columns=True` the result is
    /// one list per figure instead (`customer`, `<period>_yuan`, `energy_yuan`, `basic_yuan`,
    /// `power_factor`, `pf_adjustment_pct`, `pf_yuan`, `funds_yuan`, `total_yuan`,
    /// `max_demand_kw`), ready for a DataFrame. `progress`: a callable `(done, total)`
    /// (returning `False` cancels with `CancelledError`) or a tqdm-like object with
    /// `update(n)`, told the customers done every 1 % (at most every 65,536) while the threads
    /// run; a customer counts half when its readings are summed and half when it is billed.
    #[pyo3(signature = (energy_kwh, start, terms, interval_min = 15, kvarh_forward = None, kvarh_reverse = None, calendar = None, columns = false, *, progress = None))]
    #[allow(clippy::too_many_arguments)]
    fn bill_intervals<'py>(
        &self,
        py: Python<'py>,
        energy_kwh: &Bound<'py, PyAny>,
        start: &Bound<'_, PyAny>,
        terms: &Bound<'py, PyAny>,
        interval_min: u32,
        kvarh_forward: Option<&Bound<'py, PyAny>>,
        kvarh_reverse: Option<&Bound<'py, PyAny>>,
        calendar: Option<&Bound<'py, PyAny>>,
        columns: bool,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut target = PyProgress::arg(py, progress)?;
        let terms: Vec<CustomerTerms> = parse(py, "terms", terms)?;
        let ids: Vec<String> = terms.iter().map(|t| t.customer.clone()).collect();
        let energy = Column::new(py, "energy_kwh", energy_kwh)?;
        let fwd = kvarh_forward
            .map(|a| Column::new(py, "kvarh_forward", a))
            .transpose()?;
        let rev = kvarh_reverse
            .map(|a| Column::new(py, "kvarh_reverse", a))
            .transpose()?;
        let given = target.is_some();
        let outcome = {
            let mut callback =
                |done: usize, total: usize| target.as_mut().is_none_or(|t| t.call(done, total));
            let mut tracked = Progress::with_phases(&mut callback, terms.len(), 2);
            let mut tracked = given.then_some(&mut tracked);
            let result = self
                .aggregate(
                    py,
                    &energy,
                    start,
                    interval_min,
                    fwd.as_ref(),
                    rev.as_ref(),
                    calendar,
                    Some(&ids),
                    tracked.as_deref_mut(),
                )
                .and_then(|(layout, totals)| {
                    if let Some(p) = tracked.as_deref_mut() {
                        p.next_phase();
                    }
                    py.detach(|| {
                        tariff::bill_batch_tracked(
                            &self.inner,
                            &totals,
                            &layout,
                            &terms,
                            IntervalOptions::default(),
                            tracked.as_deref_mut(),
                        )
                    })
                    .py_err(py)
                });
            if let (Ok(_), Some(p)) = (&result, tracked) {
                let _ = p.finish();
            }
            result
        };
        if let Some(e) = PyProgress::raised(target) {
            return Err(e);
        }
        let bills = outcome?;
        if columns {
            return bill_columns(py, &bills).map(Bound::into_any);
        }
        to_py(py, &bills)
    }

    /// Bills monthly usage given as an Arrow table (the `monthly_usage` table: anything with
    /// `__arrow_c_stream__`), returning the bills as a pyarrow Table with exact decimal money
    /// (`decimal128(38, 4)`).
    #[pyo3(signature = (usage, what_if = false))]
    fn bill_table<'py>(
        &self,
        py: Python<'py>,
        usage: &Bound<'py, PyAny>,
        what_if: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (schema, batches) = crate::arrow::table_arg(py, "usage", usage)?;
        let usages = py
            .detach(|| tariff::arrow::read_usage(schema, batches, "usage"))
            .py_err(py)?;
        self.bills_to_arrow(py, &usages, what_if)
    }

    /// Bills monthly usage read from a Parquet file (the `monthly_usage` table).
    #[pyo3(signature = (path, what_if = false))]
    fn bill_parquet<'py>(
        &self,
        py: Python<'py>,
        path: std::path::PathBuf,
        what_if: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let file = path.display().to_string();
        let usages = py
            .detach(|| {
                let (schema, batches) = gridserve_core::table::parquet::read_parquet(
                    &path,
                    &gridserve_core::table::MONTHLY_USAGE,
                    &gridserve_core::table::parquet::ParquetRead::default(),
                )?;
                tariff::arrow::read_usage(schema, batches, &file)
            })
            .py_err(py)?;
        self.bills_to_arrow(py, &usages, what_if)
    }

    /// Bills one month of the metering system's daily curves (the `ami_curves` table: `meter,
    /// date, kind, p1 … p96`, kinds `kwh` and `kvarh`) with each meter's terms (the
    /// `customer_terms` table, looked up by customer = meter number). `curves` is an Arrow
    /// table or the path of a Parquet file (read with only its kwh and kvarh rows).
    #[pyo3(signature = (curves, terms, calendar = None))]
    fn bill_curves<'py>(
        &self,
        py: Python<'py>,
        curves: &Bound<'py, PyAny>,
        terms: &Bound<'py, PyAny>,
        calendar: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (tschema, tbatches) = crate::arrow::table_arg(py, "terms", terms)?;
        let cal = calendar_of(py, calendar)?;
        let (schema, batches, file) = if let Ok(path) = curves.extract::<std::path::PathBuf>() {
            let file = path.display().to_string();
            let read = gridserve_core::table::parquet::ParquetRead {
                keep: Some(("kind".into(), vec!["kwh".into(), "kvarh".into()])),
                ..Default::default()
            };
            let (schema, batches) = py
                .detach(|| {
                    gridserve_core::table::parquet::read_parquet(
                        &path,
                        &gridserve_core::table::AMI_CURVES,
                        &read,
                    )
                })
                .py_err(py)?;
            (schema, batches, file)
        } else {
            let (schema, batches) = crate::arrow::table_arg(py, "curves", curves)?;
            (schema, batches, "curves".to_owned())
        };
        let month = py
            .detach(|| tariff::arrow::read_ami_month(schema, batches, &file))
            .py_err(py)?;
        let terms = py
            .detach(|| tariff::arrow::read_terms(tschema, tbatches, "terms"))
            .py_err(py)?;
        let bills = py
            .detach(|| {
                tariff::arrow::bill_ami(
                    &self.inner,
                    &month,
                    &terms,
                    &cal,
                    IntervalOptions::default(),
                )
            })
            .py_err(py)?;
        let batch = tariff::arrow::bills_batch(&bills).py_err(py)?;
        crate::arrow::to_pyarrow(py, batch.schema(), vec![batch])
    }

    /// Capacity vs actual demand vs contract demand for the quarter after the latest month of
    /// `history` (a list of usage dicts); contract demands in multiples of `step_kw`.
    #[pyo3(signature = (history, step_kw = None))]
    fn compare_basic_methods<'py>(
        &self,
        py: Python<'py>,
        history: &Bound<'py, PyAny>,
        step_kw: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let history: Vec<MonthlyUsage> = parse(py, "history", history)?;
        let step = match step_kw {
            Some(v) => parse_decimal(py, "step_kw", v)?,
            None => Decimal::ONE,
        };
        let cmp = self
            .inner
            .compare_basic_methods(&history, step)
            .py_err(py)?;
        to_py(py, &cmp)
    }

    /// Bills the usages and returns the power-factor finding: months with a surcharge and the
    /// compensation (kvar) to reach `target_pf` (default: the standard's full-reduction pf).
    /// `what_if` as in `bill`.
    #[pyo3(signature = (usages, target_pf = None, hours_per_day = None, *, what_if = false))]
    fn pf_finding<'py>(
        &self,
        py: Python<'py>,
        usages: &Bound<'py, PyAny>,
        target_pf: Option<&Bound<'py, PyAny>>,
        hours_per_day: Option<f64>,
        what_if: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(h) = hours_per_day
            && !(h.is_finite() && h > 0.0 && h <= 24.0)
        {
            return Err(crate::errors::invalid_argument(
                py,
                format!("hours_per_day = {h} is not in (0, 24]"),
            ));
        }
        let usages: Vec<MonthlyUsage> = parse(py, "usages", usages)?;
        let target = target_pf
            .map(|v| parse_decimal(py, "target_pf", v))
            .transpose()?;
        let bills = usages
            .iter()
            .map(|u| self.bill_one(u, what_if))
            .collect::<Result<Vec<_>, _>>()
            .py_err(py)?;
        to_py(py, &tariff::pf_finding(&bills, target, hours_per_day))
    }

    /// Bills the usages and returns valley vs peak + sharp energy charges. `what_if` as in
    /// `bill`.
    #[pyo3(signature = (usages, *, what_if = false))]
    fn tou_finding<'py>(
        &self,
        py: Python<'py>,
        usages: &Bound<'py, PyAny>,
        what_if: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let usages: Vec<MonthlyUsage> = parse(py, "usages", usages)?;
        let bills = usages
            .iter()
            .map(|u| self.bill_one(u, what_if))
            .collect::<Result<Vec<_>, _>>()
            .py_err(py)?;
        to_py(py, &tariff::tou_finding(&bills))
    }

    /// This tariff as compact, versioned bytes (`gridserve.from_bytes` reads them back); what
    /// pickling ships.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        crate::persist::encode(py, &self.inner)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        crate::persist::reduce(py, self.to_bytes(py)?)
    }

    /// Immutable: a copy is the object itself.
    fn __copy__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Immutable: a deep copy is the object itself.
    fn __deepcopy__(slf: Py<Self>, _memo: &Bound<'_, PyAny>) -> Py<Self> {
        slf
    }

    fn __repr__(&self) -> String {
        format!(
            "Tariff(schedule={:?}, prices={:?})",
            self.inner.schedule().name,
            self.inner.prices().name
        )
    }
}

/// Bills as one list per figure; money as `Decimal`.
fn bill_columns<'py>(py: Python<'py>, bills: &[tariff::Bill]) -> PyResult<Bound<'py, PyDict>> {
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    let dec = |v: Decimal| decimal.call1((v.to_string(),));
    let out = PyDict::new(py);
    let customers = PyList::empty(py);
    let mut cols: Vec<(String, Bound<'py, PyList>)> = Vec::new();
    let mut col = |name: &str| -> Bound<'py, PyList> {
        if let Some((_, l)) = cols.iter().find(|(n, _)| n == name) {
            return l.clone();
        }
        let l = PyList::empty(py);
        cols.push((name.to_owned(), l.clone()));
        l
    };
    for b in bills {
        customers.append(&b.customer)?;
        for p in tariff::Period::ALL {
            col(&format!("{}_yuan", p.as_str())).append(dec(b.energy_charge(p))?)?;
        }
        col("energy_yuan").append(dec(b.energy_yuan)?)?;
        col("basic_yuan").append(dec(b.basic.amount_yuan)?)?;
        let pf = match b.pf.power_factor {
            Some(v) => dec(v)?,
            None => py.None().into_bound(py),
        };
        col("power_factor").append(pf)?;
        col("pf_adjustment_pct").append(dec(b.pf.adjustment_pct)?)?;
        col("pf_yuan").append(dec(b.pf.amount_yuan)?)?;
        col("funds_yuan").append(dec(b.funds_yuan)?)?;
        col("total_yuan").append(dec(b.total_yuan)?)?;
        let md = match b.basic.actual_demand_kw {
            Some(v) => dec(v)?,
            None => py.None().into_bound(py),
        };
        col("max_demand_kw").append(md)?;
    }
    out.set_item("customer", customers)?;
    for (name, list) in cols {
        out.set_item(name, list)?;
    }
    Ok(out)
}

pub(crate) fn calendar_of(
    py: Python<'_>,
    calendar: Option<&Bound<'_, PyAny>>,
) -> PyResult<Calendar> {
    calendar.map_or_else(|| Ok(Calendar::default()), |c| parse(py, "calendar", c))
}

impl PyTariff {
    fn bills_to_arrow<'py>(
        &self,
        py: Python<'py>,
        usages: &[MonthlyUsage],
        what_if: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let batch = py
            .detach(|| {
                let bills = usages
                    .iter()
                    .map(|u| self.bill_one(u, what_if))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(gridserve_core::Error::from)?;
                tariff::arrow::bills_batch(&bills).map_err(gridserve_core::Error::from)
            })
            .py_err(py)?;
        crate::arrow::to_pyarrow(py, batch.schema(), vec![batch])
    }

    fn bill_one(&self, usage: &MonthlyUsage, what_if: bool) -> Result<tariff::Bill, TariffError> {
        if what_if {
            self.inner.bill_what_if(usage)
        } else {
            self.inner.bill(usage)
        }
    }
}

/// The month's power factor from kWh and |forward| + |reverse| kvarh, rounded half-up to 0.01.
#[pyfunction]
#[pyo3(signature = (energy_kwh, kvarh_forward, kvarh_reverse = None))]
pub(crate) fn power_factor<'py>(
    py: Python<'py>,
    energy_kwh: &Bound<'py, PyAny>,
    kvarh_forward: &Bound<'py, PyAny>,
    kvarh_reverse: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let p = parse_decimal(py, "energy_kwh", energy_kwh)?;
    let f = parse_decimal(py, "kvarh_forward", kvarh_forward)?;
    let r = kvarh_reverse
        .map(|v| parse_decimal(py, "kvarh_reverse", v))
        .transpose()?
        .unwrap_or_default();
    let pf = tariff::power_factor(p, f, r, "power_factor").py_err(py)?;
    py.import("decimal")?
        .getattr("Decimal")?
        .call1((pf.to_string(),))
}

/// The adjustment percentage (+ surcharge) of the 1983 tables for `standard` ("0.90", "0.85",
/// "0.80" or "none") at power factor `pf`.
#[pyfunction]
pub(crate) fn pf_adjustment_pct<'py>(
    py: Python<'py>,
    standard: crate::convert::Text,
    pf: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let standard: &str = &standard;
    let std: PfStandard =
        serde_json::from_value(Value::String(standard.to_owned())).map_err(|_| {
            crate::errors::invalid_argument(
                py,
                format!(
                    "unknown pf standard {:?}: expected 0.90, 0.85, 0.80 or none",
                    gridserve_core::excerpt(standard)
                ),
            )
        })?;
    let pf = parse_decimal(py, "pf", pf)?;
    if pf < Decimal::ZERO || pf > Decimal::ONE {
        return Err(crate::errors::invalid_argument(
            py,
            format!("pf = {pf} is not a power factor (0–1)"),
        ));
    }
    let pct = tariff::adjustment_pct(std, pf);
    py.import("decimal")?
        .getattr("Decimal")?
        .call1((pct.to_string(),))
}

/// D* = S·p_c/(f·p_d) (kW), f = `discount_factor` or 1; `None` when the demand price is 0.
#[pyfunction]
#[pyo3(signature = (capacity_kva, capacity_price, demand_price, discount_factor = None))]
pub(crate) fn break_even_demand_kw<'py>(
    py: Python<'py>,
    capacity_kva: &Bound<'py, PyAny>,
    capacity_price: &Bound<'py, PyAny>,
    demand_price: &Bound<'py, PyAny>,
    discount_factor: Option<&Bound<'py, PyAny>>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let s = parse_decimal(py, "capacity_kva", capacity_kva)?;
    let pc = parse_decimal(py, "capacity_price", capacity_price)?;
    let pd = parse_decimal(py, "demand_price", demand_price)?;
    let f = discount_factor
        .map(|v| parse_decimal(py, "discount_factor", v))
        .transpose()?;
    let decimal = py.import("decimal")?.getattr("Decimal")?;
    tariff::break_even_demand_kw(s, pc, pd, f)
        .py_err(py)?
        .map(|d| decimal.call1((d.to_string(),)))
        .transpose()
}
