//! Stored runs are checked before they count: a changed file, an unreadable record, a run of
//! another study or of another condition is named and left out by `runvar report` and by a
//! resumed `runvar study`, never used and never overwritten.

mod util;

use std::fs;
use std::path::Path;

use util::{ok, runvar};

const STUDY: &[&str] = &[
    "study",
    "--preset",
    "digits-mlp",
    "--epochs",
    "2",
    "--replicas",
    "3",
    "--conditions",
    "control,init,all",
    "--quiet",
    "--out",
    "s",
];

fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

fn n_of(r: &serde_json::Value, name: &str) -> u64 {
    r["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .map_or(0, |c| c["n"].as_u64().unwrap())
}

/// Flip the lowest bit of the last byte of `path`.
fn flip_last_bit(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    fs::write(path, bytes).unwrap();
}

#[test]
fn damaged_or_foreign_runs_are_named_and_not_counted() {
    let tmp = tempfile::tempdir().unwrap();
    ok(runvar(tmp.path(), STUDY));
    let dir = tmp.path().join("s");
    let clean = report(&dir);
    let runs = dir.join("runs");
    assert!(runs.join("init/0001/SHA256SUMS").is_file());

    // One flipped bit in logits, a garbage record, a control run swapped into `init`, and a
    // 1-epoch run with init seed 2 in place of the 2-epoch one.
    flip_last_bit(&runs.join("init/0001/logits.npy"));
    fs::write(runs.join("control/0002/record.json"), "garbage").unwrap();
    fs::remove_dir_all(runs.join("all/0000")).unwrap();
    fs::rename(runs.join("control/0001"), runs.join("all/0000")).unwrap();
    util::train_digits(tmp.path(), "one-epoch", "1", &["--seed-init", "2"]);
    fs::remove_dir_all(runs.join("init/0002")).unwrap();
    fs::rename(tmp.path().join("one-epoch"), runs.join("init/0002")).unwrap();

    let out = runvar(tmp.path(), &["report", "s"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for needle in [
        "runs/init/0001: not counted: logits.npy: its SHA-256 is",
        "runs/control/0002: not counted: record.json: its SHA-256 is",
        // The control run differs from replica 0 of `all` in its low-level switch alone.
        "runs/all/0000: not counted: trained with another spec than this study plans for it \
         (low_level: false -> true)",
        "runs/init/0002: not counted: trained with another spec",
        "train.epochs: 1 -> 2",
    ] {
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
    }
    let r = report(&dir);
    // One counted run left in control and in init: no row (pairwise metrics need two).
    assert_eq!(
        (n_of(&r, "control"), n_of(&r, "init"), n_of(&r, "all")),
        (0, 0, 2)
    );
    let notes = r["notes"].to_string();
    assert!(notes.contains("init: 1 of 3 runs counted"), "{notes}");
    assert!(notes.contains("runs/init/0001: not counted"), "{notes}");
    assert!(
        !notes.contains("bit-identical"),
        "one control run is no evidence: {notes}"
    );

    // A resumed study names them too, and neither trains over them nor removes them.
    let before = fs::read(runs.join("init/0001/logits.npy")).unwrap();
    let out = runvar(tmp.path(), STUDY);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("runs/init/0001: not counted"),
        "{}",
        out.stderr
    );
    assert_eq!(fs::read(runs.join("init/0001/logits.npy")).unwrap(), before);

    // Removed, they are trained again, and the study is the clean one.
    for run in ["init/0001", "control/0002", "all/0000", "init/0002"] {
        fs::remove_dir_all(runs.join(run)).unwrap();
    }
    ok(runvar(tmp.path(), STUDY));
    assert_eq!(report(&dir)["conditions"], clean["conditions"]);
    assert_eq!(report(&dir)["notes"], clean["notes"]);
}

#[test]
fn analyze_refuses_a_run_directory_whose_files_changed() {
    let tmp = tempfile::tempdir().unwrap();
    for (seed, out) in [("1", "a"), ("2", "b")] {
        util::train_digits(tmp.path(), out, "1", &["--seed-init", seed]);
    }
    ok(runvar(tmp.path(), &["analyze", "a", "b"]));
    flip_last_bit(&tmp.path().join("b/labels.npy"));
    util::fails(
        runvar(tmp.path(), &["analyze", "a", "b"]),
        &["b/labels.npy: its SHA-256 is", "changed since"],
    );
}

/// `--threads 0` (every core) is stored as the number it meant, so that a study resumed on a
/// machine with another core count is refused instead of mixing runs whose bits differ; a
/// resume on another CPU says what changed.
#[test]
fn a_resumed_study_keeps_its_meaning() {
    let tmp = tempfile::tempdir().unwrap();
    let args = |threads: &'static str| {
        vec![
            "study",
            "--preset",
            "digits-mlp",
            "--epochs",
            "1",
            "--replicas",
            "2",
            "--conditions",
            "control,init",
            "--threads",
            threads,
            "--out",
            "s",
        ]
    };
    ok(runvar(tmp.path(), &args("0")));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let study: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tmp.path().join("s/study.json")).unwrap())
            .unwrap();
    assert_eq!(study["run"]["threads"], cores);
    let other = if cores == 1 { "2" } else { "1" };
    util::fails(
        runvar(tmp.path(), &args(other)),
        &[
            "different spec",
            &format!("run.threads: {cores} -> {other}"),
        ],
    );

    // Pretend a run was trained on another CPU (and keep its checksums true), then resume.
    let run = tmp.path().join("s/runs/init/0000");
    let text = fs::read_to_string(run.join("spec.json")).unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    spec["environment"]["cpu"] = "Another CPU".into();
    fs::write(
        run.join("spec.json"),
        serde_json::to_string_pretty(&spec).unwrap(),
    )
    .unwrap();
    let sums: Vec<(String, String)> = runvar_core::store::RunFiles::REQUIRED
        .iter()
        .chain(&["features.npy"])
        .map(|n| {
            let h = runvar_core::store::checksum::hash_file(&run.join(n)).unwrap();
            (n.to_string(), h)
        })
        .collect();
    fs::write(
        run.join("SHA256SUMS"),
        runvar_core::store::checksum::format_list(&sums),
    )
    .unwrap();
    fs::remove_dir_all(tmp.path().join("s/runs/init/0001")).unwrap();
    fs::remove_dir_all(tmp.path().join("s/runs/control")).unwrap();
    let out = runvar(tmp.path(), &args("0"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("resuming on another machine")
            && out.stderr.contains("cpu: \"Another CPU\" -> "),
        "{}",
        out.stderr
    );
}
