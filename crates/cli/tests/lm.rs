//! Language models as a user runs them: `runvar train` on the embedded Shakespeare, on a
//! folder of text files and on a Penn-Treebank-style folder; the errors on bad corpora; a
//! small study with its perplexity table.

mod util;

use std::fs;
use std::path::Path;

use util::{fails, ok, real_data, runvar};

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// A spec file: `preset`, then `extra` TOML (tables of overrides), small enough to train in
/// seconds.
fn spec_file(dir: &Path, preset: &str, extra: &str) -> String {
    let text = format!(
        "preset = \"{preset}\"\n[model]\nkind = \"lstm\"\nembed = 16\nhidden = 24\nlayers = 2\n\
         dropout = 0.1\n{extra}"
    );
    let path = dir.join("spec.toml");
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// A corpus folder with `names` for the three splits: `text` repeated `train` times, then 6
/// times for valid and test.
fn corpus(dir: &Path, names: [&str; 3], text: &str, train: usize) {
    fs::create_dir_all(dir).unwrap();
    for (name, repeat) in names.iter().zip([train, 6, 6]) {
        fs::write(dir.join(name), text.repeat(repeat)).unwrap();
    }
}

const LINES: &str = "the cat sat on the mat\nthe dog ate the cat food\nso it goes on and on\n";

#[test]
fn trains_a_character_lstm_on_text_files() {
    let tmp = tempfile::tempdir().unwrap();
    corpus(
        &tmp.path().join("c"),
        ["train.txt", "valid.txt", "test.txt"],
        LINES,
        40,
    );
    let spec = spec_file(
        tmp.path(),
        "shakespeare-char-lstm",
        "[data]\ndataset = \"char-text\"\ndir = \"c\"\nbptt = 8\neval_window = 100\n\
         [train]\nbatch_size = 4\neval_batch_size = 1\nepochs = 3\n",
    );
    let out = ok(runvar(
        tmp.path(),
        &["train", "--spec", &spec, "--threads", "1", "--out", "r"],
    ));
    assert!(out.contains("perplexity: valid"), "{out}");
    let record = read_json(&tmp.path().join("r/record.json"));
    assert_eq!(record["n_test"], 100);
    // The vocabulary: the characters of the training text in order of first appearance, then
    // <unk>.
    let chars: std::collections::BTreeSet<char> = LINES.chars().collect();
    assert_eq!(record["classes"], chars.len() + 1);
    let lm = &record["lm"];
    assert!(
        lm["test_perplexity"].as_f64().unwrap() < 8.0,
        "learns: {lm}"
    );
    let metrics = read_json(&tmp.path().join("r/metrics.json"));
    assert_eq!(metrics["epochs"].as_array().unwrap().len(), 3);
    // The files every metric reads: logits of the window, its labels.
    let logits = fs::read(tmp.path().join("r/logits.npy")).unwrap();
    let header = String::from_utf8_lossy(&logits[..120]).to_string();
    assert!(
        header.contains(&format!("(100, {})", chars.len() + 1)),
        "{header}"
    );
}

#[test]
fn trains_the_ptb_recipe_on_a_ptb_folder() {
    let tmp = tempfile::tempdir().unwrap();
    corpus(
        &tmp.path().join("ptb"),
        ["ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"],
        LINES,
        100,
    );
    let spec = tmp.path().join("ptb.toml");
    fs::write(
        &spec,
        "preset = \"ptb-word-lstm\"\n[model]\nkind = \"lstm\"\nembed = 16\nhidden = 16\nlayers = 2\n\
         dropout = 0.5\ntie = true\n[train]\nepochs = 2\n",
    )
    .unwrap();
    let out = ok(runvar(
        tmp.path(),
        &[
            "train",
            "--spec",
            "ptb.toml",
            "--data-dir",
            "ptb",
            "--threads",
            "1",
            "--out",
            "r",
        ],
    ));
    assert!(out.contains("perplexity"), "{out}");
    let record = read_json(&tmp.path().join("r/record.json"));
    // 12 distinct words, <eos>, <unk>.
    assert_eq!(record["classes"], 14);
    let spec = read_json(&tmp.path().join("r/spec.json"));
    assert_eq!(spec["spec"]["data"]["bptt"], 35);
    assert_eq!(spec["spec"]["train"]["clip"], 0.25);
    // 21 words a repeat: a test stream of 126 in 10 evaluation streams of 12 predicts 10 x 11
    // words, fewer than the preset's window of 2,000.
    assert_eq!(record["n_test"], 110);
    assert_eq!(record["lm"]["test_tokens"], 110);
}

#[test]
fn bad_corpora_are_refused_naming_the_file_and_leave_no_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    corpus(&dir, ["train.txt", "valid.txt", "test.txt"], LINES, 40);
    let spec = spec_file(
        tmp.path(),
        "shakespeare-char-lstm",
        "[data]\ndataset = \"char-text\"\ndir = \"c\"\nbptt = 8\n[train]\nbatch_size = 4\n",
    );
    let train = |out: &str| runvar(tmp.path(), &["train", "--spec", &spec, "--out", out]);
    fs::write(dir.join("test.txt"), b"caf\xe9 au lait\n").unwrap();
    fails(train("r1"), &["test.txt", "UTF-8", "offset 3"]);
    fs::write(dir.join("test.txt"), b"").unwrap();
    fails(train("r2"), &["test.txt", "empty"]);
    fs::write(dir.join("test.txt"), b"ab\0cd").unwrap();
    fails(
        train("r3"),
        &["test.txt", "binary file (NUL byte at offset 2)"],
    );
    fs::remove_file(dir.join("valid.txt")).unwrap();
    fails(train("r4"), &["valid", "valid.txt"]);
    for r in ["r1", "r2", "r3", "r4"] {
        assert!(!tmp.path().join(r).exists(), "{r} was left behind");
    }
    // A language model on images, and an image model on a corpus, are refused by field.
    fails(
        runvar(
            tmp.path(),
            &[
                "train",
                "--preset",
                "shakespeare-char-lstm",
                "--seed-data",
                "1",
            ],
        ),
        &["seeds.data"],
    );
    let mixed = tmp.path().join("mixed.toml");
    fs::write(
        &mixed,
        "preset = \"digits-mlp\"\n[data]\ndataset = \"shakespeare\"\n",
    )
    .unwrap();
    fails(
        runvar(tmp.path(), &["train", "--spec", "mixed.toml"]),
        &["model.kind", "text corpus"],
    );
}

