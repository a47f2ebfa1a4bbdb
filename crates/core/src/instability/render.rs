//! The instability report as a terminal table, Markdown, and a self-contained HTML page with
//! SVG plots (docs/protocol.md section 6).
//!
//! All three show the same numbers: one row per followed run (its final distances to the base
//! run), then the findings (growth rate, saturation, levels, condition-number bound) and the
//! notes. Distances span many orders of magnitude, so they print with 3 significant digits
//! and are plotted on a log axis, where zeros and non-finite values are left out (and counted
//! in the caption). Colors: bit-flip twins in blues, independent runs in vermillion/orange,
//! no-flip twins in gray (Okabe-Ito hues). Nothing here panics on empty curves, a single
//! recorded step, zeros or NaN.

use super::{Curve, InstabilityReport, TwinKind};
use crate::report::{
    escape_html, escape_md, message_svg, render_svg as render, wrap, Area, DrawError, FONT, MUTED,
    PALETTE,
};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::f64::consts::LN_10;

/// Width at which the terminal output wraps.
const WRAP: usize = 100;
/// Column headers of the runs table.
const HEADERS: [&str; 6] = [
    "run",
    "kind",
    "param dist",
    "rel. dist",
    "logit dist",
    "disagree %",
];

/// `v` with 3 significant digits: plain from 0.001 to 99,999, otherwise `1.23e-8`; `0` for
/// zero and `-` when not finite.
fn sig(v: f64) -> String {
    if !v.is_finite() {
        return "-".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

/// A percentage with 2 decimals, `-` when not finite.
fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "-".to_string()
    }
}

fn kind_name(k: TwinKind) -> &'static str {
    match k {
        TwinKind::BitFlip => "bit flip",
        TwinKind::NoFlip => "no flip",
        TwinKind::Independent => "independent",
    }
}

/// The last recorded value, NaN when there is none.
fn final_of(v: &[f64]) -> f64 {
    v.last().copied().unwrap_or(f64::NAN)
}

/// The table cells of one run, in [`HEADERS`] order.
fn row_cells(c: &Curve) -> [String; 6] {
    [
        c.label.clone(),
        kind_name(c.kind).to_string(),
        sig(final_of(&c.param_distance)),
        sig(final_of(&c.param_distance_rel)),
        sig(final_of(&c.logit_distance)),
        pct(final_of(&c.disagreement)),
    ]
}

/// The findings under the table, `(key, sentence)`, as plain text.
fn findings(r: &InstabilityReport) -> Vec<(&'static str, String)> {
    let growth = match &r.growth {
        Some(g) => {
            let doubling = if g.doubling_steps.is_finite() {
                format!("doubling every {} steps", sig(g.doubling_steps))
            } else {
                "no doubling (the rate is not positive)".to_string()
            };
            format!(
                "{} per step (natural log of the twins' mean parameter distance), fitted over \
                 steps {} to {} ({} recorded steps), r² {:.3}; {doubling}",
                sig(g.rate_per_step),
                g.window.0,
                g.window.1,
                g.points,
                g.r_squared
            )
        }
        None => "no fit: fewer than 3 recorded steps with a positive distance before the twins' \
                 mean distance passes 10% of its final value"
            .to_string(),
    };
    let saturation = match r.saturation_step {
        Some(s) => {
            let epoch = if r.steps_per_epoch > 0 {
                format!(" (epoch {:.1})", s as f64 / r.steps_per_epoch as f64)
            } else {
                String::new()
            };
            format!(
                "step {s}{epoch}: the twins' mean parameter distance reaches 90% of its final value"
            )
        }
        None => "none: the twins' final mean distance is 0 or missing".to_string(),
    };
    let mut level = format!(
        "twins {} relative parameter distance, {}% disagreement",
        sig(r.twin_level),
        pct(r.twin_disagreement)
    );
    match (r.independent_level, r.independent_disagreement) {
        (None, None) => level.push_str("; no independent runs to compare with"),
        (lvl, dis) => {
            level.push_str(&format!(
                "; independent runs {}, {}%",
                sig(lvl.unwrap_or(f64::NAN)),
                pct(dis.unwrap_or(f64::NAN))
            ));
            if let Some(i) = lvl.filter(|&i| i > 0.0 && r.twin_level.is_finite()) {
                let share = 100.0 * r.twin_level / i;
                level.push_str(&format!(" (twins at {share:.0}% of the independent level)"));
            }
        }
    }
    let mut condition = match r.condition_number {
        Some(k) if k.is_finite() => format!("at least {}", sig(k)),
        _ => "not computed".to_string(),
    };
    if !r.condition_number_basis.is_empty() {
        condition.push_str(&format!(". {}", r.condition_number_basis));
    }
    vec![
        ("growth rate", growth),
        ("saturation", saturation),
        ("level", level),
        ("condition number", condition),
    ]
}

