//! Core errors → Python exceptions of `gridserve.exceptions`, mapped exhaustively.
//!
//! The classes are defined in Python (so that they can also derive from `ValueError`,
//! `KeyError`, `IndexError` or `OSError`); this module raises them with their structured fields
//! set as attributes.

use gridserve_core::advice::AdviceError;
use gridserve_core::network::NetworkError;
use gridserve_core::notify::NotifyError;
use gridserve_core::reliability::ReliabilityError;
use gridserve_core::scoring::ScoringError;
use gridserve_core::tariff::TariffError;
use gridserve_core::workflow::WorkflowError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Builds an instance of `gridserve.exceptions.<class>` with `message` and attributes.
pub(crate) fn raise(
    py: Python<'_>,
    class: &str,
    message: String,
    attrs: &[(&str, Bound<'_, PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("gridserve.exceptions")?.getattr(class)?;
        let exc = cls.call1((message.clone(),))?;
        for (name, value) in attrs {
            exc.setattr(*name, value)?;
        }
        Ok(PyErr::from_value(exc))
    };
    // If the exceptions module itself cannot be imported, say so rather than lose the error.
    build().unwrap_or_else(|e| {
        PyRuntimeError::new_err(format!("{message} (and raising it failed: {e})"))
    })
}

fn any<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Bound<'py, PyAny> {
    pyo3::IntoPyObjectExt::into_bound_py_any(v, py).unwrap_or_else(|_| py.None().into_bound(py))
}

/// Converts a core network error to the matching Python exception.
pub(crate) fn network_error(py: Python<'_>, err: NetworkError) -> PyErr {
    let message = err.to_string();
    match err {
        NetworkError::Invalid { problems } => {
            let list = PyList::empty(py);
            for p in &problems.0 {
                let d = PyDict::new(py);
                let _ = d.set_item("record", p.record.as_str());
                let _ = d.set_item("id", &p.id);
                let _ = d.set_item("index", p.index);
                let _ = d.set_item("field", p.field);
                let _ = d.set_item("value", &p.value);
                let _ = d.set_item("kind", format!("{:?}", p.kind));
                let _ = d.set_item("message", p.to_string());
                let _ = list.append(d);
            }
            raise(
                py,
                "InvalidNetworkError",
                message,
                &[("problems", list.into_any())],
            )
        }
        NetworkError::TooLarge { what, count, limit } => raise(
            py,
            "TooLargeError",
            message,
            &[
                ("what", any(py, what)),
                ("count", any(py, count)),
                ("limit", any(py, limit)),
            ],
        ),
        NetworkError::UnknownElement { asset } => raise(
            py,
            "UnknownElementError",
            message,
            &[("asset", any(py, asset))],
        ),
        NetworkError::UnknownCustomer { number } => raise(
            py,
            "UnknownCustomerError",
            message,
            &[("number", any(py, number))],
        ),
        NetworkError::IdOutOfRange { kind, id, len } => raise(
            py,
            "IdOutOfRangeError",
            message,
            &[
                ("kind", any(py, kind)),
                ("id", any(py, id)),
                ("len", any(py, len)),
            ],
        ),
        NetworkError::Refused {
            asset,
            action,
            reason,
        } => raise(
            py,
            "OperationRefusedError",
            message,
            &[
                ("asset", any(py, asset)),
                ("action", any(py, crate::convert::action_name(action))),
                ("reason", any(py, crate::convert::enum_name(&reason))),
            ],
        ),
        NetworkError::StateMismatch { .. } => raise(py, "StateMismatchError", message, &[]),
        NetworkError::StaleScope { scope, topology } => raise(
            py,
            "StaleScopeError",
            message,
            &[
                ("scope_version", any(py, scope)),
                ("topology_version", any(py, topology)),
            ],
        ),
        NetworkError::Unmappable {
            table,
            id,
            field,
            value,
            reason,
        } => raise(
            py,
            "UnmappableError",
            message,
            &[
                ("table", any(py, table)),
                ("id", any(py, id)),
                ("field", any(py, field)),
                ("value", any(py, value)),
                ("reason", any(py, reason)),
            ],
        ),
        NetworkError::Parse {
            file,
            line,
            field,
            message: detail,
        } => raise(
            py,
            "ParseError",
            message,
            &[
                ("file", any(py, file)),
                ("line", any(py, line)),
                ("field", any(py, field)),
                ("detail", any(py, detail)),
            ],
        ),
        NetworkError::Io { path, source } => {
            let errno = source.raw_os_error();
            raise(
                py,
                "GridserveIOError",
                message,
                &[("path", any(py, path)), ("errno", any(py, errno))],
            )
        }
        // The core enum is non-exhaustive: a variant added later still reaches Python as the
        // base class with its message.
        other => raise(py, "GridserveError", other.to_string(), &[]),
    }
}

