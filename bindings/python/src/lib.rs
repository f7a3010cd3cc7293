//! Python bindings of gridserve: the module `gridserve._gridserve`.
//!
//! Wrappers, conversions and the exception mapping only; every rule lives in
//! `gridserve-core`. The Python package `gridserve` (in `python/gridserve`) re-exports these
//! classes and adds the pandas conveniences.

// pyo3 hands extracted arguments over by value; taking them by reference is not an option.
#![allow(clippy::needless_pass_by_value)]

use pyo3::prelude::*;

mod advice;
mod arrow;
mod convert;
mod errors;
mod inbound;
mod integrate;
mod interval;
mod network;
mod persist;
mod progress;
mod reliability;
mod restore;
mod scope;
mod scoring;
mod snapshots;
mod tariff;
mod topology;
mod workflow;

/// The compiled part of the `gridserve` package.
#[pymodule]
fn _gridserve(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(errors::_error_examples, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::table_spec, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::read_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::write_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(persist::from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(persist::_topology_in_state, m)?)?;
    m.add_function(wrap_pyfunction!(integrate::integrate, m)?)?;
    m.add_class::<integrate::PyIntegrated>()?;
    m.add_class::<snapshots::PySnapshot>()?;
    m.add_class::<snapshots::PySnapshotStore>()?;
    m.add_class::<network::PyNetwork>()?;
    m.add_class::<topology::PyTopology>()?;
    m.add_class::<scope::PyScope>()?;
    m.add_class::<scope::PyFaultOutcome>()?;
    m.add_class::<scope::PyPlannedOutage>()?;
    m.add_class::<reliability::PyOutageTable>()?;
    m.add_function(wrap_pyfunction!(reliability::med_threshold, m)?)?;
    m.add_class::<workflow::PyWorkflows>()?;
    m.add_class::<workflow::PySystemActor>()?;
    m.add_function(wrap_pyfunction!(scoring::g1_weights, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::entropy_weights, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::combine_weights, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::topsis, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::topsis_stats, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::merge_topsis_stats, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::rank_descending, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::compute_indicators, m)?)?;
    m.add_function(wrap_pyfunction!(scoring::interval_scores, m)?)?;
    m.add_class::<tariff::PyTariff>()?;
    m.add_function(wrap_pyfunction!(tariff::power_factor, m)?)?;
    m.add_function(wrap_pyfunction!(tariff::pf_adjustment_pct, m)?)?;
    m.add_function(wrap_pyfunction!(tariff::break_even_demand_kw, m)?)?;
    m.add_function(wrap_pyfunction!(advice::build_reports, m)?)?;
    m.add_function(wrap_pyfunction!(advice::default_advice_rules, m)?)?;
    m.add_function(wrap_pyfunction!(advice::render_report_html, m)?)?;
    m.add_function(wrap_pyfunction!(advice::render_report_summary, m)?)?;
    m.add_class::<inbound::PyWechatPushGuard>()?;
    m.add_function(wrap_pyfunction!(inbound::wechat_signature, m)?)?;
    m.add_function(wrap_pyfunction!(inbound::parse_wechat_push, m)?)?;
    m.add_function(wrap_pyfunction!(inbound::parse_sms_reports, m)?)?;
    m.add_function(wrap_pyfunction!(inbound::parse_sms_replies, m)?)?;
    Ok(())
}
