//! Errors of the tariff family.

use rust_decimal::Decimal;
use serde::Serialize;

use super::Period;
use crate::error_info::{detail, excerpt, quoted, ser_display};

/// Everything the tariff module refuses. Each variant names the record (customer, schedule,
/// price table), the field and the offending value.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)); `from`/`to` are `start`/`end`.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TariffError {
    /// A period name is not one of `sharp`, `peak`, `flat`, `valley`, `deep_valley`.
    #[error(
        "{context}: unknown period name {} (expected sharp, peak, flat, valley or deep_valley)",
        quoted(name)
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
        #[serde(rename = "start")]
        from: String,
        /// End of the uncovered interval (exclusive), `HH:MM`.
        #[serde(rename = "end")]
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
        #[serde(serialize_with = "ser_display")]
        first: Period,
        /// The period listed second.
        #[serde(serialize_with = "ser_display")]
        second: Period,
        /// Start of the doubly covered interval, `HH:MM`.
        #[serde(rename = "start")]
        from: String,
        /// End of the doubly covered interval (exclusive), `HH:MM`.
        #[serde(rename = "end")]
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
        #[serde(serialize_with = "ser_display")]
        replaces: Period,
        /// Start of the offending interval, `HH:MM`.
        #[serde(rename = "start")]
        from: String,
        /// End of the offending interval (exclusive), `HH:MM`.
        #[serde(rename = "end")]
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
        #[serde(serialize_with = "ser_display")]
        period: Period,
    },
    /// A value of a rule or a record is outside its allowed range.
    #[error("{record}: {field} = {} {reason}", excerpt(value))]
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
        #[serde(rename = "value")]
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
        #[serde(rename = "value")]
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
    #[error("{record}: {field} = {} {reason}", excerpt(value))]
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
        "{record}: the {what} {} is in force {valid}, not on {date} (use the tariff in force, or bill_what_if for a what-if at these prices)",
        quoted(name)
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
    #[error("{what}: invalid JSON: {}", detail(message))]
    Json {
        /// What was being read (schedule, price table, usage, book).
        #[serde(rename = "file")]
        what: String,
        /// serde_json's message, with line and column.
        #[serde(rename = "detail")]
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
    #[error("interval layout: {}", detail(reason))]
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
        #[serde(rename = "field")]
        what: &'static str,
    },
    /// The progress callback asked to stop (see [`crate::progress`]).
    #[error("cancelled by the progress callback after {done} of {total} customers")]
    Cancelled {
        /// Customers done.
        done: usize,
        /// Customers in the call.
        total: usize,
    },
}

impl From<crate::progress::Cancelled> for TariffError {
    fn from(c: crate::progress::Cancelled) -> Self {
        Self::Cancelled {
            done: c.done,
            total: c.total,
        }
    }
}

crate::impl_error_info! {
    TariffError {
        UnknownPeriod => ("unknown_period", "UnknownPeriodError"),
        ScheduleGap => ("schedule_gap", "ScheduleError"),
        ScheduleOverlap => ("schedule_overlap", "ScheduleError"),
        SeasonGap => ("season_gap", "ScheduleError"),
        SeasonOverlap => ("season_overlap", "ScheduleError"),
        SharpOutsideBase => ("sharp_outside_base", "ScheduleError"),
        PriceMissingPeriod => ("price_missing_period", "PriceError"),
        InvalidValue => ("invalid_value", "TariffInputError"),
        NegativeQuantity => ("negative_quantity", "TariffInputError"),
        PfZeroEnergy => ("pf_zero_energy", "TariffInputError"),
        DemandWithoutCapacity => ("demand_without_capacity", "TariffInputError"),
        MissingField => ("missing_field", "TariffInputError"),
        NoBasicPrice => ("no_basic_price", "PriceError"),
        InvalidDate => ("invalid_date", "TariffInputError"),
        NotInForce => ("not_in_force", "NotInForceError"),
        OutsideValidity => ("outside_validity", "NotInForceError"),
        Json => ("json", "ParseError"),
        ShapeMismatch => ("shape_mismatch", "IntervalDataError"),
        BadReading => ("bad_reading", "IntervalDataError"),
        BadLayout => ("bad_layout", "IntervalDataError"),
        Overflow => ("overflow", "TariffInputError"),
        Cancelled => ("cancelled", "CancelledError"),
    }
    delegate {}
}

