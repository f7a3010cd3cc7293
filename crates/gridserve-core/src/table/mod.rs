//! One specification for every table gridserve reads or writes.
//!
//! About 1,040 lines of code, most of them the specifications themselves (data: one constant
//! per table); the rules that read them come first, in about 430 lines.
//!
//! A [`TableSpec`] lists a table's columns with their type, whether each is required, and the
//! default an optional column takes when it is left out. Every reader goes through it — CSV,
//! JSON, Arrow (`arrow` feature) and Parquet (`parquet` feature) — so the same table is
//! refused for the same reason with the same message whichever way it comes:
//!
//! - a column the table does not define is refused, naming it and listing the table's columns
//!   (a misspelt `closed` for `normally_open` would otherwise leave every switch closed);
//! - a column given twice is refused;
//! - a required column that is absent is refused;
//! - a missing cell (empty, null, NaN, NaT) of a required column is refused naming the record
//!   and the column; of an optional column it takes the column's default.
//!
//! [`TABLES`] lists every table; [`spec`] finds one by name. The same list is published to
//! Python (`gridserve.table_spec`) and is the reference of `docs/formats/tables.md`.

use serde::Serialize;

#[cfg(feature = "arrow")]
pub mod arrow;
#[cfg(feature = "parquet")]
pub mod parquet;

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Text (ids, asset numbers, names). Integer ids are read as their decimal text.
    Text,
    /// A real number (`f64`); NaN is a missing value.
    Number,
    /// A whole number.
    Integer,
    /// `true`/`false` (CSV also `yes`/`no`, `1`/`0`).
    Boolean,
    /// An instant: ISO 8601 text with or without offset (naive = China Standard Time), or an
    /// Arrow timestamp (with a zone, or naive = China Standard Time).
    Timestamp,
    /// A calendar date (`YYYY-MM-DD`, or an Arrow date).
    Date,
    /// An exact decimal amount (energy or money): decimal text, or a number read by its
    /// shortest decimal form.
    Decimal,
    /// One of the names listed.
    Choice(&'static [&'static str]),
    /// A list of texts (a list column; in CSV, texts separated by `;`).
    TextList,
}

/// Whether a column must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "presence", content = "default")]
pub enum Presence {
    /// The column must be present and every cell must hold a value.
    Required,
    /// The column may be left out; a left-out column or a missing cell takes this default
    /// (`None`: no value, which the record keeps as absent).
    Optional(Option<&'static str>),
    /// At least one column of the group named by the text must be present.
    OneOf(&'static str),
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ColumnSpec {
    /// The column's name, as written in a header.
    pub name: &'static str,
    /// The type of its values.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// Whether it must be present, and its default.
    #[serde(flatten)]
    pub presence: Presence,
    /// Whether a missing cell (empty, null, NaN, NaT) of the column, when it is present, is
    /// accepted (taking the default, or no value). `false`: the cell is refused naming the record
    /// and the column, unless the caller gives a default for the column.
    pub nullable: bool,
    /// What it holds, with its unit.
    pub doc: &'static str,
}

impl ColumnSpec {
    /// Whether the column must be present.
    #[must_use]
    pub fn is_required(&self) -> bool {
        matches!(self.presence, Presence::Required)
    }
}

/// One table: its name and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TableSpec {
    /// The table's name (`points`, `outages`, …).
    pub name: &'static str,
    /// What a row is.
    pub doc: &'static str,
    /// The columns, in the order they are written.
    pub columns: &'static [ColumnSpec],
    /// Columns named by a pattern rather than one by one (the 96 points `p1` … `p96` of an AMI
    /// curve): the prefix and the highest number. `None` for most tables.
    pub numbered: Option<Numbered>,
}

/// A run of numbered columns `prefix1` … `prefix{count}` of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Numbered {
    /// The common prefix (`p`).
    pub prefix: &'static str,
    /// The highest number (96).
    pub count: u32,
    /// The type of every numbered column.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// What they hold.
    pub doc: &'static str,
}

/// A table that cannot be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TableError {
    /// A file could not be opened, read or written.
    #[error("{path}: {message}")]
    Io {
        /// The path concerned.
        path: String,
        /// What the system said.
        message: String,
    },
    /// A file is not in the format (not Parquet, corrupt, or compressed with a codec gridserve
    /// is not built with).
    #[error("{file}: {message}")]
    Format {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A column or a cell is not as the table's spec says.
    #[error("{file}:{line}{}: {}", crate::error_info::column_part(field.as_ref()), crate::error_info::detail(message))]
    Parse {
        /// The table or file.
        file: String,
        /// The row's line: its 0-based index plus 2 (the header is line 1).
        line: u64,
        /// The column, if the problem is about one.
        field: Option<String>,
        /// What is wrong, with an excerpt of the value.
        #[serde(rename = "detail")]
        message: String,
    },
}

crate::impl_error_info! {
    TableError {
        Io => ("io", "GridserveIOError"),
        Format => ("format", "ParseError"),
        Parse => ("parse", "ParseError"),
    }
    delegate {}
}

impl TableError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::Io {
                path: "usage.parquet".into(),
                message: "No such file or directory (os error 2)".into(),
            },
            Self::Format {
                file: "usage.parquet".into(),
                message: "Parquet error: Invalid Parquet file. Corrupt footer".into(),
            },
            Self::Parse {
                file: "ami_curves".into(),
                line: 3,
                field: Some("p4".into()),
                message: "\"x\" is not a number".into(),
            },
        ]
    }
}

