//! Thumbnails of test inputs for a gallery: an image as an `<img>` with a PNG `data:` URI
//! (drawn pixelated at a whole-number scale), a 1-D signal as a small inline SVG line plot.

use super::page::escape_html;
use super::png::png_data_uri;

/// The side a thumbnail is scaled up to, at least (pixels).
const SIDE: usize = 84;

/// `<img>` of a `channels x height x width` array (row-major, planes one after the other, as
/// the datasets store it) of values in `[0, 1]` (clamped; NaN reads as 0): gray for one
/// channel, RGB for three (other counts show the first channel). Drawn at the smallest
/// whole-number scale that makes the longer side at least 84 pixels; `alt` is escaped.
pub(crate) fn image_thumb(
    channels: usize,
    height: usize,
    width: usize,
    values: &[f32],
    alt: &str,
) -> String {
    let plane = height * width;
    let rgb = channels == 3;
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8; // NaN clamps to NaN -> 0
    let pixels: Vec<u8> = if rgb {
        (0..plane)
            .flat_map(|p| (0..3).map(move |c| c * plane + p))
            .map(|i| byte(values.get(i).copied().unwrap_or(0.0)))
            .collect()
    } else {
        (0..plane)
            .map(|i| byte(values.get(i).copied().unwrap_or(0.0)))
            .collect()
    };
    let scale = SIDE.div_ceil(height.max(width).max(1));
    format!(
        "<img class=\"thumb\" src=\"{}\" width=\"{}\" height=\"{}\" alt=\"{}\">",
        png_data_uri(width, height, if rgb { 3 } else { 1 }, &pixels),
        width * scale,
        height * scale,
        escape_html(alt)
    )
}

/// An inline SVG line plot of a 1-D signal, `w x h` pixels: the values left to right, the y
/// range their minimum to maximum (a flat signal sits in the middle), a light zero line
/// when 0 is in range. Non-finite values are skipped. `label` (escaped) is its accessible
/// name.
pub(crate) fn signal_svg(values: &[f32], w: u32, h: u32, label: &str) -> String {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = 4.0;
    let (wf, hf) = (f64::from(w), f64::from(h));
    let span = f64::from(hi - lo);
    let y = |v: f32| {
        if span > 0.0 {
            pad + (f64::from(hi - v) / span) * (hf - 2.0 * pad)
        } else {
            hf / 2.0
        }
    };
    let step = (wf - 2.0 * pad) / (values.len().max(2) - 1) as f64;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| format!("{:.1},{:.1}", pad + i as f64 * step, y(v)))
        .collect();
    let zero = if lo < 0.0 && hi > 0.0 {
        format!(
            "<line x1=\"{pad}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d0d7de\"/>",
            wf - pad,
            y(0.0),
            y(0.0)
        )
    } else {
        String::new()
    };
    format!(
        "<svg class=\"thumb\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-label=\"{}\"><rect width=\"{w}\" height=\"{h}\" fill=\"#f6f8fa\"/>{zero}\
         <polyline fill=\"none\" stroke=\"#0072b2\" stroke-width=\"1.5\" points=\"{}\"/></svg>",
        escape_html(label),
        points.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_scale_to_whole_pixels() {
        let img = image_thumb(1, 8, 8, &[0.5; 64], "a \"digit\"");
        assert!(img.contains("width=\"88\" height=\"88\""), "{img}");
        assert!(img.contains("alt=\"a &quot;digit&quot;\""));
        assert!(image_thumb(1, 28, 28, &[0.0; 784], "").contains("width=\"84\""));
        let rgb = image_thumb(3, 32, 32, &[1.0; 3072], "");
        assert!(rgb.contains("width=\"96\"") && rgb.contains("data:image/png;base64,"));
    }

    #[test]
    fn signals_are_polylines_across_the_plot() {
        let s = signal_svg(&[0.0, 1.0, -1.0, f32::NAN, 0.5], 120, 40, "x<y");
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("aria-label=\"x&lt;y\""));
        // First point at the left pad, the maximum at the top pad, NaN skipped.
        assert!(
            s.contains("points=\"4.0,20.0 32.0,4.0 60.0,36.0 116.0,12.0\""),
            "{s}"
        );
        assert!(s.contains("<line"), "zero line");
        assert!(signal_svg(&[2.0; 5], 120, 40, "").contains("4.0,20.0"));
    }
}
