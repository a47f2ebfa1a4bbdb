//! Training runs end to end: bit-identical reruns, source isolation, the bit flip, parameter
//! counts. Small presets with few epochs and one thread, so the suite stays fast.

use runvar_core::data::{self, Prepared};
use runvar_core::runspec::{BitFlipSpec, ModelSpec, RunSpec};
use runvar_engine::model::{self, init::Init, Shape};
use runvar_engine::train::{Outcome, Trainer};
use tch::nn::VarStore;

fn spec(preset: &str, epochs: usize) -> RunSpec {
    let mut s = RunSpec::from_preset(preset).unwrap();
    s.train.epochs = epochs;
    s.threads = 1;
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

#[test]
fn same_spec_twice_is_bit_identical() {
    // digits-cnn exercises convolutions, dropout and crop augmentation.
    let s = spec("digits-cnn", 2);
    let data = data::prepare(&s).unwrap();
    let a = train(&s, &data);
    let b = train(&s, &data);
    assert_eq!(a.record.param_hash, b.record.param_hash);
    assert_eq!(bits(&a.logits), bits(&b.logits));
    assert_eq!(bits(&a.features), bits(&b.features));
    assert!(
        a.record.test_accuracy > 0.8,
        "trains: {}",
        a.record.test_accuracy
    );
}

#[test]
fn each_seed_moves_only_its_own_stream() {
    let base = spec("digits-cnn", 2);
    let data = data::prepare(&base).unwrap();
    let b = train(&base, &data);
    let with = |f: &dyn Fn(&mut RunSpec)| {
        let mut s = base.clone();
        f(&mut s);
        train(&s, &data)
    };

    let init = with(&|s| s.seeds.init = 1);
    assert_eq!(
        init.trace, b.trace,
        "init seed moved a data or dropout draw"
    );
    assert_ne!(init.record.param_hash, b.record.param_hash);

    let dropout = with(&|s| s.seeds.dropout = 1);
    assert_eq!(dropout.trace, b.trace);
    assert_ne!(dropout.record.param_hash, b.record.param_hash);

    let shuffle = with(&|s| s.seeds.shuffle = 1);
    for (x, y) in shuffle.trace.iter().zip(&b.trace) {
        assert_ne!(x.order, y.order);
        assert_eq!(x.augment, y.augment, "shuffle seed moved augmentation");
        assert_eq!(x.dropout_draws, y.dropout_draws);
    }

    let augment = with(&|s| s.seeds.augment = 1);
    for (x, y) in augment.trace.iter().zip(&b.trace) {
        assert_eq!(x.order, y.order, "augment seed moved the order");
        assert_ne!(x.augment, y.augment);
    }
    assert_ne!(augment.record.param_hash, b.record.param_hash);

    // The low-level seed does nothing while low-level nondeterminism is off ...
    let off = with(&|s| s.seeds.low_level = 1);
    assert_eq!(off.record.param_hash, b.record.param_hash);
    // ... and when on, it permutes inside minibatches only.
    let on = with(&|s| s.low_level = true);
    assert_ne!(on.record.param_hash, b.record.param_hash);
    for (x, y) in on.trace.iter().zip(&b.trace) {
        assert_ne!(x.order, y.order);
        assert_eq!(x.augment, y.augment);
        for (cx, cy) in x
            .order
            .chunks(base.train.batch_size)
            .zip(y.order.chunks(base.train.batch_size))
        {
            let (mut cx, mut cy) = (cx.to_vec(), cy.to_vec());
            cx.sort_unstable();
            cy.sort_unstable();
            assert_eq!(cx, cy, "low-level changed which examples share a minibatch");
        }
    }
}

#[test]
fn bit_flip_moves_exactly_one_element_by_one_ulp() {
    let base = spec("digits-mlp", 1);
    let data = data::prepare(&base).unwrap();
    let mut flipped = base.clone();
    flipped.bit_flip = Some(BitFlipSpec {
        seed: 11,
        param: None,
    });
    let t0 = Trainer::new(&base, &data).unwrap();
    let t1 = Trainer::new(&flipped, &data).unwrap();
    let rec = t1.bit_flip().unwrap().clone();
    assert_eq!(rec.param, "fc1.weight", "default: the first layer's weight");
    let (p0, p1) = (t0.params(), t1.params());
    let mut diffs = Vec::new();
    for ((n0, v0), (n1, v1)) in p0.iter().zip(&p1) {
        assert_eq!(n0, n1);
        for (i, (a, b)) in v0.iter().zip(v1).enumerate() {
            if a.to_bits() != b.to_bits() {
                diffs.push((n0.clone(), i, *a, *b));
            }
        }
    }
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    let (name, index, old, new) = diffs[0].clone();
    assert_eq!((name.as_str(), index), (rec.param.as_str(), rec.index));
    assert_eq!((old.to_bits(), new.to_bits()), (rec.old_bits, rec.new_bits));
    let expected = if rec.direction == "up" {
        old.next_up()
    } else {
        old.next_down()
    };
    assert_eq!(new.to_bits(), expected.to_bits(), "exactly one ULP");
    // Another flip seed picks another element or direction; the same seed the same one.
    let again = Trainer::new(&flipped, &data)
        .unwrap()
        .bit_flip()
        .unwrap()
        .clone();
    assert_eq!(again, rec);
    let mut other = flipped.clone();
    other.bit_flip = Some(BitFlipSpec {
        seed: 12,
        param: Some("out.bias".into()),
    });
    let rec2 = Trainer::new(&other, &data)
        .unwrap()
        .bit_flip()
        .unwrap()
        .clone();
    assert_eq!(rec2.param, "out.bias");
    assert!(rec2.index < 10);
}

#[test]
fn bit_flip_of_a_missing_tensor_lists_the_names() {
    let mut s = spec("digits-mlp", 1);
    s.bit_flip = Some(BitFlipSpec {
        seed: 0,
        param: Some("conv9.weight".into()),
    });
    let data = data::prepare(&s).unwrap();
    let msg = match Trainer::new(&s, &data) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted a missing tensor"),
    };
    assert!(
        msg.contains("conv9.weight") && msg.contains("fc1.weight"),
        "{msg}"
    );
}

