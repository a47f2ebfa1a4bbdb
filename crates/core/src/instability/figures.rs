//! What the instability plots show: one [`PlotSpec`] per figure, its lines already in plot
//! coordinates (log10 of the value on a log axis, where zeros and non-finite values are left
//! out and counted for the caption). Colors: bit-flip twins in blues, independent runs in
//! vermillion/orange, no-flip twins in gray (Okabe-Ito hues). [`super::plot`] draws them.

use super::findings::sig;
use super::{Curve, InstabilityReport, TwinKind};
use crate::render::svg::{abbreviate, INK, PALETTE};
use plotters::style::RGBColor;
use std::collections::BTreeMap;
use std::f64::consts::LN_10;

/// No-flip twins.
const GRAY: RGBColor = RGBColor(120, 120, 120);
/// Independent runs and their level (Okabe-Ito vermillion).
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
pub(super) fn curve_colors(curves: &[Curve]) -> Vec<RGBColor> {
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
pub(super) struct Series {
    pub(super) label: String,
    pub(super) color: RGBColor,
    pub(super) points: Vec<(f64, f64)>,
    pub(super) dashed: bool,
    pub(super) markers: bool,
}

/// Everything one plot draws.
pub(super) struct PlotSpec {
    pub(super) title: String,
    pub(super) y_desc: &'static str,
    pub(super) log_y: bool,
    pub(super) series: Vec<Series>,
    pub(super) x_max: f64,
    pub(super) steps_per_epoch: usize,
    /// Values a log axis cannot show (zero, negative, not finite).
    pub(super) skipped: usize,
    /// Shown instead of the plot when there is nothing to draw it from.
    pub(super) missing: Option<&'static str>,
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
    abbreviate(s, MAX_LABEL)
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
pub(super) fn relative_spec(r: &InstabilityReport) -> PlotSpec {
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

pub(super) fn disagreement_spec(r: &InstabilityReport) -> PlotSpec {
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

pub(super) fn logit_spec(r: &InstabilityReport) -> PlotSpec {
    let title = "logit distance to the base run";
    per_curve(r, title, "RMS logit distance per example", true, |c| {
        &c.logit_distance
    })
}

/// Figure 4: the first bit-flip twin's per-layer distances.
pub(super) fn layer_spec(r: &InstabilityReport) -> PlotSpec {
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
