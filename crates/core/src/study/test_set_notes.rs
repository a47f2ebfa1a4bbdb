//! The notes on how much of the accuracy SD the test set alone gives: the runs' accuracy SD
//! against the binomial SD (Jordan, "On the variance of neural network training with respect
//! to test sets and distributions", 2023, found the two close).

use crate::report::ConditionReport;

/// The binomial SD of the `all` condition (else the last condition varying a source) beside
/// its accuracy SD, with the shares of always-right, always-wrong and flipping examples; and
/// the range of `acc SD / binomial SD` over the varied conditions.
///
/// The two are "not told apart" when they differ by at most twice the accuracy SD's bootstrap
/// error (`acc_sd_err`): with a few dozen runs the accuracy SD itself is uncertain by that
/// much, so a smaller difference is no evidence of correlated (or anti-correlated) errors.
pub(super) fn test_set_notes(rows: &[ConditionReport]) -> Vec<String> {
    let mut notes = Vec::new();
    let main = rows.iter().find(|r| r.name == "all").or_else(|| {
        rows.iter()
            .rev()
            .find(|r| !r.sources.is_empty() && r.test_set.is_some())
    });
    if let Some((r, t)) = main.and_then(|r| Some((r, r.test_set?))) {
        let verdict = match t.acc_sd_over_binomial {
            None => "no test example flips between its runs, so the binomial SD is 0".to_string(),
            Some(ratio) if (r.acc_sd - t.binomial_sd).abs() <= 2.0 * r.acc_sd_err => format!(
                "these runs cannot tell them apart (ratio {ratio:.2}; the difference is within \
                 twice the SD's bootstrap error of {:.3} pp), as Jordan (2023) found the \
                 run-to-run spread close to this binomial figure",
                r.acc_sd_err
            ),
            Some(ratio) if ratio > 1.0 => format!(
                "{ratio:.2}x it, beyond twice the SD's bootstrap error of {:.3} pp: more spread \
                 than Jordan (2023) found; runs are better or worse on many test examples \
                 together (errors correlated across examples)",
                r.acc_sd_err
            ),
            Some(ratio) => format!(
                "{ratio:.2}x it, beyond twice the SD's bootstrap error of {:.3} pp: less spread \
                 than independent coin flips give; errors trade off between test examples",
                r.acc_sd_err
            ),
        };
        notes.push(format!(
            "test set: {}'s accuracy SD ({:.3} pp) against the binomial SD ({:.3} pp, the SD if \
             each test example were an independent coin with its own error rate over the runs): \
             {verdict}; {:.1}% of test examples flip between runs, {:.1}% are always right, \
             {:.1}% always wrong",
            r.name, r.acc_sd, t.binomial_sd, t.flipping, t.always_right, t.always_wrong
        ));
    }
    let ratios: Vec<f64> = rows
        .iter()
        .filter(|r| !r.sources.is_empty())
        .filter_map(|r| r.test_set?.acc_sd_over_binomial)
        .collect();
    if ratios.len() >= 2 {
        let (lo, hi) = ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        notes.push(format!(
            "accuracy SD over binomial SD ranges from {lo:.2} to {hi:.2} across the {} varied \
             conditions",
            ratios.len()
        ));
    }
    notes
}