/// Issue 13: `--bit-flip 3` on digits-mlp drew a weight of a hidden unit that is dead at
/// initialization, and the run's logits were byte-identical to the unflipped run's. Flips now
/// land among the elements with a non-zero probe gradient, and change the outputs.
#[test]
fn bit_flips_land_where_they_change_the_outputs() {
    let base = spec("digits-mlp", 20);
    let data = data::prepare(&base).unwrap();
    let control = train(&base, &data);
    for seed in [3, 5] {
        let mut s = base.clone();
        s.bit_flip = Some(BitFlipSpec { seed, param: None });
        let run = train(&s, &data);
        let rec = run.record.bit_flip.clone().unwrap();
        assert!(rec.rule.starts_with("live:"), "{rec:?}");
        // One hidden unit of 256 is dead on the probe: its 64 weights are not candidates.
        assert_eq!(
            (rec.candidates, rec.elements),
            (16_384 - 64, 16_384),
            "{rec:?}"
        );
        assert_ne!(
            bits(&run.logits),
            bits(&control.logits),
            "flip seed {seed} ({rec:?}) left every logit as the control's"
        );
    }
}

/// A tensor that feeds a zero-initialized BatchNorm scale has no live element at
/// initialization (its gradient is zero until the scale moves): the draw falls back to all.
#[test]
fn bit_flip_without_live_elements_draws_among_all() {
    let mut s = spec("mnist1d-resnet8", 1);
    s.bit_flip = Some(BitFlipSpec {
        seed: 1,
        param: Some("layer1.0.conv2.weight".into()),
    });
    let data = data::prepare(&s).unwrap();
    let t = Trainer::new(&s, &data).unwrap();
    let rec = t.bit_flip().unwrap();
    assert!(rec.rule.starts_with("all:"), "{rec:?}");
    assert_eq!(rec.candidates, rec.elements);
    assert!(rec.index < rec.elements);
}

