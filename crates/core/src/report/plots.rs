//! SVG plots for `report.html`, drawn with plotters' SVG backend (text as SVG `<text>`, so no
//! font files are needed).
//!
//! Conditions sit on the x axis, one slot each, in study order, and keep one Okabe-Ito color
//! in every plot. None of the plots panics on a single condition, one or two runs, constant
//! values (the axis is padded), NaN (skipped), or an empty list of pairs; a drawing error
//! gives a small SVG that says so.

use super::slots::{note_at, padded_range, slot_chart, x_labels, XLabels};
use super::{ConditionReport, StudyReport};
use crate::render::svg::{hex, message_svg, render, Area, DrawError, INK, PALETTE};
use crate::stats::{percentile_sorted, Interval};
use plotters::prelude::*;

/// The color of the `i`th condition, the same in every plot and in the HTML table.
pub(super) fn condition_hex(i: usize) -> String {
    hex(color(i))
}

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// (a) Small multiples, one panel per metric: a bar per condition with its error bar (± the
/// bootstrap error for the SDs, the bootstrap interval for the pairwise metrics).
pub(super) fn metric_bars(r: &StudyReport) -> String {
    let cs = &r.conditions;
    let panel_w = (70 + 34 * cs.len() as u32).max(320);
    if cs.is_empty() {
        return message_svg((3 * panel_w, 200), "no conditions");
    }
    let panel = |title, bar: fn(&ConditionReport) -> Bar| (title, cs.iter().map(bar).collect());
    let panels: [(&str, Vec<Bar>); 6] = [
        panel("accuracy SD (pp) ± err", |c| {
            Bar::pm(c.acc_sd, c.acc_sd_err)
        }),
        panel("cross-entropy SD (nats) ± err", |c| {
            Bar::pm(c.ce_sd, c.ce_sd_err)
        }),
        panel("disagreement (%)", |c| {
            Bar::ci(c.disagreement, c.disagreement_ci)
        }),
        panel("logit correlation", |c| {
            Bar::ci(c.correlation, c.correlation_ci)
        }),
        panel("ensemble gain (pp)", |c| {
            Bar::ci(c.ensemble_gain, c.ensemble_gain_ci)
        }),
        panel("ensemble gain CE (nats)", |c| {
            Bar::ci(c.ensemble_gain_ce, c.ensemble_gain_ce_ci)
        }),
    ];
    let labels = x_labels(cs, f64::from(panel_w) - 80.0);
    let panel_h = 230 + labels.height;
    render((3 * panel_w, 2 * panel_h), |root| {
        for (area, (title, bars)) in root.split_evenly((2, 3)).iter().zip(&panels) {
            bar_panel(area, title, bars, &labels)?;
        }
        Ok(())
    })
}

/// (b) Per-run test accuracy: a column per condition, a dot per run (deterministic jitter), a
/// black bar at the condition's mean accuracy.
pub(super) fn accuracy_strip(r: &StudyReport) -> String {
    let cs = &r.conditions;
    if cs.is_empty() {
        return message_svg((960, 200), "no conditions");
    }
    let width = (100 + 60 * cs.len() as u32).max(960);
    let labels = x_labels(cs, f64::from(width) - 110.0);
    let values = cs.iter().flat_map(|c| c.accuracies.iter().copied());
    let y = padded_range(values.chain(cs.iter().map(|c| c.mean_acc)), false);
    render((width, 330 + labels.height), |root| {
        let mut chart = slot_chart(root, None, cs.len(), y, Some("test accuracy (%)"), &labels)?;
        for (i, c) in cs.iter().enumerate() {
            let x = i as f64;
            // The mean bar first and wider than the jitter, so its ends show past the dots.
            let mean = if c.mean_acc.is_finite() {
                c.mean_acc
            } else {
                finite_mean(&c.accuracies)
            };
            if mean.is_finite() {
                let line = vec![(x - 0.34, mean), (x + 0.34, mean)];
                chart.draw_series([PathElement::new(line, BLACK.stroke_width(3))])?;
            }
            let n = c.accuracies.len();
            let radius = if n > 60 { 2 } else { 3 };
            let style = color(i).mix(0.65).filled();
            chart.draw_series(
                c.accuracies
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.is_finite())
                    .map(|(j, &a)| Circle::new((x + jitter(j, n), a), radius, style)),
            )?;
            if !c.accuracies.iter().any(|a| a.is_finite()) {
                note_at(&chart, i as f64, y.0 + 0.5 * (y.1 - y.0), "no runs")?;
            }
        }
        Ok(())
    })
}

