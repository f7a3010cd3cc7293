//! `Network` and `Topology` (the answers, `Scope` and the rest, are in `scope.rs`): thin wrappers over
//! `gridserve_core::network`, with heavy calls run with the GIL released.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use gridserve_core::access::{MaskPersonal, Masking, MaskingPolicy, Role};
use gridserve_core::network::records::NetworkData;
use gridserve_core::network::{
    Applied, ElementId, LineId, LineKind, Network, NetworkError, Operation, PointId, Topology,
    Trip, ValidationOptions, busbranch, io,
};
use gridserve_synth::{self as synth, SynthConfig};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{self, columns, element_kind, to_py};
use crate::errors::IntoPy;
use crate::scope::{PyFaultOutcome, PyPlannedOutage, PyScope};

/// A validated distribution network (immutable; share it freely between threads).
#[pyclass(frozen, module = "gridserve._gridserve", name = "Network")]
pub struct PyNetwork {
    pub(crate) inner: Arc<Network>,
}

impl PyNetwork {
    pub(crate) fn build(py: Python<'_>, data: NetworkData, allow_isolated: bool) -> PyResult<Self> {
        let options = ValidationOptions {
            allow_isolated_points: allow_isolated,
        };
        let net = py
            .detach(move || Network::from_data_with(&data, options))
            .py_err(py)?;
        Ok(Self {
            inner: Arc::new(net),
        })
    }
}

impl PyNetwork {
    /// The network's records with personal data masked for the reader's `roles`.
    fn masked_data(
        &self,
        py: Python<'_>,
        roles: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<NetworkData> {
        let masking = reader_masking(py, roles)?;
        let net = &self.inner;
        let mut data = py.detach(|| net.to_data());
        data.mask_personal(masking);
        Ok(data)
    }
}

const TABLES: [&str; 7] = [
    "points",
    "segments",
    "switches",
    "transformers",
    "sources",
    "customers",
    "contacts",
];

#[pymethods]
impl PyNetwork {
    /// Reads a folder in the CSV layout and validates it.
    #[staticmethod]
    #[pyo3(signature = (path, allow_isolated_points = false))]
    fn from_csv_dir(py: Python<'_>, path: PathBuf, allow_isolated_points: bool) -> PyResult<Self> {
        let data = py.detach(|| io::read_csv_dir(&path)).py_err(py)?;
        Self::build(py, data, allow_isolated_points)
    }

    /// Builds from CSV texts, one per table of the layout (`points` required).
    #[staticmethod]
    #[pyo3(signature = (tables, allow_isolated_points = false))]
    fn from_csv_texts(
        py: Python<'_>,
        tables: HashMap<String, crate::convert::Text>,
        allow_isolated_points: bool,
    ) -> PyResult<Self> {
        let tables: HashMap<String, String> = tables.into_iter().map(|(k, v)| (k, v.0)).collect();
        if let Some(unknown) = tables.keys().find(|k| !TABLES.contains(&k.as_str())) {
            return Err(crate::errors::invalid_argument(
                py,
                format!(
                    "unknown table {unknown:?}: expected some of {}",
                    TABLES.join(", ")
                ),
            ));
        }
        let get = |name: &str| tables.get(name).map(|s| s.as_bytes());
        let readers = io::CsvReaders {
            points: get("points"),
            segments: get("segments"),
            switches: get("switches"),
            transformers: get("transformers"),
            sources: get("sources"),
            customers: get("customers"),
            contacts: get("contacts"),
        };
        let data = py.detach(|| io::read_csv(readers)).py_err(py)?;
        Self::build(py, data, allow_isolated_points)
    }

    /// Builds from Arrow tables, one per table of the layout (`points` required): anything
    /// with `__arrow_c_stream__` (pyarrow, polars, pandas >= 2.2, DuckDB). The columns, cell
    /// rules and errors are those of the CSV layout; an error names the table and the row as
    /// its index plus 2 (as if the header were line 1).
    #[staticmethod]
    #[pyo3(signature = (tables, allow_isolated_points = false))]
    fn from_arrow(
        py: Python<'_>,
        tables: HashMap<String, Bound<'_, PyAny>>,
        allow_isolated_points: bool,
    ) -> PyResult<Self> {
        let mut arrow = io::ArrowTables::default();
        for (name, obj) in &tables {
            let slot = match name.as_str() {
                "points" => &mut arrow.points,
                "segments" => &mut arrow.segments,
                "switches" => &mut arrow.switches,
                "transformers" => &mut arrow.transformers,
                "sources" => &mut arrow.sources,
                "customers" => &mut arrow.customers,
                "contacts" => &mut arrow.contacts,
                unknown => {
                    return Err(crate::errors::invalid_argument(
                        py,
                        format!(
                            "unknown table {:?}: expected some of {}",
                            gridserve_core::excerpt(unknown),
                            TABLES.join(", ")
                        ),
                    ));
                }
            };
            let (schema, batches) = crate::arrow::table_arg(py, name, obj)?;
            *slot = Some(io::ArrowBatches { schema, batches });
        }
        let data = py
            .detach(|| io::read_arrow(arrow, str::to_owned))
            .py_err(py)?;
        Self::build(py, data, allow_isolated_points)
    }

