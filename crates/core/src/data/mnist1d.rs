//! MNIST-1D: procedurally generated 1-D digits (Greydanus 2020, "Scaling down deep learning").
//!
//! Each of the ten digits has a fixed 12-point template (the values of the original
//! `mnist1d` package), whitened per template, shifted to start and end at 0 and divided by 6.
//! An example is made from its class template by, in order:
//!
//! 1. padding with `p` zeros, `p` uniform in `padding[0]..=padding[1]`, then stretching
//!    (linear interpolation) to `template_len + padding[1]` points;
//! 2. scaling by `1 + scale_coeff * (u - 0.5)`, `u` uniform in `[0, 1)`;
//! 3. translating: a circular shift right by `k`, uniform in `0..max_translation`;
//! 4. filling the padding (every point not touched by the template) with correlated noise,
//!    `corr_noise_scale` times standard normal noise smoothed by a Gaussian filter of sigma 2
//!    (radius 8, reflected at the ends), then adding `iid_noise_scale` white noise everywhere;
//! 5. shearing: subtracting `c * t` with `t` evenly spaced in `[-0.5, 0.5]` and
//!    `c = shear_scale * (u - 0.5)`;
//! 6. resampling (linear interpolation) to `final_seq_length` points.
//!
//! Finally all values of both splits together are standardized to mean 0 and standard
//! deviation 1, as in the original, so the [`Dataset`] carries mean 0 and std 1.
//!
//! Labels differ from the original's in one respect: instead of shuffling a balanced set and
//! cutting it at `train_split`, each split is balanced on its own: split `s` of `n` examples
//! gets labels `i % 10` for `i in 0..n`, shuffled. With the defaults (5,000 examples,
//! `train_split` 0.8) that is exactly 400 examples per class in train and 100 in test.
//!
//! Everything comes from one `ChaCha20Rng::seed_from_u64(seed)` stream, drawn in a fixed
//! order (train labels shuffle, test labels shuffle, then for each example in train-then-test
//! order: padding, scale, shift, correlated noise, white noise, shear), so a seed fixes the
//! dataset bit for bit.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::{Dataset, Split};

/// Number of classes (digits 0-9).
pub const CLASSES: usize = 10;

/// The ten digit templates of the original MNIST-1D, before whitening (12 points each).
const RAW_TEMPLATES: [[f64; 12]; CLASSES] = [
    [5.0, 6.0, 6.5, 6.75, 7.0, 7.0, 7.0, 7.0, 6.75, 6.5, 6.0, 5.0],
    [5.0, 3.0, 3.0, 3.4, 3.8, 4.2, 4.6, 5.0, 5.4, 5.8, 5.0, 5.0],
    [5.0, 6.0, 6.5, 6.5, 6.0, 5.25, 4.75, 4.0, 3.5, 3.5, 4.0, 5.0],
    [5.0, 6.0, 6.5, 6.5, 6.0, 5.0, 5.0, 6.0, 6.5, 6.5, 6.0, 5.0],
    [5.0, 4.4, 3.8, 3.2, 2.6, 2.6, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0],
    [5.0, 3.0, 3.0, 3.0, 3.0, 5.0, 6.0, 6.5, 6.5, 6.0, 4.5, 5.0],
    [5.0, 4.0, 3.5, 3.25, 3.0, 3.0, 3.0, 3.0, 3.25, 3.5, 4.0, 5.0],
    [5.0, 7.0, 7.0, 6.6, 6.2, 5.8, 5.4, 5.0, 4.6, 4.2, 5.0, 5.0],
    [5.0, 4.0, 3.5, 3.5, 4.0, 5.0, 5.0, 4.0, 3.5, 3.5, 4.0, 5.0],
    [5.0, 4.0, 3.5, 3.5, 4.0, 5.0, 5.0, 5.0, 5.0, 4.7, 4.3, 5.0],
];

/// Sigma (in points) of the Gaussian filter that correlates the background noise.
const CORR_NOISE_SIGMA: f64 = 2.0;
/// The filter is cut off at this many sigmas (as scipy's `gaussian_filter` default).
const FILTER_TRUNCATE: f64 = 4.0;

