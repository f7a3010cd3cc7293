//! Shared pieces of the fuzz targets: splitting one input into several texts.

/// Splits `data` into at most `n` parts at the byte `0x1E` (ASCII record separator, which
/// gridserve's text formats never use), so one fuzz input can carry several files.
#[must_use]
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == 0x1E).collect()
}

/// The `i`-th part as UTF-8 text, if present and valid.
#[must_use]
pub fn text<'a>(parts: &[&'a [u8]], i: usize) -> Option<&'a str> {
    parts.get(i).and_then(|p| std::str::from_utf8(p).ok())
}