    /// Reads a folder of Parquet files, one per table (`points.parquet` required), with the
    /// columns of the CSV layout.
    #[staticmethod]
    #[pyo3(signature = (path, allow_isolated_points = false))]
    fn from_parquet(py: Python<'_>, path: PathBuf, allow_isolated_points: bool) -> PyResult<Self> {
        let data = py.detach(|| io::read_parquet_dir(&path)).py_err(py)?;
        Self::build(py, data, allow_isolated_points)
    }

    /// The network's records as pyarrow Tables, one per table of the layout. Customer names
    /// and contact names and phone numbers are masked unless `roles` include one the masking
    /// policy lets read them in the clear.
    #[pyo3(signature = (roles = None))]
    fn to_arrow<'py>(
        &self,
        py: Python<'py>,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let data = self.masked_data(py, roles)?;
        let tables = py.detach(|| io::write_arrow(&data));
        let out = PyDict::new(py);
        for (name, table) in TABLES.iter().zip([
            tables.points,
            tables.segments,
            tables.switches,
            tables.transformers,
            tables.sources,
            tables.customers,
            tables.contacts,
        ]) {
            let table = table.expect("the writer gives every table");
            out.set_item(
                name,
                crate::arrow::to_pyarrow(py, table.schema, table.batches)?,
            )?;
        }
        Ok(out)
    }

    /// Writes the network to a folder of Parquet files, one per table, masked as
    /// [`to_arrow`](Self::to_arrow) unless `roles` allow the clear.
    #[pyo3(signature = (path, roles = None))]
    fn to_parquet(
        &self,
        py: Python<'_>,
        path: PathBuf,
        roles: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let data = self.masked_data(py, roles)?;
        py.detach(|| io::write_parquet_dir(&data, &path)).py_err(py)
    }

    /// Reads the JSON form from a file and validates it.
    #[staticmethod]
    #[pyo3(signature = (path, allow_isolated_points = false))]
    fn from_json_file(
        py: Python<'_>,
        path: PathBuf,
        allow_isolated_points: bool,
    ) -> PyResult<Self> {
        let data = py.detach(|| io::read_json_file(&path)).py_err(py)?;
        Self::build(py, data, allow_isolated_points)
    }

    /// Reads a CIM RDF/XML file (the CGMES equipment-profile subset of `docs/formats/cim.md`)
    /// and builds the network it describes. `asset_id`: `"name"` (`IdentifiedObject.name`, the
    /// default) or `"mrid"`.
    #[staticmethod]
    #[pyo3(signature = (
        path,
        asset_id = "name",
        *,
        machines_as_sources = false,
        source_capacity_kva = None,
        segment_length_m = None,
        consumer_load_kw = 0.0,
        allow_isolated_points = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn from_cim(
        py: Python<'_>,
        path: PathBuf,
        asset_id: &str,
        machines_as_sources: bool,
        source_capacity_kva: Option<f64>,
        segment_length_m: Option<f64>,
        consumer_load_kw: f64,
        allow_isolated_points: bool,
    ) -> PyResult<Self> {
        use gridserve_core::cim::{AssetId, CimOptions, read_cim_file};
        let asset_id = match asset_id {
            "name" => AssetId::Name,
            "mrid" => AssetId::Mrid,
            other => {
                return Err(crate::errors::invalid_argument(
                    py,
                    format!(
                        "asset_id {:?}: expected \"name\" or \"mrid\"",
                        gridserve_core::excerpt(other)
                    ),
                ));
            }
        };
        let options = CimOptions {
            asset_id,
            machines_as_sources,
            source_capacity_kva,
            segment_length_m,
            consumer_load_kw,
        };
        let data = py
            .detach(|| read_cim_file(&path, &options)?.to_network_data(&options))
            .py_err(py)?;
        Self::build(py, data, allow_isolated_points)
    }

    /// Parses the JSON form from a string and validates it.
    #[staticmethod]
    #[pyo3(signature = (text, allow_isolated_points = false))]
    fn from_json(
        py: Python<'_>,
        text: crate::convert::Text,
        allow_isolated_points: bool,
    ) -> PyResult<Self> {
        let text: &str = &text;
        let data = io::read_json(text.as_bytes()).py_err(py)?;
        Self::build(py, data, allow_isolated_points)
    }

    /// A synthetic network of about `points` points (seeded, reproducible). The keyword
    /// arguments override the generator's settings for that size (see
    /// `gridserve_synth::SynthConfig`).
    #[staticmethod]
    #[pyo3(signature = (
        points,
        seed = 1,
        *,
        closed_tie_fraction = None,
        tie_fraction = None,
        substations = None,
        feeders_per_substation = None,
        dedicated_share = None,
        lv_customers_per_public = None,
        critical_share = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn synthetic(
        py: Python<'_>,
        points: crate::convert::Whole<usize>,
        seed: u64,
        closed_tie_fraction: Option<f64>,
        tie_fraction: Option<f64>,
        substations: Option<crate::convert::Whole<usize>>,
        feeders_per_substation: Option<crate::convert::Whole<usize>>,
        dedicated_share: Option<f64>,
        lv_customers_per_public: Option<(usize, usize)>,
        critical_share: Option<f64>,
    ) -> PyResult<Self> {
        let points: usize = points.0;
        let substations: Option<usize> = substations.map(|w| w.0);
        let feeders_per_substation: Option<usize> = feeders_per_substation.map(|w| w.0);
        let mut c = SynthConfig::with_points(points, seed);
        c.closed_tie_fraction = closed_tie_fraction.unwrap_or(c.closed_tie_fraction);
        c.tie_fraction = tie_fraction.unwrap_or(c.tie_fraction);
        c.substations = substations.unwrap_or(c.substations);
        c.feeders_per_substation = feeders_per_substation.unwrap_or(c.feeders_per_substation);
        c.dedicated_share = dedicated_share.unwrap_or(c.dedicated_share);
        c.lv_customers_per_public = lv_customers_per_public.unwrap_or(c.lv_customers_per_public);
        c.critical_share = critical_share.unwrap_or(c.critical_share);
        let data = py.detach(|| synth::generate(&c));
        Self::build(py, data, false)
    }