/// What the page measures and how to read it, in plain sentences.
const HOW_TO_READ: &str = "The base run and its twins start from the same seeds. A bit-flip \
    twin differs only by a one-ULP change of one initial weight; a no-flip twin differs in \
    nothing and must stay at distance exactly 0 (a check of determinism); independent runs have \
    every source seeded differently. At each recorded step every run is compared with the base \
    run: the L2 distance of all trainable parameters (absolute, and relative to the base run's \
    parameter norm), the RMS distance of the test logits per example, and the share of test \
    examples predicted differently. If training is unstable, the twins' distance grows roughly \
    exponentially from the flip (a straight line on a log axis; its slope is the growth rate) \
    and saturates at the level of the independent runs: one bit at initialization ends as far \
    apart as a different seed. The condition-number bound divides the final relative distance \
    by the relative size of the flip (docs/protocol.md section 6, or `runvar protocol`).";

/// Aligned columns: first two left-aligned, numbers right-aligned; `sep` between cells.
fn aligned(rows: &[Vec<String>], widths: &[usize], sep: &str, ends: bool) -> Vec<String> {
    rows.iter()
        .map(|cells| {
            let mut out = String::from(if ends { "| " } else { "" });
            for (i, (cell, &w)) in cells.iter().zip(widths).enumerate() {
                let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
                if i > 0 {
                    out.push_str(sep);
                }
                if i < 2 {
                    out.push_str(&format!("{cell}{pad}"));
                } else {
                    out.push_str(&format!("{pad}{cell}"));
                }
            }
            if ends {
                out.push_str(" |");
            }
            out.trim_end().to_string()
        })
        .collect()
}

fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    let mut w = vec![3; HEADERS.len()];
    for row in rows {
        for (w, cell) in w.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    w
}

/// The terminal report: title, task, one aligned row per run (final distances to the base
/// run), the findings (growth rate and window, r², doubling steps; saturation step and epoch;
/// twin vs independent level; condition-number bound and its basis), then the notes, wrapped
/// at 100 columns. Plain text, no ANSI; missing values print as `-`.
pub fn render_instability_table(r: &InstabilityReport) -> String {
    let mut rows = vec![HEADERS.map(String::from).to_vec()];
    rows.extend(r.curves.iter().map(|c| row_cells(c).to_vec()));
    let w = widths(&rows);
    rows.insert(1, w.iter().map(|&n| "-".repeat(n)).collect());

    let mut out = format!("{}\n", r.title);
    if !r.task.is_empty() {
        out.push_str(&format!("{}\n", r.task));
    }
    out.push('\n');
    for line in aligned(&rows, &w, "  ", false) {
        out.push_str(&format!("{line}\n"));
    }
    if r.curves.is_empty() {
        out.push_str("(no runs)\n");
    }
    out.push('\n');
    let key_w = findings(r).iter().map(|f| f.0.len()).max().unwrap_or(0) + 2;
    let indent = " ".repeat(key_w);
    for (key, text) in findings(r) {
        let first = format!("{key:key_w$}");
        for line in wrap(&text, WRAP, &first, &indent) {
            out.push_str(&format!("{line}\n"));
        }
    }
    if !r.notes.is_empty() {
        out.push_str("\nnotes\n");
        for note in &r.notes {
            for line in wrap(note, WRAP, "- ", "  ") {
                out.push_str(&format!("{line}\n"));
            }
        }
    }
    out
}

