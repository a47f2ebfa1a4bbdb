//! `report.md`: the table as a GitHub-flavoured pipe table with the confidence intervals of the
//! pairwise metrics, the notes, the environment and a short guide to the metrics.

use super::gallery::flips_markdown;
use super::table::{
    confidence_label, interval, legend, row_cells, CKA_DECIMALS, CORR_DECIMALS, DISAGREE_DECIMALS,
    GAIN_CE_DECIMALS, GAIN_DECIMALS, HEADERS,
};
use super::test_set_table::{
    class_table, test_set_rows, CLASS_CAPTION, TEST_SET_CAPTION, TEST_SET_HEADERS,
};
use super::{ConditionReport, StudyReport};
use crate::render::text::{escape_md, markdown_notes, widths, Columns};

/// One sentence per metric, as docs/protocol.md section 3 defines them: `(column, sentence)`.
/// Plain text without markup; `estimator` is the CKA estimator, already escaped for the output.
pub(super) fn glossary(r: &StudyReport, estimator: &str) -> Vec<(&'static str, String)> {
    let ci = confidence_label(r.confidence);
    vec![
        ("mean acc %", "mean test accuracy over the condition's runs.".to_string()),
        (
            "acc SD ± err",
            "population SD (ddof 0) of test accuracy over runs, in percentage points; ± is the \
             SD of that SD over 10,000 bootstrap resamples of the runs."
                .to_string(),
        ),
        (
            "CE SD ± err",
            "the same for test cross-entropy, in nats.".to_string(),
        ),
        (
            "disagree %",
            "share of test examples whose predicted class differs between two runs, averaged \
             over all N(N-1)/2 pairs."
                .to_string(),
        ),
        (
            "corr",
            "Pearson correlation of two runs' test logits (flattened), averaged over pairs."
                .to_string(),
        ),
        (
            "Spearman",
            "the rank (Spearman) correlation of the same logits, averaged over pairs.".to_string(),
        ),
        (
            "ens. gain (pp)",
            "accuracy of a two-run ensemble (averaged logits) minus each member's accuracy, \
             averaged over pairs and members; positive = the ensemble is better."
                .to_string(),
        ),
        (
            "ens. gain CE",
            "member cross-entropy minus ensemble cross-entropy, in nats, averaged the same way; \
             positive = the ensemble is better."
                .to_string(),
        ),
        (
            "CKA",
            format!(
                "linear centered kernel alignment of two runs' penultimate features on the test \
                 set ({estimator} HSIC estimator), averaged over pairs; 1 = the same representation up to \
                 rotation and scale."
            ),
        ),
        (
            "SD/all",
            format!(
                "this condition's accuracy SD over that of the all-sources condition, with its \
                 {ci} bootstrap interval; about 1 means this source alone gives the full \
                 run-to-run spread."
            ),
        ),
        (
            "dis/all",
            format!(
                "this condition's mean pairwise disagreement over that of the all-sources \
                 condition, with its {ci} bootstrap interval (runs of both conditions \
                 resampled); about 1 means this source alone makes runs disagree as much as \
                 every source together."
            ),
        ),
        (
            "binom SD",
            "the accuracy SD (pp) if each test example were an independent coin that a run \
             gets wrong with that example's error rate p_i over the condition's runs: \
             sqrt(sum_i p_i (1 - p_i)) / n, in the population convention of acc SD."
                .to_string(),
        ),
        (
            "SD/binom",
            "acc SD over binom SD: about 1 means the run-to-run spread is what independent \
             per-example coin flips give (Jordan 2023); above 1, runs are better or worse on \
             many test examples together; below 1, errors trade off between examples."
                .to_string(),
        ),
        (
            "always right / always wrong / flip %",
            "shares of the test set every run gets right, every run gets wrong, and some runs \
             get right and others wrong."
                .to_string(),
        ),
    ]
}

/// A pipe table of `header` and `rows`: the first column (names) left-aligned and escaped,
/// the numbers right-aligned as they are.
fn pipe_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut all: Vec<Vec<String>> = vec![header.iter().map(|h| escape_md(h)).collect()];
    all.extend(rows.iter().map(|r| {
        r.iter()
            .enumerate()
            .map(|(i, c)| if i == 0 { escape_md(c) } else { c.clone() })
            .collect()
    }));
    let columns = Columns::markdown(1);
    let w = widths(&all, header.len(), 3);
    all.insert(1, columns.rule(&w));
    columns
        .lines(&all, &w)
        .into_iter()
        .map(|l| l + "\n")
        .collect()
}