    /// The seed paper's demo county: about 2,200 dedicated-transformer customers.
    #[staticmethod]
    #[pyo3(signature = (seed = 2024))]
    fn county(py: Python<'_>, seed: u64) -> PyResult<Self> {
        let data = py.detach(|| synth::generate(&SynthConfig::county(seed)));
        Self::build(py, data, false)
    }

    /// Maps a bus-branch model (pandapower's tables) to a network: `tables` maps each table of
    /// `gridserve_core::network::busbranch::BusBranch` (`buses`, `lines`, `trafos`,
    /// `trafo3ws`, `impedances`, `dclines`, `tcscs`, `switches`, `ext_grids`, `gens`, `vscs`, `slacks`, `loads`) to its
    /// columns (`{column: list}`). Returns the network and the index maps as numpy arrays
    /// (`point_buses` uses -1 for points the mapping adds; `trafo3w_lines` is flat, three per
    /// row).
    #[staticmethod]
    #[pyo3(signature = (tables, source_capacity_kva = 1e6, allow_isolated_buses = true))]
    fn from_bus_branch<'py>(
        py: Python<'py>,
        tables: &Bound<'py, PyDict>,
        source_capacity_kva: f64,
        allow_isolated_buses: bool,
    ) -> PyResult<(Self, Bound<'py, PyDict>)> {
        let bb = convert::bus_branch(py, tables)?;
        let options = busbranch::BusBranchOptions {
            source_capacity_kva,
            allow_isolated_buses,
        };
        let (net, map) = py
            .detach(|| busbranch::to_network(&bb, &options))
            .py_err(py)?;
        let ids = |v: &[LineId]| v.iter().map(|l| l.0).collect::<Vec<u32>>();
        let maps = PyDict::new(py);
        maps.set_item("bus_points", point_array(py, map.bus_points.clone()))?;
        let point_buses: Vec<i64> = map.point_buses.iter().map(|b| b.unwrap_or(-1)).collect();
        maps.set_item("point_buses", point_buses.into_pyarray(py))?;
        maps.set_item("line_lines", ids(&map.line_lines).into_pyarray(py))?;
        maps.set_item("trafo_lines", ids(&map.trafo_lines).into_pyarray(py))?;
        let t3: Vec<u32> = map.trafo3w_lines.iter().flatten().map(|l| l.0).collect();
        maps.set_item("trafo3w_lines", t3.into_pyarray(py))?;
        maps.set_item(
            "impedance_lines",
            ids(&map.impedance_lines).into_pyarray(py),
        )?;
        maps.set_item("dcline_lines", ids(&map.dcline_lines).into_pyarray(py))?;
        maps.set_item("tcsc_lines", ids(&map.tcsc_lines).into_pyarray(py))?;
        maps.set_item("switch_lines", ids(&map.switch_lines).into_pyarray(py))?;
        let sources: Vec<u32> = map.slack_sources.iter().map(|s| s.0).collect();
        maps.set_item("slack_sources", sources.into_pyarray(py))?;
        let customers: Vec<u32> = map.load_customers.iter().map(|c| c.0).collect();
        maps.set_item("load_customers", customers.into_pyarray(py))?;
        Ok((
            Self {
                inner: Arc::new(net),
            },
            maps,
        ))
    }

    /// Writes the network as a folder in the CSV layout.
    fn write_csv_dir(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let net = &self.inner;
        py.detach(|| io::write_csv_dir(&net.to_data(), &path))
            .py_err(py)
    }

    /// The CSV texts of the layout, one per table.
    fn to_csv_texts(&self, py: Python<'_>) -> PyResult<HashMap<String, String>> {
        let net = &self.inner;
        let t = py
            .detach(|| io::write_csv_tables(&net.to_data()))
            .py_err(py)?;
        Ok(HashMap::from([
            ("points".to_owned(), t.points),
            ("segments".to_owned(), t.segments),
            ("switches".to_owned(), t.switches),
            ("transformers".to_owned(), t.transformers),
            ("sources".to_owned(), t.sources),
            ("customers".to_owned(), t.customers),
            ("contacts".to_owned(), t.contacts),
        ]))
    }

    /// The JSON form as a string.
    #[pyo3(signature = (pretty = false))]
    fn to_json(&self, py: Python<'_>, pretty: bool) -> PyResult<String> {
        let net = &self.inner;
        let bytes = py
            .detach(|| {
                let mut out = Vec::new();
                io::write_json(&net.to_data(), &mut out, pretty).map(|()| out)
            })
            .py_err(py)?;
        String::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// Writes the JSON form to a file.
    #[pyo3(signature = (path, pretty = false))]
    fn write_json_file(&self, py: Python<'_>, path: PathBuf, pretty: bool) -> PyResult<()> {
        let net = &self.inner;
        py.detach(|| io::write_json_file(&net.to_data(), &path, pretty))
            .py_err(py)
    }

    /// The records as columns: `{table: {column: [values]}}`, tables and columns as in the
    /// CSV layout (contacts in their own table with a `customer` column). Customer names and
    /// contact names and phone numbers are masked unless `roles` (the reader's role names)
    /// include one the masking policy lets read them in the clear.
    #[pyo3(signature = (*, roles = None))]
    fn to_columns<'py>(
        &self,
        py: Python<'py>,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let data = self.masked_data(py, roles)?;
        let out = PyDict::new(py);
        out.set_item("points", columns(py, &data.points, &io::POINT_COLUMNS)?)?;
        out.set_item(
            "segments",
            columns(py, &data.segments, &io::SEGMENT_COLUMNS)?,
        )?;
        out.set_item(
            "switches",
            columns(py, &data.switches, &io::SWITCH_COLUMNS)?,
        )?;
        let transformers = columns(py, &data.transformers, &io::TRANSFORMER_COLUMNS)?;
        out.set_item("transformers", transformers)?;
        out.set_item("sources", columns(py, &data.sources, &io::SOURCE_COLUMNS)?)?;
        out.set_item(
            "customers",
            columns(py, &data.customers, &io::CUSTOMER_COLUMNS)?,
        )?;
        #[derive(serde::Serialize)]
        struct ContactRow<'a> {
            customer: &'a str,
            #[serde(flatten)]
            contact: &'a gridserve_core::network::records::Contact,
        }
        let contacts: Vec<ContactRow<'_>> = data
            .customers
            .iter()
            .flat_map(|c| {
                c.contacts.iter().map(|k| ContactRow {
                    customer: &c.number,
                    contact: k,
                })
            })
            .collect();
        out.set_item("contacts", columns(py, &contacts, &io::CONTACT_COLUMNS)?)?;
        Ok(out)
    }

    /// Number of points.
    #[getter]
    fn point_count(&self) -> usize {
        self.inner.point_count()
    }
    /// Number of lines (segments, switches, transformers).
    #[getter]
    fn line_count(&self) -> usize {
        self.inner.line_count()
    }
    /// Number of sources.
    #[getter]
    fn source_count(&self) -> usize {
        self.inner.source_count()
    }
    /// Number of customers.
    #[getter]
    fn customer_count(&self) -> usize {
        self.inner.customer_count()
    }

    /// `(kind, id)` of the element with this asset number: kind is `point`, `line` or `source`.
    fn element(
        &self,
        py: Python<'_>,
        asset: crate::convert::Text,
    ) -> PyResult<(&'static str, u32)> {
        let asset: &str = &asset;
        Ok(element_kind(self.inner.element(asset).py_err(py)?))
    }
    /// The id of a point.
    fn point_id(&self, py: Python<'_>, asset: crate::convert::Text) -> PyResult<u32> {
        let asset: &str = &asset;
        Ok(self.inner.point_id(asset).py_err(py)?.0)
    }
    /// The id of a line.
    fn line_id(&self, py: Python<'_>, asset: crate::convert::Text) -> PyResult<u32> {
        let asset: &str = &asset;
        Ok(self.inner.line_id(asset).py_err(py)?.0)
    }
    /// The id of a customer.
    fn customer_id(&self, py: Python<'_>, number: crate::convert::Text) -> PyResult<u32> {
        let number: &str = &number;
        Ok(self.inner.customer_id(number).py_err(py)?.0)
    }

    /// Asset numbers of the points, in id order.
    fn point_assets(&self) -> Vec<&str> {
        let net = &self.inner;
        net.point_ids().map(|p| net.point_asset(p)).collect()
    }
    /// Asset numbers of the lines, in id order.
    fn line_assets(&self) -> Vec<&str> {
        let net = &self.inner;
        net.line_ids().map(|l| net.line_asset(l)).collect()
    }
    /// Customer numbers, in id order.
    fn customer_numbers(&self) -> Vec<&str> {
        self.inner.customers().map(|c| c.number()).collect()
    }
    /// Line kinds in id order: `segment`, `switch` or `transformer`.
    fn line_kinds(&self) -> Vec<&'static str> {
        let net = &self.inner;
        net.line_ids()
            .map(|l| match net.line(l).kind {
                LineKind::Segment(_) => "segment",
                LineKind::Switch(_) => "switch",
                LineKind::Transformer(_) => "transformer",
            })
            .collect()
    }
    /// The end points of every line: two arrays of point ids (`from`, `to`).
    fn line_ends<'py>(
        &self,
        py: Python<'py>,
    ) -> (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u32>>) {
        let net = &self.inner;
        let (a, b): (Vec<u32>, Vec<u32>) = net
            .line_ids()
            .map(|l| {
                let (f, t) = net.line_ends(l);
                (f.0, t.0)
            })
            .unzip();
        (a.into_pyarray(py), b.into_pyarray(py))
    }
    /// The point id of every customer.
    fn customer_points<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        let v: Vec<u32> = self.inner.customers().map(|c| c.point().0).collect();
        v.into_pyarray(py)
    }
    /// Bytes of memory the model holds.
    #[getter]
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    /// This network as compact, versioned bytes (`gridserve.from_bytes` reads them back); what
    /// pickling ships.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        crate::persist::encode(py, &*self.inner)
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
        let n = &self.inner;
        format!(
            "Network({} points, {} lines, {} sources, {} customers)",
            n.point_count(),
            n.line_count(),
            n.source_count(),
            n.customer_count()
        )
    }
}

