use std::fs;
use std::io;
use std::path::PathBuf;

use super::csv::*;
use super::json::*;
use super::*;
use crate::network::error::{NetworkError, ProblemKind, RecordKind};
use crate::network::records::{
    Contact, ContactRole, CustomerRecord, Importance, NetworkData, PointKind, PointRecord,
    SegmentKind, SegmentRecord, SourceRecord, SwitchKind, SwitchRecord, TransformerRecord,
    TransformerUsage,
};

fn point(asset: &str, kind: PointKind, name: Option<&str>, in_service: bool) -> PointRecord {
    PointRecord {
        asset: asset.to_owned(),
        kind,
        name: name.map(str::to_owned),
        in_service,
    }
}

fn switch(asset: &str, kind: SwitchKind, flags: [bool; 4]) -> SwitchRecord {
    let [normally_open, protective, remote, in_service] = flags;
    SwitchRecord {
        asset: asset.to_owned(),
        from: "P-BUS".to_owned(),
        to: "P-BB".to_owned(),
        kind,
        normally_open,
        protective,
        remote,
        in_service,
    }
}

fn contact(name: &str, phone: &str, role: ContactRole, level: u8) -> Contact {
    Contact {
        name: name.to_owned(),
        phone: phone.to_owned(),
        role,
        level,
    }
}

fn customer(
    number: &str,
    name: Option<&str>,
    importance: Importance,
    contacts: Vec<Contact>,
) -> CustomerRecord {
    CustomerRecord {
        number: number.to_owned(),
        name: name.map(str::to_owned),
        point: "P-TT".to_owned(),
        contracted_kva: 315.0,
        load_kw: 180.5,
        importance,
        contacts,
    }
}

/// Every field, every enumeration variant, `None` and `Some`, and awkward text.
fn sample() -> NetworkData {
    NetworkData {
        points: vec![
            point(
                "P-BUS",
                PointKind::SubstationBus,
                Some("Riverside bus I"),
                true,
            ),
            point(
                "P-BB",
                PointKind::Busbar,
                Some("comma, \"quote\"\nnewline"),
                true,
            ),
            point("P-POLE", PointKind::Pole, None, false),
            point("P-RMU", PointKind::RingMainUnit, Some("环网柜 一号"), true),
            point("P-BOX", PointKind::BranchBox, Some("  spaced  "), true),
            point("P-TT", PointKind::TransformerTerminal, None, true),
            point("P-J", PointKind::Junction, Some("a\r\nb"), true),
        ],
        segments: vec![
            SegmentRecord {
                asset: "L-1".to_owned(),
                from: "P-BUS".to_owned(),
                to: "P-POLE".to_owned(),
                kind: SegmentKind::Overhead,
                length_m: 850.0,
                rated_current_a: Some(400.0),
                in_service: true,
            },
            SegmentRecord {
                asset: "L-2".to_owned(),
                from: "P-POLE".to_owned(),
                to: "P-RMU".to_owned(),
                kind: SegmentKind::Cable,
                length_m: 0.1 + 0.2,
                rated_current_a: None,
                in_service: false,
            },
            SegmentRecord {
                asset: "L-3".to_owned(),
                from: "P-RMU".to_owned(),
                to: "P-BOX".to_owned(),
                kind: SegmentKind::Cable,
                length_m: 1e-7,
                rated_current_a: Some(f64::MAX),
                in_service: true,
            },
        ],
        switches: vec![
            switch("S-CB", SwitchKind::Breaker, [false, true, true, true]),
            switch("S-RC", SwitchKind::Recloser, [false, true, false, true]),
            switch(
                "S-LB",
                SwitchKind::LoadBreakSwitch,
                [true, false, true, true],
            ),
            switch(
                "S-DS",
                SwitchKind::Disconnector,
                [false, false, false, false],
            ),
            switch("S-FU", SwitchKind::Fuse, [false, true, false, true]),
            switch(
                "S-SE",
                SwitchKind::Sectionalizer,
                [true, false, false, true],
            ),
        ],
        transformers: vec![
            TransformerRecord {
                asset: "T-1".to_owned(),
                from: "P-BOX".to_owned(),
                to: "P-TT".to_owned(),
                rated_kva: 400.0,
                model: "S11-M-400/10".to_owned(),
                year_in_service: Some(2016),
                usage: TransformerUsage::Public,
                in_service: true,
            },
            TransformerRecord {
                asset: "T-2".to_owned(),
                from: "P-BOX".to_owned(),
                to: "P-J".to_owned(),
                rated_kva: 1250.5,
                model: String::new(),
                year_in_service: None,
                usage: TransformerUsage::Dedicated,
                in_service: false,
            },
        ],
        sources: vec![
            SourceRecord {
                asset: "SRC-1".to_owned(),
                point: "P-BUS".to_owned(),
                name: Some("10 kV 一回, \"east\"".to_owned()),
                capacity_kva: 8000.0,
                in_service: true,
            },
            SourceRecord {
                asset: "SRC-2".to_owned(),
                point: "P-BB".to_owned(),
                name: None,
                capacity_kva: 0.3,
                in_service: false,
            },
        ],
        customers: vec![
            customer(
                "0100012345",
                Some("Elm Street Hospital, inpatient block"),
                Importance::FirstClass,
                vec![
                    contact("李伟", "13800000001", ContactRole::Electrician, 1),
                    contact(
                        "Zhang \"Min\"",
                        "+86 138-0000-0002",
                        ContactRole::Manager,
                        2,
                    ),
                    contact("Wang, Fang", "13800000003", ContactRole::Finance, 3),
                ],
            ),
            customer("0100012346", None, Importance::Normal, Vec::new()),
            customer(
                "0100012347",
                Some("第一中学"),
                Importance::Temporary,
                vec![contact("Chen", "13800000004", ContactRole::Other, 1)],
            ),
            customer(
                "0100012348",
                None,
                Importance::SecondClass,
                vec![contact(
                    "Liu",
                    "13800000005",
                    ContactRole::LegalRepresentative,
                    2,
                )],
            ),
            customer(
                "0100012349",
                Some("Water works"),
                Importance::SpecialClass,
                Vec::new(),
            ),
        ],
    }
}

fn readers(tables: &CsvTables) -> CsvReaders<&[u8]> {
    CsvReaders {
        points: Some(tables.points.as_bytes()),
        segments: Some(tables.segments.as_bytes()),
        switches: Some(tables.switches.as_bytes()),
        transformers: Some(tables.transformers.as_bytes()),
        sources: Some(tables.sources.as_bytes()),
        customers: Some(tables.customers.as_bytes()),
        contacts: Some(tables.contacts.as_bytes()),
    }
}

