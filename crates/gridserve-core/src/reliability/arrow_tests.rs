//! The column reader of outage tables from Arrow against the record reader: on random tables
//! (several batches, every column type the readers take, bad cells of every kind) both give the
//! same table or the same error.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int64Array, LargeStringArray,
    RecordBatch, StringArray, TimestampMillisecondArray, TimestampNanosecondArray,
    types::Int32Type,
};
use arrow_schema::{Field, Schema};

use super::record::arrow::{read_arrow, read_feeders_arrow, read_outage_table};
use super::{OutageTable, ReliabilityError, ServiceBase};
use crate::rng::Rng;

/// 2024-01-01T00:00:00Z in ms.
const T0: i64 = 1_704_067_200_000;

fn base() -> ServiceBase {
    let feeders = Arc::new(Schema::new(vec![
        Field::new("feeder", arrow_schema::DataType::Utf8, true),
        Field::new("substation", arrow_schema::DataType::Utf8, true),
        Field::new("customers", arrow_schema::DataType::Int64, true),
        Field::new("load_kva", arrow_schema::DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        feeders.clone(),
        vec![
            Arc::new(StringArray::from(vec!["F0", "F1", "F2", "F3"])),
            Arc::new(StringArray::from(vec!["S0", "S0", "S1", "S1"])),
            Arc::new(Int64Array::from(vec![50, 400, 400, 1000])),
            Arc::new(Float64Array::from(vec![500.0, 4000.0, 0.0, 9000.0])),
        ],
    )
    .expect("a valid batch");
    read_feeders_arrow(feeders, vec![batch], "feeders").expect("valid feeders")
}

/// A random outage table: each optional column present or not, each column in one of the
/// types the readers take, and with probability `bad` a cell that some rule or reader
/// refuses.
#[allow(clippy::too_many_lines)]
fn random_table(rng: &mut Rng, n: usize, bad: f64) -> (Arc<Schema>, Vec<RecordBatch>) {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    let mut push = |name: &str, a: ArrayRef| {
        fields.push(Field::new(name, a.data_type().clone(), true));
        arrays.push(a);
    };
    let oops = |rng: &mut Rng| rng.chance(bad);
    // Ids: text (sometimes repeated, empty or missing) or integers.
    if rng.chance(0.8) {
        let ids: Vec<Option<String>> = (0..n)
            .map(|i| {
                if oops(rng) {
                    rng.pick(&[None, Some(String::new()), Some("O0".to_owned())])
                        .clone()
                } else {
                    Some(format!("O{i}"))
                }
            })
            .collect();
        if rng.chance(0.5) {
            push("id", Arc::new(StringArray::from(ids)));
        } else {
            push("id", Arc::new(LargeStringArray::from(ids)));
        }
    } else {
        let ids: Vec<i64> = (0..n)
            .map(|i| if oops(rng) { 0 } else { i as i64 + 1000 })
            .collect();
        push("id", Arc::new(Int64Array::from(ids)));
    }
    // Start and end: timestamps (naive ns, or ms in UTC) or ISO text.
    let starts: Vec<i64> = (0..n)
        .map(|_| T0 + rng.below(365 * 24 * 60) as i64 * 60_000)
        .collect();
    let minutes = [2, 5, 30, 90, 240, 600];
    let ends: Vec<i64> = starts
        .iter()
        .map(|&s| {
            if oops(rng) {
                s - 60_000
            } else {
                s + *rng.pick(&minutes) * 60_000
            }
        })
        .collect();
    let time_kind = rng.below(3);
    let time_column = |rng: &mut Rng, values: &[i64], push: &mut dyn FnMut(ArrayRef)| {
        let cells: Vec<Option<i64>> = values
            .iter()
            .map(|&v| {
                if oops(rng) && rng.chance(0.3) {
                    None
                } else {
                    Some(v)
                }
            })
            .collect();
        let a: ArrayRef = match time_kind {
            0 => Arc::new(TimestampNanosecondArray::from(
                cells
                    .iter()
                    .map(|v| v.map(|ms| (ms + 8 * 3_600_000) * 1_000_000))
                    .collect::<Vec<_>>(),
            )),
            1 => Arc::new(TimestampMillisecondArray::from(cells).with_timezone("UTC".to_owned())),
            _ => Arc::new(StringArray::from(
                cells
                    .iter()
                    .map(|v| {
                        v.map(|ms| {
                            if oops(rng) && rng.chance(0.2) {
                                "yesterday".to_owned()
                            } else {
                                chrono::DateTime::from_timestamp_millis(ms)
                                    .expect("in range")
                                    .to_rfc3339()
                            }
                        })
                    })
                    .collect::<Vec<_>>(),
            )),
        };
        push(a);
    };
    time_column(rng, &starts, &mut |a| push("start", a));
    time_column(rng, &ends, &mut |a| push("end", a));
    if rng.chance(0.7) {
        let causes: Vec<Option<&str>> = (0..n)
            .map(|_| *rng.pick(&[Some("外力破坏"), Some("设备故障"), None, Some("")]))
            .collect();
        if rng.chance(0.5) {
            push("cause", Arc::new(StringArray::from(causes)));
        } else {
            let d: DictionaryArray<Int32Type> = causes.into_iter().collect();
            push("cause", Arc::new(d));
        }
    }
    if rng.chance(0.6) {
        match rng.below(3) {
            0 => push(
                "planned",
                Arc::new(BooleanArray::from(
                    (0..n)
                        .map(|_| (!(oops(rng))).then(|| rng.chance(0.2)))
                        .collect::<Vec<_>>(),
                )),
            ),
            1 => push(
                "planned",
                Arc::new(Float64Array::from(
                    (0..n)
                        .map(|_| {
                            if oops(rng) {
                                *rng.pick(&[f64::NAN, 2.0])
                            } else {
                                f64::from(u8::from(rng.chance(0.2)))
                            }
                        })
                        .collect::<Vec<_>>(),
                )),
            ),
            _ => push(
                "planned",
                Arc::new(StringArray::from(
                    (0..n)
                        .map(|_| {
                            if oops(rng) {
                                *rng.pick(&["maybe", ""])
                            } else {
                                *rng.pick(&["yes", "no", "true", "0"])
                            }
                        })
                        .collect::<Vec<_>>(),
                )),
            ),
        }
    }
    if rng.chance(0.7) {
        push(
            "device",
            Arc::new(StringArray::from(
                (0..n)
                    .map(|_| (!rng.chance(0.1)).then(|| format!("K{}", rng.below(20))))
                    .collect::<Vec<_>>(),
            )),
        );
    }
    push(
        "feeder",
        Arc::new(StringArray::from(
            (0..n)
                .map(|_| {
                    if oops(rng) {
                        rng.pick(&[None, Some("F9".to_owned())]).clone()
                    } else {
                        Some(format!("F{}", rng.below(4)))
                    }
                })
                .collect::<Vec<_>>(),
        )),
    );
    // Customers: a count, a list, or both (a count that may differ from the list).
    let lists: Vec<Vec<String>> = (0..n)
        .map(|_| {
            let k = rng.below(6) as usize;
            (0..k)
                .map(|_| {
                    if oops(rng) && rng.chance(0.3) {
                        String::new()
                    } else {
                        format!("C{}", rng.below(60))
                    }
                })
                .collect()
        })
        .collect();
    let form = rng.below(4);
    let with_list = form >= 1;
    let with_count = form != 1;
    if with_count {
        let counts: Vec<Option<i64>> = (0..n)
            .map(|i| {
                if oops(rng) {
                    *rng.pick(&[None, Some(-3), Some(100_000), Some(7)])
                } else if with_list {
                    (!rng.chance(0.3)).then_some(lists[i].len() as i64)
                } else {
                    Some(rng.below(50) as i64)
                }
            })
            .collect();
        if rng.chance(0.7) {
            push("customers_count", Arc::new(Int64Array::from(counts)));
        } else {
            let floats: Vec<f64> = counts
                .iter()
                .map(|c| match c {
                    None => f64::NAN,
                    Some(7) => 7.5,
                    Some(v) => *v as f64,
                })
                .collect();
            push("customers_count", Arc::new(Float64Array::from(floats)));
        }
    }
    if with_list {
        if rng.chance(0.7) {
            let mut b = ListBuilder::new(StringBuilder::new());
            for list in &lists {
                if oops(rng) && rng.chance(0.3) {
                    b.append_null();
                } else {
                    for c in list {
                        b.values().append_value(c);
                    }
                    if oops(rng) && rng.chance(0.2) {
                        b.values().append_null();
                    }
                    b.append(true);
                }
            }
            push("customers", Arc::new(b.finish()));
        } else {
            push(
                "customers",
                Arc::new(StringArray::from(
                    lists.iter().map(|l| l.join(";")).collect::<Vec<_>>(),
                )),
            );
        }
    }
    for name in ["load_kva", "load_kw"] {
        if rng.chance(0.6) {
            if rng.chance(0.8) {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        if oops(rng) {
                            *rng.pick(&[f64::NAN, f64::INFINITY, -1.0, 1e9])
                        } else {
                            rng.uniform(0.0, 400.0)
                        }
                    })
                    .collect();
                push(name, Arc::new(Float64Array::from(v)));
            } else {
                let v: Vec<Option<i64>> = (0..n)
                    .map(|_| (!oops(rng)).then(|| rng.below(300) as i64))
                    .collect();
                push(name, Arc::new(Int64Array::from(v)));
            }
        }
    }
    if rng.chance(0.5) {
        let v: Vec<Option<i64>> = (0..n)
            .map(|_| {
                if oops(rng) {
                    *rng.pick(&[None, Some(-1), Some(1 << 40)])
                } else {
                    Some(1 + rng.below(3) as i64)
                }
            })
            .collect();
        push("operations", Arc::new(Int64Array::from(v)));
    }
    for (k, name) in ["reported", "arrived", "restored"].iter().enumerate() {
        if rng.chance(0.4) {
            let v: Vec<Option<i64>> = starts
                .iter()
                .map(|&s| {
                    if rng.chance(0.2) {
                        None
                    } else if oops(rng) {
                        Some(s + 600_000 - k as i64 * 300_000)
                    } else {
                        Some(s + k as i64 * 600_000)
                    }
                })
                .collect();
            push(
                name,
                Arc::new(TimestampMillisecondArray::from(v).with_timezone("+08:00".to_owned())),
            );
        }
    }
    if rng.chance(0.02) {
        push("closed", Arc::new(Int64Array::from(vec![0; n])));
    }
    let schema = Arc::new(Schema::new(fields));
    let whole = RecordBatch::try_new(schema.clone(), arrays).expect("a valid batch");
    // One to three batches.
    let mut batches = Vec::new();
    let mut at = 0;
    let parts = 1 + rng.below(3) as usize;
    for p in 0..parts {
        let len = if p + 1 == parts {
            n - at
        } else {
            rng.below((n - at) as u64 + 1) as usize
        };
        batches.push(whole.slice(at, len));
        at += len;
    }
    (schema, batches)
}

/// The two tables are equal, field by field.
fn same_table(a: &OutageTable, b: &OutageTable) {
    assert_eq!(a.len(), b.len());
    for i in 0..a.len() {
        assert_eq!(a.id(i), b.id(i), "id of row {i}");
    }
    assert_eq!(a.start_ms, b.start_ms);
    assert_eq!(a.end_ms, b.end_ms);
    assert_eq!((&a.cause, &a.causes), (&b.cause, &b.causes));
    assert_eq!((&a.device, &a.devices), (&b.device, &b.devices));
    assert_eq!(a.feeder, b.feeder);
    assert_eq!(a.planned, b.planned);
    assert_eq!(a.customers, b.customers);
    assert_eq!((&a.list_start, &a.list), (&b.list_start, &b.list));
    assert_eq!(a.has_list, b.has_list);
    assert_eq!(a.customer_numbers, b.customer_numbers);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.load_kva), bits(&b.load_kva));
    assert_eq!(bits(&a.load_kw), bits(&b.load_kw));
    assert_eq!(a.operations, b.operations);
    assert_eq!(a.stages, b.stages);
    assert_eq!(a.base(), b.base());
}

