//! Sizes a user controls are checked against the machine before anything is allocated or
//! trained: refused with exit 2 and the largest value that fits; counts of 0 are refused.

mod util;

use std::fs;

use util::{fails, ok, runvar};

/// Nothing but the files the test wrote itself is left in `dir`.
fn only(dir: &std::path::Path, files: &[&str]) {
    let mut left: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, files, "left behind");
}

#[test]
fn absurd_sizes_are_refused_with_the_largest_that_fits() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let spec = |name: &str, text: &str| fs::write(d.join(name), text).unwrap();
    spec(
        "wide.toml",
        "preset = \"mnist1d-mlp\"\n[model]\nkind = \"mlp\"\nhidden = [1000000000]\n",
    );
    spec(
        "two.toml",
        "preset = \"mnist1d-mlp\"\n[model]\nkind = \"mlp\"\nhidden = [100000, 100000]\n",
    );
    spec(
        "resnet.toml",
        "preset = \"mnist1d-resnet8\"\n[model]\nkind = \"resnet\"\ndepth = 8\nwidth = 1e9\n",
    );
    spec(
        "boot.toml",
        "replicas = 2\nconditions = [\"control\", \"init\"]\nbootstrap = 10000000000\n\
         [run]\npreset = \"digits-mlp\"\n",
    );
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["train", "--spec", "wide.toml", "--out", "r"],
            "model.hidden[0] = 1000000000",
        ),
        (
            vec!["train", "--spec", "two.toml", "--out", "r"],
            "model.hidden[0] = 100000",
        ),
        (
            vec!["train", "--spec", "resnet.toml", "--out", "r"],
            "model.width = 1000000000",
        ),
        (
            vec!["study", "--replicas", "1000000000000", "--out", "s"],
            "replicas = 1000000000000",
        ),
        (
            vec!["study", "--spec", "boot.toml", "--out", "s"],
            "bootstrap = 10000000000",
        ),
        (
            vec![
                "speed",
                "--preset",
                "digits-mlp",
                "--batch-size",
                "1000000000",
            ],
            "train.batch_size = 1000000000",
        ),
        (
            vec!["instability", "--twins", "100000000", "--out", "i"],
            "--twins = 100000000",
        ),
        (
            vec!["analyze", "--bootstrap", "10000000000", "a.npy", "b.npy"],
            "--bootstrap = 10000000000",
        ),
    ];
    // 200,000 runs of one example in a 1.6 MB file: their N x N tables would need terabytes.
    let n = 200_000;
    let stack = runvar_core::store::npy::encode_f32(&[n, 1, 2], &vec![0.5; 2 * n]);
    fs::write(d.join("many.npy"), stack).unwrap();
    fs::write(
        d.join("y.npy"),
        runvar_core::store::npy::encode_i64(&[1], &[0]),
    )
    .unwrap();
    cases.push((
        vec!["analyze", "many.npy", "--labels", "y.npy"],
        "runs = 200000",
    ));
    for (args, needle) in cases {
        let err = fails(runvar(d, &args), &[needle, "available;"]);
        assert!(err.contains("is the largest that fits"), "{args:?}: {err}");
    }
    only(
        d,
        &[
            "boot.toml",
            "many.npy",
            "resnet.toml",
            "two.toml",
            "wide.toml",
            "y.npy",
        ],
    );
}

#[test]
fn counts_of_zero_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["speed", "--steps", "0", "--warmup", "0"][..],
        &["instability", "--twins", "0"],
        &["train", "--preset", "digits-mlp", "--epochs", "0"],
        &["study", "--workers", "0"],
        &["analyze", "--bootstrap", "0", "a.npy", "b.npy"],
    ] {
        fails(runvar(tmp.path(), args), &["must be at least 1"]);
    }
    only(tmp.path(), &[]);
}

/// A study directory whose study.json asks for more bootstrap resamples than fit is refused by
/// `runvar report`, naming the file, instead of aborting every time.
#[test]
fn report_refuses_a_study_json_that_cannot_fit() {
    let tmp = tempfile::tempdir().unwrap();
    ok(runvar(
        tmp.path(),
        &[
            "study",
            "--preset",
            "digits-mlp",
            "--epochs",
            "1",
            "--replicas",
            "2",
            "--conditions",
            "control,init",
            "--quiet",
            "--out",
            "s",
        ],
    ));
    let path = tmp.path().join("s/study.json");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace("\"bootstrap\": 10000", "\"bootstrap\": 10000000000"),
    )
    .unwrap();
    fails(
        runvar(tmp.path(), &["report", "s"]),
        &[
            "s/study.json",
            "bootstrap = 10000000000",
            "is the largest that fits",
        ],
    );
}