/// `Result<T, NetworkError>` → `PyResult<T>`.
pub(crate) trait IntoPy<T> {
    /// Maps the error to its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, NetworkError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| network_error(py, e))
    }
}

impl<T> IntoPy<T> for Result<T, ReliabilityError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| reliability_error(py, e))
    }
}

/// Converts a core reliability error to the matching Python exception.
pub(crate) fn reliability_error(py: Python<'_>, err: ReliabilityError) -> PyErr {
    let message = err.to_string();
    match err {
        ReliabilityError::InvalidRecords { problems } => {
            let list = PyList::empty(py);
            for p in &problems.0 {
                let d = PyDict::new(py);
                let _ = d.set_item("record", &p.record);
                let _ = d.set_item("index", p.index);
                let _ = d.set_item("field", p.field);
                let _ = d.set_item("value", &p.value);
                let _ = d.set_item("kind", crate::convert::enum_name(&p.kind));
                let _ = d.set_item("message", p.to_string());
                let _ = list.append(d);
            }
            raise(
                py,
                "InvalidOutageRecordsError",
                message,
                &[("problems", list.into_any())],
            )
        }
        ReliabilityError::NeedsCustomerLists { index, record } => raise(
            py,
            "NeedsCustomerListsError",
            message,
            &[("index", any(py, index)), ("record", any(py, record))],
        ),
        ReliabilityError::NotEnoughHistory {
            nonzero_days,
            needed,
        } => raise(
            py,
            "NotEnoughHistoryError",
            message,
            &[
                ("nonzero_days", any(py, nonzero_days)),
                ("needed", any(py, needed)),
            ],
        ),
        ReliabilityError::TooLarge { what, count, limit } => raise(
            py,
            "TooLargeError",
            message,
            &[
                ("what", any(py, what)),
                ("count", any(py, count)),
                ("limit", any(py, limit)),
            ],
        ),
        ReliabilityError::Parse {
            file,
            line,
            field,
            message: detail,
        } => raise(
            py,
            "ParseError",
            message,
            &[
                ("file", any(py, file)),
                ("line", any(py, line)),
                ("field", any(py, field)),
                ("detail", any(py, detail)),
            ],
        ),
        ReliabilityError::Io { path, source } => {
            let errno = source.raw_os_error();
            raise(
                py,
                "GridserveIOError",
                message,
                &[("path", any(py, path)), ("errno", any(py, errno))],
            )
        }
        ReliabilityError::Network(e) => network_error(py, e),
        // Periods, options, daily values and column lengths: bad arguments.
        _ => raise(py, "InvalidArgumentError", message, &[]),
    }
}

impl<T> IntoPy<T> for Result<T, gridserve_core::Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| match e {
            gridserve_core::Error::Network(e) => network_error(py, e),
            gridserve_core::Error::Reliability(e) => reliability_error(py, e),
            gridserve_core::Error::Workflow(e) => workflow_error(py, e),
            gridserve_core::Error::Notify(e) => notify_error(py, e),
            gridserve_core::Error::Scoring(e) => scoring_error(py, e),
            gridserve_core::Error::Tariff(e) => tariff_error(py, e),
            gridserve_core::Error::Advice(e) => advice_error(py, e),
            other => raise(py, "GridserveError", other.to_string(), &[]),
        })
    }
}

