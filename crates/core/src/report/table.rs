//! The terminal table: one row per condition, Table-1 style (docs/protocol.md section 5).
//!
//! Plain aligned columns (a header, a rule of `-`, the rows) with no colors or box drawing, so
//! the output stays pipe-friendly. The number formatting here is shared by the Markdown and
//! HTML renderers, so all three show the same digits.

use super::perplexity_table::{perplexity_rows, PERPLEXITY_CAPTION, PERPLEXITY_HEADERS};
use super::test_set_table::{test_set_rows, TEST_SET_CAPTION, TEST_SET_HEADERS};
use super::{ConditionReport, StudyReport};
use crate::render::text::{num, text_table, widths, wrap, Columns};
use crate::stats::Interval;

/// Decimals of mean accuracy (%).
pub(super) const ACC_DECIMALS: usize = 2;
/// Decimals of the accuracy SD and its error (pp).
pub(super) const ACC_SD_DECIMALS: usize = 3;
/// Decimals of the cross-entropy SD and its error (nats).
pub(super) const CE_SD_DECIMALS: usize = 4;
/// Decimals of the pairwise disagreement (%).
pub(super) const DISAGREE_DECIMALS: usize = 2;
/// Decimals of the Pearson and Spearman correlations.
pub(super) const CORR_DECIMALS: usize = 4;
/// Decimals of the ensemble gain in accuracy (pp).
pub(super) const GAIN_DECIMALS: usize = 2;
/// Decimals of the ensemble gain in cross-entropy (nats).
pub(super) const GAIN_CE_DECIMALS: usize = 4;
/// Decimals of CKA.
pub(super) const CKA_DECIMALS: usize = 4;
/// Decimals of the SD and disagreement ratios to `all`.
pub(super) const RATIO_DECIMALS: usize = 2;

/// Width at which notes are wrapped.
const WRAP: usize = 100;

/// Column headers of the terminal table (and the value columns of the other renderings).
pub(super) const HEADERS: [&str; 13] = [
    "condition",
    "n",
    "mean acc %",
    "acc SD ± err",
    "CE SD ± err",
    "disagree %",
    "corr",
    "Spearman",
    "ens. gain (pp)",
    "ens. gain CE",
    "CKA",
    "SD/all",
    "dis/all",
];

/// [`num`] of an optional value; `-` when missing.
pub(super) fn opt_num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_string(), |v| num(v, decimals))
}

/// `value ± err`; just the value when the error is not finite.
pub(super) fn plus_minus(v: f64, err: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "-".to_string();
    }
    if !err.is_finite() {
        return num(v, decimals);
    }
    format!("{} ± {}", num(v, decimals), num(err, decimals))
}

/// `[lo, hi]`, or `-` when missing.
pub(super) fn interval(ci: Option<Interval>, decimals: usize) -> String {
    match ci {
        Some(ci) if ci.lo.is_finite() || ci.hi.is_finite() => {
            format!("[{}, {}]", num(ci.lo, decimals), num(ci.hi, decimals))
        }
        _ => "-".to_string(),
    }
}

/// `value [lo, hi]`, the value alone without an interval, `-` without a value.
pub(super) fn with_interval(v: Option<f64>, ci: Option<Interval>, decimals: usize) -> String {
    match v {
        Some(v) if v.is_finite() => match ci {
            Some(_) => format!("{} {}", num(v, decimals), interval(ci, decimals)),
            None => num(v, decimals),
        },
        _ => "-".to_string(),
    }
}

/// The confidence level as a percentage, `95%`; `CI` when the level is not in (0, 1).
pub(super) fn confidence_label(confidence: f64) -> String {
    if confidence > 0.0 && confidence < 1.0 {
        let s = format!("{:.1}", confidence * 100.0);
        format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
    } else {
        "CI".to_string()
    }
}