/// How a reader holding `roles` (role names, e.g. `["dispatcher"]`) sees personal data, by the
/// default [`MaskingPolicy`]: masked unless one of the roles reads it in the clear (customer
/// managers and supervisors). No roles is a reader with no permission: masked.
pub(crate) fn reader_masking(
    py: Python<'_>,
    roles: Option<&Bound<'_, PyAny>>,
) -> PyResult<Masking> {
    let Some(roles) = roles.filter(|r| !r.is_none()) else {
        return Ok(Masking::Masked);
    };
    let expected = "roles is a list of role names (for example [\"customer_manager\"])";
    if roles.is_instance_of::<PyString>() {
        return Err(crate::errors::invalid_argument(
            py,
            format!("{expected}, not a single str"),
        ));
    }
    let items = roles.try_iter().map_err(|_| {
        crate::errors::invalid_argument(py, format!("{expected}, not {}", type_name(roles)))
    })?;
    let mut parsed = Vec::new();
    for item in items {
        let item = item?;
        let Ok(name) = item.extract::<String>() else {
            return Err(crate::errors::invalid_argument(
                py,
                format!("{expected}; got an item of type {}", type_name(&item)),
            ));
        };
        let role: Role =
            serde_json::from_value(serde_json::Value::String(name.clone())).map_err(|_| {
                let shown: String = name.chars().take(40).collect();
                let more = if name.chars().count() > 40 { "…" } else { "" };
                crate::errors::invalid_argument(
                    py,
                    format!("unknown role {shown:?}{more}: {expected}"),
                )
            })?;
        parsed.push(role);
    }
    Ok(MaskingPolicy::default().for_roles(&parsed))
}

pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// A compressed list of lists: `(offsets, values)`.
type Compressed<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u32>>);

/// The index behind a `Topology`, shared between threads without a deadlock and with
/// consistent answers.
///
/// A query takes a snapshot of the published index (an `Arc` copied under a lock held only for
/// that copy, never across a release or acquisition of the GIL) and answers from it alone, so it
/// sees one state from start to end: the one before or the one after any `apply`, never a mix.
/// `apply` runs with the GIL released, one writer at a time, on a private index, and publishes
/// it with a pointer swap. The private index is the previously published one brought up to date
/// (the operations it missed are replayed by the core's incremental apply) when no query still
/// holds it; only when one does is the published index cloned.
pub(crate) struct TopoCell {
    current: RwLock<Arc<Topology>>,
    writer: Mutex<Spare>,
}

/// The writer's private index: the state before the last published apply, and that apply's
/// operations.
struct Spare {
    topo: Option<Arc<Topology>>,
    missed: Vec<Operation>,
}

impl TopoCell {
    pub(crate) fn new(topo: Topology) -> Self {
        Self {
            current: RwLock::new(Arc::new(topo)),
            writer: Mutex::new(Spare {
                topo: None,
                missed: Vec::new(),
            }),
        }
    }

    /// The published index. The lock is held for an `Arc` copy and the only writer of it holds
    /// it for a pointer swap, so waiting for it is bounded whether or not the GIL is held.
    fn snapshot(&self) -> Arc<Topology> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies `ops` (all or none) and publishes the result. Call with the GIL released: it
    /// waits for other writers.
    fn apply(&self, ops: &[Operation]) -> Result<Applied, NetworkError> {
        let mut spare = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.snapshot();
        let caught_up = spare
            .topo
            .take()
            .and_then(|t| Arc::try_unwrap(t).ok())
            .and_then(|mut t| t.apply(&spare.missed).ok().map(|_| t));
        spare.missed.clear();
        let mut next = caught_up.unwrap_or_else(|| Topology::clone(&current));
        let result = next.apply(ops);
        match result {
            Ok(applied) if applied.changed_elements > 0 => {
                let old = std::mem::replace(
                    &mut *self.current.write().unwrap_or_else(PoisonError::into_inner),
                    Arc::new(next),
                );
                spare.topo = Some(old);
                spare.missed.extend_from_slice(ops);
            }
            // Nothing changed (or a refusal, which changes nothing): the published index and
            // its version stay; the private one, now in the same state, is kept for next time.
            _ => spare.topo = Some(Arc::new(next)),
        }
        drop(current);
        result
    }
}

pub(crate) fn read(t: &TopoCell) -> Arc<Topology> {
    t.snapshot()
}

