//! The dataset a spec names, ready for training: loaded, truncated to the spec's limits and
//! normalized per channel.
//!
//! Normalization is `x' = (x - mean[c]) / std[c]` per channel `c`, in `f32`, with the loader's
//! mean and standard deviation ([`Dataset::mean`], [`Dataset::std`]). Crop padding must read as a
//! zero pixel of the raw image, so [`Prepared::pad_value`] holds its normalized value,
//! `(0 - mean[c]) / std[c]`.

use std::path::PathBuf;

use super::{catalog, cifar, digits, idx, mnist1d, DataError, Dataset};
use crate::runspec::{DatasetName, RunSpec};

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
pub(super) fn data_dir(spec: &RunSpec) -> Result<PathBuf, DataError> {
    if let Some(dir) = &spec.data.dir {
        return Ok(dir.clone());
    }
    catalog::default_data_dir().ok_or(DataError::NoDataDir {
        dataset: spec.data.dataset.name(),
    })
}

/// Load the raw (unnormalized) dataset named by the spec.
///
/// # Errors
/// [`DataError`] naming the file at fault (a missing dataset's names the folders tried and the
/// `runvar data fetch` command); [`DataError::NoDataDir`] when a file-based dataset has no
/// `data.dir` and there is no default data folder.
pub fn load(spec: &RunSpec) -> Result<Dataset, DataError> {
    let ds = match spec.data.dataset {
        DatasetName::Digits => digits::load_digits()?,
        DatasetName::Mnist1d => mnist1d::generate_mnist1d(&Default::default(), spec.data.seed),
        DatasetName::Mnist => idx::load_mnist(&data_dir(spec)?)?,
        DatasetName::FashionMnist => idx::load_fashion_mnist(&data_dir(spec)?)?,
        // Only the examples the limits keep are read (each batch's size is still checked).
        DatasetName::Cifar10 => cifar::load_cifar10_limited(
            &data_dir(spec)?,
            spec.data.train_limit,
            spec.data.test_limit,
        )?,
        DatasetName::Shakespeare | DatasetName::CharText | DatasetName::Ptb => {
            return Err(DataError::NotImages {
                dataset: spec.data.dataset.name(),
            })
        }
    };
    Ok(ds)
}

/// Load, truncate to the spec's limits, and normalize per channel.
///
/// # Errors
/// As [`load`] and [`prepare_from`].
pub fn prepare(spec: &RunSpec) -> Result<Prepared, DataError> {
    prepare_from(load(spec)?, spec)
}

/// Truncate an already loaded dataset to the spec's `train_limit` and `test_limit` (the first
/// examples are kept) and normalize it per channel (see the module docs).
///
/// # Remarks
/// A standard deviation of 0 would give non-finite values; the loaders' constants are all
/// positive.
///
/// # Errors
/// [`DataError::EmptySplit`] when a split ends up empty.
pub fn prepare_from(mut ds: Dataset, spec: &RunSpec) -> Result<Prepared, DataError> {
    let len = ds.example_len();
    if let Some(n) = spec.data.train_limit {
        ds.train = ds.train.truncated(n, len);
    }
    if let Some(n) = spec.data.test_limit {
        ds.test = ds.test.truncated(n, len);
    }
    if ds.train.is_empty() || ds.test.is_empty() {
        return Err(DataError::EmptySplit { dataset: ds.name });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Split;

    fn tiny() -> Dataset {
        // Two channels of 1x2 pixels; 3 train and 2 test examples.
        let split = |n: usize| Split {
            x: (0..n * 4).map(|v| v as f32).collect(),
            y: vec![0; n],
        };
        Dataset {
            name: "tiny".into(),
            channels: 2,
            height: 1,
            width: 2,
            classes: 2,
            mean: vec![1.0, 2.0],
            std: vec![2.0, 4.0],
            train: split(3),
            test: split(2),
        }
    }

    #[test]
    fn normalizes_per_channel_and_pads_with_the_normalized_zero() {
        let spec = RunSpec::from_preset("digits-mlp").unwrap();
        let p = prepare_from(tiny(), &spec).unwrap();
        // Example 0: channel 0 = [0, 1] -> (x - 1) / 2; channel 1 = [2, 3] -> (x - 2) / 4.
        assert_eq!(p.dataset.train.x[..4], [-0.5, 0.0, 0.0, 0.25]);
        assert_eq!(p.pad_value, vec![-0.5, -0.5]);
        assert_eq!(p.dataset.test.len(), 2);
    }

    #[test]
    fn limits_keep_the_first_examples_and_an_empty_split_is_refused() {
        let mut spec = RunSpec::from_preset("digits-mlp").unwrap();
        spec.data.train_limit = Some(2);
        spec.data.test_limit = Some(1);
        let p = prepare_from(tiny(), &spec).unwrap();
        assert_eq!((p.dataset.train.len(), p.dataset.test.len()), (2, 1));
        assert_eq!(p.dataset.train.x.len(), 8);
        spec.data.test_limit = Some(0);
        let e = prepare_from(tiny(), &spec).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`data`: dataset tiny has an empty train or test split"
        );
    }

    #[test]
    fn no_data_folder_names_the_field_and_the_flag() {
        let e = DataError::NoDataDir { dataset: "mnist" };
        assert_eq!(
            e.to_string(),
            "`data.dir`: dataset mnist is read from files and there is no default data folder \
             (neither XDG_CACHE_HOME nor HOME is set): pass --data-dir DIR (the folder holding \
             its files)"
        );
    }
}
