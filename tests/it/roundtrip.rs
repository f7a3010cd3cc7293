//! Import/export round trips of whole synthetic networks through the CSV folder layout and
//! JSON, checked against the records themselves and against the built model.

use std::path::PathBuf;

use gridserve::network::{Network, io};
use gridserve::synth::{SynthConfig, generate};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gridserve-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_demo_county_round_trips_through_csv_and_json() {
    let mut config = SynthConfig::county(7);
    config.tie_fraction = 1.0;
    config.closed_tie_fraction = 0.3;
    let data = generate(&config);
    let dir = scratch_dir("county");
    io::write_csv_dir(&data, &dir).unwrap();
    let back = io::read_csv_dir(&dir).unwrap();
    assert_eq!(back, data);
    let json = dir.join("network.json");
    io::write_json_file(&data, &json, false).unwrap();
    assert_eq!(io::read_json_file(&json).unwrap(), data);
    // The model gives the records back unchanged.
    let net = Network::from_data(&back).unwrap();
    assert_eq!(net.to_data(), data);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_folder_names_file_line_and_column() {
    let data = generate(&SynthConfig::with_points(300, 3));
    let dir = scratch_dir("malformed");
    io::write_csv_dir(&data, &dir).unwrap();
    let path = dir.join(io::SEGMENTS_CSV);
    let text = std::fs::read_to_string(&path).unwrap();
    // Break the length of the fourth segment (line 5: the header is line 1).
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|&h| h == "length_m").unwrap();
    let mut cells: Vec<String> = lines[4].split(',').map(str::to_owned).collect();
    cells[col] = "12;5".to_owned(); // a decimal comma typed as a semicolon
    lines[4] = cells.join(",");
    std::fs::write(&path, lines.join("\n")).unwrap();
    match io::read_csv_dir(&dir) {
        Err(gridserve::network::NetworkError::Parse {
            file, line, field, ..
        }) => {
            assert!(file.ends_with("segments.csv"), "{file}");
            assert_eq!(line, 5);
            assert_eq!(field.as_deref(), Some("length_m"));
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The column reader (`build_arrow`, the path of DataFrames and Arrow tables) builds the
/// network the records build, for synthetic networks of several seeds and sizes, with the
/// text columns in each Arrow layout a DataFrame library gives (utf8, large_utf8, utf8_view,
/// dictionary) and the rows split into several batches.
#[cfg(feature = "arrow")]
#[test]
fn synthetic_networks_build_the_same_from_arrow_columns_and_from_records() {
    use arrow_schema::DataType;
    use gridserve::network::ValidationOptions;
    use gridserve::network::io::ArrowTables;

    fn recast(tables: &ArrowTables, to: &DataType, rows: usize) -> ArrowTables {
        tables.recast_text(to, rows).unwrap()
    }

    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let cases = [
        (1, 2_000, DataType::Utf8, usize::MAX),
        (2, 5_000, DataType::LargeUtf8, 777),
        (3, 20_000, DataType::Utf8View, 4_096),
        (4, 8_000, dict, 1_000),
        (5, 60_000, DataType::Utf8, 65_536),
    ];
    for (seed, points, to, rows) in cases {
        let data = generate(&SynthConfig::with_points(points, seed));
        let tables = recast(&io::write_arrow(&data), &to, rows);
        let from_records = Network::from_data(&data).unwrap();
        let from_columns =
            io::build_arrow(tables, str::to_owned, ValidationOptions::default()).unwrap();
        assert_eq!(
            from_columns.to_data(),
            data,
            "seed {seed}, {points} points, {to}"
        );
        assert_eq!(from_columns.to_data(), from_records.to_data());
        assert_eq!(from_columns.memory_bytes(), from_records.memory_bytes());
    }

    // A large network with problems in both halves of the customers and among the lines:
    // the same problems, in the same order.
    let mut data = generate(&SynthConfig::with_points(60_000, 6));
    let n = data.customers.len();
    assert!(n >= 50_000, "{n} customers: too few to be split");
    data.customers[3].point = "NOWHERE".to_owned();
    data.customers[n - 2].point = "NOWHERE-2".to_owned();
    data.customers[n / 2].number = data.customers[0].number.clone();
    data.segments[5].to = data.segments[5].from.clone();
    let from_records = format!("{:?}", Network::from_data(&data).unwrap_err());
    let from_columns = format!(
        "{:?}",
        io::build_arrow(
            io::write_arrow(&data),
            str::to_owned,
            ValidationOptions::default()
        )
        .unwrap_err()
    );
    assert_eq!(from_columns, from_records);
    assert!(from_records.contains("NOWHERE-2"), "{from_records}");
}
