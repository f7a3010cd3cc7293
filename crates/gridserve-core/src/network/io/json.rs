//! The JSON form: [`NetworkData`] as serde writes it, refusing numbers JSON cannot hold.
//! See `docs/formats/network.md` for the specification.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use crate::network::error::{NetworkError, Problem, ProblemKind, Problems, RecordKind};
use crate::network::records::NetworkData;

/// The name given to a JSON stream in errors.
const JSON_STREAM: &str = "<json>";

/// Reads a network in the JSON form. The reader is buffered here.
///
/// # Errors
///
/// [`NetworkError::Parse`] with file `<json>` if the input is malformed, [`NetworkError::Io`] if
/// the reader fails.
pub fn read_json(reader: impl Read) -> Result<NetworkData, NetworkError> {
    json_from(reader, JSON_STREAM)
}

/// Writes a network in the JSON form, followed by a line break; `pretty` indents it. The writer
/// is buffered here and flushed at the end.
///
/// # Errors
///
/// [`NetworkError::Invalid`] listing every NaN or infinite number, which JSON cannot hold
/// (nothing is written then), and [`NetworkError::Io`] if the writer fails.
pub fn write_json(
    data: &NetworkData,
    writer: impl Write,
    pretty: bool,
) -> Result<(), NetworkError> {
    ensure_finite(data)?;
    json_to(data, writer, pretty, JSON_STREAM)
}

/// Reads a network from a JSON file.
///
/// # Errors
///
/// [`NetworkError::Io`] if the file cannot be read, [`NetworkError::Parse`] naming the path if
/// it is malformed.
pub fn read_json_file(path: impl AsRef<Path>) -> Result<NetworkData, NetworkError> {
    let path = path.as_ref();
    let label = path.display().to_string();
    match File::open(path) {
        Ok(file) => json_from(file, &label),
        Err(source) => Err(NetworkError::Io {
            path: label,
            source,
        }),
    }
}

/// Writes a network to a JSON file (see [`write_json`]), replacing the file if it exists.
///
/// # Errors
///
/// [`NetworkError::Invalid`] listing every NaN or infinite number (the file is then left
/// untouched), [`NetworkError::Io`] if the file cannot be written.
pub fn write_json_file(
    data: &NetworkData,
    path: impl AsRef<Path>,
    pretty: bool,
) -> Result<(), NetworkError> {
    ensure_finite(data)?;
    let path = path.as_ref();
    let label = path.display().to_string();
    match File::create(path) {
        Ok(file) => json_to(data, file, pretty, &label),
        Err(source) => Err(NetworkError::Io {
            path: label,
            source,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Reads the JSON form from `reader`; `file` names it in errors.
fn json_from(reader: impl Read, file: &str) -> Result<NetworkData, NetworkError> {
    serde_json::from_reader(BufReader::new(reader)).map_err(|err| {
        if err.is_io() {
            return NetworkError::Io {
                path: file.to_owned(),
                source: err.into(),
            };
        }
        let (line, column) = (err.line(), err.column());
        let text = err.to_string();
        let message = text
            .strip_suffix(&format!(" at line {line} column {column}"))
            .unwrap_or(&text);
        NetworkError::Parse {
            file: file.to_owned(),
            line: line as u64,
            field: None,
            message: format!("column {column}: {message}"),
        }
    })
}

/// Writes the JSON form and a line break to `writer`; `file` names it in errors.
fn json_to(
    data: &NetworkData,
    writer: impl Write,
    pretty: bool,
    file: &str,
) -> Result<(), NetworkError> {
    let mut out = BufWriter::new(writer);
    let written = if pretty {
        serde_json::to_writer_pretty(&mut out, data)
    } else {
        serde_json::to_writer(&mut out, data)
    };
    written
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|source| NetworkError::Io {
            path: file.to_owned(),
            source,
        })
}

/// Refuses records holding a NaN or infinite number, which JSON cannot hold, listing each.
fn ensure_finite(data: &NetworkData) -> Result<(), NetworkError> {
    let mut problems = Vec::new();
    let mut check = |record, id: &str, index, field, value: f64| {
        if !value.is_finite() {
            problems.push(Problem {
                record,
                id: id.to_owned(),
                index,
                field,
                value: value.to_string(),
                kind: ProblemKind::NotFinite,
            });
        }
    };
    for (index, segment) in data.segments.iter().enumerate() {
        let id = &segment.asset;
        check(RecordKind::Segment, id, index, "length_m", segment.length_m);
        if let Some(rated) = segment.rated_current_a {
            check(RecordKind::Segment, id, index, "rated_current_a", rated);
        }
    }
    for (index, transformer) in data.transformers.iter().enumerate() {
        let (id, kva) = (&transformer.asset, transformer.rated_kva);
        check(RecordKind::Transformer, id, index, "rated_kva", kva);
    }
    for (index, source) in data.sources.iter().enumerate() {
        let (id, kva) = (&source.asset, source.capacity_kva);
        check(RecordKind::Source, id, index, "capacity_kva", kva);
    }
    for (index, customer) in data.customers.iter().enumerate() {
        let id = &customer.number;
        let kva = customer.contracted_kva;
        check(RecordKind::Customer, id, index, "contracted_kva", kva);
        check(RecordKind::Customer, id, index, "load_kw", customer.load_kw);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(NetworkError::Invalid {
            problems: Problems(problems),
        })
    }
}
