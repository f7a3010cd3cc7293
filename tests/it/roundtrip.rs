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