/// Converts a core scoring error to the matching Python exception: `NotFiniteError`,
/// `InvalidWeightsError`, `MissingInputError`, `InvalidArgumentError` (unknown names), or
/// `ScoringError`; every one carries `kind` (the variant) and the variant's fields.
pub(crate) fn scoring_error(py: Python<'_>, err: ScoringError) -> PyErr {
    let message = err.to_string();
    let (class, kind, attrs): (&str, &str, Vec<(&str, Bound<'_, PyAny>)>) = match err {
        ScoringError::NotFinite {
            row,
            column,
            criterion,
            value,
        } => (
            "NotFiniteError",
            "not_finite",
            vec![
                ("row", any(py, row)),
                ("column", any(py, column)),
                ("criterion", any(py, criterion)),
                ("value", any(py, value)),
            ],
        ),
        ScoringError::InvalidWeight {
            index,
            criterion,
            value,
            problem,
        } => (
            "InvalidWeightsError",
            "invalid_weight",
            vec![
                ("index", any(py, index)),
                ("criterion", any(py, criterion)),
                ("value", any(py, value)),
                ("problem", any(py, problem)),
            ],
        ),
        ScoringError::ZeroWeights => ("InvalidWeightsError", "zero_weights", vec![]),
        ScoringError::InvalidRatio { position, value } => (
            "InvalidWeightsError",
            "invalid_ratio",
            vec![("position", any(py, position)), ("value", any(py, value))],
        ),
        ScoringError::InvalidOrder { value, problem } => (
            "InvalidWeightsError",
            "invalid_order",
            vec![("value", any(py, value)), ("problem", any(py, problem))],
        ),
        ScoringError::InvalidCoefficient {
            index,
            value,
            problem,
        } => (
            "InvalidWeightsError",
            "invalid_coefficient",
            vec![
                ("index", any(py, index)),
                ("value", any(py, value)),
                ("problem", any(py, problem)),
            ],
        ),
        ScoringError::DegenerateCombination { method } => (
            "InvalidWeightsError",
            "degenerate_combination",
            vec![("method", any(py, method))],
        ),
        ScoringError::MissingInput {
            record,
            id,
            indicator,
            field,
        } => (
            "MissingInputError",
            "missing_input",
            vec![
                ("record", any(py, record)),
                ("id", any(py, id)),
                ("indicator", any(py, indicator)),
                ("field", any(py, field)),
            ],
        ),
        ScoringError::InvalidInput {
            record,
            id,
            field,
            value,
            problem,
        } => (
            "ScoringError",
            "invalid_input",
            vec![
                ("record", any(py, record)),
                ("id", any(py, id)),
                ("field", any(py, field)),
                ("value", any(py, value)),
                ("problem", any(py, problem)),
            ],
        ),
        ScoringError::Unknown { what, name } => (
            "InvalidArgumentError",
            "unknown",
            vec![("what", any(py, what)), ("name", any(py, name))],
        ),
        ScoringError::ShapeMismatch {
            what,
            expected,
            found,
        } => (
            "ScoringError",
            "shape_mismatch",
            vec![
                ("what", any(py, what)),
                ("expected", any(py, expected)),
                ("found", any(py, found)),
            ],
        ),
        ScoringError::Empty { what } => ("ScoringError", "empty", vec![("what", any(py, what))]),
        ScoringError::InvalidInterval {
            column,
            criterion,
            lo,
            hi,
        } => (
            "ScoringError",
            "invalid_interval",
            vec![
                ("column", any(py, column)),
                ("criterion", any(py, criterion)),
                ("lo", any(py, lo)),
                ("hi", any(py, hi)),
            ],
        ),
        ScoringError::TooFewAlternatives { needed, found } => (
            "ScoringError",
            "too_few_alternatives",
            vec![("needed", any(py, needed)), ("found", any(py, found))],
        ),
        ScoringError::NoInformation => ("ScoringError", "no_information", vec![]),
        ScoringError::NotProportion {
            row,
            column,
            criterion,
            value,
            problem,
        } => (
            "ScoringError",
            "not_proportion",
            vec![
                ("row", any(py, row)),
                ("column", any(py, column)),
                ("criterion", any(py, criterion)),
                ("value", any(py, value)),
                ("problem", any(py, problem)),
            ],
        ),
        ScoringError::InvalidOption {
            option,
            value,
            problem,
        } => (
            "ScoringError",
            "invalid_option",
            vec![
                ("option", any(py, option)),
                ("value", any(py, value)),
                ("problem", any(py, problem)),
            ],
        ),
        ScoringError::DuplicateCriterion { name } => (
            "ScoringError",
            "duplicate_criterion",
            vec![("name", any(py, name))],
        ),
        ScoringError::Overflow { column, criterion } => (
            "ScoringError",
            "overflow",
            vec![
                ("column", any(py, column)),
                ("criterion", any(py, criterion)),
            ],
        ),
        // The core enum is non-exhaustive: a later variant still arrives as ScoringError.
        _ => ("ScoringError", "other", vec![]),
    };
    let mut attrs = attrs;
    attrs.push(("kind", any(py, kind)));
    raise(py, class, message, &attrs)
}

impl<T> IntoPy<T> for Result<T, ScoringError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| scoring_error(py, e))
    }
}

