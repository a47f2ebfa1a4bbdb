//! Load the spec's dataset, apply the limits, and normalize it.

use std::path::PathBuf;

use runvar_core::data::{self, Dataset};
use runvar_core::spec::{DatasetName, RunSpec};

use crate::EngineError;

/// A dataset ready for training: normalized values, and the normalized value of a zero pixel
/// per channel (what crop padding fills in).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The normalized dataset.
    pub dataset: Dataset,
    /// `(0 - mean) / std` per channel.
    pub pad_value: Vec<f32>,
}

/// The spec's `data.dir`, else the default data folder (`$XDG_CACHE_HOME/runvar/data`, else
/// `$HOME/.cache/runvar/data`), where `runvar data fetch` puts the datasets. The default is
/// resolved here, when the data is loaded, and never written into the spec: a spec that names
/// no folder reads each machine's own cache, and the files there were checked by SHA-256.
fn data_dir(spec: &RunSpec) -> Result<PathBuf, EngineError> {
    if let Some(dir) = &spec.data.dir {
        return Ok(dir.clone());
    }
    data::catalog::default_data_dir().ok_or_else(|| {
        EngineError::spec(
            "data.dir",
            format!(
                "dataset {} is read from files and there is no default data folder (neither \
                 XDG_CACHE_HOME nor HOME is set): pass --data-dir DIR (the folder holding its \
                 files)",
                spec.data.dataset.name()
            ),
        )
    })
}

/// Load the raw (unnormalized) dataset named by the spec.
///
/// # Errors
/// [`EngineError::Data`] naming the file at fault (a missing dataset's names the folders tried
/// and the `runvar data fetch` command); [`EngineError::Spec`] when a file-based dataset has no
/// `data.dir` and there is no default data folder.
pub fn load(spec: &RunSpec) -> Result<Dataset, EngineError> {
    let ds = match spec.data.dataset {
        DatasetName::Digits => data::digits::load_digits()?,
        DatasetName::Mnist1d => {
            data::mnist1d::generate_mnist1d(&Default::default(), spec.data.seed)
        }
        DatasetName::Mnist => data::idx::load_mnist(&data_dir(spec)?)?,
        DatasetName::FashionMnist => data::idx::load_fashion_mnist(&data_dir(spec)?)?,
        // Only the examples the limits keep are read (each batch's size is still checked).
        DatasetName::Cifar10 => data::cifar::load_cifar10_limited(
            &data_dir(spec)?,
            spec.data.train_limit,
            spec.data.test_limit,
        )?,
    };
    Ok(ds)
}

/// Load, truncate to the spec's limits, and normalize per channel.
///
/// # Errors
/// As [`load`].
pub fn prepare(spec: &RunSpec) -> Result<Prepared, EngineError> {
    prepare_from(load(spec)?, spec)
}

/// Truncate and normalize an already loaded dataset.
///
/// # Errors
/// [`EngineError::Spec`] when a split ends up empty.
pub fn prepare_from(mut ds: Dataset, spec: &RunSpec) -> Result<Prepared, EngineError> {
    let len = ds.example_len();
    if let Some(n) = spec.data.train_limit {
        ds.train = ds.train.truncated(n, len);
    }
    if let Some(n) = spec.data.test_limit {
        ds.test = ds.test.truncated(n, len);
    }
    if ds.train.is_empty() || ds.test.is_empty() {
        return Err(EngineError::spec(
            "data",
            format!("dataset {} has an empty train or test split", ds.name),
        ));
    }
    let plane = ds.height * ds.width;
    let (mean, std) = (ds.mean.clone(), ds.std.clone());
    for split in [&mut ds.train, &mut ds.test] {
        for example in split.x.chunks_exact_mut(len) {
            for (c, channel) in example.chunks_exact_mut(plane).enumerate() {
                for v in channel {
                    *v = (*v - mean[c]) / std[c];
                }
            }
        }
    }
    let pad_value = mean.iter().zip(&std).map(|(m, s)| -m / s).collect();
    Ok(Prepared {
        dataset: ds,
        pad_value,
    })
}

/// A synthetic dataset with the shape of the spec's dataset (no files read): `n_train` and
/// `n_test` examples of standard normal values and uniform labels, drawn from a fixed stream.
/// For speed measurements, where the values do not matter.
pub fn synthetic(spec: &RunSpec, n_train: usize, n_test: usize) -> Prepared {
    use rand::{Rng, SeedableRng};
    use rand_distr::StandardNormal;
    let g = spec.data.dataset.geometry();
    let len = g.channels * g.height * g.width;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x5eed);
    let mut split = |n: usize| runvar_core::data::Split {
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
