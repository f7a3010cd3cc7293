//! The network built straight from Arrow columns: texts are borrowed from the Arrow buffers
//! and each table is read a column of a batch at a time into the builder's borrowed records,
//! with no `String` per asset and field and no plain record in between.
//!
//! The rules and the errors are those of [`super::read_arrow`] followed by
//! [`Network::from_data_with`]: this reader takes a cell only where the record reader would
//! read the same value from it, and at the first cell it does not take as it is (a column of
//! another type, integer ids, an unknown or missing value, a contact of an unknown customer,
//! …) it gives up, so that the record reader reads the tables and names the cell in its
//! error. Whatever the path, the network and the errors are the same.

use arrow_array::Array;
use hashbrown::HashMap;

use crate::network::error::{NetworkError, ProblemKind, RecordKind};
use crate::network::model::input::{
    ContactIn, CustomerIn, Ends, NetworkIn, PointIn, SegmentIn, SourceIn, SwitchIn, TransformerIn,
};
use crate::network::model::{Segment, Switch};
use crate::network::{Network, ValidationOptions};
use crate::table::arrow::{ArrowCells, ArrowTable, BatchCells, Column};
use crate::table::{self, TableSpec};

use super::arrow::{ArrowBatches, ArrowTables};
use super::cells::{DEFAULT_IN_SERVICE, DEFAULT_NORMALLY_OPEN, DEFAULT_REMOTE, FromCell};

/// A cell (or a column) the column reader does not take as it is: the record reader reads
/// the tables instead.
#[derive(Debug)]
struct Fallback;

type Fast<T> = Result<T, Fallback>;

/// Text columns given beside the Arrow tables as texts borrowed from elsewhere (the Python
/// package lends a DataFrame's columns of Python strings this way, without converting them to
/// Arrow): for each, the table, the column and one text per row. The Arrow table keeps a
/// column of that name (its cells are not read), so that the columns are checked by name as
/// always.
#[derive(Debug, Default)]
pub struct TextColumns<'s> {
    columns: Vec<(String, String, Vec<Option<&'s str>>)>,
}

impl<'s> TextColumns<'s> {
    /// Gives the cells of `column` of `table` as `texts`, one per row (`None` for a missing
    /// cell, as an Arrow null).
    pub fn insert(&mut self, table: &str, column: &str, texts: Vec<Option<&'s str>>) {
        self.columns
            .push((table.to_owned(), column.to_owned(), texts));
    }

    /// Whether no column is given.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The texts of each column of `table` by column index, or `None` where a given column
    /// is not in the table or has not one text per row.
    fn of<'c>(
        &'c self,
        table: &str,
        arrow: &ArrowTable,
        rows: usize,
    ) -> Option<Vec<Option<&'c [Option<&'s str>]>>> {
        let mut by_column = vec![None; arrow.schema().fields().len()];
        for (t, column, texts) in &self.columns {
            if t != table {
                continue;
            }
            let at = arrow.column(column)?;
            if texts.len() != rows || by_column[at].is_some() {
                return None;
            }
            by_column[at] = Some(texts.as_slice());
        }
        Some(by_column)
    }
}

/// Builds the network from the Arrow columns, or `Ok(None)` where the record reader must read
/// the tables (see the module's documentation).
///
/// # Errors
/// The builder's errors, for tables the column reader read whole.
pub(super) fn build(
    tables: &ArrowTables,
    options: ValidationOptions,
) -> Option<Result<Network, NetworkError>> {
    build_with(tables, &TextColumns::default(), options)
}

/// Builds the network from the Arrow columns and the text columns given beside them, or
/// `None` where the column reader gives up at a cell it does not take as it is (or at a text
/// column it cannot place): the caller then reads the whole tables as Arrow with
/// [`super::build_arrow`], which names the cell in its error. Where it gives an answer, it is
/// that of [`super::build_arrow`] on the same tables with the text columns as Arrow text.
pub fn build_arrow_texts(
    tables: &ArrowTables,
    texts: &TextColumns<'_>,
    options: ValidationOptions,
) -> Option<Result<Network, NetworkError>> {
    build_with(tables, texts, options)
}