/// Reads the given files, with an empty `points.csv` unless one is given.
fn read_files(files: &[(&str, &'static str)]) -> Result<NetworkData, NetworkError> {
    let mut readers = CsvReaders {
        points: Some("asset\n".as_bytes()),
        ..CsvReaders::default()
    };
    for &(file, text) in files {
        let slot = match file {
            POINTS_CSV => &mut readers.points,
            SEGMENTS_CSV => &mut readers.segments,
            SWITCHES_CSV => &mut readers.switches,
            TRANSFORMERS_CSV => &mut readers.transformers,
            SOURCES_CSV => &mut readers.sources,
            CUSTOMERS_CSV => &mut readers.customers,
            CONTACTS_CSV => &mut readers.contacts,
            other => panic!("no file {other} in the layout"),
        };
        *slot = Some(text.as_bytes());
    }
    let from_csv = read_csv(readers);
    #[cfg(feature = "arrow")]
    arrow_agrees(files, &from_csv);
    from_csv
}

/// Reads the same files as Arrow text columns (as a DataFrame of strings gives them) and checks
/// that the records, or the error, are the same as the CSV reader's. Files whose rows do not
/// each take one line (quoted line breaks, blank lines) are left out: there a CSV line is not
/// the row number plus 2.
#[cfg(feature = "arrow")]
fn arrow_agrees(files: &[(&str, &'static str)], from_csv: &Result<NetworkData, NetworkError>) {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    fn batches(text: &str) -> Option<ArrowBatches> {
        let mut reader = ::csv::ReaderBuilder::new()
            .trim(::csv::Trim::Headers)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().ok()?.iter().map(str::to_owned).collect();
        let rows: Vec<::csv::StringRecord> = reader.records().collect::<Result<_, _>>().ok()?;
        let lines = text.lines().count();
        if lines != rows.len() + 1 || text.contains('\r') || text.is_empty() {
            return None;
        }
        let fields: Vec<Field> = header
            .iter()
            .map(|h| Field::new(h, DataType::Utf8, true))
            .collect();
        let columns: Vec<ArrayRef> = (0..header.len())
            .map(|k| {
                Arc::new(StringArray::from_iter_values(
                    rows.iter().map(|r| r[k].to_owned()),
                )) as ArrayRef
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), columns).ok()?;
        Some(ArrowBatches {
            schema,
            batches: vec![batch],
        })
    }
    let mut tables = ArrowTables {
        points: batches("asset\n"),
        ..ArrowTables::default()
    };
    for &(file, text) in files {
        let Some(table) = batches(text) else {
            return;
        };
        let slot = match file {
            POINTS_CSV => &mut tables.points,
            SEGMENTS_CSV => &mut tables.segments,
            SWITCHES_CSV => &mut tables.switches,
            TRANSFORMERS_CSV => &mut tables.transformers,
            SOURCES_CSV => &mut tables.sources,
            CUSTOMERS_CSV => &mut tables.customers,
            CONTACTS_CSV => &mut tables.contacts,
            _ => return,
        };
        *slot = Some(table);
    }
    columns_agree(&tables);
    let from_arrow = read_arrow(tables, |name| format!("{name}.csv"));
    assert_eq!(
        format!("{from_arrow:?}"),
        format!("{from_csv:?}"),
        "Arrow and CSV disagree on {files:?}"
    );
}

/// The built network (as records) or the error, as text to compare.
#[cfg(feature = "arrow")]
fn outcome(result: Result<crate::network::Network, NetworkError>) -> String {
    match result {
        Ok(net) => format!("{:?}", net.to_data()),
        Err(err) => format!("{err:?}"),
    }
}

/// Asserts that the column reader ([`build_arrow`]) gives the network or the error of the
/// record reader followed by the builder, with and without isolated points allowed; returns
/// whether the column reader read the tables itself (rather than leaving them to the record
/// reader).
#[cfg(feature = "arrow")]
fn columns_agree(tables: &ArrowTables) -> bool {
    use crate::network::{Network, ValidationOptions};

    for allow_isolated_points in [false, true] {
        let options = ValidationOptions {
            allow_isolated_points,
        };
        let label = |name: &str| format!("{name}.csv");
        let from_records = read_arrow(tables.clone(), label)
            .and_then(|data| Network::from_data_with(&data, options));
        let from_columns = build_arrow(tables.clone(), label, options);
        assert_eq!(
            outcome(from_columns),
            outcome(from_records),
            "the column and the record readers disagree"
        );
    }
    super::columns::build(tables, crate::network::ValidationOptions::default()).is_some()
}

/// Every table of `tables` with each text column cast to `to` (and split into batches of at
/// most `rows` rows, so that rows are read across batches).
#[cfg(feature = "arrow")]
fn recast(tables: &ArrowTables, to: &arrow_schema::DataType, rows: usize) -> ArrowTables {
    tables.recast_text(to, rows).unwrap()
}

/// The file, line and field of a parse error, and its message.
fn parse_error(result: Result<NetworkData, NetworkError>) -> (String, u64, Option<String>, String) {
    match result {
        Err(NetworkError::Parse {
            file,
            line,
            field,
            message,
        }) => (file, line, field, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

/// Asserts a parse error's place and returns its message.
fn assert_parse_error(
    result: Result<NetworkData, NetworkError>,
    file: &str,
    line: u64,
    field: Option<&str>,
) -> String {
    let (actual_file, actual_line, actual_field, message) = parse_error(result);
    assert_eq!(
        (actual_file.as_str(), actual_line, actual_field.as_deref()),
        (file, line, field),
        "message: {message}"
    );
    message
}

/// A fresh folder under the system's temporary folder.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gridserve-io-{}-{name}", std::process::id()));
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    dir
}

#[cfg(feature = "arrow")]
#[test]
fn arrow_round_trip_keeps_every_field() {
    let data = sample();
    let tables = write_arrow(&data);
    assert_eq!(read_arrow(tables, str::to_owned).unwrap(), data);
}

#[cfg(feature = "arrow")]
#[test]
fn columns_read_every_text_layout_in_place() {
    use arrow_schema::DataType;

    let data = sample();
    let written = write_arrow(&data);
    let key = || Box::new(DataType::Int32);
    for (to, rows) in [
        (DataType::Utf8, usize::MAX),
        (DataType::Utf8, 1),
        (DataType::LargeUtf8, 2),
        (DataType::Utf8View, 3),
        (DataType::Dictionary(key(), Box::new(DataType::Utf8)), 2),
        (
            DataType::Dictionary(key(), Box::new(DataType::LargeUtf8)),
            usize::MAX,
        ),
    ] {
        let tables = recast(&written, &to, rows);
        assert!(columns_agree(&tables), "{to} was left to the record reader");
        let net = build_arrow(tables, str::to_owned, Default::default()).unwrap();
        assert_eq!(net.to_data(), data, "{to}");
    }
}

#[cfg(feature = "arrow")]
#[test]
fn columns_take_nulls_and_absent_columns_as_the_record_reader_does() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, BooleanArray, Float64Array, NullArray, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    let mut tables = write_arrow(&sample());
    // Points: a null name (no name), a null kind (the default), a null in_service (in
    // service), and a null asset (an empty asset number, which the builder refuses).
    let points = tables.points.as_ref().unwrap();
    let n = points.batches[0].num_rows();
    let assets = points.batches[0].column(0).clone();
    let schema = Arc::new(Schema::new(vec![
        Field::new("asset", DataType::Utf8, true),
        Field::new("kind", DataType::Utf8, true),
        Field::new("name", DataType::Null, true),
        Field::new("in_service", DataType::Boolean, true),
    ]));
    let batch = |assets: ArrayRef| {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                assets,
                Arc::new(StringArray::from(vec![None::<&str>; n])),
                Arc::new(NullArray::new(n)),
                Arc::new(BooleanArray::from(vec![None; n])),
            ],
        )
        .unwrap()
    };
    tables.points = Some(ArrowBatches::one(batch(assets.clone())));
    assert!(columns_agree(&tables));
    let net = build_arrow(tables.clone(), str::to_owned, Default::default()).unwrap();
    let p = net.to_data().points;
    assert!(p.iter().all(|p| p.name.is_none() && p.in_service));
    assert!(p.iter().all(|p| p.kind == PointKind::Junction));
    let mut assets: Vec<Option<String>> = (0..n)
        .map(|i| {
            Some(
                assets
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .unwrap()
                    .value(i)
                    .to_owned(),
            )
        })
        .collect();
    assets[1] = None;
    tables.points = Some(ArrowBatches::one(batch(Arc::new(StringArray::from(
        assets,
    )))));
    assert!(columns_agree(&tables));
    assert!(matches!(
        build_arrow(tables.clone(), str::to_owned, Default::default()),
        Err(NetworkError::Invalid { .. })
    ));

    // Segments: a null rating (unknown) is taken; a NaN or null length (a required value)
    // is left to the record reader, whose error names line 2 + the row.
    let segments = tables.segments.as_ref().unwrap().batches[0].clone();
    let with_lengths = |lengths: Vec<Option<f64>>, rated: Vec<Option<f64>>| {
        let mut columns = segments.columns().to_vec();
        columns[4] = Arc::new(Float64Array::from(lengths));
        columns[5] = Arc::new(Float64Array::from(rated));
        let fields: Vec<Field> = segments
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect();
        ArrowBatches::one(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap())
    };
    let rows = segments.num_rows();
    let mut lengths = vec![Some(10.0); rows];
    tables.segments = Some(with_lengths(lengths.clone(), vec![None; rows]));
    assert!(columns_agree(&tables));
    for missing in [None, Some(f64::NAN)] {
        lengths[rows - 1] = missing;
        tables.segments = Some(with_lengths(lengths.clone(), vec![None; rows]));
        assert!(!columns_agree(&tables));
        let err = build_arrow(tables.clone(), str::to_owned, Default::default()).unwrap_err();
        assert!(
            matches!(&err, NetworkError::Parse { file, line, field: Some(f), .. }
                if file == "segments" && *line == rows as u64 + 1 && f == "length_m"),
            "{err:?}"
        );
    }
}

#[cfg(feature = "arrow")]
#[test]
fn columns_leave_cells_they_do_not_take_to_the_record_reader() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    let written = write_arrow(&sample());
    let replace = |table: &ArrowBatches, column: usize, field: Field, values: ArrayRef| {
        let batch = &table.batches[0];
        let mut fields: Vec<Field> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields[column] = field;
        let mut columns = batch.columns().to_vec();
        columns[column] = values;
        ArrowBatches::one(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap())
    };
    let customers = written.customers.as_ref().unwrap();
    let n = customers.batches[0].num_rows();

    // Integer customer numbers (the record reader makes their digits): the same network,
    // read by the record reader (contacts then name numbers the customers lack).
    let mut tables = written.clone();
    tables.customers = Some(replace(
        customers,
        0,
        Field::new("number", DataType::Int64, false),
        Arc::new(Int64Array::from_iter_values(
            (0..n as i64).map(|i| 7000 + i),
        )),
    ));
    assert!(!columns_agree(&tables));

    // An unknown importance, a float in a text column, an unknown customer in contacts: the
    // record reader's errors, naming table, line and column.
    let cases: Vec<(ArrowTables, &str, u64, &str)> = vec![
        {
            let mut t = written.clone();
            let mut values = vec!["normal"; n];
            values[n - 1] = "vip";
            t.customers = Some(replace(
                customers,
                5,
                Field::new("importance", DataType::Utf8, false),
                Arc::new(StringArray::from(values)),
            ));
            (t, "customers", n as u64 + 1, "importance")
        },
        {
            let mut t = written.clone();
            t.customers = Some(replace(
                customers,
                2,
                Field::new("point", DataType::Float64, false),
                Arc::new(arrow_array::Float64Array::from(vec![1.5; n])),
            ));
            (t, "customers", 2, "point")
        },
        {
            let mut t = written.clone();
            let contacts = written.contacts.as_ref().unwrap();
            let k = contacts.batches[0].num_rows();
            let mut owners: Vec<String> = contacts.batches[0]
                .column(0)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .iter()
                .map(|v| v.unwrap().to_owned())
                .collect();
            owners[k - 1] = "NOBODY".to_owned();
            t.contacts = Some(replace(
                contacts,
                0,
                Field::new("customer", DataType::Utf8, false),
                Arc::new(StringArray::from(owners)),
            ));
            (t, "contacts", k as u64 + 1, "customer")
        },
    ];
    for (tables, file, line, column) in cases {
        assert!(!columns_agree(&tables));
        let err = build_arrow(tables, str::to_owned, Default::default()).unwrap_err();
        assert!(
            matches!(&err, NetworkError::Parse { file: f, line: l, field: Some(c), .. }
                if f == file && *l == line && c == column),
            "{err:?}"
        );
    }

    // A duplicate asset number: read in place, refused by the builder as the records are.
    let mut tables = written.clone();
    let segments = written.segments.as_ref().unwrap();
    let s = segments.batches[0].num_rows();
    let points = written.points.as_ref().unwrap().batches[0]
        .column(0)
        .clone();
    let first_point = points
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .value(0)
        .to_owned();
    tables.segments = Some(replace(
        segments,
        0,
        Field::new("asset", DataType::Utf8, false),
        Arc::new(StringArray::from(vec![first_point.as_str(); s])),
    ));
    assert!(columns_agree(&tables));
    assert!(matches!(
        build_arrow(tables, str::to_owned, Default::default()),
        Err(NetworkError::Invalid { .. })
    ));
}

#[cfg(feature = "arrow")]
#[test]
fn arrow_typed_columns_read_as_their_text() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float32Array, Int32Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    // A segment table as a DataFrame with a float32 length, an int32 rating and a missing
    // (NaN) length: the NaN is a missing value, refused by name on the row's line (2 + 1).
    let schema = Arc::new(Schema::new(vec![
        Field::new("asset", DataType::Utf8, false),
        Field::new("from", DataType::Utf8, false),
        Field::new("to", DataType::Utf8, false),
        Field::new("length_m", DataType::Float32, true),
        Field::new("rated_current_a", DataType::Int32, true),
    ]));
    let batch = |lengths: Vec<Option<f32>>| {
        let n = lengths.len();
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from_iter_values(
                    (0..n).map(|i| format!("L-{i}")),
                )) as ArrayRef,
                Arc::new(StringArray::from_iter_values((0..n).map(|_| "A"))),
                Arc::new(StringArray::from_iter_values((0..n).map(|_| "B"))),
                Arc::new(Float32Array::from(lengths)),
                Arc::new(Int32Array::from(vec![Some(400); n])),
            ],
        )
        .unwrap()
    };
    let tables = |b: RecordBatch| ArrowTables {
        points: Some(ArrowBatches::one(RecordBatch::new_empty(Arc::new(
            Schema::new(vec![Field::new("asset", DataType::Utf8, false)]),
        )))),
        segments: Some(ArrowBatches::one(b)),
        ..ArrowTables::default()
    };
    let data = read_arrow(tables(batch(vec![Some(12.5)])), str::to_owned).unwrap();
    assert_eq!(data.segments[0].length_m, 12.5);
    assert_eq!(data.segments[0].rated_current_a, Some(400.0));
    let result = read_arrow(
        tables(batch(vec![Some(1.0), Some(f32::NAN)])),
        str::to_owned,
    );
    let message = assert_parse_error(result, "segments", 3, Some("length_m"));
    assert!(message.contains("requires a value"), "{message}");
}