/// Parameters of MNIST-1D generation; the defaults are those of the original paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mnist1dSpec {
    /// Total number of examples, train and test together (5000).
    pub num_samples: usize,
    /// Fraction of examples in the training split, rounded down (0.8).
    pub train_split: f64,
    /// Template length used for the stretched length `template_len + padding[1]` (12).
    pub template_len: usize,
    /// Inclusive range of the number of zeros appended to a template ([36, 60]).
    pub padding: [usize; 2],
    /// Relative amplitude jitter: scale by `1 + scale_coeff * (u - 0.5)` (0.4).
    pub scale_coeff: f64,
    /// Circular shifts are drawn from `0..max_translation` (48).
    pub max_translation: usize,
    /// Standard deviation of the correlated background noise before smoothing (0.25).
    pub corr_noise_scale: f64,
    /// Standard deviation of the white noise added everywhere (0.02).
    pub iid_noise_scale: f64,
    /// Range of the linear shear coefficient, `shear_scale * (u - 0.5)` (0.75).
    pub shear_scale: f64,
    /// Length of every final signal (40).
    pub final_seq_length: usize,
}

impl Default for Mnist1dSpec {
    fn default() -> Self {
        Mnist1dSpec {
            num_samples: 5000,
            train_split: 0.8,
            template_len: 12,
            padding: [36, 60],
            scale_coeff: 0.4,
            max_translation: 48,
            corr_noise_scale: 0.25,
            iid_noise_scale: 2e-2,
            shear_scale: 0.75,
            final_seq_length: 40,
        }
    }
}

impl Mnist1dSpec {
    /// Number of training examples: `floor(num_samples * train_split)`, within `0..=num_samples`.
    pub fn train_len(&self) -> usize {
        // `as` saturates: a negative or NaN split gives 0.
        ((self.num_samples as f64 * self.train_split).floor() as usize).min(self.num_samples)
    }
}

/// Generates MNIST-1D (name `mnist1d`: 1 channel, height 1, width `final_seq_length`,
/// 10 classes) deterministically from `seed`. See the module documentation for the recipe.
pub fn generate_mnist1d(spec: &Mnist1dSpec, seed: u64) -> Dataset {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let recipe = Recipe::new(spec);
    let n_train = spec.train_len();
    let train_y = balanced_labels(n_train, &mut rng);
    let test_y = balanced_labels(spec.num_samples - n_train, &mut rng);

    let mut values: Vec<f64> = Vec::with_capacity(spec.num_samples * spec.final_seq_length);
    for &label in train_y.iter().chain(&test_y) {
        recipe.push_example(label as usize, &mut rng, &mut values);
    }
    standardize(&mut values);
    let mut x: Vec<f32> = values.into_iter().map(|v| v as f32).collect();
    let test_x = x.split_off(n_train * spec.final_seq_length);
    Dataset {
        name: "mnist1d".to_string(),
        channels: 1,
        height: 1,
        width: spec.final_seq_length,
        classes: CLASSES,
        mean: vec![0.0],
        std: vec![1.0],
        train: Split { x, y: train_y },
        test: Split {
            x: test_x,
            y: test_y,
        },
    }
}

/// The whitened templates: per template mean 0 and std 1, shifted to start at 0, divided by 6.
fn templates() -> [[f64; 12]; CLASSES] {
    RAW_TEMPLATES.map(|raw| {
        let n = raw.len() as f64;
        let mean = raw.iter().sum::<f64>() / n;
        let std = (raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        let start = (raw[0] - mean) / std;
        raw.map(|v| ((v - mean) / std - start) / 6.0)
    })
}

/// Labels `i % 10` for `i in 0..n`, shuffled.
fn balanced_labels(n: usize, rng: &mut ChaCha20Rng) -> Vec<i64> {
    let mut y: Vec<i64> = (0..n).map(|i| (i % CLASSES) as i64).collect();
    y.shuffle(rng);
    y
}

/// Everything about the recipe that is the same for every example.
struct Recipe<'a> {
    spec: &'a Mnist1dSpec,
    templates: [[f64; 12]; CLASSES],
    /// Padding range, ordered.
    pad: (usize, usize),
    /// Length of a stretched template: `template_len + padding[1]`.
    len: usize,
    /// Normalized Gaussian kernel for the correlated noise.
    kernel: Vec<f64>,
    /// The shear direction, evenly spaced in `[-0.5, 0.5]`.
    ramp: Vec<f64>,
}

