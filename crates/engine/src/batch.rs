//! Assemble a minibatch in Rust: gather examples, crop and flip them per their draws.

use runvar_core::batches::AugmentDraw;
use runvar_core::data::Split;

/// Geometry of one example.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// Channels.
    pub channels: usize,
    /// Height.
    pub height: usize,
    /// Width.
    pub width: usize,
}

impl Geometry {
    /// Values per example.
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// True for a zero-sized example (never the case for real data).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Copy examples `ids` of `split` into `out` (cleared first), applying each example's crop and
/// flip when `augment` is non-empty. A crop reads the image as if zero-padded by `padding`
/// (padding takes `pad_value[c]`, the normalized zero pixel) at offset `(dy, dx)`; 1-D signals
/// (height 1) pad only along the width.
pub fn gather(
    split: &Split,
    geo: Geometry,
    ids: &[usize],
    augment: &[AugmentDraw],
    padding: usize,
    pad_value: &[f32],
    out: &mut Vec<f32>,
) {
    let len = geo.len();
    out.clear();
    out.reserve(ids.len() * len);
    if augment.is_empty() {
        for &i in ids {
            out.extend_from_slice(&split.x[i * len..(i + 1) * len]);
        }
        return;
    }
    let (h, w) = (geo.height as isize, geo.width as isize);
    let pad = padding as isize;
    let pad_y = if geo.height > 1 { pad } else { 0 };
    for &i in ids {
        let src = &split.x[i * len..(i + 1) * len];
        let a = augment[i];
        for c in 0..geo.channels {
            let plane = &src[c * (h * w) as usize..(c + 1) * (h * w) as usize];
            for y in 0..h {
                let sy = y + a.dy as isize - pad_y;
                for x in 0..w {
                    let xo = if a.flip { w - 1 - x } else { x };
                    let sx = xo + a.dx as isize - pad;
                    let v = if (0..h).contains(&sy) && (0..w).contains(&sx) {
                        plane[(sy * w + sx) as usize]
                    } else {
                        pad_value[c]
                    };
                    out.push(v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split() -> Split {
        // Two 1-channel 2x3 images: values 0..6 and 10..16.
        let x = (0..6).chain(10..16).map(|v| v as f32).collect();
        Split { x, y: vec![0, 1] }
    }

    const GEO: Geometry = Geometry {
        channels: 1,
        height: 2,
        width: 3,
    };

    #[test]
    fn plain_gather_copies_in_order() {
        let mut out = Vec::new();
        gather(&split(), GEO, &[1, 0], &[], 0, &[-1.0], &mut out);
        assert_eq!(
            out,
            vec![10., 11., 12., 13., 14., 15., 0., 1., 2., 3., 4., 5.]
        );
    }

    #[test]
    fn centred_crop_is_the_identity_and_shifts_pad() {
        let centre = AugmentDraw {
            dy: 1,
            dx: 1,
            flip: false,
        };
        let mut out = Vec::new();
        gather(&split(), GEO, &[0], &[centre, centre], 1, &[-1.0], &mut out);
        assert_eq!(out, vec![0., 1., 2., 3., 4., 5.]);
        // Offset (0, 0) of the 1-padded image: shifted down-right, pad on top and left.
        let corner = AugmentDraw::default();
        gather(&split(), GEO, &[0], &[corner, corner], 1, &[-1.0], &mut out);
        assert_eq!(out, vec![-1., -1., -1., -1., 0., 1.]);
    }

    #[test]
    fn flip_mirrors_columns() {
        let flip = AugmentDraw {
            dy: 1,
            dx: 1,
            flip: true,
        };
        let mut out = Vec::new();
        gather(&split(), GEO, &[0], &[flip, flip], 1, &[-1.0], &mut out);
        assert_eq!(out, vec![2., 1., 0., 5., 4., 3.]);
    }
}
