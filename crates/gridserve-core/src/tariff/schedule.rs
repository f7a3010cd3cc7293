//! Time-of-use schedules: which period applies at each half hour of each day.
//!
//! A schedule is a list of seasons; a season applies to some months and day types and divides
//! the day into periods over half-open hour ranges `[start, end)` on 30-minute boundaries. An
//! optional sharp-peak overlay turns some hours of one base period (normally `peak`) into `sharp`
//! in some months and on extra days (e.g. Guangdong: Jul–Sep, 11–12 and 15–17, plus any day on
//! which Guangzhou reaches 35 °C; 粤发改价格〔2021〕331号, reference tariff.md §3.3).
//!
//! [`TouSchedule::compile`] checks that every half hour of every month and day type has exactly
//! one period and refuses a gap or an overlap with its exact interval.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Period, TariffError};

/// Half-hour slots in a day.
pub const SLOTS_PER_DAY: usize = 48;

/// The kind of day a season applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    /// Monday to Friday (and make-up working days of the [`Calendar`]).
    Workday,
    /// Saturday and Sunday that are not make-up working days.
    Weekend,
    /// A public holiday of the [`Calendar`].
    Holiday,
}

impl DayType {
    /// All day types.
    pub const ALL: [DayType; 3] = [DayType::Workday, DayType::Weekend, DayType::Holiday];

    /// The snake_case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Workday => "workday",
            Self::Weekend => "weekend",
            Self::Holiday => "holiday",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

fn all_day_types() -> Vec<DayType> {
    DayType::ALL.to_vec()
}

/// A half-open range of hours `[start_h, end_h)`, in JSON `[start, end]`; both on 30-minute
/// boundaries, `0 ≤ start < end ≤ 24`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HourRange {
    /// First hour covered (e.g. `10` or `10.5`).
    pub start_h: f64,
    /// First hour not covered.
    pub end_h: f64,
}

impl HourRange {
    /// A range `[start_h, end_h)`.
    #[must_use]
    pub fn new(start_h: f64, end_h: f64) -> Self {
        Self { start_h, end_h }
    }

    fn slots(self, record: &str) -> Result<std::ops::Range<usize>, TariffError> {
        let bad = |reason| TariffError::InvalidValue {
            record: record.to_owned(),
            field: "hours",
            value: format!("[{}, {}]", self.start_h, self.end_h),
            reason,
        };
        let ok = |h: f64| h.is_finite() && (0.0..=24.0).contains(&h) && (h * 2.0).fract() == 0.0;
        if !ok(self.start_h) || !ok(self.end_h) {
            return Err(bad("must lie in 0–24 on 30-minute boundaries"));
        }
        if self.start_h >= self.end_h {
            return Err(bad("must start before it ends"));
        }
        // Both are multiples of 0.5 in 0..=24, so the casts are exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok((self.start_h * 2.0) as usize..(self.end_h * 2.0) as usize)
    }
}

impl Serialize for HourRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.start_h, self.end_h].serialize(s)
    }
}

impl<'de> Deserialize<'de> for HourRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [start_h, end_h] = <[f64; 2]>::deserialize(d)?;
        Ok(Self { start_h, end_h })
    }
}

/// The hours of one period within a season.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeasonPeriod {
    /// The period.
    pub period: Period,
    /// Its hour ranges.
    pub hours: Vec<HourRange>,
}

/// The division of the day that applies in some months on some day types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Season {
    /// A name for messages (e.g. `"summer"`, `"all year"`).
    pub name: String,
    /// Months (1–12) the season applies to.
    pub months: Vec<u32>,
    /// Day types the season applies to (all three when omitted).
    #[serde(default = "all_day_types")]
    pub day_types: Vec<DayType>,
    /// The periods and their hours; together they must cover 0–24 exactly once.
    pub periods: Vec<SeasonPeriod>,
}

