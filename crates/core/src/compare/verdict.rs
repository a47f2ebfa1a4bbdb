//! The one-line verdict a reader can paste into a paper, and how numbers are written in it.
//!
//! `B is better than A by 0.31 pp of test accuracy [0.12, 0.50] (95% CI), p = 0.004 from
//! 10,000 permutations`, or `no difference detected in test accuracy between A and B: B - A =
//! +0.05 pp [-0.10, +0.20] (95% CI), p = 0.41 from 10,000 permutations`.
//!
//! The p-value is the permutation test's, the sign-flip test's when the runs are paired
//! (neither assumes normal per-run values); a difference is "detected" when `p <= alpha`. The
//! size is the estimated difference with its bootstrap interval, written as a magnitude in the
//! better-or-worse direction it names. Numbers keep two significant digits of the largest of
//! the estimate and the interval's ends (at least two decimals for percentage points, three
//! for nats), so that 0.004 pp is not written 0.00.

use serde::Serialize;

use super::metric::MetricComparison;
use super::settings::Settings;
use crate::stats::permutation::binomial;
use crate::stats::PermutationTest;

/// A metric's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The sentence.
    pub text: String,
    /// True when `p <= alpha`.
    pub detected: bool,
    /// The p-value the verdict uses.
    pub p: f64,
    /// That test, in words: `permutation test, 10,000 random permutations`.
    pub test: String,
}

impl Verdict {
    /// The verdict on `m` for arms named `a` and `b` with `runs` runs each.
    pub fn of(
        m: &MetricComparison,
        a: &str,
        b: &str,
        s: &Settings,
        runs: (usize, usize),
    ) -> Verdict {
        let (test, d) = m.headline();
        let detected = test.p <= s.alpha;
        let what = match m.metric {
            "accuracy" => "test accuracy",
            _ => "test cross-entropy",
        };
        let ci = format!("({:.0}% CI)", 100.0 * s.confidence);
        let from = source(test, m.paired.is_some(), runs);
        let p = format_p(test.p);
        let (lo, hi) = d.interval.map_or((f64::NAN, f64::NAN), |i| (i.lo, i.hi));
        let decimals = decimals(&[d.estimate, lo, hi], m.unit);
        let text = if detected && d.estimate != 0.0 {
            let word = if m.b_is_better() { "better" } else { "worse" };
            // The magnitude and its interval: negate and swap the ends of a negative one.
            let (mag, mlo, mhi) = if d.estimate < 0.0 {
                (-d.estimate, -hi, -lo)
            } else {
                (d.estimate, lo, hi)
            };
            let direction = match m.better.word() {
                "lower" => " (lower is better)",
                _ => "",
            };
            format!(
                "{b} is {word} than {a} by {} {} of {what}{direction} [{}, {}] {ci}, p = {p} {from}",
                fixed(mag, decimals),
                m.unit,
                fixed(mlo, decimals),
                fixed(mhi, decimals)
            )
        } else {
            format!(
                "no difference detected in {what} between {a} and {b}: B - A = {} {} [{}, {}] \
                 {ci}, p = {p} {from}",
                signed(d.estimate, decimals),
                m.unit,
                signed(lo, decimals),
                signed(hi, decimals)
            )
        };
        Verdict {
            text,
            detected,
            p: test.p,
            test: test_name(test, m.paired.is_some()),
        }
    }
}

/// `from 10,000 permutations` / `exact over all 70 splits (4 vs 4 runs)`.
fn source(t: &PermutationTest, paired: bool, runs: (usize, usize)) -> String {
    let (what, of) = if paired {
        ("sign flips", format!("of {} paired runs", runs.0))
    } else {
        ("permutations", format!("({} vs {} runs)", runs.0, runs.1))
    };
    if t.exact {
        let what = if paired { "sign patterns" } else { "splits" };
        format!("exact over all {} {what} {of}", thousands(t.resamples))
    } else {
        format!("from {} {what} {of}", thousands(t.resamples))
    }
}

