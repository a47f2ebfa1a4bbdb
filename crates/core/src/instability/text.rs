//! The instability report for the terminal and as `instability.md`: the runs table aligned
//! with the kit's columns (run and kind left, numbers right), the findings and the notes.

use super::findings::{findings, row_cells, HEADERS, HOW_TO_READ};
use super::InstabilityReport;
use crate::render::text::{escape_md, markdown_notes, widths, wrap, Columns};

/// Width at which the terminal output wraps.
const WRAP: usize = 100;

/// The terminal report: title, task, one aligned row per run (final distances to the base
/// run), the findings (growth rate and window, r², doubling steps; saturation step and epoch;
/// twin vs independent level; condition-number bound and its basis), then the notes, wrapped
/// at 100 columns. Plain text, no ANSI; missing values print as `-`.
pub fn render_instability_table(r: &InstabilityReport) -> String {
    let mut rows = vec![HEADERS.map(String::from).to_vec()];
    rows.extend(r.curves.iter().map(|c| row_cells(c).to_vec()));
    let columns = Columns::terminal(2);
    let w = widths(&rows, HEADERS.len(), 3);
    rows.insert(1, columns.rule(&w));

    let mut out = format!("{}\n", r.title);
    if !r.task.is_empty() {
        out.push_str(&format!("{}\n", r.task));
    }
    out.push('\n');
    for line in columns.lines(&rows, &w) {
        out.push_str(&format!("{line}\n"));
    }
    if r.curves.is_empty() {
        out.push_str("(no runs)\n");
    }
    out.push('\n');
    let key_w = findings(r).iter().map(|f| f.0.len()).max().unwrap_or(0) + 2;
    let indent = " ".repeat(key_w);
    for (key, text) in findings(r) {
        let first = format!("{key:key_w$}");
        for line in wrap(&text, WRAP, &first, &indent) {
            out.push_str(&format!("{line}\n"));
        }
    }
    if !r.notes.is_empty() {
        out.push_str("\nnotes\n");
        for note in &r.notes {
            for line in wrap(note, WRAP, "- ", "  ") {
                out.push_str(&format!("{line}\n"));
            }
        }
    }
    out
}

/// `instability.md`: title, task, a pipe table of the runs, the findings, the notes, and
/// "How to read this".
pub fn render_instability_markdown(r: &InstabilityReport) -> String {
    let mut rows = vec![HEADERS.map(String::from).to_vec()];
    rows.extend(r.curves.iter().map(|c| {
        let mut cells = row_cells(c).to_vec();
        cells[0] = escape_md(&cells[0]);
        cells
    }));
    let columns = Columns::markdown(2);
    let w = widths(&rows, HEADERS.len(), 3);
    rows.insert(1, columns.rule(&w));

    let mut out = format!("# {}\n\n", escape_md(&r.title));
    if !r.task.is_empty() {
        out.push_str(&format!("{}\n\n", escape_md(&r.task)));
    }
    if r.curves.is_empty() {
        out.push_str("No runs were followed.\n");
    } else {
        for line in columns.lines(&rows, &w) {
            out.push_str(&format!("{line}\n"));
        }
    }
    out.push_str("\n## Findings\n\n");
    for (key, text) in findings(r) {
        out.push_str(&format!("- **{key}**: {}\n", escape_md(&text)));
    }
    out.push_str(&markdown_notes(&r.notes));
    out.push_str(&format!("\n## How to read this\n\n{HOW_TO_READ}\n"));
    out
}
