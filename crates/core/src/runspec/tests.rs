use super::*;

fn parse(text: &str) -> Result<RunSpec, SpecError> {
    RunSpec::from_toml_str(text, Path::new("run.toml"))
}

fn field_of(err: SpecError) -> String {
    match err {
        SpecError::Invalid { field, .. } => field,
        SpecError::InFile { inner, .. } => field_of(*inner),
        other => panic!("expected Invalid, got {other}"),
    }
}

/// A value refused, or a preset unknown, in a file: the file is named, as for a syntax error.
#[test]
fn errors_in_a_file_name_the_file() {
    for (text, want) in [
        (
            "preset = \"digits-mlp\"\n[train]\nepochs = 0\n",
            "run.toml: `train.epochs`: must be at least 1 (got 0)",
        ),
        (
            "preset = \"digits-ml\"\n",
            "run.toml: unknown preset `digits-ml`; known presets: digits-mlp,",
        ),
        ("preset = \"digits-mlp\"\nepochz = 3\n", "run.toml: "),
    ] {
        let msg = parse(text).unwrap_err().to_string();
        assert!(msg.starts_with(want), "{msg}");
        assert_eq!(msg.matches("run.toml").count(), 1, "{msg}");
    }
    let study = |text: &str| {
        crate::study::StudySpec::from_toml_str(text, Path::new("s.toml"))
            .unwrap_err()
            .to_string()
    };
    for (text, want) in [
        (
            "replicas = 1\n[run]\npreset = \"digits-mlp\"\n",
            "s.toml: `replicas`: must be at least 2",
        ),
        (
            "conditions = [\"init+s(uffle\"]\n",
            "s.toml: `conditions`: unknown source `s(uffle`",
        ),
        (
            "[run]\npreset = \"digits-mlp\"\n[run.train]\nepochs = 0\n",
            "s.toml: `train.epochs`",
        ),
    ] {
        let msg = study(text);
        assert!(msg.starts_with(want), "{msg}");
        assert_eq!(msg.matches("s.toml").count(), 1, "{msg}");
    }
}

#[test]
fn every_preset_is_valid_and_round_trips_through_toml() {
    for info in PRESETS {
        let spec = RunSpec::from_preset(info.name).unwrap();
        spec.validate().unwrap();
        let again = parse(&spec.to_toml()).unwrap();
        assert_eq!(again, spec, "{}", info.name);
    }
}

#[test]
fn unknown_preset_lists_the_known_ones() {
    let msg = RunSpec::from_preset("mnist-transformer")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("mnist-transformer") && msg.contains("digits-mlp"),
        "{msg}"
    );
}

#[test]
fn file_overrides_a_preset() {
    let spec = parse(
        r#"
        preset = "digits-mlp"
        threads = 1
        [train]
        epochs = 3
        [seeds]
        shuffle = 7
        [model]
        dropout = 0.3
        "#,
    )
    .unwrap();
    assert_eq!(spec.train.epochs, 3);
    assert_eq!(
        spec.train.batch_size, 32,
        "untouched keys keep the preset's value"
    );
    assert_eq!(spec.seeds.shuffle, 7);
    assert_eq!(spec.seeds.init, 0);
    assert_eq!(
        spec.model,
        ModelSpec::Mlp {
            hidden: vec![256],
            dropout: 0.3
        }
    );
}

#[test]
fn another_model_kind_replaces_the_model_table() {
    let spec = parse(
        r#"
        preset = "digits-mlp"
        [model]
        kind = "linear"
        "#,
    )
    .unwrap();
    assert_eq!(spec.model, ModelSpec::Linear);
}

#[test]
fn unknown_keys_are_rejected_with_their_name() {
    for (text, key) in [
        ("preset = \"digits-mlp\"\n[train]\nepoch = 3\n", "epoch"),
        ("preset = \"digits-mlp\"\nseed = 3\n", "seed"),
        ("preset = \"digits-mlp\"\n[seeds]\ncudnn = 3\n", "cudnn"),
        ("preset = \"digits-mlp\"\n[model]\nwidth = 2.0\n", "width"),
    ] {
        let msg = parse(text).unwrap_err().to_string();
        assert!(
            msg.contains("run.toml") && msg.contains(key),
            "{key}: {msg}"
        );
    }
}

#[test]
fn missing_keys_and_bad_types_are_named() {
    let msg = parse("[data]\ndataset = \"digits\"\n")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("model"), "{msg}");
    let msg = parse("preset = \"digits-mlp\"\n[train]\nepochs = \"many\"\n")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("epochs") || msg.contains("integer"), "{msg}");
    let msg = parse("preset = \"digits-mlp\"\n[data]\ndataset = \"imagenet\"\n")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("imagenet"), "{msg}");
    let msg = parse("preset = 3\n").unwrap_err().to_string();
    assert!(msg.contains("preset"), "{msg}");
}

#[test]
fn impossible_values_name_the_field() {
    let cases = [
        ("[train]\nepochs = 0", "train.epochs"),
        ("[train]\nbatch_size = 0", "train.batch_size"),
        ("[train]\nlr = -0.1", "train.lr"),
        ("[train]\nmomentum = 1.0", "train.momentum"),
        ("[train]\nweight_decay = -1.0", "train.weight_decay"),
        ("[train]\nwarmup_epochs = 50.0", "train.warmup_epochs"),
        ("[model]\ndropout = 1.0", "model.dropout"),
        ("[model]\nhidden = [10, 0]", "model.hidden"),
        ("[data]\ntrain_limit = 0", "data.train_limit"),
        ("threads = 5000", "threads"),
        ("[bit_flip]\nseed = 1\nparam = \"\"", "bit_flip.param"),
    ];
    for (body, field) in cases {
        let text = format!("preset = \"digits-mlp\"\n{body}\n");
        assert_eq!(field_of(parse(&text).unwrap_err()), field, "{body}");
    }
    let text = "preset = \"fashion-resnet14\"\n[model]\ndepth = 12\n";
    assert_eq!(field_of(parse(text).unwrap_err()), "model.depth");
    let text = "preset = \"fashion-resnet14\"\n[model]\nwidth = 0.01\n";
    assert_eq!(field_of(parse(text).unwrap_err()), "model.width");
}

#[test]
fn missing_file_names_the_file() {
    let err = RunSpec::from_toml_file(Path::new("/nonexistent/run.toml")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/run.toml"), "{err}");
}

#[test]
fn layout_is_read_from_specs_and_left_out_of_json_when_auto() {
    let cl = parse("preset = \"digits-cnn\"\n[train]\nlayout = \"channels-last\"\n").unwrap();
    assert_eq!(cl.train.layout, Layout::ChannelsLast);
    let json = serde_json::to_string(&cl).unwrap();
    assert!(json.contains("\"layout\":\"channels-last\""), "{json}");
    // The default is not written, so spec.json and study.json of earlier runs stay valid.
    let auto = RunSpec::from_preset("digits-cnn").unwrap();
    assert_eq!(auto.train.layout, Layout::Auto);
    assert!(!serde_json::to_string(&auto).unwrap().contains("layout"));
    let err = parse("preset = \"digits-cnn\"\n[train]\nlayout = \"nhwc\"\n").unwrap_err();
    assert!(err.to_string().contains("layout"), "{err}");
}

#[test]
fn auto_layout_is_channels_last_only_on_the_cpu() {
    assert!(Layout::Auto.channels_last(true));
    assert!(!Layout::Auto.channels_last(false));
    assert!(!Layout::Nchw.channels_last(true));
    assert!(Layout::ChannelsLast.channels_last(false));
}
