//! The printout of `runvar plan`.

use std::fmt::Write;

use super::plan::{Plan, PLAN_LEVEL};
use super::verdict::{decimals, fixed, thousands};
use crate::stats::RunsNeeded;

fn runs(r: &Option<RunsNeeded>) -> String {
    match r {
        Some(r) => format!("{} (power {:.3})", thousands(r.runs), r.power),
        None => "more than a billion".into(),
    }
}

/// The plan as text.
pub fn render(p: &Plan) -> String {
    let mut out = String::new();
    // Two significant digits of the effect, and of the SD for every spread and difference
    // derived from it (an SD of 0.001 pp is not written 0.00).
    let (dec_effect, dec) = (decimals(&[p.effect], "pp"), decimals(&[p.sd], "pp"));
    let pct = format!("{:.0}%", 100.0 * PLAN_LEVEL);
    let _ = writeln!(
        out,
        "runvar plan: detect a difference of {} pp in mean test accuracy",
        fixed(p.effect, dec_effect)
    );
    let measured = match (p.sd_interval, p.sd_runs) {
        (Some(i), Some(n)) => format!(
            "; {pct} interval from {n} runs [{}, {}] pp",
            fixed(i.lo, dec),
            fixed(i.hi, dec)
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "  run-to-run SD of test accuracy: {} pp, {}{measured}",
        fixed(p.sd, dec),
        p.sd_source
    );
    let _ = writeln!(
        out,
        "  the difference is {:.3} run-to-run SDs (Cohen's d); two-sided two-sample t test at \
         alpha = {}, power {} (exact, from the noncentral t distribution)",
        p.effect_in_sds, p.alpha, p.power
    );
    out.push('\n');
    let exact = p
        .runs_per_arm
        .and_then(|r| r.exact_n)
        .map(|n| format!("; power {} is reached at n = {n:.2}", p.power))
        .unwrap_or_default();
    let _ = writeln!(out, "runs per arm: {}{exact}", runs(&p.runs_per_arm));
    if let (Some(i), true) = (p.sd_interval, p.sd_runs.is_some()) {
        let _ = writeln!(
            out,
            "  if the SD is as large as its {pct} upper end ({} pp): {} runs per arm",
            fixed(i.hi, dec),
            runs(&p.runs_per_arm_at_upper_sd)
        );
    }
    out.push('\n');
    let dis = p.disagreement.is_some();
    let _ = writeln!(
        out,
        "at N runs per arm (for an SD of {} pp{}):",
        fixed(p.sd, dec),
        if dis {
            ", and the disagreement of the study's runs"
        } else {
            ""
        }
    );
    let detect = format!("detectable at power {}", p.power);
    let sd_head = format!("{pct} interval of the SD");
    let _ = write!(
        out,
        "  {:>5}  {:>6}  {detect:>24}  {sd_head:>24}",
        "N", "power"
    );
    if dis {
        let _ = write!(out, "  {:>28}", format!("{pct} interval of disagreement"));
    }
    out.push('\n');
    for row in &p.table {
        let sd = format!(
            "[{}, {}] pp",
            fixed(row.sd_interval.lo, dec),
            fixed(row.sd_interval.hi, dec)
        );
        let _ = write!(
            out,
            "  {:>5}  {:>6.3}  {:>24}  {sd:>24}",
            row.runs,
            row.power,
            format!("{} pp", fixed(row.detectable_effect, dec))
        );
        if let Some(i) = row.disagreement_interval {
            let _ = write!(out, "  {:>28}", format!("[{:.2}, {:.2}] %", i.lo, i.hi));
        }
        out.push('\n');
    }
    if let Some(b) = &p.disagreement {
        let _ = writeln!(
            out,
            "  disagreement: {:.2}% over {} runs ({}); intervals from Hoeffding's variance of a \
             mean over pairs, ζ1 = {:.4}, ζ2 = {:.4} (%²)",
            b.components.mean, b.components.runs, b.file, b.components.zeta1, b.components.zeta2
        );
    }
    let _ = writeln!(
        out,
        "  SD intervals: chi-square, assuming normal per-run accuracies"
    );
    if !p.notes.is_empty() {
        out.push_str("\nnotes:\n");
        for n in &p.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::plan::{plan, PlanRequest, SdSource};

    fn request(sd: f64, effect: f64) -> PlanRequest {
        PlanRequest {
            sd: SdSource::Given(sd),
            effect,
            alpha: 0.05,
            power: 0.8,
        }
    }

    #[test]
    fn given_sd_plans_runs_and_the_table() {
        // 0.3 pp over an SD of 0.25 pp: d = 1.2.
        let p = plan(&request(0.25, 0.3)).unwrap();
        assert!((p.effect_in_sds - 1.2).abs() < 1e-12);
        let r = p.runs_per_arm.unwrap();
        assert!(r.power >= 0.8 && r.exact_n.unwrap() > (r.runs - 1) as f64);
        assert_eq!(p.table.len(), 5);
        assert!(p.table.windows(2).all(|w| w[0].power < w[1].power));
        assert!(p
            .table
            .iter()
            .all(|row| row.disagreement_interval.is_none()));
        // The SD interval at N = 10 for an SD of 0.25: scipy's chi2 gives [0.172, 0.456].
        let i = p.table[1].sd_interval;
        assert!(
            (i.lo - 0.172).abs() < 1e-3 && (i.hi - 0.456).abs() < 1e-3,
            "{i:?}"
        );
        // The same plan for a negative effect (two-sided).
        assert_eq!(plan(&request(0.25, -0.3)).unwrap(), p);
        let text = render(&p);
        assert!(
            text.contains(&format!("runs per arm: {} (power ", r.runs)),
            "{text}"
        );
        assert!(text.contains("given with --sd"), "{text}");
    }

    #[test]
    fn bad_values_name_the_flag() {
        let msg = |r: PlanRequest| plan(&r).unwrap_err().to_string();
        assert!(msg(request(0.25, 0.0)).contains("--effect 0"));
        assert!(msg(request(0.25, f64::NAN)).contains("--effect NaN"));
        assert!(msg(request(-0.1, 0.3)).contains("--sd -0.1"));
        assert!(msg(request(f64::NAN, 0.3)).contains("--sd NaN"));
        assert!(msg(request(0.0, 0.3)).contains("--sd 0"));
        let mut r = request(0.25, 0.3);
        r.alpha = 1.0;
        assert!(msg(r.clone()).contains("--alpha 1"));
        r.alpha = 0.05;
        r.power = 0.0;
        assert!(msg(r).contains("--power 0"));
        let r = PlanRequest {
            sd: SdSource::Study("no/such/dir:all".into()),
            ..request(0.25, 0.3)
        };
        assert!(msg(r).contains("does not exist"));
    }
}