impl<T> IntoPy<T> for Result<T, AdviceError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| advice_error(py, e))
    }
}

/// Converts a report error: `AdviceInputError` (`record`, `field`, `value`, `reason`),
/// `AdviceRuleError` (`rule`, `field`, `value`, `reason`), `ParseError`, or the tariff and
/// scoring exceptions of the month or indicator that failed.
pub(crate) fn advice_error(py: Python<'_>, err: AdviceError) -> PyErr {
    let message = err.to_string();
    let s = |v: String| any(py, v);
    match err {
        AdviceError::InvalidInput {
            record,
            field,
            value,
            reason,
        } => raise(
            py,
            "AdviceInputError",
            message,
            &[
                ("record", s(record)),
                ("field", s(field)),
                ("value", s(value)),
                ("reason", s(reason)),
            ],
        ),
        AdviceError::InvalidRule {
            rule,
            field,
            value,
            reason,
        } => raise(
            py,
            "AdviceRuleError",
            message,
            &[
                ("rule", s(rule)),
                ("field", s(field)),
                ("value", s(value)),
                ("reason", s(reason)),
            ],
        ),
        AdviceError::Parse { what, detail } => raise(
            py,
            "ParseError",
            message,
            &[
                ("file", s(what)),
                ("line", py.None().into_bound(py)),
                ("field", py.None().into_bound(py)),
                ("detail", s(detail)),
            ],
        ),
        AdviceError::Tariff(e) => tariff_error(py, e),
        AdviceError::Scoring(e) => scoring_error(py, e),
        _ => raise(py, "GridserveError", message, &[]),
    }
}

impl<T> IntoPy<T> for Result<T, TariffError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| tariff_error(py, e))
    }
}

