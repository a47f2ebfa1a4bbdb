use super::*;

/// `E[D] / n` and `SD[D] / n` of the distinct examples `D` of a bootstrap resample of `n`,
/// exact, from scripts/resample_reference.py (which also checks them by simulation with
/// numpy's generator).
const DISTINCT_1348: (f64, f64) = (0.6322570548207186, 0.008492579411658062);
const DISTINCT_100000: (f64, f64) = (0.6321223982334278, 0.0009859465773134864);

fn distinct(ids: &[usize]) -> usize {
    TrainingSet::Sample(ids.to_vec()).distinct()
}

#[test]
fn bootstrap_has_n_draws_in_range_sorted_and_is_a_pure_function_of_its_seed() {
    let a = bootstrap(7, 1348);
    assert_eq!(a.len(), 1348);
    assert!(a.windows(2).all(|w| w[0] <= w[1]) && *a.last().unwrap() < 1348);
    assert_eq!(a, bootstrap(7, 1348));
    assert_ne!(a, bootstrap(8, 1348));
    assert!(distinct(&a) < 1348, "draws with replacement repeat");
}

#[test]
fn bootstrap_keeps_about_63_percent_of_the_examples() {
    // One large resample: within 5 SDs of the exact expectation (1 - 1/e in the limit).
    let (mean, sd) = DISTINCT_100000;
    let d = distinct(&bootstrap(0, 100_000)) as f64 / 100_000.0;
    assert!(
        (d - mean).abs() < 5.0 * sd,
        "{d} distinct, expected {mean} +- {sd}"
    );
    // Over 200 seeds at n = 1348: the mean within 4 standard errors, the SD within 25%.
    let (mean, sd) = DISTINCT_1348;
    let fr: Vec<f64> = (0..200)
        .map(|s| distinct(&bootstrap(s, 1348)) as f64 / 1348.0)
        .collect();
    let m = fr.iter().sum::<f64>() / 200.0;
    let s = (fr.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 200.0).sqrt();
    assert!(
        (m - mean).abs() < 4.0 * sd / 200f64.sqrt(),
        "mean {m}, expected {mean}"
    );
    assert!((s / sd - 1.0).abs() < 0.25, "SD {s}, expected {sd}");
}

#[test]
fn every_example_is_drawn_equally_often() {
    // 2000 resamples of 10: each id is drawn 2000 times on average (Binomial(20000, 0.1),
    // SD 42.4); 5 SDs either way.
    let mut counts = [0usize; 10];
    for s in 0..2000 {
        for id in bootstrap(s, 10) {
            counts[id] += 1;
        }
    }
    assert!(counts.iter().all(|&c| c.abs_diff(2000) < 212), "{counts:?}");
    // Subsamples of 3 of 10: each id in 30% of them (Binomial(3000, 0.3), SD 25.1).
    let mut counts = [0usize; 10];
    for s in 0..3000 {
        for id in subsample(s, 10, 3) {
            counts[id] += 1;
        }
    }
    assert!(counts.iter().all(|&c| c.abs_diff(900) < 126), "{counts:?}");
}

#[test]
fn a_fraction_keeps_exactly_round_f_n_distinct_examples() {
    for (f, n, m) in [
        (0.5, 1348, 674),
        (0.1, 4000, 400),
        (0.5, 5, 3),
        (0.25, 2, 1),
        (1.0, 9, 9),
    ] {
        assert_eq!(fraction_size(f, n).unwrap(), m, "{f} of {n}");
        let set = TrainingSet::of(Some(3), Some(f), n).unwrap();
        assert_eq!((set.len(), set.distinct()), (m, m), "{f} of {n}");
        let TrainingSet::Sample(ids) = &set else {
            panic!("a fraction is a sample")
        };
        assert!(ids.windows(2).all(|w| w[0] < w[1]) && ids.iter().all(|&i| i < n));
        assert_eq!(set, TrainingSet::of(Some(3), Some(f), n).unwrap());
    }
    // The whole set, in another order of draws, is still the whole set.
    assert_eq!(subsample(4, 9, 9), (0..9).collect::<Vec<_>>());
    assert_ne!(subsample(4, 1348, 674), subsample(5, 1348, 674));
}

#[test]
fn bad_fractions_and_a_fraction_without_a_seed_are_named() {
    for f in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        let msg = fraction_size(f, 100).unwrap_err().to_string();
        assert!(msg.starts_with("must be in (0, 1] (got "), "{msg}");
    }
    let msg = fraction_size(0.001, 100).unwrap_err().to_string();
    assert!(msg.contains("rounds to none"), "{msg}");
    let e = TrainingSet::of(None, Some(0.5), 100).unwrap_err();
    assert_eq!(e, FractionError::NoSeed);
    assert!(e.to_string().contains("seeds.data"), "{e}");
}

#[test]
fn without_a_data_seed_the_set_is_every_example_once() {
    let full = TrainingSet::of(None, None, 5).unwrap();
    assert_eq!(full, TrainingSet::Full(5));
    assert_eq!((full.len(), full.distinct(), full.example(3)), (5, 5, 3));
    let boot = TrainingSet::of(Some(1), None, 5).unwrap();
    assert_eq!(boot, TrainingSet::Sample(bootstrap(1, 5)));
    assert_eq!(boot.example(0), bootstrap(1, 5)[0]);
}
