//! Bootstrap over runs of a pairwise metric (docs/protocol.md section 3): the runs, not the pairs,
//! are the independent units.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::bootstrap::{summarize, Bootstrap, BootstrapEstimate};
use crate::metrics::kernels::dot_f64;
use crate::metrics::{map_indexed, MetricsError, PairMatrix};

/// Bootstrap over runs of a pairwise metric's mean: resample the `N` run indices with
/// replacement, and average the table over the pairs `(a, b)`, `a < b`, of resampled runs
/// whose original runs differ.
///
/// A run drawn twice is not paired with itself: its self-"pair" (disagreement 0, correlation
/// exactly 1) is no pair of independent runs and would bias the mean. Two different draws of the same
/// run pair with every other draw, so a run drawn `c` times weighs `c`. With counts `c_k`, the
/// resample's mean is `sum_{k<l} c_k c_l M[k][l] / sum_{k<l} c_k c_l`, computed as
/// `c^T M c / (N^2 - sum c_k^2)` in `O(N^2)` per resample (`10^10` multiply-adds for
/// `N = 1000`, `B = 10,000`: seconds, on all cores). This resamples the runs, the independent
/// units; treating the `N (N - 1) / 2` pairs as independent would understate the error.
///
/// # Remarks
/// A resample drawing one run `N` times has no pair; it is counted in
/// [`BootstrapEstimate::undefined`] (probability `N^(1 - N)`, e.g. 1/2 for `N = 2`).
///
/// # Errors
/// [`MetricsError::NonFiniteValue`] if a pair's value is not finite (the index is in
/// [`PairMatrix::upper`] order; leave out the run, e.g. a constant one);
/// [`MetricsError::InvalidParameter`] on bad settings.
pub fn bootstrap_pairwise_mean(
    m: &PairMatrix,
    cfg: &Bootstrap,
) -> Result<BootstrapEstimate, MetricsError> {
    cfg.validate()?;
    if let Some((index, (_, _, value))) = m.pairs().enumerate().find(|(_, p)| !p.2.is_finite()) {
        return Err(MetricsError::NonFiniteValue {
            what: "pair matrix",
            index,
            value,
        });
    }
    let n = m.runs();
    let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed);
    const BATCH: usize = 512;
    let mut counts = vec![0_u32; BATCH * n];
    let mut replicates = Vec::with_capacity(cfg.resamples);
    while replicates.len() < cfg.resamples {
        let b = BATCH.min(cfg.resamples - replicates.len());
        counts.fill(0);
        for c in counts.chunks_exact_mut(n).take(b) {
            for _ in 0..n {
                c[rng.gen_range(0..n)] += 1;
            }
        }
        replicates.extend(map_indexed(b, |r| {
            mean_of_counts(m, &counts[r * n..(r + 1) * n])
        }));
    }
    summarize(m.mean(), replicates, cfg, "bootstrap of a pairwise mean")
}

/// Ratio of two conditions' mean pairwise values `mean(a) / mean(b)` (e.g. the `bit_flip`
/// row's disagreement over the `all` row's), with a bootstrap resampling each condition's runs
/// independently, as [`bootstrap_pairwise_mean`] resamples one: per resample, `a.runs()` draws
/// of `a`'s runs, then `b.runs()` draws of `b`'s, and the ratio of the two resampled means.
///
/// # Remarks
/// A resample without a pair of distinct runs on either side, or whose denominator is 0, has
/// no ratio: it is counted in [`BootstrapEstimate::undefined`] and left out.
///
/// # Errors
/// [`MetricsError::Undefined`] when `mean(b)` is not positive; [`MetricsError::NonFiniteValue`]
/// for a non-finite pair value; [`MetricsError::InvalidParameter`] on bad settings.
///
/// # Examples
/// ```
/// use runvar_core::metrics::PairMatrix;
/// use runvar_core::stats::{pair_mean_ratio, Bootstrap};
/// let a = PairMatrix::from_upper(3, &[0.1, 0.2, 0.3]).unwrap();
/// let b = PairMatrix::from_upper(3, &[0.4, 0.4, 0.4]).unwrap();
/// let r = pair_mean_ratio(&a, &b, &Bootstrap::with_seed(0)).unwrap();
/// assert!((r.estimate - 0.5).abs() < 1e-12);
/// ```
pub fn pair_mean_ratio(
    a: &PairMatrix,
    b: &PairMatrix,
    cfg: &Bootstrap,
) -> Result<BootstrapEstimate, MetricsError> {
    let (estimate, replicates) = pair_mean_ratio_replicates(a, b, cfg)?;
    summarize(estimate, replicates, cfg, "ratio of pairwise means")
}

/// [`pair_mean_ratio`]'s estimate and its `B` resampled ratios in draw order (non-finite ones
/// included), before they are summarized: what [`super::ratio_test`] takes its p-value from.
pub(super) fn pair_mean_ratio_replicates(
    a: &PairMatrix,
    b: &PairMatrix,
    cfg: &Bootstrap,
) -> Result<(f64, Vec<f64>), MetricsError> {
    cfg.validate()?;
    for m in [a, b] {
        if let Some((index, (_, _, value))) = m.pairs().enumerate().find(|(_, p)| !p.2.is_finite())
        {
            return Err(MetricsError::NonFiniteValue {
                what: "pair matrix",
                index,
                value,
            });
        }
    }
    let (ma, mb) = (a.mean(), b.mean());
    if mb.is_nan() || mb <= 0.0 {
        return Err(MetricsError::Undefined {
            what: "ratio of pairwise means",
            reason: "the denominator's mean is not positive",
        });
    }
    let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed);
    let (na, nb) = (a.runs(), b.runs());
    let (mut ca, mut cb) = (vec![0_u32; na], vec![0_u32; nb]);
    let replicates = (0..cfg.resamples)
        .map(|_| {
            ca.fill(0);
            cb.fill(0);
            for _ in 0..na {
                ca[rng.gen_range(0..na)] += 1;
            }
            for _ in 0..nb {
                cb[rng.gen_range(0..nb)] += 1;
            }
            mean_of_counts(a, &ca) / mean_of_counts(b, &cb)
        })
        .collect();
    Ok((ma / mb, replicates))
}