/// Sharp-peak hours laid over one base period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharpOverlay {
    /// The period whose hours turn sharp (`peak` unless said otherwise); the sharp hours must lie
    /// inside it in every overlay month.
    #[serde(default = "peak")]
    pub replaces: Period,
    /// The sharp hours.
    pub hours: Vec<HourRange>,
    /// Months (1–12) in which every day (of the listed day types) has sharp hours.
    #[serde(default)]
    pub months: Vec<u32>,
    /// Day types with sharp hours in those months (all when omitted).
    #[serde(default = "all_day_types")]
    pub day_types: Vec<DayType>,
    /// Further dates with sharp hours (e.g. declared heat days). On such a date only the slots
    /// whose base period is `replaces` turn sharp. The [`Calendar`] can add more at use time.
    #[serde(default)]
    pub extra_days: Vec<NaiveDate>,
}

fn peak() -> Period {
    Period::Peak
}

/// A TOU schedule, versioned by effective date.
///
/// ```
/// use gridserve_core::tariff::{schedule::TouSchedule, Period};
/// let json = r#"{"name": "two periods", "effective_from": "2024-01-01",
///   "seasons": [{"name": "all", "months": [1,2,3,4,5,6,7,8,9,10,11,12],
///     "periods": [{"period": "valley", "hours": [[0, 8]]},
///                 {"period": "flat", "hours": [[8, 24]]}]}]}"#;
/// let schedule: TouSchedule = gridserve_core::tariff::from_json("schedule", json)?;
/// let compiled = schedule.compile()?;
/// let t = chrono::NaiveDate::from_ymd_opt(2024, 3, 5).unwrap().and_hms_opt(7, 45, 0).unwrap();
/// assert_eq!(compiled.period_at(t, &Default::default()), Period::Valley);
/// # Ok::<(), gridserve_core::tariff::TariffError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouSchedule {
    /// The schedule's name.
    pub name: String,
    /// Region it applies to (e.g. `"guangdong"`).
    #[serde(default)]
    pub region: Option<String>,
    /// The document that sets it.
    #[serde(default)]
    pub document: Option<String>,
    /// Notes on the source and what is unverified.
    #[serde(default)]
    pub note: Option<String>,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force (open-ended when omitted).
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
    /// The seasons.
    pub seasons: Vec<Season>,
    /// The sharp-peak overlay, if the schedule has one.
    #[serde(default)]
    pub sharp: Option<SharpOverlay>,
}

/// Dates that change the day type or add sharp-peak days; China Standard Time dates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Public holidays (day type `holiday`).
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Weekend dates that are working days (调休 make-up days).
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
    /// Extra sharp-peak days (e.g. declared heat days) on top of the schedule's own.
    #[serde(default)]
    pub sharp_days: Vec<NaiveDate>,
}

impl Calendar {
    /// The day type of a date.
    #[must_use]
    pub fn day_type(&self, date: NaiveDate) -> DayType {
        if self.holidays.contains(&date) {
            DayType::Holiday
        } else if self.workdays.contains(&date) {
            DayType::Workday
        } else if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            DayType::Weekend
        } else {
            DayType::Workday
        }
    }
}

/// A validated schedule with a dense lookup: season per (month, day type), period per half hour.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledSchedule {
    name: String,
    season_of: [[u8; 3]; 12],
    slots: Vec<[Period; SLOTS_PER_DAY]>,
    sharp_slots: [bool; SLOTS_PER_DAY],
    sharp_replaces: Period,
    sharp_months: [bool; 12],
    sharp_day_types: [bool; 3],
    sharp_extra: Vec<NaiveDate>,
    used: [bool; 5],
}

fn hhmm(slot: usize) -> String {
    format!("{:02}:{:02}", slot / 2, (slot % 2) * 30)
}

fn check_month(record: &str, field: &'static str, m: u32) -> Result<usize, TariffError> {
    if (1..=12).contains(&m) {
        Ok((m - 1) as usize)
    } else {
        Err(TariffError::InvalidValue {
            record: record.to_owned(),
            field,
            value: m.to_string(),
            reason: "is not a month (1–12)",
        })
    }
}

