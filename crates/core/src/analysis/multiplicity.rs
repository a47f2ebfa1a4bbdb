//! Many conditions compared with `all` at once: Holm's adjustment of the ratios' p-values.
//!
//! A study compares each varied condition's accuracy SD and disagreement with the `all`
//! condition's. With eight conditions, a 95% interval excludes 1 by chance alone in about one
//! study in three (`1 - 0.95^8`), so the notes flag a ratio only when its p-value, adjusted
//! for the number of conditions compared, is below `alpha` (0.05 at the report's 95% level).
//!
//! Why Holm on bootstrap p-values, not simultaneous (Bonferroni) intervals:
//! - the p-values come from the resamples the intervals already use
//!   ([`crate::stats::ratio_test`]), so every interval in the table stays as it was, and the
//!   table keeps its plain 95% intervals next to an honest flag;
//! - Holm's step-down procedure keeps the family-wise error rate at `alpha` under any
//!   dependence between the tests (they share the `all` runs as denominator, so they are
//!   dependent), and flags everything Bonferroni flags and sometimes more;
//! - Bonferroni intervals at level `1 - alpha / m` would need the `alpha / (2m)` tails of
//!   10,000 resamples (31 resamples for `m = 8`), noisier than a p-value, and would change
//!   every number in the column.
//!
//! The two ratios are two families (two questions: does a source change the accuracy SD;
//! does it change how much runs disagree), each adjusted over its own conditions: every
//! condition with a p-value except the reference itself and the control (no sources: its
//! SD is 0 by construction, not a finding).

use crate::report::{ConditionReport, MultipleComparisons};
use crate::stats::holm;

/// The definition of the raw p-values, as `report.json` states it.
pub const P_VALUE_DEFINITION: &str = "two-sided bootstrap p-value of ratio = 1: twice the \
     smaller of the shares of resampled ratios at or below 1 and at or above 1 (at most 1), \
     from the same resamples as the ratio's interval";

/// Holm-adjusts each family of p-values (`acc_sd_ratio_p`, `disagreement_ratio_p`) over the
/// conditions compared with `reference` (module docs), writing `*_p_holm` of those rows.
/// `None`, and nothing written, when no condition is compared.
pub fn adjust_ratio_p_values(
    rows: &mut [ConditionReport],
    reference: &str,
    alpha: f64,
) -> Option<MultipleComparisons> {
    type Family = (
        fn(&ConditionReport) -> Option<f64>,
        fn(&mut ConditionReport, f64),
    );
    let families: [Family; 2] = [
        (|r| r.acc_sd_ratio_p, |r, p| r.acc_sd_ratio_p_holm = Some(p)),
        (
            |r| r.disagreement_ratio_p,
            |r, p| r.disagreement_ratio_p_holm = Some(p),
        ),
    ];
    let mut sizes = [0; 2];
    for ((raw, set), size) in families.into_iter().zip(&mut sizes) {
        let members: Vec<(usize, f64)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.name != reference && !r.sources.is_empty())
            .filter_map(|(i, r)| Some((i, raw(r)?)))
            .collect();
        let p: Vec<f64> = members.iter().map(|&(_, p)| p).collect();
        // Bootstrap p-values are shares in [0, 1]: `holm` cannot refuse them.
        let Ok(adjusted) = holm(&p) else { continue };
        for (&(i, _), q) in members.iter().zip(adjusted) {
            set(&mut rows[i], q);
        }
        *size = members.len();
    }
    (sizes != [0, 0]).then(|| MultipleComparisons {
        method: "holm".into(),
        p_value: P_VALUE_DEFINITION.into(),
        alpha,
        acc_sd_ratio_comparisons: sizes[0],
        disagreement_ratio_comparisons: sizes[1],
    })
}
