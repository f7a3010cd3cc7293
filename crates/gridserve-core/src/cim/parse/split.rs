//! The read of a large file in two parts on two threads: where to split, and how the tail's
//! parse is appended to the head's so that the result equals one pass over the whole file.

use std::path::Path;

use hashbrown::DefaultHashBuilder;

use super::*;

/// Which part of a document a parse reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::cim) enum Part {
    /// The whole document.
    Whole,
    /// The document from its start to a point between two top-level objects: it must end
    /// there, inside `rdf:RDF` and outside any object.
    Head,
    /// The rest: the root's start tag (without line breaks) followed by the document from
    /// that point; lines are counted from the point.
    Tail,
}

/// What a parse of a part leaves: the id table still as a map, the records and the line
/// breaks read.
pub(super) struct Parsed {
    pub(super) ids: IdTable,
    pub(super) raw: Raw,
    pub(super) lines: u64,
}

impl Parsed {
    /// The records with the id of each symbol in [`Raw::ids`].
    pub(super) fn finish(self) -> Raw {
        let Parsed { ids, mut raw, .. } = self;
        raw.ids = ids.ids;
        raw
    }

    /// Appends the parse of the [`Part::Tail`] that follows this [`Part::Head`], numbering
    /// symbols and classes as one parse of the whole document would (in order of first
    /// appearance) and moving the tail's lines after the head's, and gives the records. `None`
    /// when an id is defined in both parts: the caller parses the whole document again for the
    /// exact error. Both parts must have hashed their ids with the same hasher.
    pub(super) fn append(self, tail: Parsed) -> Option<Raw> {
        let Parsed {
            ids: tail_ids,
            raw: t,
            ..
        } = tail;
        let Parsed {
            ids: head_ids,
            raw: mut head,
            lines: shift,
        } = self;
        // Which of the tail's ids the head has, looked up on two threads (the head's table
        // is only read); the others are numbered after the head's in the tail's order, as
        // one pass would have met them. No id is filed again: the table is not needed after.
        let n = tail_ids.ids.len();
        let look = |range: std::ops::Range<usize>| -> Vec<u32> {
            range
                .map(|i| {
                    let id = tail_ids.ids.get(u32::try_from(i).unwrap_or(NONE));
                    head_ids.find(id, tail_ids.hashes[i]).unwrap_or(NONE)
                })
                .collect()
        };
        let found = std::thread::scope(|s| {
            let first = s.spawn(|| look(0..n / 2));
            let mut second = look(n / 2..n);
            let mut found = first
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            found.append(&mut second);
            found
        });
        let mut ids = head_ids.ids;
        let mut syms = Vec::with_capacity(n);
        for (i, at) in found.into_iter().enumerate() {
            if at == NONE {
                let sym = u32::try_from(ids.len()).unwrap_or(NONE);
                ids.push(tail_ids.ids.get(u32::try_from(i).unwrap_or(NONE)));
                head.defs.push(None);
                syms.push(sym);
            } else {
                syms.push(at);
            }
        }
        head.ids = ids;
        let sym = |s: u32| if s == NONE { NONE } else { syms[s as usize] };
        let classes: Vec<u16> = t
            .class_names
            .iter()
            .map(
                |name| match head.class_names.iter().position(|c| c == name) {
                    Some(i) => u16::try_from(i).unwrap_or(u16::MAX),
                    None => {
                        head.class_names.push(name.clone());
                        u16::try_from(head.class_names.len() - 1).unwrap_or(u16::MAX)
                    }
                },
            )
            .collect();
        let r = &mut head;
        let texts = r.texts.len();
        r.texts.push_str(&t.texts);
        let offsets = [
            r.nodes.len(),
            r.terminals.len(),
            r.devices.len(),
            r.ends.len(),
            r.containers.len(),
        ];
        for (i, def) in t.defs.iter().enumerate() {
            let Some(def) = def else { continue };
            let at = syms[i] as usize;
            if r.defs[at].is_some() {
                return None;
            }
            let offset = match def.kind {
                Kind::Node => offsets[0],
                Kind::Terminal => offsets[1],
                Kind::Device(_) => offsets[2],
                Kind::End => offsets[3],
                Kind::Container(_) => offsets[4],
                Kind::Other => 0,
            };
            r.defs[at] = Some(Def {
                class: classes[def.class as usize],
                kind: def.kind,
                index: u32::try_from(def.index as usize + offset).unwrap_or(NONE),
                line: def.line + shift,
            });
        }
        r.nodes.extend(t.nodes.into_iter().map(|n| NodeRec {
            sym: sym(n.sym),
            line: n.line + shift,
            container: sym(n.container),
            names: n.names.shifted(texts),
        }));
        r.terminals.extend(t.terminals.into_iter().map(|x| TermRec {
            sym: sym(x.sym),
            line: x.line + shift,
            equipment: sym(x.equipment),
            node: sym(x.node),
            ..x
        }));
        r.devices.extend(t.devices.into_iter().map(|d| DevRec {
            sym: sym(d.sym),
            line: d.line + shift,
            class_name: classes[d.class_name as usize],
            container: sym(d.container),
            names: d.names.shifted(texts),
            ..d
        }));
        r.ends.extend(t.ends.into_iter().map(|e| EndRec {
            sym: sym(e.sym),
            line: e.line + shift,
            transformer: sym(e.transformer),
            terminal: sym(e.terminal),
            ..e
        }));
        r.containers
            .extend(t.containers.into_iter().map(|c| ContRec {
                parent: sym(c.parent),
                names: c.names.shifted(texts),
            }));
        Some(head)
    }
}

