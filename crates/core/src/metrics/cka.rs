//! Linear centered kernel alignment (CKA) between two runs' representations (Kornblith et al.,
//! "Similarity of Neural Network Representations Revisited", ICML 2019), docs/protocol.md
//! section 3.
//!
//! Everything is computed in feature space from `d x d` cross-products, never from `n x n`
//! Gram matrices: with centered `X` (`n x d1`) and `Y` (`n x d2`), `k_e = |x_e|^2`,
//! `l_e = |y_e|^2`,
//! - biased HSIC (up to a factor that cancels): `|Y^T X|_F^2`;
//! - unbiased HSIC (Song et al. 2012, as U-centered Gram matrices in Nguyen et al. 2021 and
//!   Kornblith's `feature_space_linear_cka(debiased=True)`), times `n (n - 3)`:
//!   `|Y^T X|_F^2 - n / (n - 2) sum_e k_e l_e + (sum_e k_e)(sum_e l_e) / ((n - 1)(n - 2))`.
//!
//! Cost per pair: `n d1 d2` multiply-adds in `f64` (a 4 x 8 register-tiled kernel on centered
//! chunks of 64 examples), plus `O(n (d1 + d2))`.

use super::error::MetricsError;
use super::kernels::{dot_f64, multiversion};
use super::pair::PairMatrix;
use super::parallel::{map_indexed, over_row_blocks};
use super::view::{check_feature_runs, identical_to, Features};

/// Which HSIC estimator CKA normalizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HsicEstimator {
    /// `tr(K H L H) / (n - 1)^2`: Kornblith et al.'s linear CKA. Biased upwards for small `n`:
    /// independent random features of dimension `d` score about `d / n`, not 0.
    Biased,
    /// The unbiased U-statistic (Song et al. 2012): 0 in expectation for independent features.
    /// Needs `n >= 4`.
    Unbiased,
}

/// Linear CKA between two runs' features over the same examples:
/// `CKA = HSIC(X, Y) / sqrt(HSIC(X, X) HSIC(Y, Y))` with linear kernels.
///
/// Biased: `|Y_c^T X_c|_F^2 / (|X_c^T X_c|_F |Y_c^T Y_c|_F)` on column-centered features,
/// matching `cka(gram_linear(x), gram_linear(y))` and `feature_space_linear_cka(x, y)` of the
/// authors' code (google-research/representation_similarity). Unbiased: the module formula,
/// matching `feature_space_linear_cka(x, y, debiased=True)`. docs/protocol.md section 3.
///
/// # Remarks
/// - Invariant to orthogonal transforms and isotropic scaling of either input, and to
///   translations; `d1` and `d2` may differ. Identical non-degenerate features give exactly
///   `1.0`. Results are clamped to `[-1, 1]` (biased: `[0, 1]`).
/// - Constant features (every column constant) make `HSIC(X, X) = 0`: CKA is undefined and the
///   result is `f64::NAN`. The unbiased self-HSIC can also be `<= 0` for tiny or degenerate
///   inputs; the result is then NaN too.
/// - Empty input cannot occur ([`Features::new`] rejects it).
///
/// # Errors
/// [`MetricsError::ShapeMismatch`] when the example counts differ; [`MetricsError::NonFinite`]
/// (run 0 is `x`, run 1 is `y`); [`MetricsError::TooFewExamples`] for the unbiased estimator
/// with `n < 4`.
///
/// # Examples
/// ```
/// use runvar_core::metrics::{linear_cka, Features, HsicEstimator};
/// let x = [1.0, 0.0, /**/ 0.0, 2.0, /**/ 3.0, 1.0, /**/ 2.0, 5.0];
/// let y = [2.0, 0.0, /**/ 0.0, 4.0, /**/ 6.0, 2.0, /**/ 4.0, 10.0]; // 2 x
/// let (fx, fy) = (Features::new(&x, 4, 2).unwrap(), Features::new(&y, 4, 2).unwrap());
/// assert_eq!(linear_cka(fx, fy, HsicEstimator::Biased).unwrap(), 1.0);
/// ```
pub fn linear_cka(
    x: Features<'_>,
    y: Features<'_>,
    estimator: HsicEstimator,
) -> Result<f64, MetricsError> {
    let n = check(&[x, y], estimator, "linear CKA")?;
    let (sx, sy) = (RunStats::new(x), RunStats::new(y));
    let same = identical_to(&[x.data(), y.data()]);
    let xp = pack_run(x, &sx.mean);
    Ok(cka(&xp, x.dim(), &sx, y, &sy, n, estimator, same[1] == 0))
}

