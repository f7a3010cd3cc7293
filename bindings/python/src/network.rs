//! `Network` for Python (the `Topology` over it is in `topology.rs`, its answers, `Scope` and
//! the rest, in `scope.rs`): a thin wrapper over `gridserve_core::network`, with heavy calls
//! run with the GIL released.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use gridserve_core::access::{MaskPersonal, Masking, MaskingPolicy, Role};
use gridserve_core::network::records::NetworkData;
use gridserve_core::network::{LineId, LineKind, Network, ValidationOptions, busbranch, io};
use gridserve_synth::{self as synth, SynthConfig};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{self, columns, element_kind};
use crate::errors::IntoPy;
use crate::topology::point_array;

/// The tables of the layout by name as Arrow (`points` … `contacts`); an unknown name is an
/// error naming it.
fn arrow_tables(
    py: Python<'_>,
    tables: &HashMap<String, Bound<'_, PyAny>>,
) -> PyResult<io::ArrowTables> {
    let mut arrow = io::ArrowTables::default();
    for (name, obj) in tables {
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
    Ok(arrow)
}

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
        let arrow = arrow_tables(py, &tables)?;
        let options = ValidationOptions {
            allow_isolated_points,
        };
        let net = py
            .detach(move || io::build_arrow(arrow, str::to_owned, options))
            .py_err(py)?;
        Ok(Self {
            inner: Arc::new(net),
        })
    }

    /// `from_arrow` for DataFrames whose text columns are numpy arrays of Python `str`: those
    /// columns are given beside the Arrow tables (`texts[table][column]`, each a 1-D object
    /// array of one `str` (or `None`, a float NaN: a missing cell) per row; the Arrow table keeps a column of that name whose cells
    /// are not read) and read in place, with no conversion to Arrow. `None` where they cannot
    /// be (a cell of another kind, an array that is not contiguous, a cell the
    /// column reader does not take as it is): the caller then converts the whole frames and
    /// calls `from_arrow`, whose errors name the cell.
    #[staticmethod]
    #[pyo3(signature = (tables, texts, allow_isolated_points = false))]
    fn _from_arrow_texts(
        py: Python<'_>,
        tables: HashMap<String, Bound<'_, PyAny>>,
        texts: HashMap<String, HashMap<String, Bound<'_, PyAny>>>,
        allow_isolated_points: bool,
    ) -> PyResult<Option<Self>> {
        let arrow = arrow_tables(py, &tables)?;
        let mut arrays = Vec::new();
        for (table, columns) in &texts {
            for (column, values) in columns {
                let Ok(array) = values.cast::<PyArray1<Py<PyAny>>>() else {
                    return Ok(None);
                };
                arrays.push((table.as_str(), column.as_str(), array.readonly()));
            }
        }
        let mut given = io::TextColumns::default();
        for (table, column, array) in &arrays {
            let Ok(cells) = array.as_slice() else {
                return Ok(None);
            };
            let Some(cells) = cells
                .iter()
                .map(|cell| convert::text_cell(cell.bind(py)))
                .collect::<Option<Vec<Option<&str>>>>()
            else {
                return Ok(None);
            };
            given.insert(table, column, cells);
        }
        let options = ValidationOptions {
            allow_isolated_points,
        };
        // The texts are borrowed from the strings the arrays hold: the GIL is kept for the
        // whole build, so no Python code runs meanwhile that could change an array or free
        // one of its strings.
        match io::build_arrow_texts(&arrow, &given, options) {
            None => Ok(None),
            Some(built) => Ok(Some(Self {
                inner: Arc::new(built.py_err(py)?),
            })),
        }
    }

    /// Reads a folder of Parquet files, one per table (`points.parquet` required), with the
    /// columns of the CSV layout.
    #[staticmethod]
    #[pyo3(signature = (path, allow_isolated_points = false))]
    fn from_parquet(py: Python<'_>, path: PathBuf, allow_isolated_points: bool) -> PyResult<Self> {
        let options = ValidationOptions {
            allow_isolated_points,
        };
        let net = py
            .detach(move || io::build_parquet_dir(&path, options))
            .py_err(py)?;
        Ok(Self {
            inner: Arc::new(net),
        })
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