impl<'a> Recipe<'a> {
    fn new(spec: &'a Mnist1dSpec) -> Self {
        let [a, b] = spec.padding;
        let len = spec.template_len + a.max(b);
        Recipe {
            spec,
            templates: templates(),
            pad: (a.min(b), a.max(b)),
            len,
            kernel: gaussian_kernel(CORR_NOISE_SIGMA),
            ramp: linspace(-0.5, 0.5, len),
        }
    }

    /// Appends one example of class `label` (steps 1-6 of the module documentation) to `out`.
    fn push_example(&self, label: usize, rng: &mut ChaCha20Rng, out: &mut Vec<f64>) {
        let (spec, len) = (self.spec, self.len);
        let template = &self.templates[label];
        let pad = rng.gen_range(self.pad.0..=self.pad.1);

        // 1. Pad and stretch; `signal` marks the points the template reaches.
        let mut padded = template.to_vec();
        padded.resize(template.len() + pad, 0.0);
        let mut indicator = vec![1.0; template.len()];
        indicator.resize(template.len() + pad, 0.0);
        let mut x = interpolate(&padded, len);
        let mut signal: Vec<bool> = interpolate(&indicator, len)
            .iter()
            .map(|&w| w > 0.0)
            .collect();

        // 2. Scale.
        let scale = 1.0 + spec.scale_coeff * (rng.gen::<f64>() - 0.5);
        x.iter_mut().for_each(|v| *v *= scale);

        // 3. Translate (circularly).
        let shift = if spec.max_translation > 0 {
            rng.gen_range(0..spec.max_translation)
        } else {
            0
        };
        if len > 0 {
            x.rotate_right(shift % len);
            signal.rotate_right(shift % len);
        }

        // 4. Correlated noise in the background, white noise everywhere.
        let raw_noise: Vec<f64> = (0..len)
            .map(|_| spec.corr_noise_scale * rng.sample::<f64, _>(StandardNormal))
            .collect();
        let corr_noise = smooth(&raw_noise, &self.kernel);
        for ((v, &is_signal), corr) in x.iter_mut().zip(&signal).zip(corr_noise) {
            if !is_signal {
                *v = corr;
            }
            *v += spec.iid_noise_scale * rng.sample::<f64, _>(StandardNormal);
        }

        // 5. Shear.
        let coeff = spec.shear_scale * (rng.gen::<f64>() - 0.5);
        for (v, t) in x.iter_mut().zip(&self.ramp) {
            *v -= coeff * t;
        }

        // 6. Resample.
        out.extend(interpolate(&x, spec.final_seq_length));
    }
}

/// `n` evenly spaced points from `start` to `end` inclusive (just `start` when `n == 1`).
fn linspace(start: f64, end: f64, n: usize) -> Vec<f64> {
    let step = if n > 1 {
        (end - start) / (n - 1) as f64
    } else {
        0.0
    };
    (0..n).map(|i| start + step * i as f64).collect()
}

/// Linear interpolation of `src`, taken as samples at evenly spaced points of `[0, 1]`,
/// at `n` evenly spaced points of `[0, 1]`.
fn interpolate(src: &[f64], n: usize) -> Vec<f64> {
    match src.len() {
        0 => vec![0.0; n],
        1 => vec![src[0]; n],
        m => linspace(0.0, (m - 1) as f64, n)
            .into_iter()
            .map(|pos| {
                let i = (pos.floor() as usize).min(m - 2);
                let frac = pos - i as f64;
                src[i] * (1.0 - frac) + src[i + 1] * frac
            })
            .collect(),
    }
}

/// A Gaussian kernel of `sigma`, cut at [`FILTER_TRUNCATE`] sigmas (as scipy's
/// `gaussian_filter`), normalized to sum 1.
fn gaussian_kernel(sigma: f64) -> Vec<f64> {
    let radius = (FILTER_TRUNCATE * sigma + 0.5) as i32;
    let kernel: Vec<f64> = (-radius..=radius)
        .map(|k| (-0.5 * (f64::from(k) / sigma).powi(2)).exp())
        .collect();
    let total: f64 = kernel.iter().sum();
    kernel.into_iter().map(|w| w / total).collect()
}

