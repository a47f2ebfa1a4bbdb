//! Where tests find the real datasets (MNIST, Fashion-MNIST, ...), and how they skip without
//! them.
//!
//! Most tests write their own fixture files. A few check loaders and training on the real
//! datasets; those look for a folder holding `mnist/`, `fashion-mnist/`, ...: first the one
//! named by [`TEST_DATA_ENV`], then `../shared/data` beside the repository (where CI keeps
//! it). Without either, the test prints why it skipped, straight to the terminal (libtest
//! captures only `print!` and `eprint!`), and passes. With [`REQUIRE_ENV`] set to `1`, as
//! `.ci/run` sets it, a missing folder fails the test instead: CI must never skip them.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Environment variable naming the folder of real datasets.
pub const TEST_DATA_ENV: &str = "RUNVAR_TEST_DATA";

/// Environment variable that, set to `1`, turns a skip for missing real data into a failure.
pub const REQUIRE_ENV: &str = "RUNVAR_REQUIRE_TEST_DATA";

/// The folder of real datasets for the test named `test`, or `None` after printing that the
/// test is skipped and why.
///
/// # Panics
/// When the folder is missing and [`REQUIRE_ENV`] is `1`, or when [`TEST_DATA_ENV`] names
/// something that is not a folder (a typo should not pass as a skip).
pub fn real_data(test: &str) -> Option<PathBuf> {
    // crates/<crate> -> the repository -> the folder beside it.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let beside = manifest
        .ancestors()
        .nth(3)
        .unwrap_or(manifest)
        .join("shared/data");
    let named = std::env::var_os(TEST_DATA_ENV).map(PathBuf::from);
    if let Some(dir) = &named {
        assert!(
            dir.is_dir(),
            "{TEST_DATA_ENV}={}: not a folder; point it at the folder holding mnist/ and fashion-mnist/",
            dir.display()
        );
    }
    let found = named.or_else(|| beside.is_dir().then_some(beside.clone()));
    if let Some(dir) = found {
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    let why = format!(
        "{TEST_DATA_ENV} is not set and {} does not exist",
        beside.display()
    );
    assert!(
        std::env::var(REQUIRE_ENV).as_deref() != Ok("1"),
        "{test}: needs the real datasets, but {why} ({REQUIRE_ENV}=1 forbids skipping)"
    );
    // Straight to the process's stderr: libtest would swallow `eprintln!` of a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "skipped {test}: needs the real datasets; {why} (set {TEST_DATA_ENV}=DIR to run it)"
    );
    None
}