/// A network indexed in one state; answers scope, fault, planned-outage and exposure queries.
#[pyclass(frozen, module = "gridserve._gridserve", name = "Topology")]
pub struct PyTopology {
    pub(crate) net: Arc<Network>,
    pub(crate) inner: Arc<TopoCell>,
    /// The `Network` object it was made from: `topology.network` returns it, and pickling refers
    /// to it, so that a pickle holding several topologies of one network holds the network once.
    pub(crate) network: Py<PyNetwork>,
}

pub(crate) fn element(py: Python<'_>, net: &Network, asset: &str) -> PyResult<ElementId> {
    net.element(asset).py_err(py)
}

pub(crate) fn point_array<'py>(py: Python<'py>, v: Vec<PointId>) -> Bound<'py, PyArray1<u32>> {
    v.into_iter()
        .map(|p| p.0)
        .collect::<Vec<u32>>()
        .into_pyarray(py)
}

pub(crate) fn trip_asset(net: &Network, t: Trip) -> String {
    match t {
        Trip::Switch(l) => net.line_asset(l).to_owned(),
        Trip::Source(s) => net.source_asset(s).to_owned(),
    }
}

#[pymethods]
impl PyTopology {
    /// Indexes `network` in its normal state, then applies `operations` (pairs of action and
    /// asset number) if given.
    #[new]
    #[pyo3(signature = (network, operations = None))]
    fn new(
        py: Python<'_>,
        network: &Bound<'_, PyNetwork>,
        operations: Option<Vec<(crate::convert::Text, crate::convert::Text)>>,
    ) -> PyResult<Self> {
        let net = Arc::clone(&network.get().inner);
        let ops = convert::operations(py, &net, operations.unwrap_or_default())?;
        let shared = Arc::clone(&net);
        let topo = py
            .detach(move || {
                let mut t = Topology::normal(shared);
                t.apply(&ops).map(|_| t)
            })
            .py_err(py)?;
        Ok(Self {
            net,
            inner: Arc::new(TopoCell::new(topo)),
            network: network.clone().unbind(),
        })
    }

    /// The network (the object the topology was made from).
    #[getter]
    fn network(&self, py: Python<'_>) -> Py<PyNetwork> {
        self.network.clone_ref(py)
    }

    /// An independent copy (applying operations to one leaves the other as it is).
    fn copy(&self, py: Python<'_>) -> Self {
        let t = read(&self.inner);
        let copy = py.detach(|| Topology::clone(&t));
        Self {
            net: Arc::clone(&self.net),
            inner: Arc::new(TopoCell::new(copy)),
            network: self.network.clone_ref(py),
        }
    }

    /// A stamp that changes whenever `apply` changes the index.
    #[getter]
    fn version(&self) -> u64 {
        read(&self.inner).version()
    }