/// The cells of one condition, in [`HEADERS`] order.
pub(super) fn row_cells(c: &ConditionReport) -> [String; 13] {
    [
        c.name.clone(),
        c.n.to_string(),
        num(c.mean_acc, ACC_DECIMALS),
        plus_minus(c.acc_sd, c.acc_sd_err, ACC_SD_DECIMALS),
        plus_minus(c.ce_sd, c.ce_sd_err, CE_SD_DECIMALS),
        num(c.disagreement, DISAGREE_DECIMALS),
        num(c.correlation, CORR_DECIMALS),
        num(c.spearman, CORR_DECIMALS),
        num(c.ensemble_gain, GAIN_DECIMALS),
        num(c.ensemble_gain_ce, GAIN_CE_DECIMALS),
        opt_num(c.cka, CKA_DECIMALS),
        with_interval(c.acc_sd_ratio_to_all, c.acc_sd_ratio_ci, RATIO_DECIMALS),
        with_interval(
            c.disagreement_ratio_to_all,
            c.disagreement_ratio_ci,
            RATIO_DECIMALS,
        ),
    ]
}

/// One line saying what the numbers are: replicas, units, `±`, intervals, CKA estimator
/// (`estimator`, already escaped for the output format), and how the ratios to `all` are
/// adjusted for multiple comparisons when they are.
pub(super) fn legend(r: &StudyReport, estimator: &str) -> String {
    let mut out = format!(
        "N = {} runs per condition. Accuracy, SDs of accuracy, disagreement and ensemble gain in \
         % / percentage points; cross-entropy in nats. ± is the bootstrap error of the SD; \
         [lo, hi] is a {} bootstrap confidence interval over runs. CKA: linear, {} estimator.",
        r.replicas,
        confidence_label(r.confidence),
        estimator
    );
    if let Some(s) = multiple_comparisons_sentence(r) {
        out.push(' ');
        out.push_str(&s);
    }
    out
}

/// How the ratio columns are adjusted for the number of conditions compared, one sentence;
/// `None` when the report compares none.
pub(super) fn multiple_comparisons_sentence(r: &StudyReport) -> Option<String> {
    let mc = r.multiple_comparisons.as_ref()?;
    Some(format!(
        "SD/all and dis/all are adjusted for multiple comparisons with Holm's step-down method \
         on two-sided bootstrap p-values (over {} and {} conditions): the notes flag a ratio \
         only when its adjusted p is below {}.",
        mc.acc_sd_ratio_comparisons, mc.disagreement_ratio_comparisons, mc.alpha
    ))
}

/// The terminal table of a study: title, task and legend, the aligned table, then the notes
/// wrapped at 100 columns. No ANSI colors.
///
/// Numbers use fixed precision (see the `*_DECIMALS` constants); missing or undefined values
/// print as `-`.
pub fn render_table(r: &StudyReport) -> String {
    let mut rows: Vec<Vec<String>> = vec![HEADERS.map(String::from).to_vec()];
    rows.extend(r.conditions.iter().map(|c| row_cells(c).to_vec()));
    let columns = Columns::terminal(1);
    let w = widths(&rows, HEADERS.len(), 0);
    rows.insert(1, columns.rule(&w));

    let mut out = String::new();
    out.push_str(&r.title);
    out.push('\n');
    if !r.task.is_empty() {
        out.push_str(&r.task);
        out.push('\n');
    }
    for l in wrap(&legend(r, &r.cka_estimator), WRAP, "", "") {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');
    for l in columns.lines(&rows, &w) {
        out.push_str(&l);
        out.push('\n');
    }
    if r.conditions.is_empty() {
        out.push_str("(no conditions)\n");
    }
    let test_set = test_set_rows(r);
    if !test_set.is_empty() {
        out.push('\n');
        for l in wrap(TEST_SET_CAPTION, WRAP, "", "") {
            out.push_str(&l);
            out.push('\n');
        }
        out.push_str(&text_table(&TEST_SET_HEADERS, &test_set));
    }
    let perplexity = perplexity_rows(r);
    if !perplexity.is_empty() {
        out.push('\n');
        for l in wrap(PERPLEXITY_CAPTION, WRAP, "", "") {
            out.push_str(&l);
            out.push('\n');
        }
        out.push_str(&text_table(&PERPLEXITY_HEADERS, &perplexity));
    }
    if !r.notes.is_empty() {
        out.push('\n');
        for note in &r.notes {
            for l in wrap(note, WRAP, "- ", "  ") {
                out.push_str(&l);
                out.push('\n');
            }
        }
    }
    out
}
