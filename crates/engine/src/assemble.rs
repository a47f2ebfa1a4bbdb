//! Assemble a minibatch's tensors from its draws: core's [`runvar_core::batches`] says which
//! examples go into which batch and how each is cropped and flipped; this module copies them.
//! In Rust on the CPU ([`gather`]), or with tensor ops on the device where the training set
//! already lives ([`DeviceSplit`]), so a GPU is not held up by the host. Both copy the same
//! values: a batch is bit-identical either way.

use runvar_core::data::Split;
use runvar_core::runspec::AugmentDraw;
use tch::{Kind, Tensor};

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

/// Copy examples `ids` of `split` into `out` (cleared first), applying to `ids[k]` the crop and
/// flip `augment[k]` when `augment` is non-empty (one draw per entry of `ids`: an example that
/// appears twice may be cropped twice differently). A crop reads the image as if zero-padded by `padding`
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
    assert_eq!(
        augment.len(),
        ids.len(),
        "one augmentation draw per example"
    );
    for (&i, &a) in ids.iter().zip(augment) {
        let src = &split.x[i * len..(i + 1) * len];
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

/// A training split resident on the device, and the batches it gives.
#[derive(Debug)]
pub struct DeviceSplit {
    x: Tensor,
    y: Tensor,
    pad_value: Tensor,
    geo: Geometry,
}

impl DeviceSplit {
    /// Copy `split` (examples of `geo`) to `device`; `pad_value[c]` fills crop padding.
    pub fn new(split: &Split, geo: Geometry, pad_value: &[f32], device: tch::Device) -> Self {
        let dims = [
            split.len() as i64,
            geo.channels as i64,
            geo.height as i64,
            geo.width as i64,
        ];
        DeviceSplit {
            x: Tensor::from_slice(&split.x).view(dims).to_device(device),
            y: Tensor::from_slice(&split.y).to_device(device),
            pad_value: Tensor::from_slice(pad_value)
                .view([1, -1, 1, 1])
                .to_device(device),
            geo,
        }
    }

    /// Examples `ids` (`[n, c, h, w]`) and their labels, `ids[k]` cropped and flipped per
    /// `augment[k]` (empty for none), as [`gather`] does.
    pub fn batch(
        &self,
        ids: &[usize],
        augment: &[AugmentDraw],
        padding: usize,
    ) -> (Tensor, Tensor) {
        let device = self.x.device();
        let idx: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
        let idx = Tensor::from_slice(&idx).to_device(device);
        let x = self.x.index_select(0, &idx);
        let y = self.y.index_select(0, &idx);
        if augment.is_empty() {
            return (x, y);
        }
        let (c, h, w) = (
            self.geo.channels as i64,
            self.geo.height as i64,
            self.geo.width as i64,
        );
        let n = ids.len() as i64;
        let pad = padding as i64;
        let pad_y = if h > 1 { pad } else { 0 };
        let (hp, wp) = (h + 2 * pad_y, w + 2 * pad);
        // The padded images: pad values everywhere, the image in the middle.
        let padded = self.pad_value.expand([n, c, hp, wp], false).contiguous();
        padded.narrow(2, pad_y, h).narrow(3, pad, w).copy_(&x);
        // Output pixel (r, q) reads padded pixel (r + dy, q' + dx), q' = q mirrored if flipped.
        assert_eq!(
            augment.len(),
            ids.len(),
            "one augmentation draw per example"
        );
        let draws: Vec<[i64; 3]> = augment
            .iter()
            .map(|a| [i64::from(a.dy), i64::from(a.dx), i64::from(a.flip)])
            .collect();
        let draws = Tensor::from_slice(&draws.concat())
            .view([n, 3])
            .to_device(device);
        let (dy, dx, flip) = (draws.select(1, 0), draws.select(1, 1), draws.select(1, 2));
        let opts = (Kind::Int64, device);
        let rows = dy.unsqueeze(1) + Tensor::arange(h, opts).unsqueeze(0);
        let q = Tensor::arange(w, opts).unsqueeze(0);
        let mirrored = q.flip([1]);
        let q = mirrored.where_self(&flip.unsqueeze(1).eq(1), &q);
        let cols = dx.unsqueeze(1) + q;
        let flat = (rows.unsqueeze(2) * wp + cols.unsqueeze(1)).view([n, 1, h * w]);
        let x = padded
            .view([n, c, hp * wp])
            .gather(2, &flat.expand([n, c, h * w], false), false)
            .view([n, c, h, w]);
        (x, y)
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
        gather(&split(), GEO, &[0], &[centre], 1, &[-1.0], &mut out);
        assert_eq!(out, vec![0., 1., 2., 3., 4., 5.]);
        // Offset (0, 0) of the 1-padded image: shifted down-right, pad on top and left.
        let corner = AugmentDraw::default();
        gather(&split(), GEO, &[0], &[corner], 1, &[-1.0], &mut out);
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
        gather(&split(), GEO, &[0], &[flip], 1, &[-1.0], &mut out);
        assert_eq!(out, vec![2., 1., 0., 5., 4., 3.]);
    }

    /// The device path copies exactly the values the Rust path does, for 2-D images with crops
    /// and flips and for 1-D signals with shifts, with ids out of order.
    #[test]
    fn device_batches_equal_rust_batches() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        for (geo, padding) in [
            (
                Geometry {
                    channels: 3,
                    height: 5,
                    width: 6,
                },
                2,
            ),
            (
                Geometry {
                    channels: 1,
                    height: 1,
                    width: 9,
                },
                3,
            ),
        ] {
            let n = 7;
            let split = Split {
                x: (0..n * geo.len()).map(|_| rng.gen::<f32>()).collect(),
                y: (0..n as i64).collect(),
            };
            let pad_value: Vec<f32> = (0..geo.channels).map(|c| -1.0 - c as f32).collect();
            let augment: Vec<AugmentDraw> = (0..n)
                .map(|_| AugmentDraw {
                    dy: if geo.height > 1 {
                        rng.gen_range(0..=2 * padding as u8)
                    } else {
                        0
                    },
                    dx: rng.gen_range(0..=2 * padding as u8),
                    flip: geo.height > 1 && rng.gen(),
                })
                .collect();
            // Example 2 twice, with two different draws (as a resample's duplicates have).
            let ids = [4, 0, 6, 2, 2, 5];
            let augment: Vec<AugmentDraw> = augment[..ids.len()].to_vec();
            let dev = DeviceSplit::new(&split, geo, &pad_value, tch::Device::Cpu);
            for aug in [&augment[..], &[]] {
                let mut want = Vec::new();
                gather(&split, geo, &ids, aug, padding, &pad_value, &mut want);
                let (x, y) = dev.batch(&ids, aug, padding);
                let got = Vec::<f32>::try_from(x.flatten(0, -1)).unwrap();
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{geo:?}, {} draws", aug.len());
                assert_eq!(Vec::<i64>::try_from(y).unwrap(), vec![4, 0, 6, 2, 2, 5]);
            }
        }
    }
}
