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
