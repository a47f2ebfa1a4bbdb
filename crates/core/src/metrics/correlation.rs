//! Pairwise correlation of two runs' raw logits: Pearson (the paper's metric) and Spearman
//! (docs/protocol.md section 3).

use super::error::MetricsError;
use super::gram::{gram, Panel};
use super::pair::PairMatrix;
use super::parallel::map_indexed;
use super::view::{check_logit_runs, identical_to, Logits};

/// Pearson correlation of two runs' logits, each flattened to `n * classes` values.
///
/// `r = sum_k (a_k - mean a)(b_k - mean b) / sqrt(sum_k (a_k - mean a)^2 sum_k (b_k - mean b)^2)`,
/// accumulated in `f64`. docs/protocol.md section 3. Matches
/// `scipy.stats.pearsonr(a.ravel(), b.ravel())[0]` and `numpy.corrcoef(a.ravel(), b.ravel())[0, 1]`
/// to about `1e-15`.
///
/// # Remarks
/// - Constant logits (every value equal, e.g. all zero): the correlation is undefined and the
///   result is `f64::NAN`, as `scipy.stats.pearsonr` (which also warns). The check is exact
///   (`all values == the first`), so rounding in the mean cannot turn it into noise.
/// - Identical non-constant runs give exactly `1.0`; the result is clamped to `[-1, 1]`.
/// - Ties and the argmax play no part. Empty input cannot occur ([`Logits::new`] rejects it).
///
/// # Errors
/// [`MetricsError::ShapeMismatch`] when the shapes differ; [`MetricsError::NonFinite`] on a
/// NaN or infinite logit (run 0 is `a`, run 1 is `b`).
///
/// # Examples
/// ```
/// use runvar_core::metrics::{pearson, Logits};
/// let a = [1.0, 2.0, 3.0, 4.0];
/// let b = [2.0, 4.0, 6.0, 8.5];
/// let r = pearson(Logits::new(&a, 2, 2).unwrap(), Logits::new(&b, 2, 2).unwrap()).unwrap();
/// assert!((r - 0.99838143945703).abs() < 1e-12); // numpy.corrcoef
/// assert_eq!(pearson(Logits::new(&a, 2, 2).unwrap(), Logits::new(&a, 2, 2).unwrap()).unwrap(), 1.0);
/// ```
pub fn pearson(a: Logits<'_>, b: Logits<'_>) -> Result<f64, MetricsError> {
    check_logit_runs(&[a, b], 2, "pearson correlation")?;
    if is_constant(a.data()) || is_constant(b.data()) {
        return Ok(f64::NAN);
    }
    let (ma, mb) = (mean_f32(a.data()), mean_f32(b.data()));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.data().iter().zip(b.data()) {
        let (dx, dy) = (f64::from(x) - ma, f64::from(y) - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    Ok(ratio(sab, saa, sbb))
}

/// Spearman rank correlation of two runs' logits, each flattened to `n * classes` values: the
/// Pearson correlation of their average ranks.
///
/// Matches `scipy.stats.spearmanr(a.ravel(), b.ravel())[0]`: ranks from
/// `scipy.stats.rankdata(method="average")` (see [`average_ranks`]). docs/protocol.md section 3
/// notes the authors also computed it.
///
/// # Remarks
/// - Ties get the average of the ranks they span (`-0.0` and `0.0` tie).
/// - Constant logits: every rank is equal, the correlation is undefined, the result is NaN (as
///   scipy).
/// - Centered doubled ranks are integers, so for `n * classes` up to about 200,000 every sum
///   is exact: identical runs give exactly `1.0`.
///
/// # Errors
/// As [`pearson`], plus [`MetricsError::InvalidParameter`] for more than `2^31 - 1` values.
///
/// # Examples
/// ```
/// use runvar_core::metrics::{spearman, Logits};
/// let a = [1.0, 2.0, 3.0, 4.0];
/// let b = [1.0, 4.0, 9.0, 100.0]; // monotone in a
/// assert_eq!(spearman(Logits::new(&a, 2, 2).unwrap(), Logits::new(&b, 2, 2).unwrap()).unwrap(), 1.0);
/// ```
pub fn spearman(a: Logits<'_>, b: Logits<'_>) -> Result<f64, MetricsError> {
    check_logit_runs(&[a, b], 2, "spearman correlation")?;
    check_rank_len(a.data().len())?;
    let (ra, rb) = (average_ranks(a.data()), average_ranks(b.data()));
    let mid = (ra.len() as f64 + 1.0) / 2.0;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        let (dx, dy) = (x - mid, y - mid);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    Ok(ratio(sab, saa, sbb))
}

/// Average ranks, 1-based: `scipy.stats.rankdata(values, method="average")`.
///
/// # Remarks
/// Tied values share the mean of the ranks they span; `-0.0` ties with `0.0`. NaN has no rank
/// (values here come from checked logits, so NaN does not occur; it would sort above
/// infinity). Empty input gives an empty vector.
///
/// # Examples
/// ```
/// use runvar_core::metrics::average_ranks;
/// assert_eq!(average_ranks(&[10.0, 30.0, 20.0, 20.0]), vec![1.0, 4.0, 2.5, 2.5]);
/// ```
pub fn average_ranks(values: &[f32]) -> Vec<f64> {
    let mut keys = Vec::new();
    let mut doubled = vec![0_u32; values.len()];
    doubled_ranks(values, &mut keys, &mut doubled);
    doubled.iter().map(|&r| f64::from(r) / 2.0).collect()
}

/// [`pearson`] of every pair of runs.
///
/// Each run is centered once (mean in `f64`); all pairs come from one blocked Gram matrix of
/// the centered vectors in `f64` (`N^2 n C / 2` multiply-adds), so no pair re-reads its runs
/// from memory. Agrees with [`pearson`] to about `1e-14`.
///
/// # Remarks
/// As [`pearson`]: pairs with a constant run are NaN (so is then [`PairMatrix::mean`]);
/// bitwise-identical non-constant runs get exactly `1.0`.
///
/// # Errors
/// [`MetricsError::TooFewRuns`] for fewer than 2 runs; [`MetricsError::ShapeMismatch`] when a
/// run's shape differs from run 0's; [`MetricsError::NonFinite`] naming the run.
pub fn pairwise_pearson(runs: &[Logits<'_>]) -> Result<PairMatrix, MetricsError> {
    check_logit_runs(runs, 2, "pairwise pearson correlation")?;
    let data: Vec<&[f32]> = runs.iter().map(|r| r.data()).collect();
    let means = map_indexed(runs.len(), |r| mean_f32(data[r]));
    let constant = map_indexed(runs.len(), |r| is_constant(data[r]));
    struct Centered<'a> {
        data: &'a [&'a [f32]],
        means: &'a [f64],
    }
    impl Panel for Centered<'_> {
        fn fill(&self, run: usize, start: usize, out: &mut [f64]) {
            let m = self.means[run];
            for (o, &x) in out.iter_mut().zip(&self.data[run][start..]) {
                *o = f64::from(x) - m;
            }
        }
    }
    let g = gram(
        runs.len(),
        data[0].len(),
        &Centered {
            data: &data,
            means: &means,
        },
    );
    Ok(from_gram(&g, &data, &constant))
}