impl TouSchedule {
    /// Validates the schedule and builds its lookup.
    ///
    /// # Errors
    /// [`TariffError::ScheduleGap`] / [`TariffError::ScheduleOverlap`] with the exact interval,
    /// [`TariffError::SeasonGap`] / [`TariffError::SeasonOverlap`] for months and day types,
    /// [`TariffError::SharpOutsideBase`], [`TariffError::InvalidValue`] for hours and months.
    pub fn compile(&self) -> Result<CompiledSchedule, TariffError> {
        let mut slots = Vec::with_capacity(self.seasons.len());
        let mut season_of: [[Option<usize>; 3]; 12] = [[None; 3]; 12];
        let mut used = [false; 5];
        for (si, season) in self.seasons.iter().enumerate() {
            let record = format!("schedule {:?}, season {:?}", self.name, season.name);
            let mut owner: [Option<Period>; SLOTS_PER_DAY] = [None; SLOTS_PER_DAY];
            for sp in &season.periods {
                for range in &sp.hours {
                    let r = range.slots(&record)?;
                    if let Some(s) = r.clone().find(|&s| owner[s].is_some()) {
                        let first = owner[s].unwrap_or(sp.period);
                        let mut e = s;
                        while e < r.end && owner[e] == Some(first) {
                            e += 1;
                        }
                        return Err(TariffError::ScheduleOverlap {
                            schedule: self.name.clone(),
                            season: season.name.clone(),
                            first,
                            second: sp.period,
                            from: hhmm(s),
                            to: hhmm(e),
                        });
                    }
                    for o in &mut owner[r] {
                        *o = Some(sp.period);
                    }
                }
            }
            if let Some(s) = owner.iter().position(Option::is_none) {
                let e = owner[s..]
                    .iter()
                    .position(Option::is_some)
                    .map_or(SLOTS_PER_DAY, |k| s + k);
                return Err(TariffError::ScheduleGap {
                    schedule: self.name.clone(),
                    season: season.name.clone(),
                    from: hhmm(s),
                    to: hhmm(e),
                });
            }
            let mut day = [Period::Flat; SLOTS_PER_DAY];
            for (d, o) in day.iter_mut().zip(owner) {
                *d = o.unwrap_or(Period::Flat);
                used[d.index()] = true;
            }
            slots.push(day);
            if season.day_types.is_empty() {
                return Err(TariffError::InvalidValue {
                    record,
                    field: "day_types",
                    value: "[]".into(),
                    reason: "is empty",
                });
            }
            for &m in &season.months {
                let mi = check_month(&record, "months", m)?;
                for &dt in &season.day_types {
                    let cell = &mut season_of[mi][dt.index()];
                    if let Some(prev) = *cell
                        && prev != si
                    {
                        return Err(TariffError::SeasonOverlap {
                            schedule: self.name.clone(),
                            first: self.seasons[prev].name.clone(),
                            second: season.name.clone(),
                            month: m,
                            day_type: dt.as_str(),
                        });
                    }
                    *cell = Some(si);
                }
            }
        }
        let mut dense = [[0u8; 3]; 12];
        for (mi, row) in season_of.iter().enumerate() {
            for dt in DayType::ALL {
                match row[dt.index()] {
                    // At most 255 seasons are addressable; more is refused below.
                    Some(si) => dense[mi][dt.index()] = u8::try_from(si).unwrap_or(u8::MAX),
                    None => {
                        return Err(TariffError::SeasonGap {
                            schedule: self.name.clone(),
                            month: mi as u32 + 1,
                            day_type: dt.as_str(),
                        });
                    }
                }
            }
        }
        if self.seasons.len() > usize::from(u8::MAX) {
            return Err(TariffError::InvalidValue {
                record: format!("schedule {:?}", self.name),
                field: "seasons",
                value: self.seasons.len().to_string(),
                reason: "is more than 255 seasons",
            });
        }
        let mut out = CompiledSchedule {
            name: self.name.clone(),
            season_of: dense,
            slots,
            sharp_slots: [false; SLOTS_PER_DAY],
            sharp_replaces: Period::Peak,
            sharp_months: [false; 12],
            sharp_day_types: [false; 3],
            sharp_extra: Vec::new(),
            used,
        };
        if let Some(sharp) = &self.sharp {
            let record = format!("schedule {:?}, sharp overlay", self.name);
            out.sharp_replaces = sharp.replaces;
            for range in &sharp.hours {
                let r = range.slots(&record)?;
                if let Some(s) = r.clone().find(|&s| out.sharp_slots[s]) {
                    let mut e = s;
                    while e < r.end && out.sharp_slots[e] {
                        e += 1;
                    }
                    return Err(TariffError::ScheduleOverlap {
                        schedule: self.name.clone(),
                        season: "sharp overlay".into(),
                        first: Period::Sharp,
                        second: Period::Sharp,
                        from: hhmm(s),
                        to: hhmm(e),
                    });
                }
                for s in r {
                    out.sharp_slots[s] = true;
                }
            }
            for &dt in &sharp.day_types {
                out.sharp_day_types[dt.index()] = true;
            }
            for &m in &sharp.months {
                let mi = check_month(&record, "months", m)?;
                out.sharp_months[mi] = true;
                for &dt in &sharp.day_types {
                    let si = usize::from(out.season_of[mi][dt.index()]);
                    let day = &out.slots[si];
                    if let Some(s) =
                        (0..SLOTS_PER_DAY).find(|&s| out.sharp_slots[s] && day[s] != sharp.replaces)
                    {
                        let e = (s..SLOTS_PER_DAY)
                            .find(|&k| !(out.sharp_slots[k] && day[k] != sharp.replaces))
                            .unwrap_or(SLOTS_PER_DAY);
                        return Err(TariffError::SharpOutsideBase {
                            schedule: self.name.clone(),
                            season: self.seasons[si].name.clone(),
                            month: m,
                            replaces: sharp.replaces,
                            from: hhmm(s),
                            to: hhmm(e),
                        });
                    }
                }
            }
            out.sharp_extra.clone_from(&sharp.extra_days);
            out.sharp_extra.sort_unstable();
            // The calendar can name extra sharp days at use time, so any sharp hours make the
            // sharp period one that needs a price.
            if out.sharp_slots.iter().any(|&b| b) {
                out.used[Period::Sharp.index()] = true;
            }
        }
        Ok(out)
    }

