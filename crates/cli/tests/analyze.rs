//! `runvar analyze` on logits saved by any framework (.npy, .npz) and on run directories.

mod util;

use std::fs;
use std::path::{Path, PathBuf};

use runvar_core::store::{npy, npz};
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
        &["runvar: missing.npy: does not exist\n"],
    );
    fs::write(d.join("junk.npy"), b"not numpy").unwrap();
    fails(
        runvar(
            d,
            &["analyze", "a.npy", "junk.npy", "--labels", "labels.npy"],
        ),
        &["junk.npy", "magic"],
    );
    fails(
        runvar(d, &["analyze", "a.npy", "--labels", "labels.npy"]),
        &["only one run (a.npy)", "at least two"],
    );
}

/// The numpy-written fixtures of crates/core/tests/fixtures/npy (scripts/npy_fixtures.py).
fn numpy_fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/npy");
    p.join(name).display().to_string()
}

/// `runvar analyze ARGS --json` run in `dir`, parsed.
fn analyze_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["analyze"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", "--bootstrap", "500"]);
    serde_json::from_str(&ok(runvar(dir, &all))).unwrap()
}

#[test]
fn stacked_runs_give_the_numbers_of_separate_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    let separate = analyze_json(d, &["a.npy", "b.npy", "c.npy", "--labels", "labels.npy"]);
    assert_eq!(separate["n"], 3);
    assert!((separate["disagreement"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-9);
    // runvar's own writer: one (3, 4, 3) stack.
    let stack: Vec<f32> = ["a.npy", "b.npy", "c.npy"]
        .iter()
        .flat_map(|f| {
            npy::read(&d.join(f))
                .unwrap()
                .into_f32(Path::new(f))
                .unwrap()
        })
        .collect();
    save_f32(d, "stack.npy", &[3, 4, 3], &stack);
    let stacked = analyze_json(d, &["stack.npy", "--labels", "labels.npy"]);
    assert_eq!(stacked, separate);
    // numpy's: np.save of np.stack([a, b, c]); one stack beside a plain file: 4 runs.
    let np_stack = numpy_fixture("abc_stack.npy");
    assert_eq!(
        analyze_json(d, &[&np_stack, "--labels", "labels.npy"]),
        separate
    );
    let four = analyze_json(d, &[&np_stack, "a.npy", "--labels", "labels.npy"]);
    assert_eq!(four["n"], 4);
}

/// float16, big-endian float64, big-endian Fortran-order float32, big-endian int32 labels, and
/// .npz archives (stored, deflated, zip64) with the labels inside: the same three runs, so the
/// same numbers.
#[test]
fn numpy_dtypes_orders_and_archives_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    let want = analyze_json(d, &["a.npy", "b.npy", "c.npy", "--labels", "labels.npy"]);
    let (a, b, c) = (
        numpy_fixture("a_f2.npy"),
        numpy_fixture("b_f8_be.npy"),
        numpy_fixture("c_fortran_f4_be.npy"),
    );
    let labels_be = numpy_fixture("abc_labels_i4_be.npy");
    assert_eq!(analyze_json(d, &[&a, &b, &c, "--labels", &labels_be]), want);
    for archive in ["abc_savez.npz", "abc_compressed.npz"] {
        assert_eq!(
            analyze_json(d, &[&numpy_fixture(archive)]),
            want,
            "{archive}"
        );
    }
    // --labels beside the archive's own labels: they agree, so it is accepted.
    let savez = numpy_fixture("abc_savez.npz");
    assert_eq!(analyze_json(d, &[&savez, "--labels", "labels.npy"]), want);
}