/// What "init seed 0" means for every preset, pinned: the SHA-256 of the initial parameters
/// and buffers. A change of a preset's model, of the init order, or of rand / rand_chacha /
/// rand_distr (pinned exactly in Cargo.toml) fails here instead of silently changing runs.
#[test]
fn initial_parameters_of_every_preset_are_pinned() {
    let pinned = [
        (
            "digits-mlp",
            "1d7e896fc0d0102bf6e1037659a6dad341fa8292c905105b4ecbf138960ac169",
        ),
        (
            "digits-cnn",
            "344451ce39f8e4307dbbb9c4aab5b64135dc211dfa4ab977590bb9f97c80469a",
        ),
        (
            "mnist1d-mlp",
            "085e608052da1e252fa89c29794f3f2cff72ac258e93cebaaf9d66ebc5ef3072",
        ),
        (
            "mnist1d-resnet8",
            "44647b1ddb824caefa33d1b670d2b9db85414739197e87985835c0d7051e24b6",
        ),
        (
            "mnist-mlp",
            "06ea734c180b516bd86248ec10bf4429a1820b0b926abf77479db273ca198754",
        ),
        (
            "mnist-cnn",
            "4404659b0f5efb4484594644ef32ffe698142f568f0f57277c615a325e1c8413",
        ),
        (
            "fashion-resnet14",
            "b33d966068035da45b10bbee8cf5f560623825669af950e5de80af9ad48a179b",
        ),
        (
            "cifar10-resnet14",
            "c63862530bbdd6645da02fbe4b8c76b38d64cec516fcf349e0315467f2b3b4ec",
        ),
        (
            "shakespeare-char-lstm",
            "d9dd24d2fecbff81dcd95f552580e563ad37fe29aba65bdd28893943066eb04e",
        ),
        (
            "shakespeare-char-transformer",
            "ed6feced48175eeb66252af0a4dcd9797c64d7875ea7d568924f93e52ab1438f",
        ),
        (
            "ptb-word-lstm",
            "b75ed72d8bb1106b4a1abd196d00374e8c94de26ed55bf0a672c1f9a54474ca5",
        ),
    ];
    let names: Vec<&str> = runvar_core::runspec::PRESETS
        .iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        pinned.map(|(n, _)| n),
        "a preset without a pinned hash"
    );
    let got: Vec<(&str, String)> = names
        .iter()
        .map(|&name| {
            let spec = RunSpec::from_preset(name).unwrap();
            let shape = Shape::from(spec.data.dataset.geometry());
            let vs = VarStore::new(tch::Device::Cpu);
            let mut init = [Init::new(runvar_core::seed::stream(
                0,
                runvar_core::seed::Source::Init,
                0,
            ))];
            if spec.is_lm() {
                // Built for the vocabulary the geometry states (the embedded corpus's 76
                // tokens, PTB's 10,000 words).
                let vocab = spec.data.dataset.geometry().classes;
                runvar_engine::lm::build(&spec.model, &spec.data, &vs.root(), vocab, &mut init[0])
                    .unwrap();
            } else {
                model::build(&spec.model, &vs.root(), shape, &mut init, false).unwrap();
            }
            let solo = runvar_engine::params::Replica { index: 0, of: 1 };
            (name, runvar_engine::params::hash(&vs, solo))
        })
        .collect();
    let want: Vec<(&str, String)> = pinned.iter().map(|&(n, h)| (n, h.to_string())).collect();
    assert_eq!(got, want);
}

fn count(model: &ModelSpec, shape: Shape) -> (usize, Vec<String>) {
    let vs = VarStore::new(tch::Device::Cpu);
    let mut init = Init::new(runvar_core::seed::stream(
        0,
        runvar_core::seed::Source::Init,
        0,
    ));
    let inits = std::slice::from_mut(&mut init);
    let _net = model::build(model, &vs.root(), shape, inits, false).unwrap();
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    (runvar_engine::params::count(&vs, 1), names)
}

#[test]
fn parameter_counts_match_the_definitions() {
    let cifar = Shape {
        channels: 3,
        height: 32,
        width: 32,
        classes: 10,
    };
    let resnet14 = ModelSpec::Resnet {
        depth: 14,
        width: 1.0,
    };
    let (n, names) = count(&resnet14, cifar);
    assert_eq!(
        n, 172_602,
        "ResNet-14 on CIFAR-10 (docs/protocol.md section 4)"
    );
    assert!(
        names.iter().all(|n| !n.contains("__")),
        "no silent renames: {names:?}"
    );
    for want in [
        "conv1.weight",
        "layer2.0.shortcut_bn.weight",
        "layer3.1.bn2.bias",
        "fc.weight",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing");
    }
    // One stem input channel fewer on Fashion-MNIST: 16 * 2 * 9 fewer weights.
    let fashion = Shape {
        channels: 1,
        height: 28,
        width: 28,
        classes: 10,
    };
    assert_eq!(count(&resnet14, fashion).0, 172_602 - 288);
    let mnist = fashion;
    // 784*256+256 + 256*256+256 + 256*10+10
    let mlp = ModelSpec::Mlp {
        hidden: vec![256, 256],
        dropout: 0.0,
    };
    assert_eq!(count(&mlp, mnist).0, 269_322);
    assert_eq!(count(&ModelSpec::Linear, mnist).0, 7_850);
    // conv 1->32 (288+32), conv 32->64 (18432+64), fc 9216->128, fc 128->10: PyTorch's example.
    let cnn = ModelSpec::Cnn {
        dropout: 0.25,
        dropout_fc: 0.5,
    };
    assert_eq!(count(&cnn, mnist).0, 1_199_882);
    // ResNet-8 at width 0.5: stages 8, 16, 32.
    let small = ModelSpec::Resnet {
        depth: 8,
        width: 0.5,
    };
    let (n8, _) = count(&small, cifar);
    let convs =
        3 * 8 * 9 + 8 * 8 * 9 * 2 + (8 * 16 * 9 + 16 * 16 * 9) + (16 * 32 * 9 + 32 * 32 * 9);
    let bns = 2 * (8 + 8 * 2 + (16 * 2 + 8) + (32 * 2 + 16));
    assert_eq!(n8, convs + bns + 32 * 10 + 10);
}

