//! Replica packs: K runs trained as one stacked model (grouped convolutions, batched matmuls,
//! per-replica BatchNorm). Each replica must be the run it would be alone, up to the
//! floating-point accumulation order, and a pack must be as reproducible as a solo run. Also:
//! the memory layout of convolutions changes kernels, not results.

use runvar_core::data::{self, Prepared};
use runvar_core::runspec::{BitFlipSpec, Layout, RunSpec};
use runvar_engine::train::{Outcome, Trainer};

fn spec(preset: &str, epochs: usize, seed: u64) -> RunSpec {
    let mut s = RunSpec::from_preset(preset).unwrap();
    s.train.epochs = epochs;
    s.threads = 1;
    s.seeds.init = seed;
    s.seeds.shuffle = seed;
    s.seeds.augment = seed;
    s.seeds.dropout = seed;
    s.seeds.low_level = seed;
    s
}

fn solo(spec: &RunSpec, data: &Prepared) -> Outcome {
    Trainer::new(spec, data)
        .unwrap()
        .with_trace()
        .run(&mut |_| {})
        .unwrap()
}

fn pack(specs: &[RunSpec], data: &Prepared) -> Vec<Outcome> {
    run_all(Trainer::pack(specs, data).unwrap().with_trace())
}

/// Train every replica of `trainer`; each must succeed.
fn run_all(trainer: Trainer) -> Vec<Outcome> {
    trainer
        .run_pack(&mut |_| {})
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Each replica of a 3-pack, trained for a few steps, matches its solo run to float
/// tolerance and drew exactly the same data, augmentation and dropout. (A few steps only:
/// training is unstable, so a difference in the last bit grows; with crops, a max-pool tie
/// in the padding broken the other way after about 8 steps of digits-cnn shows that early.)
fn pack_matches_solo(preset: &str, train_limit: usize) {
    let specs: Vec<RunSpec> = (0..3)
        .map(|i| {
            let mut s = spec(preset, 1, 10 + i);
            s.data.train_limit = Some(train_limit);
            s
        })
        .collect();
    let data = data::prepare(&specs[0]).unwrap();
    let packed = pack(&specs, &data);
    for (s, p) in specs.iter().zip(&packed) {
        let alone = solo(s, &data);
        assert_eq!(p.trace, alone.trace, "{preset}: a replica's draws moved");
        let d = max_abs_diff(&p.logits, &alone.logits);
        let scale = alone.logits.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(
            d <= 1e-4 * scale.max(1.0),
            "{preset}: packed logits differ from solo by {d} (scale {scale})"
        );
        assert_eq!(p.record.param_count, alone.record.param_count);
        assert_eq!(p.record.pack.as_ref().map(|r| r.size), Some(3));
    }
    // Different seeds give different replicas.
    assert_ne!(packed[0].logits, packed[1].logits);
}

#[test]
fn mlp_pack_matches_solo_runs() {
    // Batched matmuls, dropout from each replica's stream.
    pack_matches_solo("digits-mlp", 128);
}

#[test]
fn cnn_pack_matches_solo_runs() {
    // Grouped convolutions, max-pool, dropout before flattening, crop augmentation.
    pack_matches_solo("digits-cnn", 128);
}

#[test]
fn resnet_pack_matches_solo_runs() {
    // Per-replica BatchNorm, strided shortcuts with per-replica channel padding.
    pack_matches_solo("mnist1d-resnet8", 400);
}

#[test]
fn packed_replicas_reach_the_solo_accuracy() {
    let specs: Vec<RunSpec> = (0..4).map(|i| spec("digits-mlp", 20, i)).collect();
    let data = data::prepare(&specs[0]).unwrap();
    let packed = pack(&specs, &data);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let p: Vec<f64> = packed.iter().map(|o| o.record.test_accuracy).collect();
    let s: Vec<f64> = specs
        .iter()
        .map(|s| solo(s, &data).record.test_accuracy)
        .collect();
    assert!(mean(&p) > 0.95, "packed replicas train: {p:?}");
    assert!(
        (mean(&p) - mean(&s)).abs() < 0.01,
        "pack {p:?} vs solo {s:?}"
    );
}

/// Identical specs in one pack give bit-identical replicas, whatever their position: the
/// control condition stays exactly zero when packed.
fn identical_replicas_are_bit_identical(preset: &str) {
    let s = spec(preset, 1, 3);
    let specs = vec![s.clone(), s.clone(), s];
    let data = data::prepare(&specs[0]).unwrap();
    let packed = pack(&specs, &data);
    for o in &packed[1..] {
        assert_eq!(o.record.param_hash, packed[0].record.param_hash, "{preset}");
        assert_eq!(o.logits, packed[0].logits, "{preset}");
    }
    // And a rerun of the pack is bit-identical.
    let again = pack(&specs, &data);
    assert_eq!(again[0].record.param_hash, packed[0].record.param_hash);
}

#[test]
fn identical_mlp_replicas_are_bit_identical() {
    identical_replicas_are_bit_identical("digits-mlp");
}

#[test]
fn identical_cnn_replicas_are_bit_identical() {
    identical_replicas_are_bit_identical("digits-cnn");
}

#[test]
fn identical_resnet_replicas_are_bit_identical() {
    identical_replicas_are_bit_identical("mnist1d-resnet8");
}

#[test]
fn a_bit_flip_in_a_pack_moves_one_element_of_its_replica_by_one_ulp() {
    let base = spec("digits-cnn", 1, 0);
    let mut flipped = base.clone();
    flipped.bit_flip = Some(BitFlipSpec {
        seed: 7,
        param: None,
    });
    let data = data::prepare(&base).unwrap();
    let t = Trainer::pack(&[base.clone(), flipped.clone(), base], &data).unwrap();
    let (p0, p1, p2) = (
        t.replica_params(0),
        t.replica_params(1),
        t.replica_params(2),
    );
    assert_eq!(p0, p2, "the flip touched another replica");
    let mut changed = Vec::new();
    for ((name, a), (_, b)) in p0.iter().zip(&p1) {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            if x.to_bits() != y.to_bits() {
                changed.push((name.clone(), i, x.to_bits().abs_diff(y.to_bits())));
            }
        }
    }
    // The same element, chosen by the same stream, as in a solo run.
    let solo = Trainer::new(&flipped, &data).unwrap();
    let rec = solo.bit_flip().unwrap().clone();
    assert_eq!(changed, vec![(rec.param, rec.index, 1)]);
}

