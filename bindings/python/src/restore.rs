//! Outage inference, FLISR plans and loading for `Topology`: conversions only.
//!
//! Evidence and options arrive as JSON-shaped Python data through the one JSON converter; the
//! results are plain dicts, with the per-row parts (outages, steps, isolators, loading) as
//! dicts of columns ready for `pandas.DataFrame`.

use std::sync::Arc;

use gridserve_core::network::capacity::CapacityOptions;
use gridserve_core::network::infer::{Evidence, InferenceOptions};
use gridserve_core::network::predict::{FailureRates, Indices};
use gridserve_core::network::restore::RestorationOptions;
use gridserve_core::network::{ElementId, Network, Topology, Trip};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Value, json};

use crate::convert::{self, json_arg, operation_pairs, value_to_py};
use crate::errors::IntoPy;
use crate::network::trip_asset;

fn opt<T: serde::de::DeserializeOwned + Default>(
    py: Python<'_>,
    given: Option<&Bound<'_, PyAny>>,
) -> PyResult<T> {
    match given {
        None => Ok(T::default()),
        Some(o) if o.is_none() => Ok(T::default()),
        Some(o) => json_arg(py, "options", o),
    }
}

/// Records as a dict of columns (every record has the same keys, in `fields` order).
fn columns(records: &[Value], fields: &[&str]) -> Value {
    let mut out = serde_json::Map::new();
    for f in fields {
        let col: Vec<Value> = records
            .iter()
            .map(|r| r.get(*f).cloned().unwrap_or(Value::Null))
            .collect();
        out.insert((*f).to_owned(), Value::Array(col));
    }
    Value::Object(out)
}

/// `Topology.infer`.
pub(crate) fn infer<'py>(
    py: Python<'py>,
    net: &Arc<Network>,
    topo: Arc<Topology>,
    evidence: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let items: Vec<Evidence> = json_arg(py, "evidence", evidence)?;
    let o: InferenceOptions = opt(py, options)?;
    let inf = py.detach(|| topo.infer(&items, &o)).py_err(py)?;
    let rows: Vec<Value> = inf
        .outages
        .iter()
        .map(|x| {
            json!({
                "device": trip_asset(net, x.device),
                "device_type": match x.device {
                    Trip::Switch(_) => "switch",
                    Trip::Source(_) => "source",
                },
                "confidence": x.confidence,
                "customers": x.customers,
                "reports_off": x.reports_off,
                "reports_on": x.reports_on,
                "tripped": x.tripped,
                "evidence": x.evidence,
            })
        })
        .collect();
    let out = json!({
        "outages": columns(&rows, &["device", "device_type", "confidence", "customers",
            "reports_off", "reports_on", "tripped", "evidence"]),
        "already_out": inf.already_out,
        "contradicting": inf.contradicting,
    });
    Ok(value_to_py(py, &out)?.cast_into::<PyDict>()?)
}

/// `Topology.restoration_plan`.
pub(crate) fn restoration_plan<'py>(
    py: Python<'py>,
    net: &Arc<Network>,
    topo: Arc<Topology>,
    fault: &str,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let e = net.element(fault).py_err(py)?;
    let o: RestorationOptions = opt(py, options)?;
    let plan = py.detach(|| topo.restoration_plan(e, &o)).py_err(py)?;
    let asset = |e: ElementId| net.asset(e).to_owned();
    let steps: Vec<Value> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "step": i + 1,
                "device": asset(s.element),
                "action": convert::action_name(s.action),
                "stage": convert::enum_name(&s.stage),
                "remote": s.remote,
                "customers_restored": s.customers_restored,
                "load_restored_kw": s.load_restored_kw,
                "source": s.source.map(|x| net.source_asset(x).to_owned()),
                "headroom_kva": s.headroom_kva,
            })
        })
        .collect();
    let isolators: Vec<Value> = plan
        .isolators
        .iter()
        .map(|x| {
            json!({
                "device": net.line_asset(x.device),
                "upstream": x.upstream,
                "remote": x.remote,
                "remote_alternatives": x.remote_alternatives.iter()
                    .map(|&l| net.line_asset(l)).collect::<Vec<_>>(),
                "customers_left_out": x.customers_left_out,
            })
        })
        .collect();
    let out = json!({
        "fault": fault,
        "tripped": plan.tripped.iter().map(|&t| trip_asset(net, t)).collect::<Vec<_>>(),
        "section": plan.section.iter().map(|&p| net.point_asset(p)).collect::<Vec<_>>(),
        "isolators": columns(&isolators, &["device", "upstream", "remote",
            "remote_alternatives", "customers_left_out"]),
        "steps": columns(&steps, &["step", "device", "action", "stage", "remote",
            "customers_restored", "load_restored_kw", "source", "headroom_kva"]),
        "customers_out": plan.customers_out,
        "load_out_kw": plan.load_out_kw,
        "customers_remaining": plan.customers_remaining,
        "load_remaining_kw": plan.load_remaining_kw,
        "operations": operation_pairs(net, &plan.operations()),
    });
    Ok(value_to_py(py, &out)?.cast_into::<PyDict>()?)
}

