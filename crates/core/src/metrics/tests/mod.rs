//! Cross-module tests: fast paths against the naive references, the deterministic control,
//! errors; CKA properties (`cka.rs`); the ignored benchmarks (`bench.rs`).

mod bench;
mod cka;
mod reference;

use super::*;
use crate::stats::{bootstrap_sd, Bootstrap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rand_distr::{Distribution, Normal};

/// Named tolerances (absolute). Sums of 1e3-1e5 `f64` terms in different orders.
const SUM_ORDER: f64 = 1e-12;
/// The same counts divided in a different order (`(2e - a - b) / 2n` vs `((e - a) + (e - b)) / 2`).
const ROUNDING: f64 = 1e-15;

/// `runs` runs of correlated logits: a shared signal plus run noise, some values quantized to
/// create ties, labels mostly following the signal.
fn make_runs(runs: usize, n: usize, c: usize, seed: u64) -> (Vec<Vec<f32>>, Vec<i64>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0_f32, 1.0).expect("valid");
    let signal: Vec<f32> = (0..n * c).map(|_| 2.0 * normal.sample(&mut rng)).collect();
    let labels: Vec<i64> = (0..n)
        .map(|e| {
            if rng.gen_bool(0.8) {
                reference::argmax(&signal[e * c..(e + 1) * c]) as i64
            } else {
                rng.gen_range(0..c as i64)
            }
        })
        .collect();
    let data = (0..runs)
        .map(|_| {
            signal
                .iter()
                .map(|&s| {
                    let v = s + normal.sample(&mut rng);
                    if rng.gen_bool(0.2) {
                        (v * 2.0).round() / 2.0
                    } else {
                        v
                    }
                })
                .collect()
        })
        .collect();
    (data, labels)
}

fn views<'a>(data: &'a [Vec<f32>], n: usize, c: usize) -> Vec<Logits<'a>> {
    data.iter()
        .map(|d| Logits::new(d, n, c).expect("shape"))
        .collect()
}

#[test]
fn fast_pairwise_paths_equal_naive_loops() {
    let (n, c) = (203, 10); // 203 = 25 blocks of 8 + 3: exercises the padding lanes
    let (mut data, labels) = make_runs(6, n, c, 1);
    data.push(data[2].clone()); // a bitwise duplicate
                                // Huge, opposed logit gaps: exp((x - max)/2) underflows, exercising the direct path.
    let mut wild = data[0].clone();
    for e in 0..20 {
        for k in 0..c {
            wild[e * c + k] = if k == e % c { 3000.0 } else { -1.0 };
        }
    }
    // A second one with the huge logit on the next class: for the pair, every `ea_c eb_c`
    // underflows to 0, so `S = 0` and only the direct path gets these examples right.
    let mut wild2 = wild.clone();
    for e in 0..20 {
        wild2[e * c..(e + 1) * c].rotate_right(1);
    }
    data.push(wild);
    data.push(wild2);
    let runs = views(&data, n, c);
    let dis = pairwise_disagreement(&runs).unwrap();
    let pe = pairwise_pearson(&runs).unwrap();
    let sp = pairwise_spearman(&runs).unwrap();
    let en = pairwise_ensemble_gain(&runs, &labels).unwrap();
    for i in 0..runs.len() {
        for j in i + 1..runs.len() {
            let (a, b) = (&data[i], &data[j]);
            assert_eq!(
                dis.get(i, j).unwrap(),
                reference::disagreement(a, b, c),
                "dis {i},{j}"
            );
            let wide = |x: &[f32]| x.iter().map(|&v| v as f64).collect::<Vec<_>>();
            let p = reference::pearson(&wide(a), &wide(b));
            assert!(
                (pe.get(i, j).unwrap() - p).abs() < SUM_ORDER,
                "pearson {i},{j}: {p}"
            );
            assert!((pearson(runs[i], runs[j]).unwrap() - p).abs() < SUM_ORDER);
            let s = reference::spearman(a, b);
            assert!(
                (sp.get(i, j).unwrap() - s).abs() < SUM_ORDER,
                "spearman {i},{j}"
            );
            let (ga, gc) = reference::ensemble_gain(a, b, &labels, c);
            let acc = en.accuracy.get(i, j).unwrap();
            assert!((acc - ga).abs() < ROUNDING, "ensemble accuracy {i},{j}");
            assert!(
                (en.cross_entropy.get(i, j).unwrap() - gc).abs() < SUM_ORDER,
                "ensemble CE {i},{j}"
            );
            let two = ensemble_gain(runs[i], runs[j], &labels).unwrap();
            assert_eq!(two.accuracy, acc);
            assert!((two.cross_entropy - gc).abs() < SUM_ORDER);
        }
    }
    let pr = per_run(&runs, &labels).unwrap();
    for (r, d) in data.iter().enumerate() {
        assert!((pr.cross_entropy[r] - reference::cross_entropy(d, &labels, c)).abs() < SUM_ORDER);
    }
}