#[test]
fn runs_that_differ_in_more_than_seeds_cannot_share_a_pack() {
    let a = spec("digits-mlp", 1, 0);
    let mut b = a.clone();
    b.train.lr *= 2.0;
    let data = data::prepare(&a).unwrap();
    let err = Trainer::pack(&[a, b], &data).err().expect("refused");
    assert!(err.to_string().contains("pack"), "{err}");
}

#[test]
fn batches_assembled_on_the_device_give_bit_identical_runs() {
    // What a GPU does by default, here on the CPU: crops (digits-cnn) and a pack of two.
    let specs = vec![spec("digits-cnn", 1, 0), spec("digits-cnn", 1, 1)];
    let data = data::prepare(&specs[0]).unwrap();
    let host = pack(&specs, &data);
    let device = run_all(Trainer::pack(&specs, &data).unwrap().with_device_batches());
    for (a, b) in host.iter().zip(&device) {
        assert_eq!(a.record.param_hash, b.record.param_hash);
    }
}

/// digits-cnn on 96 examples (3 steps) in memory layout `layout`.
fn layout_spec(layout: Layout, seed: u64) -> RunSpec {
    let mut s = spec("digits-cnn", 1, seed);
    s.data.train_limit = Some(96);
    s.train.layout = layout;
    s
}

/// Same draws, and logits equal to float tolerance, but other bits.
fn same_network_other_kernels(a: &Outcome, b: &Outcome, what: &str) {
    assert_eq!(a.trace, b.trace, "{what}: the draws moved");
    let scale = b.logits.iter().fold(1f32, |m, v| m.max(v.abs()));
    let d = max_abs_diff(&a.logits, &b.logits);
    assert!(
        d <= 1e-4 * scale,
        "{what}: logits differ by {d} (scale {scale})"
    );
    assert_ne!(
        a.record.param_hash, b.record.param_hash,
        "{what}: same kernels?"
    );
}

/// The memory layout of convolutions (`train.layout`) changes which kernels run, not what is
/// computed, solo and packed.
#[test]
fn layouts_compute_the_same_network() {
    let data = data::prepare(&layout_spec(Layout::Auto, 3)).unwrap();
    // Solo on the CPU, auto is channels-last.
    let auto = solo(&layout_spec(Layout::Auto, 3), &data);
    let nchw = solo(&layout_spec(Layout::Nchw, 3), &data);
    same_network_other_kernels(&nchw, &auto, "solo, nchw vs auto");
    // A channels-last pack against an NCHW pack, replica by replica.
    let specs = |l| vec![layout_spec(l, 3), layout_spec(l, 4)];
    let cl = pack(&specs(Layout::ChannelsLast), &data);
    let plain = pack(&specs(Layout::Nchw), &data);
    for (k, (c, p)) in cl.iter().zip(&plain).enumerate() {
        same_network_other_kernels(c, p, &format!("pack replica {k}, channels-last vs nchw"));
    }
}

#[test]
fn runs_in_different_layouts_cannot_share_a_pack() {
    let specs = [
        layout_spec(Layout::Nchw, 1),
        layout_spec(Layout::ChannelsLast, 2),
    ];
    let data = data::prepare(&specs[0]).unwrap();
    assert!(Trainer::pack(&specs, &data).is_err());
}
