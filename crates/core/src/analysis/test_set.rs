//! A condition's per-example numbers, in the report's units: the runs' vote, the test set's
//! share of the accuracy SD ([`TestSetSpread`]) and the disagreement per true class.

use crate::metrics::{binomial_spread, class_disagreement, Logits, MetricsError, Votes};
use crate::report::TestSetSpread;

/// What [`per_example`] gives: the vote, the test set's spread, the per-class disagreement
/// (percent, by class).
pub(super) type PerExample = (Votes, TestSetSpread, Vec<Option<f64>>);

/// The vote of `runs` on each example, the binomial SD beside `acc_sd` (percentage points),
/// the shares of always-right, always-wrong and flipping examples, and the disagreement per
/// class, all in percent.
pub(super) fn per_example(
    runs: &[Logits<'_>],
    labels: &[i64],
    acc_sd: f64,
) -> Result<PerExample, MetricsError> {
    let votes = Votes::of(runs)?;
    let s = binomial_spread(&votes, labels)?;
    let per_class = class_disagreement(&votes, labels)?
        .into_iter()
        .map(|d| d.map(|d| 100.0 * d))
        .collect();
    let binomial_sd = 100.0 * s.sd;
    // 100 k / n from the count, so 37 of 1,000 reads 3.7, not 3.6999999999999997.
    let percent = |k: usize| 100.0 * k as f64 / s.examples as f64;
    let spread = TestSetSpread {
        binomial_sd,
        acc_sd_over_binomial: (binomial_sd > 0.0).then(|| acc_sd / binomial_sd),
        always_right: percent(s.always_right),
        always_wrong: percent(s.always_wrong),
        flipping: percent(s.flipping),
    };
    Ok((votes, spread, per_class))
}