/// [`linear_cka`] of every pair of runs, on all cores.
///
/// Each run's means, row norms and self-HSIC are computed once; each pair then costs one
/// `d1 x d2` cross-product over `n` examples. At `n = 10,000`, `d = 64` that is `4.1e7`
/// multiply-adds a pair: about 5,000 pairs (`N = 100`) take seconds, `N = 1,000` (500,000
/// pairs) would take minutes; use [`linear_cka_pairs`] on a random subset of pairs there.
///
/// # Remarks
/// As [`linear_cka`].
///
/// # Errors
/// [`MetricsError::TooFewRuns`] for fewer than 2 runs; otherwise as [`linear_cka`], naming
/// the run.
pub fn pairwise_linear_cka(
    runs: &[Features<'_>],
    estimator: HsicEstimator,
) -> Result<PairMatrix, MetricsError> {
    let mut m = pair_tables(runs, &[estimator])?;
    Ok(m.remove(0))
}

/// [`pairwise_linear_cka`] with both estimators at once: `(biased, unbiased)`, each equal
/// bitwise to its own call, for the cost of one (the pair's cross-product is shared).
///
/// # Errors
/// As [`pairwise_linear_cka`] with [`HsicEstimator::Unbiased`].
pub fn pairwise_linear_cka_both(
    runs: &[Features<'_>],
) -> Result<(PairMatrix, PairMatrix), MetricsError> {
    let mut m = pair_tables(runs, &[HsicEstimator::Biased, HsicEstimator::Unbiased])?;
    let unbiased = m.remove(1);
    Ok((m.remove(0), unbiased))
}

/// One CKA table per estimator of `estimators`, every pair's cross-product computed once.
fn pair_tables(
    runs: &[Features<'_>],
    estimators: &[HsicEstimator],
) -> Result<Vec<PairMatrix>, MetricsError> {
    let strictest = if estimators.contains(&HsicEstimator::Unbiased) {
        HsicEstimator::Unbiased
    } else {
        HsicEstimator::Biased
    };
    let n = check(runs, strictest, "pairwise linear CKA")?;
    let stats = map_indexed(runs.len(), |r| RunStats::new(runs[r]));
    let same = identical_to(&runs.iter().map(|r| r.data()).collect::<Vec<_>>());
    let parts = over_row_blocks(runs.len(), 1, |starts| {
        let mut out = Vec::new();
        for &i in starts {
            let xp = pack_run(runs[i], &stats[i].mean);
            for j in i + 1..runs.len() {
                let cross = std::cell::OnceCell::new();
                let get =
                    || *cross.get_or_init(|| cross_sq(&xp, runs[i].dim(), runs[j], &stats[j].mean));
                let s = same[i] == same[j];
                let values: Vec<f64> = estimators
                    .iter()
                    .map(|&e| cka_from_cross(get, &stats[i], &stats[j], n, e, s))
                    .collect();
                out.push((i, j, values));
            }
        }
        out
    });
    let mut tables = vec![PairMatrix::zeros(runs.len()); estimators.len()];
    for (i, j, values) in parts.into_iter().flatten() {
        for (table, v) in tables.iter_mut().zip(values) {
            table.set(i, j, v);
        }
    }
    Ok(tables)
}

/// [`linear_cka`] of the given pairs of runs only (for example a random subset when all
/// `N (N - 1) / 2` pairs would take too long), in the order given, on all cores. Each value
/// equals the [`pairwise_linear_cka`] entry bitwise (`(i, j)` and `(j, i)` alike).
///
/// # Errors
/// As [`pairwise_linear_cka`], plus [`MetricsError::InvalidParameter`] for a pair index out of
/// range.
pub fn linear_cka_pairs(
    runs: &[Features<'_>],
    pairs: &[(usize, usize)],
    estimator: HsicEstimator,
) -> Result<Vec<f64>, MetricsError> {
    let n = check(runs, estimator, "linear CKA of pairs")?;
    if let Some(&(i, j)) = pairs
        .iter()
        .find(|&&(i, j)| i >= runs.len() || j >= runs.len())
    {
        return Err(MetricsError::InvalidParameter {
            name: "pairs",
            value: format!("({i}, {j}) with {} runs", runs.len()),
            expected: "run indices below the number of runs",
        });
    }
    let stats = map_indexed(runs.len(), |r| RunStats::new(runs[r]));
    let same = identical_to(&runs.iter().map(|r| r.data()).collect::<Vec<_>>());
    Ok(map_indexed(pairs.len(), |p| {
        // Canonical order, so that the value equals `pairwise_linear_cka`'s bitwise.
        let (i, j) = (pairs[p].0.min(pairs[p].1), pairs[p].0.max(pairs[p].1));
        cka(
            &pack_run(runs[i], &stats[i].mean),
            runs[i].dim(),
            &stats[i],
            runs[j],
            &stats[j],
            n,
            estimator,
            same[i] == same[j],
        )
    }))
}

fn check(
    runs: &[Features<'_>],
    estimator: HsicEstimator,
    metric: &'static str,
) -> Result<usize, MetricsError> {
    let n = check_feature_runs(runs, 2, metric)?;
    if estimator == HsicEstimator::Unbiased && n < 4 {
        return Err(MetricsError::TooFewExamples {
            metric,
            needed: 4,
            found: n,
        });
    }
    Ok(n)
}

/// What CKA needs of one run on its own.
struct RunStats {
    /// Column means.
    mean: Vec<f64>,
    /// `k_e = |x_e - mean|^2`.
    row_sq: Vec<f64>,
    /// `sum_e k_e`.
    total_sq: f64,
    /// `|X_c^T X_c|_F^2`.
    self_cross: f64,
}

impl RunStats {
    fn new(x: Features<'_>) -> Self {
        let (n, d) = (x.n(), x.dim());
        let mut mean = vec![0.0; d];
        for row in x.data().chunks_exact(d) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let row_sq: Vec<f64> = x
            .data()
            .chunks_exact(d)
            .map(|row| {
                row.iter()
                    .zip(&mean)
                    .map(|(&v, m)| (f64::from(v) - m).powi(2))
                    .sum()
            })
            .collect();
        let total_sq = row_sq.iter().sum();
        let self_cross = cross_sq(&pack_run(x, &mean), d, x, &mean);
        RunStats {
            mean,
            row_sq,
            total_sq,
            self_cross,
        }
    }
}

/// CKA of `x` (packed by [`pack_run`], `d1` columns) and `y`.
#[allow(clippy::too_many_arguments)]
fn cka(
    xp: &[f64],
    d1: usize,
    sx: &RunStats,
    y: Features<'_>,
    sy: &RunStats,
    n: usize,
    est: HsicEstimator,
    same: bool,
) -> f64 {
    let cross = || cross_sq(xp, d1, y, &sy.mean);
    cka_from_cross(cross, sx, sy, n, est, same)
}

/// CKA from the pair's `|Y_c^T X_c|_F^2` (computed by `cross` only when needed) and the runs'
/// own statistics: the one expensive term both estimators share.
fn cka_from_cross(
    cross: impl FnOnce() -> f64,
    sx: &RunStats,
    sy: &RunStats,
    n: usize,
    est: HsicEstimator,
    same: bool,
) -> f64 {
    let hsic = |cross: f64, a: &RunStats, b: &RunStats| match est {
        HsicEstimator::Biased => cross,
        HsicEstimator::Unbiased => {
            let nf = n as f64;
            cross - nf / (nf - 2.0) * dot_f64(&a.row_sq, &b.row_sq)
                + a.total_sq * b.total_sq / ((nf - 1.0) * (nf - 2.0))
        }
    };
    let (hxx, hyy) = (hsic(sx.self_cross, sx, sx), hsic(sy.self_cross, sy, sy));
    if !(hxx > 0.0 && hyy > 0.0) {
        return f64::NAN;
    }
    if same {
        return 1.0;
    }
    let hxy = hsic(cross(), sx, sy);
    (hxy / (hxx * hyy).sqrt()).clamp(-1.0, 1.0)
}

const CHUNK: usize = 64;
const TA: usize = 4;
const TB: usize = 8;

/// The centered features of a run in [`tiles`]' layout: chunks of `CHUNK` examples, each
/// in panels of `TB` columns ([`pack_generic`]). `n x ceil(d / TB) TB` values: packed once
/// per row of the pair table and reused for every pair in it.
fn pack_run(x: Features<'_>, mean: &[f64]) -> Vec<f64> {
    let (d, dp) = (x.dim(), x.dim().div_ceil(TB) * TB);
    let mut out = vec![0.0; x.n() * dp];
    for (src, dst) in x.data().chunks(CHUNK * d).zip(out.chunks_mut(CHUNK * dp)) {
        pack_x(src, d, mean, dst);
    }
    out
}

/// `|Y_c^T X_c|_F^2` with `X_c = X - mean_x` (packed by [`pack_run`], `d1` columns) and
/// `Y_c = Y - mean_y`, in `f64`. Each entry of `Y_c^T X_c` is summed over examples in order,
/// so `cross_sq(x, x)` and `cross_sq(x, y)` with `y` bitwise equal to `x` agree bitwise.
fn cross_sq(xp: &[f64], d1: usize, y: Features<'_>, my: &[f64]) -> f64 {
    let d2 = y.dim();
    let (d1p, d2p) = (d1.div_ceil(TB) * TB, d2.div_ceil(TA) * TA);
    let mut yb = vec![0.0; CHUNK * d2p];
    let mut c = vec![0.0; d2p * d1p];
    for (xb, yr) in xp.chunks(CHUNK * d1p).zip(y.data().chunks(CHUNK * d2)) {
        let ec = yr.len() / d2;
        pack_y(yr, d2, my, &mut yb[..ec * d2p]);
        tiles(xb, &yb[..ec * d2p], ec, d1p, d2p, &mut c);
    }
    c.iter().map(|v| v * v).sum()
}

multiversion! {
    fn pack_x(src: &[f32], d: usize, mean: &[f64], dst: &mut [f64]) => pack_generic::<TB>
}

multiversion! {
    fn pack_y(src: &[f32], d: usize, mean: &[f64], dst: &mut [f64]) => pack_generic::<TA>
}

/// Centers the rows of `src` (`ec` rows of `d` columns) into `dst` in panels of `W` columns:
/// panel `p` holds columns `p*W..(p+1)*W` of all `ec` rows contiguously (`ec x W`), zero
/// beyond column `d`. A tile then reads contiguous memory.
#[inline(always)]
fn pack_generic<const W: usize>(src: &[f32], d: usize, mean: &[f64], dst: &mut [f64]) {
    let ec = src.len() / d;
    for (p, panel) in dst.chunks_exact_mut(ec * W).enumerate() {
        let c0 = p * W;
        if c0 + W <= d {
            let m: &[f64; W] = mean[c0..c0 + W].try_into().expect("W columns");
            for (row, out) in src.chunks_exact(d).zip(panel.chunks_exact_mut(W)) {
                let v: &[f32; W] = row[c0..c0 + W].try_into().expect("W columns");
                for k in 0..W {
                    out[k] = f64::from(v[k]) - m[k];
                }
            }
        } else {
            for (row, out) in src.chunks_exact(d).zip(panel.chunks_exact_mut(W)) {
                for (k, o) in out.iter_mut().enumerate() {
                    *o = if c0 + k < d {
                        f64::from(row[c0 + k]) - mean[c0 + k]
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

multiversion! {
    fn tiles(xb: &[f64], yb: &[f64], ec: usize, d1p: usize, d2p: usize, c: &mut [f64]) => tiles_generic
}

/// `c[a][b] += sum_{e < ec} y[e][a] x[e][b]` from packed panels ([`pack_generic`]), tiles of
/// `TA x TB` held in registers.
#[inline(always)]
fn tiles_generic(xb: &[f64], yb: &[f64], ec: usize, d1p: usize, d2p: usize, c: &mut [f64]) {
    for (pa, ypanel) in yb.chunks_exact(ec * TA).enumerate().take(d2p / TA) {
        let a0 = pa * TA;
        for (pb, xpanel) in xb.chunks_exact(ec * TB).enumerate().take(d1p / TB) {
            let b0 = pb * TB;
            let mut acc = [[0.0_f64; TB]; TA];
            for (a, row) in acc.iter_mut().enumerate() {
                row.copy_from_slice(&c[(a0 + a) * d1p + b0..][..TB]);
            }
            for (xv, yv) in xpanel.chunks_exact(TB).zip(ypanel.chunks_exact(TA)) {
                for a in 0..TA {
                    for b in 0..TB {
                        acc[a][b] += yv[a] * xv[b];
                    }
                }
            }
            for (a, row) in acc.iter().enumerate() {
                c[(a0 + a) * d1p + b0..][..TB].copy_from_slice(row);
            }
        }
    }
}
