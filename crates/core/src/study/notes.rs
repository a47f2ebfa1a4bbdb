//! The study report's notes: its findings in sentences.

use crate::report::{ConditionReport, MultipleComparisons};

use super::test_set_notes::test_set_notes;

/// A p-value for a sentence: three decimals, `< 0.001` below.
pub(super) fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("= {p:.3}")
    }
}

/// Findings in sentences: the control's bit-identity, sources whose spread differs from `all`
/// after adjusting for the number of conditions compared (`mc`), how much of `all` a bit flip
/// reproduces, how many flips changed no prediction, and how the accuracy SD compares with
/// the test set's binomial SD.
pub(super) fn notes(
    rows: &[ConditionReport],
    control_hashes: Option<(usize, usize)>,
    missing: &[String],
    level: f64,
    mc: Option<&MultipleComparisons>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some((distinct, n)) = control_hashes {
        notes.push(if distinct == 1 {
            format!("control: all {n} runs are bit-identical (one parameter hash): training is deterministic with every seed fixed")
        } else {
            format!("control: {n} runs gave {distinct} different parameter hashes: training is NOT deterministic here; every other row is suspect")
        });
    }
    let ci_name = format!("{:.0}% CI", 100.0 * level);
    let all = rows.iter().find(|r| r.name == "all");
    for r in rows {
        if r.name == "all" || r.name == "control" {
            continue;
        }
        // The bit flip's disagreement ratio has a sentence of its own below.
        let dis = (r.name != "bit_flip").then_some((
            "disagreement",
            r.disagreement_ratio_to_all,
            r.disagreement_ratio_ci,
            r.disagreement_ratio_p_holm,
            mc.map(|m| m.disagreement_ratio_comparisons),
        ));
        let sd = Some((
            "accuracy SD",
            r.acc_sd_ratio_to_all,
            r.acc_sd_ratio_ci,
            r.acc_sd_ratio_p_holm,
            mc.map(|m| m.acc_sd_ratio_comparisons),
        ));
        for (what, ratio, ci, adjusted, m) in sd.into_iter().chain(dis) {
            let (Some(ratio), Some(ci)) = (ratio, ci) else {
                continue;
            };
            let excludes = ci.hi < 1.0 || ci.lo > 1.0;
            let (Some(p), Some(m), Some(mc)) = (adjusted, m, mc) else {
                if excludes {
                    notes.push(format!(
                        "{}: {what} is {ratio:.2}x that of all sources ({ci_name} {:.2} to {:.2}, excluding 1)",
                        r.name, ci.lo, ci.hi
                    ));
                }
                continue;
            };
            if p < mc.alpha {
                notes.push(format!(
                    "{}: {what} is {ratio:.2}x that of all sources ({ci_name} {:.2} to {:.2}; Holm-adjusted p {} over {m} conditions compared)",
                    r.name, ci.lo, ci.hi, p_text(p)
                ));
            } else if excludes {
                notes.push(format!(
                    "{}: {what} ratio {ratio:.2} to all sources ({ci_name} {:.2} to {:.2}) excludes 1, but not after adjusting for the {m} conditions compared (Holm-adjusted p {}): not flagged, one such interval in {m} is expected by chance",
                    r.name, ci.lo, ci.hi, p_text(p)
                ));
            }
        }
    }
    if let Some(mc) = mc {
        let flagged = rows
            .iter()
            .flat_map(|r| [r.acc_sd_ratio_p_holm, r.disagreement_ratio_p_holm])
            .flatten()
            .filter(|&p| p < mc.alpha)
            .count();
        notes.push(format!(
            "multiple comparisons: {} conditions are compared with all on the accuracy SD ratio and {} on the disagreement ratio; a ratio is flagged only when its Holm-adjusted bootstrap p-value is below {} ({} flagged)",
            mc.acc_sd_ratio_comparisons,
            mc.disagreement_ratio_comparisons,
            mc.alpha.clamp(0.0, 1.0),
            match flagged {
                0 => "none".to_string(),
                k => k.to_string(),
            }
        ));
    }
    if let (Some(all), Some(flip)) = (all, rows.iter().find(|r| r.name == "bit_flip")) {
        if all.disagreement > 0.0 {
            let ci = flip
                .disagreement_ratio_ci
                .map(|ci| {
                    format!(
                        " ({ci_name} {:.0}% to {:.0}%)",
                        100.0 * ci.lo,
                        100.0 * ci.hi
                    )
                })
                .unwrap_or_default();
            // Flagged as any ratio is: only below alpha after Holm's adjustment.
            let holm = match (flip.disagreement_ratio_p_holm, mc) {
                (Some(p), Some(mc)) if p < mc.alpha => format!(
                    "; {} than all's, Holm-adjusted p {} over {} conditions compared",
                    if flip.disagreement < all.disagreement {
                        "less"
                    } else {
                        "more"
                    },
                    p_text(p),
                    mc.disagreement_ratio_comparisons
                ),
                _ => String::new(),
            };
            notes.push(format!(
                "bit_flip: a one-ULP change of one initial weight gives {:.0}%{ci} of the disagreement of all sources together ({:.2}% vs {:.2}%{holm})",
                100.0 * flip.disagreement / all.disagreement,
                flip.disagreement,
                all.disagreement
            ));
        }
    }
    for r in rows {
        if let Some(same) = r.same_predictions_as_control {
            notes.push(match same {
                0 => format!(
                    "{}: every one of its {} runs changes some test prediction of the control",
                    r.name, r.n
                ),
                _ => format!(
                    "{}: {same} of its {} runs predict every test example exactly as the control does: their flip changed no prediction",
                    r.name, r.n
                ),
            });
        }
    }
    let varied: Vec<&ConditionReport> = rows.iter().filter(|r| r.name != "control").collect();
    if varied.len() >= 2 {
        let (lo, hi) = varied.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            (lo.min(r.acc_sd), hi.max(r.acc_sd))
        });
        notes.push(format!(
            "accuracy SD ranges from {lo:.3} to {hi:.3} points across the {} varied conditions",
            varied.len()
        ));
    }
    notes.extend(test_set_notes(rows));
    for m in missing {
        notes.push(m.clone());
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TestSetSpread;
    use crate::stats::Interval;

    fn row(name: &str, sources: &[&str]) -> ConditionReport {
        serde_json::from_value(serde_json::json!({
            "name": name, "sources": sources, "n": 16, "mean_acc": 83.0, "acc_sd": 1.0,
            "acc_sd_err": 0.17, "ce_sd": 0.01, "ce_sd_err": 0.001, "disagreement": 13.0,
            "correlation": 0.96, "spearman": 0.95, "ensemble_gain": 1.4,
            "ensemble_gain_ce": 0.03, "accuracies": [83.0, 84.0]
        }))
        .unwrap()
    }

    fn mc(m: usize) -> MultipleComparisons {
        MultipleComparisons {
            method: "holm".into(),
            p_value: String::new(),
            alpha: 0.05,
            acc_sd_ratio_comparisons: m,
            disagreement_ratio_comparisons: m,
        }
    }

    #[test]
    fn only_ratios_below_alpha_after_holm_are_flagged() {
        let mut shuffle = row("init+shuffle", &["init", "shuffle"]);
        shuffle.acc_sd_ratio_to_all = Some(1.42);
        shuffle.acc_sd_ratio_ci = Some(Interval { lo: 1.03, hi: 1.98 });
        shuffle.acc_sd_ratio_p = Some(0.03);
        shuffle.acc_sd_ratio_p_holm = Some(0.21);
        let mut dropout = row("dropout", &["dropout"]);
        dropout.acc_sd_ratio_to_all = Some(2.5);
        dropout.acc_sd_ratio_ci = Some(Interval { lo: 1.6, hi: 3.9 });
        dropout.acc_sd_ratio_p_holm = Some(0.0123);
        let mut init = row("init", &["init"]);
        init.acc_sd_ratio_to_all = Some(0.9);
        init.acc_sd_ratio_ci = Some(Interval { lo: 0.6, hi: 1.3 });
        init.acc_sd_ratio_p_holm = Some(1.0);
        let rows = [
            row("control", &[]),
            init,
            shuffle,
            dropout,
            row("all", &["all"]),
        ];
        let n = notes(&rows, None, &[], 0.95, Some(&mc(7)));
        let text = n.join("\n");
        assert!(
            n.contains(&"dropout: accuracy SD is 2.50x that of all sources (95% CI 1.60 to 3.90; Holm-adjusted p = 0.012 over 7 conditions compared)".to_string()),
            "{text}"
        );
        assert!(
            n.contains(&"init+shuffle: accuracy SD ratio 1.42 to all sources (95% CI 1.03 to 1.98) excludes 1, but not after adjusting for the 7 conditions compared (Holm-adjusted p = 0.210): not flagged, one such interval in 7 is expected by chance".to_string()),
            "{text}"
        );
        assert!(!text.contains("init: "), "{text}");
        assert!(
            text.contains("7 conditions are compared with all on the accuracy SD ratio and 7 on the disagreement ratio; a ratio is flagged only when its Holm-adjusted bootstrap p-value is below 0.05 (1 flagged)"),
            "{text}"
        );
        // Without an adjustment (no `all` row to compare with), the interval alone, as before.
        let plain = notes(&rows, None, &[], 0.95, None).join("\n");
        assert!(plain.contains("init+shuffle: accuracy SD is 1.42x that of all sources (95% CI 1.03 to 1.98, excluding 1)"), "{plain}");
    }

    #[test]
    fn the_test_set_note_compares_the_sd_with_the_binomial_sd() {
        let spread = |binomial_sd: f64, acc_sd: f64| TestSetSpread {
            binomial_sd,
            acc_sd_over_binomial: (binomial_sd > 0.0).then(|| acc_sd / binomial_sd),
            always_right: 61.8,
            always_wrong: 4.5,
            flipping: 33.7,
        };
        let mut all = row("all", &["init", "shuffle"]);
        let note = |all: &ConditionReport| {
            let mut init = row("init", &["init"]);
            init.test_set = Some(spread(0.8, 1.0));
            notes(&[init, all.clone()], None, &[], 0.95, None)
                .into_iter()
                .filter(|n| n.starts_with("test set: ") || n.contains("binomial SD ranges"))
                .collect::<Vec<_>>()
        };
        // 1.0 vs 0.9: within 2 x 0.17.
        all.test_set = Some(spread(0.9, 1.0));
        let n = note(&all);
        assert!(
            n[0].starts_with(
                "test set: all's accuracy SD (1.000 pp) against the binomial SD (0.900 pp"
            ),
            "{n:?}"
        );
        assert!(
            n[0].contains("these runs cannot tell them apart (ratio 1.11;"),
            "{n:?}"
        );
        assert!(n[0].ends_with("33.7% of test examples flip between runs, 61.8% are always right, 4.5% always wrong"), "{n:?}");
        assert_eq!(
            n[1],
            "accuracy SD over binomial SD ranges from 1.11 to 1.25 across the 2 varied conditions"
        );
        all.test_set = Some(spread(0.5, 1.0));
        assert!(note(&all)[0].contains("2.00x it, beyond twice the SD's bootstrap error of 0.170 pp: more spread than Jordan (2023) found"));
        all.test_set = Some(spread(1.5, 1.0));
        assert!(note(&all)[0]
            .contains("0.67x it, beyond twice the SD's bootstrap error of 0.170 pp: less spread"));
        all.test_set = Some(spread(0.0, 1.0));
        assert!(note(&all)[0].contains("no test example flips between its runs"));
    }
}
