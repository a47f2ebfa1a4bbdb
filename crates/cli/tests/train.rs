//! `runvar train` as a user runs it: files written, errors named, nothing partial.

mod util;

use std::fs;

use util::{fails, ok, real_data, runvar, runvar_env};

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn writes_a_complete_run_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(
        tmp.path(),
        &[
            "train",
            "--preset",
            "digits-mlp",
            "--epochs",
            "2",
            "--threads",
            "1",
            "--seed-init",
            "5",
            "--out",
            "r",
        ],
    ));
    assert!(
        out.contains("test accuracy") && out.contains("run written to r"),
        "{out}"
    );
    let dir = tmp.path().join("r");
    for f in [
        "spec.json",
        "record.json",
        "metrics.json",
        "logits.npy",
        "features.npy",
        "labels.npy",
        "DONE",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let spec = read_json(&dir.join("spec.json"));
    assert_eq!(spec["spec"]["seeds"]["init"], 5);
    assert_eq!(spec["spec"]["threads"], 1);
    assert_eq!(spec["environment"]["libtorch_version"], "2.11.0");
    assert!(spec["environment"]["cpu"].as_str().unwrap().len() > 1);
    let metrics = read_json(&dir.join("metrics.json"));
    assert_eq!(metrics["epochs"].as_array().unwrap().len(), 2);
    for doc in [&spec, &metrics] {
        assert_eq!(doc["schema_version"], 1, "{doc}");
    }
    let record = read_json(&dir.join("record.json"));
    assert_eq!(record["n_test"], 449);
    let logits = runvar_core::store::npy::read(&dir.join("logits.npy")).unwrap();
    assert_eq!(logits.shape, vec![449, 10]);
    let features = runvar_core::store::npy::read(&dir.join("features.npy")).unwrap();
    assert_eq!(features.shape, vec![449, 256]);
    // No temporary directory left behind.
    let names: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("r")]);

    // The same command again refuses to overwrite.
    fails(
        runvar(
            tmp.path(),
            &["train", "--preset", "digits-mlp", "--out", "r"],
        ),
        &["r: already exists"],
    );
}

#[test]
fn json_output_and_bit_flip_record() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(
        tmp.path(),
        &[
            "train",
            "--preset",
            "digits-mlp",
            "--epochs",
            "1",
            "--threads",
            "1",
            "--bit-flip",
            "3",
            "--json",
            "--out",
            "f",
        ],
    ));
    let record: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(record["bit_flip"]["param"], "fc1.weight");
    let (old, new) = (
        record["bit_flip"]["old_bits"].as_u64().unwrap() as u32,
        record["bit_flip"]["new_bits"].as_u64().unwrap() as u32,
    );
    let (o, n) = (f32::from_bits(old), f32::from_bits(new));
    assert!(n == o.next_up() || n == o.next_down());
}

#[test]
fn spec_file_errors_name_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("bad.toml"),
        "preset = \"digits-mlp\"\n[train]\nepochz = 3\n",
    )
    .unwrap();
    fails(
        runvar(tmp.path(), &["train", "--spec", "bad.toml"]),
        &["bad.toml", "epochz"],
    );
    fs::write(
        tmp.path().join("zero.toml"),
        "preset = \"digits-mlp\"\n[train]\nepochs = 0\n",
    )
    .unwrap();
    fails(
        runvar(tmp.path(), &["train", "--spec", "zero.toml"]),
        &["train.epochs", "at least 1"],
    );
    fails(
        runvar(tmp.path(), &["train", "--spec", "nope.toml"]),
        &["nope.toml"],
    );
    fails(
        runvar(tmp.path(), &["train", "--preset", "resnet9000"]),
        &["unknown preset", "digits-mlp"],
    );
    fails(
        runvar(
            tmp.path(),
            &[
                "train",
                "--preset",
                "digits-mlp",
                "--bit-flip",
                "1",
                "--bit-flip-param",
                "conv7.weight",
            ],
        ),
        &["conv7.weight", "fc1.weight"],
    );
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        2,
        "no run directory was created"
    );
}