/// Convolves `x` with the odd-length, symmetric `kernel`, the signal reflected at its ends
/// (`d c b a | a b c d | d c b a`, scipy's `reflect` mode).
fn smooth(x: &[f64], kernel: &[f64]) -> Vec<f64> {
    if x.is_empty() {
        return Vec::new();
    }
    let n = x.len() as isize;
    let radius = (kernel.len() / 2) as isize;
    let reflect = |i: isize| {
        let m = i.rem_euclid(2 * n);
        x[(if m < n { m } else { 2 * n - 1 - m }) as usize]
    };
    let extended: Vec<f64> = (-radius..n + radius).map(reflect).collect();
    extended
        .windows(kernel.len())
        .map(|window| window.iter().zip(kernel).map(|(v, w)| v * w).sum())
        .collect()
}

/// Shifts and scales `values` in place to mean 0 and (population) standard deviation 1;
/// leaves them alone when that is undefined (no values, or all equal).
fn standardize(values: &mut [f64]) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    if std.is_finite() && std > 0.0 {
        values.iter_mut().for_each(|v| *v = (*v - mean) / std);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(x: &[f32]) -> Vec<u32> {
        x.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn same_seed_is_bit_identical() {
        let spec = Mnist1dSpec::default();
        let a = generate_mnist1d(&spec, 7);
        let b = generate_mnist1d(&spec, 7);
        assert_eq!(bits(&a.train.x), bits(&b.train.x));
        assert_eq!(bits(&a.test.x), bits(&b.test.x));
        assert_eq!((a.train.y, a.test.y), (b.train.y, b.test.y));
    }

    #[test]
    fn different_seeds_differ() {
        let spec = Mnist1dSpec::default();
        let a = generate_mnist1d(&spec, 1);
        let b = generate_mnist1d(&spec, 2);
        assert_ne!(bits(&a.train.x), bits(&b.train.x));
        assert_ne!(a.train.y, b.train.y);
    }

    #[test]
    fn default_shapes_and_counts() {
        let ds = generate_mnist1d(&Mnist1dSpec::default(), 0);
        assert_eq!(ds.name, "mnist1d");
        assert_eq!(
            (ds.channels, ds.height, ds.width, ds.classes),
            (1, 1, 40, 10)
        );
        assert_eq!((ds.train.len(), ds.test.len()), (4000, 1000));
        assert_eq!(ds.train.x.len(), 4000 * 40);
        assert_eq!(ds.test.x.len(), 1000 * 40);
        assert_eq!(ds.example_len(), 40);
        assert_eq!((ds.mean, ds.std), (vec![0.0], vec![1.0]));
    }

    #[test]
    fn values_are_finite_and_standardized() {
        let ds = generate_mnist1d(&Mnist1dSpec::default(), 3);
        let all: Vec<f64> = ds
            .train
            .x
            .iter()
            .chain(&ds.test.x)
            .map(|&v| f64::from(v))
            .collect();
        assert!(all.iter().all(|v| v.is_finite()));
        let n = all.len() as f64;
        let mean = all.iter().sum::<f64>() / n;
        let std = (all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 1e-5, "mean {mean}");
        assert!((std - 1.0).abs() < 1e-5, "std {std}");
    }

    #[test]
    fn every_class_balanced_in_both_splits() {
        let ds = generate_mnist1d(&Mnist1dSpec::default(), 11);
        for (split, per_class) in [(&ds.train, 400), (&ds.test, 100)] {
            for class in 0..10 {
                let count = split.y.iter().filter(|&&y| y == class).count();
                assert_eq!(count, per_class, "class {class}");
            }
        }
        // Shuffled, not in class order.
        assert_ne!(ds.train.y[..10], ds.train.y[10..20]);
    }

    #[test]
    fn templates_start_and_end_at_zero() {
        for (digit, t) in templates().iter().enumerate() {
            assert_eq!(t[0], 0.0, "digit {digit}");
            assert!(t[11].abs() < 1e-12, "digit {digit}");
            // Whitened then divided by 6: the spread is 1/6.
            let mean = t.iter().sum::<f64>() / 12.0;
            let std = (t.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 12.0).sqrt();
            assert!((std - 1.0 / 6.0).abs() < 1e-12, "digit {digit}");
        }
    }

    #[test]
    fn signals_differ_between_classes() {
        // Averaging many examples of a class must give a different mean signal per class.
        let ds = generate_mnist1d(&Mnist1dSpec::default(), 5);
        let mut means = vec![vec![0.0f64; 40]; 10];
        for (i, &y) in ds.train.y.iter().enumerate() {
            for (m, &v) in means[y as usize]
                .iter_mut()
                .zip(&ds.train.x[i * 40..(i + 1) * 40])
            {
                *m += f64::from(v) / 400.0;
            }
        }
        for a in 0..10 {
            for b in a + 1..10 {
                let dist: f64 = means[a]
                    .iter()
                    .zip(&means[b])
                    .map(|(p, q)| (p - q).powi(2))
                    .sum();
                assert!(dist > 1e-3, "classes {a} and {b} look alike");
            }
        }
    }

    #[test]
    fn helpers_match_their_definitions() {
        assert_eq!(interpolate(&[0.0, 2.0], 3), vec![0.0, 1.0, 2.0]);
        assert_eq!(interpolate(&[1.0, 3.0, 5.0], 2), vec![1.0, 5.0]);
        assert_eq!(interpolate(&[4.0], 3), vec![4.0; 3]);
        assert_eq!(linspace(-0.5, 0.5, 3), vec![-0.5, 0.0, 0.5]);
        // A constant is unchanged by smoothing; an impulse spreads with unit sum.
        let kernel = gaussian_kernel(2.0);
        assert_eq!(kernel.len(), 17);
        let flat = smooth(&[2.0; 30], &kernel);
        assert!(flat.iter().all(|v| (v - 2.0).abs() < 1e-12));
        let mut impulse = vec![0.0; 30];
        impulse[15] = 1.0;
        let spread = smooth(&impulse, &kernel);
        assert!((spread.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(spread[15] > spread[16] && spread[16] > spread[17] && spread[6] == 0.0);
        // Short signals reflect more than once without going out of bounds.
        assert_eq!(smooth(&[1.0, 2.0, 3.0], &kernel).len(), 3);
        assert!(smooth(&[], &kernel).is_empty());
    }

    #[test]
    fn spec_defaults_and_serde() {
        let spec = Mnist1dSpec::default();
        assert_eq!(spec.train_len(), 4000);
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<Mnist1dSpec>(&json).unwrap(), spec);
        let partial: Mnist1dSpec = serde_json::from_str(r#"{"num_samples": 100}"#).unwrap();
        assert_eq!(
            partial,
            Mnist1dSpec {
                num_samples: 100,
                ..Mnist1dSpec::default()
            }
        );
        let err = serde_json::from_str::<Mnist1dSpec>(r#"{"num_sample": 100}"#).unwrap_err();
        assert!(err.to_string().contains("num_sample"), "{err}");
    }

    #[test]
    fn odd_specs_do_not_panic() {
        let odd = [
            Mnist1dSpec {
                num_samples: 0,
                ..Default::default()
            },
            Mnist1dSpec {
                num_samples: 7,
                train_split: 1.5,
                ..Default::default()
            },
            Mnist1dSpec {
                padding: [60, 36],
                max_translation: 0,
                ..Default::default()
            },
            Mnist1dSpec {
                padding: [0, 0],
                template_len: 0,
                final_seq_length: 1,
                ..Default::default()
            },
            Mnist1dSpec {
                max_translation: 500,
                train_split: -1.0,
                num_samples: 20,
                ..Default::default()
            },
        ];
        for spec in odd {
            let ds = generate_mnist1d(&spec, 9);
            assert_eq!(ds.train.len() + ds.test.len(), spec.num_samples, "{spec:?}");
            assert_eq!(
                ds.train.x.len(),
                ds.train.len() * spec.final_seq_length,
                "{spec:?}"
            );
            assert!(
                ds.train.x.iter().chain(&ds.test.x).all(|v| v.is_finite()),
                "{spec:?}"
            );
        }
    }
}
