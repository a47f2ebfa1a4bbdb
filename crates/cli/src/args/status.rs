//! `runvar status`: where a study directory stands.

use std::path::PathBuf;

use clap::Args;

/// `runvar status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The study directory.
    #[arg(value_name = "STUDY_DIR")]
    pub dir: PathBuf,
    /// Print the status as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
