//! `runvar report`: rebuild a study's report from its stored runs.

use anyhow::Context;
use runvar_core::store::StudyDir;
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
    crate::cmd::study::check_sizes(&study)
        .with_context(|| format!("{}", StudyDir::at(&a.dir).spec_path().display()))?;
    let survey = study::Survey::of(&study, &a.dir);
    let report = study::build_report(&a.dir, &study, &survey)?;
    study::write_report(&a.dir, &report)?;
    crate::output::print_report(&report, &a.dir, a.json)?;
    let rejected = study::not_counted(&survey);
    Ok(Outcome::naming(&rejected))
}