fn build_with(
    tables: &ArrowTables,
    texts: &TextColumns<'_>,
    options: ValidationOptions,
) -> Option<Result<Network, NetworkError>> {
    let checked = [
        (&tables.points, &table::POINTS),
        (&tables.segments, &table::SEGMENTS),
        (&tables.switches, &table::SWITCHES),
        (&tables.transformers, &table::TRANSFORMERS),
        (&tables.sources, &table::SOURCES),
        (&tables.customers, &table::CUSTOMERS),
        (&tables.contacts, &table::CONTACTS),
    ]
    .map(|(batches, spec)| batches.as_ref().map(|b| checked(b, spec)));
    // The points table is required: without it, the record reader gives the error.
    checked[0].as_ref()?;
    let tables: Vec<Option<ArrowTable>> = checked
        .into_iter()
        .map(Option::transpose)
        .collect::<Fast<_>>()
        .ok()?;
    let cells: Vec<Option<ArrowCells<'_>>> = tables
        .iter()
        .map(|t| t.as_ref().map(ArrowTable::cells).transpose())
        .collect::<Result<_, _>>()
        .ok()?;
    let names = [
        table::POINTS.name,
        table::SEGMENTS.name,
        table::SWITCHES.name,
        table::TRANSFORMERS.name,
        table::SOURCES.name,
        table::CUSTOMERS.name,
        table::CONTACTS.name,
    ];
    // Every given column must land in a table that is there.
    if texts.columns.iter().any(|(t, _, _)| {
        names
            .iter()
            .position(|n| n == t)
            .is_none_or(|i| tables[i].is_none())
    }) {
        return None;
    }
    let given: Vec<Vec<Option<&[Option<&str>]>>> = tables
        .iter()
        .zip(&cells)
        .zip(names)
        .map(|((t, c), name)| match (t, c) {
            (Some(t), Some(c)) => texts.of(name, t, c.num_rows()),
            _ => Some(Vec::new()),
        })
        .collect::<Option<_>>()?;
    let (input, by_position) = read(&tables, &cells, &given).ok()?;
    let built = Network::from_input(&input, options);
    // A contact found by position may belong to a later customer of a repeated number than
    // the first, which the record reader gives it to: with a repeated number, the record
    // reader reads the tables, so that the problems are the same.
    if by_position
        && matches!(&built, Err(NetworkError::Invalid { problems }) if problems.0.iter().any(|p| {
            p.record == RecordKind::Customer && p.kind == ProblemKind::DuplicateId
        }))
    {
        return None;
    }
    Some(built)
}

/// The table with its columns checked against `spec` as the record reader checks them.
fn checked(batches: &ArrowBatches, spec: &'static TableSpec) -> Fast<ArrowTable> {
    spec.check_columns(batches.schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(|_| Fallback)?;
    Ok(ArrowTable::unchecked(
        batches.schema.clone(),
        batches.batches.clone(),
    ))
}

/// The columns of one table, found by name.
struct Columns<'t>(&'t ArrowTable);

impl Columns<'_> {
    fn required(&self, name: &str) -> Fast<usize> {
        self.0.column(name).ok_or(Fallback)
    }

    fn optional(&self, name: &str) -> Option<usize> {
        self.0.column(name)
    }
}

/// A column of one batch: its Arrow array, or the texts given for it beside the table (the
/// batch's rows of them).
#[derive(Clone, Copy)]
enum Col<'a> {
    Arrow(Column<'a>),
    Texts(&'a [Option<&'a str>]),
}

/// One batch being read: its typed columns, and the texts given beside the table by column.
struct Batch<'a> {
    cells: BatchCells<'a>,
    given: &'a [Option<&'a [Option<&'a str>]>],
}

impl<'a> Batch<'a> {
    fn column(&self, at: Option<usize>) -> Option<(usize, Col<'a>)> {
        at.map(|c| match self.given.get(c).copied().flatten() {
            Some(texts) => {
                let first = self.cells.first_row();
                let rows = texts
                    .get(first..first + self.cells.num_rows())
                    .unwrap_or(&[]);
                (c, Col::Texts(rows))
            }
            None => (c, Col::Arrow(self.cells.column(c))),
        })
    }