/// `np.savez_compressed("runs.npz", logits=np.stack(L), features=np.stack(F), labels=y)` gives
/// what the same arrays give as separate files with --labels and --features.
#[test]
fn npz_with_labels_and_features_inside() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let archive = numpy_fixture("runs_features.npz");
    let inside = analyze_json(d, &[&archive]);
    assert_eq!(inside["n"], 3);
    assert!(inside["cka"].as_f64().is_some(), "{inside}");
    let members = npz::read(Path::new(&archive)).unwrap();
    let mut files: Vec<String> = Vec::new();
    for m in members {
        let shape = m.array.shape.clone();
        match m.name.as_str() {
            "labels" => save_i64(d, "y.npy", &m.array.into_i64(&m.source).unwrap()),
            name => {
                let v = m.array.into_f32(&m.source).unwrap();
                let len = shape[1] * shape[2];
                for (i, run) in v.chunks_exact(len).enumerate() {
                    let file = format!("{name}_{i}.npy");
                    save_f32(d, &file, &shape[1..], run);
                    files.push(file);
                }
            }
        }
    }
    let args: Vec<&str> = files[..3]
        .iter()
        .map(String::as_str)
        .chain(["--labels", "y.npy", "--features"])
        .chain(files[3..].iter().map(String::as_str))
        .collect();
    assert_eq!(files[3], "features_0.npy");
    assert_eq!(analyze_json(d, &args), inside);
    // The same features as one stacked --features file.
    let stacked: Vec<PathBuf> = files[3..].iter().map(|f| d.join(f)).collect();
    let values: Vec<f32> = stacked
        .iter()
        .flat_map(|p| npy::read(p).unwrap().into_f32(p).unwrap())
        .collect();
    save_f32(d, "feats.npy", &[3, 8, 4], &values);
    let mut args: Vec<&str> = files[..3].iter().map(String::as_str).collect();
    args.extend(["--labels", "y.npy", "--features", "feats.npy"]);
    assert_eq!(analyze_json(d, &args), inside);
}

#[test]
fn stack_of_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    let one = numpy_fixture("abc_stack_1.npy");
    let stderr = fails(
        runvar(d, &["analyze", &one, "a.npy", "--labels", "labels.npy"]),
        &[
            "abc_stack_1.npy: a stack of one run (shape [1, 4, 3])",
            "expected (N, n, C) with N >= 2",
            "drop the first axis",
        ],
    );
    assert!(stderr.starts_with("runvar: "), "{stderr}");
    let mut nan = [0f32; 36];
    nan[12 + 5] = f32::NAN;
    save_f32(d, "nan_stack.npy", &[3, 4, 3], &nan);
    fails(
        runvar(d, &["analyze", "nan_stack.npy", "--labels", "labels.npy"]),
        &["nan_stack.npy[1]: logits value at example 1, column 2 is NaN"],
    );
}

#[test]
fn run_directories_with_features_give_cka() {
    let tmp = tempfile::tempdir().unwrap();
    for (seed, name) in [("1", "r1"), ("2", "r2"), ("3", "r3")] {
        util::train_digits(tmp.path(), name, "1", &["--seed-init", seed]);
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

/// The same file twice, under any spelling, is one run compared with itself: refused. A copy
/// is another file, and two bit-identical runs are what a deterministic control gives.
#[test]
fn the_same_file_twice_is_refused_a_copy_is_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    let labels = ["--labels", "labels.npy"];
    let analyze = |inputs: &[&str]| {
        let mut args = vec!["analyze"];
        args.extend_from_slice(inputs);
        args.extend_from_slice(&labels);
        runvar(d, &args)
    };
    fails(
        analyze(&["a.npy", "b.npy", "a.npy"]),
        &[
            "runvar: a.npy: given twice as an input",
            "(disagreement 0, correlation 1); give each run once",
        ],
    );
    fails(
        analyze(&["a.npy", "./a.npy"]),
        &["runvar: ./a.npy: the same file as a.npy, given twice as an input"],
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("a.npy", d.join("link.npy")).unwrap();
        fails(
            analyze(&["link.npy", "b.npy", "a.npy"]),
            &["runvar: a.npy: the same file as link.npy, given twice as an input"],
        );
    }
    fs::copy(d.join("a.npy"), d.join("copy.npy")).unwrap();
    let control = analyze_json(d, &["a.npy", "copy.npy", "--labels", "labels.npy"]);
    assert_eq!(control["n"], 2);
    assert_eq!(control["disagreement"], 0.0, "{control}");
    assert_eq!(control["correlation"], 1.0, "{control}");
    // Labels given also as an input, or as an input only; features twice.
    fails(
        analyze(&["a.npy", "b.npy", "labels.npy"]),
        &["runvar: labels.npy: given both as an input and as --labels"],
    );
    fails(
        runvar(d, &["analyze", "a.npy", "b.npy", "labels.npy"]),
        &[
            "labels.npy: logits must be (n, C)",
            "a 1-D array is labels: give it with --labels",
        ],
    );
    save_f32(d, "fa.npy", &[4, 2], &[0.5; 8]);
    fails(
        analyze(&["a.npy", "b.npy", "--features", "fa.npy", "fa.npy"]),
        &["runvar: fa.npy: given twice to --features"],
    );
}

/// Inputs that are not what they were taken for are named for what they are.
#[test]
fn inputs_are_named_for_what_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    fails(
        runvar(d, &["analyze", "runs/r9", "runs/r8"]),
        &["runvar: runs/r9: does not exist\n"],
    );
    fs::create_dir(d.join("notes")).unwrap();
    fails(
        runvar(d, &["analyze", "a.npy", "notes", "--labels", "labels.npy"]),
        &[
            "runvar: notes: a directory that is not a run directory (no DONE marker), given with \
           a file (a.npy); give run directories or .npy/.npz files, not both",
        ],
    );
    fs::copy(d.join("a.npy"), d.join("logits")).unwrap();
    fails(
        runvar(d, &["analyze", "a.npy", "logits", "--labels", "labels.npy"]),
        &["runvar: logits: a .npy array by its contents, but named without an extension"],
    );
    save_f32(d, "fa.npy", &[4, 2], &[0.5; 8]);
    fails(
        runvar(
            d,
            &[
                "analyze",
                "a.npy",
                "--labels",
                "labels.npy",
                "--features",
                "fa.npy",
                "b.npy",
            ],
        ),
        &[
            "only one run (a.npy)",
            "--features takes every path after it",
        ],
    );
}

