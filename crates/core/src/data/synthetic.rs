//! Data of a dataset's shape with made-up values, for speed measurements (no files read).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rand_distr::StandardNormal;

use super::{Dataset, Prepared, Split};
use crate::runspec::RunSpec;

/// The fixed seed of the synthetic stream: synthetic data is the same on every call.
const SYNTHETIC_SEED: u64 = 0x5eed;

/// A synthetic dataset with the shape of the spec's dataset (no files read): `n_train` and
/// `n_test` examples of standard normal values and uniform labels, drawn from a fixed stream
/// (the train split's values, then its labels, then the test split's). Already normalized
/// (mean 0, std 1, pad value 0). For speed measurements, where the values do not matter.
pub fn synthetic(spec: &RunSpec, n_train: usize, n_test: usize) -> Prepared {
    let g = spec.data.dataset.geometry();
    let len = g.channels * g.height * g.width;
    let mut rng = ChaCha20Rng::seed_from_u64(SYNTHETIC_SEED);
    let mut split = |n: usize| Split {
        x: (0..n * len)
            .map(|_| rng.sample::<f32, _>(StandardNormal))
            .collect(),
        y: (0..n).map(|_| rng.gen_range(0..g.classes as i64)).collect(),
    };
    let (train, test) = (split(n_train), split(n_test));
    Prepared {
        dataset: Dataset {
            name: format!("synthetic {}", spec.data.dataset.name()),
            channels: g.channels,
            height: g.height,
            width: g.width,
            classes: g.classes,
            mean: vec![0.0; g.channels],
            std: vec![1.0; g.channels],
            train,
            test,
        },
        pad_value: vec![0.0; g.channels],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_the_shape_of_the_named_dataset_and_is_the_same_every_time() {
        let spec = RunSpec::from_preset("digits-mlp").unwrap();
        let a = synthetic(&spec, 5, 3);
        assert_eq!(a.dataset.example_len(), 64);
        assert_eq!((a.dataset.train.len(), a.dataset.test.len()), (5, 3));
        assert_eq!(a.dataset.train.x.len(), 5 * 64);
        assert!(a.dataset.train.y.iter().all(|&y| (0..10).contains(&y)));
        assert_eq!(a.dataset.train, synthetic(&spec, 5, 3).dataset.train);
    }
}