/// [`spearman`] of every pair of runs.
///
/// Each run is rank-transformed once (a sort of its `n C` values; `4 n C` bytes per run are
/// kept, 400 MB for 1,000 runs of 10,000 x 10), then all pairs come from one blocked Gram matrix
/// of the centered doubled ranks, exact integers in `f64`. Equals [`spearman`] on every pair
/// (bitwise while `n C` is below about 200,000).
///
/// # Remarks
/// As [`spearman`].
///
/// # Errors
/// As [`pairwise_pearson`], plus [`MetricsError::InvalidParameter`] for more than `2^31 - 1`
/// values per run.
pub fn pairwise_spearman(runs: &[Logits<'_>]) -> Result<PairMatrix, MetricsError> {
    check_logit_runs(runs, 2, "pairwise spearman correlation")?;
    let data: Vec<&[f32]> = runs.iter().map(|r| r.data()).collect();
    let len = data[0].len();
    check_rank_len(len)?;
    let ranks = map_indexed(runs.len(), |r| {
        let mut keys = Vec::new();
        let mut out = vec![0_u32; len];
        doubled_ranks(data[r], &mut keys, &mut out);
        out
    });
    struct Ranks<'a> {
        ranks: &'a [Vec<u32>],
        mid: f64,
    }
    impl Panel for Ranks<'_> {
        fn fill(&self, run: usize, start: usize, out: &mut [f64]) {
            for (o, &r) in out.iter_mut().zip(&self.ranks[run][start..]) {
                *o = f64::from(r) - self.mid;
            }
        }
    }
    let g = gram(
        runs.len(),
        len,
        &Ranks {
            ranks: &ranks,
            mid: len as f64 + 1.0,
        },
    );
    drop(ranks);
    Ok(from_gram(&g, &data, &vec![false; runs.len()]))
}