/// (c) Pairwise disagreement: per condition, the histogram of its `N(N-1)/2` pair values drawn
/// mirrored (a violin of bins), a thin min-max line, a thick interquartile bar and a white
/// median dot.
pub(super) fn disagreement_distribution(r: &StudyReport) -> String {
    let cs = &r.conditions;
    if cs.is_empty() {
        return message_svg((960, 200), "no conditions");
    }
    let width = (100 + 60 * cs.len() as u32).max(960);
    let labels = x_labels(cs, f64::from(width) - 110.0);
    let all = cs
        .iter()
        .flat_map(|c| c.pairwise_disagreement.iter().copied());
    let y = padded_range(all, false);
    render((width, 330 + labels.height), |root| {
        let desc = Some("pairwise disagreement (%)");
        let mut chart = slot_chart(root, None, cs.len(), y, desc, &labels)?;
        // Constant data (the control) gets a thin bar, not a zero-height one.
        let min_h = 0.012 * (y.1 - y.0);
        for (i, c) in cs.iter().enumerate() {
            let x = i as f64;
            let mut v: Vec<f64> = c
                .pairwise_disagreement
                .iter()
                .copied()
                .filter(|d| d.is_finite())
                .collect();
            if v.is_empty() {
                note_at(&chart, x, y.0 + 0.5 * (y.1 - y.0), "no pairs")?;
                continue;
            }
            v.sort_by(f64::total_cmp);
            let fill = color(i).mix(0.5).filled();
            chart.draw_series(violin(&v, min_h).into_iter().map(|(lo, hi, half)| {
                Rectangle::new([(x - half, lo.max(y.0)), (x + half, hi)], fill)
            }))?;
            let (lo, hi) = (v[0], v[v.len() - 1]);
            let quartile = |q| percentile_sorted(&v, q);
            let (q1, med, q3) = (quartile(0.25), quartile(0.5), quartile(0.75));
            chart.draw_series([
                PathElement::new(vec![(x, lo), (x, hi)], INK.stroke_width(1)),
                PathElement::new(vec![(x, q1), (x, q3)], INK.stroke_width(5)),
            ])?;
            chart.draw_series([
                Circle::new((x, med), 4, WHITE.filled()),
                Circle::new((x, med), 4, INK.stroke_width(1)),
            ])?;
        }
        Ok(())
    })
}

/// The bins of a violin over sorted, non-empty `v`: `(lo, hi, half width)` with about
/// sqrt(n) bins (at most 30) spanning the data, widths relative to the fullest bin (0.42 of a
/// slot). Data spanning less than `min_h` gives one bar of height `min_h`.
fn violin(v: &[f64], min_h: f64) -> Vec<(f64, f64, f64)> {
    let (lo, hi) = (v[0], v[v.len() - 1]);
    if hi - lo < min_h {
        let mid = 0.5 * (lo + hi);
        return vec![(mid - 0.5 * min_h, mid + 0.5 * min_h, 0.42)];
    }
    let bins = ((v.len() as f64).sqrt().ceil() as usize).clamp(3, 30);
    let bin_w = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &d in v {
        counts[(((d - lo) / bin_w) as usize).min(bins - 1)] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let at = |b: usize| lo + b as f64 * bin_w;
    counts
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(b, &n)| (at(b), at(b + 1), 0.42 * n as f64 / max))
        .collect()
}

/// One bar: value and the ends of its error bar (NaN where there is none).
struct Bar {
    v: f64,
    lo: f64,
    hi: f64,
}

impl Bar {
    /// `v ± err`.
    fn pm(v: f64, err: f64) -> Bar {
        Bar {
            v,
            lo: v - err,
            hi: v + err,
        }
    }

    /// `v` with an interval, if any.
    fn ci(v: f64, ci: Option<Interval>) -> Bar {
        let (lo, hi) = ci.map_or((f64::NAN, f64::NAN), |c| (c.lo, c.hi));
        Bar { v, lo, hi }
    }
}

fn bar_panel(area: &Area, title: &str, bars: &[Bar], labels: &XLabels) -> Result<(), DrawError> {
    let values = bars.iter().flat_map(|b| [b.v, b.lo, b.hi]);
    let y = padded_range(values, true);
    let mut chart = slot_chart(area, Some(title), bars.len(), y, None, labels)?;
    for (i, b) in bars.iter().enumerate() {
        let x = i as f64;
        if !b.v.is_finite() {
            note_at(&chart, x, y.0 + 0.12 * (y.1 - y.0), "n/a")?;
            continue;
        }
        chart.draw_series([Rectangle::new(
            [(x - 0.32, 0.0), (x + 0.32, b.v)],
            color(i).mix(0.8).filled(),
        )])?;
        // The top edge keeps a zero bar (the control) visible.
        let top = vec![(x - 0.32, b.v), (x + 0.32, b.v)];
        chart.draw_series([PathElement::new(top, color(i).stroke_width(2))])?;
        if b.lo.is_finite() && b.hi.is_finite() {
            let ink = INK.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(x, b.lo), (x, b.hi)], ink),
                PathElement::new(vec![(x - 0.1, b.lo), (x + 0.1, b.lo)], ink),
                PathElement::new(vec![(x - 0.1, b.hi), (x + 0.1, b.hi)], ink),
            ])?;
        }
    }
    Ok(())
}

/// Horizontal offset of run `j` of `n` inside its slot: a golden-ratio sequence, so the dots
/// spread evenly and the same report always draws the same picture.
fn jitter(j: usize, n: usize) -> f64 {
    if n <= 1 {
        return 0.0;
    }
    let u = (j as f64 * 0.618_033_988_749_895 + 0.5).fract();
    (u - 0.5) * 0.5
}

fn finite_mean(v: &[f64]) -> f64 {
    let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    finite.iter().sum::<f64>() / finite.len() as f64
}
