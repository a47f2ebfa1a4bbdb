//! The per-example metrics ([`Votes`], [`binomial_spread`], [`class_disagreement`],
//! [`Votes::most_split`]) against numpy on the fixture of `scripts/examples_reference.py`.

use super::{binomial_spread, class_disagreement, population_sd, Logits, Votes};

/// The committed fixture: inputs and numpy's numbers.
pub(crate) fn fixture() -> serde_json::Value {
    serde_json::from_str(include_str!("../../tests/fixtures/reference/examples.json")).unwrap()
}

/// `(logits per run as f32, labels, examples, classes)` of a fixture condition.
pub(crate) fn inputs(c: &serde_json::Value) -> (Vec<Vec<f32>>, Vec<i64>, usize, usize) {
    let (runs, n, classes) = (
        c["runs"].as_u64().unwrap() as usize,
        c["examples"].as_u64().unwrap() as usize,
        c["classes"].as_u64().unwrap() as usize,
    );
    let flat: Vec<f32> = c["logits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let labels = c["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let per_run = flat
        .chunks_exact(n * classes)
        .map(<[f32]>::to_vec)
        .collect();
    assert_eq!(flat.len(), runs * n * classes);
    (per_run, labels, n, classes)
}

fn close(a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
        "{a} vs numpy {b}"
    );
}

#[test]
fn per_example_numbers_match_numpy() {
    let doc = fixture();
    for (name, c) in doc["conditions"].as_object().unwrap() {
        let (runs, labels, n, classes) = inputs(c);
        let views: Vec<Logits> = runs
            .iter()
            .map(|r| Logits::new(r, n, classes).unwrap())
            .collect();
        let votes = Votes::of(&views).unwrap();
        let expected: Vec<u32> = c["votes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let got: Vec<u32> = votes.rows().flatten().copied().collect();
        assert_eq!(got, expected, "{name}: votes");
        assert_eq!((votes.runs(), votes.examples()), (runs.len(), n));

        let s = binomial_spread(&votes, &labels).unwrap();
        close(100.0 * s.sd, c["binomial_sd"].as_f64().unwrap());
        let percent = |k: usize| 100.0 * k as f64 / n as f64;
        close(percent(s.always_right), c["always_right"].as_f64().unwrap());
        close(percent(s.always_wrong), c["always_wrong"].as_f64().unwrap());
        close(percent(s.flipping), c["flipping"].as_f64().unwrap());
        assert_eq!(s.examples, n);
        // The accuracy SD it is compared with: population SD, as numpy.std.
        let acc: Vec<f64> = c["accuracy"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        close(population_sd(&acc).unwrap(), c["acc_sd"].as_f64().unwrap());

        let per_class = class_disagreement(&votes, &labels).unwrap();
        for (k, (got, want)) in per_class
            .iter()
            .zip(c["class_disagreement"].as_array().unwrap())
            .enumerate()
        {
            match (got, want.as_f64()) {
                (Some(g), Some(w)) => close(100.0 * g, w),
                (None, None) => {}
                other => panic!("{name}: class {k}: {other:?}"),
            }
        }
        // Over every class together: the condition's mean pairwise disagreement.
        let pairs: u64 = (0..n).map(|i| votes.disagreeing_pairs(i)).sum();
        let r = runs.len() as u64;
        close(
            100.0 * pairs as f64 / (n as u64 * r * (r - 1) / 2) as f64,
            c["disagreement"].as_f64().unwrap(),
        );

        let most: Vec<usize> = c["most_split"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(votes.most_split(25), most, "{name}: most split");
    }
}

#[test]
fn identical_runs_have_no_binomial_spread_and_nothing_splits() {
    let a = [
        1.0, 0.0, 0.0, /**/ 0.0, 0.0, 1.0, /**/ 0.5, 0.5, 0.5,
    ];
    let views = [Logits::new(&a, 3, 3).unwrap(); 4];
    let v = Votes::of(&views).unwrap();
    let s = binomial_spread(&v, &[0, 1, 0]).unwrap();
    // Example 0 right, 1 wrong (predicts 2), 2 right (a tie goes to class 0).
    assert_eq!(s.sd, 0.0);
    assert_eq!((s.always_right, s.always_wrong, s.flipping), (2, 1, 0));
    assert!(v.most_split(25).is_empty());
    assert_eq!(
        class_disagreement(&v, &[0, 1, 0]).unwrap(),
        [Some(0.0), Some(0.0), None]
    );
    assert!(binomial_spread(&v, &[0, 1]).is_err());
    assert!(class_disagreement(&v, &[0, 1, 3]).is_err());
    // One run: no pair, so no per-class disagreement.
    let one = Votes::of(&views[..1]).unwrap();
    assert_eq!(
        class_disagreement(&one, &[0, 1, 0]).unwrap(),
        [None, None, None]
    );
    assert!(Votes::of(&[]).is_err());
}