#[test]
fn csv_round_trip_keeps_every_field() {
    let data = sample();
    let tables = write_csv_tables(&data).unwrap();
    assert_eq!(read_csv(readers(&tables)).unwrap(), data);
}

#[test]
fn csv_written_form() {
    let tables = write_csv_tables(&sample()).unwrap();
    let mut points = tables.points.lines();
    assert_eq!(points.next(), Some("asset,kind,name,in_service"));
    assert_eq!(
        points.next(),
        Some("P-BUS,substation_bus,Riverside bus I,true")
    );
    assert_eq!(points.next(), Some("P-BB,busbar,\"comma, \"\"quote\"\""));
    assert_eq!(points.next(), Some("newline\",true"));
    assert_eq!(points.next(), Some("P-POLE,pole,,false"));
    assert_eq!(
        tables.segments,
        "asset,from,to,kind,length_m,rated_current_a,in_service\n\
         L-1,P-BUS,P-POLE,overhead,850.0,400.0,true\n\
         L-2,P-POLE,P-RMU,cable,0.30000000000000004,,false\n\
         L-3,P-RMU,P-BOX,cable,1e-7,1.7976931348623157e308,true\n"
    );
    assert_eq!(
        tables.contacts.lines().take(3).collect::<Vec<_>>(),
        [
            "customer,name,phone,role,level",
            "0100012345,李伟,13800000001,electrician,1",
            "0100012345,\"Zhang \"\"Min\"\"\",+86 138-0000-0002,manager,2",
        ]
    );
}