/// `instability.md`: title, task, a pipe table of the runs, the findings, the notes, and
/// "How to read this".
pub fn render_instability_markdown(r: &InstabilityReport) -> String {
    let mut rows = vec![HEADERS.map(String::from).to_vec()];
    rows.extend(r.curves.iter().map(|c| {
        let mut cells = row_cells(c).to_vec();
        cells[0] = escape_md(&cells[0]);
        cells
    }));
    let w = widths(&rows);
    let rule = w
        .iter()
        .enumerate()
        .map(|(i, &n)| match i {
            0 | 1 => "-".repeat(n),
            _ => format!("{}:", "-".repeat(n - 1)),
        })
        .collect();
    rows.insert(1, rule);

    let mut out = format!("# {}\n\n", escape_md(&r.title));
    if !r.task.is_empty() {
        out.push_str(&format!("{}\n\n", escape_md(&r.task)));
    }
    if r.curves.is_empty() {
        out.push_str("No runs were followed.\n");
    } else {
        for line in aligned(&rows, &w, " | ", true) {
            out.push_str(&format!("{line}\n"));
        }
    }
    out.push_str("\n## Findings\n\n");
    for (key, text) in findings(r) {
        out.push_str(&format!("- **{key}**: {}\n", escape_md(&text)));
    }
    if !r.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for note in &r.notes {
            out.push_str(&format!("- {}\n", escape_md(note)));
        }
    }
    out.push_str(&format!("\n## How to read this\n\n{HOW_TO_READ}\n"));
    out
}

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

/// Inline SVG in a numbered figure; plotters' `xmlns` (an http URL) is not needed inline.
fn figure(number: usize, svg: &str, label: &str, caption: &str) -> String {
    let svg = svg.replacen(
        " xmlns=\"http://www.w3.org/2000/svg\"",
        &format!(" role=\"img\" aria-label=\"{}\"", escape_html(label)),
        1,
    );
    format!(
        "<figure>\n{svg}<figcaption><b>Figure {number}.</b> {}</figcaption>\n</figure>\n",
        escape_html(caption)
    )
}

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
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        escape_html(&r.title)
    ));
    out.push_str(&format!("<h1>{}</h1>\n", escape_html(&r.title)));
    if !r.task.is_empty() {
        out.push_str(&format!("<p class=\"task\">{}</p>\n", escape_html(&r.task)));
    }

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
        let RGBColor(red, green, blue) = *color;
        out.push_str(&format!(
            "<tr><td class=\"name\"><span class=\"sw\" style=\"background:#{red:02x}{green:02x}\
             {blue:02x}\"></span>{}</td><td class=\"name\">{}</td>",
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
        out.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape_html(key),
            escape_html(&text)
        ));
    }
    out.push_str("</dl>\n");
    if !r.notes.is_empty() {
        out.push_str("<h2>Notes</h2>\n<ul>\n");
        for note in &r.notes {
            out.push_str(&format!("<li>{}</li>\n", escape_html(note)));
        }
        out.push_str("</ul>\n");
    }

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
        "<h2>How to read this</h2>\n<p>{}</p>\n</main>\n</body>\n</html>\n",
        escape_html(HOW_TO_READ)
    ));
    out
}

const WIDTH: u32 = 1100;
const HEIGHT: u32 = 420;
const LEGEND_W: u32 = 250;
const INK: RGBColor = RGBColor(40, 40, 40);
const GRAY: RGBColor = RGBColor(120, 120, 120);
const VERMILLION: RGBColor = RGBColor(213, 94, 0);
/// Legend labels longer than this are cut.
const MAX_LABEL: usize = 28;

/// `a + t (b - a)` per channel.
fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let mix = |x: u8, y: u8| (f64::from(x) + t * (f64::from(y) - f64::from(x))).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// One color per curve: twins from dark blue to Okabe-Ito sky blue, independent runs from
/// vermillion to orange, no-flip twins gray.
fn curve_colors(curves: &[Curve]) -> Vec<RGBColor> {
    let count = |k| curves.iter().filter(|c| c.kind == k).count();
    let (twins, independent) = (count(TwinKind::BitFlip), count(TwinKind::Independent));
    let (mut i, mut j) = (0, 0);
    let step = |n: usize, i: usize| {
        if n > 1 {
            i as f64 / (n - 1) as f64
        } else {
            0.0
        }
    };
    curves
        .iter()
        .map(|c| match c.kind {
            TwinKind::BitFlip => {
                i += 1;
                blend(
                    RGBColor(0, 72, 140),
                    RGBColor(86, 180, 233),
                    step(twins, i - 1),
                )
            }
            TwinKind::Independent => {
                j += 1;
                blend(VERMILLION, RGBColor(230, 159, 0), step(independent, j - 1))
            }
            TwinKind::NoFlip => GRAY,
        })
        .collect()
}

/// One drawn line, its points already in plot coordinates (log10 of the value on a log axis).
struct Series {
    label: String,
    color: RGBColor,
    points: Vec<(f64, f64)>,
    dashed: bool,
    markers: bool,
}