#[test]
fn file_datasets_need_a_valid_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    // Without --data-dir the default data folder is read: an empty cache here, so that a
    // developer's real cache can neither pass nor fail this test.
    let cache = tmp.path().join("cache");
    let cache_env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
    let default = cache.join("runvar/data");
    fails(
        runvar_env(tmp.path(), &["train", "--preset", "mnist-mlp"], &cache_env),
        &[
            &format!("{}: no MNIST training images found", default.display()),
            "train-images-idx3-ubyte or train-images-idx3-ubyte.gz in ./, mnist/, MNIST/raw/",
            "run `runvar data fetch mnist` to download it",
        ],
    );
    // No default folder at all: the spec field and the flag are named.
    fails(
        runvar_env(
            tmp.path(),
            &["train", "--preset", "mnist-mlp"],
            &[("XDG_CACHE_HOME", ""), ("HOME", "")],
        ),
        &["data.dir", "--data-dir"],
    );
    fails(
        runvar_env(
            tmp.path(),
            &["train", "--preset", "mnist-mlp", "--data-dir", "empty"],
            &cache_env,
        ),
        &[
            "empty: no MNIST training images found",
            "runvar data fetch mnist --data-dir empty",
        ],
    );
    // A truncated image file is named, and no run directory appears. The files are IDX as
    // MNIST ships them (uncompressed here), four 28x28 training images declared, two given.
    let bad = tmp.path().join("bad");
    fs::create_dir(&bad).unwrap();
    let idx = |magic: u32, dims: &[u32], body: usize| {
        let mut v: Vec<u8> = magic.to_be_bytes().to_vec();
        dims.iter()
            .for_each(|d| v.extend_from_slice(&d.to_be_bytes()));
        v.extend((0..body).map(|i| (i % 251) as u8 % 10));
        v
    };
    for (name, bytes) in [
        ("train-images-idx3-ubyte", idx(0x803, &[4, 28, 28], 2 * 784)),
        ("train-labels-idx1-ubyte", idx(0x801, &[4], 4)),
        ("t10k-images-idx3-ubyte", idx(0x803, &[2, 28, 28], 2 * 784)),
        ("t10k-labels-idx1-ubyte", idx(0x801, &[2], 2)),
    ] {
        fs::write(bad.join(name), bytes).unwrap();
    }
    fails(
        runvar(
            tmp.path(),
            &[
                "train",
                "--preset",
                "mnist-mlp",
                "--data-dir",
                "bad",
                "--out",
                "r",
            ],
        ),
        &["train-images-idx3-ubyte", "truncated"],
    );
    assert!(!tmp.path().join("r").exists());
}

#[test]
fn mnist_mlp_trains_on_real_mnist() {
    let Some(data) = real_data("mnist_mlp_trains_on_real_mnist") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(
        tmp.path(),
        &[
            "train",
            "--preset",
            "mnist-mlp",
            "--data-dir",
            data.to_str().unwrap(),
            "--epochs",
            "2",
            "--train-limit",
            "6000",
            "--test-limit",
            "2000",
            "--threads",
            "1",
            "--json",
            "--out",
            "m",
        ],
    ));
    let record: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(record["n_test"], 2000);
    let acc = record["test_accuracy"].as_f64().unwrap();
    assert!(
        acc > 0.85,
        "two epochs on 6,000 MNIST images reach > 85% (89.2% seen): {acc}"
    );
}

#[test]
fn presets_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(tmp.path(), &["presets"]));
    for p in [
        "digits-mlp",
        "digits-cnn",
        "mnist1d-mlp",
        "mnist-mlp",
        "mnist-cnn",
        "fashion-resnet14",
        "cifar10-resnet14",
        "shakespeare-char-lstm",
        "shakespeare-char-transformer",
        "ptb-word-lstm",
    ] {
        assert!(out.contains(p), "{p} missing: {out}");
    }
}

