//! `runvar report`: rebuild a study's report from its stored runs.

use std::io::Write;

use anyhow::Context;
use runvar_core::study::{self, StudySpec};

use crate::args::ReportArgs;
use crate::Outcome;

/// Run `runvar report`.
pub fn run(a: ReportArgs) -> anyhow::Result<Outcome> {
    let study = StudySpec::load(&a.dir)?.with_context(|| {
        format!(
            "{}: no study.json; is this a study directory made by runvar study?",
            a.dir.display()
        )
    })?;
    let report = study::build_report(&a.dir, &study)?;
    study::write_report(&a.dir, &report)?;
    let mut stdout = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut stdout, &report)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", runvar_core::report::render_table(&report))?;
        writeln!(stdout, "\nreport: {}", a.dir.join("report.html").display())?;
    }
    Ok(Outcome::Done)
}
