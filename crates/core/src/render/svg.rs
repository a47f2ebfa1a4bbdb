//! SVG figures drawn with plotters' SVG backend: text stays SVG `<text>`, so no font files are
//! needed and the page stays one file.
//!
//! A plot is a closure drawing on an [`Area`]; [`render`] runs it into a fresh string and turns
//! a drawing error into a small SVG that says so, so no report fails for a figure. Colors are
//! Okabe-Ito (readable with the common color-vision deficiencies).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The drawing surface of one SVG figure.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// What drawing on an [`Area`] can fail with.
pub(crate) type DrawError = DrawingAreaErrorKind<std::io::Error>;

/// Okabe-Ito, reordered so that the first colors are the most distinct on white; black is
/// replaced by a dark gray so the black markers stay visible.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(100, 100, 100),
    RGBColor(240, 228, 66),
];
/// The font family of every label; the viewer picks the face.
pub(crate) const FONT: &str = "sans-serif";
/// Text, axes descriptions and reference marks.
pub(crate) const INK: RGBColor = RGBColor(40, 40, 40);
/// Axis lines and remarks (missing values, "nothing to draw").
pub(crate) const MUTED: RGBColor = RGBColor(110, 110, 110);

/// `#rrggbb` of a color, for swatches in HTML tables that match the plots.
pub(crate) fn hex(color: RGBColor) -> String {
    let RGBColor(r, g, b) = color;
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// `s` cut to `max` characters, the last one an ellipsis (`max` >= 1).
pub(crate) fn abbreviate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// Draws into a fresh SVG string of `size` pixels on white; a drawing error gives an SVG with
/// the message instead.
pub(crate) fn render(
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> Result<(), DrawError>,
) -> String {
    let mut svg = String::new();
    let result = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present())
    };
    match result {
        Ok(()) => svg,
        Err(e) => message_svg(size, &format!("plot failed: {e}")),
    }
}

/// An SVG of the given size with one centered line of gray text.
pub(crate) fn message_svg(size: (u32, u32), text: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let style = (FONT, 16)
            .into_font()
            .color(&MUTED)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let center = (size.0 as i32 / 2, size.1 as i32 / 2);
        // Writing to a String cannot fail; an error here would leave an empty SVG, not panic.
        let _ = root
            .fill(&WHITE)
            .and_then(|()| root.draw(&Text::new(text, center, style)));
        let _ = root.present();
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviate_and_hex() {
        assert_eq!(abbreviate("init+shuffle", 18), "init+shuffle");
        assert_eq!(abbreviate("abcdef", 4), "abc…");
        assert_eq!(hex(PALETTE[1]), "#d55e00");
    }

    #[test]
    fn a_failed_drawing_gives_a_message() {
        let ok = render((40, 30), |_| Ok(()));
        assert!(ok.starts_with("<svg") && ok.contains("width=\"40\""));
        let failed = render((40, 30), |area| {
            area.draw(&Circle::new((1, 1), 1, BLACK.filled()))?;
            Err(DrawingAreaErrorKind::LayoutError)
        });
        assert!(failed.contains("plot failed"), "{failed}");
    }
}
