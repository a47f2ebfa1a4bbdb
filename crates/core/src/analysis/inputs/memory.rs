//! Runs handed over in memory rather than in files (the Python package's arrays), checked by
//! the rules of `runvar analyze` for `.npy` files, with the same messages.
//!
//! Each array arrives as an [`NpyArray`] (the Python package writes it with
//! `numpy.lib.format.write_array` and decodes it with [`crate::store::npy::decode`], so float16,
//! float64, byte order and Fortran order are converted exactly as a file's would be) under a
//! name that stands where a file name stands in the messages: `logits[3]`, `labels`.

use std::path::Path;

use super::{too_few, LoadedRuns};
use crate::analysis::arrays::split;
use crate::analysis::load::{check_labels, labels_of, matrix_of};
use crate::analysis::{invalid, AnalysisError, RunOutputs};
use crate::store::npy::NpyArray;

/// One array and the name messages call it by (`logits[3]`, `labels`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedArray {
    /// The name, in place of a file name.
    pub name: String,
    /// The values, as a `.npy` file's.
    pub array: NpyArray,
}

/// Runs from arrays, as [`super::load_inputs`] loads them from `.npy` files: each `logits`
/// array is one run `(n, C)` or a stack `(N, n, C)` (named `name[i]`), `features` (empty for
/// none) expand the same way to one `(n, d)` matrix per run in the same order, and `labels`
/// is a 1-D integer array with values in `0..C`. At least two runs of one shape.
///
/// # Errors
/// [`AnalysisError`] naming the array (and stack index) at fault: a wrong rank or dtype, NaN
/// or infinite values, labels out of range or of another length, runs of different shapes,
/// fewer than two runs, or a features count that differs from the runs'.
pub fn load_arrays(
    logits: Vec<NamedArray>,
    labels: NamedArray,
    features: Vec<NamedArray>,
) -> Result<LoadedRuns, AnalysisError> {
    let mut runs = Vec::new();
    for a in logits {
        for m in split(a.array, Path::new(&a.name), "logits")? {
            runs.push(RunOutputs {
                source: m.source,
                logits: m.values,
                n: m.n,
                classes: m.cols,
                features: None,
            });
        }
    }
    too_few(&runs, false)?;
    if !features.is_empty() {
        let mut matrices = Vec::new();
        for a in features {
            matrices.extend(split(a.array, Path::new(&a.name), "features")?);
        }
        if matrices.len() != runs.len() {
            return Err(AnalysisError::Inputs(format!(
                "{} feature matrices for {} runs; give one (n, d) per run, or stacks of them, in \
                 the same order as the logits",
                matrices.len(),
                runs.len()
            )));
        }
        for (run, f) in runs.iter_mut().zip(matrices) {
            if f.n != run.n {
                return Err(invalid(
                    &f.source,
                    format!("{} rows but {} has {}", f.n, run.source.display(), run.n),
                ));
            }
            run.features = Some((f.values, f.cols));
        }
    }
    let labels_source = Path::new(&labels.name).to_path_buf();
    let labels = labels_of(labels.array, &labels_source)?;
    LoadedRuns::checked(runs, labels, labels_source)
}

/// One run's matrix from an array, as [`crate::analysis::read_matrix`] reads it from a file:
/// 2-D `(n, k)`, floating point (converted to f32), every value finite. `what` names the
/// values in messages (`logits`, `features`).
///
/// # Errors
/// [`AnalysisError`] naming the array: another rank or dtype, or a NaN or infinite value.
pub fn matrix_array(a: NamedArray, what: &str) -> Result<(Vec<f32>, usize, usize), AnalysisError> {
    matrix_of(a.array, Path::new(&a.name), what)
}