    /// Applies operations in order (all or none), renumbering only the touched components.
    /// Returns what changed.
    fn apply<'py>(
        &self,
        py: Python<'py>,
        operations: Vec<(crate::convert::Text, crate::convert::Text)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ops = convert::operations(py, &self.net, operations)?;
        let inner = &self.inner;
        let applied = py.detach(|| inner.apply(&ops)).py_err(py)?;
        to_py(py, &applied)
    }

    /// A boolean array over points: energized or not.
    fn energized<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        let t = read(&self.inner);
        let v: Vec<bool> = py.detach(|| self.net.point_ids().map(|p| t.is_energized(p)).collect());
        v.into_pyarray(py)
    }

    /// Number of energized points.
    #[getter]
    fn energized_count(&self) -> usize {
        read(&self.inner).energized_count()
    }

    /// The point ids that are not energized after `operations` (all of them, not only those
    /// the operations cut off), sorted.
    #[pyo3(signature = (operations = None))]
    fn unsupplied<'py>(
        &self,
        py: Python<'py>,
        operations: Option<Vec<(crate::convert::Text, crate::convert::Text)>>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let ops = convert::operations(py, &self.net, operations.unwrap_or_default())?;
        let t = read(&self.inner);
        let batch = py
            .detach(|| t.unsupplied_batch([ops.as_slice()]))
            .py_err(py)?;
        Ok(point_array(py, batch.points))
    }

    /// The scope of `operations` (pairs of action and asset number) against the indexed state.
    fn scope(
        &self,
        py: Python<'_>,
        operations: Vec<(crate::convert::Text, crate::convert::Text)>,
    ) -> PyResult<PyScope> {
        let ops = convert::operations(py, &self.net, operations)?;
        let t = read(&self.inner);
        let scope = py.detach(|| t.scope(&ops)).py_err(py)?;
        Ok(PyScope {
            scope,
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.inner),
        })
    }

    /// The scope of opening one line by id (the fast path for batch studies).
    fn scope_open_line(
        &self,
        py: Python<'_>,
        line: crate::convert::Whole<u32>,
    ) -> PyResult<PyScope> {
        let line: u32 = line.0;
        self.scope_ids(
            py,
            gridserve_core::network::Action::Open,
            ElementId::Line(LineId(line)),
        )
    }

    /// The scope of taking one line out of service by id.
    fn scope_take_out_line(
        &self,
        py: Python<'_>,
        line: crate::convert::Whole<u32>,
    ) -> PyResult<PyScope> {
        let line: u32 = line.0;
        self.scope_ids(
            py,
            gridserve_core::network::Action::TakeOut,
            ElementId::Line(LineId(line)),
        )
    }

    /// Every point unsupplied after each of many single-line scenarios, in one call: scenario
    /// `k` applies `actions[k]` (`open`, `take_out`, …) to line id `lines[k]`. Returns
    /// `(offsets, points)`: scenario `k` owns `points[offsets[k]:offsets[k + 1]]`, sorted.
    /// The ids are gridserve line ids: from pandapower, translate switch, line or trafo
    /// indices with `PandapowerImport.to_gridserve`.
    fn unsupplied_batch<'py>(
        &self,
        py: Python<'py>,
        actions: Vec<crate::convert::Text>,
        lines: &Bound<'py, PyAny>,
    ) -> PyResult<Compressed<'py>> {
        let lines = &convert::ids_arg(py, "lines", lines)?;
        if actions.len() != lines.len() {
            return Err(crate::errors::invalid_argument(
                py,
                format!("{} actions for {} lines", actions.len(), lines.len()),
            ));
        }
        let mut ops = Vec::with_capacity(lines.len());
        for (a, &l) in actions.iter().zip(lines) {
            let element = self.net.check(ElementId::Line(LineId(l))).py_err(py)?;
            ops.push([gridserve_core::network::Operation {
                action: convert::parse_action(py, a)?,
                element,
            }]);
        }
        let t = read(&self.inner);
        let batch = py
            .detach(|| t.unsupplied_batch(ops.iter().map(|o| o.as_slice())))
            .py_err(py)?;
        let offsets: Vec<u64> = batch.offsets.iter().map(|&o| o as u64).collect();
        Ok((offsets.into_pyarray(py), point_array(py, batch.points)))
    }

    /// The fault of an element: which devices trip and the scope.
    fn fault(&self, py: Python<'_>, asset: crate::convert::Text) -> PyResult<PyFaultOutcome> {
        let asset: &str = &asset;
        let e = element(py, &self.net, asset)?;
        let t = read(&self.inner);
        let out = py.detach(|| t.fault(e)).py_err(py)?;
        Ok(PyFaultOutcome {
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.inner),
            out,
        })
    }

    /// Plans the outage of a device: the switches to open and the scope.
    fn planned_outage(
        &self,
        py: Python<'_>,
        asset: crate::convert::Text,
    ) -> PyResult<PyPlannedOutage> {
        let asset: &str = &asset;
        let e = element(py, &self.net, asset)?;
        let t = read(&self.inner);
        let plan = py.detach(|| t.planned_outage(e)).py_err(py)?;
        Ok(PyPlannedOutage {
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.inner),
            plan,
        })
    }

    /// What opening each switch alone cuts off: `{column: array}` with columns `switch` (asset
    /// numbers), `line_id`, `kind`, `points`, `customers`, `critical_customers`,
    /// `transformers`, `load_kw`.
    fn exposure<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = read(&self.inner);
        let x = py.detach(|| t.exposure());
        let out = PyDict::new(py);
        let assets: Vec<&str> = x.switches.iter().map(|&l| self.net.line_asset(l)).collect();
        out.set_item("switch", assets)?;
        let ids: Vec<u32> = x.switches.iter().map(|l| l.0).collect();
        out.set_item("line_id", ids.into_pyarray(py))?;
        let kinds: Vec<String> = x.kinds.iter().map(convert::enum_name).collect();
        out.set_item("kind", kinds)?;
        out.set_item("points", x.points.into_pyarray(py))?;
        out.set_item("customers", x.customers.into_pyarray(py))?;
        out.set_item("critical_customers", x.critical_customers.into_pyarray(py))?;
        out.set_item("transformers", x.transformers.into_pyarray(py))?;
        out.set_item("load_kw", x.load_kw.into_pyarray(py))?;
        Ok(out)
    }

    /// Infers the operated devices from evidence items: a list of dicts (or JSON text) with
    /// `kind` (`power_off`, `power_on`, `call`, `trip`, `fault_indicator`) and a `customer`
    /// or an `asset`. Returns `{"outages": {column: list}, "already_out": [index],
    /// "contradicting": [index]}`; `options` are the inference thresholds.
    #[pyo3(signature = (evidence, options = None))]
    fn infer<'py>(
        &self,
        py: Python<'py>,
        evidence: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        crate::restore::infer(py, &self.net, read(&self.inner), evidence, options)
    }

    /// The FLISR switching plan for a fault on the element with asset number `fault`: a dict
    /// with the tripped devices, the faulted section, the isolators and the steps (both as
    /// dicts of columns), the customers and load out and remaining, and the operations.
    #[pyo3(signature = (fault, options = None))]
    fn restoration_plan<'py>(
        &self,
        py: Python<'py>,
        fault: crate::convert::Text,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        crate::restore::restoration_plan(py, &self.net, read(&self.inner), &fault, options)
    }

    /// The outage workflow's `trace_scope` command (a dict for `Workflows.execute`) of the
    /// outage at `index` of `inference` (a result of `infer` on this topology in this state):
    /// the customers below the inferred device, the device as the tripped one, and the device,
    /// its confidence and the `evidence` items it rests on (`evidence` is what `infer` was
    /// given). Raises `StaleScopeError` if the topology changed since the inference.
    #[pyo3(signature = (inference, evidence, index = 0, etr = None))]
    fn trace_inferred_command<'py>(
        &self,
        py: Python<'py>,
        inference: &Bound<'py, PyAny>,
        evidence: &Bound<'py, PyAny>,
        index: usize,
        etr: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::restore::trace_inferred_command(
            py,
            &self.net,
            read(&self.inner),
            inference,
            evidence,
            index,
            etr,
        )
    }

    /// The outage workflow's `attach_plan` command (a dict for `Workflows.execute`) of `plan`
    /// (a result of `restoration_plan` on this topology in this state): each step with the
    /// customer numbers it brings back. Raises `StaleScopeError` if the topology changed since
    /// the plan was made.
    fn attach_plan_command<'py>(
        &self,
        py: Python<'py>,
        plan: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::restore::attach_plan_command(py, &self.net, read(&self.inner), plan)
    }

    /// Expected SAIFI, SAIDI (minutes) and ENS (kWh) a year per feeder and for the system,
    /// without and with FLISR: `{"feeders": {column: list}, "system": dict,
    /// "system_flisr": dict, "sections": int}`. `rates` are failure rates and times,
    /// `options` the restoration options.
    #[pyo3(signature = (rates = None, options = None))]
    fn predict_reliability<'py>(
        &self,
        py: Python<'py>,
        rates: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        crate::restore::predict_reliability(py, &self.net, read(&self.inner), rates, options)
    }

    /// The loading of every energized source and rated line: `{"sources": {column: list},
    /// "lines": {column: list}}`.
    #[pyo3(signature = (options = None))]
    fn loading<'py>(
        &self,
        py: Python<'py>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        crate::restore::loading(py, &self.net, read(&self.inner), options)
    }

    /// What closes each loop of the energized network (asset numbers of lines or sources).
    fn loops(&self) -> Vec<String> {
        read(&self.inner)
            .loops()
            .into_iter()
            .map(|e| self.net.asset(e).to_owned())
            .collect()
    }

    /// The nearest protective device upstream of an energized point (asset number of the
    /// switch, or of the source when there is none), or `None` if the point is not energized.
    fn protector(&self, py: Python<'_>, point: crate::convert::Text) -> PyResult<Option<String>> {
        let point: &str = &point;
        let p = self.net.point_id(point).py_err(py)?;
        Ok(read(&self.inner)
            .protector(p)
            .map(|t| trip_asset(&self.net, t)))
    }

    /// The sources feeding the part a point is in (empty if it is not energized).
    fn feeding_sources(
        &self,
        py: Python<'_>,
        point: crate::convert::Text,
    ) -> PyResult<Vec<String>> {
        let point: &str = &point;
        let p = self.net.point_id(point).py_err(py)?;
        Ok(read(&self.inner)
            .feeding_sources(p)
            .into_iter()
            .map(|s| self.net.source_asset(s).to_owned())
            .collect())
    }

    /// Asset numbers of the faulted elements in the indexed state.
    fn faulted(&self) -> Vec<String> {
        let t = read(&self.inner);
        t.state()
            .faulted()
            .map(|e| self.net.asset(e).to_owned())
            .collect()
    }

    /// Asset numbers of the elements out of service in the indexed state.
    fn out_of_service(&self) -> Vec<String> {
        let t = read(&self.inner);
        t.state()
            .out_of_service()
            .map(|e| self.net.asset(e).to_owned())
            .collect()
    }

    /// Asset numbers of the open switches in the indexed state.
    fn open_switches(&self) -> Vec<String> {
        read(&self.inner)
            .state()
            .open_switches()
            .map(|l| self.net.line_asset(l).to_owned())
            .collect()
    }

    /// This topology as compact bytes: its network and the operations from the normal state
    /// to its state; decoding re-indexes (`gridserve.from_bytes`).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let t = read(&self.inner);
        crate::persist::encode(py, &*t)
    }

    /// Pickles as the `Network` object (pickled once however many topologies refer to it) and
    /// the state's operations; unpickling re-indexes.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let t = read(&self.inner);
        let state = gridserve_core::persist::TopologyState::of(&t);
        let bytes = crate::persist::encode(py, &state)?;
        crate::persist::reduce_with(
            py,
            "_topology_in_state",
            (
                self.network.clone_ref(py).into_any(),
                bytes.into_any().unbind(),
            ),
        )
    }

    /// An independent copy, as `copy()`.
    fn __copy__(&self, py: Python<'_>) -> Self {
        self.copy(py)
    }

    /// An independent copy, as `copy()`.
    fn __deepcopy__(&self, py: Python<'_>, _memo: &Bound<'_, PyAny>) -> Self {
        self.copy(py)
    }

    fn __repr__(&self) -> String {
        let t = read(&self.inner);
        format!(
            "Topology({} of {} points energized, {} loops, version {})",
            t.energized_count(),
            self.net.point_count(),
            t.loops().len(),
            t.version()
        )
    }
}

impl PyTopology {
    fn scope_ids(
        &self,
        py: Python<'_>,
        action: gridserve_core::network::Action,
        element: ElementId,
    ) -> PyResult<PyScope> {
        let op = gridserve_core::network::Operation { action, element };
        let t = read(&self.inner);
        let scope = t.scope(&[op]).py_err(py)?;
        Ok(PyScope {
            scope,
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.inner),
        })
    }
}
