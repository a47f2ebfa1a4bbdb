//! The `data` source end to end: a run's resample of the training set moves which examples it
//! trains on and nothing else, reruns are bit-identical, fractions train on fewer distinct
//! examples, and resampled replicas pack and assemble batches as solo runs do.

use runvar_core::data::{self, Prepared};
use runvar_core::resample::TrainingSet;
use runvar_core::runspec::RunSpec;
use runvar_engine::train::{Outcome, Trainer};

fn spec(preset: &str, epochs: usize, data: Option<u64>) -> RunSpec {
    let mut s = RunSpec::from_preset(preset).unwrap();
    s.train.epochs = epochs;
    s.threads = 1;
    s.seeds.data = data;
    s
}

fn train(spec: &RunSpec, data: &Prepared) -> Outcome {
    Trainer::new(spec, data)
        .unwrap()
        .with_trace()
        .run(&mut |_| {})
        .unwrap()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn sorted(v: &[usize]) -> Vec<usize> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

#[test]
fn the_data_seed_moves_the_training_multiset_and_nothing_else() {
    // digits-cnn draws every other stream: crops and flips, dropout masks, the shuffle.
    let full = spec("digits-cnn", 2, None);
    let data = data::prepare(&full).unwrap();
    let n = data.dataset.train.len();
    let (a, b) = (
        spec("digits-cnn", 2, Some(1)),
        spec("digits-cnn", 2, Some(2)),
    );
    // The same initial parameters, with or without a resample.
    let p0 = Trainer::new(&full, &data).unwrap().params();
    for s in [&a, &b] {
        let t = Trainer::new(s, &data).unwrap();
        assert_eq!(t.params(), p0, "the data seed moved an initial parameter");
        assert_eq!(
            t.training_loop().steps_per_epoch(),
            n.div_ceil(full.train.batch_size)
        );
    }
    let (ra, rb, rf) = (train(&a, &data), train(&b, &data), train(&full, &data));
    let want = |seed| TrainingSet::of(Some(seed), None, n).unwrap();
    for (run, seed) in [(&ra, 1), (&rb, 2)] {
        for (t, f) in run.trace.iter().zip(&rf.trace) {
            // The shuffle's permutation of the slots is the full run's order of the examples;
            // the crops and flips and the dropout draws are the full run's.
            assert_eq!(t.slots, f.order);
            assert_eq!((&t.augment, t.dropout_draws), (&f.augment, f.dropout_draws));
            // Each epoch trains on the resample: n examples, about 63% of them distinct.
            let TrainingSet::Sample(ids) = want(seed) else {
                unreachable!()
            };
            assert_eq!(sorted(&t.order), ids);
        }
        let rec = run.record.data.clone().unwrap();
        assert_eq!((rec.seed, rec.examples, rec.of), (seed, n, n));
        assert_eq!(rec.distinct, want(seed).distinct());
        let share = rec.distinct as f64 / n as f64;
        assert!((0.60..0.665).contains(&share), "{share}");
    }
    assert!(rf.trace.iter().all(|t| t.slots.is_empty()) && rf.record.data.is_none());
    assert_ne!(ra.trace[0].order, rb.trace[0].order);
    assert_ne!(ra.record.param_hash, rb.record.param_hash);
    assert_ne!(ra.record.param_hash, rf.record.param_hash);
    // The same data seed twice: the same run, bit for bit.
    let again = train(&a, &data);
    assert_eq!(again.record.param_hash, ra.record.param_hash);
    assert_eq!(bits(&again.logits), bits(&ra.logits));
    assert_eq!(bits(&again.features), bits(&ra.features));
}

#[test]
fn a_fraction_trains_each_epoch_on_round_f_n_distinct_examples() {
    let mut s = spec("digits-mlp", 2, Some(4));
    s.train.data_fraction = Some(0.5);
    let data = data::prepare(&s).unwrap();
    let n = data.dataset.train.len();
    let m = (0.5 * n as f64).round() as usize;
    let t = Trainer::new(&s, &data).unwrap();
    assert_eq!(
        t.training_loop().steps_per_epoch(),
        m.div_ceil(s.train.batch_size)
    );
    assert_eq!(t.training_set(0).distinct(), m);
    let run = t.with_trace().run(&mut |_| {}).unwrap();
    let rec = run.record.data.clone().unwrap();
    assert_eq!((rec.examples, rec.distinct, rec.of), (m, m, n));
    let first = sorted(&run.trace[0].order);
    assert_eq!(first.len(), m);
    assert!(first.windows(2).all(|w| w[0] < w[1]), "distinct examples");
    assert_eq!(sorted(&run.trace[1].order), first, "drawn once per run");
    assert_ne!(
        run.trace[1].order, run.trace[0].order,
        "ordered anew each epoch"
    );
    assert!(
        run.record.test_accuracy > 0.5,
        "{}",
        run.record.test_accuracy
    );
    // A fraction without a data seed is refused.
    let mut bad = s.clone();
    bad.seeds.data = None;
    let msg = Trainer::new(&bad, &data).err().unwrap().to_string();
    assert!(
        msg.contains("data_fraction") && msg.contains("seed"),
        "{msg}"
    );
}

#[test]
fn resampled_replicas_pack_and_assemble_batches_as_solo_runs() {
    // digits-cnn on 256 examples, one epoch: crops of duplicated examples in packs and on the
    // device path.
    let specs: Vec<RunSpec> = [Some(5), Some(6), None]
        .into_iter()
        .map(|d| {
            let mut s = spec("digits-cnn", 1, d);
            s.data.train_limit = Some(256);
            s
        })
        .collect();
    let data = data::prepare(&specs[0]).unwrap();
    let packed: Vec<Outcome> = Trainer::pack(&specs, &data)
        .unwrap()
        .with_trace()
        .run_pack(&mut |_| {})
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    for (s, p) in specs.iter().zip(&packed) {
        let solo = train(s, &data);
        assert_eq!(solo.trace, p.trace, "a pack drew other data");
        assert_eq!(solo.record.data, p.record.data);
        // Batches assembled with tensor ops give the run bit for bit.
        let device = Trainer::new(s, &data)
            .unwrap()
            .with_device_batches()
            .run(&mut |_| {})
            .unwrap();
        assert_eq!(bits(&device.logits), bits(&solo.logits));
    }
    // A fraction and the full set are different recipes: not one pack.
    let mut half = specs[0].clone();
    half.train.data_fraction = Some(0.5);
    assert!(Trainer::pack(&[half, specs[2].clone()], &data).is_err());
}
