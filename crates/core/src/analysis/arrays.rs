//! Array files to runs: a 2-D array is one run, a 3-D array a stack of runs, and an `.npz`
//! archive's members are runs, stacks, labels or features by the rules of [`super::inputs`].

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::load::{check_finite, labels_of};
use super::{invalid, AnalysisError};
use crate::store::npy::{self, NpyArray};
use crate::store::npz;

/// Whether `p` ends in `.ext`, in any case (`.NPY` too).
pub(super) fn is_ext(p: &Path, ext: &str) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// One run's matrix (logits or features) and its name.
#[derive(Debug)]
pub(super) struct Matrix {
    /// The run's name.
    pub source: PathBuf,
    /// Row-major values.
    pub values: Vec<f32>,
    /// Rows (examples).
    pub n: usize,
    /// Columns (classes or feature dimensions).
    pub cols: usize,
}

/// A 2-D array as one run, a 3-D array as a stack of runs (`np.stack(runs)`).
pub(super) fn split(
    arr: NpyArray,
    source: &Path,
    what: &str,
) -> Result<Vec<Matrix>, AnalysisError> {
    let c = if what == "logits" { "C" } else { "d" };
    let shape = arr.shape.clone();
    let (count, n, cols, stacked) = match shape[..] {
        [n, cols] => (1, n, cols, false),
        [0, _, _] => {
            return Err(invalid(
                source,
                format!(
                "an empty stack of {what} (shape {shape:?}); expected (N, n, {c}) with N >= 2 runs"
            ),
            ))
        }
        [1, _, _] => {
            return Err(invalid(
                source,
                format!(
                "a stack of one run (shape {shape:?}); expected (N, n, {c}) with N >= 2 stacked \
                     runs, or one run as (n, {c}): drop the first axis (arr[0]) or stack more runs"
            ),
            ))
        }
        [count, n, cols] => (count, n, cols, true),
        _ => {
            let labels = if shape.len() == 1 && what == "logits" {
                "; a 1-D array is labels: give it with --labels"
            } else {
                ""
            };
            return Err(invalid(
                source,
                format!(
                    "{what} must be (n, {c}) for one run or (N, n, {c}) for N stacked runs \
                     (np.stack(runs)), found shape {shape:?}{labels}"
                ),
            ));
        }
    };
    // An empty run is no run; and a shape like (2^40, 0, 10) is 128 bytes on disk that would
    // otherwise become a trillion runs.
    if n == 0 || cols == 0 {
        return Err(invalid(
            source,
            format!(
                "{what} of shape {shape:?} hold no values: each run needs n >= 1 examples and \
                 {c} >= 1 columns"
            ),
        ));
    }
    let values = arr.into_f32(source)?;
    if !stacked {
        check_finite(&values, cols, source, what)?;
        return Ok(vec![Matrix {
            source: source.to_path_buf(),
            values,
            n,
            cols,
        }]);
    }
    // count * n * cols == values.len(), checked by the reader: no overflow.
    let len = n * cols;
    (0..count)
        .map(|i| {
            let name = PathBuf::from(format!("{}[{i}]", source.display()));
            let values = values[i * len..(i + 1) * len].to_vec();
            check_finite(&values, cols, &name, what)?;
            Ok(Matrix {
                source: name,
                values,
                n,
                cols,
            })
        })
        .collect()
}

/// Labels found inside archives or run directories, and where.
pub(super) type Found = Option<(Vec<i64>, PathBuf)>;

/// Where two label vectors first differ, in words: `"4 labels against 5"`, `"label 2 at
/// index 7 against 1"`.
pub(super) fn label_difference(ours: &[i64], theirs: &[i64]) -> String {
    if ours.len() != theirs.len() {
        return format!("{} labels against {}", ours.len(), theirs.len());
    }
    match ours.iter().zip(theirs).position(|(a, b)| a != b) {
        Some(i) => format!("label {} at index {i} against {}", ours[i], theirs[i]),
        None => "the same labels".into(),
    }
}

/// Keep the first labels found; refuse later ones that differ, naming both sources.
pub(super) fn same_labels(
    found: &mut Found,
    labels: Vec<i64>,
    source: &Path,
) -> Result<(), AnalysisError> {
    if let Some((prev, prev_source)) = found {
        if *prev != labels {
            return Err(invalid(
                source,
                format!(
                    "labels differ from {} ({}); runs must score the same test set",
                    prev_source.display(),
                    label_difference(&labels, prev)
                ),
            ));
        }
    } else {
        *found = Some((labels, source.to_path_buf()));
    }
    Ok(())
}

/// The members of an archive, refusing two of one name (a zip appended to; numpy would read
/// only the last of them).
fn members_of(path: &Path) -> Result<Vec<npz::NpzMember>, AnalysisError> {
    let members = npz::read(path)?;
    let mut seen = HashSet::new();
    if let Some(m) = members.iter().find(|m| !seen.insert(m.name.as_str())) {
        return Err(invalid(
            &m.source,
            "the archive holds a second member of this name (numpy would read only the last); \
             write it again with np.savez",
        ));
    }
    Ok(members)
}

