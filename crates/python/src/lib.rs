//! `runvar._native`: the compiled half of the Python package `runvar` (python/runvar), over
//! runvar-core and without libtorch.
//!
//! The package converts what the user passes (numpy arrays, CPU torch tensors, JAX arrays,
//! lists) to `.npy` bytes with numpy and calls the functions here, which decode them with
//! runvar-core's `.npy` reader and compute with the very functions the CLI calls, so the
//! numbers are the CLI's on the same inputs. Every computation runs on a worker thread while
//! the caller waits without the GIL and answers Ctrl-C ([`worker`]); runvar-core's errors
//! become `ValueError` (bad input) or `MemoryError`, with the CLI's messages ([`errors`]).
//!
//! - [`analyze`]: a group of runs into a report row; rows into the CLI's table;
//! - [`pairs`]: the metrics of one pair of runs;
//! - [`compare`]: two groups of runs compared;
//! - [`study`]: a study directory's conditions and counted runs.

#![deny(missing_docs)]

mod analyze;
mod arrays;
mod compare;
mod errors;
mod pairs;
mod study;
mod worker;

use pyo3::prelude::*;

/// The module `runvar._native` (maturin builds it from this crate; see pyproject.toml).
#[pymodule]
#[pyo3(name = "_native")]
fn runvar_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(analyze::analyze, m)?)?;
    m.add_function(wrap_pyfunction!(analyze::table, m)?)?;
    m.add_function(wrap_pyfunction!(pairs::disagreement, m)?)?;
    m.add_function(wrap_pyfunction!(pairs::correlation, m)?)?;
    m.add_function(wrap_pyfunction!(pairs::spearman, m)?)?;
    m.add_function(wrap_pyfunction!(pairs::ensemble_gain, m)?)?;
    m.add_function(wrap_pyfunction!(pairs::cka, m)?)?;
    m.add_function(wrap_pyfunction!(compare::compare, m)?)?;
    m.add_function(wrap_pyfunction!(study::load_study, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