fn from_gram(g: &[f64], data: &[&[f32]], constant: &[bool]) -> PairMatrix {
    let n = data.len();
    let same = identical_to(data);
    let mut m = PairMatrix::zeros(n);
    for i in 0..n {
        for j in i + 1..n {
            let r = if constant[i] || constant[j] {
                f64::NAN
            } else {
                let r = ratio(g[i * n + j], g[i * n + i], g[j * n + j]);
                if same[i] == same[j] && !r.is_nan() {
                    1.0
                } else {
                    r
                }
            };
            m.set(i, j, r);
        }
    }
    m
}

/// `sab / sqrt(saa sbb)` clamped to `[-1, 1]`; NaN when either sum of squares is zero.
fn ratio(sab: f64, saa: f64, sbb: f64) -> f64 {
    if saa <= 0.0 || sbb <= 0.0 {
        return f64::NAN;
    }
    (sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0)
}

fn mean_f32(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v)).sum::<f64>() / x.len() as f64
}

fn is_constant(x: &[f32]) -> bool {
    x.iter().all(|&v| v == x[0])
}

fn check_rank_len(len: usize) -> Result<(), MetricsError> {
    if len > (u32::MAX / 2) as usize {
        return Err(MetricsError::InvalidParameter {
            name: "spearman correlation",
            value: format!("{len} values per run"),
            expected: "at most 2^31 - 1 values per run",
        });
    }
    Ok(())
}

/// Twice the 1-based average rank of each value (an integer), into `out`.
/// `values.len() < 2^31`.
fn doubled_ranks(values: &[f32], keys: &mut Vec<u64>, out: &mut [u32]) {
    keys.clear();
    keys.extend(
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| (u64::from(sort_key(v)) << 32) | i as u64),
    );
    keys.sort_unstable();
    let mut s = 0;
    while s < keys.len() {
        let k = keys[s] >> 32;
        let e = s + keys[s..].iter().take_while(|&&x| x >> 32 == k).count();
        // 1-based ranks s+1 ..= e; their mean doubled is s + 1 + e.
        let r = (s + 1 + e) as u32;
        for &key in &keys[s..e] {
            out[(key & 0xffff_ffff) as usize] = r;
        }
        s = e;
    }
}