    /// Whether the schedule is in force on `date`.
    #[must_use]
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|u| date <= u)
    }
}

impl CompiledSchedule {
    /// The schedule's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether any day can fall into `period` (sharp counts when the overlay has hours and
    /// months or extra days). A price table must price every used period.
    #[must_use]
    pub fn uses(&self, period: Period) -> bool {
        self.used[period.index()]
    }

    /// The 48 half-hour periods of a date.
    #[must_use]
    pub fn day(&self, date: NaiveDate, calendar: &Calendar) -> [Period; SLOTS_PER_DAY] {
        let mi = date.month0() as usize;
        let dt = calendar.day_type(date);
        let si = usize::from(self.season_of[mi][dt.index()]);
        let mut day = self.slots.get(si).copied().unwrap_or([Period::Flat; 48]);
        let sharp_day = (self.sharp_months[mi] && self.sharp_day_types[dt.index()])
            || self.sharp_extra.binary_search(&date).is_ok()
            || calendar.sharp_days.contains(&date);
        if sharp_day {
            for (p, &s) in day.iter_mut().zip(&self.sharp_slots) {
                if s && *p == self.sharp_replaces {
                    *p = Period::Sharp;
                }
            }
        }
        day
    }

    /// The period at a moment (China Standard Time wall clock).
    #[must_use]
    pub fn period_at(&self, t: NaiveDateTime, calendar: &Calendar) -> Period {
        let slot = (t.hour() * 2 + t.minute() / 30) as usize;
        self.day(t.date(), calendar)[slot.min(SLOTS_PER_DAY - 1)]
    }
}
