//! `OutageTable` and `med_threshold`: thin wrappers over `gridserve_core::reliability`.
//! Nested inputs (the service base, options) and all results cross as JSON text, which the
//! Python module `gridserve.reliability` turns into dicts and DataFrames.

use gridserve_core::reliability::{
    self as rel, CHINA_STANDARD_TIME, DltOptions, Grouping, IndexOptions, MedOptions, MedThreshold,
    OutageColumns, OutageTable, Period, Problem, ProblemKind, Problems, ReliabilityError,
    ServiceBase, StageSpan, StatKey, WorstBy, record,
};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::{IntoPy, invalid_argument};

/// A float64 cell of an integer column: NaN is missing, a whole number in the range of i64
/// is that number, anything else is malformed.
fn whole(v: f64) -> Result<Option<i64>, ()> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if v.is_nan() {
        Ok(None)
    } else if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
        Ok(Some(v as i64))
    } else {
        Err(())
    }
}

fn malformed(id: &[String], index: usize, field: &'static str, value: f64) -> Problem {
    Problem {
        record: id.get(index).cloned().unwrap_or_default(),
        index,
        field,
        value: value.to_string(),
        kind: ProblemKind::Malformed,
    }
}

fn to_vec<T: numpy::Element + Copy>(a: &PyReadonlyArray1<'_, T>) -> Vec<T> {
    a.as_array().iter().copied().collect()
}

fn parse<T: DeserializeOwned>(py: Python<'_>, what: &str, text: &str) -> PyResult<T> {
    crate::convert::json_text_arg(py, what, text)
}

fn name<T: DeserializeOwned>(
    py: Python<'_>,
    what: &str,
    value: &str,
    allowed: &str,
) -> PyResult<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).map_err(|_| {
        invalid_argument(
            py,
            format!("unknown {what} {value:?}: expected one of {allowed}"),
        )
    })
}

fn json<T: Serialize>(py: Python<'_>, v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| invalid_argument(py, e.to_string()))
}

/// Index options: a dict or JSON text, through the one JSON converter (field paths, NaN and
/// unknown keys refused by name).
fn options(py: Python<'_>, given: Option<&Bound<'_, PyAny>>) -> PyResult<IndexOptions> {
    given.map_or_else(
        || Ok(IndexOptions::default()),
        |o| crate::convert::json_arg(py, "options", o),
    )
}

fn period(py: Python<'_>, start: &str, end: &str) -> PyResult<Period> {
    let ts = |t: &str| crate::convert::parse_time_text(t).map_err(|m| invalid_argument(py, m));
    Period::new(ts(start)?, ts(end)?).py_err(py)
}

const GROUPINGS: &str = "system, feeder, substation, cause, planned";
const STAT_KEYS: &str = "feeder, substation, cause, device, planned, month, hour_of_day";

/// Outage records validated against a service base, in columnar form.
#[pyclass(frozen, module = "gridserve._gridserve", name = "OutageTable")]
pub struct PyOutageTable {
    pub(crate) inner: OutageTable,
}

#[pymethods]
impl PyOutageTable {
    /// This outage table as compact, versioned bytes (`gridserve.from_bytes` reads them back); what
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