#[test]
fn low_level_off_enforces_deterministic_algorithms() {
    let s = spec("digits-mlp", 1);
    let data = data::prepare(&s).unwrap();
    let _t = Trainer::new(&s, &data).unwrap();
    assert!(runvar_engine::runtime::deterministic());
}

#[test]
fn cuda_without_a_gpu_is_a_clear_error() {
    if tch::Cuda::is_available() {
        return; // a GPU machine: covered by scripts/gpu-check.sh
    }
    let preset_workspace = std::env::var_os("CUBLAS_WORKSPACE_CONFIG").is_some();
    let mut s = spec("digits-mlp", 1);
    s.device = runvar_core::runspec::Device::Cuda;
    // Low-level on: cuDNN may be nondeterministic, yet asking for CUDA must still set cuBLAS's
    // deterministic workspace, because a later pack of the same process may be deterministic.
    s.low_level = true;
    let data = data::prepare(&s).unwrap();
    let msg = match Trainer::new(&s, &data) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("trained on a CUDA device that does not exist"),
    };
    assert!(
        msg.contains("cuda") && msg.contains("libtorch_cuda.so"),
        "{msg}"
    );
    if !preset_workspace {
        assert_eq!(
            std::env::var("CUBLAS_WORKSPACE_CONFIG").as_deref(),
            Ok(":4096:8")
        );
    }
}

/// Write CIFAR-10 batches in the official binary layout: per record a label byte, then 1024
/// red, 1024 green and 1024 blue bytes. Pixels follow the label so the task is learnable.
/// Each file has the official size (the loader refuses others): `per_batch` such records, then
/// zero records left sparse, so the test writes and reads only what it uses.
fn write_cifar(dir: &std::path::Path, per_batch: usize) {
    let record = |i: usize| {
        let label = (i % 10) as u8;
        let mut r = vec![label];
        r.extend((0..3072).map(|p| ((p * 7 + i * 13) % 64) as u8 + label * 19));
        r
    };
    for (b, name) in [
        "data_batch_1",
        "data_batch_2",
        "data_batch_3",
        "data_batch_4",
        "data_batch_5",
        "test_batch",
    ]
    .iter()
    .enumerate()
    {
        let bytes: Vec<u8> = (0..per_batch)
            .flat_map(|i| record(b * per_batch + i))
            .collect();
        let path = dir.join(format!("{name}.bin"));
        std::fs::write(&path, bytes).unwrap();
        let official = runvar_core::data::cifar::BATCH_RECORDS * 3073;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(official as u64)
            .unwrap();
    }
}

#[test]
fn cifar10_resnet_trains_from_official_layout_files() {
    let tmp = tempfile::tempdir().unwrap();
    write_cifar(tmp.path(), 100);
    let mut s = spec("cifar10-resnet14", 2);
    s.data.dir = Some(tmp.path().to_path_buf());
    s.data.train_limit = Some(100);
    s.data.test_limit = Some(20);
    s.model = ModelSpec::Resnet {
        depth: 8,
        width: 0.25,
    };
    s.train.batch_size = 25;
    s.train.lr = 0.05;
    s.train.warmup_epochs = 0.5;
    let data = data::prepare(&s).unwrap();
    assert_eq!(
        (data.dataset.train.len(), data.dataset.test.len()),
        (100, 20)
    );
    let out = train(&s, &data);
    assert_eq!(out.logits.len(), 20 * 10);
    assert_eq!(out.features.len(), 20 * out.record.feature_dim);
    assert_eq!(
        out.record.feature_dim, 16,
        "64 x 0.25 channels before the pool"
    );
    assert!(out.logits.iter().all(|v| v.is_finite()));
    assert!(out.epochs.iter().all(|e| e.train_loss.is_finite()));
    // Crops and flips were drawn for all 100 training images in each epoch.
    assert!(out.trace.iter().all(|t| t.augment.len() == 100));
}