/// With run directories, --labels is a check against every run's labels.npy and --features
/// is refused; the same directory twice is refused, a copy of it is a second run.
#[test]
fn run_directories_given_twice_or_with_labels_and_features() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    for (seed, name) in [("1", "runs/r1"), ("2", "runs/r2")] {
        util::train_digits(d, name, "1", &["--seed-init", seed]);
    }
    fails(
        runvar(d, &["analyze", "runs/r1", "runs/r2", "runs/r1"]),
        &["runvar: runs/r1: given twice as an input"],
    );
    fails(
        runvar(d, &["analyze", "runs/r1", "./runs/r1/"]),
        &["runvar: ./runs/r1/: the same directory as runs/r1, given twice as an input"],
    );
    fs::create_dir(d.join("copy")).unwrap();
    for f in fs::read_dir(d.join("runs/r1")).unwrap() {
        let f = f.unwrap();
        fs::copy(f.path(), d.join("copy").join(f.file_name())).unwrap();
    }
    let control = analyze_json(d, &["runs/r1", "copy"]);
    assert_eq!(control["disagreement"], 0.0, "{control}");
    assert_eq!(control["cka"], 1.0, "{control}");
    // --labels: equal to the runs' labels, it changes nothing; different, it is an error.
    let plain = analyze_json(d, &["runs/r1", "runs/r2"]);
    assert_eq!(
        analyze_json(d, &["runs/r1", "runs/r2", "--labels", "runs/r1/labels.npy"]),
        plain
    );
    let mut y = npy::read(&d.join("runs/r1/labels.npy"))
        .unwrap()
        .into_i64(Path::new("labels.npy"))
        .unwrap();
    y[5] = (y[5] + 1) % 10;
    save_i64(d, "wrong.npy", &y);
    fails(
        runvar(
            d,
            &["analyze", "runs/r1", "runs/r2", "--labels", "wrong.npy"],
        ),
        &[
            "runvar: wrong.npy: differs from runs/r1/labels.npy (label ",
            " at index 5 against ",
        ],
    );
    fails(
        runvar(
            d,
            &[
                "analyze",
                "runs/r1",
                "runs/r2",
                "--features",
                "a.npy",
                "b.npy",
            ],
        ),
        &[
            "runvar: a.npy: --features with run directories",
            "holds its own features.npy (runs/r1/features.npy)",
        ],
    );
    fails(
        runvar(d, &["analyze", "runs", "runs/r1"]),
        &["runvar: runs: a directory holding 2 run directories, not a run directory itself"],
    );
    fails(
        runvar(d, &["analyze", "runs/r1", "a.npy"]),
        &["runvar: runs/r1: a run directory, given with a file (a.npy)"],
    );
}