#[test]
fn deterministic_control_is_exact() {
    let (data, labels) = make_runs(1, 500, 10, 2);
    let copies = vec![data[0].clone(); 4];
    let runs = views(&copies, 500, 10);
    let m = condition_metrics(&runs, &labels).unwrap();
    let five = FiveMetrics::from_condition(&m).unwrap();
    assert_eq!(
        five,
        FiveMetrics {
            sd_accuracy: 0.0,
            sd_cross_entropy: 0.0,
            disagreement: 0.0,
            correlation: 1.0,
            ensemble_gain: 0.0
        }
    );
    assert!(m.spearman.pairs().all(|(_, _, v)| v == 1.0));
    assert!(m.ensemble.cross_entropy.pairs().all(|(_, _, v)| v == 0.0));
    let b = bootstrap_sd(&m.runs.accuracy, &Bootstrap::default()).unwrap();
    assert_eq!((b.estimate, b.std_error), (0.0, 0.0));
    // Two-run versions too, without any special-casing.
    assert_eq!(pearson(runs[0], runs[1]).unwrap(), 1.0);
    assert_eq!(spearman(runs[0], runs[1]).unwrap(), 1.0);
    let g = ensemble_gain(runs[0], runs[1], &labels).unwrap();
    assert_eq!((g.accuracy, g.cross_entropy), (0.0, 0.0));
    // Not identical, but a real spread: every number moves away from the control values.
    let (data, labels) = make_runs(4, 500, 10, 3);
    let five =
        FiveMetrics::from_condition(&condition_metrics(&views(&data, 500, 10), &labels).unwrap())
            .unwrap();
    assert!(five.sd_accuracy > 0.0 && five.sd_cross_entropy > 0.0 && five.disagreement > 0.0);
    assert!(five.correlation < 1.0 && five.ensemble_gain != 0.0);
}

#[test]
fn pairwise_errors() {
    let (data, labels) = make_runs(2, 10, 3, 4);
    let runs = views(&data, 10, 3);
    for f in [pairwise_disagreement, pairwise_pearson, pairwise_spearman] {
        assert!(matches!(
            f(&runs[..1]),
            Err(MetricsError::TooFewRuns {
                needed: 2,
                found: 1,
                ..
            })
        ));
        assert!(matches!(
            f(&[]),
            Err(MetricsError::TooFewRuns { found: 0, .. })
        ));
    }
    assert!(matches!(
        pairwise_ensemble_gain(&runs[..1], &labels),
        Err(MetricsError::TooFewRuns { .. })
    ));
    let mut bad = data[1].clone();
    bad[13] = f32::NAN; // example 4, class 1
    let with_nan = [runs[0], Logits::new(&bad, 10, 3).unwrap()];
    let e = pairwise_pearson(&with_nan).unwrap_err();
    assert!(
        matches!(
            e,
            MetricsError::NonFinite {
                subject: Subject { run: Some(1), .. },
                row: 4,
                col: 1,
                ..
            }
        ),
        "{e}"
    );
    assert!(matches!(
        condition_metrics(&with_nan, &labels),
        Err(MetricsError::NonFinite { .. })
    ));
    let short = &data[1][..27];
    let mismatched = [runs[0], Logits::new(short, 9, 3).unwrap()];
    let e = pairwise_ensemble_gain(&mismatched, &labels).unwrap_err();
    assert!(matches!(e, MetricsError::ShapeMismatch { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("shape 9 x 3 does not match logits of run 0's shape 10 x 3"),
        "{e}"
    );
    assert!(matches!(
        pairwise_ensemble_gain(&runs, &labels[..9]),
        Err(MetricsError::LabelCount { len: 9, n: 10 })
    ));
}

#[test]
fn population_sd_of_runs_is_exact_on_equal_values() {
    assert_eq!(population_sd(&[0.913; 100]).unwrap(), 0.0);
}
