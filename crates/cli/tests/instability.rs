//! `runvar instability` and `runvar instability sweep` as a user runs them.

mod util;

use std::fs;

use util::{fails, ok, runvar};

#[test]
fn twins_are_followed_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(
        tmp.path(),
        &[
            "instability",
            "--preset",
            "digits-cnn",
            "--epochs",
            "2",
            "--twins",
            "2",
            "--independent",
            "1",
            "--out",
            "i",
            "--json",
        ],
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let curves = r["curves"].as_array().unwrap();
    let kinds: Vec<_> = curves.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["bit_flip", "bit_flip", "no_flip", "independent"]);
    let no_flip = &curves[2];
    assert!(no_flip["param_distance"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d.as_f64() == Some(0.0)));
    // Step 0 of a twin is its flip, which the report also lists.
    let sizes = r["flip_sizes"].as_array().unwrap();
    assert_eq!(curves[0]["param_distance"][0], sizes[0]);
    assert!(r["condition_number"].as_f64().unwrap() > 1.0);
    for f in [
        "instability.json",
        "report.md",
        "report.html",
        "instability.svg",
    ] {
        assert!(tmp.path().join("i").join(f).is_file(), "{f} missing");
    }
    let html = fs::read_to_string(tmp.path().join("i/report.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("https://"));
}

#[test]
fn sweep_runs_resumable_studies_per_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let list = ok(runvar(tmp.path(), &["instability", "sweep", "--list"]));
    assert!(
        list.contains("linear") && list.contains("resnet14-x0.5"),
        "{list}"
    );
    let args = [
        "instability",
        "sweep",
        "--configs",
        "linear,mlp-1x128",
        "--replicas",
        "3",
        "--out",
        "s",
        "--quiet",
    ];
    let table = ok(runvar(tmp.path(), &args));
    assert!(
        table.contains("linear") && table.contains("mlp-1x128"),
        "{table}"
    );
    let rows: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("s/sweep.json")).unwrap())
            .unwrap();
    assert_eq!(rows["schema_version"], 1);
    let linear = &rows["configurations"][0];
    assert_eq!(linear["n"], 3);
    assert!(linear["disagreement_all"].as_f64().unwrap() > 0.0);
    // Each configuration is a study: run again, nothing is retrained and the rows are the same.
    assert!(tmp
        .path()
        .join("s/linear/runs/bit_flip/0002/DONE")
        .is_file());
    ok(runvar(tmp.path(), &args));
    let again: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("s/sweep.json")).unwrap())
            .unwrap();
    assert_eq!(again, rows);
    fails(
        runvar(
            tmp.path(),
            &["instability", "sweep", "--configs", "transformer"],
        ),
        &["unknown configuration", "linear"],
    );
}

/// `runvar instability` on its defaults (mnist1d-resnet8, 4 twins, 2 independent runs; about 45
/// s on 2 cores) gives the instability.json pinned for it, where it was pinned.
#[test]
fn instability_defaults_are_pinned() {
    let tmp = tempfile::tempdir().unwrap();
    ok(runvar(
        tmp.path(),
        &["instability", "--quiet", "--out", "i"],
    ));
    util::pins::check(
        "instability_defaults",
        util::pins::file_hashes(&tmp.path().join("i"), &["instability.json"]),
    );
}