/// Everything one plot draws.
struct PlotSpec {
    title: String,
    y_desc: &'static str,
    log_y: bool,
    series: Vec<Series>,
    x_max: f64,
    steps_per_epoch: usize,
    /// Values a log axis cannot show (zero, negative, not finite).
    skipped: usize,
    /// Shown instead of the plot when there is nothing to draw it from.
    missing: Option<&'static str>,
}

impl PlotSpec {
    fn new(r: &InstabilityReport, title: &str, y_desc: &'static str, log_y: bool) -> Self {
        let x_max = r.curves.iter().flat_map(|c| c.steps.iter()).max();
        PlotSpec {
            title: title.to_string(),
            y_desc,
            log_y,
            series: Vec::new(),
            x_max: x_max.map_or(1.0, |&m| m as f64),
            steps_per_epoch: r.steps_per_epoch,
            skipped: 0,
            missing: None,
        }
    }

    /// Adds the line of `values` over `steps`; on a log axis non-positive values are left out
    /// and counted, and a line with nothing left gets "(identically 0)" or "(nothing to
    /// draw)" in its label.
    fn add(&mut self, label: &str, color: RGBColor, steps: &[usize], values: &[f64]) {
        let mut points = Vec::new();
        for (&t, &v) in steps.iter().zip(values) {
            if v.is_finite() && (!self.log_y || v > 0.0) {
                points.push((t as f64, if self.log_y { v.log10() } else { v }));
            } else if self.log_y {
                self.skipped += 1;
            }
        }
        let mut label = cut(label);
        if points.is_empty() {
            let zeros = !values.is_empty() && values.iter().all(|&v| v == 0.0);
            label.push_str(if zeros {
                " (identically 0)"
            } else {
                " (nothing to draw)"
            });
        }
        self.series.push(Series {
            label,
            color,
            points,
            dashed: false,
            markers: true,
        });
    }

    /// A dashed horizontal line across the plot at `value`, if it can be drawn.
    fn level(&mut self, label: &str, color: RGBColor, value: Option<f64>) {
        let y = match value {
            Some(v) if v.is_finite() && (!self.log_y || v > 0.0) => {
                if self.log_y {
                    v.log10()
                } else {
                    v
                }
            }
            _ => return,
        };
        self.series.push(Series {
            label: label.to_string(),
            color,
            points: vec![(0.0, y), (self.x_max.max(1.0), y)],
            dashed: true,
            markers: false,
        });
    }
}

/// `s` cut to [`MAX_LABEL`] characters, the last an ellipsis.
fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_LABEL - 1).collect();
    out.push('…');
    out
}

/// One plot per curve field, the curves colored by [`curve_colors`].
fn per_curve(
    r: &InstabilityReport,
    title: &str,
    y_desc: &'static str,
    log_y: bool,
    field: fn(&Curve) -> &[f64],
) -> PlotSpec {
    let mut spec = PlotSpec::new(r, title, y_desc, log_y);
    for (c, color) in r.curves.iter().zip(curve_colors(&r.curves)) {
        spec.add(&c.label, color, &c.steps, field(c));
    }
    if r.curves.is_empty() {
        spec.missing = Some("no runs followed");
    }
    spec
}

/// Figure 1: relative parameter distance, with the independent level and the fitted growth.
fn relative_spec(r: &InstabilityReport) -> PlotSpec {
    let title = "relative parameter distance to the base run";
    let mut spec = per_curve(r, title, "||θ' − θ|| / ||θ||", true, |c| {
        &c.param_distance_rel
    });
    spec.level("independent level", VERMILLION, r.independent_level);
    if let Some(fit) = fit_line(r) {
        spec.series.push(fit);
    }
    spec
}

/// The fitted growth as a line over its window, in log10 units: slope `rate / ln 10`, and the
/// intercept that fits the twins' mean relative distance over the window best given that slope
/// (the mean of `ln m_t − rate · t`), since the fit itself is on absolute distances.
fn fit_line(r: &InstabilityReport) -> Option<Series> {
    let g = r.growth.as_ref()?;
    let (s0, s1) = g.window;
    if !g.rate_per_step.is_finite() {
        return None;
    }
    let mut sums: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
    for c in r.curves.iter().filter(|c| c.kind == TwinKind::BitFlip) {
        for (&t, &d) in c.steps.iter().zip(&c.param_distance_rel) {
            if (s0..=s1).contains(&t) && d.is_finite() && d > 0.0 {
                let e = sums.entry(t).or_default();
                *e = (e.0 + d, e.1 + 1);
            }
        }
    }
    if sums.is_empty() {
        return None;
    }
    let offsets = sums
        .iter()
        .map(|(&t, &(sum, n))| (sum / n as f64).ln() - g.rate_per_step * t as f64);
    let a = offsets.sum::<f64>() / sums.len() as f64;
    let at = |t: usize| (t as f64, (a + g.rate_per_step * t as f64) / LN_10);
    Some(Series {
        label: format!("fit: {} per step", sig(g.rate_per_step)),
        color: INK,
        points: vec![at(s0), at(s1)],
        dashed: true,
        markers: false,
    })
}

