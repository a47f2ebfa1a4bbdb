//! Helpers for the CLI tests: a temp directory and a command wrapper.

#![allow(dead_code)]

pub mod http;
pub mod pins;

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a finished command gave.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run the `runvar` binary with `args` in `dir`.
pub fn runvar(dir: &Path, args: &[&str]) -> Output {
    runvar_env(dir, args, &[])
}

/// Run the `runvar` binary with `args` in `dir`, with these environment variables set and no
/// HTTP proxy (the download tests talk to a server on 127.0.0.1).
pub fn runvar_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_runvar"));
    for proxy in ["http_proxy", "https_proxy", "all_proxy"] {
        cmd.env_remove(proxy).env_remove(proxy.to_uppercase());
    }
    let out = cmd
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .expect("runvar starts");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Assert success and return stdout.
pub fn ok(out: Output) -> String {
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    out.stdout
}

/// Assert exit code 2 and that stderr mentions every needle; return stderr.
pub fn fails(out: Output, needles: &[&str]) -> String {
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    for n in needles {
        assert!(out.stderr.contains(n), "stderr lacks {n:?}: {}", out.stderr);
    }
    out.stderr
}

/// The real datasets for the test `test` (`RUNVAR_TEST_DATA`, then `../shared/data`), or
/// `None` after printing why it is skipped (see `runvar_core::testing`).
pub fn real_data(test: &str) -> Option<PathBuf> {
    runvar_core::testing::real_data(test)
}

/// `runvar train --preset digits-mlp --epochs EPOCHS --threads 1 --quiet --out OUT EXTRA...` in
/// `dir`, asserting success: the small real run many tests start from.
pub fn train_digits(dir: &Path, out: &str, epochs: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "train",
        "--preset",
        "digits-mlp",
        "--epochs",
        epochs,
        "--threads",
        "1",
        "--quiet",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    ok(runvar(dir, &args))
}

/// The arguments of `runvar study --preset digits-mlp --conditions control,init --replicas 4
/// --epochs EPOCHS --out OUT EXTRA...`: 8 units of one run each (packs of 1 on the CPU), unit
/// `4 * condition + replica`.
pub fn digits_2x4<'a>(out: &'a str, epochs: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "study",
        "--preset",
        "digits-mlp",
        "--conditions",
        "control,init",
        "--replicas",
        "4",
        "--epochs",
        epochs,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

/// A small study: digits-mlp for 2 epochs, 3 replicas of control, init, dropout, bit_flip and
/// all (add `--out DIR`).
pub const SMALL_STUDY: &[&str] = &[
    "study",
    "--preset",
    "digits-mlp",
    "--epochs",
    "2",
    "--replicas",
    "3",
    "--conditions",
    "control,init,dropout,bit_flip,all",
    "--quiet",
];

/// The row of condition `name` in a parsed `report.json`.
pub fn row<'a>(r: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    r["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}
