//! The reconciliation as one self-contained HTML page (no script, font or image fetched): the
//! counts by kind, then the findings grouped by kind, personal data masked as the reader's
//! role allows.

use std::fmt::Write as _;

use super::finding::{Finding, FindingKind, Severity, counts};
use crate::access::Masking;
use crate::markup::escape as esc;

const STYLE: &str = "*{box-sizing:border-box}body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:24px auto;padding:0 16px;color:#222;max-width:960px}\
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eee;padding:6px;text-align:left;vertical-align:top}\
td.num,th.num{text-align:right}.error{color:#b00020}.warning{color:#8a5a00}.info{color:#555}.meta{color:#666;font-size:13px}";

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// The findings as one HTML page: a table of counts by kind, then one section per kind
/// listing source, table, record, line, field, value and suggestion. Phones, names, openids
/// and addresses of contacts and customers are masked unless `masking` is
/// [`Masking::Clear`]. At most `limit_per_kind` findings of a kind are listed (the count
/// says how many there are).
#[must_use]
pub fn render_html(findings: &[Finding], masking: Masking, limit_per_kind: usize) -> String {
    let mut out = String::new();
    let by_kind = counts(findings);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>数据核查 · reconciliation</title><style>{STYLE}</style></head><body><h1>数据核查 · Reconciliation</h1><p class=\"meta\">{} findings of {} kinds</p>",
        findings.len(),
        by_kind.len()
    );
    out.push_str(
        "<h2>Counts</h2><table><tr><th>kind</th><th>severity</th><th class=\"num\">count</th></tr>",
    );
    for (kind, n) in &by_kind {
        let sev = severity_name(kind.severity());
        let _ = write!(
            out,
            "<tr><td><a href=\"#{k}\">{k}</a></td><td class=\"{sev}\">{sev}</td><td class=\"num\">{n}</td></tr>",
            k = kind.name()
        );
    }
    out.push_str("</table>");
    for kind in by_kind.keys() {
        let name = kind.name();
        let _ = write!(
            out,
            "<h2 id=\"{name}\">{name}</h2><table><tr><th>source</th><th>table</th><th>record</th><th class=\"num\">line</th><th>field</th><th>value</th><th>suggestion</th></tr>"
        );
        for f in findings
            .iter()
            .filter(|f| f.kind == *kind)
            .take(limit_per_kind)
        {
            let f = f.masked(masking);
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                f.source.name(),
                esc(&f.table),
                esc(&f.record),
                f.row.map(|r| r.to_string()).unwrap_or_default(),
                esc(f.field.as_deref().unwrap_or("")),
                esc(f.value.as_deref().unwrap_or("")),
                esc(&f.suggestion)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</body></html>");
    let _ = FindingKind::ALL;
    out
}
