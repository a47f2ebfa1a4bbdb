//! Language-model specs: presets, the checks that pair a corpus with a language model, and the
//! sizes the memory check uses.

use super::*;

fn lstm() -> RunSpec {
    RunSpec::from_preset("shakespeare-char-lstm").unwrap()
}

fn refused(spec: &RunSpec) -> String {
    spec.validate().unwrap_err().to_string()
}

#[test]
fn language_model_presets_round_trip_and_validate() {
    for name in [
        "shakespeare-char-lstm",
        "shakespeare-char-transformer",
        "ptb-word-lstm",
    ] {
        let spec = RunSpec::from_preset(name).unwrap();
        spec.validate().unwrap();
        assert!(spec.is_lm() && spec.model.is_lm() && spec.model.has_dropout());
        let back = RunSpec::from_toml_str(&spec.to_toml(), Path::new("x.toml")).unwrap();
        assert_eq!(back, spec, "{name}");
    }
    let ptb = RunSpec::from_preset("ptb-word-lstm").unwrap();
    assert_eq!(ptb.data.window(), 2_000);
    assert_eq!(ptb.examples_per_step(), 20 * 35);
    assert_eq!(lstm().data.window(), DEFAULT_EVAL_WINDOW);
    // A classifier's spec keeps its serialized form: no language-model key appears.
    let digits = RunSpec::from_preset("digits-mlp").unwrap().to_toml();
    for key in ["bptt", "eval_window", "order", "optimizer", "clip"] {
        assert!(!digits.contains(key), "{key} in {digits}");
    }
}

#[test]
fn a_corpus_goes_with_a_language_model_and_back() {
    let mut s = lstm();
    s.model = ModelSpec::Linear;
    assert!(refused(&s).contains("`model.kind`: dataset shakespeare is a text corpus"));
    let mut s = RunSpec::from_preset("digits-mlp").unwrap();
    s.model = lstm().model;
    assert!(refused(&s).contains("`data.dataset`: a language model trains on a text corpus"));
    let mut s = RunSpec::from_preset("digits-mlp").unwrap();
    s.data.bptt = Some(35);
    assert!(refused(&s).contains("`data.bptt`: applies to language models only"));
}

#[test]
fn language_model_fields_are_checked_by_name() {
    type Change = Box<dyn Fn(&mut RunSpec)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "`data.bptt`: a language model needs",
            Box::new(|s| s.data.bptt = None),
        ),
        (
            "`data.bptt`: must be between 1",
            Box::new(|s| s.data.bptt = Some(0)),
        ),
        (
            "`data.eval_window`",
            Box::new(|s| s.data.eval_window = Some(0)),
        ),
        ("`data.augment`", Box::new(|s| s.data.augment.flip = true)),
        ("`seeds.data`", Box::new(|s| s.seeds.data = Some(1))),
        ("`train.cycles`", Box::new(|s| s.train.cycles = 2)),
        (
            "`train.precision`",
            Box::new(|s| s.train.precision = Precision::Bf16),
        ),
        ("`train.clip`", Box::new(|s| s.train.clip = Some(-1.0))),
        (
            "`train.momentum`: Adam",
            Box::new(|s| s.train.momentum = 0.9),
        ),
        (
            "`data.dir`: the shakespeare corpus is embedded",
            Box::new(|s| s.data.dir = Some("x".into())),
        ),
        (
            "`model.tie`: tied weights need embed = hidden (got 48 and 96)",
            Box::new(|s| {
                if let ModelSpec::Lstm { tie, .. } = &mut s.model {
                    *tie = true;
                }
            }),
        ),
        (
            "`model.dropout_out`",
            Box::new(|s| {
                if let ModelSpec::Lstm { dropout_out, .. } = &mut s.model {
                    *dropout_out = Some(1.0);
                }
            }),
        ),
        (
            "`model.heads`: must divide model.dim = 128 (got 3)",
            Box::new(|s| {
                s.model = RunSpec::from_preset("shakespeare-char-transformer")
                    .unwrap()
                    .model;
                if let ModelSpec::Transformer { heads, .. } = &mut s.model {
                    *heads = 3;
                }
            }),
        ),
    ];
    for (want, change) in cases {
        let mut s = lstm();
        change(&mut s);
        let got = refused(&s);
        assert!(got.contains(want), "want {want:?}, got {got:?}");
    }
}

#[test]
fn an_lstm_is_sized_as_pytorch_counts_it() {
    // embedding 76 x 48; layer 0: 4 x 96 x (48 + 96 + 2); layer 1: 4 x 96 x (96 + 96 + 2);
    // decoder 76 x 96 + 76: what `runvar train` reports as params (141,580 with the embedded
    // corpus's 76 tokens).
    let fp = Footprint::of(&lstm()).unwrap();
    let want = 76 * 48 + 4 * 96 * (48 + 96 + 2) + 4 * 96 * (96 + 96 + 2) + 76 * 97;
    assert_eq!(fp.params, want as f64);
    assert_eq!(want, 141_580);
    assert_eq!(fp.feature_dim, 96.0);
    // Tied: the decoder adds only its bias.
    let mut tied = lstm();
    if let ModelSpec::Lstm { embed, tie, .. } = &mut tied.model {
        (*embed, *tie) = (96, true);
    }
    let fp = Footprint::of(&tied).unwrap();
    let want = 76 * 96 + 2 * 4 * 96 * (96 + 96 + 2) + 76;
    assert_eq!(fp.params, want as f64);
}