fn test_name(t: &PermutationTest, paired: bool) -> String {
    let name = if paired {
        "sign-flip test of the paired differences"
    } else {
        "permutation test of the difference in means"
    };
    if t.exact {
        format!("{name}, exact ({} arrangements)", thousands(t.resamples))
    } else {
        format!("{name}, {} random arrangements", thousands(t.resamples))
    }
}

/// A note when the verdict's test cannot reach `alpha` with these runs: how many are needed.
pub(crate) fn reach_note(
    m: &MetricComparison,
    s: &Settings,
    runs: (usize, usize),
) -> Option<String> {
    let (test, _) = m.headline();
    let smallest = test.smallest_p();
    if smallest <= s.alpha {
        return None;
    }
    let alpha = format_p(s.alpha);
    if !test.exact {
        return Some(format!(
            "--permutations {} cannot give a p-value below {} (2 / (R + 1)), above alpha = \
             {alpha}: raise --permutations",
            test.resamples,
            format_p(smallest)
        ));
    }
    Some(if m.paired.is_some() {
        let need = (2..64)
            .find(|n| 2.0 / (1_u64 << n) as f64 <= s.alpha)
            .unwrap_or(64);
        format!(
            "with {} pairs the sign-flip test cannot give p below {} (2 of {} sign patterns), \
             so no difference can be detected at alpha = {alpha}: that needs at least {need} pairs",
            runs.0,
            format_p(smallest),
            thousands(test.resamples)
        )
    } else {
        let need = (2..40_u64)
            .find(|&n| binomial(2 * n, n).is_some_and(|c| 2.0 / c as f64 <= s.alpha))
            .unwrap_or(40);
        format!(
            "with {} and {} runs a permutation test cannot give p below {} (2 of {} splits), \
             so no difference can be detected at alpha = {alpha}: that needs at least {need} runs \
             per arm",
            runs.0,
            runs.1,
            format_p(smallest),
            thousands(test.resamples)
        )
    })
}

/// Decimals giving two significant digits of the largest magnitude in `values`, at least 2
/// for `pp` and 3 otherwise, at most 12.
pub fn decimals(values: &[f64], unit: &str) -> usize {
    let floor = if unit == "pp" { 2 } else { 3 };
    let largest = values
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    if largest == 0.0 {
        return floor;
    }
    let want = 1 - largest.log10().floor() as i64;
    want.clamp(floor as i64, 12) as usize
}

/// `x` with `decimals` decimals; `NaN` as `?`.
pub fn fixed(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "?".into()
    }
}

/// `x` with a sign always (`+0.31`, `-0.12`; ASCII, so that a verdict pastes into LaTeX).
pub fn signed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "?".into();
    }
    let s = format!("{:.decimals$}", x.abs());
    if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("-{s}")
    } else {
        format!("+{s}")
    }
}