/// Converts a core tariff error to the matching Python exception; `kind` is the variant's
/// snake_case name.
pub(crate) fn tariff_error(py: Python<'_>, err: TariffError) -> PyErr {
    let message = err.to_string();
    let s = |v: &str| any(py, v.to_owned());
    match err {
        TariffError::UnknownPeriod { context, name } => raise(
            py,
            "UnknownPeriodError",
            message,
            &[("context", s(&context)), ("name", s(&name))],
        ),
        TariffError::ScheduleGap {
            schedule,
            season,
            from,
            to,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("schedule_gap")),
                ("schedule", s(&schedule)),
                ("season", s(&season)),
                ("start", s(&from)),
                ("end", s(&to)),
            ],
        ),
        TariffError::ScheduleOverlap {
            schedule,
            season,
            first,
            second,
            from,
            to,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("schedule_overlap")),
                ("schedule", s(&schedule)),
                ("season", s(&season)),
                ("first", s(first.as_str())),
                ("second", s(second.as_str())),
                ("start", s(&from)),
                ("end", s(&to)),
            ],
        ),
        TariffError::SeasonGap {
            schedule,
            month,
            day_type,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("season_gap")),
                ("schedule", s(&schedule)),
                ("month", any(py, month)),
                ("day_type", s(day_type)),
            ],
        ),
        TariffError::SeasonOverlap {
            schedule,
            first,
            second,
            month,
            day_type,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("season_overlap")),
                ("schedule", s(&schedule)),
                ("first", s(&first)),
                ("second", s(&second)),
                ("month", any(py, month)),
                ("day_type", s(day_type)),
            ],
        ),
        TariffError::SharpOutsideBase {
            schedule,
            season,
            month,
            replaces,
            from,
            to,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("sharp_outside_base")),
                ("schedule", s(&schedule)),
                ("season", s(&season)),
                ("month", any(py, month)),
                ("replaces", s(replaces.as_str())),
                ("start", s(&from)),
                ("end", s(&to)),
            ],
        ),
        TariffError::PriceMissingPeriod {
            table,
            component,
            period,
        } => raise(
            py,
            "PriceError",
            message,
            &[
                ("kind", s("price_missing_period")),
                ("table", s(&table)),
                ("component", s(&component)),
                ("period", s(period.as_str())),
            ],
        ),
        TariffError::NoBasicPrice {
            table,
            record,
            method,
            field,
        } => raise(
            py,
            "PriceError",
            message,
            &[
                ("kind", s("no_basic_price")),
                ("table", s(&table)),
                ("record", s(&record)),
                ("method", s(method)),
                ("field", s(field)),
            ],
        ),
        TariffError::InvalidValue {
            record,
            field,
            value,
            ..
        } => usage_error(py, message, "invalid_value", &record, field, &value),
        TariffError::NegativeQuantity {
            record,
            field,
            value,
        } => usage_error(
            py,
            message,
            "negative_quantity",
            &record,
            &field,
            &value.to_string(),
        ),
        TariffError::PfZeroEnergy { record, kvarh } => usage_error(
            py,
            message,
            "pf_zero_energy",
            &record,
            "energy_kwh",
            &kvarh.to_string(),
        ),
        TariffError::DemandWithoutCapacity {
            record,
            field,
            demand_kw,
        } => usage_error(
            py,
            message,
            "demand_without_capacity",
            &record,
            field,
            &demand_kw.to_string(),
        ),
        TariffError::MissingField { record, field, .. } => {
            usage_error(py, message, "missing_field", &record, field, "")
        }
        TariffError::InvalidDate {
            record,
            field,
            value,
            ..
        } => usage_error(py, message, "invalid_date", &record, field, &value),
        TariffError::Overflow { record, what } => {
            usage_error(py, message, "overflow", &record, what, "")
        }
        TariffError::NotInForce {
            what,
            category,
            voltage,
            date,
        } => raise(
            py,
            "NotInForceError",
            message,
            &[
                ("what", s(what)),
                ("category", s(&category)),
                ("voltage", s(&voltage)),
                ("date", s(&date)),
            ],
        ),
        TariffError::OutsideValidity {
            record,
            what,
            name,
            valid,
            date,
        } => raise(
            py,
            "NotInForceError",
            message,
            &[
                ("what", s(what)),
                ("record", s(&record)),
                ("name", s(&name)),
                ("valid", s(&valid)),
                ("date", s(&date)),
            ],
        ),
        TariffError::Json { what, message: m } => raise(
            py,
            "ParseError",
            message,
            &[
                ("file", s(&what)),
                ("line", py.None().into_bound(py)),
                ("field", py.None().into_bound(py)),
                ("detail", s(&m)),
            ],
        ),
        TariffError::ShapeMismatch {
            quantity,
            got,
            expected,
            ..
        } => raise(
            py,
            "IntervalDataError",
            message,
            &[
                ("kind", s("shape_mismatch")),
                ("quantity", s(quantity)),
                ("got", any(py, got)),
                ("expected", any(py, expected)),
            ],
        ),
        TariffError::BadReading {
            quantity,
            customer,
            row,
            interval,
            value,
        } => raise(
            py,
            "IntervalDataError",
            message,
            &[
                ("kind", s("bad_reading")),
                ("quantity", s(quantity)),
                ("customer", s(&customer)),
                ("row", any(py, row)),
                ("interval", any(py, interval)),
                ("value", any(py, value)),
            ],
        ),
        TariffError::BadLayout { reason } => raise(
            py,
            "IntervalDataError",
            message,
            &[("kind", s("bad_layout")), ("reason", s(&reason))],
        ),
        other => raise(py, "GridserveError", other.to_string(), &[]),
    }
}

fn usage_error(
    py: Python<'_>,
    message: String,
    kind: &str,
    record: &str,
    field: &str,
    value: &str,
) -> PyErr {
    let s = |v: &str| any(py, v.to_owned());
    raise(
        py,
        "TariffInputError",
        message,
        &[
            ("kind", s(kind)),
            ("record", s(record)),
            ("field", s(field)),
            ("value", s(value)),
        ],
    )
}

/// An argument gridserve does not know (unknown action or table name).
pub(crate) fn invalid_argument(py: Python<'_>, message: String) -> PyErr {
    raise(py, "InvalidArgumentError", message, &[])
}

