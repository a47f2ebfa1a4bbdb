//! The printout of `runvar compare`: both arms, the pairing, every statistic of each metric
//! with what it means, the verdicts and the notes.

use std::fmt::Write;

use super::metric::{Estimate, Maybe};
use super::verdict::{decimals, fixed, format_p, signed, thousands};
use super::{Comparison, MetricResult};
use crate::stats::{PermutationTest, TTest};

/// The comparison as text, one statistic a line.
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    for (name, arm) in [("A", &c.a), ("B", &c.b)] {
        let _ = writeln!(out, "{name}: {} ({})", arm.label, arm.description);
    }
    let _ = writeln!(
        out,
        "test set: {} examples, {} classes, the same labels for A and B",
        c.test_examples, c.classes
    );
    let _ = writeln!(out, "{}", c.pairing.reason);
    for m in [&c.accuracy, &c.cross_entropy] {
        out.push('\n');
        metric(&mut out, m, c);
    }
    out.push('\n');
    let _ = writeln!(out, "verdict (accuracy):      {}", c.accuracy.verdict.text);
    let _ = writeln!(
        out,
        "verdict (cross-entropy): {}",
        c.cross_entropy.verdict.text
    );
    if !c.notes.is_empty() {
        out.push_str("\nnotes:\n");
        for n in &c.notes {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}

fn metric(out: &mut String, r: &MetricResult, c: &Comparison) {
    let m = &r.stats;
    let (title, unit_word) = match m.metric {
        "accuracy" => ("test accuracy (%; higher is better)", "pp"),
        _ => ("test cross-entropy (nats; lower is better)", "nats"),
    };
    let d = &m.difference;
    let ends = d.interval.map_or([f64::NAN; 2], |i| [i.lo, i.hi]);
    let dec = decimals(&[d.estimate, ends[0], ends[1]], m.unit);
    let _ = writeln!(out, "{title}");
    let row = |out: &mut String, label: &str, value: String| {
        let _ = writeln!(out, "  {label:<30} {value}");
    };
    for (label, mean, sd, n) in [
        ("mean A ± run-to-run SD", m.mean_a, m.sd_a, c.a.runs),
        ("mean B ± run-to-run SD", m.mean_b, m.sd_b, c.b.runs),
    ] {
        row(
            out,
            label,
            format!(
                "{} ± {} ({n} runs; sample SD)",
                fixed(mean, dec),
                fixed(sd, dec)
            ),
        );
    }
    row(
        out,
        "B - A",
        format!(
            "{}  {:.0}% bootstrap CI, {} resamples of each arm's runs",
            estimate(d, dec, true),
            100.0 * c.settings.confidence,
            thousands(c.settings.bootstrap as u64)
        ),
    );
    row(
        out,
        "permutation test",
        permutation(&m.permutation, "splits"),
    );
    row(out, "Welch's t test", t_test(&m.welch));
    let better = if m.metric == "accuracy" {
        "higher accuracy"
    } else {
        "lower cross-entropy"
    };
    row(
        out,
        "P(a run of B beats a run of A)",
        format!(
            "{}  ({better}; ties count half; 0.5 = no difference)",
            estimate(&m.probability_of_improvement, 2, false)
        ),
    );
    row(
        out,
        "effect in run-to-run SDs",
        match &m.effect_size {
            Maybe::Value(e) => format!(
                "d = {:+.2} (Cohen's d: B - A over the pooled sample SD, {} {unit_word})",
                e.d,
                fixed(e.pooled_sd, dec)
            ),
            Maybe::Undefined { undefined } => undefined.clone(),
        },
    );
    if let Some(p) = &m.paired {
        let _ = writeln!(
            out,
            "  paired ({} pairs: run i of A with run i of B)",
            p.pairs
        );
        row(
            out,
            "  mean of B_i - A_i",
            estimate(&p.mean_difference, dec, true),
        );
        row(
            out,
            "  sign-flip test",
            permutation(&p.sign_flip, "sign patterns"),
        );
        row(out, "  paired t test", t_test(&p.t_test));
    }
}

/// An estimate with its interval; `sign`: write `+` and `-` (differences), or not
/// (probabilities).
fn estimate(e: &Estimate, dec: usize, sign: bool) -> String {
    let num = |x: f64| if sign { signed(x, dec) } else { fixed(x, dec) };
    match e.interval {
        Some(i) => format!("{} [{}, {}]", num(e.estimate), num(i.lo), num(i.hi)),
        None => num(e.estimate),
    }
}

fn permutation(t: &PermutationTest, what: &str) -> String {
    if t.exact {
        format!(
            "p = {}, exact over all {} {what}",
            format_p(t.p),
            thousands(t.resamples)
        )
    } else {
        format!(
            "p = {} from {} random {what}",
            format_p(t.p),
            thousands(t.resamples)
        )
    }
}

fn t_test(t: &Maybe<TTest>) -> String {
    match t {
        Maybe::Value(t) => format!(
            "t = {:+.3}, df = {:.1}, p = {} (two-sided)",
            t.t,
            t.df,
            format_p(t.p)
        ),
        Maybe::Undefined { undefined } => undefined.clone(),
    }
}