fn by_records(
    schema: Arc<Schema>,
    batches: Vec<RecordBatch>,
) -> Result<OutageTable, ReliabilityError> {
    OutageTable::new(&read_arrow(schema, batches, "outages")?, base())
}

#[test]
fn the_column_reader_gives_the_record_readers_table_or_error() {
    let mut rng = Rng::new(12);
    let (mut tables, mut invalid, mut parse) = (0, 0, 0);
    for case in 0..600 {
        let bad = *rng.pick(&[0.0, 0.0, 0.002, 0.02, 0.2]);
        let n = rng.between(0, 120);
        let (schema, batches) = random_table(&mut rng, n, bad);
        let fast = read_outage_table(schema.clone(), batches.clone(), "outages", base());
        let slow = by_records(schema, batches);
        match (&fast, &slow) {
            (Ok(a), Ok(b)) => {
                same_table(a, b);
                tables += 1;
            }
            (Err(a), Err(b)) => {
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "case {case}");
                assert_eq!(a.to_string(), b.to_string());
                match a {
                    ReliabilityError::InvalidRecords { .. } => invalid += 1,
                    ReliabilityError::Parse { .. } => parse += 1,
                    _ => {}
                }
            }
            _ => panic!("case {case}: {fast:?} against {slow:?}"),
        }
    }
    // Every outcome was met often enough for the comparison to mean something.
    assert!(tables >= 100, "{tables} tables");
    assert!(invalid >= 50, "{invalid} rule errors");
    assert!(parse >= 50, "{parse} cell errors");
}