/// The sections on single test examples: the test set's share of the spread, the
/// disagreement per class, the examples that flip most; each only when the report has it.
fn examples_markdown(r: &StudyReport) -> String {
    let mut out = String::new();
    let test_set = test_set_rows(r);
    if !test_set.is_empty() {
        out.push_str(&format!(
            "\n## How much of the spread is the test set's\n\n{}\n\n",
            escape_md(TEST_SET_CAPTION)
        ));
        let header: Vec<String> = TEST_SET_HEADERS.iter().map(|h| h.to_string()).collect();
        out.push_str(&pipe_table(&header, &test_set));
    }
    let perplexity = super::perplexity_table::perplexity_rows(r);
    if !perplexity.is_empty() {
        out.push_str(&format!(
            "\n## Perplexity\n\n{}\n\n",
            escape_md(super::perplexity_table::PERPLEXITY_CAPTION)
        ));
        let header: Vec<String> = super::perplexity_table::PERPLEXITY_HEADERS
            .iter()
            .map(|h| h.to_string())
            .collect();
        out.push_str(&pipe_table(&header, &perplexity));
    }
    if let Some((header, rows)) = class_table(r) {
        out.push_str(&format!(
            "\n## Disagreement per class\n\n{}\n\n",
            escape_md(CLASS_CAPTION)
        ));
        out.push_str(&pipe_table(&header, &rows));
    }
    out.push_str(&flips_markdown(r));
    out
}

/// The sentence on what the control row must show.
pub(super) const CONTROL_SENTENCE: &str = "The control varies no seed, so its runs must be \
     bit-identical: its row must read exactly 0 / 0 / 0 / 1 / 0 (acc SD, CE SD, disagreement, \
     correlation, ensemble gain); anything else means nondeterminism leaks into training.";

/// Table cells of one condition: the [`HEADERS`] columns with a CI column after each pairwise
/// metric.
fn cells(c: &ConditionReport) -> Vec<String> {
    let base = row_cells(c);
    let mut out = Vec::with_capacity(18);
    for (i, cell) in base.into_iter().enumerate() {
        out.push(if i == 0 { escape_md(&cell) } else { cell });
        let ci = match i {
            5 => Some(interval(c.disagreement_ci, DISAGREE_DECIMALS)),
            6 => Some(interval(c.correlation_ci, CORR_DECIMALS)),
            7 => Some(interval(c.spearman_ci, CORR_DECIMALS)),
            8 => Some(interval(c.ensemble_gain_ci, GAIN_DECIMALS)),
            9 => Some(interval(c.ensemble_gain_ce_ci, GAIN_CE_DECIMALS)),
            10 => Some(interval(c.cka_ci, CKA_DECIMALS)),
            _ => None,
        };
        out.extend(ci);
    }
    out
}

/// Headers matching [`cells`].
fn headers(ci: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(18);
    for (i, h) in HEADERS.iter().enumerate() {
        out.push(h.to_string());
        if (5..=10).contains(&i) {
            out.push(format!("{ci} CI"));
        }
    }
    out
}

/// `report.md`: title, task, legend, a pipe table (value columns as in the terminal table plus
/// the confidence interval of each pairwise metric), the notes as a list, the environment, and
/// "How to read this".
pub fn render_markdown(r: &StudyReport) -> String {
    let ci = confidence_label(r.confidence);
    let header = headers(&ci);
    let mut rows: Vec<Vec<String>> = vec![header];
    rows.extend(r.conditions.iter().map(cells));
    let columns = Columns::markdown(1);
    let w = widths(&rows, rows[0].len(), 3);
    rows.insert(1, columns.rule(&w));

    let mut out = format!("# {}\n\n", escape_md(&r.title));
    if !r.task.is_empty() {
        out.push_str(&format!("{}\n\n", escape_md(&r.task)));
    }
    let estimator = escape_md(&r.cka_estimator);
    out.push_str(&format!("{}\n\n", legend(r, &estimator)));
    for l in columns.lines(&rows, &w) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str(&markdown_notes(&r.notes));
    if !r.environment.is_empty() {
        out.push_str(&format!("\nEnvironment: {}\n", escape_md(&r.environment)));
    }

    out.push_str(&examples_markdown(r));
    out.push_str("\n## How to read this\n\n");
    out.push_str(
        "Each row summarises one condition's runs, which differ only in the seeds of the \
         condition's sources (docs/protocol.md section 3, or `runvar protocol`):\n\n",
    );
    for (column, sentence) in glossary(r, &estimator) {
        out.push_str(&format!("- **{column}**: {sentence}\n"));
    }
    out.push_str(&format!("\n{CONTROL_SENTENCE}\n"));
    out
}
