//! The study report's notes: its findings in sentences.

use crate::report::ConditionReport;

/// Findings in sentences: the control's bit-identity, sources whose spread differs from `all`,
/// how much of `all` a bit flip reproduces, and how many flips changed no prediction.
pub(super) fn notes(
    rows: &[ConditionReport],
    control_hashes: Option<(usize, usize)>,
    missing: &[String],
    level: f64,
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
        ));
        let sd = Some(("accuracy SD", r.acc_sd_ratio_to_all, r.acc_sd_ratio_ci));
        for (what, ratio, ci) in sd.into_iter().chain(dis) {
            if let (Some(ratio), Some(ci)) = (ratio, ci) {
                if ci.hi < 1.0 || ci.lo > 1.0 {
                    notes.push(format!(
                        "{}: {what} is {ratio:.2}x that of all sources ({ci_name} {:.2} to {:.2}, excluding 1)",
                        r.name, ci.lo, ci.hi
                    ));
                }
            }
        }
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
            notes.push(format!(
                "bit_flip: a one-ULP change of one initial weight gives {:.0}%{ci} of the disagreement of all sources together ({:.2}% vs {:.2}%)",
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
    for m in missing {
        notes.push(m.clone());
    }
    notes
}
