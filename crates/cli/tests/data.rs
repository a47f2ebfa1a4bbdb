//! `runvar data` as a user runs it, against a loopback mirror (RUNVAR_DATA_MIRROR).

mod util;

use std::fs;
use std::path::Path;

use util::http::Server;
use util::{fails, ok, real_data, runvar_env};

const MNIST_FILES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// A mirror serving the real MNIST files at `/mnist/<file>`.
fn mnist_mirror(data: &Path) -> Server {
    let server = Server::start();
    for f in MNIST_FILES {
        server.file(
            &format!("/mnist/{f}"),
            fs::read(data.join("mnist").join(f)).unwrap(),
        );
    }
    server
}

fn train_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "train",
        "--preset",
        "mnist-mlp",
        "--epochs",
        "1",
        "--train-limit",
        "600",
        "--test-limit",
        "200",
        "--threads",
        "1",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn fetch_mnist_then_train_on_it() {
    let Some(data) = real_data("fetch_mnist_then_train_on_it") else {
        return;
    };
    let server = mnist_mirror(&data);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let env = [
        ("RUNVAR_DATA_MIRROR", server.url()),
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
    ];
    let out = runvar_env(
        tmp.path(),
        &["data", "fetch", "mnist", "--data-dir", "d"],
        &env,
    );
    let stderr = out.stderr.clone();
    assert_eq!(ok(out).trim(), "mnist: d/mnist");
    for f in MNIST_FILES {
        assert!(
            stderr.contains(&format!("runvar: mnist: downloading {f}")),
            "{stderr}"
        );
        // The copies here are recompressed: they pass by their decompressed SHA-256.
        assert!(
            stderr.contains(&format!(
                "runvar: mnist: {f} verified (SHA-256 of the decompressed"
            )),
            "{stderr}"
        );
        assert!(tmp.path().join("d/mnist").join(f).is_file());
    }
    assert_eq!(server.log().len(), 4);

    // Again: nothing is downloaded.
    let out = runvar_env(
        tmp.path(),
        &["data", "fetch", "mnist", "--data-dir", "d"],
        &env,
    );
    assert!(
        out.stderr
            .contains("train-images-idx3-ubyte.gz already present"),
        "{}",
        out.stderr
    );
    ok(out);
    assert_eq!(server.log().len(), 4);

    let out = ok(runvar_env(
        tmp.path(),
        &train_args(&["--data-dir", "d", "--out", "r1"]),
        &env,
    ));
    assert!(out.contains("test accuracy"), "{out}");

    // Into the default folder, and trained from it without --data-dir; spec.json does not
    // record the machine's cache folder.
    let out = ok(runvar_env(
        tmp.path(),
        &["data", "fetch", "mnist", "-q"],
        &env,
    ));
    let default = cache.join("runvar/data/mnist");
    assert_eq!(out.trim(), format!("mnist: {}", default.display()));
    let list = ok(runvar_env(tmp.path(), &["data", "list"], &env));
    assert!(list.contains(&format!(
        "data folder: {}",
        cache.join("runvar/data").display()
    )));
    let mnist_line = list.lines().find(|l| l.starts_with("mnist ")).unwrap();
    assert!(mnist_line.contains("ready") && mnist_line.contains(default.to_str().unwrap()));
    ok(runvar_env(tmp.path(), &train_args(&["--out", "r2"]), &env));
    let spec = fs::read_to_string(tmp.path().join("r2/spec.json")).unwrap();
    assert!(!spec.contains("\"dir\""), "{spec}");
}

#[test]
fn torchvision_layout_is_found() {
    let Some(data) = real_data("torchvision_layout_is_found") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let raw = tmp.path().join("root/MNIST/raw");
    fs::create_dir_all(&raw).unwrap();
    for f in MNIST_FILES {
        fs::copy(data.join("mnist").join(f), raw.join(f)).unwrap();
    }
    let env = [("XDG_CACHE_HOME", "/nonexistent-cache")];
    let list = ok(runvar_env(
        tmp.path(),
        &["data", "list", "--data-dir", "root"],
        &env,
    ));
    let line = list.lines().find(|l| l.starts_with("mnist ")).unwrap();
    assert!(
        line.contains("ready") && line.contains("root/MNIST/raw"),
        "{list}"
    );
    let fashion = list
        .lines()
        .find(|l| l.starts_with("fashion-mnist "))
        .unwrap();
    assert!(
        fashion.contains("missing")
            && fashion.contains("runvar data fetch fashion-mnist --data-dir root"),
        "{list}"
    );
    let out = ok(runvar_env(
        tmp.path(),
        &train_args(&["--data-dir", "root", "--out", "r"]),
        &env,
    ));
    assert!(out.contains("test accuracy"), "{out}");
}

#[test]
fn unknown_datasets_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    fails(
        runvar_env(tmp.path(), &["data", "fetch", "imagenet"], &[]),
        &[
            "unknown dataset `imagenet`",
            "mnist, fashion-mnist, cifar10",
        ],
    );
    fails(
        runvar_env(tmp.path(), &["data", "fetch", "digits"], &[]),
        &["`digits` needs no download"],
    );
    fails(
        runvar_env(tmp.path(), &["data", "fetch", "shakespeare"], &[]),
        &["`shakespeare` needs no download"],
    );
    fails(
        runvar_env(tmp.path(), &["data", "fetch", "ptb"], &[]),
        &["`ptb` is read from your own text files (--data-dir)"],
    );
}

#[test]
fn an_unwritable_cache_folder_is_refused_before_any_download() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start();
    // A regular file where the cache folder should be: refused even for root.
    let file = tmp.path().join("not-a-folder");
    fs::write(&file, b"x").unwrap();
    let stderr = fails(
        runvar_env(
            tmp.path(),
            &["data", "fetch", "fashion-mnist"],
            &[
                ("XDG_CACHE_HOME", file.to_str().unwrap()),
                ("RUNVAR_DATA_MIRROR", server.url()),
            ],
        ),
        &[
            "not-a-folder/runvar/data/fashion-mnist: cannot create the data folder",
            "--data-dir",
        ],
    );
    assert_eq!(stderr.lines().count(), 1, "one error line: {stderr}");
    assert!(server.log().is_empty());
}

#[test]
fn a_checksum_mismatch_exits_2_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start();
    let wrong = b"<html>moved</html>".to_vec();
    let (found, _) = runvar_core::data::catalog::sha256_of(&mut &wrong[..]).unwrap();
    for f in MNIST_FILES {
        server.file(&format!("/mnist/{f}"), wrong.clone());
    }
    let url = format!("{}/mnist/train-images-idx3-ubyte.gz", server.url());
    fails(
        runvar_env(
            tmp.path(),
            &["data", "fetch", "mnist", "--data-dir", "d"],
            &[("RUNVAR_DATA_MIRROR", server.url())],
        ),
        &[
            "fetching mnist",
            &url,
            "SHA-256 mismatch: expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            &format!("found {found}"),
            "the download was deleted",
        ],
    );
    let left: Vec<_> = fs::read_dir(tmp.path().join("d/mnist")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}