/// One archive: its logits runs appended to `logits`, their features (by the `features` /
/// `features_NAME` members) to `paired`, its labels into `found`.
pub(super) fn read_archive(
    path: &Path,
    logits: &mut Vec<Matrix>,
    paired: &mut Vec<Option<Matrix>>,
    found: &mut Found,
) -> Result<(), AnalysisError> {
    let mut features = Vec::new();
    let mut members: Vec<(String, Range<usize>)> = Vec::new();
    for m in members_of(path)? {
        if m.name == "labels" {
            let labels = labels_of(m.array, &m.source)?;
            same_labels(found, labels, &m.source)?;
        } else if m.name == "features" || m.name.starts_with("features_") {
            features.push(m);
        } else {
            let runs = split(m.array, &m.source, "logits")?;
            members.push((m.name, logits.len()..logits.len() + runs.len()));
            paired.extend(runs.iter().map(|_| None));
            logits.extend(runs);
        }
    }
    for f in features {
        let range = match f.name.strip_prefix("features_") {
            Some(target) => members.iter().find(|(name, _)| name == target),
            None if members.len() == 1 => members.first(),
            None => {
                return Err(invalid(
                    &f.source,
                    format!(
                        "`features` belongs to the archive's only logits member, but it has {}; \
                         name them features_<member>",
                        members.len()
                    ),
                ))
            }
        };
        let Some((target, range)) = range else {
            return Err(invalid(
                &f.source,
                "no logits member of that name in the archive (features_NAME goes with member NAME)",
            ));
        };
        let runs = split(f.array, &f.source, "features")?;
        if runs.len() != range.len() {
            return Err(invalid(
                &f.source,
                format!(
                    "{} feature matrices for the {} runs of member `{target}`",
                    runs.len(),
                    range.len()
                ),
            ));
        }
        for (slot, run) in paired[range.clone()].iter_mut().zip(runs) {
            if slot.replace(run).is_some() {
                return Err(invalid(
                    &f.source,
                    format!("member `{target}` has two feature arrays"),
                ));
            }
        }
    }
    Ok(())
}

/// The matrices of array files (`.npy`, or every member of an `.npz`), in order.
pub(super) fn read_all(paths: &[PathBuf], what: &str) -> Result<Vec<Matrix>, AnalysisError> {
    let mut out = Vec::new();
    for p in paths {
        if is_ext(p, "npz") {
            for m in members_of(p)? {
                out.extend(split(m.array, &m.source, what)?);
            }
        } else {
            out.extend(split(npy::read(p)?, p, what)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::npy::encode_f32;

    fn arr(shape: &[usize], data: &[f32]) -> NpyArray {
        npy::decode(&encode_f32(shape, data), Path::new("mem.npy")).unwrap()
    }

    fn err(r: Result<impl std::fmt::Debug, AnalysisError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn stacks_split_into_named_runs() {
        let data: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let runs = split(arr(&[3, 2, 2], &data), Path::new("s.npy"), "logits").unwrap();
        let names: Vec<String> = runs
            .iter()
            .map(|m| m.source.display().to_string())
            .collect();
        assert_eq!(names, ["s.npy[0]", "s.npy[1]", "s.npy[2]"]);
        assert_eq!(runs[2].values, [8.0, 9.0, 10.0, 11.0]);
        assert_eq!((runs[2].n, runs[2].cols), (2, 2));
        let one = split(arr(&[2, 2], &data[..4]), Path::new("m.npy"), "logits").unwrap();
        assert_eq!(one[0].source, Path::new("m.npy"));
        let mut bad = data.clone();
        bad[9] = f32::INFINITY;
        let msg = err(split(arr(&[3, 2, 2], &bad), Path::new("s.npy"), "logits"));
        assert_eq!(
            msg,
            "s.npy[2]: logits value at example 0, column 1 is inf; the run diverged or the file is corrupt"
        );
    }

    #[test]
    fn stacks_of_one_or_none_and_other_ranks_are_refused() {
        let msg = err(split(
            arr(&[1, 2, 2], &[0.0; 4]),
            Path::new("one.npy"),
            "logits",
        ));
        assert!(
            msg.starts_with(
                "one.npy: a stack of one run (shape [1, 2, 2]); expected (N, n, C) with N >= 2"
            ) && msg.contains("drop the first axis"),
            "{msg}"
        );
        let msg = err(split(
            arr(&[1, 2, 2], &[0.0; 4]),
            Path::new("f.npy"),
            "features",
        ));
        assert!(msg.contains("(N, n, d)"), "{msg}");
        let msg = err(split(arr(&[0, 2, 2], &[]), Path::new("e.npy"), "logits"));
        assert!(msg.contains("an empty stack"), "{msg}");
        for shape in [&[4][..], &[2, 1, 1, 2]] {
            let msg = err(split(arr(shape, &[0.0; 4]), Path::new("r.npy"), "logits"));
            assert!(
                msg.contains("must be (n, C) for one run or (N, n, C)"),
                "{msg}"
            );
        }
    }
}
