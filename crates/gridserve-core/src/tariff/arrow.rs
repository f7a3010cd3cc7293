//! The tariff engine's tables as Arrow (`arrow` feature): monthly usage, customer terms and
//! the metering system's daily 96-point curves, read by the rules of their table specs, and
//! bills written as one Arrow batch with exact decimal money.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, Int32Builder, StringBuilder, UInt32Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use super::bill::{Bill, BillingMethod, MonthlyUsage, month_days};
use super::interval::CustomerTerms;
use super::{Period, PeriodValues};
use crate::table::arrow::{ArrowRow, ArrowTable, CellError};
use crate::table::{TableError, TableSpec};

fn parse_error(file: &str, line: u64, field: Option<&str>, message: String) -> TableError {
    TableError::Parse {
        file: file.to_owned(),
        line,
        field: field.map(str::to_owned),
        message,
    }
}

fn check(spec: &TableSpec, schema: &SchemaRef, file: &str) -> Result<(), TableError> {
    spec.check_columns(schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(|p| parse_error(file, 1, Some(&p.column()), p.message(spec)))
}

impl From<CellError> for TableError {
    fn from(err: CellError) -> Self {
        Self::Parse {
            file: String::new(),
            line: err.row.map_or(1, |r| r + 2),
            field: Some(err.column),
            message: err.message,
        }
    }
}

/// Names the file in an error made by [`From<CellError>`], which does not know it.
fn in_file(file: &str, err: TableError) -> TableError {
    match err {
        TableError::Parse {
            file: f,
            line,
            field,
            message,
        } if f.is_empty() => parse_error(file, line, field.as_deref(), message),
        other => other,
    }
}

/// Typed cell reading for one row, with errors naming the file, line and column.
struct Cells<'a, 'r> {
    row: &'a ArrowRow<'r>,
    table: &'a ArrowTable,
    file: &'a str,
}

impl<'r> Cells<'_, 'r> {
    fn fail(&self, column: usize, message: String) -> TableError {
        parse_error(
            self.file,
            self.row.index() + 2,
            Some(self.table.column_name(column)),
            message,
        )
    }

    fn missing(&self, column: usize) -> TableError {
        self.fail(
            column,
            "the cell is empty but the column requires a value (leave the column out to use \
             its default)"
                .to_owned(),
        )
    }

    /// A value of a column that must hold one in every row where the column is present.
    fn strict<T>(
        &self,
        column: Option<usize>,
        read: impl Fn(&ArrowRow<'r>, usize) -> Result<Option<T>, String>,
    ) -> Result<Option<T>, TableError> {
        let Some(c) = column else { return Ok(None) };
        match read(self.row, c).map_err(|m| self.fail(c, m))? {
            Some(v) => Ok(Some(v)),
            None => Err(self.missing(c)),
        }
    }

    fn text(&self, column: Option<usize>) -> Result<Option<String>, TableError> {
        self.strict(column, |r, c| {
            Ok(r.text(c)?.filter(|t| !t.is_empty()).map(|t| t.into_owned()))
        })
    }

    fn decimal(&self, column: Option<usize>) -> Result<Option<Decimal>, TableError> {
        self.strict(column, ArrowRow::decimal)
    }

    fn method(&self, column: Option<usize>) -> Result<Option<BillingMethod>, TableError> {
        let Some(text) = self.text(column)? else {
            return Ok(None);
        };
        let c = column.expect("a value came from the column");
        serde_json::from_value(serde_json::Value::String(text.clone()))
            .map(Some)
            .map_err(|_| {
                self.fail(
                    c,
                    format!(
                        "{:?} is not a billing method (capacity, contract_demand, \
                         actual_demand, none)",
                        crate::excerpt(&text)
                    ),
                )
            })
    }
}

/// Reads monthly usage records (the `monthly_usage` table): one row per customer and month,
/// energy per period in `<period>_kwh` columns (an absent column is 0 kWh).
///
/// # Errors
/// [`TableError::Parse`] naming the line (row + 2) and column for an unknown, duplicate or
/// missing column, a missing cell of a present column, or a value of the wrong type.
pub fn read_usage(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    file: &str,
) -> Result<Vec<MonthlyUsage>, TableError> {
    check(&crate::table::MONTHLY_USAGE, &schema, file)?;
    let at = |name: &str| schema.index_of(name).ok();
    let periods: Vec<(Period, Option<usize>)> = Period::ALL
        .iter()
        .map(|&p| (p, at(&format!("{}_kwh", p.as_str()))))
        .collect();
    let [customer, year, month] = ["customer", "year", "month"].map(at);
    let [fwd, rev, demand, capacity, contract] = [
        "kvarh_forward",
        "kvarh_reverse",
        "max_demand_kw",
        "capacity_kva",
        "contract_demand_kw",
    ]
    .map(at);
    let [method, from, until] = ["method", "billing_from", "billing_until"].map(at);
    let table = ArrowTable::unchecked(schema, batches);
    let mut out = Vec::with_capacity(table.num_rows());
    table
        .for_each_row(|row| {
            let cells = Cells {
                row,
                table: &table,
                file,
            };
            let whole = |column: Option<usize>| cells.strict(column, ArrowRow::integer);
            let date = |column: Option<usize>| cells.strict(column, ArrowRow::date);
            let y = whole(year)?.unwrap_or_default();
            let m = whole(month)?.unwrap_or_default();
            let y = i32::try_from(y)
                .map_err(|_| cells.fail(year.unwrap_or(0), format!("{y} is not a year")))?;
            let m = u32::try_from(m)
                .ok()
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(|| {
                    cells.fail(month.unwrap_or(0), format!("{m} is not a month (1–12)"))
                })?;
            let mut energy = PeriodValues::<Decimal>::default();
            for &(p, column) in &periods {
                if let Some(v) = cells.decimal(column)? {
                    energy.set(p, v);
                }
            }
            out.push(MonthlyUsage {
                customer: cells.text(customer)?.unwrap_or_default(),
                year: y,
                month: m,
                energy_kwh: energy,
                kvarh_forward: cells.decimal(fwd)?.unwrap_or_default(),
                kvarh_reverse: cells.decimal(rev)?.unwrap_or_default(),
                max_demand_kw: cells.decimal(demand)?,
                capacity_kva: cells.decimal(capacity)?.unwrap_or_default(),
                sealed: Vec::new(),
                billing_from: date(from)?,
                billing_until: date(until)?,
                method: cells.method(method)?.unwrap_or_default(),
                contract_demand_kw: cells.decimal(contract)?,
            });
            Ok::<(), TableError>(())
        })
        .map_err(|e| in_file(file, e))?;
    Ok(out)
}

/// Reads customers' contract terms for billing from interval data (the `customer_terms`
/// table).
///
/// # Errors
/// As [`read_usage`].
pub fn read_terms(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    file: &str,
) -> Result<Vec<CustomerTerms>, TableError> {
    check(&crate::table::CUSTOMER_TERMS, &schema, file)?;
    let at = |name: &str| schema.index_of(name).ok();
    let [customer, capacity, method, contract, fwd, rev] = [
        "customer",
        "capacity_kva",
        "method",
        "contract_demand_kw",
        "kvarh_forward",
        "kvarh_reverse",
    ]
    .map(at);
    let table = ArrowTable::unchecked(schema, batches);
    let mut out = Vec::with_capacity(table.num_rows());
    table
        .for_each_row(|row| {
            let cells = Cells {
                row,
                table: &table,
                file,
            };
            out.push(CustomerTerms {
                customer: cells.text(customer)?.unwrap_or_default(),
                capacity_kva: cells.decimal(capacity)?.unwrap_or_default(),
                method: cells.method(method)?.unwrap_or_default(),
                contract_demand_kw: cells.decimal(contract)?,
                kvarh_forward: cells.decimal(fwd)?,
                kvarh_reverse: cells.decimal(rev)?,
            });
            Ok::<(), TableError>(())
        })
        .map_err(|e| in_file(file, e))?;
    Ok(out)
}

/// One month of 15-minute interval data assembled from daily 96-point curves: meters in
/// order of first appearance, each meter's readings contiguous (row-major, as
/// [`IntervalBatch`](super::IntervalBatch) takes them).
#[derive(Debug, Clone, PartialEq)]
pub struct AmiMonth {
    /// The meters (or customers), in order of first appearance.
    pub meters: Vec<String>,
    /// The first instant of the month (local time).
    pub start: NaiveDateTime,
    /// Intervals per meter: days in the month × 96.
    pub intervals: usize,
    /// Interval energy, kWh: `meters × intervals`.
    pub energy_kwh: Vec<f64>,
    /// Interval forward reactive energy, kvarh (`None` if the curves hold no `kvarh` rows).
    pub kvarh_forward: Option<Vec<f64>>,
}

/// Assembles one month of interval data from `ami_curves` rows (`meter, date, kind, p1 …
/// p96`) of kinds `kwh` and `kvarh`. Every meter needs a curve of each kind present for every
/// day of the month, with all 96 points.
///
/// # Errors
/// [`TableError::Parse`] naming the line and column for a missing point, a date of another
/// month, a curve given twice, a `kw`/`kvar` row (demand, not energy: filter them out, as the
/// Parquet reader of bills does), a missing day of a meter (line 0: the whole table), or a
/// column problem.
pub fn read_ami_month(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    file: &str,
) -> Result<AmiMonth, TableError> {
    const POINTS: usize = 96;
    check(&crate::table::AMI_CURVES, &schema, file)?;
    let spec = &crate::table::AMI_CURVES;
    let at = |name: &str| schema.index_of(name).ok();
    let (meter_c, date_c, kind_c) = (at("meter"), at("date"), at("kind"));
    let mut point_c = [None; POINTS];
    for (i, f) in schema.fields().iter().enumerate() {
        if let Some(k) = spec.numbered_index(f.name()) {
            point_c[k] = Some(i);
        }
    }
    let table = ArrowTable::unchecked(schema, batches);
    let mut month: Option<(i32, u32, usize)> = None;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut meters: Vec<String> = Vec::new();
    let mut kwh: Vec<f64> = Vec::new();
    let mut kvarh: Vec<f64> = Vec::new();
    // Which (meter, day, kind) curves were seen.
    let mut seen: Vec<u64> = Vec::new();
    let mut any_kvarh = false;
    table
        .for_each_row(|row| {
            let cells = Cells {
                row,
                table: &table,
                file,
            };
            let meter = cells.text(meter_c)?.unwrap_or_default();
            let dc = date_c.expect("checked: required");
            let date = row.date(dc).map_err(|m| cells.fail(dc, m))?.ok_or_else(|| cells.missing(dc))?;
            let kc = kind_c.expect("checked: required");
            let kind = cells.text(kind_c)?.unwrap_or_default();
            let quantity = match kind.as_str() {
                "kwh" => 0,
                "kvarh" => 1,
                "kw" | "kvar" => {
                    return Err(cells.fail(
                        kc,
                        format!(
                            "a {kind} curve is demand, not energy: bills read kwh and kvarh \
                             curves (filter the others out)"
                        ),
                    ));
                }
                other => {
                    return Err(cells.fail(
                        kc,
                        format!("{:?} is not a curve kind (kwh, kvarh, kw, kvar)", crate::excerpt(other)),
                    ));
                }
            };
            let (y, m, days) = *month.get_or_insert_with(|| {
                let days = month_days(date.year(), date.month()).unwrap_or(31) as usize;
                (date.year(), date.month(), days)
            });
            if (date.year(), date.month()) != (y, m) {
                return Err(cells.fail(
                    dc,
                    format!("{date} is not in {y}-{m:02}, the month of the first row; give one month per table"),
                ));
            }
            let intervals = days * POINTS;
            let slot = match index.get(&meter) {
                Some(&s) => s,
                None => {
                    let s = meters.len();
                    index.insert(meter.clone(), s);
                    meters.push(meter.clone());
                    kwh.resize(kwh.len() + intervals, f64::NAN);
                    kvarh.resize(kvarh.len() + intervals, f64::NAN);
                    seen.resize(seen.len() + 2, 0);
                    s
                }
            };
            let day = date.day0() as usize;
            let bit = 1u64 << day;
            let mask = &mut seen[slot * 2 + quantity];
            if *mask & bit != 0 {
                return Err(cells.fail(
                    dc,
                    format!("meter {:?} has a second {kind} curve for {date}", crate::excerpt(&meter)),
                ));
            }
            *mask |= bit;
            any_kvarh |= quantity == 1;
            let values = if quantity == 0 { &mut kwh } else { &mut kvarh };
            let base = slot * intervals + day * POINTS;
            for (k, column) in point_c.iter().enumerate() {
                let c = column.ok_or_else(|| {
                    cells.fail(kc, format!("the table lacks the point column p{}", k + 1))
                })?;
                let v = row.number(c).map_err(|m| cells.fail(c, m))?.ok_or_else(|| {
                    cells.fail(
                        c,
                        format!(
                            "meter {:?} has no reading at point p{} of {date}",
                            crate::excerpt(&meter),
                            k + 1
                        ),
                    )
                })?;
                values[base + k] = v;
            }
            Ok::<(), TableError>(())
        })
        .map_err(|e| in_file(file, e))?;
    let Some((y, m, days)) = month else {
        return Err(parse_error(
            file,
            1,
            None,
            "the table has no curve".to_owned(),
        ));
    };
    let full = if days == 64 {
        u64::MAX
    } else {
        (1u64 << days) - 1
    };
    for (slot, meter) in meters.iter().enumerate() {
        for (quantity, name) in [(0, "kwh"), (1, "kvarh")] {
            if quantity == 1 && !any_kvarh {
                continue;
            }
            let mask = seen[slot * 2 + quantity];
            if mask != full {
                let day = (!mask).trailing_zeros() + 1;
                return Err(parse_error(
                    file,
                    0,
                    Some("date"),
                    format!(
                        "meter {:?} has no {name} curve for {y}-{m:02}-{day:02}",
                        crate::excerpt(meter)
                    ),
                ));
            }
        }
    }
    let start = NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a month of a valid date has a first day");
    Ok(AmiMonth {
        meters,
        start,
        intervals: days * POINTS,
        energy_kwh: kwh,
        kvarh_forward: any_kvarh.then_some(kvarh),
    })
}

/// Bills every meter of an [`AmiMonth`] with its terms, looked up by customer number (terms
/// of customers without curves are not used, so one terms table serves every partition).
///
/// # Errors
/// [`TariffError::InvalidValue`] naming a meter without terms, and the errors of
/// [`IntervalLayout::new`](super::IntervalLayout::new), [`aggregate_with`](super::aggregate_with)
/// and [`bill_batch`](super::bill_batch).
pub fn bill_ami(
    tariff: &super::Tariff,
    month: &AmiMonth,
    terms: &[CustomerTerms],
    calendar: &super::Calendar,
    options: super::IntervalOptions,
) -> Result<Vec<Bill>, super::TariffError> {
    let by_customer: HashMap<&str, &CustomerTerms> =
        terms.iter().map(|t| (t.customer.as_str(), t)).collect();
    let ordered = month
        .meters
        .iter()
        .map(|m| {
            by_customer
                .get(m.as_str())
                .map(|t| (*t).clone())
                .ok_or_else(|| super::TariffError::InvalidValue {
                    record: crate::excerpt(m),
                    field: "customer",
                    value: crate::excerpt(m),
                    reason: "has curves but no row in the customer terms",
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let layout = super::IntervalLayout::new(
        tariff.compiled(),
        calendar,
        month.start,
        15,
        month.intervals,
    )?;
    let totals = super::interval::aggregate_with(
        &layout,
        &super::IntervalBatch {
            customers: month.meters.len(),
            energy_kwh: &month.energy_kwh,
            kvarh_forward: month.kvarh_forward.as_deref(),
            kvarh_reverse: None,
            ids: Some(&month.meters),
        },
        options,
    )?;
    super::bill_batch(tariff, &totals, &layout, &ordered, options)
}

/// Scale of money and energy columns in [`bills_batch`]: 4 decimals (bills are exact to the
/// fen; quantities to 0.01 kWh and 0.001 kW, so 4 keeps every digit).
pub const BILL_SCALE: i8 = 4;

fn decimal_column(values: impl Iterator<Item = Option<Decimal>>) -> Result<ArrayRef, TableError> {
    let mut b = Decimal128Builder::new();
    for v in values {
        match v {
            Some(mut d) => {
                d.rescale(BILL_SCALE as u32);
                if d.scale() != BILL_SCALE as u32 {
                    return Err(TableError::Format {
                        file: "bills".into(),
                        message: format!("{d} has more than {BILL_SCALE} decimals"),
                    });
                }
                b.append_value(d.mantissa());
            }
            None => b.append_null(),
        }
    }
    let array = b
        .finish()
        .with_precision_and_scale(38, BILL_SCALE)
        .map_err(|e| TableError::Format {
            file: "bills".into(),
            message: e.to_string(),
        })?;
    Ok(Arc::new(array))
}

/// Bills as one Arrow batch, one row per bill: customer, year, month, price table, energy per
/// period (kWh) and energy charge per period (yuan), totals, basic charge, power-factor
/// adjustment, funds and the total, money as `decimal128(38, 4)` so nothing is rounded.
///
/// # Errors
/// [`TableError::Format`] if an amount has more than 4 decimals (never for bills the engine
/// makes, which are rounded to the fen).
pub fn bills_batch(bills: &[Bill]) -> Result<RecordBatch, TableError> {
    let mut fields = vec![
        Field::new("customer", DataType::Utf8, false),
        Field::new("year", DataType::Int32, false),
        Field::new("month", DataType::UInt32, false),
        Field::new("price_table", DataType::Utf8, false),
    ];
    let money = |name: &str, nullable: bool| {
        Field::new(name, DataType::Decimal128(38, BILL_SCALE), nullable)
    };
    let mut columns: Vec<ArrayRef> = Vec::new();
    let mut customer = StringBuilder::new();
    let mut year = Int32Builder::new();
    let mut month = UInt32Builder::new();
    let mut table = StringBuilder::new();
    for b in bills {
        customer.append_value(&b.customer);
        year.append_value(b.year);
        month.append_value(b.month);
        table.append_value(&b.price_table);
    }
    columns.push(Arc::new(customer.finish()));
    columns.push(Arc::new(year.finish()));
    columns.push(Arc::new(month.finish()));
    columns.push(Arc::new(table.finish()));
    for p in Period::ALL {
        let line = |b: &Bill| b.energy.iter().find(|l| l.period == p).cloned();
        fields.push(money(&format!("{}_kwh", p.as_str()), true));
        columns.push(decimal_column(
            bills.iter().map(|b| line(b).map(|l| l.energy_kwh)),
        )?);
        fields.push(money(&format!("{}_yuan", p.as_str()), true));
        columns.push(decimal_column(
            bills.iter().map(|b| line(b).map(|l| l.amount_yuan)),
        )?);
    }
    type Get = fn(&Bill) -> Option<Decimal>;
    let scalars: [(&str, Get); 9] = [
        ("energy_kwh", |b| Some(b.energy_kwh)),
        ("energy_yuan", |b| Some(b.energy_yuan)),
        ("basic_yuan", |b| Some(b.basic.amount_yuan)),
        ("billing_demand_kw", |b| b.basic.billing_demand_kw),
        ("power_factor", |b| b.pf.power_factor),
        ("pf_adjustment_pct", |b| Some(b.pf.adjustment_pct)),
        ("pf_yuan", |b| Some(b.pf.amount_yuan)),
        ("funds_yuan", |b| Some(b.funds_yuan)),
        ("total_yuan", |b| Some(b.total_yuan)),
    ];
    for (name, get) in scalars {
        let nullable = matches!(name, "billing_demand_kw" | "power_factor");
        fields.push(money(name, nullable));
        columns.push(decimal_column(bills.iter().map(get))?);
    }
    let schema = Arc::new(Schema::new(fields));
    RecordBatch::try_new(schema, columns).map_err(|e| TableError::Format {
        file: "bills".into(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Date32Array, Float64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    /// Curves for `meters` over the days of 2024-02 (29 days), every point `value(meter, day,
    /// point)`, kinds as given.
    fn curves(
        meters: &[&str],
        kinds: &[&str],
        days: u32,
        value: impl Fn(usize, u32, usize) -> Option<f64>,
    ) -> RecordBatch {
        let mut fields = vec![
            Field::new("meter", DataType::Utf8, false),
            Field::new("date", DataType::Date32, false),
            Field::new("kind", DataType::Utf8, false),
        ];
        fields.extend((1..=96).map(|k| Field::new(format!("p{k}"), DataType::Float64, true)));
        let mut meter_col = Vec::new();
        let mut date_col = Vec::new();
        let mut kind_col = Vec::new();
        let mut points: Vec<Vec<Option<f64>>> = vec![Vec::new(); 96];
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for (m, meter) in meters.iter().enumerate() {
            for day in 1..=days {
                for kind in kinds {
                    meter_col.push(*meter);
                    let d = NaiveDate::from_ymd_opt(2024, 2, day).unwrap();
                    date_col.push(i32::try_from((d - epoch).num_days()).unwrap());
                    kind_col.push(*kind);
                    for (k, p) in points.iter_mut().enumerate() {
                        p.push(value(m, day, k));
                    }
                }
            }
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(meter_col)),
            Arc::new(Date32Array::from(date_col)),
            Arc::new(StringArray::from(kind_col)),
        ];
        columns.extend(
            points
                .into_iter()
                .map(|p| Arc::new(Float64Array::from(p)) as ArrayRef),
        );
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    fn month(batch: RecordBatch) -> Result<AmiMonth, TableError> {
        read_ami_month(batch.schema(), vec![batch], "curves")
    }

    #[test]
    fn curves_assemble_into_a_month_of_intervals() {
        let batch = curves(&["M2", "M1"], &["kwh", "kvarh"], 29, |m, day, k| {
            Some(m as f64 * 1000.0 + f64::from(day) + k as f64 / 1000.0)
        });
        let got = month(batch).unwrap();
        assert_eq!(got.meters, vec!["M2", "M1"]);
        assert_eq!(got.intervals, 29 * 96);
        assert_eq!(got.start.to_string(), "2024-02-01 00:00:00");
        // Meter M1 (slot 1), day 3, point p5 (index 4): 1000 + 3 + 0.004.
        assert_eq!(got.energy_kwh[got.intervals + 2 * 96 + 4], 1003.004);
        assert!(got.kvarh_forward.is_some());
    }

    #[test]
    fn a_missing_point_day_or_a_demand_curve_is_refused_by_name() {
        let gap = curves(&["M1"], &["kwh"], 29, |_, day, k| {
            (day != 7 || k != 10).then_some(0.25)
        });
        match month(gap) {
            // Day 7 is the 7th row: line 8 (header on line 1).
            Err(TableError::Parse {
                line,
                field,
                message,
                ..
            }) => {
                assert_eq!((line, field.as_deref()), (8, Some("p11")));
                assert!(message.contains("2024-02-07"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        match month(curves(&["M1"], &["kwh"], 28, |_, _, _| Some(0.25))) {
            Err(TableError::Parse { message, .. }) => {
                assert!(message.contains("2024-02-29"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        match month(curves(&["M1"], &["kw"], 29, |_, _, _| Some(1.0))) {
            Err(TableError::Parse { field, message, .. }) => {
                assert_eq!(field.as_deref(), Some("kind"));
                assert!(message.contains("demand"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn usage_from_arrow_equals_usage_from_json() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("customer", DataType::Utf8, false),
            Field::new("year", DataType::Int64, false),
            Field::new("month", DataType::Int64, false),
            Field::new("peak_kwh", DataType::Float64, false),
            Field::new("flat_kwh", DataType::Utf8, false),
            Field::new("kvarh_forward", DataType::Float64, false),
            Field::new("capacity_kva", DataType::Float64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["C1"])),
                Arc::new(arrow_array::Int64Array::from(vec![2024])),
                Arc::new(arrow_array::Int64Array::from(vec![3])),
                Arc::new(Float64Array::from(vec![300_000.1])),
                Arc::new(StringArray::from(vec!["400000.25"])),
                Arc::new(Float64Array::from(vec![484_322.0])),
                Arc::new(Float64Array::from(vec![3200.0])),
            ],
        )
        .unwrap();
        let got = read_usage(schema.clone(), vec![batch], "usage").unwrap();
        let json: MonthlyUsage = serde_json::from_str(
            r#"{"customer":"C1","year":2024,"month":3,"energy_kwh":{"peak":"300000.1","flat":"400000.25"},
                "kvarh_forward":"484322","capacity_kva":"3200"}"#,
        )
        .unwrap();
        assert_eq!(got, vec![json]);
        // A NaN energy is a missing cell of a present column: refused, naming line and column.
        let nan = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["C1"])),
                Arc::new(arrow_array::Int64Array::from(vec![2024])),
                Arc::new(arrow_array::Int64Array::from(vec![3])),
                Arc::new(Float64Array::from(vec![f64::NAN])),
                Arc::new(StringArray::from(vec!["1"])),
                Arc::new(Float64Array::from(vec![1.0])),
                Arc::new(Float64Array::from(vec![3200.0])),
            ],
        )
        .unwrap();
        match read_usage(schema, vec![nan], "usage") {
            Err(TableError::Parse {
                file, line, field, ..
            }) => {
                assert_eq!(
                    (file.as_str(), line, field.as_deref()),
                    ("usage", 2, Some("peak_kwh"))
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
