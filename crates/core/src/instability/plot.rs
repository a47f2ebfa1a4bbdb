//! Drawing an instability [`PlotSpec`]: steps on x (thin vertical lines at the epochs), log
//! decades or a linear range on y, the lines and dots of each series, the legend in a column
//! on the right. Nothing here panics on empty curves, a single recorded step, zeros or NaN.

use super::figures::{relative_spec, PlotSpec, Series};
use super::InstabilityReport;
use crate::render::svg::{message_svg, render, Area, DrawError, FONT, INK, MUTED};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Size of a figure, pixels.
const WIDTH: u32 = 1100;
const HEIGHT: u32 = 420;
/// Width of the legend column.
const LEGEND_W: u32 = 250;

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
pub(super) fn draw(spec: &PlotSpec) -> String {
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
