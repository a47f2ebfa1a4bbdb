//! `runvar.compare`: two groups of runs compared, as `runvar compare --a FILES --b FILES
//! --labels FILE --json` compares array files ([`runvar_core::compare::compare`]).

use pyo3::prelude::*;
use pythonize::pythonize;
use runvar_core::compare::{Arm, Settings};

use crate::arrays::{Arg, Encoded};
use crate::errors::{check_bootstrap, Error};
use crate::worker;

/// The comparison of the runs `a` and `b` (each a list of runs or stacks), scored against
/// `labels`, named `names`: the dict `runvar compare --json` prints.
#[pyfunction]
#[pyo3(signature = (a, b, labels, names, permutations, bootstrap, seed, alpha))]
#[allow(clippy::too_many_arguments)] // the CLI's flags, one argument each
pub fn compare<'py>(
    py: Python<'py>,
    a: Vec<Arg<'py>>,
    b: Vec<Arg<'py>>,
    labels: Arg<'py>,
    names: (String, String),
    permutations: usize,
    bootstrap: usize,
    seed: u64,
    alpha: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let settings = Settings {
        permutations,
        bootstrap,
        seed,
        alpha,
        ..Settings::default()
    };
    check_bootstrap(bootstrap)?;
    let (a, b, labels) = (Encoded::all(&a), Encoded::all(&b), Encoded::of(&labels));
    let c = worker::run(py, move || -> Result<_, Error> {
        settings.validate()?;
        let arm_a = Arm::from_arrays(&names.0, Encoded::decode_all(a)?, labels.clone().decode()?)?;
        let arm_b = Arm::from_arrays(&names.1, Encoded::decode_all(b)?, labels.decode()?)?;
        Ok(runvar_core::compare::compare(&arm_a, &arm_b, &settings)?)
    })??;
    Ok(pythonize(py, &runvar_core::store::versioned(&c))?)
}
