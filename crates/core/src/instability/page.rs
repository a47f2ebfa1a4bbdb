//! `instability.html`: the runs table with color swatches matching the plots, the findings,
//! the notes, four figures and "How to read this", on the kit's page ([`crate::render::page`]).

use super::figures::{curve_colors, disagreement_spec, layer_spec, logit_spec, relative_spec};
use super::findings::{findings, row_cells, sig, HEADERS, HOW_TO_READ};
use super::plot::{curves_svg, draw};
use super::InstabilityReport;
use crate::render::page::{definition, escape_html, figure, notes, open_page, CLOSE_PAGE};
use crate::render::svg::{hex, PALETTE};

/// The page's style sheet (the study report has its own, in `report/html.rs`).
const STYLE: &str = r#"
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1f2328;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 36px 24px 64px; }
p, ul, dl, figcaption { max-width: 900px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 6px; font-weight: 650; }
h2 { font-size: 18px; margin: 36px 0 10px; font-weight: 650;
  border-bottom: 1px solid #d8dee4; padding-bottom: 4px; }
.task { font-size: 16px; color: #424a53; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums;
  border-top: 2px solid #1f2328; border-bottom: 2px solid #1f2328; margin: 16px 0; }
caption { caption-side: top; text-align: left; font-size: 13.5px; color: #424a53;
  padding-bottom: 8px; }
th, td { padding: 4px 10px; white-space: nowrap; }
thead th { border-bottom: 1px solid #1f2328; font-weight: 600; text-align: right; }
th.name, td.name { text-align: left; }
td.num { text-align: right; }
tbody tr:nth-child(even) { background: #f6f8fa; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; }
dt { font-weight: 600; }
dd { margin: 0; }
ul { padding-left: 22px; }
figure { margin: 26px 0 0; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 13.5px; color: #424a53; margin-top: 6px; }
figcaption b { color: #1f2328; }
"#;

/// The caption sentence on points a log axis cannot show.
fn skipped_sentence(n: usize) -> String {
    match n {
        0 => String::new(),
        n => format!(
            " Zeros and non-finite values cannot be drawn on a log axis and are left out ({n} \
             point{} here).",
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// `instability.html`: one self-contained page (inline CSS and SVG, no scripts, nothing
/// fetched) with the runs table, the findings, the notes, four figures — (1) relative
/// parameter distance, log y, with the independent level and the fitted growth; (2)
/// disagreement, linear y; (3) logit distance, log y; (4) per-layer distance of the first
/// twin, log y — and "How to read this". All text from the report is HTML-escaped.
pub fn render_instability_html(r: &InstabilityReport) -> String {
    let colors = curve_colors(&r.curves);
    let mut out = String::with_capacity(128 * 1024);
    out.push_str(&open_page(&r.title, &r.task, STYLE, false));

    out.push_str(
        "<table>\n<caption><b>Table 1.</b> Each run's distance to the base run at the last \
         recorded step.</caption>\n<thead><tr>",
    );
    for (i, h) in HEADERS.iter().enumerate() {
        let class = if i < 2 { " class=\"name\"" } else { "" };
        out.push_str(&format!("<th{class}>{}</th>", escape_html(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (c, color) in r.curves.iter().zip(&colors) {
        let cells = row_cells(c);
        out.push_str(&format!(
            "<tr><td class=\"name\"><span class=\"sw\" style=\"background:{}\"></span>{}</td>\
             <td class=\"name\">{}</td>",
            hex(*color),
            escape_html(&cells[0]),
            escape_html(&cells[1])
        ));
        for cell in &cells[2..] {
            out.push_str(&format!("<td class=\"num\">{}</td>", escape_html(cell)));
        }
        out.push_str("</tr>\n");
    }
    if r.curves.is_empty() {
        out.push_str("<tr><td class=\"name\" colspan=\"6\">no runs</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n<h2>Findings</h2>\n<dl>\n");
    for (key, text) in findings(r) {
        out.push_str(&definition(key, &text));
    }
    out.push_str("</dl>\n");
    out.push_str(&notes(&r.notes));

    out.push_str("<h2>Plots</h2>\n");
    let fit = match &r.growth {
        Some(g) => format!(
            " Dashed black: the fitted early growth, {} per step over steps {} to {} (slope \
             from the fit to the twins' mean parameter distance, placed through their mean \
             relative distance in that window).",
            sig(g.rate_per_step),
            g.window.0,
            g.window.1
        ),
        None => String::new(),
    };
    out.push_str(&figure(
        1,
        &curves_svg(r),
        "relative parameter distance to the base run per step",
        &format!(
            "Relative parameter distance to the base run, ||θ' − θ|| / ||θ||, at each recorded \
             step (log scale; dots mark the recorded steps; thin vertical lines the epochs). \
             Blues: bit-flip twins; vermillion/orange: independently seeded runs; gray: no-flip \
             twins, which must stay at exactly 0 (listed as identically 0 when they do). Dashed \
             vermillion: the independent level.{fit}{}",
            skipped_sentence(relative_spec(r).skipped)
        ),
    ));
    out.push_str(&figure(
        2,
        &draw(&disagreement_spec(r)),
        "disagreement with the base run per step",
        "Disagreement with the base run: share of test examples predicted differently, in \
         percent (linear scale). Dashed vermillion: the independent level.",
    ));
    let logits = logit_spec(r);
    out.push_str(&figure(
        3,
        &draw(&logits),
        "logit distance to the base run per step",
        &format!(
            "RMS distance of the test logits to the base run's, per example (log scale).{}",
            skipped_sentence(logits.skipped)
        ),
    ));
    let layers = layer_spec(r);
    let repeat = if layers.series.len() > PALETTE.len() {
        " Colors repeat after 8 tensors, dashed from the 9th to the 16th."
    } else {
        ""
    };
    out.push_str(&figure(
        4,
        &draw(&layers),
        "per-layer parameter distance of the first twin",
        &format!(
            "L2 distance of each parameter tensor of the first bit-flip twin to the base run's \
             (log scale), one line per tensor.{repeat}{}",
            skipped_sentence(layers.skipped)
        ),
    ));
    out.push_str(&format!(
        "<h2>How to read this</h2>\n<p>{}</p>\n",
        escape_html(HOW_TO_READ)
    ));
    out.push_str(CLOSE_PAGE);
    out
}
