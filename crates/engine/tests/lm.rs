//! Language models end to end on the embedded Shakespeare: bit-identical reruns, every seed
//! moving only its own draws, the bit flip, the evaluation window, both models. Small models
//! on the first tokens of the corpus and one thread, so the suite stays fast.

use runvar_core::data::{prepare_task, Task, TextData};
use runvar_core::runspec::{BitFlipSpec, ModelSpec, Positions, RunSpec, SegmentOrder};
use runvar_engine::lm::LmTrainer;
use runvar_engine::train::Outcome;

/// A 2-layer LSTM of 24 units on 6,000 training tokens: 4 streams, segments of 12.
fn spec() -> RunSpec {
    let mut s = RunSpec::from_preset("shakespeare-char-lstm").unwrap();
    s.model = ModelSpec::Lstm {
        embed: 16,
        hidden: 24,
        layers: 2,
        dropout: 0.2,
        dropout_embed: None,
        dropout_out: None,
        tie: false,
    };
    s.data.bptt = Some(12);
    s.data.train_limit = Some(6_000);
    s.data.test_limit = Some(2_001);
    s.data.eval_window = Some(500);
    s.train.batch_size = 4;
    s.train.eval_batch_size = 2;
    s.train.epochs = 2;
    s.threads = 1;
    s
}

fn text(spec: &RunSpec) -> TextData {
    match prepare_task(spec).unwrap() {
        Task::Text(t) => t,
        Task::Images(_) => panic!("a corpus"),
    }
}

fn train(spec: &RunSpec) -> Outcome {
    let data = text(spec);
    LmTrainer::new(spec, &data)
        .unwrap()
        .with_trace()
        .run(&mut |_| {})
        .unwrap()
}

fn initial(spec: &RunSpec) -> Vec<(String, Vec<f32>)> {
    let data = text(spec);
    LmTrainer::new(spec, &data).unwrap().params()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn same_spec_twice_is_bit_identical_and_learns() {
    let s = spec();
    let (a, b) = (train(&s), train(&s));
    assert_eq!(a.record.param_hash, b.record.param_hash);
    assert_eq!(bits(&a.logits), bits(&b.logits));
    assert_eq!(bits(&a.features), bits(&b.features));
    let lm = a
        .record
        .lm
        .expect("a language model's record has perplexities");
    // A uniform guess over the 76-token vocabulary has perplexity 76.
    assert!(lm.test_perplexity < 40.0, "learns: {lm:?}");
    assert_eq!(
        lm.test_perplexity.to_bits(),
        lm.test_cross_entropy.exp().to_bits()
    );
    let first = a.epochs[0].lm.unwrap();
    assert!(
        lm.valid_cross_entropy < first.valid_cross_entropy,
        "{first:?} -> {lm:?}"
    );
}

#[test]
fn each_seed_moves_only_its_own_draws() {
    let base = spec();
    let b = train(&base);
    let init0 = initial(&base);
    let with = |f: &dyn Fn(&mut RunSpec)| {
        let mut s = base.clone();
        f(&mut s);
        (train(&s), initial(&s))
    };
    let differs = |o: &Outcome| o.record.param_hash != b.record.param_hash;

    let (init, init_params) = with(&|s| s.seeds.init = 1);
    assert_eq!(
        init.trace, b.trace,
        "the init seed moved a segment or dropout draw"
    );
    assert_ne!(init_params, init0);
    assert!(differs(&init));

    let (shuffle, p) = with(&|s| s.seeds.shuffle = 1);
    assert_eq!(p, init0, "the shuffle seed moved an initial value");
    assert_ne!(shuffle.trace[0].order, b.trace[0].order);
    for (x, y) in shuffle.trace.iter().zip(&b.trace) {
        assert_eq!(x.dropout_draws, y.dropout_draws);
        assert_eq!(
            x.order.len(),
            y.order.len(),
            "every epoch has the same steps"
        );
    }
    assert!(differs(&shuffle));

    let (dropout, p) = with(&|s| s.seeds.dropout = 1);
    assert_eq!(p, init0);
    assert_eq!(
        dropout.trace, b.trace,
        "same segments, same number of mask draws"
    );
    assert!(differs(&dropout), "other masks, other run");

    // The low-level seed alone changes nothing while low-level is off...
    let (quiet, _) = with(&|s| s.seeds.low_level = 1);
    assert_eq!(quiet.record.param_hash, b.record.param_hash);
    // ...and with it on, only the column order of each step's sums. (Without dropout, whose
    // masks are drawn over the permuted columns, the two runs do the same math.)
    let mut on = base.clone();
    on.low_level = true;
    if let ModelSpec::Lstm { dropout, .. } = &mut on.model {
        *dropout = 0.0;
    }
    let low0 = train(&on);
    on.seeds.low_level = 1;
    let low1 = train(&on);
    for (x, y) in low0.trace.iter().zip(&low1.trace) {
        assert_eq!(x.order, y.order);
        assert_eq!(x.dropout_draws, y.dropout_draws);
        assert_eq!(x.slots.len(), y.slots.len());
    }
    assert_ne!(low0.trace[0].slots, low1.trace[0].slots);
    // The same sums in another order: close, not equal.
    assert_ne!(low0.record.param_hash, low1.record.param_hash);
    let (p0, p1) = (low0.record.lm.unwrap(), low1.record.lm.unwrap());
    assert!(
        (p0.test_cross_entropy - p1.test_cross_entropy).abs() < 0.05,
        "{p0:?} {p1:?}"
    );
}

#[test]
fn the_bit_flip_moves_one_embedding_element_by_one_ulp() {
    let base = spec();
    let mut flipped = base.clone();
    flipped.bit_flip = Some(BitFlipSpec {
        seed: 3,
        param: None,
    });
    let data = text(&flipped);
    let trainer = LmTrainer::new(&flipped, &data).unwrap();
    let record = trainer.bit_flip().unwrap().clone();
    assert_eq!(record.param, "encoder.weight");
    assert!(record.rule.starts_with("live:"), "{}", record.rule);
    // Live elements: the embedding rows of the tokens in the probe, every column.
    assert_eq!(record.candidates % 16, 0);
    assert!(record.candidates < record.elements);
    let (a, b) = (initial(&base), trainer.params());
    let mut moved = Vec::new();
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        for (i, (u, v)) in x.iter().zip(y).enumerate() {
            if u.to_bits() != v.to_bits() {
                moved.push((name.clone(), i, u.to_bits(), v.to_bits()));
            }
        }
    }
    assert_eq!(
        moved,
        vec![(
            "encoder.weight".to_string(),
            record.index,
            record.old_bits,
            record.new_bits
        )]
    );
    assert_eq!(record.old_bits.abs_diff(record.new_bits), 1);
    let mut bad = flipped.clone();
    bad.bit_flip.as_mut().unwrap().param = Some("conv1.weight".into());
    let e = LmTrainer::new(&bad, &data).err().unwrap().to_string();
    assert!(
        e.contains("no parameter `conv1.weight`") && e.contains("rnn.0.weight_ih"),
        "{e}"
    );
}