    /// A text cell as the record reader reads it (`Cells::cell`): borrowed, empty if missing
    /// or if the column is absent.
    #[inline]
    fn text(column: Option<(usize, Col<'a>)>, row: usize) -> Fast<&'a str> {
        match column {
            None => Ok(""),
            Some((_, Col::Texts(texts))) => texts
                .get(row)
                .map(|t| t.unwrap_or_default())
                .ok_or(Fallback),
            Some((_, Col::Arrow(c))) => c.text(row).map(Option::unwrap_or_default).ok_or(Fallback),
        }
    }

    /// An enumeration cell (trimmed text by its name; blank = missing).
    #[inline]
    fn name<T: FromCell>(column: Option<(usize, Col<'a>)>, row: usize) -> Fast<Option<T>> {
        let text = Self::text(column, row)?.trim();
        if text.is_empty() {
            return Ok(None);
        }
        T::from_cell(text).map(Some).map_err(|_| Fallback)
    }

    /// A float cell, read as [`FromCell::from_arrow`] reads it.
    #[inline]
    fn number(&self, column: Option<(usize, Col<'a>)>, row: usize) -> Fast<Option<f64>> {
        match column {
            None => Ok(None),
            Some((_, Col::Arrow(Column::Float64(a)))) => {
                Ok(Some(a.value(row)).filter(|v| !a.is_null(row) && !v.is_nan()))
            }
            Some((c, _)) => self.typed(c, row),
        }
    }

    /// A boolean cell, read as [`FromCell::from_arrow`] reads it.
    #[inline]
    fn flag(&self, column: Option<(usize, Col<'a>)>, row: usize) -> Fast<Option<bool>> {
        match column {
            None => Ok(None),
            Some((_, Col::Arrow(Column::Boolean(a)))) => {
                Ok((!a.is_null(row)).then(|| a.value(row)))
            }
            Some((c, _)) => self.typed(c, row),
        }
    }

    /// Any cell through the record reader's own accessor (not of a column of given texts:
    /// those are read as text only).
    fn typed<T: FromCell>(&self, column: usize, row: usize) -> Fast<Option<T>> {
        if self.given.get(column).copied().flatten().is_some() {
            return Err(Fallback);
        }
        T::from_arrow(&self.cells.row(row), column).map_err(|_| Fallback)
    }
}

fn batches<'a>(
    cells: &'a ArrowCells<'_>,
    given: &'a [Option<&'a [Option<&'a str>]>],
) -> impl Iterator<Item = Batch<'a>> + 'a {
    cells.batches().map(move |cells| Batch { cells, given })
}

/// A required value: a missing one is the record reader's error.
fn need<T>(value: Option<T>) -> Fast<T> {
    value.ok_or(Fallback)
}

fn read<'a>(
    tables: &'a [Option<ArrowTable>],
    cells: &'a [Option<ArrowCells<'a>>],
    given: &'a [Vec<Option<&'a [Option<&'a str>]>>],
) -> Fast<(NetworkIn<'a>, bool)> {
    let table = |i: usize| {
        tables[i]
            .as_ref()
            .zip(cells[i].as_ref())
            .map(|(t, c)| (Columns(t), c, given[i].as_slice()))
    };
    // The customers and their contacts are read on a second thread while the equipment is
    // read (each side reads its tables in order; either side's fallback is the answer).
    let (input, people) = std::thread::scope(|scope| {
        let second = (cells[5].as_ref().map_or(0, ArrowCells::num_rows) >= PARALLEL_ROWS)
            .then(|| scope.spawn(|| people(table(5), table(6))));
        let input = equipment(&table);
        let people = match second {
            Some(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => people(table(5), table(6)),
        };
        (input, people)
    });
    let (customers, contacts, by_position) = people?;
    let mut input = input?;
    input.customers = customers;
    input.contacts = contacts;
    Ok((input, by_position))
}

/// Customer tables of at least this many rows are read on a second thread.
const PARALLEL_ROWS: usize = 50_000;

type Table<'t, 'a> = Option<(
    Columns<'t>,
    &'a ArrowCells<'a>,
    &'a [Option<&'a [Option<&'a str>]>],
)>;

/// The customers and their contacts, and whether a contact was given its customer by
/// position (see [`contacts`]).
fn people<'a>(
    customers_table: Table<'_, 'a>,
    contacts_table: Table<'_, 'a>,
) -> Fast<(Vec<CustomerIn<'a>>, Vec<ContactIn<'a>>, bool)> {
    let mut input = NetworkIn::default();
    if let Some((t, cells, given)) = customers_table {
        customers(&t, cells, given, &mut input.customers)?;
    }
    let mut by_position = false;
    if let Some((t, cells, given)) = contacts_table {
        by_position = contacts(&t, cells, given, &mut input)?;
    }
    Ok((input.customers, input.contacts, by_position))
}

/// Points, lines and sources.
fn equipment<'t, 'a>(table: &impl Fn(usize) -> Table<'t, 'a>) -> Fast<NetworkIn<'a>> {
    let mut input = NetworkIn::default();
    if let Some((t, cells, given)) = table(0) {
        points(&t, cells, given, &mut input.points)?;
    }
    if let Some((t, cells, given)) = table(1) {
        segments(&t, cells, given, &mut input.segments)?;
    }
    if let Some((t, cells, given)) = table(2) {
        switches(&t, cells, given, &mut input.switches)?;
    }
    if let Some((t, cells, given)) = table(3) {
        transformers(&t, cells, given, &mut input.transformers)?;
    }
    if let Some((t, cells, given)) = table(4) {
        sources(&t, cells, given, &mut input.sources)?;
    }
    Ok(input)
}

fn points<'a>(
    t: &Columns<'_>,
    cells: &'a ArrowCells<'_>,
    given: &'a [Option<&'a [Option<&'a str>]>],
    out: &mut Vec<PointIn<'a>>,
) -> Fast<()> {
    let (asset, kind, name, in_service) = (
        t.required("asset")?,
        t.optional("kind"),
        t.optional("name"),
        t.optional("in_service"),
    );
    out.reserve(cells.num_rows());
    for b in batches(cells, given) {
        let (asset, kind, name, in_service) = (
            b.column(Some(asset)),
            b.column(kind),
            b.column(name),
            b.column(in_service),
        );
        for r in 0..b.cells.num_rows() {
            out.push(PointIn {
                asset: Batch::text(asset, r)?,
                kind: Batch::name(kind, r)?.unwrap_or_default(),
                name: Batch::text(name, r)?,
                in_service: b.flag(in_service, r)?.unwrap_or(DEFAULT_IN_SERVICE),
            });
        }
    }
    Ok(())
}

/// The asset number and the ends of a line.
fn ends<'a>([asset, from, to]: [Option<(usize, Col<'a>)>; 3], row: usize) -> Fast<Ends<'a>> {
    Ok(Ends {
        asset: Batch::text(asset, row)?,
        from: Batch::text(from, row)?,
        to: Batch::text(to, row)?,
    })
}