fn disagreement_spec(r: &InstabilityReport) -> PlotSpec {
    let title = "disagreement with the base run";
    let mut spec = per_curve(
        r,
        title,
        "test examples predicted differently (%)",
        false,
        |c| &c.disagreement,
    );
    spec.level("independent level", VERMILLION, r.independent_disagreement);
    spec
}

fn logit_spec(r: &InstabilityReport) -> PlotSpec {
    let title = "logit distance to the base run";
    per_curve(r, title, "RMS logit distance per example", true, |c| {
        &c.logit_distance
    })
}

/// Figure 4: the first bit-flip twin's per-layer distances.
fn layer_spec(r: &InstabilityReport) -> PlotSpec {
    let twin = r.curves.iter().find(|c| c.kind == TwinKind::BitFlip);
    let title = match twin {
        Some(c) => format!("per-layer parameter distance, {}", cut(&c.label)),
        None => "per-layer parameter distance".to_string(),
    };
    let mut spec = PlotSpec::new(r, &title, "L2 distance", true);
    match twin {
        None => spec.missing = Some("no bit-flip twin"),
        Some(c) if c.per_layer.is_empty() => spec.missing = Some("no per-layer distances"),
        Some(c) => {
            for (i, (name, values)) in c.per_layer.iter().enumerate() {
                spec.add(name, PALETTE[i % PALETTE.len()], &c.steps, values);
                if let Some(s) = spec.series.last_mut() {
                    s.dashed = (i / PALETTE.len()) % 2 == 1;
                    s.markers = c.per_layer.len() <= PALETTE.len();
                }
            }
        }
    }
    spec
}

/// Figure 1 alone, as a standalone SVG file (with its `xmlns`), for `instability.svg`:
/// relative parameter distance per step on a log axis, one line per run, the independent level
/// and the fitted growth dashed.
pub fn curves_svg(r: &InstabilityReport) -> String {
    draw(&relative_spec(r))
}

/// The y range: whole decades around the data on a log axis; from 0 with 8% headroom on a
/// linear one; `(-1, 0)` or `(0, 1)` without data.
fn y_range(spec: &PlotSpec) -> (f64, f64) {
    let ys = spec
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    if spec.log_y {
        if lo > hi {
            return (-1.0, 0.0);
        }
        let (lo, hi) = ((lo - 0.05).floor(), (hi + 0.05).ceil());
        (lo, hi.max(lo + 1.0))
    } else if hi > 0.0 {
        (lo.min(0.0), hi * 1.08)
    } else {
        (lo.min(0.0), 1.0)
    }
}

/// A log-axis tick (log10 of the value): `0.01`..`1000` or `1e-8` at whole decades, 2
/// significant digits between.
fn log_label(v: f64) -> String {
    let k = v.round();
    if (v - k).abs() > 1e-6 {
        let x = 10f64.powf(v);
        return if (1e-3..1e4).contains(&x) {
            format!("{:.*}", (1 - x.log10().floor() as i32).max(0) as usize, x)
        } else {
            format!("{x:.1e}")
        };
    }
    match k as i32 {
        -3 => "0.001".to_string(),
        -2 => "0.01".to_string(),
        -1 => "0.1".to_string(),
        0 => "1".to_string(),
        1 => "10".to_string(),
        2 => "100".to_string(),
        3 => "1000".to_string(),
        k => format!("1e{k}"),
    }
}

