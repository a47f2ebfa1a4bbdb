//! `runvar report`: a study's report rebuilt from its stored runs.

use std::path::PathBuf;

use clap::Args;

/// `runvar report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The study directory.
    #[arg(value_name = "STUDY_DIR")]
    pub dir: PathBuf,
    /// Print report.json to stdout instead of the table.
    #[arg(long)]
    pub json: bool,
}
