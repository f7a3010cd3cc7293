//! Text escaped for HTML and XML: the one escape of the report pages, the reconciliation page
//! and the CIM files the generator writes.

use std::borrow::Cow;

/// `s` escaped for HTML and XML content and quoted attribute values (`&`, `<`, `>`, `"` and
/// `'` as entities); borrowed when there is nothing to escape.
///
/// ```
/// use gridserve_core::markup::escape;
/// assert_eq!(escape("A&B <\"x\"> 'y'"), "A&amp;B &lt;&quot;x&quot;&gt; &#39;y&#39;");
/// assert!(matches!(escape("城关镇"), std::borrow::Cow::Borrowed(_)));
/// ```
#[must_use]
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}