fn line_columns(t: &Columns<'_>) -> Fast<[usize; 3]> {
    Ok([t.required("asset")?, t.required("from")?, t.required("to")?])
}

fn segments<'a>(
    t: &Columns<'_>,
    cells: &'a ArrowCells<'_>,
    given: &'a [Option<&'a [Option<&'a str>]>],
    out: &mut Vec<SegmentIn<'a>>,
) -> Fast<()> {
    let line = line_columns(t)?;
    let (kind, length_m, rated, in_service) = (
        t.optional("kind"),
        t.required("length_m")?,
        t.optional("rated_current_a"),
        t.optional("in_service"),
    );
    out.reserve(cells.num_rows());
    for b in batches(cells, given) {
        let line = line.map(|c| b.column(Some(c)));
        let (kind, length_m, rated, in_service) = (
            b.column(kind),
            b.column(Some(length_m)),
            b.column(rated),
            b.column(in_service),
        );
        for r in 0..b.cells.num_rows() {
            out.push(SegmentIn {
                ends: ends(line, r)?,
                data: Segment {
                    kind: Batch::name(kind, r)?.unwrap_or_default(),
                    length_m: need(b.number(length_m, r)?)?,
                    rated_current_a: b.number(rated, r)?,
                },
                in_service: b.flag(in_service, r)?.unwrap_or(DEFAULT_IN_SERVICE),
            });
        }
    }
    Ok(())
}

