//! Outage inference, FLISR plans and loading for `Topology`: conversions only.
//!
//! Evidence and options arrive as JSON-shaped Python data through the one JSON converter; the
//! results are plain dicts, with the per-row parts (outages, steps, isolators, loading) as
//! dicts of columns ready for `pandas.DataFrame`.

use std::sync::Arc;

use gridserve_core::network::capacity::CapacityOptions;
use gridserve_core::network::error::Action;
use gridserve_core::network::infer::{Evidence, InferenceOptions, InferredOutage};
use gridserve_core::network::predict::{FailureRates, Indices};
use gridserve_core::network::restore::{PlanStep, RestorationOptions, RestorationPlan, Stage};
use gridserve_core::network::{ElementId, Network, Topology, Trip};
use gridserve_core::workflow::outage::OutageCommand;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::convert::{self, json_arg, operation_pairs, value_to_py};
use crate::errors::IntoPy;
use crate::topology::trip_asset;

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
        "topology_version": topo.version(),
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
        "topology_version": plan.topology_version,
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

/// The parts of a `Topology.infer` result an outage command needs.
#[derive(Deserialize)]
struct InferenceIn {
    outages: InferredColumns,
    topology_version: u64,
}

#[derive(Deserialize)]
struct InferredColumns {
    device: Vec<String>,
    confidence: Vec<f64>,
    customers: Vec<usize>,
    reports_off: Vec<usize>,
    reports_on: Vec<usize>,
    tripped: Vec<bool>,
    evidence: Vec<Vec<usize>>,
}

/// The parts of a `Topology.restoration_plan` result an outage command needs.
#[derive(Deserialize)]
struct PlanIn {
    fault: String,
    tripped: Vec<String>,
    steps: StepColumns,
    customers_out: usize,
    load_out_kw: f64,
    customers_remaining: usize,
    load_remaining_kw: f64,
    topology_version: u64,
}

#[derive(Deserialize)]
struct StepColumns {
    device: Vec<String>,
    action: Vec<Action>,
    stage: Vec<Stage>,
    remote: Vec<bool>,
    customers_restored: Vec<usize>,
    load_restored_kw: Vec<f64>,
}

/// The element with asset number `asset` as a tripped device (a switch or a source).
fn trip_of(py: Python<'_>, net: &Network, what: &str, asset: &str) -> PyResult<Trip> {
    match net.element(asset).py_err(py)? {
        ElementId::Line(l) if net.line(l).as_switch().is_some() => Ok(Trip::Switch(l)),
        ElementId::Source(s) => Ok(Trip::Source(s)),
        _ => Err(crate::errors::invalid_argument(
            py,
            format!(
                "{what} {:?} is neither a switch nor a source",
                gridserve_core::excerpt(asset)
            ),
        )),
    }
}

fn column_len_error(py: Python<'_>, what: &str) -> PyErr {
    crate::errors::invalid_argument(py, format!("{what}: the columns have different lengths"))
}

/// `Topology.trace_inferred_command`.
pub(crate) fn trace_inferred_command<'py>(
    py: Python<'py>,
    net: &Arc<Network>,
    topo: Arc<Topology>,
    inference: &Bound<'py, PyAny>,
    evidence: &Bound<'py, PyAny>,
    index: usize,
    etr: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let inf: InferenceIn = json_arg(py, "inference", inference)?;
    let items: Vec<Evidence> = json_arg(py, "evidence", evidence)?;
    let etr = match etr {
        Some(t) if !t.is_none() => Some(convert::time_arg(py, "etr", t)?),
        _ => None,
    };
    let o = &inf.outages;
    let n = o.device.len();
    if [
        o.confidence.len(),
        o.customers.len(),
        o.reports_off.len(),
        o.reports_on.len(),
        o.tripped.len(),
        o.evidence.len(),
    ]
    .iter()
    .any(|&l| l != n)
    {
        return Err(column_len_error(py, "inference[\"outages\"]"));
    }
    if index >= n {
        return Err(pyo3::exceptions::PyIndexError::new_err(format!(
            "index {index}: the inference has {n} outages"
        )));
    }
    let outage = InferredOutage {
        device: trip_of(py, net, "inferred device", &o.device[index])?,
        confidence: o.confidence[index],
        customers: o.customers[index],
        reports_off: o.reports_off[index],
        reports_on: o.reports_on[index],
        tripped: o.tripped[index],
        evidence: o.evidence[index].clone(),
        topology_version: inf.topology_version,
    };
    let command = OutageCommand::trace_inferred(&topo, &outage, &items, etr).py_err(py)?;
    convert::to_py(py, &command)
}

/// `Topology.attach_plan_command`.
pub(crate) fn attach_plan_command<'py>(
    py: Python<'py>,
    net: &Arc<Network>,
    topo: Arc<Topology>,
    plan: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let p: PlanIn = json_arg(py, "plan", plan)?;
    let c = &p.steps;
    let n = c.device.len();
    if [
        c.action.len(),
        c.stage.len(),
        c.remote.len(),
        c.customers_restored.len(),
        c.load_restored_kw.len(),
    ]
    .iter()
    .any(|&l| l != n)
    {
        return Err(column_len_error(py, "plan[\"steps\"]"));
    }
    let mut steps = Vec::with_capacity(n);
    for i in 0..n {
        steps.push(PlanStep {
            element: net.element(&c.device[i]).py_err(py)?,
            action: c.action[i],
            stage: c.stage[i],
            remote: c.remote[i],
            customers_restored: c.customers_restored[i],
            load_restored_kw: c.load_restored_kw[i],
            source: None,
            headroom_kva: None,
        });
    }
    let plan = RestorationPlan {
        fault: net.element(&p.fault).py_err(py)?,
        tripped: p
            .tripped
            .iter()
            .map(|t| trip_of(py, net, "tripped device", t))
            .collect::<PyResult<_>>()?,
        section: Vec::new(),
        isolators: Vec::new(),
        steps,
        customers_out: p.customers_out,
        load_out_kw: p.load_out_kw,
        customers_remaining: p.customers_remaining,
        load_remaining_kw: p.load_remaining_kw,
        topology_version: p.topology_version,
    };
    let command = py
        .detach(|| OutageCommand::attach_plan(&topo, &plan))
        .py_err(py)?;
    convert::to_py(py, &command)
}
