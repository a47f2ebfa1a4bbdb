//! CKA: by hand, against the Gram-matrix formulas, and its invariances.

use super::super::*;
use super::reference;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rand_distr::{Distribution, Normal};

#[test]
fn cka_by_hand() {
    // x = [1, 2, 3, 4, 5], y = [2, 1, 4, 3, 5] (d = 1). Centered: x = [-2, -1, 0, 1, 2],
    // y = [-1, -2, 1, 0, 2]. y'x = 2 + 2 + 0 + 0 + 4 = 8, x'x = y'y = 10.
    // Biased: 8^2 / (10 * 10) = 0.64 (for d = 1, the squared Pearson correlation).
    // Unbiased (n = 5): k = x^2 = [4, 1, 0, 1, 4], l = y^2 = [1, 4, 1, 0, 4];
    // sum kl = 24, sum k^2 = sum l^2 = 34, sum k = sum l = 10, (n-1)(n-2) = 12.
    // h_xy = 64 - 5/3 * 24 + 100/12 = 97/3; h_xx = h_yy = 100 - 5/3 * 34 + 100/12 = 155/3;
    // CKA = 97 / 155.
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let y = [2.0, 1.0, 4.0, 3.0, 5.0];
    let (fx, fy) = (
        Features::new(&x, 5, 1).unwrap(),
        Features::new(&y, 5, 1).unwrap(),
    );
    assert!((linear_cka(fx, fy, HsicEstimator::Biased).unwrap() - 0.64).abs() < 1e-15);
    assert!((linear_cka(fx, fy, HsicEstimator::Unbiased).unwrap() - 97.0 / 155.0).abs() < 1e-15);
}

fn gaussian(n: usize, d: usize, mean: f32, rng: &mut ChaCha20Rng) -> Vec<f32> {
    let normal = Normal::new(mean, 1.0).expect("valid");
    (0..n * d).map(|_| normal.sample(rng)).collect()
}

#[test]
fn cka_matches_gram_matrix_formulas() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let (n, d1, d2) = (61, 13, 6);
    let x = gaussian(n, d1, 3.0, &mut rng); // non-zero means: checks translation invariance
    let mut y = gaussian(n, d2, -1.0, &mut rng);
    for e in 0..n {
        y[e * d2] += 0.7 * x[e * d1]; // some shared signal
    }
    let (fx, fy) = (
        Features::new(&x, n, d1).unwrap(),
        Features::new(&y, n, d2).unwrap(),
    );
    for (est, unbiased) in [
        (HsicEstimator::Biased, false),
        (HsicEstimator::Unbiased, true),
    ] {
        let want = reference::cka_gram(&x, d1, &y, d2, unbiased);
        let got = linear_cka(fx, fy, est).unwrap();
        assert!((got - want).abs() < 1e-10, "{est:?}: {got} vs {want}");
        let m = pairwise_linear_cka(&[fx, fy, fx], est).unwrap();
        assert_eq!(m.get(0, 1), Some(got));
        assert_eq!(m.get(0, 2), Some(1.0));
        assert_eq!(
            linear_cka_pairs(&[fx, fy], &[(1, 0), (0, 1)], est).unwrap(),
            vec![got, got]
        );
        // Both estimators at once give each one's values bit for bit.
        let (b, u) = pairwise_linear_cka_both(&[fx, fy, fx]).unwrap();
        assert_eq!(if unbiased { u } else { b }, m);
    }
}