#[test]
fn a_small_study_reports_perplexity_per_condition() {
    let tmp = tempfile::tempdir().unwrap();
    let study = tmp.path().join("study.toml");
    fs::write(
        &study,
        "replicas = 2\nconditions = [\"control\", \"dropout\", \"all\"]\nbootstrap = 200\n\
         [run]\npreset = \"shakespeare-char-lstm\"\nthreads = 1\n\
         [run.model]\nkind = \"lstm\"\nembed = 16\nhidden = 24\nlayers = 2\ndropout = 0.1\n\
         [run.data]\ndataset = \"shakespeare\"\nbptt = 16\ntrain_limit = 8000\neval_window = 400\n",
    )
    .unwrap();
    let out = ok(runvar(
        tmp.path(),
        &["study", "--spec", "study.toml", "--out", "s"],
    ));
    assert!(out.contains("test ppl SD ± err"), "{out}");
    let report = read_json(&tmp.path().join("s/report.json"));
    let conditions = report["conditions"].as_array().unwrap();
    let ppl = |c: &serde_json::Value| c["perplexity"]["test_sd"].as_f64().unwrap();
    assert_eq!(ppl(&conditions[0]), 0.0, "the control's runs are identical");
    assert!(ppl(&conditions[1]) > 0.0 && ppl(&conditions[2]) > 0.0);
    let md = fs::read_to_string(tmp.path().join("s/report.md")).unwrap();
    assert!(md.contains("## Perplexity"), "{md}");
    // Language models train one at a time.
    fails(
        runvar(
            tmp.path(),
            &[
                "study",
                "--spec",
                "study.toml",
                "--out",
                "s2",
                "--pack",
                "2",
            ],
        ),
        &["pack", "one run at a time"],
    );
}

#[test]
fn trains_on_the_shared_shakespeare_split() {
    let Some(data) = real_data("trains_on_the_shared_shakespeare_split") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = data.join("text/shakespeare");
    let spec = spec_file(
        tmp.path(),
        "shakespeare-char-lstm",
        &format!(
            "[data]\ndataset = \"char-text\"\ndir = \"{}\"\nbptt = 16\ntrain_limit = 20000\n\
             test_limit = 5000\neval_window = 1000\n[train]\nbatch_size = 8\n",
            dir.display()
        ),
    );
    ok(runvar(
        tmp.path(),
        &["train", "--spec", &spec, "--threads", "1", "--out", "r"],
    ));
    let record = read_json(&tmp.path().join("r/record.json"));
    // The shared split's vocabulary (pinned by the loader's tests): 84 characters and <unk>.
    assert_eq!(record["classes"], 85);
    assert_eq!(record["n_test"], 1000);
    assert_eq!(record["lm"]["valid_tokens"], 271_167 - 271_167 % 10 - 10);
}
