//! What goes to stdout: results only, as a table or JSON.

use std::io::Write;
use std::path::Path;

use runvar_core::report::{render_mitigation_table, render_table, StudyReport};
use runvar_core::store::versioned;

/// Print a study's report: `report.json`'s content with `json`, else the table and where the
/// HTML report is.
pub fn print_report(report: &StudyReport, dir: &Path, json: bool) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, &versioned(report))?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", render_table(report))?;
        write!(stdout, "{}", render_mitigation_table(report))?;
        writeln!(
            stdout,
            "\nreport: {}",
            dir.join(runvar_core::store::report::HTML).display()
        )?;
    }
    Ok(())
}