#[test]
fn csv_dir_round_trip_writes_all_seven_files() {
    let dir = scratch_dir("dir-round-trip");
    let data = sample();
    write_csv_dir(&data, &dir).unwrap();
    for file in [
        POINTS_CSV,
        SEGMENTS_CSV,
        SWITCHES_CSV,
        TRANSFORMERS_CSV,
        SOURCES_CSV,
        CUSTOMERS_CSV,
        CONTACTS_CSV,
    ] {
        assert!(dir.join(file).is_file(), "{file} was not written");
    }
    assert_eq!(read_csv_dir(&dir).unwrap(), data);

    // Writing again overwrites the files.
    write_csv_dir(&NetworkData::default(), &dir).unwrap();
    assert_eq!(read_csv_dir(&dir).unwrap(), NetworkData::default());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn empty_network_writes_headers_only() {
    let tables = write_csv_tables(&NetworkData::default()).unwrap();
    assert_eq!(
        tables,
        CsvTables {
            points: "asset,kind,name,in_service\n".to_owned(),
            segments: "asset,from,to,kind,length_m,rated_current_a,in_service\n".to_owned(),
            switches: "asset,from,to,kind,normally_open,protective,remote,in_service\n".to_owned(),
            transformers: "asset,from,to,rated_kva,model,year_in_service,usage,in_service\n"
                .to_owned(),
            sources: "asset,point,name,capacity_kva,in_service\n".to_owned(),
            customers: "number,name,point,contracted_kva,load_kw,importance\n".to_owned(),
            contacts: "customer,name,phone,role,level\n".to_owned(),
        }
    );
    assert_eq!(read_csv(readers(&tables)).unwrap(), NetworkData::default());
}

#[test]
fn csv_text_reads_and_writes_back_identically() {
    let input = CsvTables {
        points: "asset,kind,name,in_service\n\
                 BUS-1,substation_bus,Riverside 10 kV bus I,true\n\
                 RMU-1,ring_main_unit,\"Elm Street RMU, north\",true\n\
                 LV-1,transformer_terminal,,false\n"
            .to_owned(),
        segments: "asset,from,to,kind,length_m,rated_current_a,in_service\n\
                   L-1,BUS-1,RMU-1,cable,850.5,,true\n"
            .to_owned(),
        switches: "asset,from,to,kind,normally_open,protective,remote,in_service\n\
                   CB-1,BUS-1,RMU-1,breaker,false,true,true,true\n"
            .to_owned(),
        transformers: "asset,from,to,rated_kva,model,year_in_service,usage,in_service\n\
                       T-1,RMU-1,LV-1,400.0,S11-M-400/10,2016,public,true\n"
            .to_owned(),
        sources: "asset,point,name,capacity_kva,in_service\n\
                  SRC-1,BUS-1,\"He said \"\"hi\"\"\",8000.0,true\n"
            .to_owned(),
        customers: "number,name,point,contracted_kva,load_kw,importance\n\
                    0100012345,\"第一医院\n住院部\",LV-1,315.0,180.0,first_class\n\
                    0100012346,,LV-1,8.0,2.5,normal\n"
            .to_owned(),
        contacts: "customer,name,phone,role,level\n\
                   0100012345,Li Wei,13800000001,electrician,1\n\
                   0100012345,Zhang Min,13800000002,manager,2\n\
                   0100012346,Chen,13800000003,other,1\n"
            .to_owned(),
    };
    let data = read_csv(readers(&input)).unwrap();
    assert_eq!(data.customers[0].name.as_deref(), Some("第一医院\n住院部"));
    assert_eq!(data.customers[0].contacts.len(), 2);
    assert_eq!(write_csv_tables(&data).unwrap(), input);
}

#[test]
fn floats_round_trip_bit_for_bit() {
    // 3.0 * 0.37 is 1.1099999999999999, which JSON readers parsing floats only
    // approximately read back as 1.11.
    let values = [
        3.0 * 0.37,
        0.1 + 0.2,
        -0.0,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        1e21,
    ];
    let sources = values
        .iter()
        .map(|&capacity_kva| SourceRecord {
            asset: "SRC".to_owned(),
            point: "P".to_owned(),
            name: None,
            capacity_kva,
            in_service: true,
        })
        .collect();
    let data = NetworkData {
        sources,
        ..NetworkData::default()
    };
    let bits = |data: &NetworkData| -> Vec<u64> {
        data.sources
            .iter()
            .map(|s| s.capacity_kva.to_bits())
            .collect()
    };
    let expected: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();

    let tables = write_csv_tables(&data).unwrap();
    assert_eq!(bits(&read_csv(readers(&tables)).unwrap()), expected);

    let mut json = Vec::new();
    write_json(&data, &mut json, false).unwrap();
    assert_eq!(bits(&read_json(json.as_slice()).unwrap()), expected);
}

#[test]
fn non_finite_numbers_round_trip_in_csv() {
    let mut data = sample();
    data.segments[0].length_m = f64::NAN;
    data.segments[0].rated_current_a = Some(f64::INFINITY);
    data.customers[1].load_kw = f64::NEG_INFINITY;
    let tables = write_csv_tables(&data).unwrap();
    assert!(
        tables
            .segments
            .contains("L-1,P-BUS,P-POLE,overhead,NaN,inf,true\n")
    );
    assert!(
        tables
            .customers
            .contains("0100012346,,P-TT,315.0,-inf,normal\n")
    );

    let read = read_csv(readers(&tables)).unwrap();
    assert!(read.segments[0].length_m.is_nan());
    assert_eq!(read.segments[0].rated_current_a, Some(f64::INFINITY));
    assert_eq!(read.customers[1].load_kw, f64::NEG_INFINITY);
    // Everything else is unchanged.
    data.segments[0].length_m = 0.0;
    let mut read = read;
    read.segments[0].length_m = 0.0;
    assert_eq!(read, data);
}

#[test]
fn non_finite_spellings_are_read() {
    let data = read_files(&[(
        SOURCES_CSV,
        "asset,point,capacity_kva\nA,P,nan\nB,P,Infinity\nC,P,-INF\n",
    )])
    .unwrap();
    let capacities: Vec<f64> = data.sources.iter().map(|s| s.capacity_kva).collect();
    assert!(capacities[0].is_nan());
    assert_eq!(capacities[1..], [f64::INFINITY, f64::NEG_INFINITY]);
}

#[test]
fn empty_name_reads_back_as_none() {
    let mut data = NetworkData::default();
    data.points
        .push(point("P-1", PointKind::Pole, Some(""), true));
    let tables = write_csv_tables(&data).unwrap();
    let read = read_csv(readers(&tables)).unwrap();
    assert_eq!(read.points[0].name, None);
}

#[test]
fn json_round_trip() {
    let data = sample();
    for pretty in [false, true] {
        let mut json = Vec::new();
        write_json(&data, &mut json, pretty).unwrap();
        let body = json.strip_suffix(b"\n").expect("a final line break");
        assert_eq!(body.contains(&b'\n'), pretty);
        assert_eq!(read_json(json.as_slice()).unwrap(), data);
    }
}

#[test]
fn json_file_round_trip() {
    let dir = scratch_dir("json-file");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("network.json");
    let data = sample();
    write_json_file(&data, &path, true).unwrap();
    assert_eq!(read_json_file(&path).unwrap(), data);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_defaults_and_absent_arrays() {
    let json = r#"{"points":[{"asset":"P-1"}],
        "customers":[{"number":"C-1","point":"P-1","contracted_kva":8.0,"load_kw":2.5,
                      "contacts":[{"name":"Li","phone":"138"}]}]}"#;
    let data = read_json(json.as_bytes()).unwrap();
    assert_eq!(data.points, [point("P-1", PointKind::Junction, None, true)]);
    assert!(data.segments.is_empty() && data.switches.is_empty());
    assert_eq!(
        data.customers[0].contacts,
        [contact("Li", "138", ContactRole::Other, 1)]
    );
}

#[test]
fn json_refuses_non_finite_numbers() {
    let mut data = sample();
    data.segments[1].length_m = f64::NAN;
    data.customers[2].contracted_kva = f64::NEG_INFINITY;
    let mut json = Vec::new();
    let Err(NetworkError::Invalid { problems }) = write_json(&data, &mut json, false) else {
        panic!("non-finite numbers were written");
    };
    assert!(json.is_empty());
    let found: Vec<_> = problems
        .0
        .iter()
        .map(|p| {
            (
                p.record,
                p.id.as_str(),
                p.index,
                p.field,
                p.value.as_str(),
                p.kind,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                RecordKind::Segment,
                "L-2",
                1,
                "length_m",
                "NaN",
                ProblemKind::NotFinite
            ),
            (
                RecordKind::Customer,
                "0100012347",
                2,
                "contracted_kva",
                "-inf",
                ProblemKind::NotFinite
            ),
        ]
    );

    let dir = scratch_dir("json-non-finite");
    let path = dir.join("network.json");
    assert!(matches!(
        write_json_file(&data, &path, false),
        Err(NetworkError::Invalid { .. })
    ));
    assert!(!path.exists());
}

#[test]
fn json_syntax_error_gives_line_and_column() {
    let json = "{\"points\": [\n  {\"asset\": \"P-1\",}\n]}";
    let (file, line, field, message) = parse_error(read_json(json.as_bytes()));
    assert_eq!((file.as_str(), line, field), ("<json>", 2, None));
    // The `}` after the trailing comma is the 19th character of line 2.
    assert!(message.starts_with("column 19: "), "{message}");
    assert!(!message.contains("at line"), "{message}");
}

#[test]
fn json_type_error_gives_line() {
    let json = "{\"segments\": [\n{\"asset\": \"L-1\", \"from\": \"A\", \"to\": \"B\",\n \"length_m\": \"long\"}]}";
    let (file, line, _, message) = parse_error(read_json(json.as_bytes()));
    assert_eq!((file.as_str(), line), ("<json>", 3));
    assert!(
        message.contains("invalid type: string \"long\""),
        "{message}"
    );
}

#[test]
fn json_file_errors_name_the_path() {
    let dir = scratch_dir("json-errors");
    let path = dir.join("network.json");
    let Err(NetworkError::Io {
        path: named,
        source,
    }) = read_json_file(&path)
    else {
        panic!("a missing file was read");
    };
    assert_eq!(named, path.display().to_string());
    assert_eq!(source.kind(), io::ErrorKind::NotFound);

    fs::create_dir_all(&dir).unwrap();
    fs::write(&path, "{\"points\": 7}").unwrap();
    let (file, line, _, _) = parse_error(read_json_file(&path));
    assert_eq!((file, line), (path.display().to_string(), 1));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn columns_may_come_in_any_order() {
    let data = read_files(&[(
        SEGMENTS_CSV,
        "in_service,length_m,to,kind,from,asset,rated_current_a\n\
         false,12.5,B,cable,A,L-1,300\n",
    )])
    .unwrap();
    assert_eq!(
        data.segments,
        [SegmentRecord {
            asset: "L-1".to_owned(),
            from: "A".to_owned(),
            to: "B".to_owned(),
            kind: SegmentKind::Cable,
            length_m: 12.5,
            rated_current_a: Some(300.0),
            in_service: false,
        }]
    );
}

#[test]
fn absent_columns_and_empty_cells_take_defaults() {
    let data = read_files(&[
        (POINTS_CSV, "asset,kind,name,in_service\nP-1,,,\n"),
        (
            SWITCHES_CSV,
            "asset,from,to,kind,protective\nS-1,A,B,fuse,yes\n",
        ),
        (
            TRANSFORMERS_CSV,
            "asset,from,to,rated_kva,model,year_in_service,usage,in_service\nT-1,A,B,400,,,,\n",
        ),
        (
            CUSTOMERS_CSV,
            "number,point,contracted_kva,load_kw\nC-1,P-1,8,2.5\n",
        ),
        (CONTACTS_CSV, "customer,name,phone\nC-1,Li,138\n"),
    ])
    .unwrap();
    assert_eq!(data.points, [point("P-1", PointKind::Junction, None, true)]);
    assert_eq!(
        data.switches,
        [SwitchRecord {
            asset: "S-1".to_owned(),
            from: "A".to_owned(),
            to: "B".to_owned(),
            kind: SwitchKind::Fuse,
            normally_open: false,
            protective: true,
            remote: false,
            in_service: true,
        }]
    );
    assert_eq!(
        data.transformers,
        [TransformerRecord {
            asset: "T-1".to_owned(),
            from: "A".to_owned(),
            to: "B".to_owned(),
            rated_kva: 400.0,
            model: String::new(),
            year_in_service: None,
            usage: TransformerUsage::Public,
            in_service: true,
        }]
    );
    assert_eq!(
        data.customers,
        [CustomerRecord {
            number: "C-1".to_owned(),
            name: None,
            point: "P-1".to_owned(),
            contracted_kva: 8.0,
            load_kw: 2.5,
            importance: Importance::Normal,
            contacts: vec![contact("Li", "138", ContactRole::Other, 1)],
        }]
    );
}

#[test]
fn typed_cells_are_trimmed_and_text_is_not() {
    let data = read_files(&[(
        SEGMENTS_CSV,
        "asset,from,to,kind,length_m,in_service\n L-1 ,A,B, cable , 12.5 , no \n",
    )])
    .unwrap();
    let segment = &data.segments[0];
    assert_eq!(segment.asset, " L-1 ");
    assert_eq!(
        (segment.kind, segment.length_m, segment.in_service),
        (SegmentKind::Cable, 12.5, false)
    );
}

#[test]
fn header_names_are_trimmed_and_a_byte_order_mark_skipped() {
    let data = read_files(&[(POINTS_CSV, "\u{feff} asset , kind \nP-1,pole\n")]).unwrap();
    assert_eq!(data.points, [point("P-1", PointKind::Pole, None, true)]);
}

#[test]
fn boolean_spellings() {
    let data = read_files(&[(
        POINTS_CSV,
        "asset,in_service\nA,true\nB,FALSE\nC,Yes\nD,no\nE,1\nF,0\nG,True\nH,NO\n",
    )])
    .unwrap();
    let flags: Vec<bool> = data.points.iter().map(|p| p.in_service).collect();
    assert_eq!(flags, [true, false, true, false, true, false, true, false]);
}

#[test]
fn wrong_boolean_is_an_error() {
    let result = read_files(&[(POINTS_CSV, "asset,in_service\nA,true\nB,maybe\n")]);
    let message = assert_parse_error(result, POINTS_CSV, 3, Some("in_service"));
    assert!(message.contains("\"maybe\""), "{message}");
}

#[test]
fn missing_required_column_is_an_error_on_the_header() {
    let result = read_files(&[(SEGMENTS_CSV, "asset,from,to\nL-1,A,B\n")]);
    let message = assert_parse_error(result, SEGMENTS_CSV, 1, Some("length_m"));
    assert!(message.contains("required"), "{message}");

    // Even without data rows.
    let result = read_files(&[(SWITCHES_CSV, "asset,from,to,kind\n")]);
    assert_parse_error(result, SWITCHES_CSV, 1, Some("protective"));

    // An empty file has no columns at all.
    assert_parse_error(
        read_files(&[(POINTS_CSV, "")]),
        POINTS_CSV,
        1,
        Some("asset"),
    );
}

#[test]
fn repeated_column_is_an_error() {
    let result = read_files(&[(POINTS_CSV, "asset,name,name\nP-1,a,b\n")]);
    assert_parse_error(result, POINTS_CSV, 1, Some("name"));
}

#[test]
fn malformed_number_is_an_error() {
    let result = read_files(&[(
        SEGMENTS_CSV,
        "asset,from,to,length_m\nL-1,A,B,10\nL-2,A,B,ten\n",
    )]);
    let message = assert_parse_error(result, SEGMENTS_CSV, 3, Some("length_m"));
    assert_eq!(message, "\"ten\" is not a number");
}

#[test]
fn unknown_enumeration_value_lists_the_accepted_names() {
    let result = read_files(&[(
        SEGMENTS_CSV,
        "asset,from,to,kind,length_m\nL-1,A,B,aerial,10\n",
    )]);
    let message = assert_parse_error(result, SEGMENTS_CSV, 2, Some("kind"));
    assert!(message.contains("aerial"), "{message}");
    assert!(
        message.contains("`overhead`") && message.contains("`cable`"),
        "{message}"
    );

    let result = read_files(&[
        (
            CUSTOMERS_CSV,
            "number,point,contracted_kva,load_kw\nC-1,P,8,2\n",
        ),
        (CONTACTS_CSV, "customer,name,phone,role\nC-1,Li,138,Boss\n"),
    ]);
    let message = assert_parse_error(result, CONTACTS_CSV, 2, Some("role"));
    assert!(message.contains("`legal_representative`"), "{message}");
}

#[test]
fn empty_required_cell_is_an_error() {
    let result = read_files(&[(
        SWITCHES_CSV,
        "asset,from,to,kind,protective\nS-1,A,B,breaker,true\nS-2,A,B,,true\n",
    )]);
    let message = assert_parse_error(result, SWITCHES_CSV, 3, Some("kind"));
    assert!(message.contains("empty"), "{message}");

    let result = read_files(&[(
        CUSTOMERS_CSV,
        "number,point,contracted_kva,load_kw\nC-1,P,8, \n",
    )]);
    assert_parse_error(result, CUSTOMERS_CSV, 2, Some("load_kw"));
}

#[test]
fn integer_out_of_range_is_an_error() {
    let result = read_files(&[
        (
            CUSTOMERS_CSV,
            "number,point,contracted_kva,load_kw\nC-1,P,8,2\n",
        ),
        (CONTACTS_CSV, "customer,name,phone,level\nC-1,Li,138,256\n"),
    ]);
    let message = assert_parse_error(result, CONTACTS_CSV, 2, Some("level"));
    assert_eq!(message, "\"256\" is not a whole number from 0 to 255");

    let result = read_files(&[(
        TRANSFORMERS_CSV,
        "asset,from,to,rated_kva,year_in_service\nT-1,A,B,400,2016.5\n",
    )]);
    assert_parse_error(result, TRANSFORMERS_CSV, 2, Some("year_in_service"));
}

#[test]
fn ragged_rows_are_errors() {
    let short = read_files(&[(
        SOURCES_CSV,
        "asset,point,name,capacity_kva\nS-1,P,n,10\nS-2,P\n",
    )]);
    let message = assert_parse_error(short, SOURCES_CSV, 3, Some("name"));
    assert_eq!(message, "the row has 2 cells but the header has 4");

    let long = read_files(&[(SOURCES_CSV, "asset,point,capacity_kva\nS-1,P,10,extra\n")]);
    assert_parse_error(long, SOURCES_CSV, 2, None);
}

#[test]
fn line_numbers_count_line_breaks_blank_lines_and_crlf() {
    // Line 1 header, lines 2-3 P-1 (a cell with a line break), line 4 blank, line 5 P-2.
    let text = "asset,name,in_service\nP-1,\"two\nlines\",true\n\nP-2,x,perhaps\n";
    let result = read_files(&[(POINTS_CSV, text)]);
    assert_parse_error(result, POINTS_CSV, 5, Some("in_service"));

    let text = "asset,name,in_service\r\nP-1,\"two\r\nlines\",true\r\n\r\nP-2,x,perhaps\r\n";
    let result = read_files(&[(POINTS_CSV, text)]);
    assert_parse_error(result, POINTS_CSV, 5, Some("in_service"));

    // Without a final line break.
    let result = read_files(&[(POINTS_CSV, "asset,in_service\r\nP-1,true\r\nP-2,perhaps")]);
    assert_parse_error(result, POINTS_CSV, 3, Some("in_service"));

    // Blank lines before the header: the header is on line 3.
    let result = read_files(&[(POINTS_CSV, "\n\nname\nx\n")]);
    assert_parse_error(result, POINTS_CSV, 3, Some("asset"));
}

#[test]
fn invalid_utf8_is_an_error() {
    let readers = CsvReaders {
        points: Some(&b"asset,name\r\nP-1,ok\r\nP-2,\xff\r\n"[..]),
        ..CsvReaders::default()
    };
    let message = assert_parse_error(read_csv(readers), POINTS_CSV, 3, Some("name"));
    assert!(message.contains("UTF-8"), "{message}");

    let readers = CsvReaders {
        points: Some(&b"asset,n\xe4me\nP-1,ok\n"[..]),
        ..CsvReaders::default()
    };
    assert_parse_error(read_csv(readers), POINTS_CSV, 1, None);
}

#[test]
fn contacts_attach_to_their_customers_in_file_order() {
    let data = read_files(&[
        (
            CONTACTS_CSV,
            "customer,name,phone\nC-2,a,1\nC-1,b,2\nC-2,c,3\nC-1,d,4\n",
        ),
        (
            CUSTOMERS_CSV,
            "number,point,contracted_kva,load_kw\nC-1,P,8,2\nC-2,P,8,2\nC-3,P,8,2\n",
        ),
    ])
    .unwrap();
    let names: Vec<Vec<&str>> = data
        .customers
        .iter()
        .map(|c| c.contacts.iter().map(|k| k.name.as_str()).collect())
        .collect();
    assert_eq!(names, [vec!["b", "d"], vec!["a", "c"], vec![]]);
}

#[test]
fn contacts_of_a_repeated_customer_number_go_to_the_first() {
    let data = read_files(&[
        (
            CUSTOMERS_CSV,
            "number,point,contracted_kva,load_kw\nC-1,P,8,2\nC-1,Q,9,3\n",
        ),
        (CONTACTS_CSV, "customer,name,phone\nC-1,a,1\n"),
    ])
    .unwrap();
    assert_eq!(data.customers[0].contacts.len(), 1);
    assert!(data.customers[1].contacts.is_empty());
}

#[test]
fn contact_of_an_unknown_customer_is_an_error() {
    let result = read_files(&[
        (
            CUSTOMERS_CSV,
            "number,point,contracted_kva,load_kw\nC-1,P,8,2\n",
        ),
        (CONTACTS_CSV, "customer,name,phone\nC-1,a,1\nC-9,b,2\n"),
    ]);
    let message = assert_parse_error(result, CONTACTS_CSV, 3, Some("customer"));
    assert!(message.contains("\"C-9\""), "{message}");

    // Without customers.csv, every contact is of an unknown customer.
    let result = read_files(&[(CONTACTS_CSV, "customer,name,phone\nC-1,a,1\n")]);
    assert_parse_error(result, CONTACTS_CSV, 2, Some("customer"));
}

#[test]
fn missing_optional_files_mean_no_records() {
    let data = read_files(&[(POINTS_CSV, "asset\nP-1\n")]).unwrap();
    assert_eq!(
        data,
        NetworkData {
            points: vec![point("P-1", PointKind::Junction, None, true)],
            ..NetworkData::default()
        }
    );

    let dir = scratch_dir("optional-files");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(POINTS_CSV), "asset\nP-1\n").unwrap();
    fs::write(
        dir.join(SOURCES_CSV),
        "asset,point,capacity_kva\nS-1,P-1,10\n",
    )
    .unwrap();
    let data = read_csv_dir(&dir).unwrap();
    assert_eq!((data.points.len(), data.sources.len()), (1, 1));
    assert!(data.segments.is_empty() && data.customers.is_empty());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_points_file_is_an_io_error() {
    let Err(NetworkError::Io { path, source }) = read_csv(CsvReaders::<&[u8]>::default()) else {
        panic!("read without points");
    };
    assert_eq!(path, POINTS_CSV);
    assert_eq!(source.kind(), io::ErrorKind::NotFound);

    let dir = scratch_dir("no-points");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(SEGMENTS_CSV), "asset,from,to,length_m\n").unwrap();
    let Err(NetworkError::Io { path, source }) = read_csv_dir(&dir) else {
        panic!("read without points");
    };
    assert_eq!(path, dir.join(POINTS_CSV).display().to_string());
    assert_eq!(source.kind(), io::ErrorKind::NotFound);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn folder_errors_name_the_file_path() {
    let dir = scratch_dir("parse-path");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(POINTS_CSV), "asset,kind\nP-1,tower\n").unwrap();
    let file = dir.join(POINTS_CSV).display().to_string();
    assert_parse_error(read_csv_dir(&dir), &file, 2, Some("kind"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_column_the_layout_does_not_define_is_refused_naming_file_and_column() {
    // pandapower calls the switch position `closed`; read silently, every switch would take
    // the default `normally_open = false`. Every table refuses a foreign column.
    let message = assert_parse_error(
        read_files(&[(
            SWITCHES_CSV,
            "asset,from,to,kind,protective,closed\nK-1,A,B,breaker,true,false\n",
        )]),
        SWITCHES_CSV,
        1,
        Some("closed"),
    );
    assert!(message.contains("no column `closed`"), "{message}");
    assert!(
        message.contains("normally_open"),
        "lists the layout's columns: {message}"
    );
    for (file, header) in [
        (POINTS_CSV, "asset,note\n"),
        (SEGMENTS_CSV, "asset,from,to,length_m,note\n"),
        (TRANSFORMERS_CSV, "asset,from,to,rated_kva,note\n"),
        (SOURCES_CSV, "asset,point,capacity_kva,note\n"),
        (CUSTOMERS_CSV, "number,point,contracted_kva,load_kw,note\n"),
        (CONTACTS_CSV, "customer,name,phone,note\n"),
    ] {
        assert_parse_error(read_files(&[(file, header)]), file, 1, Some("note"));
    }
    // An empty header cell (a trailing comma) is an unnamed column, refused too.
    let message = assert_parse_error(
        read_files(&[(POINTS_CSV, "asset,\n")]),
        POINTS_CSV,
        1,
        Some(""),
    );
    assert!(message.contains("unnamed column"), "{message}");
    // A very long foreign column name is cut in the error.
    let long: &'static str = Box::leak(format!("asset,{}\n", "x".repeat(10_000)).into_boxed_str());
    let (_, _, field, message) = parse_error(read_files(&[(POINTS_CSV, long)]));
    assert!(
        field.unwrap().chars().count() <= 100 && message.len() < 400,
        "{message}"
    );
}

#[test]
fn a_missing_required_column_is_named_in_the_message() {
    let message = assert_parse_error(
        read_files(&[(SEGMENTS_CSV, "asset,from,to\nL-1,A,B\n")]),
        SEGMENTS_CSV,
        1,
        Some("length_m"),
    );
    assert!(message.contains("`length_m`"), "{message}");
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_round_trip_keeps_every_field_and_refuses_unknown_columns() {
    let dir = scratch_dir("parquet");
    let data = sample();
    write_parquet_dir(&data, &dir).unwrap();
    assert_eq!(read_parquet_dir(&dir).unwrap(), data);
    // The column reader builds the network the records build.
    let options = crate::network::ValidationOptions::default();
    let built = build_parquet_dir(&dir, options).unwrap();
    assert_eq!(built.to_data(), data);
    assert_eq!(
        built.memory_bytes(),
        crate::network::Network::from_data_with(&data, options)
            .unwrap()
            .memory_bytes()
    );

    // A switches file with a misspelt column (`closed` for `normally_open`) is refused by
    // name, with the CSV reader's message.
    use std::sync::Arc;

    use arrow_array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    let schema = Arc::new(Schema::new(vec![
        Field::new("asset", DataType::Utf8, false),
        Field::new("from", DataType::Utf8, false),
        Field::new("to", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("protective", DataType::Boolean, false),
        Field::new("closed", DataType::Boolean, false),
    ]));
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            text("K-9"),
            text("P-BUS"),
            text("P-BB"),
            text("breaker"),
            Arc::new(BooleanArray::from(vec![true])),
            Arc::new(BooleanArray::from(vec![false])),
        ],
    )
    .unwrap();
    let path = dir.join("switches.parquet");
    crate::table::parquet::write_parquet(&path, &schema, &[batch]).unwrap();
    let file = path.display().to_string();
    let message = assert_parse_error(read_parquet_dir(&dir), &file, 1, Some("closed"));
    assert!(
        message.contains("no column `closed`") && message.contains("normally_open"),
        "{message}"
    );
    // The same error, word for word, from the column reader.
    assert_eq!(
        build_parquet_dir(&dir, options).unwrap_err().to_string(),
        read_parquet_dir(&dir).unwrap_err().to_string()
    );

    // Not a Parquet file: a format error naming the file, no panic.
    fs::write(&path, b"asset,from\n").unwrap();
    assert!(
        matches!(read_parquet_dir(&dir), Err(NetworkError::Parse { file: f, .. }) if f == file)
    );
    assert!(
        matches!(build_parquet_dir(&dir, options), Err(NetworkError::Parse { file: f, .. }) if f == file)
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// A text column lent beside its table: table, column, one text or `None` per row.
#[cfg(feature = "arrow")]
type LentColumn = (String, String, Vec<Option<String>>);

/// The tables with every text column replaced by a column of nulls of the same name, and
/// those columns' texts (table, column, one text or `None` per row): what the Python package
/// lends for a DataFrame's columns of Python strings.
#[cfg(feature = "arrow")]
fn lent_texts(tables: &ArrowTables) -> (ArrowTables, Vec<LentColumn>) {
    use std::sync::Arc;

    use arrow_array::cast::AsArray;
    use arrow_array::{Array, ArrayRef, NullArray, RecordBatch};
    use arrow_schema::{DataType, Field, Schema};

    let mut out = tables.clone();
    let mut texts = Vec::new();
    let slots = [
        ("points", &mut out.points),
        ("segments", &mut out.segments),
        ("switches", &mut out.switches),
        ("transformers", &mut out.transformers),
        ("sources", &mut out.sources),
        ("customers", &mut out.customers),
        ("contacts", &mut out.contacts),
    ];
    for (name, slot) in slots {
        let Some(table) = slot.as_mut() else { continue };
        let mut fields: Vec<Field> = table
            .schema
            .fields()
            .iter()
            .map(|f| (**f).clone())
            .collect();
        let mut columns: Vec<Vec<ArrayRef>> =
            table.batches.iter().map(|b| b.columns().to_vec()).collect();
        for (c, field) in table.schema.fields().iter().enumerate() {
            if field.data_type() != &DataType::Utf8 {
                continue;
            }
            let mut column = Vec::new();
            for batch in &table.batches {
                let a = batch.column(c).as_string::<i32>();
                column.extend((0..a.len()).map(|r| (!a.is_null(r)).then(|| a.value(r).to_owned())));
            }
            fields[c] = Field::new(field.name(), DataType::Null, true);
            for (b, batch) in table.batches.iter().enumerate() {
                columns[b][c] = Arc::new(NullArray::new(batch.num_rows()));
            }
            texts.push((name.to_owned(), field.name().clone(), column));
        }
        let schema = Arc::new(Schema::new(fields));
        table.batches = columns
            .into_iter()
            .map(|c| RecordBatch::try_new(schema.clone(), c).unwrap())
            .collect();
        table.schema = schema;
    }
    (out, texts)
}

/// The outcome of [`build_arrow_texts`] with the texts lent as `lent_texts` lends them.
#[cfg(feature = "arrow")]
fn with_lent_texts(tables: &ArrowTables) -> Option<String> {
    let (placeholders, texts) = lent_texts(tables);
    assert!(!texts.is_empty(), "no text column to lend");
    let mut given = TextColumns::default();
    for (table, column, cells) in &texts {
        given.insert(table, column, cells.iter().map(Option::as_deref).collect());
    }
    build_arrow_texts(&placeholders, &given, Default::default()).map(outcome)
}

#[cfg(feature = "arrow")]
#[test]
fn lent_text_columns_give_the_network_and_the_errors_of_the_arrow_tables() {
    let data = sample();
    for rows in [usize::MAX, 1, 3] {
        let tables = recast(&write_arrow(&data), &arrow_schema::DataType::Utf8, rows);
        let expected = outcome(build_arrow(
            tables.clone(),
            str::to_owned,
            Default::default(),
        ));
        assert_eq!(with_lent_texts(&tables).as_deref(), Some(expected.as_str()));
        assert!(expected.starts_with("NetworkData"), "{expected}");
    }
    // An invalid network: the same problems, each naming the same record.
    let mut bad = data;
    bad.points[1].asset = bad.points[0].asset.clone();
    bad.segments[0].from = "nowhere".to_owned();
    let tables = write_arrow(&bad);
    let expected = outcome(build_arrow(
        tables.clone(),
        str::to_owned,
        Default::default(),
    ));
    assert!(
        expected.contains("DuplicateId") && expected.contains("nowhere"),
        "{expected}"
    );
    assert_eq!(with_lent_texts(&tables).as_deref(), Some(expected.as_str()));
}

#[cfg(feature = "arrow")]
#[test]
fn lent_texts_the_column_reader_cannot_place_are_left_to_the_caller() {
    let tables = write_arrow(&sample());
    let (placeholders, texts) = lent_texts(&tables);
    let rows = |table: &str| texts.iter().find(|t| t.0 == table).unwrap().2.len();
    let blank = |n: usize| vec![Some(""); n];
    let build =
        |given: &TextColumns<'_>| build_arrow_texts(&placeholders, given, Default::default());
    // Texts for a number column (they would be parsed, not read as text).
    let mut given = TextColumns::default();
    given.insert("segments", "length_m", blank(rows("segments")));
    assert!(build(&given).is_none());
    // A column the table does not have, a table that is not there, too few texts.
    for (table, column, n) in [
        ("points", "colour", rows("points")),
        ("no_such_table", "asset", 1),
        ("points", "asset", rows("points") - 1),
    ] {
        let mut given = TextColumns::default();
        given.insert(table, column, blank(n));
        assert!(build(&given).is_none(), "{table}.{column}");
    }
    // Without its texts, a switch's kind is a column of nulls: a missing required value,
    // left to the record reader to name.
    assert!(build(&TextColumns::default()).is_none());
}

#[cfg(feature = "arrow")]
#[test]
fn contacts_found_by_position_go_to_the_first_customer_of_a_repeated_number() {
    let mut data = sample();
    // Customer 3 (with one contact, Liu) takes customer 0's number; its contact's row, next
    // to customer 3's place, names that number, which the record reader gives to customer 0.
    // An empty phone makes a contact problem, which names the customer it is given to.
    data.customers[3].number = data.customers[0].number.clone();
    data.customers[3].contacts[0].phone = String::new();
    let tables = write_arrow(&data);
    columns_agree(&tables);
    let err = build_arrow(tables, str::to_owned, Default::default()).unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("DuplicateId") && text.contains("0100012345#4"),
        "{text}"
    );
    // Without the repeated number, the contacts are placed by position and the problem is
    // the customer's own.
    data.customers[3].number = "0100099999".to_owned();
    let tables = write_arrow(&data);
    assert!(columns_agree(&tables));
    let text = format!(
        "{:?}",
        build_arrow(tables, str::to_owned, Default::default()).unwrap_err()
    );
    assert!(text.contains("0100099999#1"), "{text}");
}
