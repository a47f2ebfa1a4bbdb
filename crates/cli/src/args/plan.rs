//! `runvar plan`: how many runs a comparison needs, before training them.

use clap::Args;

/// `runvar plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The run-to-run SD of test accuracy, in percentage points (e.g. 0.25): the spread of
    /// one recipe's runs.
    #[arg(
        long,
        value_name = "PP",
        allow_negative_numbers = true,
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub sd: Option<f64>,
    /// Read the SD from a study: DIR (its `all` condition, or its only one) or DIR:CONDITION.
    /// Uses the sample SD of the condition's runs, and its pairwise/<condition>/
    /// disagreement.npy (written by runvar study and runvar report) for the disagreement
    /// column.
    #[arg(long, value_name = "DIR[:CONDITION]")]
    pub from: Option<String>,
    /// The difference in mean test accuracy worth detecting, in percentage points (e.g. 0.3;
    /// the sign is ignored: the test is two-sided).
    #[arg(long, value_name = "PP", allow_negative_numbers = true)]
    pub effect: f64,
    /// Level of the two-sided two-sample t test.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    pub alpha: f64,
    /// Probability of detecting a difference of --effect.
    #[arg(long, default_value_t = 0.8, allow_negative_numbers = true)]
    pub power: f64,
    /// Print the plan as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
