//! Helpers for the CLI tests: a temp directory and a command wrapper.

#![allow(dead_code)]

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
    let out = Command::new(env!("CARGO_BIN_EXE_runvar"))
        .args(args)
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
