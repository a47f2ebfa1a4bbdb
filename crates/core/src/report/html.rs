//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, nothing fetched)
//! with the table, the notes, the plots with captions, and the guide to the metrics.

use super::gallery::gallery_html;
use super::markdown::{glossary, CONTROL_SENTENCE};
use super::mitigations::mitigation_html;
use super::plots::{accuracy_strip, condition_hex, disagreement_distribution, metric_bars};
use super::table::{
    confidence_label, interval, legend, opt_num, plus_minus, ACC_DECIMALS, ACC_SD_DECIMALS,
    CE_SD_DECIMALS, CKA_DECIMALS, CORR_DECIMALS, DISAGREE_DECIMALS, GAIN_CE_DECIMALS,
    GAIN_DECIMALS, HEADERS, RATIO_DECIMALS,
};
use super::test_set_table::{
    class_table, test_set_rows, CLASS_CAPTION, TEST_SET_CAPTION, TEST_SET_HEADERS,
};
use super::{ConditionReport, StudyReport};
use crate::render::page::{definition, escape_html, figure, notes, open_page, CLOSE_PAGE};
use crate::render::text::num;
use crate::stats::Interval;

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1f2328;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 36px 24px 64px; }
p, ul, dl, figcaption { max-width: 900px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 6px; font-weight: 650; }
h2 { font-size: 18px; margin: 40px 0 10px; font-weight: 650;
  border-bottom: 1px solid #d8dee4; padding-bottom: 4px; }
p { margin: 0 0 10px; }
.task { font-size: 16px; color: #424a53; margin-bottom: 4px; }
.legend, .env { color: #57606a; font-size: 13px; }
.scroll { overflow-x: auto; margin: 18px 0 6px; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums;
  border-top: 2px solid #1f2328; border-bottom: 2px solid #1f2328; }
td { white-space: nowrap; }
caption { caption-side: top; text-align: left; font-size: 13.5px; color: #424a53;
  padding-bottom: 8px; white-space: normal; }
th, td { padding: 4px 6px; vertical-align: top; }
th:first-child, td:first-child { padding-left: 2px; }
thead th { border-bottom: 1px solid #1f2328; font-weight: 600; text-align: right; }
th.name, td.name { text-align: left; }
td.num { text-align: right; }
tbody tr:nth-child(even) { background: #f6f8fa; }
td .ci { display: block; color: #6e7781; font-size: 11px; }
.unit { display: block; font-weight: 400; color: #6e7781; font-size: 11px; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  margin-right: 7px; vertical-align: baseline; }
ul { padding-left: 22px; margin: 0; }
li { margin: 3px 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 12px; }
dt { font-weight: 600; }
dd { margin: 0; }
figure { margin: 26px 0 0; }
figure svg { display: block; width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
figcaption { font-size: 13.5px; color: #424a53; margin-top: 6px; }
figcaption b { color: #1f2328; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr));
  gap: 14px 12px; margin: 14px 0 6px; }
.flip { font-size: 12.5px; color: #424a53; }
.flip .thumb { display: block; image-rendering: pixelated; border: 1px solid #d8dee4;
  margin-bottom: 4px; }
.flip .vote { font-variant-numeric: tabular-nums; }
.skipped { color: #8a4600; }
footer { margin-top: 40px; }
@media print { main { padding: 0; } figure, table { break-inside: avoid; } }
"#;

/// A numeric cell, with the interval on a second, smaller line when there is one.
fn cell(value: String, ci: Option<Interval>, decimals: usize) -> String {
    let ci = match interval(ci, decimals) {
        s if s == "-" || value == "-" => String::new(),
        s => format!("<span class=\"ci\">{}</span>", escape_html(&s)),
    };
    format!("<td class=\"num\">{}{ci}</td>", escape_html(&value))
}

/// A ratio cell: the value, its interval, and its Holm-adjusted p-value on a third line.
fn ratio_cell(value: Option<f64>, ci: Option<Interval>, p_holm: Option<f64>) -> String {
    let cell = cell(opt_num(value, RATIO_DECIMALS), ci, RATIO_DECIMALS);
    match p_holm {
        Some(p) if value.is_some() => cell.replacen(
            "</td>",
            &format!("<span class=\"ci\">Holm p {}</span></td>", num(p, 3)),
            1,
        ),
        _ => cell,
    }
}

/// A plain table with a caption: the first column left-aligned (names), numbers right.
fn small_table(caption: &str, header: &[String], rows: &[Vec<String>]) -> String {
    let mut out =
        format!("<div class=\"scroll\">\n<table>\n<caption>{caption}</caption>\n<thead><tr>");
    for (i, h) in header.iter().enumerate() {
        let class = if i == 0 { " class=\"name\"" } else { "" };
        out.push_str(&format!("<th{class}>{}</th>", escape_html(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let class = if i == 0 { "name" } else { "num" };
            out.push_str(&format!("<td class=\"{class}\">{}</td>", escape_html(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out
}

/// The test set's share of the spread (Table 2) and the disagreement per class (Table 3),
/// each when the report has it.
fn test_set_html(r: &StudyReport) -> String {
    let rows = test_set_rows(r);
    let classes = class_table(r);
    let perplexity = super::perplexity_table::perplexity_rows(r);
    if rows.is_empty() && classes.is_none() && perplexity.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>Test set</h2>\n");
    if !rows.is_empty() {
        let header: Vec<String> = TEST_SET_HEADERS.iter().map(|h| h.to_string()).collect();
        let caption = format!("<b>Table 2.</b> {}", escape_html(TEST_SET_CAPTION));
        out.push_str(&small_table(&caption, &header, &rows));
    }
    if let Some((header, rows)) = classes {
        let caption = format!("<b>Table 3.</b> {}", escape_html(CLASS_CAPTION));
        out.push_str(&small_table(&caption, &header, &rows));
    }
    if !perplexity.is_empty() {
        let header: Vec<String> = super::perplexity_table::PERPLEXITY_HEADERS
            .iter()
            .map(|h| h.to_string())
            .collect();
        let caption = format!(
            "<b>Table 4.</b> {}",
            escape_html(super::perplexity_table::PERPLEXITY_CAPTION)
        );
        out.push_str(&small_table(&caption, &header, &perplexity));
    }
    out
}

fn row(i: usize, c: &ConditionReport) -> String {
    let cells = [
        cell(c.n.to_string(), None, 0),
        cell(num(c.mean_acc, ACC_DECIMALS), None, 0),
        cell(plus_minus(c.acc_sd, c.acc_sd_err, ACC_SD_DECIMALS), None, 0),
        cell(plus_minus(c.ce_sd, c.ce_sd_err, CE_SD_DECIMALS), None, 0),
        cell(
            num(c.disagreement, DISAGREE_DECIMALS),
            c.disagreement_ci,
            DISAGREE_DECIMALS,
        ),
        cell(
            num(c.correlation, CORR_DECIMALS),
            c.correlation_ci,
            CORR_DECIMALS,
        ),
        cell(num(c.spearman, CORR_DECIMALS), c.spearman_ci, CORR_DECIMALS),
        cell(
            num(c.ensemble_gain, GAIN_DECIMALS),
            c.ensemble_gain_ci,
            GAIN_DECIMALS,
        ),
        cell(
            num(c.ensemble_gain_ce, GAIN_CE_DECIMALS),
            c.ensemble_gain_ce_ci,
            GAIN_CE_DECIMALS,
        ),
        cell(opt_num(c.cka, CKA_DECIMALS), c.cka_ci, CKA_DECIMALS),
        ratio_cell(
            c.acc_sd_ratio_to_all,
            c.acc_sd_ratio_ci,
            c.acc_sd_ratio_p_holm,
        ),
        ratio_cell(
            c.disagreement_ratio_to_all,
            c.disagreement_ratio_ci,
            c.disagreement_ratio_p_holm,
        ),
    ];
    format!(
        "<tr><td class=\"name\"><span class=\"sw\" style=\"background:{}\"></span>{}</td>{}</tr>\n",
        condition_hex(i),
        escape_html(&c.name),
        cells.concat()
    )
}

/// `report.html`: a self-contained page (inline `<style>` and SVG; no scripts, fonts or
/// anything else fetched) with the title, the task, the table (right-aligned numbers, the
/// confidence intervals under the pairwise metrics), the notes, three figures, the guide to
/// the metrics, and the environment. All text from the report is HTML-escaped.
pub fn render_html(r: &StudyReport) -> String {
    let ci = confidence_label(r.confidence);
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(&open_page(&r.title, &r.task, STYLE, true));

    // The terminal table's column names (the glossary uses them), units underneath.
    let units = [
        "runs",
        "",
        "pp",
        "nats",
        "",
        "Pearson",
        "rank",
        "",
        "nats",
        r.cka_estimator.as_str(),
        "ratio",
        "ratio",
    ];
    out.push_str("<div class=\"scroll\">\n<table>\n");
    let holm = match &r.multiple_comparisons {
        Some(mc) => format!(
            " Under each ratio to all, its p-value adjusted for multiple comparisons by Holm's \
             step-down method (two-sided bootstrap p-values, over the {} and {} conditions \
             compared): the notes flag a ratio only when it is below {}.",
            mc.acc_sd_ratio_comparisons, mc.disagreement_ratio_comparisons, mc.alpha
        ),
        None => String::new(),
    };
    out.push_str(&format!(
        "<caption><b>Table 1.</b> Run-to-run variability per condition. Intervals under the \
         values: {} bootstrap confidence intervals over runs.{}</caption>\n",
        escape_html(&ci),
        escape_html(&holm)
    ));
    out.push_str("<thead><tr><th class=\"name\">condition</th>");
    for (name, unit) in HEADERS[1..].iter().zip(units) {
        out.push_str(&format!(
            "<th>{}<span class=\"unit\">{}</span></th>",
            escape_html(name),
            escape_html(unit)
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, c) in r.conditions.iter().enumerate() {
        out.push_str(&row(i, c));
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out.push_str(&format!(
        "<p class=\"legend\">{}</p>\n",
        escape_html(&legend(r, &r.cka_estimator))
    ));

    out.push_str(&notes(&r.notes));
    out.push_str(&mitigation_html(r));
    out.push_str(&test_set_html(r));
    out.push_str(&gallery_html(r));
    out.push_str("<h2>Plots</h2>\n");
    out.push_str(&figure(
        1,
        &metric_bars(r),
        "bar charts of the variability metrics per condition",
        &format!(
            "The variability metrics per condition. Bars are point estimates; whiskers are ± \
             the bootstrap error for the two SDs and the {ci} bootstrap interval for the \
             pairwise metrics. The control's bars must all be at zero except correlation, at 1."
        ),
    ));
    out.push_str(&figure(
        2,
        &accuracy_strip(r),
        "test accuracy of each run per condition",
        "Test accuracy of every run (one dot per run; the horizontal spread inside a column is \
         only for visibility) and the condition's mean (black bar).",
    ));
    out.push_str(&figure(
        3,
        &disagreement_distribution(r),
        "distribution of pairwise disagreement per condition",
        "Disagreement of every pair of runs in a condition: mirrored histogram of the N(N-1)/2 \
         pairs, thin line from the smallest to the largest pair, thick bar the interquartile \
         range, white dot the median.",
    ));

    out.push_str(
        "<h2>How to read this</h2>\n<p>Each row summarises one condition's runs, which \
         differ only in the seeds of the condition's sources (docs/protocol.md section 3, or <code>runvar protocol</code>).</p>\n<dl>\n",
    );
    for (column, sentence) in glossary(r, &r.cka_estimator) {
        out.push_str(&definition(column, &sentence));
    }
    out.push_str(&format!(
        "</dl>\n<p>{}</p>\n",
        escape_html(CONTROL_SENTENCE)
    ));

    if !r.environment.is_empty() {
        out.push_str(&format!(
            "<footer class=\"env\">Environment: {}</footer>\n",
            escape_html(&r.environment)
        ));
    }
    out.push_str(CLOSE_PAGE);
    out
}