#[test]
fn snapshot_cycles_and_tta_are_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(
        tmp.path(),
        &[
            "train",
            "--preset",
            "digits-cnn",
            "--epochs",
            "4",
            "--cycles",
            "4",
            "--tta",
            "flip,grid4",
            "--threads",
            "1",
            "--out",
            "s",
        ],
    ));
    assert!(
        out.contains("with flip TTA") && out.contains("snapshot ensemble of 4"),
        "{out}"
    );
    let dir = tmp.path().join("s");
    let snaps = runvar_core::store::npy::read(&dir.join("snapshots.npy")).unwrap();
    assert_eq!(snaps.shape, vec![4, 449, 10]);
    let snaps = snaps.into_f32(&dir).unwrap();
    let last = runvar_core::store::npy::read(&dir.join("logits.npy"))
        .unwrap()
        .into_f32(&dir)
        .unwrap();
    assert_eq!(
        &snaps[3 * 4490..],
        &last[..],
        "the last snapshot is the final model"
    );
    assert_ne!(&snaps[..4490], &last[..], "earlier snapshots differ");
    for f in [
        "logits_tta_flip.npy",
        "logits_tta_grid4.npy",
        "snapshots_tta_flip.npy",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    // Mirrors of 1-D signals are refused before any training, and nothing is written.
    fails(
        runvar(
            tmp.path(),
            &[
                "train",
                "--preset",
                "mnist1d-mlp",
                "--tta",
                "flip",
                "--out",
                "f",
            ],
        ),
        &["1-D", "flip"],
    );
    fails(
        runvar(
            tmp.path(),
            &[
                "train",
                "--preset",
                "digits-mlp",
                "--tta",
                "crop49",
                "--out",
                "f",
            ],
        ),
        &["crop49"],
    );
    fails(
        runvar(
            tmp.path(),
            &[
                "train",
                "--preset",
                "digits-mlp",
                "--cycles",
                "50",
                "--out",
                "f",
            ],
        ),
        &["train.cycles"],
    );
    assert!(!tmp.path().join("f").exists());
}

/// A destination that cannot take the run is refused before training, not after it: a
/// dangling symbolic link, a name too long for the filesystem, a parent that is a file.
#[test]
fn unwritable_destinations_are_refused_before_training() {
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), tmp.path().join("link")).unwrap();
    fs::write(tmp.path().join("file"), "").unwrap();
    let long = "r".repeat(300);
    for (out, needle) in [
        ("link", "link: already exists"),
        (long.as_str(), "File name too long"),
        ("file/run", "file: "),
    ] {
        // 500 epochs: minutes of training if the destination were checked only at the end.
        let err = fails(
            runvar(
                tmp.path(),
                &[
                    "train",
                    "--preset",
                    "digits-mlp",
                    "--epochs",
                    "500",
                    "--quiet",
                    "--out",
                    out,
                ],
            ),
            &[needle],
        );
        assert!(!err.contains("writing the run directory"), "{err}");
    }
    let left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "only the link and the file: {left:?}");
}

/// A `runvar train` killed by Ctrl-C leaves its hidden temporary directory; the next
/// `runvar train` into the same folder removes it.
#[test]
fn an_interrupted_train_leaves_nothing_the_next_one_keeps() {
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_runvar"))
        .args([
            "train",
            "--preset",
            "digits-mlp",
            "--epochs",
            "500",
            "--quiet",
        ])
        .args(["--out", "runs/killed"])
        .current_dir(tmp.path())
        .spawn()
        .unwrap();
    let hidden = || -> Vec<String> {
        fs::read_dir(&runs)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(".killed.tmp-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let start = std::time::Instant::now();
    while hidden().is_empty() {
        assert!(start.elapsed().as_secs() < 60, "no temporary appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    assert_eq!(hidden().len(), 1, "the killed run's temporary is there");
    util::train_digits(tmp.path(), "runs/next", "1", &[]);
    assert!(hidden().is_empty(), "{:?}", hidden());
    assert!(runs.join("next/DONE").is_file() && !runs.join("killed").exists());
}
