//! Errors of the tariff family.

use rust_decimal::Decimal;

use super::Period;

/// Everything the tariff module refuses. Each variant names the record (customer, schedule,
/// price table), the field and the offending value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TariffError {
    /// A period name is not one of `sharp`, `peak`, `flat`, `valley`, `deep_valley`.
    #[error(
        "{context}: unknown period name {name:?} (expected sharp, peak, flat, valley or deep_valley)"
    )]
    UnknownPeriod {
        /// Where the name was found (schedule, price table or usage record).
        context: String,
        /// The name given.
        name: String,
    },
    /// A season of a schedule leaves part of the day without a period.
    #[error("schedule {schedule:?}, season {season:?}: no period covers {from}–{to}")]
    ScheduleGap {
        /// The schedule's name.
        schedule: String,
        /// The season's name.
        season: String,
        /// Start of the uncovered interval, `HH:MM`.
        from: String,
        /// End of the uncovered interval (exclusive), `HH:MM`.
        to: String,
    },
    /// Two periods of a season claim the same hours.
    #[error(
        "schedule {schedule:?}, season {season:?}: {first} and {second} both cover {from}–{to}"
    )]
    ScheduleOverlap {
        /// The schedule's name.
        schedule: String,
        /// The season's name.
        season: String,
        /// The period listed first.
        first: Period,
        /// The period listed second.
        second: Period,
        /// Start of the doubly covered interval, `HH:MM`.
        from: String,
        /// End of the doubly covered interval (exclusive), `HH:MM`.
        to: String,
    },
    /// No season of a schedule applies to a month and day type.
    #[error("schedule {schedule:?}: no season covers month {month} on {day_type} days")]
    SeasonGap {
        /// The schedule's name.
        schedule: String,
        /// The month (1–12).
        month: u32,
        /// The day type (`workday`, `weekend`, `holiday`).
        day_type: &'static str,
    },
    /// Two seasons of a schedule apply to the same month and day type.
    #[error(
        "schedule {schedule:?}: seasons {first:?} and {second:?} both cover month {month} on {day_type} days"
    )]
    SeasonOverlap {
        /// The schedule's name.
        schedule: String,
        /// The season listed first.
        first: String,
        /// The season listed second.
        second: String,
        /// The month (1–12).
        month: u32,
        /// The day type.
        day_type: &'static str,
    },
    /// The sharp-peak overlay claims hours its base period does not hold in some season.
    #[error(
        "schedule {schedule:?}: sharp hours {from}–{to} in month {month} lie outside the {replaces} hours of season {season:?}"
    )]
    SharpOutsideBase {
        /// The schedule's name.
        schedule: String,
        /// The season concerned.
        season: String,
        /// The month concerned.
        month: u32,
        /// The period the sharp hours replace.
        replaces: Period,
        /// Start of the offending interval, `HH:MM`.
        from: String,
        /// End of the offending interval (exclusive), `HH:MM`.
        to: String,
    },
    /// A price table has no price for a period its schedule uses.
    #[error(
        "price table {table:?}: component {component:?} has no price for the {period} period the schedule uses"
    )]
    PriceMissingPeriod {
        /// The price table's name.
        table: String,
        /// The energy component (or `multipliers`).
        component: String,
        /// The period without a price.
        period: Period,
    },
    /// A value of a rule or a record is outside its allowed range.
    #[error("{record}: {field} = {value} {reason}")]
    InvalidValue {
        /// The record (schedule, season, price table, customer).
        record: String,
        /// The field.
        field: &'static str,
        /// The value as text.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An energy, reactive energy, demand or capacity quantity is negative.
    #[error("{record}: {field} = {value} is negative")]
    NegativeQuantity {
        /// The record (customer and month).
        record: String,
        /// The field.
        field: String,
        /// The value.
        value: Decimal,
    },
    /// A power factor was asked for a month without active energy.
    #[error("{record}: power factor undefined: active energy is 0 kWh with {kvarh} kvarh reactive")]
    PfZeroEnergy {
        /// The record (customer and month).
        record: String,
        /// The reactive energy |forward| + |reverse| (kvarh).
        kvarh: Decimal,
    },
    /// A maximum demand or contract demand was given for a customer with no capacity.
    #[error("{record}: {field} = {demand_kw} kW but the capacity in service is 0 kVA")]
    DemandWithoutCapacity {
        /// The record (customer and month).
        record: String,
        /// `max_demand_kw` or `contract_demand_kw`.
        field: &'static str,
        /// The demand given (kW).
        demand_kw: Decimal,
    },
    /// A quantity the billing method needs is missing.
    #[error("{record}: billing method {method} needs {field}")]
    MissingField {
        /// The record (customer and month).
        record: String,
        /// The billing method.
        method: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// The price table has no price for the basic charge the billing method asks for.
    #[error(
        "price table {table:?} has no {field} (single-part price?) but customer {record} is billed {method}"
    )]
    NoBasicPrice {
        /// The price table.
        table: String,
        /// The customer record.
        record: String,
        /// The billing method.
        method: &'static str,
        /// The missing price field.
        field: &'static str,
    },
    /// A date does not fit the record's month or period.
    #[error("{record}: {field} = {value} {reason}")]
    InvalidDate {
        /// The record.
        record: String,
        /// The field.
        field: &'static str,
        /// The date as text.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// No schedule or price table of the book is in force on the date.
    #[error("no {what} for {category:?} at {voltage:?} in force on {date}")]
    NotInForce {
        /// `schedule` or `price table`.
        what: &'static str,
        /// The customer category asked for.
        category: String,
        /// The voltage level asked for.
        voltage: String,
        /// The date.
        date: String,
    },
    /// A month is billed outside the validity of the tariff's schedule or price table.
    #[error(
        "{record}: the {what} {name:?} is in force {valid}, not on {date} (use the tariff in force, or bill_what_if for a what-if at these prices)"
    )]
    OutsideValidity {
        /// The record (customer and month).
        record: String,
        /// `schedule` or `price table`.
        what: &'static str,
        /// The schedule's or price table's name.
        name: String,
        /// Its validity, e.g. `from 2026-02-01` or `2025-01-01 to 2025-12-31`.
        valid: String,
        /// The first billed day outside it.
        date: String,
    },
    /// JSON that does not have the documented layout.
    #[error("{what}: invalid JSON: {message}")]
    Json {
        /// What was being read (schedule, price table, usage, book).
        what: String,
        /// serde_json's message, with line and column.
        message: String,
    },
    /// A column of an interval batch has the wrong length.
    #[error(
        "interval batch: {quantity} has {got} values, expected {expected} ({customers} customers × {intervals} intervals)"
    )]
    ShapeMismatch {
        /// The quantity (`energy_kwh`, `kvarh_forward`, ...).
        quantity: &'static str,
        /// Values given.
        got: usize,
        /// Values expected.
        expected: usize,
        /// Customers in the batch.
        customers: usize,
        /// Intervals per customer.
        intervals: usize,
    },
    /// An interval reading is negative, NaN or infinite.
    #[error(
        "interval batch: {quantity} of customer {customer} (row {row}) at interval {interval} = {value} is not a finite non-negative number"
    )]
    BadReading {
        /// The quantity.
        quantity: &'static str,
        /// The customer's id (or its row number when no ids were given).
        customer: String,
        /// The customer's row in the batch.
        row: usize,
        /// The interval's 0-based index.
        interval: usize,
        /// The value.
        value: f64,
    },
    /// The interval layout does not fit the schedule or a single month.
    #[error("interval layout: {reason}")]
    BadLayout {
        /// What is wrong, with the values.
        reason: String,
    },
    /// An amount is too large for exact decimal arithmetic.
    #[error("{record}: {what} overflows exact decimal arithmetic")]
    Overflow {
        /// The record.
        record: String,
        /// The computation.
        what: &'static str,
    },
}