impl TariffError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        let s = |v: &str| v.to_owned();
        vec![
            Self::UnknownPeriod {
                context: s("usage C1"),
                name: s("noon"),
            },
            Self::ScheduleGap {
                schedule: s("S"),
                season: s("summer"),
                from: s("06:00"),
                to: s("07:00"),
            },
            Self::ScheduleOverlap {
                schedule: s("S"),
                season: s("summer"),
                first: Period::Peak,
                second: Period::Flat,
                from: s("08:00"),
                to: s("09:00"),
            },
            Self::SeasonGap {
                schedule: s("S"),
                month: 7,
                day_type: "workday",
            },
            Self::SeasonOverlap {
                schedule: s("S"),
                first: s("a"),
                second: s("b"),
                month: 7,
                day_type: "workday",
            },
            Self::SharpOutsideBase {
                schedule: s("S"),
                season: s("summer"),
                month: 7,
                replaces: Period::Peak,
                from: s("03:00"),
                to: s("04:00"),
            },
            Self::PriceMissingPeriod {
                table: s("T"),
                component: s("energy"),
                period: Period::Sharp,
            },
            Self::InvalidValue {
                record: s("C1"),
                field: "capacity_kva",
                value: s("-1"),
                reason: "is negative",
            },
            Self::NegativeQuantity {
                record: s("C1"),
                field: s("energy_kwh.flat"),
                value: Decimal::from(-5),
            },
            Self::PfZeroEnergy {
                record: s("C1"),
                kvarh: Decimal::from(3),
            },
            Self::DemandWithoutCapacity {
                record: s("C1"),
                field: "max_demand_kw",
                demand_kw: Decimal::from(7),
            },
            Self::MissingField {
                record: s("C1"),
                method: "by_demand",
                field: "max_demand_kw",
            },
            Self::NoBasicPrice {
                table: s("T"),
                record: s("C1"),
                method: "by_capacity",
                field: "capacity_price",
            },
            Self::InvalidDate {
                record: s("C1"),
                field: "sealed_from",
                value: s("2024-13-01"),
                reason: "is not a date",
            },
            Self::NotInForce {
                what: "price table",
                category: s("large_industry"),
                voltage: s("10kV"),
                date: s("2020-01-01"),
            },
            Self::Json {
                what: s("usage"),
                message: s("expected value"),
            },
            Self::ShapeMismatch {
                quantity: "kwh",
                got: 3,
                expected: 4,
                customers: 2,
                intervals: 2,
            },
            Self::BadReading {
                quantity: "kwh",
                customer: s("C1"),
                row: 0,
                interval: 1,
                value: f64::NAN,
            },
            Self::BadLayout {
                reason: s("no intervals"),
            },
            Self::Overflow {
                record: s("C1"),
                what: "energy charge",
            },
            Self::OutsideValidity {
                record: s("C1 2020-03"),
                what: "price table",
                name: s("Huizhou 2026-02"),
                valid: s("from 2026-02-01"),
                date: s("2020-03-01"),
            },
            Self::Cancelled {
                done: 4_000,
                total: 100_000,
            },
        ]
    }
}

#[cfg(test)]
mod info_tests {
    use super::*;
    use crate::FieldsOf;

    #[test]
    fn every_variant_has_an_example_class_and_kind() {
        crate::error_info::tests::check_examples(&TariffError::examples());
    }

    #[test]
    fn fields_keep_the_public_attribute_names() {
        use crate::error_info::tests::example as ex;
        let all = TariffError::examples();
        let gap = FieldsOf(ex(&all, "schedule_gap")).to_map();
        assert_eq!(
            (gap["start"].as_str(), gap["end"].as_str()),
            (Some("06:00"), Some("07:00"))
        );
        let overlap = FieldsOf(ex(&all, "schedule_overlap")).to_map();
        assert_eq!(overlap["first"], "peak");
        let neg = FieldsOf(ex(&all, "negative_quantity")).to_map();
        assert_eq!(neg["value"], "-5");
        let json = FieldsOf(ex(&all, "json")).to_map();
        assert_eq!(
            (json["file"].as_str(), json["detail"].as_str()),
            (Some("usage"), Some("expected value"))
        );
    }

    #[test]
    fn messages_cap_echoed_values() {
        let big = "x".repeat(1_000_000);
        for e in [
            TariffError::UnknownPeriod {
                context: "c".into(),
                name: big.clone(),
            },
            TariffError::InvalidValue {
                record: "C1".into(),
                field: "f",
                value: big.clone(),
                reason: "r",
            },
            TariffError::InvalidDate {
                record: "C1".into(),
                field: "f",
                value: big.clone(),
                reason: "r",
            },
            TariffError::Json {
                what: "w".into(),
                message: big.clone(),
            },
            TariffError::BadLayout { reason: big },
        ] {
            assert!(e.to_string().len() < 500, "{}", e.to_string().len());
        }
    }
}
