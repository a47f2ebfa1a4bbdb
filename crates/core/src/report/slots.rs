//! The frame every study plot shares: one x slot per condition (`-0.5 .. k - 0.5`), in study
//! order, with the condition names under the axis (rotated and abbreviated when they do not
//! fit), a light horizontal grid, and a y range padded around the data.

use super::ConditionReport;
use crate::render::svg::{abbreviate, Area, DrawError, FONT, INK, MUTED};
use crate::render::text::num;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A chart over condition slots (x) and values (y).
pub(super) type Chart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Average glyph width of the 11 px tick labels, for layout.
const CHAR_W: f64 = 6.6;
/// Longest x label before it is abbreviated.
const MAX_LABEL: usize = 18;

/// A chart with one x slot per condition (`-0.5 .. k - 0.5`), a light horizontal grid, y tick
/// labels with the decimals the tick step needs, and the condition labels below.
pub(super) fn slot_chart<'a, 'b>(
    area: &'a Area<'b>,
    caption: Option<&str>,
    k: usize,
    y: (f64, f64),
    y_desc: Option<&str>,
    labels: &XLabels,
) -> Result<Chart<'a, 'b>, DrawError> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(10)
        .margin_right(16)
        .x_label_area_size(labels.height)
        .y_label_area_size(if y_desc.is_some() { 76 } else { 58 });
    if let Some(caption) = caption {
        builder.caption(caption, (FONT, 17).into_font().color(&INK));
    }
    let mut chart = builder.build_cartesian_2d(-0.5..(k.max(1) as f64 - 0.5), y.0..y.1)?;
    let decimals = tick_decimals(y.1 - y.0);
    let fmt = |v: &f64| num(*v, decimals);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&fmt)
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(228, 228, 228))
        .axis_style(MUTED)
        .label_style((FONT, 14).into_font().color(&INK))
        .axis_desc_style((FONT, 15).into_font().color(&INK));
    if let Some(desc) = y_desc {
        mesh.y_desc(desc);
    }
    mesh.draw()?;

    let base = area.get_base_pixel();
    let style = (FONT, 14).into_font().color(&INK);
    for (i, text) in labels.text.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64, y.0));
        let pos = (px - base.0, py - base.1 + 7);
        let style = if labels.rotated {
            style
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Center))
        } else {
            style.pos(Pos::new(HPos::Center, VPos::Top))
        };
        area.draw(&Text::new(text.clone(), pos, style))?;
    }
    Ok(chart)
}

/// A small gray remark at a chart position (missing values).
pub(super) fn note_at(chart: &Chart, x: f64, y: f64, text: &str) -> Result<(), DrawError> {
    let style = (FONT, 13)
        .into_font()
        .color(&MUTED)
        .pos(Pos::new(HPos::Center, VPos::Center));
    chart
        .plotting_area()
        .draw(&Text::new(text.to_string(), (x, y), style))
}

/// Condition labels under the x axis: horizontal when they fit their slot, otherwise rotated
/// and abbreviated to [`MAX_LABEL`] characters.
pub(super) struct XLabels {
    pub(super) text: Vec<String>,
    pub(super) rotated: bool,
    pub(super) height: u32,
}

pub(super) fn x_labels(cs: &[ConditionReport], plot_width: f64) -> XLabels {
    let slot = plot_width / cs.len().max(1) as f64;
    let longest = cs.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
    if longest as f64 * CHAR_W + 8.0 <= slot {
        let text = cs.iter().map(|c| c.name.clone()).collect();
        return XLabels {
            text,
            rotated: false,
            height: 28,
        };
    }
    let text: Vec<String> = cs.iter().map(|c| abbreviate(&c.name, MAX_LABEL)).collect();
    let longest = text.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    XLabels {
        text,
        rotated: true,
        // Rotated glyphs measured narrower than the horizontal estimate.
        height: (longest as f64 * 6.0) as u32 + 14,
    }
}

/// The axis range of the finite `values`, padded by 8% (`include_zero`: from 0, for bars).
/// Constant data gets a range around the value; no finite data gives `0..1`. Never starts
/// below 0 when no value is negative.
pub(super) fn padded_range(
    values: impl IntoIterator<Item = f64>,
    include_zero: bool,
) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let nonnegative = lo >= 0.0;
    let span = hi - lo;
    if !span.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if span > 1e-9 * hi.abs().max(lo.abs()).max(1e-300) {
        0.08 * span
    } else if hi == 0.0 {
        1.0
    } else {
        0.02 * hi.abs()
    };
    if !(include_zero && lo == 0.0) {
        lo -= pad;
    }
    hi += pad;
    if nonnegative {
        lo = lo.max(0.0);
    }
    (lo, hi)
}

/// Decimals that tell apart ticks of the step plotters picks for a span with at most 6 ticks.
fn tick_decimals(span: f64) -> usize {
    let raw = span / 7.0;
    if !(raw.is_finite() && raw > 0.0) {
        return 2;
    }
    let mut exp = raw.log10().floor();
    let mantissa = raw / 10f64.powf(exp);
    if mantissa > 5.0 {
        exp += 1.0;
    }
    // 1, 2 or 5 times 10^exp needs -exp decimals; cap for tiny spans.
    (-exp).clamp(0.0, 8.0) as usize
}