#[test]
fn tta_views_start_with_the_original_image() {
    use runvar_core::runspec::{Tta, TTA_PADDING};
    use runvar_engine::assemble::{gather, Geometry};
    let s = spec("digits-cnn", 1);
    let data = data::prepare(&s).unwrap();
    let ds = &data.dataset;
    let geo = Geometry {
        channels: ds.channels,
        height: ds.height,
        width: ds.width,
    };
    let ids: Vec<usize> = (0..ds.test.len()).collect();
    let (mut plain, mut viewed) = (Vec::new(), Vec::new());
    gather(&ds.test, geo, &ids, &[], 0, &data.pad_value, &mut plain);
    for t in Tta::ALL {
        let views = t.views(true).unwrap();
        let draws = vec![views[0]; ids.len()];
        gather(
            &ds.test,
            geo,
            &ids,
            &draws,
            TTA_PADDING,
            &data.pad_value,
            &mut viewed,
        );
        assert_eq!(
            bits(&viewed),
            bits(&plain),
            "{}: the first view is the image itself",
            t.name()
        );
    }
    // A trained model's flip TTA is the mean of the plain and the mirrored logits.
    let trainer = Trainer::new(&s, &data).unwrap();
    let flip = trainer.evaluator().tta(Tta::Flip).unwrap().remove(0);
    assert_eq!(flip.len(), ds.test.len() * ds.classes);
    assert!(flip.iter().all(|v| v.is_finite()));
}

#[test]
fn bf16_autocast_trains_and_changes_the_numerics() {
    let fp32 = spec("digits-mlp", 3);
    let mut bf16 = fp32.clone();
    bf16.train.precision = runvar_core::runspec::Precision::Bf16;
    let data = data::prepare(&fp32).unwrap();
    let a = train(&fp32, &data);
    let b = train(&bf16, &data);
    let again = train(&bf16, &data);
    assert_ne!(a.record.param_hash, b.record.param_hash, "bf16 ran in fp32");
    assert_eq!(b.record.param_hash, again.record.param_hash, "bf16 reruns");
    assert!(
        (a.record.test_accuracy - b.record.test_accuracy).abs() < 0.03,
        "fp32 {} vs bf16 {}",
        a.record.test_accuracy,
        b.record.test_accuracy
    );
}

#[test]
fn the_evaluation_batch_size_does_not_change_results() {
    // Evaluation is per example (BatchNorm uses running statistics), so the chunking of the
    // test set is an engine choice, not part of the result: logits and features agree bit for
    // bit across chunk sizes, including a ragged last chunk.
    for preset in ["digits-mlp", "digits-cnn", "mnist1d-resnet8"] {
        let mut base = spec(preset, 1);
        // Above the CPU cap: the engine's own chunking is checked too.
        base.train.eval_batch_size = 1000;
        let data = data::prepare(&base).unwrap();
        let a = train(&base, &data);
        for eval_batch in [97, 256] {
            let mut s = base.clone();
            s.train.eval_batch_size = eval_batch;
            let b = train(&s, &data);
            assert_eq!(bits(&a.logits), bits(&b.logits), "{preset}, {eval_batch}");
            assert_eq!(
                bits(&a.features),
                bits(&b.features),
                "{preset}, {eval_batch}"
            );
        }
    }
}

#[test]
fn adam_and_clipping_apply_to_classifiers_too() {
    let sgd = spec("digits-mlp", 2);
    let data = data::prepare(&sgd).unwrap();
    let mut adam = sgd.clone();
    adam.train.optimizer = runvar_core::runspec::Optimizer::Adam;
    adam.train.momentum = 0.0;
    adam.train.lr = 0.002;
    let a = train(&adam, &data);
    assert_ne!(a.record.param_hash, train(&sgd, &data).record.param_hash);
    assert!(
        a.record.test_accuracy > 0.8,
        "Adam trains: {}",
        a.record.test_accuracy
    );
    let mut clipped = sgd.clone();
    clipped.train.clip = Some(1e-3);
    let c = train(&clipped, &data);
    assert_ne!(c.record.param_hash, train(&sgd, &data).record.param_hash);
    let e = Trainer::pack(&[clipped.clone(), clipped], &data)
        .err()
        .unwrap()
        .to_string();
    assert!(e.starts_with("`train.clip`"), "{e}");
}