#[test]
fn the_window_is_the_first_tokens_of_the_test_stream() {
    let mut s = spec();
    s.train.epochs = 1;
    s.train.eval_batch_size = 1;
    let data = text(&s);
    let o = train(&s);
    let want: Vec<i64> = data.corpus.test[1..501]
        .iter()
        .map(|&t| i64::from(t))
        .collect();
    assert_eq!(o.labels, want);
    assert_eq!(o.record.n_test, 500);
    assert_eq!(o.logits.len(), 500 * 76);
    assert_eq!(o.features.len(), 500 * 24);
    assert_eq!(o.record.lm.unwrap().test_tokens, 2_000);
    // With 2 evaluation streams the window is column 0's 1,000 targets, then column 1's.
    let two = train(&spec());
    assert_eq!(two.labels, want);
    assert_eq!(two.record.lm.unwrap().test_tokens, 2 * 1_000 - 2);
}

#[test]
fn the_transformer_trains_deterministically_with_either_positions() {
    let mut s = spec();
    s.model = ModelSpec::Transformer {
        dim: 16,
        heads: 2,
        layers: 2,
        ff: 32,
        dropout: 0.1,
        positions: Positions::Learned,
        tie: true,
    };
    s.data.order = Some(SegmentOrder::Segments);
    let (a, b) = (train(&s), train(&s));
    assert_eq!(bits(&a.logits), bits(&b.logits));
    assert!(
        a.record.lm.unwrap().test_perplexity < 40.0,
        "{:?}",
        a.record.lm
    );
    let names: Vec<String> = initial(&s).into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"positions.weight".to_string()), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("decoder.weight")),
        "tied: {names:?}"
    );
    if let ModelSpec::Transformer { positions, .. } = &mut s.model {
        *positions = Positions::Sinusoidal;
    }
    let names: Vec<String> = initial(&s).into_iter().map(|(n, _)| n).collect();
    assert!(
        !names.iter().any(|n| n.starts_with("positions")),
        "{names:?}"
    );
    assert_ne!(train(&s).record.param_hash, a.record.param_hash);
}

#[test]
fn a_corpus_too_short_for_the_segments_is_refused() {
    let mut s = spec();
    s.data.train_limit = Some(50);
    let e = prepare_task(&s).unwrap_err().to_string();
    assert!(
        e.contains("at least 2 x (bptt + 1) = 25 tokens per batch stream"),
        "{e}"
    );
}