/// Converts a notice error to `NoticeError` with its structured fields.
pub(crate) fn notify_error(py: Python<'_>, err: NotifyError) -> PyErr {
    let message = err.to_string();
    let (template, field, value) = match &err {
        NotifyError::UnknownTemplate { template } | NotifyError::SmsTooLong { template, .. } => {
            (Some(template.clone()), None, None)
        }
        NotifyError::MissingVariable {
            template, field, ..
        }
        | NotifyError::BadTemplate {
            template, field, ..
        } => (Some(template.clone()), Some(field.clone()), None),
        NotifyError::FieldTooLong {
            template,
            field,
            value,
            ..
        }
        | NotifyError::FieldInvalid {
            template,
            field,
            value,
            ..
        } => (
            Some(template.clone()),
            Some(field.clone()),
            Some(value.clone()),
        ),
        NotifyError::NoChannelForm { template, .. } => (Some(template.clone()), None, None),
        NotifyError::UnknownCustomer { number } => {
            return raise(
                py,
                "UnknownCustomerError",
                message,
                &[("number", any(py, number.clone()))],
            );
        }
        _ => (None, None, None),
    };
    raise(
        py,
        "NoticeError",
        message,
        &[
            ("template", any(py, template)),
            ("field", any(py, field)),
            ("value", any(py, value)),
        ],
    )
}

/// Converts a workflow error to the matching Python exception.
pub(crate) fn workflow_error(py: Python<'_>, err: WorkflowError) -> PyErr {
    let message = err.to_string();
    match err {
        WorkflowError::Forbidden {
            stream,
            command,
            actor,
            allowed,
            other_customer,
        } => {
            let allowed: Vec<String> = allowed.iter().map(crate::convert::enum_name).collect();
            raise(
                py,
                "ForbiddenError",
                message,
                &[
                    ("stream", any(py, stream)),
                    ("command", any(py, command)),
                    ("actor", any(py, actor)),
                    ("allowed", any(py, allowed)),
                    ("other_customer", any(py, other_customer)),
                ],
            )
        }
        WorkflowError::WrongState {
            stream,
            command,
            state,
        } => raise(
            py,
            "WrongStateError",
            message,
            &[
                ("stream", any(py, stream)),
                ("command", any(py, command)),
                ("state", any(py, state)),
            ],
        ),
        WorkflowError::Conflict {
            stream,
            expected,
            actual,
        } => raise(
            py,
            "VersionConflictError",
            message,
            &[
                ("stream", any(py, stream)),
                ("expected", any(py, expected)),
                ("actual", any(py, actual)),
            ],
        ),
        WorkflowError::UnknownCustomer { number } => raise(
            py,
            "UnknownCustomerError",
            message,
            &[("number", any(py, number))],
        ),
        WorkflowError::UnknownDevice { asset } => raise(
            py,
            "UnknownElementError",
            message,
            &[("asset", any(py, asset))],
        ),
        WorkflowError::UnknownContact { customer, phone } => raise(
            py,
            "UnknownContactError",
            message,
            &[("customer", any(py, customer)), ("phone", any(py, phone))],
        ),
        WorkflowError::Invalid {
            stream,
            command,
            field,
            value,
            reason,
        } => raise(
            py,
            "InvalidCommandError",
            message,
            &[
                ("stream", any(py, stream)),
                ("command", any(py, command)),
                ("field", any(py, field)),
                ("value", any(py, value)),
                ("reason", any(py, reason)),
            ],
        ),
        WorkflowError::NoticePeriod {
            stream,
            given_hours,
            required_hours,
            temporary,
            ..
        } => raise(
            py,
            "NoticePeriodError",
            message,
            &[
                ("stream", any(py, stream)),
                ("command", any(py, "announce")),
                ("given_hours", any(py, given_hours)),
                ("required_hours", any(py, required_hours)),
                ("temporary", any(py, temporary)),
            ],
        ),
        WorkflowError::Notify(e) => notify_error(py, e),
        WorkflowError::Unknown { .. } => raise(py, "InvalidArgumentError", message, &[]),
        WorkflowError::Store(_) | WorkflowError::Corrupt { .. } => {
            raise(py, "EventStoreError", message, &[])
        }
        other => raise(py, "GridserveError", other.to_string(), &[]),
    }
}

impl<T> IntoPy<T> for Result<T, WorkflowError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| workflow_error(py, e))
    }
}