/// Draws a plot: the chart on the left, the legend in a column on the right.
fn draw(spec: &PlotSpec) -> String {
    if let Some(text) = spec.missing {
        return message_svg((WIDTH, 200), &format!("{}: {text}", spec.title));
    }
    render((WIDTH, HEIGHT), |root| {
        let (plot, legend) = root.split_horizontally(WIDTH - LEGEND_W);
        let (y0, y1) = y_range(spec);
        let x1 = spec.x_max.max(1.0);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(24)
            .caption(&spec.title, (FONT, 17).into_font().color(&INK))
            .x_label_area_size(46)
            .y_label_area_size(78)
            .build_cartesian_2d(0.0..x1, y0..y1)?;
        let epochs = epoch_lines(spec.steps_per_epoch, x1);
        let x_desc = match epochs.1 {
            0 => "optimizer step".to_string(),
            1 => "optimizer step (thin vertical lines: epochs)".to_string(),
            k => format!("optimizer step (thin vertical lines: every {k}th epoch)"),
        };
        let log_y = spec.log_y;
        let span = y1 - y0;
        let y_fmt = |v: &f64| match (log_y, span) {
            (true, _) => log_label(*v),
            (false, s) if s >= 5.0 => format!("{v:.0}"),
            (false, s) if s >= 0.5 => format!("{v:.1}"),
            _ => format!("{v:.2}"),
        };
        let x_fmt = |v: &f64| format!("{v:.0}");
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(if x1 < 10.0 { x1 as usize + 1 } else { 10 })
            .y_labels(if log_y { 12 } else { 6 })
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(228, 228, 228))
            .axis_style(MUTED)
            .label_style((FONT, 13).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .x_desc(x_desc)
            .y_desc(spec.y_desc)
            .draw()?;
        let epoch_style = RGBColor(222, 226, 236).stroke_width(1);
        chart.draw_series(
            epochs
                .0
                .iter()
                .map(|&x| PathElement::new(vec![(x, y0), (x, y1)], epoch_style)),
        )?;
        for s in &spec.series {
            let style = s.color.stroke_width(2);
            if s.dashed {
                let points = s.points.iter().copied();
                chart.draw_series([DashedPathElement::new(points, 8, 5, style)])?;
            } else if s.points.len() > 1 {
                chart.draw_series([PathElement::new(s.points.clone(), style)])?;
            }
            if s.markers {
                let dot = s.color.filled();
                chart.draw_series(s.points.iter().map(|&p| Circle::new(p, 2.5, dot)))?;
            }
        }
        if spec.series.iter().all(|s| s.points.is_empty()) {
            let style = (FONT, 14)
                .into_font()
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Center));
            let at = (0.5 * x1, 0.5 * (y0 + y1));
            chart
                .plotting_area()
                .draw(&Text::new("nothing to draw", at, style))?;
        }
        draw_legend(&legend, &spec.series)
    })
}

/// Epoch boundaries inside `(0, x_max)`: at most 40 lines, every `k`th epoch; `k` is 0 when
/// there are none.
fn epoch_lines(steps_per_epoch: usize, x_max: f64) -> (Vec<f64>, usize) {
    if steps_per_epoch == 0 {
        return (Vec::new(), 0);
    }
    let spe = steps_per_epoch as f64;
    let epochs = (x_max / spe).floor() as usize;
    if epochs == 0 {
        return (Vec::new(), 0);
    }
    let every = epochs.div_ceil(40);
    let xs: Vec<f64> = (1..=epochs)
        .step_by(every)
        .map(|e| e as f64 * spe)
        .filter(|&x| x < x_max)
        .collect();
    let every = if xs.is_empty() { 0 } else { every };
    (xs, every)
}

/// The legend: a line sample and the label per series, as many as fit, then "… and N more".
fn draw_legend(area: &Area, series: &[Series]) -> Result<(), DrawError> {
    const ROW: i32 = 20;
    let fit = ((HEIGHT as i32 - 56) / ROW) as usize;
    let shown = if series.len() > fit { fit - 1 } else { fit };
    let text = (FONT, 13).into_font().color(&INK);
    for (i, s) in series.iter().take(shown).enumerate() {
        let y = 48 + ROW * i as i32;
        let style = s.color.stroke_width(2);
        if s.dashed {
            area.draw(&PathElement::new(vec![(6, y), (14, y)], style))?;
            area.draw(&PathElement::new(vec![(20, y), (28, y)], style))?;
        } else if !s.points.is_empty() {
            area.draw(&PathElement::new(vec![(6, y), (28, y)], style))?;
        }
        if s.markers {
            area.draw(&Circle::new((17, y), 3, s.color.filled()))?;
        }
        let pos = text.pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(s.label.clone(), (36, y), pos))?;
    }
    if series.len() > shown {
        let y = 48 + ROW * shown as i32;
        let more = format!("… and {} more", series.len() - shown);
        let style = (FONT, 13)
            .into_font()
            .color(&MUTED)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(more, (36, y), style))?;
    }
    Ok(())
}
