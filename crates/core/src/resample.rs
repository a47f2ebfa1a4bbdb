//! The `data` source: which training examples a run trains on.
//!
//! Bouthillier et al. ("Accounting for variance in machine learning benchmarks", MLSys 2021)
//! found the sampling of the training data the largest source of variance in practice, larger
//! than initialization or order. runvar models it as a source of its own: with `seeds.data`
//! set, a run trains on its own resample of the training set, drawn once per run (not per
//! epoch) from the `data` stream under that seed, sub-stream 0 ([`crate::seed::stream`]):
//!
//! - a bootstrap resample (the default): `n` draws with replacement, each uniform over the `n`
//!   training examples (Efron and Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 6).
//!   About `1 - (1 - 1/n)^n`, which tends to `1 - 1/e = 63.2%`, of the examples are drawn at
//!   least once; the others are left out of the run.
//! - with `train.data_fraction = F`, a subsample of `round(F n)` distinct examples drawn without
//!   replacement (the first `round(F n)` positions of a Fisher-Yates shuffle; `round` rounds
//!   half away from zero).
//!
//! The sample is a multiset, kept sorted by example id. Each epoch the shuffle stream orders
//! its slots exactly as it orders the examples of the full set ([`crate::batches::EpochPlan`]),
//! and the augment stream draws one crop and flip per slot, so a duplicated example gets its
//! own crop in each copy. Changing the data seed moves which examples are trained on and
//! nothing else: no draw of another stream moves.
//!
//! Without `seeds.data` a run trains on the full training set, every example once per epoch,
//! exactly as before the source existed.

use rand::Rng;

use crate::seed::{stream, Source};

/// Why a data fraction (`train.data_fraction`, `--data-fraction`) cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FractionError {
    /// A fraction without a data seed: there is no resample to take it of.
    #[error("subsamples the data resample, but no data seed is set (seeds.data, --seed-data)")]
    NoSeed,
    /// Not in `(0, 1]`, NaN included.
    #[error("must be in (0, 1] (got {0})")]
    OutOfRange(f64),
    /// `round(F n)` is 0.
    #[error("{fraction} of {n} training examples rounds to none; use a larger fraction")]
    Empty {
        /// The fraction.
        fraction: f64,
        /// The training examples.
        n: usize,
    },
}

/// The training examples of one run, as a multiset of example ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrainingSet {
    /// Every one of the `n` training examples once (the data source not varied).
    Full(usize),
    /// A resample: example ids, sorted, duplicates allowed.
    Sample(Vec<usize>),
}

impl TrainingSet {
    /// The training set of a run over `n` examples with data seed `seed` and fraction
    /// `fraction` (`seeds.data` and `train.data_fraction` of its spec).
    ///
    /// # Errors
    /// [`FractionError`]: a fraction without a data seed, a fraction outside `(0, 1]`, or one
    /// that keeps no example of the `n`.
    pub fn of(
        seed: Option<u64>,
        fraction: Option<f64>,
        n: usize,
    ) -> Result<TrainingSet, FractionError> {
        match (seed, fraction) {
            (None, None) => Ok(TrainingSet::Full(n)),
            (Some(seed), None) => Ok(TrainingSet::Sample(bootstrap(seed, n))),
            (seed, Some(f)) => {
                let m = check_fraction(seed, f, n)?;
                let seed = seed.expect("check_fraction refuses a fraction without a seed");
                Ok(TrainingSet::Sample(subsample(seed, n, m)))
            }
        }
    }

    /// Slots of the multiset: the examples one epoch trains on.
    pub fn len(&self) -> usize {
        match self {
            TrainingSet::Full(n) => *n,
            TrainingSet::Sample(ids) => ids.len(),
        }
    }

    /// True when it holds no example.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The example id in slot `slot`.
    ///
    /// # Panics
    /// When `slot >= self.len()`.
    pub fn example(&self, slot: usize) -> usize {
        match self {
            TrainingSet::Full(n) => {
                assert!(slot < *n, "slot {slot} of a training set of {n}");
                slot
            }
            TrainingSet::Sample(ids) => ids[slot],
        }
    }

    /// Distinct examples it holds.
    pub fn distinct(&self) -> usize {
        match self {
            TrainingSet::Full(n) => *n,
            TrainingSet::Sample(ids) => {
                // Sorted: count the starts of runs of equal ids.
                ids.iter()
                    .enumerate()
                    .filter(|&(i, id)| i == 0 || ids[i - 1] != *id)
                    .count()
            }
        }
    }
}

/// Check `train.data_fraction = f` of a run with data seed `seed` over `n` training examples,
/// and return the examples it keeps ([`fraction_size`]).
///
/// # Errors
/// [`FractionError::NoSeed`], or as [`fraction_size`].
pub fn check_fraction(seed: Option<u64>, f: f64, n: usize) -> Result<usize, FractionError> {
    if seed.is_none() {
        return Err(FractionError::NoSeed);
    }
    fraction_size(f, n)
}

/// Examples a fraction `f` keeps of `n`: `round(f n)`, half away from zero.
///
/// # Errors
/// [`FractionError::OutOfRange`] for `f` outside `(0, 1]` (NaN included);
/// [`FractionError::Empty`] for a size of 0.
pub fn fraction_size(f: f64, n: usize) -> Result<usize, FractionError> {
    if !(f > 0.0 && f <= 1.0) {
        return Err(FractionError::OutOfRange(f));
    }
    let m = (f * n as f64).round() as usize;
    if m == 0 {
        return Err(FractionError::Empty { fraction: f, n });
    }
    Ok(m.min(n))
}

/// The bootstrap resample of seed `seed` over `n` examples: `n` draws with replacement from
/// the data stream, sorted.
pub fn bootstrap(seed: u64, n: usize) -> Vec<usize> {
    let mut rng = stream(seed, Source::Data, 0);
    // u64 draws, not usize: the same ids on 32- and 64-bit machines.
    let mut ids: Vec<usize> = (0..n)
        .map(|_| rng.gen_range(0..n as u64) as usize)
        .collect();
    ids.sort_unstable();
    ids
}

/// The subsample of seed `seed`: `m` of `n` examples without replacement (the first `m`
/// positions of a Fisher-Yates shuffle of `0..n` drawn from the data stream), sorted.
///
/// # Panics
/// When `m > n`.
pub fn subsample(seed: u64, n: usize, m: usize) -> Vec<usize> {
    assert!(m <= n, "a subsample of {m} from {n} examples");
    let mut rng = stream(seed, Source::Data, 0);
    let mut p: Vec<usize> = (0..n).collect();
    for i in 0..m {
        let j = rng.gen_range(i as u64..n as u64) as usize;
        p.swap(i, j);
    }
    p.truncate(m);
    p.sort_unstable();
    p
}

#[cfg(test)]
mod tests;