#[test]
fn cka_identity_rotation_scaling() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let (n, d) = (200, 8);
    // Small integers, so an orthogonal transform with entries +-1/2 is exact in f32.
    let x: Vec<f32> = (0..n * d).map(|_| rng.gen_range(-50..50) as f32).collect();
    let y: Vec<f32> = x
        .iter()
        .zip(0..)
        .map(|(v, k)| v + ((k * 7) % 5) as f32)
        .collect();
    let fx = Features::new(&x, n, d).unwrap();
    let fy = Features::new(&y, n, d).unwrap();
    // Block-diagonal of two H4 / 2 (H4 the 4 x 4 Hadamard matrix): orthogonal.
    let h = [
        [1.0, 1.0, 1.0, 1.0],
        [1.0, -1.0, 1.0, -1.0],
        [1.0, 1.0, -1.0, -1.0],
        [1.0, -1.0, -1.0, 1.0],
    ];
    let mut xr = vec![0.0_f32; n * d];
    for e in 0..n {
        for blk in 0..2 {
            for i in 0..4 {
                xr[e * d + blk * 4 + i] = (0..4)
                    .map(|k| h[i][k] * x[e * d + blk * 4 + k])
                    .sum::<f32>()
                    / 2.0;
            }
        }
    }
    let scaled2: Vec<f32> = x.iter().map(|v| 2.0 * v).collect();
    let scaled3: Vec<f32> = x.iter().map(|v| 3.0 * v).collect();
    for est in [HsicEstimator::Biased, HsicEstimator::Unbiased] {
        assert_eq!(linear_cka(fx, fx, est).unwrap(), 1.0);
        let base = linear_cka(fx, fy, est).unwrap();
        assert!(base > 0.5 && base < 1.0, "{base}");
        let rot = linear_cka(Features::new(&xr, n, d).unwrap(), fy, est).unwrap();
        assert!(
            (rot - base).abs() < 1e-12,
            "rotation {est:?}: {rot} vs {base}"
        );
        assert!(
            (linear_cka(Features::new(&scaled2, n, d).unwrap(), fy, est).unwrap() - base).abs()
                < 1e-12
        );
        assert!(
            (linear_cka(Features::new(&scaled3, n, d).unwrap(), fy, est).unwrap() - base).abs()
                < 1e-12
        );
        assert!((linear_cka(fy, fx, est).unwrap() - base).abs() < 1e-12); // symmetric
    }
    // A random rotation (Gram-Schmidt of Gaussian columns) applied in f64 then rounded to f32:
    // the rounding (relative 6e-8 per value) bounds the agreement, hence 1e-5.
    let g = gaussian(d, d, 0.0, &mut rng);
    let mut q: Vec<Vec<f64>> = (0..d)
        .map(|i| (0..d).map(|k| g[i * d + k] as f64).collect())
        .collect();
    for i in 0..d {
        let (done, rest) = q.split_at_mut(i);
        let qi = &mut rest[0];
        for qj in done.iter() {
            let p: f64 = qi.iter().zip(qj).map(|(a, b)| a * b).sum();
            qi.iter_mut().zip(qj).for_each(|(a, b)| *a -= p * b);
        }
        let norm = qi.iter().map(|v| v * v).sum::<f64>().sqrt();
        qi.iter_mut().for_each(|v| *v /= norm);
    }
    let xq: Vec<f32> = (0..n * d)
        .map(|p| {
            (0..d)
                .map(|k| x[p / d * d + k] as f64 * q[p % d][k])
                .sum::<f64>() as f32
        })
        .collect();
    let fq = Features::new(&xq, n, d).unwrap();
    for est in [HsicEstimator::Biased, HsicEstimator::Unbiased] {
        assert!((linear_cka(fq, fy, est).unwrap() - linear_cka(fx, fy, est).unwrap()).abs() < 1e-5);
    }
}

/// Independent Gaussian features, `n = 1000`, `d = 32`: the biased CKA is about
/// `sqrt(d1 d2) / n = 0.032` (its bias), the unbiased one 0 in expectation with SD about
/// `sqrt(2) / n = 0.0014`. The threshold 0.01 is 7 SDs (no false failure) and below the
/// biased value (so a biased estimate would fail it).
#[test]
fn unbiased_cka_near_zero_for_independent_features() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let (n, d) = (1000, 32);
    let x = gaussian(n, d, 0.5, &mut rng);
    let y = gaussian(n, d, -0.5, &mut rng);
    let (fx, fy) = (
        Features::new(&x, n, d).unwrap(),
        Features::new(&y, n, d).unwrap(),
    );
    let unbiased = linear_cka(fx, fy, HsicEstimator::Unbiased).unwrap();
    let biased = linear_cka(fx, fy, HsicEstimator::Biased).unwrap();
    assert!(unbiased.abs() < 0.01, "unbiased {unbiased}");
    assert!(biased > 0.02, "biased {biased}");
}

#[test]
fn cka_degenerate_inputs() {
    let c = [1.5_f32; 20];
    let x: Vec<f32> = (0..20).map(|k| k as f32).collect();
    let (fc, fx) = (
        Features::new(&c, 10, 2).unwrap(),
        Features::new(&x, 10, 2).unwrap(),
    );
    assert!(linear_cka(fc, fx, HsicEstimator::Biased).unwrap().is_nan());
    assert!(linear_cka(fc, fc, HsicEstimator::Unbiased)
        .unwrap()
        .is_nan());
    let small = Features::new(&x[..6], 3, 2).unwrap();
    assert!(matches!(
        linear_cka(small, small, HsicEstimator::Unbiased),
        Err(MetricsError::TooFewExamples {
            needed: 4,
            found: 3,
            ..
        })
    ));
    assert!(linear_cka(small, small, HsicEstimator::Biased).is_ok());
    let other = Features::new(&x[..8], 4, 2).unwrap();
    assert!(matches!(
        linear_cka(fx, other, HsicEstimator::Biased),
        Err(MetricsError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        pairwise_linear_cka(&[fx], HsicEstimator::Biased),
        Err(MetricsError::TooFewRuns { .. })
    ));
    assert!(linear_cka_pairs(&[fx, fx], &[(0, 2)], HsicEstimator::Biased).is_err());
    let mut bad = x.clone();
    bad[5] = f32::NEG_INFINITY;
    let e = linear_cka(
        fx,
        Features::new(&bad, 10, 2).unwrap(),
        HsicEstimator::Biased,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("features of run 1: non-finite value -inf at example 2, column 1"),
        "{e}"
    );
}