/// `Topology.loading`.
pub(crate) fn loading<'py>(
    py: Python<'py>,
    net: &Arc<Network>,
    topo: Arc<Topology>,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let o: CapacityOptions = opt(py, options)?;
    let l = py.detach(|| topo.loading(&o)).py_err(py)?;
    let sources: Vec<Value> = l
        .sources
        .iter()
        .map(|s| {
            json!({
                "source": net.source_asset(s.source),
                "load_kw": s.load_kw,
                "load_kva": s.load_kva,
                "capacity_kva": s.capacity_kva,
                "utilisation": s.utilisation,
            })
        })
        .collect();
    let lines: Vec<Value> = l
        .lines
        .iter()
        .map(|x| {
            json!({
                "line": net.line_asset(x.line),
                "flow_kva": x.flow_kva,
                "limit_kva": x.limit_kva,
                "utilisation": x.utilisation,
            })
        })
        .collect();
    let out = json!({
        "sources": columns(&sources, &["source", "load_kw", "load_kva", "capacity_kva", "utilisation"]),
        "lines": columns(&lines, &["line", "flow_kva", "limit_kva", "utilisation"]),
    });
    Ok(value_to_py(py, &out)?.cast_into::<PyDict>()?)
}

/// `Topology.predict_reliability`.
pub(crate) fn predict_reliability<'py>(
    py: Python<'py>,
    net: &Arc<Network>,
    topo: Arc<Topology>,
    rates: Option<&Bound<'py, PyAny>>,
    options: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let r: FailureRates = match rates {
        Some(o) if !o.is_none() => json_arg(py, "rates", o)?,
        _ => FailureRates::default(),
    };
    let o: RestorationOptions = opt(py, options)?;
    let p = py.detach(|| topo.predict_reliability(&r, &o)).py_err(py)?;
    let rows: Vec<Value> = p
        .feeders
        .iter()
        .map(|f| {
            json!({
                "source": net.source_asset(f.source),
                "customers": f.without_flisr.customers,
                "saifi": f.without_flisr.saifi,
                "saidi_min": f.without_flisr.saidi_min,
                "ens_kwh": f.without_flisr.ens_kwh,
                "saifi_flisr": f.with_flisr.saifi,
                "saidi_min_flisr": f.with_flisr.saidi_min,
                "ens_kwh_flisr": f.with_flisr.ens_kwh,
            })
        })
        .collect();
    let sys = |i: &Indices| {
        json!({"customers": i.customers, "saifi": i.saifi, "saidi_min": i.saidi_min,
               "ens_kwh": i.ens_kwh})
    };
    let out = json!({
        "feeders": columns(&rows, &["source", "customers", "saifi", "saidi_min", "ens_kwh",
            "saifi_flisr", "saidi_min_flisr", "ens_kwh_flisr"]),
        "system": sys(&p.system_without_flisr),
        "system_flisr": sys(&p.system_with_flisr),
        "sections": p.sections,
    });
    Ok(value_to_py(py, &out)?.cast_into::<PyDict>()?)
}