fn switches<'a>(
    t: &Columns<'_>,
    cells: &'a ArrowCells<'_>,
    given: &'a [Option<&'a [Option<&'a str>]>],
    out: &mut Vec<SwitchIn<'a>>,
) -> Fast<()> {
    let line = line_columns(t)?;
    let (kind, normally_open, protective, remote, in_service) = (
        t.required("kind")?,
        t.optional("normally_open"),
        t.required("protective")?,
        t.optional("remote"),
        t.optional("in_service"),
    );
    out.reserve(cells.num_rows());
    for b in batches(cells, given) {
        let line = line.map(|c| b.column(Some(c)));
        let (kind, normally_open, protective, remote, in_service) = (
            b.column(Some(kind)),
            b.column(normally_open),
            b.column(Some(protective)),
            b.column(remote),
            b.column(in_service),
        );
        for r in 0..b.cells.num_rows() {
            out.push(SwitchIn {
                ends: ends(line, r)?,
                data: Switch {
                    kind: need(Batch::name(kind, r)?)?,
                    normally_open: b.flag(normally_open, r)?.unwrap_or(DEFAULT_NORMALLY_OPEN),
                    protective: need(b.flag(protective, r)?)?,
                    remote: b.flag(remote, r)?.unwrap_or(DEFAULT_REMOTE),
                },
                in_service: b.flag(in_service, r)?.unwrap_or(DEFAULT_IN_SERVICE),
            });
        }
    }
    Ok(())
}

fn transformers<'a>(
    t: &Columns<'_>,
    cells: &'a ArrowCells<'_>,
    given: &'a [Option<&'a [Option<&'a str>]>],
    out: &mut Vec<TransformerIn<'a>>,
) -> Fast<()> {
    let line = line_columns(t)?;
    let (rated_kva, model, year, usage, in_service) = (
        t.required("rated_kva")?,
        t.optional("model"),
        t.optional("year_in_service"),
        t.optional("usage"),
        t.optional("in_service"),
    );
    out.reserve(cells.num_rows());
    for b in batches(cells, given) {
        let line = line.map(|c| b.column(Some(c)));
        let (rated_kva, model, usage, in_service) = (
            b.column(Some(rated_kva)),
            b.column(model),
            b.column(usage),
            b.column(in_service),
        );
        for r in 0..b.cells.num_rows() {
            out.push(TransformerIn {
                ends: ends(line, r)?,
                rated_kva: need(b.number(rated_kva, r)?)?,
                model: Batch::text(model, r)?,
                year_in_service: year.map_or(Ok(None), |c| b.typed(c, r))?,
                usage: Batch::name(usage, r)?.unwrap_or_default(),
                in_service: b.flag(in_service, r)?.unwrap_or(DEFAULT_IN_SERVICE),
            });
        }
    }
    Ok(())
}

fn sources<'a>(
    t: &Columns<'_>,
    cells: &'a ArrowCells<'_>,
    given: &'a [Option<&'a [Option<&'a str>]>],
    out: &mut Vec<SourceIn<'a>>,
) -> Fast<()> {
    let (asset, point, name, capacity_kva, in_service) = (
        t.required("asset")?,
        t.required("point")?,
        t.optional("name"),
        t.required("capacity_kva")?,
        t.optional("in_service"),
    );
    out.reserve(cells.num_rows());
    for b in batches(cells, given) {
        let (asset, point, name, capacity_kva, in_service) = (
            b.column(Some(asset)),
            b.column(Some(point)),
            b.column(name),
            b.column(Some(capacity_kva)),
            b.column(in_service),
        );
        for r in 0..b.cells.num_rows() {
            out.push(SourceIn {
                asset: Batch::text(asset, r)?,
                point: Batch::text(point, r)?,
                name: Batch::text(name, r)?,
                capacity_kva: need(b.number(capacity_kva, r)?)?,
                in_service: b.flag(in_service, r)?.unwrap_or(DEFAULT_IN_SERVICE),
            });
        }
    }
    Ok(())
}