/// An order-preserving `u32` image of a float, with `-0.0` mapped to `0.0`.
fn sort_key(v: f32) -> u32 {
    let v = if v == 0.0 { 0.0 } else { v };
    let b = v.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | 0x8000_0000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lg(x: &[f32]) -> Logits<'_> {
        Logits::new(x, x.len() / 2, 2).unwrap()
    }

    #[test]
    fn pearson_by_hand() {
        // a = [1, 2, 3, 4], b = [2, 1, 4, 3]: means 2.5, deviations a: -1.5 -0.5 0.5 1.5,
        // b: -0.5 -1.5 1.5 0.5; sab = 0.75 + 0.75 + 0.75 + 0.75 = 3, saa = sbb = 5; r = 0.6.
        let r = pearson(lg(&[1.0, 2.0, 3.0, 4.0]), lg(&[2.0, 1.0, 4.0, 3.0])).unwrap();
        assert!((r - 0.6).abs() < 1e-15, "{r}");
        let r = pearson(lg(&[1.0, 2.0, 3.0, 4.0]), lg(&[-2.0, -4.0, -6.0, -8.0])).unwrap();
        assert_eq!(r, -1.0);
    }

    #[test]
    fn constant_run_gives_nan() {
        let c = [0.1_f32; 6];
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0];
        assert!(pearson(lg(&c), lg(&x)).unwrap().is_nan());
        assert!(pearson(lg(&c), lg(&c)).unwrap().is_nan());
        assert!(spearman(lg(&x), lg(&c)).unwrap().is_nan());
        let m = pairwise_pearson(&[lg(&c), lg(&x), lg(&x)]).unwrap();
        assert!(m.get(0, 1).unwrap().is_nan() && m.get(0, 2).unwrap().is_nan());
        assert_eq!(m.get(1, 2), Some(1.0));
        assert!(m.mean().is_nan());
        assert!(pairwise_spearman(&[lg(&c), lg(&x)])
            .unwrap()
            .get(0, 1)
            .unwrap()
            .is_nan());
    }

    #[test]
    fn ranks_with_ties_by_hand() {
        // scipy.stats.rankdata([0, -0.0, 3, 3, 3, -1], method="average") = [2.5, 2.5, 5, 5, 5, 1]
        assert_eq!(
            average_ranks(&[0.0, -0.0, 3.0, 3.0, 3.0, -1.0]),
            vec![2.5, 2.5, 5.0, 5.0, 5.0, 1.0]
        );
        assert_eq!(
            average_ranks(&[f32::MIN, f32::MAX, -1e-30, 1e-30]),
            vec![1.0, 4.0, 2.0, 3.0]
        );
        assert!(average_ranks(&[]).is_empty());
    }

    #[test]
    fn spearman_by_hand_with_ties() {
        // a = [1, 2, 2, 3] -> ranks [1, 2.5, 2.5, 4]; b = [4, 3, 2, 1] -> ranks [4, 3, 2, 1].
        // Centered (mid 2.5): a' = [-1.5, 0, 0, 1.5], b' = [1.5, 0.5, -0.5, -1.5].
        // sab = -2.25 + 0 + 0 - 2.25 = -4.5; saa = 4.5; sbb = 5; r = -4.5 / sqrt(22.5).
        // scipy.stats.spearmanr([1, 2, 2, 3], [4, 3, 2, 1]) = -0.9486832980505138
        let r = spearman(lg(&[1.0, 2.0, 2.0, 3.0]), lg(&[4.0, 3.0, 2.0, 1.0])).unwrap();
        assert!((r - -0.9486832980505138).abs() < 1e-15, "{r}");
        assert!((r - -4.5 / 22.5_f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn pairwise_equals_two_run_versions() {
        let mut s = 12345_u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) % 7) as f32 * 0.5 + 100.0 // ties and a large offset
        };
        let data: Vec<Vec<f32>> = (0..5)
            .map(|_| (0..333 * 3).map(|_| next()).collect())
            .collect();
        let runs: Vec<Logits<'_>> = data
            .iter()
            .map(|d| Logits::new(d, 333, 3).unwrap())
            .collect();
        let (p, s) = (
            pairwise_pearson(&runs).unwrap(),
            pairwise_spearman(&runs).unwrap(),
        );
        for (i, j, v) in p.pairs() {
            assert!((v - pearson(runs[i], runs[j]).unwrap()).abs() < 1e-13);
        }
        for (i, j, v) in s.pairs() {
            assert_eq!(v, spearman(runs[i], runs[j]).unwrap());
        }
    }
}