/// What is wrong with a table's set of columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderProblem {
    /// A column the table does not define.
    Unknown(String),
    /// A column with an empty name.
    Unnamed,
    /// A column given twice.
    Duplicate(String),
    /// A required column left out.
    Missing(&'static str),
    /// None of a group of which one is required.
    MissingOneOf(Vec<&'static str>),
}

impl HeaderProblem {
    /// The column the problem is about (the first of a group).
    #[must_use]
    pub fn column(&self) -> String {
        match self {
            Self::Unknown(c) | Self::Duplicate(c) => crate::excerpt(c),
            Self::Unnamed => String::new(),
            Self::Missing(c) => (*c).to_owned(),
            Self::MissingOneOf(group) => group.first().copied().unwrap_or_default().to_owned(),
        }
    }

    /// The message for the user, naming the table's columns where that helps.
    #[must_use]
    pub fn message(&self, spec: &TableSpec) -> String {
        match self {
            Self::Unknown(c) => format!(
                "the {} table has no column `{}`; its columns are {}",
                spec.name,
                crate::excerpt(c),
                spec.column_list()
            ),
            Self::Unnamed => format!(
                "an unnamed column (an empty header cell) is not part of the {} table; its \
                 columns are {}",
                spec.name,
                spec.column_list()
            ),
            Self::Duplicate(_) => "the column appears more than once in the header".to_owned(),
            Self::Missing(c) => format!("the header lacks the required column `{c}`"),
            Self::MissingOneOf(group) => {
                format!("one of the columns {} is required", group.join(", "))
            }
        }
    }
}

impl TableSpec {
    /// The column called `name`, if the table defines it (numbered columns included: their
    /// spec is made on the fly, so it is returned by value).
    #[must_use]
    pub fn column(&self, name: &str) -> Option<ColumnSpec> {
        if let Some(c) = self.columns.iter().find(|c| c.name == name) {
            return Some(*c);
        }
        let numbered = self.numbered?;
        self.numbered_index(name).map(|_| ColumnSpec {
            name: numbered.prefix,
            kind: numbered.kind,
            presence: Presence::Optional(None),
            nullable: true,
            doc: numbered.doc,
        })
    }

    /// The 0-based position of a numbered column (`p1` → 0), if `name` is one.
    #[must_use]
    pub fn numbered_index(&self, name: &str) -> Option<usize> {
        let numbered = self.numbered?;
        let digits = name.strip_prefix(numbered.prefix)?;
        if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = digits.parse().ok()?;
        (1..=numbered.count).contains(&n).then(|| (n - 1) as usize)
    }

    /// The names of the named columns, in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &'static str> + '_ {
        self.columns.iter().map(|c| c.name)
    }

    /// The columns as a comma-separated list for messages (numbered ones as `p1…p96`).
    #[must_use]
    pub fn column_list(&self) -> String {
        let mut list = self.names().collect::<Vec<_>>().join(", ");
        if let Some(n) = self.numbered {
            list.push_str(&format!(", {0}1…{0}{1}", n.prefix, n.count));
        }
        list
    }

    /// Checks a table's set of columns: every column known, none twice, every required one
    /// present. The first problem in header order is returned.
    ///
    /// # Errors
    /// The [`HeaderProblem`].
    pub fn check_columns<'a>(
        &self,
        header: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), HeaderProblem> {
        if self.name == ANY.name && self.columns.is_empty() {
            return Ok(());
        }
        let mut seen: Vec<&str> = Vec::new();
        for name in header {
            if name.is_empty() {
                return Err(HeaderProblem::Unnamed);
            }
            if self.column(name).is_none() {
                return Err(HeaderProblem::Unknown(name.to_owned()));
            }
            if seen.contains(&name) {
                return Err(HeaderProblem::Duplicate(name.to_owned()));
            }
            seen.push(name);
        }
        for c in self.columns {
            match c.presence {
                Presence::Required if !seen.contains(&c.name) => {
                    return Err(HeaderProblem::Missing(c.name));
                }
                Presence::OneOf(group) => {
                    let members: Vec<&'static str> = self
                        .columns
                        .iter()
                        .filter(|m| m.presence == Presence::OneOf(group))
                        .map(|m| m.name)
                        .collect();
                    if !members.iter().any(|m| seen.contains(m)) {
                        return Err(HeaderProblem::MissingOneOf(members));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A boolean cell as text: `true`/`false`, `yes`/`no`, `1`/`0`, `t`/`f`, `y`/`n`, in any
/// case, trimmed. The one rule of every reader.
///
/// # Errors
/// The message naming the text.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    let t = text.trim();
    let is = |words: [&str; 5]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
    if is(["true", "yes", "1", "t", "y"]) {
        Ok(true)
    } else if is(["false", "no", "0", "f", "n"]) {
        Ok(false)
    } else {
        Err(format!(
            "{:?} is not a boolean (true/false, yes/no or 1/0)",
            crate::excerpt(t)
        ))
    }
}

/// The spec of the table called `name`.
#[must_use]
pub fn spec(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().copied().find(|t| t.name == name)
}

/// A column whose missing cells are accepted when it is optional (the network layout's rule:
/// an empty cell is the default) and refused when it is required.
const fn col(
    name: &'static str,
    kind: ColumnType,
    presence: Presence,
    doc: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        presence,
        nullable: !matches!(presence, Presence::Required),
        doc,
    }
}

/// A column whose missing cells are refused even though the column may be left out (a missing
/// load or energy must not silently become 0).
const fn strict(
    name: &'static str,
    kind: ColumnType,
    presence: Presence,
    doc: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        presence,
        nullable: false,
        doc,
    }
}

// Columns that several tables share, declared once.
const C_ASSET_KEY: ColumnSpec = col("asset", Text, Required, "asset number (the key)");
const C_ASSET_LINE: ColumnSpec = col("asset", Text, Required, "asset number, unique among lines");
const C_CAPACITY_KVA: ColumnSpec = strict(
    "capacity_kva",
    Decimal,
    Required,
    "contracted capacity, kVA",
);
const C_CONTRACT_DEMAND_KW: ColumnSpec = strict(
    "contract_demand_kw",
    Decimal,
    Optional(None),
    "contract demand, kW",
);
const C_CUSTOMER: ColumnSpec = col("customer", Text, Required, "the customer's number");
const C_FROM: ColumnSpec = col("from", Text, Required, "asset number of one end point");
const C_IMPORTANCE: ColumnSpec = col(
    "importance",
    Choice(IMPORTANCES),
    Optional(Some("normal")),
    "priority class",
);
const C_IN_SERVICE: ColumnSpec = col(
    "in_service",
    Boolean,
    Optional(Some("true")),
    "false: out of service",
);
const C_LEVEL: ColumnSpec = col(
    "level",
    Integer,
    Optional(Some("1")),
    "escalation level, 1 first",
);
const C_METHOD: ColumnSpec = strict(
    "method",
    Choice(BILLING_METHODS),
    Optional(Some("capacity")),
    "basic-charge method",
);
const C_NAME: ColumnSpec = col("name", Text, Optional(None), "display name");
const C_ROLE: ColumnSpec = col(
    "role",
    Choice(ROLES),
    Optional(Some("other")),
    "the contact's role",
);
const C_TO: ColumnSpec = col("to", Text, Required, "asset number of the other end point");
const C_TYPE: ColumnSpec = col("type", Choice(EQUIPMENT_TYPES), Required, "equipment type");

use ColumnType::{Boolean, Choice, Date, Decimal, Integer, Number, Text, TextList, Timestamp};
use Presence::{OneOf, Optional, Required};

const POINT_KINDS: &[&str] = &[
    "substation_bus",
    "busbar",
    "pole",
    "ring_main_unit",
    "branch_box",
    "transformer_terminal",
    "junction",
];
const SEGMENT_KINDS: &[&str] = &["overhead", "cable"];
const SWITCH_KINDS: &[&str] = &[
    "breaker",
    "recloser",
    "load_break_switch",
    "disconnector",
    "fuse",
    "sectionalizer",
];
const USAGES: &[&str] = &["dedicated", "public"];
const IMPORTANCES: &[&str] = &[
    "normal",
    "temporary",
    "second_class",
    "first_class",
    "special_class",
];
const BILLING_METHODS: &[&str] = &["capacity", "contract_demand", "actual_demand", "none"];
const ROLES: &[&str] = &[
    "legal_representative",
    "manager",
    "electrician",
    "finance",
    "other",
];

/// `points`: the nodes of the network.
pub const POINTS: TableSpec = TableSpec {
    name: "points",
    doc: "one point (node) of the network",
    columns: &[
        col("asset", Text, Required, "asset number, unique among points"),
        col(
            "kind",
            Choice(POINT_KINDS),
            Optional(Some("junction")),
            "what the point is",
        ),
        C_NAME,
        C_IN_SERVICE,
    ],
    numbered: None,
};

/// `segments`: overhead lines and cables.
pub const SEGMENTS: TableSpec = TableSpec {
    name: "segments",
    doc: "one line or cable section between two points",
    columns: &[
        C_ASSET_LINE,
        C_FROM,
        C_TO,
        col(
            "kind",
            Choice(SEGMENT_KINDS),
            Optional(Some("overhead")),
            "construction",
        ),
        col("length_m", Number, Required, "length, metres (finite, ≥ 0)"),
        col(
            "rated_current_a",
            Number,
            Optional(None),
            "ampacity, amperes (finite, > 0)",
        ),
        C_IN_SERVICE,
    ],
    numbered: None,
};

/// `switches`: breakers, reclosers, load-break switches, disconnectors, fuses, sectionalizers.
pub const SWITCHES: TableSpec = TableSpec {
    name: "switches",
    doc: "one switching or protective device between two points",
    columns: &[
        C_ASSET_LINE,
        C_FROM,
        C_TO,
        col("kind", Choice(SWITCH_KINDS), Required, "device type"),
        col(
            "normally_open",
            Boolean,
            Optional(Some("false")),
            "open in the normal state",
        ),
        col(
            "protective",
            Boolean,
            Required,
            "trips on a fault downstream",
        ),
        col(
            "remote",
            Boolean,
            Optional(Some("false")),
            "operable by remote control",
        ),
        C_IN_SERVICE,
    ],
    numbered: None,
};

/// `transformers`: distribution transformers.
pub const TRANSFORMERS: TableSpec = TableSpec {
    name: "transformers",
    doc: "one transformer between its high-voltage and low-voltage points",
    columns: &[
        C_ASSET_LINE,
        col(
            "from",
            Text,
            Required,
            "asset number of the high-voltage point",
        ),
        col(
            "to",
            Text,
            Required,
            "asset number of the low-voltage point",
        ),
        col("rated_kva", Number, Required, "rating, kVA (finite, > 0)"),
        col(
            "model",
            Text,
            Optional(Some("")),
            "model designation (S11-M-400/10 …)",
        ),
        col(
            "year_in_service",
            Integer,
            Optional(None),
            "year put in service",
        ),
        col(
            "usage",
            Choice(USAGES),
            Optional(Some("public")),
            "public or a customer's own",
        ),
        C_IN_SERVICE,
    ],
    numbered: None,
};

/// `sources`: substation feeder heads.
pub const SOURCES: TableSpec = TableSpec {
    name: "sources",
    doc: "one source of supply (a feeder head) at a point",
    columns: &[
        col(
            "asset",
            Text,
            Required,
            "asset number, unique among sources",
        ),
        col(
            "point",
            Text,
            Required,
            "asset number of the point it feeds",
        ),
        C_NAME,
        col(
            "capacity_kva",
            Number,
            Required,
            "capacity available, kVA (finite, > 0)",
        ),
        C_IN_SERVICE,
    ],
    numbered: None,
};

/// `customers`: customers attached to points.
pub const CUSTOMERS: TableSpec = TableSpec {
    name: "customers",
    doc: "one customer (户号) supplied at a point",
    columns: &[
        col("number", Text, Required, "customer number, unique"),
        col(
            "name",
            Text,
            Optional(None),
            "customer name (personal data: masked on export)",
        ),
        col("point", Text, Required, "asset number of the supply point"),
        col(
            "contracted_kva",
            Number,
            Required,
            "contracted capacity, kVA (finite, ≥ 0)",
        ),
        strict(
            "load_kw",
            Number,
            Required,
            "typical load, kW (finite, ≥ 0)",
        ),
        C_IMPORTANCE,
    ],
    numbered: None,
};

/// `contacts`: a customer's contacts.
pub const CONTACTS: TableSpec = TableSpec {
    name: "contacts",
    doc: "one contact person of a customer",
    columns: &[
        C_CUSTOMER,
        col("name", Text, Required, "contact name (personal data)"),
        col("phone", Text, Required, "phone number (personal data)"),
        C_ROLE,
        C_LEVEL,
    ],
    numbered: None,
};

/// `outages`: interruption records for reliability statistics.
pub const OUTAGES: TableSpec = TableSpec {
    name: "outages",
    doc: "one interruption of supply to some customers of one feeder",
    columns: &[
        col("id", Text, Required, "record id, unique"),
        col("start", Timestamp, Required, "when supply was lost"),
        col("end", Timestamp, Required, "when supply was restored"),
        col("cause", Text, Optional(Some("")), "cause text or code"),
        strict(
            "planned",
            Boolean,
            Optional(Some("false")),
            "planned rather than a fault",
        ),
        col(
            "device",
            Text,
            Optional(Some("")),
            "asset number of the interrupting device",
        ),
        col(
            "feeder",
            Text,
            Required,
            "feeder (key of the feeders table)",
        ),
        col(
            "customers",
            TextList,
            OneOf("customers"),
            "customer numbers interrupted",
        ),
        col(
            "customers_count",
            Integer,
            OneOf("customers"),
            "customers interrupted, as a count",
        ),
        strict(
            "load_kva",
            Number,
            Optional(Some("0")),
            "connected kVA interrupted",
        ),
        strict(
            "load_kw",
            Number,
            Optional(Some("0")),
            "load interrupted, kW",
        ),
        strict(
            "operations",
            Integer,
            Optional(Some("1")),
            "device operations (for MAIFI)",
        ),
        col("reported", Timestamp, Optional(None), "reported (报修)"),
        col(
            "dispatched",
            Timestamp,
            Optional(None),
            "crew dispatched (派单)",
        ),
        col(
            "arrived",
            Timestamp,
            Optional(None),
            "crew on site (到达现场)",
        ),
        col(
            "located",
            Timestamp,
            Optional(None),
            "fault located (故障定位)",
        ),
        col(
            "restored",
            Timestamp,
            Optional(None),
            "restored, as logged (复电)",
        ),
    ],
    numbered: None,
};

/// `feeders`: the service base of the reliability statistics.
pub const FEEDERS: TableSpec = TableSpec {
    name: "feeders",
    doc: "one feeder with the customers and load it serves",
    columns: &[
        col("feeder", Text, Required, "feeder key"),
        col(
            "substation",
            Text,
            Optional(None),
            "substation (grouping key)",
        ),
        col("customers", Integer, Required, "customers served"),
        strict(
            "load_kva",
            Number,
            Optional(Some("0")),
            "connected load served, kVA",
        ),
    ],
    numbered: None,
};

/// `monthly_usage`: one customer-month of metered quantities, for bills.
pub const MONTHLY_USAGE: TableSpec = TableSpec {
    name: "monthly_usage",
    doc: "one customer's metered quantities for one month",
    columns: &[
        strict("customer", Text, Required, "customer number"),
        strict("year", Integer, Required, "year of the month billed"),
        strict("month", Integer, Required, "month billed, 1–12"),
        strict(
            "sharp_kwh",
            Decimal,
            Optional(Some("0")),
            "energy in the sharp-peak period, kWh",
        ),
        strict(
            "peak_kwh",
            Decimal,
            Optional(Some("0")),
            "energy in the peak period, kWh",
        ),
        strict(
            "flat_kwh",
            Decimal,
            Optional(Some("0")),
            "energy in the flat period, kWh",
        ),
        strict(
            "valley_kwh",
            Decimal,
            Optional(Some("0")),
            "energy in the valley period, kWh",
        ),
        strict(
            "deep_valley_kwh",
            Decimal,
            Optional(Some("0")),
            "energy in the deep valley, kWh",
        ),
        strict(
            "kvarh_forward",
            Decimal,
            Optional(Some("0")),
            "reactive energy imported, kvarh",
        ),
        strict(
            "kvarh_reverse",
            Decimal,
            Optional(Some("0")),
            "reactive energy exported, kvarh",
        ),
        strict(
            "max_demand_kw",
            Decimal,
            Optional(None),
            "maximum demand, kW",
        ),
        C_CAPACITY_KVA,
        C_METHOD,
        C_CONTRACT_DEMAND_KW,
        strict(
            "billing_from",
            Date,
            Optional(None),
            "first day billed (a part month)",
        ),
        strict(
            "billing_until",
            Date,
            Optional(None),
            "last day billed (a part month)",
        ),
    ],
    numbered: None,
};

/// `customer_terms`: a customer's contract terms for billing from interval data.
pub const CUSTOMER_TERMS: TableSpec = TableSpec {
    name: "customer_terms",
    doc: "one customer's contract terms for a month billed from interval data",
    columns: &[
        strict("customer", Text, Required, "customer (meter) number"),
        C_CAPACITY_KVA,
        C_METHOD,
        C_CONTRACT_DEMAND_KW,
        strict(
            "kvarh_forward",
            Decimal,
            Optional(None),
            "register kvarh imported (overrides the curves)",
        ),
        strict(
            "kvarh_reverse",
            Decimal,
            Optional(None),
            "register kvarh exported (overrides the curves)",
        ),
    ],
    numbered: None,
};

/// `ami_curves`: daily 96-point curves of the metering system (source-systems.md §2).
pub const AMI_CURVES: TableSpec = TableSpec {
    name: "ami_curves",
    doc: "one meter's curve of one quantity on one day, 96 fifteen-minute points",
    columns: &[
        col("meter", Text, Required, "meter (or customer) number"),
        col("date", Date, Required, "the day"),
        col(
            "kind",
            Choice(&["kwh", "kvarh", "kw", "kvar"]),
            Required,
            "quantity of the points",
        ),
    ],
    numbered: Some(Numbered {
        prefix: "p",
        count: 96,
        kind: Number,
        doc: "the value of the n-th quarter hour (p1 = 00:00–00:15); missing points are empty",
    }),
};

/// Equipment types of the PMS ledger and the GIS connectivity (source-systems.md §2).
pub(crate) const EQUIPMENT_TYPES: &[&str] = &[
    "segment",
    "breaker",
    "recloser",
    "load_break_switch",
    "disconnector",
    "fuse",
    "sectionalizer",
    "transformer",
    "source",
    "point",
];
const EQUIPMENT_STATUSES: &[&str] = &["in_service", "standby", "retired"];
const CHANNELS_DOC: &str =
    "channels the contact accepts, `;`-separated: sms, wechat_template, wechat_subscribe";

/// `pms_equipment`: the PMS equipment ledger (设备台账).
pub const PMS_EQUIPMENT: TableSpec = TableSpec {
    name: "pms_equipment",
    doc: "one device of the PMS equipment ledger, keyed by its asset number",
    columns: &[
        C_ASSET_KEY,
        C_TYPE,
        C_NAME,
        col("model", Text, Optional(None), "model or series designation"),
        col(
            "rated_kva",
            Number,
            Optional(None),
            "rating, kVA (transformers, sources)",
        ),
        col("year", Integer, Optional(None), "year put in service"),
        col(
            "feeder",
            Text,
            Optional(None),
            "feeder the device belongs to",
        ),
        col("substation", Text, Optional(None), "substation"),
        col(
            "status",
            Choice(EQUIPMENT_STATUSES),
            Optional(Some("in_service")),
            "in_service, standby or retired",
        ),
    ],
    numbered: None,
};

/// `gis_connectivity`: the GIS connectivity of conducting devices (电网资源图形).
pub const GIS_CONNECTIVITY: TableSpec = TableSpec {
    name: "gis_connectivity",
    doc: "one conducting device of the GIS with the connectivity nodes its terminals touch",
    columns: &[
        C_ASSET_KEY,
        C_TYPE,
        col(
            "node_a",
            Text,
            Required,
            "connectivity node of terminal 1 (a transformer's HV side)",
        ),
        col(
            "node_b",
            Text,
            Optional(None),
            "connectivity node of terminal 2 (a transformer's LV side; empty for a source)",
        ),
        col(
            "normal_open",
            Boolean,
            Optional(None),
            "open in the normal state (switches only)",
        ),
        col(
            "length_m",
            Number,
            Optional(None),
            "length, metres (segments)",
        ),
        col(
            "rated_kva",
            Number,
            Optional(None),
            "rating, kVA, where the GIS has one (a CIM GIS does; CSV exports usually not)",
        ),
    ],
    numbered: None,
};

/// `sg186_customers`: the marketing system's customers (营销业务应用系统).
pub const SG186_CUSTOMERS: TableSpec = TableSpec {
    name: "sg186_customers",
    doc: "one customer (户号) of the marketing system",
    columns: &[
        col(
            "customer",
            Text,
            Required,
            "customer number (户号, the key)",
        ),
        col(
            "name",
            Text,
            Optional(None),
            "customer name (personal data)",
        ),
        col(
            "address",
            Text,
            Optional(None),
            "supply address (personal data)",
        ),
        col(
            "supply_asset",
            Text,
            Required,
            "asset number of the transformer that supplies the customer",
        ),
        col(
            "contracted_kva",
            Number,
            Required,
            "contracted capacity, kVA",
        ),
        C_IMPORTANCE,
        col(
            "billing_method",
            Choice(BILLING_METHODS),
            Optional(Some("capacity")),
            "basic-charge method",
        ),
        col(
            "pf_standard",
            Number,
            Optional(None),
            "power-factor standard (0.80, 0.85 or 0.90)",
        ),
        col("industry", Text, Optional(None), "industry code or name"),
    ],
    numbered: None,
};

/// `sg186_contacts`: the customers' contacts.
pub const SG186_CONTACTS: TableSpec = TableSpec {
    name: "sg186_contacts",
    doc: "one contact person of a customer",
    columns: &[
        C_CUSTOMER,
        col("name", Text, Optional(None), "contact name (personal data)"),
        col(
            "phone",
            Text,
            Optional(None),
            "phone number (personal data)",
        ),
        C_ROLE,
        C_LEVEL,
        col(
            "wechat_openid",
            Text,
            Optional(None),
            "WeChat openid (personal data)",
        ),
        col("channels", TextList, Optional(None), CHANNELS_DOC),
    ],
    numbered: None,
};

/// `sg186_meters`: the customers' meters.
pub const SG186_METERS: TableSpec = TableSpec {
    name: "sg186_meters",
    doc: "one meter and the customer it measures",
    columns: &[
        col("meter", Text, Required, "meter number (the key)"),
        col(
            "customer",
            Text,
            Optional(None),
            "the customer's number (empty: a meter with no customer)",
        ),
        col(
            "multiplier",
            Number,
            Optional(Some("1")),
            "meter multiplier (CT × PT ratio)",
        ),
    ],
    numbered: None,
};

/// `ami_events`: meter events of the metering system.
pub const AMI_EVENTS: TableSpec = TableSpec {
    name: "ami_events",
    doc: "one power-off or power-on event of a meter",
    columns: &[
        col("meter", Text, Required, "meter number"),
        col("time", Timestamp, Required, "when the meter saw it"),
        col(
            "event",
            Choice(&["power_off", "power_on"]),
            Required,
            "power_off or power_on",
        ),
    ],
    numbered: None,
};

/// `da_events`: switch status changes and signals of distribution automation.
pub const DA_EVENTS: TableSpec = TableSpec {
    name: "da_events",
    doc: "one switch status change, protection trip or fault-indicator signal (遥信变位)",
    columns: &[
        col("asset", Text, Required, "asset number of the device"),
        col("time", Timestamp, Required, "sequence-of-events time"),
        col(
            "event",
            Choice(&["open", "close", "trip", "fault_indicator"]),
            Required,
            "open, close, trip or fault_indicator",
        ),
        col(
            "seq",
            Integer,
            Required,
            "sequence number, unique per master",
        ),
    ],
    numbered: None,
};

/// A spec accepting any column, for reading a file whose columns a table's own reader checks
/// (with that table's messages).
pub(crate) const ANY: TableSpec = TableSpec {
    name: "any",
    doc: "any columns (checked by the table's reader)",
    columns: &[],
    numbered: None,
};

/// Every table, in the order of the documentation.
pub const TABLES: &[&TableSpec] = &[
    &POINTS,
    &SEGMENTS,
    &SWITCHES,
    &TRANSFORMERS,
    &SOURCES,
    &CUSTOMERS,
    &CONTACTS,
    &OUTAGES,
    &FEEDERS,
    &MONTHLY_USAGE,
    &CUSTOMER_TERMS,
    &AMI_CURVES,
    &PMS_EQUIPMENT,
    &GIS_CONNECTIVITY,
    &SG186_CUSTOMERS,
    &SG186_CONTACTS,
    &SG186_METERS,
    &AMI_EVENTS,
    &DA_EVENTS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_name_is_unique_and_every_column_name_within_a_table() {
        for (i, t) in TABLES.iter().enumerate() {
            assert!(TABLES[..i].iter().all(|o| o.name != t.name), "{}", t.name);
            for (j, c) in t.columns.iter().enumerate() {
                assert!(
                    t.columns[..j].iter().all(|o| o.name != c.name),
                    "{}.{}",
                    t.name,
                    c.name
                );
            }
        }
    }

    #[test]
    fn error_examples_cover_every_kind() {
        crate::error_info::tests::check_examples(&TableError::examples());
    }

    #[test]
    fn header_checks_name_the_column() {
        assert_eq!(POINTS.check_columns(["asset", "kind"]), Ok(()));
        assert_eq!(
            SWITCHES.check_columns(["asset", "from", "to", "kind", "protective", "closed"]),
            Err(HeaderProblem::Unknown("closed".into()))
        );
        assert_eq!(
            POINTS.check_columns(["asset", "asset"]),
            Err(HeaderProblem::Duplicate("asset".into()))
        );
        assert_eq!(
            POINTS.check_columns(["kind"]),
            Err(HeaderProblem::Missing("asset"))
        );
        assert_eq!(
            POINTS.check_columns(["asset", ""]),
            Err(HeaderProblem::Unnamed)
        );
        let outage = ["id", "start", "end", "cause", "device", "feeder"];
        assert_eq!(
            OUTAGES.check_columns(outage),
            Err(HeaderProblem::MissingOneOf(vec![
                "customers",
                "customers_count"
            ]))
        );
        let msg = HeaderProblem::Unknown("closed".into()).message(&SWITCHES);
        assert!(
            msg.contains("`closed`") && msg.contains("normally_open"),
            "{msg}"
        );
    }

    #[test]
    fn numbered_columns_are_p1_to_p96_only() {
        assert_eq!(AMI_CURVES.numbered_index("p1"), Some(0));
        assert_eq!(AMI_CURVES.numbered_index("p96"), Some(95));
        for bad in ["p0", "p97", "p01", "p", "p1x", "q1", "p-1"] {
            assert_eq!(AMI_CURVES.numbered_index(bad), None, "{bad}");
        }
        assert!(
            AMI_CURVES
                .check_columns(["meter", "date", "kind", "p1", "p96"])
                .is_ok()
        );
        assert_eq!(
            AMI_CURVES.check_columns(["meter", "date", "kind", "p97"]),
            Err(HeaderProblem::Unknown("p97".into()))
        );
    }

    /// The names serde lists for an unknown variant of `T` ("expected one of `a`, `b`").
    fn serde_names<T: serde::de::DeserializeOwned>() -> Vec<String> {
        let err = serde_json::from_str::<T>("\"~\"")
            .err()
            .unwrap()
            .to_string();
        // "expected `a` or `b`" for two names, "expected one of `a`, `b`, …" for more.
        err.split('`')
            .skip(3)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn choices_are_the_enumerations_serde_names() {
        use crate::network::records::{
            ContactRole, Importance, PointKind, SegmentKind, SwitchKind, TransformerUsage,
        };
        use crate::tariff::BillingMethod;
        let names = |choices: &[&str]| choices.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        assert_eq!(names(POINT_KINDS), serde_names::<PointKind>());
        assert_eq!(names(SEGMENT_KINDS), serde_names::<SegmentKind>());
        assert_eq!(names(SWITCH_KINDS), serde_names::<SwitchKind>());
        assert_eq!(names(USAGES), serde_names::<TransformerUsage>());
        assert_eq!(names(IMPORTANCES), serde_names::<Importance>());
        assert_eq!(names(ROLES), serde_names::<ContactRole>());
        assert_eq!(names(BILLING_METHODS), serde_names::<BillingMethod>());
        use crate::integrate::{
            AmiEventKind, ContactChannel, DaEventKind, EquipmentStatus, EquipmentType,
        };
        assert_eq!(names(EQUIPMENT_TYPES), serde_names::<EquipmentType>());
        assert_eq!(names(EQUIPMENT_STATUSES), serde_names::<EquipmentStatus>());
        assert_eq!(
            names(&["power_off", "power_on"]),
            serde_names::<AmiEventKind>()
        );
        assert_eq!(
            names(&["open", "close", "trip", "fault_indicator"]),
            serde_names::<DaEventKind>()
        );
        assert_eq!(
            names(&["sms", "wechat_template", "wechat_subscribe"]),
            serde_names::<ContactChannel>()
        );
    }

    #[test]
    fn specs_serialize_for_python() {
        let v = serde_json::to_value(SWITCHES).unwrap();
        assert_eq!(v["columns"][4]["name"], "normally_open");
        assert_eq!(v["columns"][4]["presence"], "optional");
        assert_eq!(v["columns"][4]["default"], "false");
        assert_eq!(v["columns"][3]["type"]["choice"][0], "breaker");
    }
}