fn customers<'a>(
    t: &Columns<'_>,
    cells: &'a ArrowCells<'_>,
    given: &'a [Option<&'a [Option<&'a str>]>],
    out: &mut Vec<CustomerIn<'a>>,
) -> Fast<()> {
    let (number, name, point, contracted_kva, load_kw, importance) = (
        t.required("number")?,
        t.optional("name"),
        t.required("point")?,
        t.required("contracted_kva")?,
        t.required("load_kw")?,
        t.optional("importance"),
    );
    out.reserve(cells.num_rows());
    for b in batches(cells, given) {
        let (number, name, point, contracted_kva, load_kw, importance) = (
            b.column(Some(number)),
            b.column(name),
            b.column(Some(point)),
            b.column(Some(contracted_kva)),
            b.column(Some(load_kw)),
            b.column(importance),
        );
        for r in 0..b.cells.num_rows() {
            out.push(CustomerIn {
                number: Batch::text(number, r)?,
                name: Batch::text(name, r)?,
                point: Batch::text(point, r)?,
                contracted_kva: need(b.number(contracted_kva, r)?)?,
                load_kw: need(b.number(load_kw, r)?)?,
                importance: Batch::name(importance, r)?.unwrap_or_default(),
                contacts_end: 0,
            });
        }
    }
    Ok(())
}

/// Reads the contacts and gives each customer its own, in table order; a number used by
/// several customers attaches to the first of them (as the record reader attaches them).
///
/// Contacts usually come in the order of their customers: each contact's number is first
/// compared with the customer of the previous contact and the one after it, and only a
/// contact that is neither is looked up in a table of every customer number (made at the
/// first such contact). Returns whether a contact was placed by position: if customer
/// numbers repeat, it may have been given to a later customer of its number than the first.
fn contacts<'a>(
    t: &Columns<'_>,
    cells: &'a ArrowCells<'_>,
    given: &'a [Option<&'a [Option<&'a str>]>],
    input: &mut NetworkIn<'a>,
) -> Fast<bool> {
    let (customer, name, phone, role, level) = (
        t.required("customer")?,
        t.required("name")?,
        t.required("phone")?,
        t.optional("role"),
        t.optional("level"),
    );
    let n = cells.num_rows();
    let mut owners: Vec<u32> = Vec::with_capacity(n);
    let mut read: Vec<ContactIn<'a>> = Vec::with_capacity(n);
    let mut by_position = false;
    if n > 0 {
        let people = &input.customers;
        let mut by_number: Option<HashMap<&str, usize>> = None;
        let mut at = 0usize;
        for b in batches(cells, given) {
            let (customer, name, phone, role) = (
                b.column(Some(customer)),
                b.column(Some(name)),
                b.column(Some(phone)),
                b.column(role),
            );
            for r in 0..b.cells.num_rows() {
                let number = Batch::text(customer, r)?;
                let near = [at, at + 1]
                    .into_iter()
                    .find(|&i| people.get(i).is_some_and(|c| c.number == number));
                let owner = match near {
                    Some(i) => {
                        by_position = true;
                        i
                    }
                    None => {
                        let table = by_number.get_or_insert_with(|| {
                            let mut table = HashMap::with_capacity(people.len());
                            for (i, c) in people.iter().enumerate() {
                                table.entry(c.number).or_insert(i);
                            }
                            table
                        });
                        *table.get(number).ok_or(Fallback)?
                    }
                };
                at = owner;
                owners.push(owner as u32);
                read.push(ContactIn {
                    name: Batch::text(name, r)?,
                    phone: Batch::text(phone, r)?,
                    role: Batch::name(role, r)?.unwrap_or_default(),
                    level: level.map_or(Ok(None), |c| b.typed(c, r))?.unwrap_or(1),
                });
            }
        }
    }
    // A stable counting sort by owner: each customer's contacts, in table order.
    let customers = &mut input.customers;
    let mut end = vec![0usize; customers.len()];
    for &o in &owners {
        end[o as usize] += 1;
    }
    let mut total = 0;
    for (c, count) in customers.iter_mut().zip(end.iter_mut()) {
        let start = total;
        total += *count;
        c.contacts_end = total;
        *count = start;
    }
    let mut slots: Vec<Option<ContactIn<'a>>> = vec![None; read.len()];
    for (contact, &o) in read.into_iter().zip(&owners) {
        let next = &mut end[o as usize];
        slots[*next] = Some(contact);
        *next += 1;
    }
    input.contacts = slots.into_iter().flatten().collect();
    Ok(by_position)
}