    /// Builds from columns and the service base as JSON. Timestamps are ms since the epoch,
    /// the smallest int64 (numpy's NaT) marking a missing value; counts, operations and
    /// planned flags are float64 with NaN marking a missing value. Optional columns left out
    /// (`None`) take the core's defaults.
    #[staticmethod]
    #[pyo3(signature = (
        feeders_json, id, start_ms, end_ms, feeder, cause = None, planned = None, device = None,
        customers_count = None, load_kva = None, load_kw = None, operations = None,
        list_offsets = None, has_list = None, customer_numbers = None, stages_ms = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn from_columns(
        py: Python<'_>,
        feeders_json: crate::convert::Text,
        id: Vec<String>,
        start_ms: PyReadonlyArray1<'_, i64>,
        end_ms: PyReadonlyArray1<'_, i64>,
        feeder: Vec<String>,
        cause: Option<Vec<String>>,
        planned: Option<PyReadonlyArray1<'_, f64>>,
        device: Option<Vec<String>>,
        customers_count: Option<PyReadonlyArray1<'_, f64>>,
        load_kva: Option<PyReadonlyArray1<'_, f64>>,
        load_kw: Option<PyReadonlyArray1<'_, f64>>,
        operations: Option<PyReadonlyArray1<'_, f64>>,
        list_offsets: Option<PyReadonlyArray1<'_, i64>>,
        has_list: Option<PyReadonlyArray1<'_, bool>>,
        customer_numbers: Option<Vec<String>>,
        stages_ms: Option<Vec<Option<PyReadonlyArray1<'_, i64>>>>,
    ) -> PyResult<Self> {
        let feeders_json: &str = &feeders_json;
        let base: ServiceBase = parse(py, "feeders", feeders_json)?;
        let times = |a: &PyReadonlyArray1<'_, i64>| -> Vec<Option<i64>> {
            a.as_array()
                .iter()
                .map(|&v| (v != i64::MIN).then_some(v))
                .collect()
        };
        let mut stages: [Vec<Option<i64>>; 5] = Default::default();
        for (k, s) in stages_ms.unwrap_or_default().into_iter().enumerate() {
            if let (Some(slot), Some(a)) = (stages.get_mut(k), s) {
                *slot = times(&a);
            }
        }
        let mut problems = Vec::new();
        let integers = |column: &'static str,
                        a: Option<PyReadonlyArray1<'_, f64>>,
                        problems: &mut Vec<Problem>| {
            a.map_or_else(Vec::new, |a| {
                a.as_array()
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| match whole(v) {
                        Ok(v) => v,
                        Err(()) => {
                            problems.push(malformed(&id, i, column, v));
                            None
                        }
                    })
                    .collect()
            })
        };
        let customers_count = integers("customers_count", customers_count, &mut problems);
        let operations = integers("operations", operations, &mut problems);
        let planned = planned.map_or_else(Vec::new, |a| {
            a.as_array()
                .iter()
                .enumerate()
                .map(|(i, &v)| match v {
                    _ if v.is_nan() => None,
                    0.0 => Some(false),
                    1.0 => Some(true),
                    _ => {
                        problems.push(malformed(&id, i, "planned", v));
                        None
                    }
                })
                .collect()
        });
        if !problems.is_empty() {
            return Err(ReliabilityError::InvalidRecords {
                problems: Problems(problems),
            })
            .py_err(py);
        }
        let cols = OutageColumns {
            start_ms: times(&start_ms),
            end_ms: times(&end_ms),
            cause: cause.unwrap_or_default(),
            planned,
            device: device.unwrap_or_default(),
            feeder,
            customers_count,
            list_offsets: list_offsets.map_or_else(Vec::new, |a| {
                a.as_array()
                    .iter()
                    .map(|&v| usize::try_from(v).unwrap_or(usize::MAX))
                    .collect()
            }),
            has_list: has_list.map_or_else(Vec::new, |a| to_vec(&a)),
            customer_numbers: customer_numbers.unwrap_or_default(),
            load_kva: load_kva.map_or_else(Vec::new, |a| to_vec(&a)),
            load_kw: load_kw.map_or_else(Vec::new, |a| to_vec(&a)),
            operations,
            stages_ms: stages,
            id,
        };
        let inner = py
            .detach(move || OutageTable::from_columns(&cols, base))
            .py_err(py)?;
        Ok(Self { inner })
    }

    /// Builds from Arrow tables of outage records and of the feeders served (anything with
    /// `__arrow_c_stream__`), by the rules and with the errors of the CSV layout: an error
    /// names the table, the row as its index plus 2 and the column.
    #[staticmethod]
    fn from_arrow(
        py: Python<'_>,
        outages: &Bound<'_, PyAny>,
        feeders: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let (schema, batches) = crate::arrow::table_arg(py, "outages", outages)?;
        let (fschema, fbatches) = crate::arrow::table_arg(py, "feeders", feeders)?;
        let inner = py
            .detach(move || {
                let base = record::arrow::read_feeders_arrow(fschema, fbatches, "feeders")?;
                record::arrow::read_outage_table(schema, batches, "outages", base)
            })
            .py_err(py)?;
        Ok(Self { inner })
    }

    /// Reads outage records from a Parquet file (the columns of the CSV layout) against the
    /// feeders served (an Arrow table).
    #[staticmethod]
    fn from_parquet(
        py: Python<'_>,
        path: std::path::PathBuf,
        feeders: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let (fschema, fbatches) = crate::arrow::table_arg(py, "feeders", feeders)?;
        let (schema, batches) = py
            .detach(|| {
                gridserve_core::table::parquet::read_parquet(
                    &path,
                    &gridserve_core::table::OUTAGES,
                    &gridserve_core::table::parquet::ParquetRead::default(),
                )
            })
            .py_err(py)?;
        let file = path.display().to_string();
        let inner = py
            .detach(move || {
                let base = record::arrow::read_feeders_arrow(fschema, fbatches, "feeders")?;
                record::arrow::read_outage_table(schema, batches, &file, base)
            })
            .py_err(py)?;
        Ok(Self { inner })
    }

    /// Reads records from CSV text (local times in China Standard Time) against the service
    /// base as JSON.
    #[staticmethod]
    fn from_csv_text(
        py: Python<'_>,
        text: crate::convert::Text,
        feeders_json: crate::convert::Text,
    ) -> PyResult<Self> {
        let text: &str = &text;
        let feeders_json: &str = &feeders_json;
        let base: ServiceBase = parse(py, "feeders", feeders_json)?;
        let inner = py
            .detach(|| {
                let records = record::read_csv(text.as_bytes(), "<text>", CHINA_STANDARD_TIME)?;
                OutageTable::new(&records, base)
            })
            .py_err(py)?;
        Ok(Self { inner })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// IEEE 1366 indices of every group over `[start, end)`, as JSON.
    #[pyo3(signature = (start, end, grouping = "system", options_json = None))]
    fn indices(
        &self,
        py: Python<'_>,
        start: crate::convert::Text,
        end: crate::convert::Text,
        grouping: &str,
        options_json: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let start: &str = &start;
        let end: &str = &end;
        let p = period(py, start, end)?;
        let g: Grouping = name(py, "grouping", grouping, GROUPINGS)?;
        let o = options(py, options_json)?;
        let v = py
            .detach(|| rel::indices(&self.inner, &p, g, &o))
            .py_err(py)?;
        json(py, &v)
    }

    /// Daily SAIDI of every day of `[start, end)`, as JSON.
    #[pyo3(signature = (start, end, options_json = None))]
    fn daily_saidi(
        &self,
        py: Python<'_>,
        start: crate::convert::Text,
        end: crate::convert::Text,
        options_json: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let start: &str = &start;
        let end: &str = &end;
        let p = period(py, start, end)?;
        let o = options(py, options_json)?;
        let v = py
            .detach(|| rel::daily_saidi(&self.inner, &p, &o))
            .py_err(py)?;
        json(py, &v)
    }

    /// Major event days of `[start, end)` with the threshold from `[history_start,
    /// history_end)`, as JSON.
    #[pyo3(signature = (history_start, history_end, start, end, options_json = None, med_json = None))]
    #[allow(clippy::too_many_arguments)]
    fn major_event_days(
        &self,
        py: Python<'_>,
        history_start: crate::convert::Text,
        history_end: crate::convert::Text,
        start: crate::convert::Text,
        end: crate::convert::Text,
        options_json: Option<&Bound<'_, PyAny>>,
        med_json: Option<crate::convert::Text>,
    ) -> PyResult<String> {
        let history_start: &str = &history_start;
        let history_end: &str = &history_end;
        let start: &str = &start;
        let end: &str = &end;
        let med_json: Option<&str> = med_json.as_deref();
        let h = period(py, history_start, history_end)?;
        let p = period(py, start, end)?;
        let o = options(py, options_json)?;
        let m: MedOptions =
            med_json.map_or_else(|| Ok(MedOptions::default()), |t| parse(py, "med", t))?;
        let v = py
            .detach(|| rel::major_event_days(&self.inner, &h, &p, &o, &m))
            .py_err(py)?;
        json(py, &v)
    }

    /// DL/T 836 indices over `[start, end)`, as JSON.
    #[pyo3(signature = (start, end, options_json = None, dlt_json = None))]
    fn dlt836(
        &self,
        py: Python<'_>,
        start: crate::convert::Text,
        end: crate::convert::Text,
        options_json: Option<&Bound<'_, PyAny>>,
        dlt_json: Option<crate::convert::Text>,
    ) -> PyResult<String> {
        let start: &str = &start;
        let end: &str = &end;
        let dlt_json: Option<&str> = dlt_json.as_deref();
        let p = period(py, start, end)?;
        let o = options(py, options_json)?;
        let d: DltOptions =
            dlt_json.map_or_else(|| Ok(DltOptions::default()), |t| parse(py, "dlt", t))?;
        let v = py
            .detach(|| rel::dlt836_indices(&self.inner, &p, &o, &d))
            .py_err(py)?;
        json(py, &v)
    }

    /// Frequency and duration by `by` over `[start, end)`, as JSON.
    #[pyo3(signature = (start, end, by, options_json = None))]
    fn frequency_duration(
        &self,
        py: Python<'_>,
        start: crate::convert::Text,
        end: crate::convert::Text,
        by: crate::convert::Text,
        options_json: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let start: &str = &start;
        let end: &str = &end;
        let by: &str = &by;
        let p = period(py, start, end)?;
        let k: StatKey = name(py, "key", by, STAT_KEYS)?;
        let o = options(py, options_json)?;
        let v = py
            .detach(|| rel::frequency_duration(&self.inner, &p, k, &o))
            .py_err(py)?;
        json(py, &v)
    }

    /// The `n` worst groups of `by` by `metric`, as JSON.
    #[pyo3(signature = (start, end, by, metric = "customer_minutes", n = 10, options_json = None))]
    #[allow(clippy::too_many_arguments)]
    fn worst(
        &self,
        py: Python<'_>,
        start: crate::convert::Text,
        end: crate::convert::Text,
        by: crate::convert::Text,
        metric: &str,
        n: usize,
        options_json: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let start: &str = &start;
        let end: &str = &end;
        let by: &str = &by;
        let p = period(py, start, end)?;
        let k: StatKey = name(py, "key", by, STAT_KEYS)?;
        let w: WorstBy = name(
            py,
            "metric",
            metric,
            "customer_minutes, customer_interruptions, outages, energy_kwh",
        )?;
        let o = options(py, options_json)?;
        let v = py
            .detach(|| rel::worst(&self.inner, &p, k, w, n, &o))
            .py_err(py)?;
        json(py, &v)
    }

    /// Durations of the default stage spans over `[start, end)`, as JSON.
    #[pyo3(signature = (start, end, percentiles = vec![50.0, 90.0, 95.0]))]
    fn stage_durations(
        &self,
        py: Python<'_>,
        start: crate::convert::Text,
        end: crate::convert::Text,
        percentiles: Vec<f64>,
    ) -> PyResult<String> {
        let start: &str = &start;
        let end: &str = &end;
        let p = period(py, start, end)?;
        let v = py
            .detach(|| rel::stage_durations(&self.inner, &p, &StageSpan::DEFAULT, &percentiles))
            .py_err(py)?;
        json(py, &v)
    }

    /// Lost energy sales over `[start, end)` at `price_yuan_per_kwh` (a decimal string), as JSON.
    fn lost_sales(
        &self,
        py: Python<'_>,
        start: crate::convert::Text,
        end: crate::convert::Text,
        price_yuan_per_kwh: crate::convert::Text,
    ) -> PyResult<String> {
        let start: &str = &start;
        let end: &str = &end;
        let price_yuan_per_kwh: &str = &price_yuan_per_kwh;
        let p = period(py, start, end)?;
        let price: Decimal = price_yuan_per_kwh.trim().parse().map_err(|_| {
            invalid_argument(py, format!("{price_yuan_per_kwh:?} is not a decimal price"))
        })?;
        let v = py
            .detach(|| rel::lost_sales(&self.inner, &p, price))
            .py_err(py)?;
        json(py, &v)
    }
}

/// The 2.5β threshold of daily SAIDI values (zeros dropped), as JSON.
#[pyfunction]
#[pyo3(signature = (daily_saidi_min, std_dev = "sample", beta_multiplier = 2.5))]
pub(crate) fn med_threshold(
    py: Python<'_>,
    daily_saidi_min: &Bound<'_, PyAny>,
    std_dev: &str,
    beta_multiplier: f64,
) -> PyResult<String> {
    let options = MedOptions {
        std_dev: name(py, "std_dev", std_dev, "sample, population")?,
        beta_multiplier,
    };
    let daily = crate::convert::floats_1d(py, "daily_saidi_min", daily_saidi_min)?;
    let t = MedThreshold::from_daily_saidi(&daily, &options).py_err(py)?;
    json(py, &t)
}
