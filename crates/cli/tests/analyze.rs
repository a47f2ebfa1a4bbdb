//! `runvar analyze` on logits saved by any framework (.npy) and on run directories.

mod util;

use std::fs;
use std::path::Path;

use runvar_core::store::npy;
use util::{fails, ok, runvar};

fn save_f32(dir: &Path, name: &str, shape: &[usize], data: &[f32]) {
    fs::write(dir.join(name), npy::encode_f32(shape, data)).unwrap();
}

fn save_i64(dir: &Path, name: &str, data: &[i64]) {
    fs::write(dir.join(name), npy::encode_i64(&[data.len()], data)).unwrap();
}

/// Three runs of 4 examples x 3 classes, labels [0, 1, 2, 0].
/// Predictions: a = [0, 1, 2, 0] (4/4), b = [0, 1, 2, 1] (3/4), c = [1, 1, 2, 1] (2/4).
/// Disagreement: (a, b) 1/4, (a, c) 2/4, (b, c) 1/4: mean 1/3 = 33.33%.
/// Accuracies 100, 75, 50 %: population SD = sqrt(((25)^2 + 0 + 25^2) / 3) = 20.41.
fn fixture(dir: &Path) {
    let a = [3., 0., 0., 0., 3., 0., 0., 0., 3., 3., 0., 0.];
    let b = [3., 0., 0., 0., 3., 0., 0., 0., 3., 0., 3., 0.];
    let c = [0., 3., 0., 0., 3., 0., 0., 0., 3., 0., 3., 0.];
    save_f32(dir, "a.npy", &[4, 3], &a);
    save_f32(dir, "b.npy", &[4, 3], &b);
    save_f32(dir, "c.npy", &[4, 3], &c);
    save_i64(dir, "labels.npy", &[0, 1, 2, 0]);
}

#[test]
fn npy_logits_from_any_framework() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let out = ok(runvar(
        tmp.path(),
        &[
            "analyze",
            "a.npy",
            "b.npy",
            "c.npy",
            "--labels",
            "labels.npy",
            "--json",
            "--bootstrap",
            "1000",
        ],
    ));
    let row: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(row["n"], 3);
    assert!(
        (row["disagreement"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9,
        "{row}"
    );
    assert!((row["mean_acc"].as_f64().unwrap() - 75.0).abs() < 1e-9);
    let sd = (2.0 * 25.0f64.powi(2) / 3.0).sqrt();
    assert!((row["acc_sd"].as_f64().unwrap() - sd).abs() < 1e-9);
    assert!(row["cka"].is_null(), "no features given");
    let table = ok(runvar(
        tmp.path(),
        &[
            "analyze",
            "a.npy",
            "b.npy",
            "c.npy",
            "--labels",
            "labels.npy",
        ],
    ));
    assert!(table.contains("33.33"), "{table}");
}

#[test]
fn bad_inputs_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    fixture(tmp.path());
    let d = tmp.path();
    let mut nan = [0f32; 12];
    nan[7] = f32::NAN;
    save_f32(d, "nan.npy", &[4, 3], &nan);
    fails(
        runvar(
            d,
            &["analyze", "a.npy", "nan.npy", "--labels", "labels.npy"],
        ),
        &["nan.npy", "NaN", "example 2"],
    );
    save_f32(d, "wide.npy", &[4, 4], &[0.0; 16]);
    fails(
        runvar(
            d,
            &["analyze", "a.npy", "wide.npy", "--labels", "labels.npy"],
        ),
        &["wide.npy", "4 x 4"],
    );
    save_i64(d, "bad_labels.npy", &[0, 1, 7, 0]);
    fails(
        runvar(
            d,
            &["analyze", "a.npy", "b.npy", "--labels", "bad_labels.npy"],
        ),
        &["bad_labels.npy", "label 7"],
    );
    save_i64(d, "short_labels.npy", &[0, 1]);
    fails(
        runvar(
            d,
            &["analyze", "a.npy", "b.npy", "--labels", "short_labels.npy"],
        ),
        &["short_labels.npy", "2 labels"],
    );
    fails(runvar(d, &["analyze", "a.npy", "b.npy"]), &["--labels"]);
    fails(
        runvar(
            d,
            &["analyze", "a.npy", "missing.npy", "--labels", "labels.npy"],
        ),
        &["missing.npy"],
    );
    fs::write(d.join("junk.npy"), b"not numpy").unwrap();
    fails(
        runvar(
            d,
            &["analyze", "a.npy", "junk.npy", "--labels", "labels.npy"],
        ),
        &["junk.npy", "magic"],
    );
    fails(runvar(d, &["analyze", "a.npy"]), &["at least two"]);
}

#[test]
fn run_directories_with_features_give_cka() {
    let tmp = tempfile::tempdir().unwrap();
    for (seed, name) in [("1", "r1"), ("2", "r2"), ("3", "r3")] {
        ok(runvar(
            tmp.path(),
            &[
                "train",
                "--preset",
                "digits-mlp",
                "--epochs",
                "1",
                "--threads",
                "1",
                "--seed-init",
                seed,
                "--out",
                name,
                "-q",
            ],
        ));
    }
    let out = ok(runvar(
        tmp.path(),
        &["analyze", "r1", "r2", "r3", "--json", "--bootstrap", "500"],
    ));
    let row: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cka = row["cka"].as_f64().unwrap();
    assert!(
        cka > 0.0 && cka < 1.0,
        "CKA of differently initialized runs: {cka}"
    );
    assert!(row["disagreement"].as_f64().unwrap() > 0.0);
}