/// Files smaller than this are read in one pass: splitting them saves less than it costs.
pub(in crate::cim) const SPLIT_MIN_BYTES: u64 = 16 << 20;

/// How far past the middle of a file the split point is looked for.
const SPLIT_WINDOW: usize = 4 << 20;

/// Reads a file, in two parts on two threads when it is large and line-structured, else in
/// one pass. The result is the same either way; any problem in a part (a malformed document,
/// an id defined in both parts, a split point that was not between objects) makes the file
/// be read again in one pass, which gives the error a one-pass read gives.
pub(in crate::cim) fn parse_file(
    path: &Path,
    file: &str,
    ids_hint: usize,
) -> Result<Raw, CimError> {
    let len = std::fs::metadata(path).map_or(0, |m| m.len());
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if len >= SPLIT_MIN_BYTES
        && threads > 1
        && let Some(raw) = parse_split(path, file, ids_hint, len / 2)
    {
        return Ok(raw);
    }
    let f = std::fs::File::open(path).map_err(|e| CimError::Io {
        path: file.into(),
        message: e.to_string().into(),
    })?;
    parse(
        std::io::BufReader::with_capacity(1 << 16, f),
        file,
        ids_hint,
    )
}

/// The two-part read, splitting at the first top-level object line at or after byte `from`;
/// `None` when the file cannot be split there or a part fails.
pub(in crate::cim) fn parse_split(
    path: &Path,
    file: &str,
    ids_hint: usize,
    from: u64,
) -> Option<Raw> {
    use std::io::{Read, Seek, SeekFrom};
    let (root, indent) = root_and_indent(path)?;
    let at = split_point(path, from, &indent)?;
    if at <= root.len() as u64 {
        return None;
    }
    let head_file = std::fs::File::open(path).ok()?;
    let mut tail_file = std::fs::File::open(path).ok()?;
    tail_file.seek(SeekFrom::Start(at)).ok()?;
    let hasher = DefaultHashBuilder::default();
    let (head, tail) = std::thread::scope(|s| {
        let tail = s.spawn(|| {
            let reader = std::io::Cursor::new(root).chain(tail_file);
            parse_part(
                std::io::BufReader::with_capacity(1 << 16, reader),
                file,
                ids_hint / 2,
                Part::Tail,
                hasher.clone(),
            )
        });
        let head = parse_part(
            std::io::BufReader::with_capacity(1 << 16, head_file.take(at)),
            file,
            ids_hint / 2,
            Part::Head,
            hasher.clone(),
        );
        (head, tail.join())
    });
    let (Ok(head), Ok(Ok(tail))) = (head, tail) else {
        return None;
    };
    head.append(tail)
}

/// The root's start tag (line breaks made spaces, which attribute-value normalisation does
/// anyway) and the indentation of the first top-level object's line, from the file's first
/// MiB. `None` for a document the split cannot serve: no line-structured objects there, a
/// DOCTYPE, an encoding other than UTF-8, an empty root.
fn root_and_indent(path: &Path) -> Option<(Vec<u8>, Vec<u8>)> {
    use std::io::Read;
    let mut head = Vec::with_capacity(1 << 20);
    std::fs::File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut head)
        .ok()?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    let mut reader = quick_xml::Reader::from_reader(&head[..]);
    reader.config_mut().trim_text(false);
    let mut root = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).ok()?;
        let event = reader.read_event().ok()?;
        let after = usize::try_from(reader.buffer_position()).ok()?;
        match event {
            Event::Decl(d) => {
                if let Some(enc) = d.encoding() {
                    let enc = enc.ok()?;
                    if !enc.eq_ignore_ascii_case("utf-8") {
                        return None;
                    }
                }
            }
            Event::DocType(_) | Event::Eof => return None,
            Event::Start(_) if root.is_none() => {
                let tag: Vec<u8> = head[before..after]
                    .iter()
                    .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
                    .collect();
                root = Some(tag);
            }
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                let line_start = head[..before].iter().rposition(|&b| b == b'\n')? + 1;
                let indent = head[line_start..before].to_vec();
                if !indent.iter().all(|&b| b == b' ' || b == b'\t') {
                    return None;
                }
                return Some((root?, indent));
            }
            Event::Empty(_) | Event::End(_) => return None,
            _ => {}
        }
    }
}

/// The offset just after the line break that starts the first line at or after `from` made of
/// `indent` and the start of an element (not an end tag, comment or declaration).
fn split_point(path: &Path, from: u64, indent: &[u8]) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut window = Vec::with_capacity(SPLIT_WINDOW);
    f.take(SPLIT_WINDOW as u64).read_to_end(&mut window).ok()?;
    let n = indent.len();
    window
        .windows(n + 3)
        .position(|w| {
            w[0] == b'\n'
                && &w[1..=n] == indent
                && w[n + 1] == b'<'
                && !matches!(w[n + 2], b'/' | b'!' | b'?')
        })
        .map(|p| from + p as u64 + 1)
}