/// Labels from an array, as [`crate::analysis::read_labels`] reads them from a file: 1-D
/// integers in `0..classes`.
///
/// # Errors
/// [`AnalysisError`] naming the array: another rank or dtype, or a label out of range.
pub fn labels_array(a: NamedArray, classes: usize) -> Result<Vec<i64>, AnalysisError> {
    let source = Path::new(&a.name);
    let labels = labels_of(a.array, source)?;
    check_labels(&labels, classes, source)?;
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::npy::NpyData;

    fn named(name: &str, shape: &[usize], data: NpyData) -> NamedArray {
        NamedArray {
            name: name.into(),
            array: NpyArray {
                shape: shape.to_vec(),
                data,
            },
        }
    }

    fn f32s(name: &str, shape: &[usize], v: &[f32]) -> NamedArray {
        named(name, shape, NpyData::F32(v.to_vec()))
    }

    fn labels(v: &[i64]) -> NamedArray {
        named("labels", &[v.len()], NpyData::I64(v.to_vec()))
    }

    fn err(r: Result<impl std::fmt::Debug, AnalysisError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn a_list_and_a_stack_give_the_same_runs_named_by_index() {
        let v: Vec<f32> = (0..12).map(|i| (i * 7 % 5) as f32).collect();
        let stack = load_arrays(
            vec![f32s("logits", &[3, 2, 2], &v)],
            labels(&[0, 1]),
            vec![],
        )
        .unwrap();
        let list = load_arrays(
            (0..3)
                .map(|i| f32s(&format!("logits[{i}]"), &[2, 2], &v[4 * i..4 * i + 4]))
                .collect(),
            labels(&[0, 1]),
            vec![],
        )
        .unwrap();
        assert_eq!(stack, list);
        assert_eq!(list.runs[2].source, Path::new("logits[2]"));
        assert_eq!(list.runs[2].logits, [1.0, 3.0, 0.0, 2.0]);
        assert_eq!(list.labels_source, Path::new("labels"));
        // float64 rounds to f32 exactly as a file's does.
        let f64s = named("logits", &[2, 1, 1], NpyData::F64(vec![0.1, 1.0 / 3.0]));
        let r = load_arrays(vec![f64s], labels(&[0]), vec![]).unwrap();
        assert_eq!(r.runs[1].logits, [(1.0f64 / 3.0) as f32]);
    }

    #[test]
    fn bad_arrays_are_named_with_the_messages_of_files() {
        let v = [0.0f32; 8];
        let one = err(load_arrays(
            vec![f32s("logits", &[2, 4], &v)],
            labels(&[0, 1]),
            vec![],
        ));
        assert!(one.starts_with("only one run (logits); pairwise metrics need at least two"));
        let mut nan = v;
        nan[5] = f32::NAN;
        let msg = err(load_arrays(
            vec![f32s("logits", &[2, 2, 2], &nan)],
            labels(&[0, 1]),
            vec![],
        ));
        assert_eq!(
            msg,
            "logits[1]: logits value at example 0, column 1 is NaN; the run diverged or the file \
             is corrupt"
        );
        let msg = err(load_arrays(
            vec![f32s("logits", &[2, 2, 2], &v)],
            labels(&[0, 2]),
            vec![],
        ));
        assert_eq!(
            msg,
            "labels: label 2 at index 1 is out of range 0..2 (the logits have 2 columns)"
        );
        let msg = err(load_arrays(
            vec![f32s("logits", &[2, 2, 2], &v)],
            labels(&[0, 1, 1]),
            vec![],
        ));
        assert_eq!(msg, "labels: 3 labels but logits[0] has 2 examples");
        let msg = err(load_arrays(
            vec![f32s("a", &[2, 2], &v[..4]), f32s("b", &[1, 2], &v[..2])],
            labels(&[0, 1]),
            vec![],
        ));
        assert!(
            msg.starts_with("b: logits are 1 x 2 but a has 2 x 2"),
            "{msg}"
        );
        let msg = err(load_arrays(
            vec![f32s("logits", &[2, 2, 2], &v)],
            named("labels", &[2], NpyData::F32(vec![0.0, 1.0])),
            vec![],
        ));
        assert_eq!(msg, "labels: labels must be integers, found floating point");
        let msg = err(load_arrays(
            vec![f32s("logits", &[2, 2, 2], &v)],
            labels(&[0, 1]),
            vec![f32s("features", &[3, 2, 1], &[0.0; 6])],
        ));
        assert!(msg.starts_with("3 feature matrices for 2 runs"), "{msg}");
        let msg = err(load_arrays(
            vec![f32s("logits", &[2, 2, 2], &v)],
            labels(&[0, 1]),
            vec![f32s("features", &[2, 3, 1], &[0.0; 6])],
        ));
        assert_eq!(msg, "features[0]: 3 rows but logits[0] has 2");
    }

    #[test]
    fn one_matrix_and_labels() {
        let (v, n, k) = matrix_array(f32s("a", &[1, 3], &[1.0, 2.0, 3.0]), "logits").unwrap();
        assert_eq!((v, n, k), (vec![1.0, 2.0, 3.0], 1, 3));
        let msg = err(matrix_array(f32s("a", &[3], &[1.0, 2.0, 3.0]), "logits"));
        assert_eq!(
            msg,
            "a: logits must be a 2-D array (examples x logits), found shape [3]"
        );
        assert_eq!(labels_array(labels(&[2, 0]), 3).unwrap(), [2, 0]);
        let msg = err(labels_array(labels(&[-1]), 3));
        assert!(msg.starts_with("labels: label -1 at index 0 is out of range 0..3"));
    }
}
