//! The mitigation table: terminal, Markdown and HTML (with a plot of VR per mitigation).

use plotters::prelude::*;

use super::table::{plus_minus, with_interval};
use super::{MitigationRow, StudyReport};
use crate::render::page::escape_html;
use crate::render::text::{num, text_table};

const HEADERS: [&str; 9] = [
    "mitigation",
    "train cost",
    "passes/example",
    "acc SD ± err",
    "CE SD ± err",
    "disagree %",
    "corr",
    "ens. gain (pp)",
    "VR %",
];

fn cells(m: &MitigationRow) -> [String; 9] {
    let c = &m.metrics;
    [
        m.name.clone(),
        format!("{:.0}x", m.training_cost),
        m.inference_cost.to_string(),
        plus_minus(c.acc_sd, c.acc_sd_err, 3),
        plus_minus(c.ce_sd, c.ce_sd_err, 4),
        num(c.disagreement, 2),
        num(c.correlation, 4),
        num(c.ensemble_gain, 2),
        m.vr.map_or_else(|| "-".into(), |v| num(v, 0)),
    ]
}

/// The mitigation table for the terminal (empty when the study had no mitigations).
pub fn render_mitigation_table(r: &StudyReport) -> String {
    if r.mitigations.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = r.mitigations.iter().map(|m| cells(m).to_vec()).collect();
    let mut out = String::from(
        "\nMitigations: each row makes one model per replica of the `all` condition; VR is the\n\
         variability reduction against the single model (docs/protocol.md sections 3 and 7, or\n\
         `runvar protocol`).\n\n",
    );
    out.push_str(&text_table(&HEADERS, &rows));
    out
}

/// Cells with the pairwise metrics' 95% intervals (Markdown and HTML have the room).
fn cells_with_intervals(m: &MitigationRow) -> [String; 9] {
    let c = &m.metrics;
    let mut out = cells(m);
    out[5] = with_interval(Some(c.disagreement), c.disagreement_ci, 2);
    out[6] = with_interval(Some(c.correlation), c.correlation_ci, 4);
    out[7] = with_interval(Some(c.ensemble_gain), c.ensemble_gain_ci, 2);
    out
}

/// The mitigation table in Markdown (empty when the study had no mitigations).
pub fn render_mitigation_markdown(r: &StudyReport) -> String {
    if r.mitigations.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## Mitigations\n\nEach row makes one model per replica of the `all` condition; VR is the variability reduction against the single model (docs/protocol.md sections 3 and 7, or `runvar protocol`).\n\n");
    out.push_str(&format!("| {} |\n", HEADERS.join(" | ")));
    out.push_str(&format!("|---|{}\n", "---:|".repeat(8)));
    for m in &r.mitigations {
        let c = cells_with_intervals(m);
        out.push_str(&format!(
            "| {} |\n",
            c.iter()
                .map(|s| s.replace('|', "\\|"))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    out
}

fn vr_plot(r: &StudyReport) -> String {
    let rows: Vec<(&str, f64)> = r
        .mitigations
        .iter()
        .filter_map(|m| m.vr.filter(|v| v.is_finite()).map(|v| (m.name.as_str(), v)))
        .collect();
    let mut svg = String::new();
    if rows.is_empty() {
        return svg;
    }
    let lo = rows.iter().map(|r| r.1).fold(0.0f64, f64::min) - 5.0;
    let hi = rows.iter().map(|r| r.1).fold(0.0f64, f64::max) + 5.0;
    let height = 60 + 34 * rows.len() as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(170)
            .build_cartesian_2d(lo..hi, 0f64..rows.len() as f64);
        if let Ok(mut chart) = chart {
            let names: Vec<String> = rows.iter().map(|r| r.0.to_string()).collect();
            let _ = chart
                .configure_mesh()
                .disable_y_mesh()
                .x_desc("variability reduction VR (%)")
                .y_labels(rows.len() * 2 + 1)
                .y_label_formatter(&|y| {
                    let i = (*y - 0.5).round();
                    if (y - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                        names[names.len() - 1 - i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .draw();
            let color = RGBColor(0, 114, 178);
            let n = rows.len();
            let _ = chart.draw_series(rows.iter().enumerate().map(|(i, (_, v))| {
                let y = (n - 1 - i) as f64;
                Rectangle::new([(0.0, y + 0.2), (*v, y + 0.8)], color.filled())
            }));
        }
        let _ = root.present();
    }
    svg.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "")
}

/// The mitigation section of the HTML report: the table and a bar plot of VR per mitigation.
pub(super) fn mitigation_html(r: &StudyReport) -> String {
    if r.mitigations.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>Mitigations</h2>\n<p>Each row makes one model per replica of the <code>all</code> condition (docs/protocol.md section 7, or <code>runvar protocol</code>); VR is the variability reduction against the single model (section 3).</p>\n<div class=\"scroll\">\n<table>\n<thead><tr>");
    for (k, h) in HEADERS.iter().enumerate() {
        let class = if k == 0 { " class=\"name\"" } else { "" };
        out.push_str(&format!("<th{class}>{}</th>", escape_html(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for m in &r.mitigations {
        out.push_str("<tr>");
        for (k, c) in cells_with_intervals(m).iter().enumerate() {
            let class = if k == 0 { " class=\"name\"" } else { "" };
            out.push_str(&format!("<td{class}>{}</td>", escape_html(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    let svg = vr_plot(r);
    if !svg.is_empty() {
        out.push_str(&format!(
            "<figure>{svg}<figcaption><b>Figure M.</b> Variability reduction per mitigation against the single model: the mean relative reduction of accuracy SD, cross-entropy SD, disagreement, 1 - correlation and ensemble gain.</figcaption></figure>\n"
        ));
    }
    out
}