/// Mean over pairs of distinct runs of a resample with run multiplicities `c`.
fn mean_of_counts(m: &PairMatrix, c: &[u32]) -> f64 {
    let cf: Vec<f64> = c.iter().map(|&v| f64::from(v)).collect();
    let mut twice = 0.0;
    for (k, &ck) in cf.iter().enumerate() {
        if ck > 0.0 {
            twice += ck * dot_f64(m.row_zero_diag(k), &cf);
        }
    }
    let n = c.len() as u64;
    let same: u64 = c.iter().map(|&v| u64::from(v) * u64::from(v)).sum();
    let pairs = (n * n - same) / 2;
    if pairs == 0 {
        f64::NAN
    } else {
        0.5 * twice / pairs as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_resample_matches_plain_pair_loop() {
        let n = 7;
        let up: Vec<f64> = (0..n * (n - 1) / 2)
            .map(|k| ((k * 37) % 11) as f64 / 10.0)
            .collect();
        let m = PairMatrix::from_upper(n, &up).unwrap();
        let cfg = Bootstrap {
            resamples: 300,
            seed: 11,
            level: 0.95,
        };
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let plain: Vec<f64> = (0..300)
            .map(|_| {
                let idx: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
                let (mut s, mut k) = (0.0, 0);
                for a in 0..n {
                    for b in a + 1..n {
                        if idx[a] != idx[b] {
                            s += m.get(idx[a], idx[b]).unwrap();
                            k += 1;
                        }
                    }
                }
                s / k as f64
            })
            .collect();
        let b = bootstrap_pairwise_mean(&m, &cfg).unwrap();
        let mean = plain.iter().sum::<f64>() / 300.0;
        let se = (plain.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / 300.0).sqrt();
        assert!((b.std_error - se).abs() < 1e-12, "{} vs {se}", b.std_error);
        assert_eq!(b.estimate, m.mean());
    }

    #[test]
    fn pair_mean_ratio_by_hand() {
        // a: pairs 0.1, 0.2, 0.3 (mean 0.2); b: 0.4, 0.4, 0.4 (mean 0.4): ratio 0.5.
        let a = PairMatrix::from_upper(3, &[0.1, 0.2, 0.3]).unwrap();
        let b = PairMatrix::from_upper(3, &[0.4, 0.4, 0.4]).unwrap();
        let cfg = Bootstrap {
            resamples: 500,
            ..Bootstrap::default()
        };
        let r = pair_mean_ratio(&a, &b, &cfg).unwrap();
        assert!((r.estimate - 0.5).abs() < 1e-12);
        // Every resampled mean of `a` lies between its smallest and largest pair, and `b` is
        // constant: the interval lies in [0.25, 0.75] and holds the estimate.
        let ci = r.interval;
        assert!(ci.lo >= 0.25 - 1e-12 && ci.hi <= 0.75 + 1e-12, "{ci:?}");
        assert!(ci.lo <= 0.5 && ci.hi >= 0.5, "{ci:?}");
        let zero = PairMatrix::from_upper(3, &[0.0; 3]).unwrap();
        assert!(matches!(
            pair_mean_ratio(&a, &zero, &cfg),
            Err(MetricsError::Undefined { .. })
        ));
        // A pure function of the seed.
        assert_eq!(pair_mean_ratio(&a, &b, &cfg).unwrap(), r);
    }

    #[test]
    fn pair_mean_ratio_resamples_runs_as_a_plain_loop_does() {
        let a = PairMatrix::from_upper(4, &[0.1, 0.5, 0.2, 0.7, 0.3, 0.4]).unwrap();
        let b = PairMatrix::from_upper(3, &[0.6, 0.2, 0.9]).unwrap();
        let cfg = Bootstrap {
            resamples: 200,
            seed: 5,
            level: 0.9,
        };
        let plain_mean = |m: &PairMatrix, idx: &[usize]| {
            let (mut s, mut k) = (0.0, 0);
            for x in 0..idx.len() {
                for y in x + 1..idx.len() {
                    if let Some(v) = m.get(idx[x], idx[y]) {
                        s += v;
                        k += 1;
                    }
                }
            }
            s / k as f64
        };
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let plain: Vec<f64> = (0..200)
            .map(|_| {
                let ia: Vec<usize> = (0..4).map(|_| rng.gen_range(0..4)).collect();
                let ib: Vec<usize> = (0..3).map(|_| rng.gen_range(0..3)).collect();
                plain_mean(&a, &ia) / plain_mean(&b, &ib)
            })
            .filter(|r| r.is_finite())
            .collect();
        let r = pair_mean_ratio(&a, &b, &cfg).unwrap();
        assert_eq!(r.defined, plain.len());
        let mean = plain.iter().sum::<f64>() / plain.len() as f64;
        let se = (plain.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / plain.len() as f64)
            .sqrt();
        assert!((r.std_error - se).abs() < 1e-12, "{} vs {se}", r.std_error);
    }
}