/// A p-value with two significant digits (`0.41`, `0.004`, `0.00027`), `1` for 1, and
/// scientific below 1e-4 (`7.4e-7`).
pub fn format_p(p: f64) -> String {
    if !p.is_finite() {
        return "?".into();
    }
    if p >= 1.0 {
        return "1".into();
    }
    if p < 1e-4 {
        return format!("{p:.1e}");
    }
    let decimals = (1 - p.log10().floor() as i64).max(2) as usize;
    let s = format!("{p:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A count with thousands separators: `10,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Better;

    #[test]
    fn numbers_are_written_for_papers() {
        assert_eq!(format_p(0.00412), "0.0041");
        assert_eq!(format_p(0.004), "0.004");
        assert_eq!(format_p(0.41), "0.41");
        assert_eq!(format_p(0.0285714), "0.029");
        assert_eq!(format_p(1.0), "1");
        assert_eq!(format_p(7.4e-7), "7.4e-7");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(2_704_156), "2,704,156");
        assert_eq!(thousands(70), "70");
        assert_eq!(decimals(&[0.31, 0.12, 0.5], "pp"), 2);
        assert_eq!(decimals(&[0.004, 0.001, 0.007], "pp"), 4);
        assert_eq!(decimals(&[0.0123, -0.02], "nats"), 3);
        assert_eq!(decimals(&[1.5e-5], "nats"), 6);
        assert_eq!(signed(-0.1, 2), "-0.10");
        assert_eq!(signed(-0.001, 2), "+0.00");
        assert_eq!(signed(0.2, 2), "+0.20");
    }

    fn comparison(a: &[f64], b: &[f64], better: Better, paired: bool) -> MetricComparison {
        let (metric, unit) = match better {
            Better::Higher => ("accuracy", "pp"),
            Better::Lower => ("cross_entropy", "nats"),
        };
        MetricComparison::new(metric, unit, better, a, b, paired, &Settings::default()).unwrap()
    }

    #[test]
    fn verdicts_name_the_direction_and_the_test() {
        let s = Settings::default();
        let a = [90.0, 90.2, 90.1, 89.9, 90.05];
        let b = [90.6, 90.4, 90.5, 90.7, 90.45];
        let m = comparison(&a, &b, Better::Higher, false);
        let v = Verdict::of(&m, "base", "new", &s, (5, 5));
        assert!(v.detected, "{}", v.text);
        // Every run of B beats every run of A: 2 of 252 splits are as extreme, p = 0.0079.
        assert!(
            v.text
                .starts_with("new is better than base by 0.48 pp of test accuracy [")
                && v.text
                    .ends_with("(95% CI), p = 0.0079 exact over all 252 splits (5 vs 5 runs)"),
            "{}",
            v.text
        );
        let m = comparison(&b, &a, Better::Higher, false);
        let worse = Verdict::of(&m, "new", "base", &s, (5, 5));
        assert!(
            worse.text.starts_with("base is worse than new by 0.48 pp"),
            "{}",
            worse.text
        );
        // Cross-entropy: a lower B is better, written as a positive magnitude.
        let a6 = [0.31, 0.32, 0.30, 0.33, 0.31, 0.32];
        let b6 = [0.25, 0.26, 0.24, 0.25, 0.26, 0.25];
        let ce = comparison(&a6, &b6, Better::Lower, true);
        let v = Verdict::of(&ce, "A", "B", &s, (6, 6));
        assert!(v.detected, "{}", v.text);
        assert!(
            v.text.starts_with(
                "B is better than A by 0.063 nats of test cross-entropy (lower is better) ["
            ) && v
                .text
                .ends_with("p = 0.031 exact over all 64 sign patterns of 6 paired runs"),
            "{}",
            v.text
        );
        // 5 pairs cannot reach 0.05 (2 of 32 sign patterns): not detected, and a note says
        // how many pairs would be needed.
        let ce5 = comparison(&a6[..5], &b6[..5], Better::Lower, true);
        let v = Verdict::of(&ce5, "A", "B", &s, (5, 5));
        assert!(!v.detected);
        assert!(
            v.text.starts_with(
                "no difference detected in test cross-entropy between A and B: B - A = -0.06"
            ),
            "{}",
            v.text
        );
        let note = reach_note(&ce5, &s, (5, 5)).unwrap();
        assert!(note.contains("needs at least 6 pairs"), "{note}");
        let none = comparison(&a, &[90.1, 89.9, 90.0, 90.2, 90.05], Better::Higher, false);
        let v = Verdict::of(&none, "A", "B", &s, (5, 5));
        assert!(
            v.text.starts_with(
                "no difference detected in test accuracy between A and B: B - A = +0.00 pp [-0."
            ),
            "{}",
            v.text
        );
        assert_eq!(reach_note(&none, &s, (5, 5)), None);
        let small = comparison(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], Better::Higher, false);
        let note = reach_note(&small, &s, (3, 3)).unwrap();
        assert!(
            note.contains("cannot give p below 0.1 (2 of 20 splits)")
                && note.contains("at least 4 runs per arm"),
            "{note}"
        );
    }
}
