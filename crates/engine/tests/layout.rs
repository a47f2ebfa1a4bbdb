//! The memory layout of convolutions (`train.layout`) changes which kernels run, not what is
//! computed: NCHW and channels-last runs of the same spec draw the same data and agree to
//! float tolerance after a few steps, solo and packed.

use runvar_core::spec::{Layout, RunSpec};
use runvar_engine::data;
use runvar_engine::train::{Outcome, Trainer};

fn spec(layout: Layout, seed: u64) -> RunSpec {
    let mut s = RunSpec::from_preset("digits-cnn").unwrap();
    s.train.epochs = 1;
    s.data.train_limit = Some(96);
    s.threads = 1;
    s.seeds.init = seed;
    s.seeds.shuffle = seed;
    s.seeds.augment = seed;
    s.train.layout = layout;
    s
}

fn run_pack(specs: &[RunSpec]) -> Vec<Outcome> {
    let data = data::prepare(&specs[0]).unwrap();
    Trainer::pack(specs, &data)
        .unwrap()
        .with_trace()
        .run_pack(&mut |_| {})
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

fn assert_close(a: &Outcome, b: &Outcome, what: &str) {
    assert_eq!(a.trace, b.trace, "{what}: the draws moved");
    let scale = b.logits.iter().fold(1f32, |m, v| m.max(v.abs()));
    let d = a
        .logits
        .iter()
        .zip(&b.logits)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max);
    assert!(
        d <= 1e-4 * scale,
        "{what}: logits differ by {d} (scale {scale})"
    );
}

#[test]
fn layouts_compute_the_same_network() {
    // Solo on the CPU: auto is channels-last; NCHW must give the same network.
    let auto = run_pack(&[spec(Layout::Auto, 3)]);
    let nchw = run_pack(&[spec(Layout::Nchw, 3)]);
    assert_close(&nchw[0], &auto[0], "solo nchw vs auto");
    // ... through other kernels: the last bits differ.
    assert_ne!(nchw[0].record.param_hash, auto[0].record.param_hash);
    // A channels-last pack (auto would be NCHW) matches the NCHW pack replica by replica.
    let specs = |l| vec![spec(l, 3), spec(l, 4)];
    let cl = run_pack(&specs(Layout::ChannelsLast));
    let plain = run_pack(&specs(Layout::Nchw));
    for (k, (c, p)) in cl.iter().zip(&plain).enumerate() {
        assert_close(c, p, &format!("pack replica {k}, channels-last vs nchw"));
        assert_ne!(c.record.param_hash, p.record.param_hash);
    }
    assert_close(&plain[0], &nchw[0], "packed vs solo");
}

#[test]
fn runs_in_different_layouts_cannot_share_a_pack() {
    let specs = [spec(Layout::Nchw, 1), spec(Layout::ChannelsLast, 2)];
    let data = data::prepare(&specs[0]).unwrap();
    assert!(Trainer::pack(&specs, &data).is_err());
}
