//! What `runvar analyze` reads: runvar run directories, or `.npy` and `.npz` arrays saved by
//! any framework.
//!
//! The rules (`runvar analyze --help` and the README say the same):
//! - the inputs are all run directories, or all array files (`.npy`, `.npz`), not both; a
//!   path that does not exist, a directory that is not a finished run directory (a study
//!   directory, a folder of runs, a run that did not finish) and a file of another kind are
//!   refused, each message saying which of these the path is;
//! - every file or directory is given once: the same one twice under any spelling (`a.npy`
//!   and `./a.npy`, a symbolic or hard link to it), as inputs or as `--features`, or one file
//!   in two roles (input, `--labels`, `--features`), is refused, naming both spellings. A run
//!   compared with itself would agree perfectly. Two different files that hold the same
//!   numbers are accepted: that is what a deterministic control gives;
//! - a run directory carries its own `labels.npy` and `features.npy`: with run directories,
//!   `--labels` is a check (it must agree with every run's labels) and `--features` is
//!   refused; features are used when every run has them, and a run without them beside runs
//!   with them is refused;
//! - a 2-D `(n, C)` array is one run; a 3-D `(N, n, C)` array, as `np.save(path,
//!   np.stack(runs))` writes it, is N runs, N >= 2: a stack of one is refused (drop the axis or
//!   stack more runs), and so is an empty one;
//! - each member of an `.npz` is one run or a stack of runs, in archive order, except `labels`
//!   (the labels when `--labels` is not given; they must agree when it is, and across
//!   archives), `features` (the features of the archive's only logits member) and
//!   `features_NAME` (the features of member `NAME`); two members of one name are refused;
//! - `--features` files (`.npy` or `.npz`) expand the same way, in order, to one `(n, d)`
//!   matrix per run; features come from the archives or from `--features`, for every run or
//!   for none;
//! - runs are named by file and stack index in messages: `logits.npy[3]`,
//!   `runs.npz:logits.npy[3]`.

use std::collections::hash_map::{Entry, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use super::arrays::{is_ext, label_difference, read_all, read_archive, same_labels, split, Found};
use super::load::{check_labels, check_runs, labels_of, load_run_dir};
use super::{invalid, AnalysisError, RunOutputs};
use crate::store::{is_complete, npy};

/// What `runvar analyze` was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalyzeInputs {
    /// Run directories, or `.npy`/`.npz` files of logits.
    pub inputs: Vec<PathBuf>,
    /// A 1-D integer `.npy` of labels (`--labels`).
    pub labels: Option<PathBuf>,
    /// Feature files (`--features`), expanding to one matrix per run, in order.
    pub features: Vec<PathBuf>,
}

/// Runs checked against each other and against their labels, ready for
/// [`super::analyze_condition`].
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedRuns {
    /// At least two runs of one shape.
    pub runs: Vec<RunOutputs>,
    /// One label per example, in `0..classes`.
    pub labels: Vec<i64>,
    /// Where the labels came from (for messages).
    pub labels_source: PathBuf,
}

/// Load the runs `runvar analyze` was given, by the rules of this module.
///
/// # Errors
/// [`AnalysisError`] naming the file, member or stack index at fault, or saying which input is
/// missing (labels, a second run), given twice, or of the wrong kind.
pub fn load_inputs(a: &AnalyzeInputs) -> Result<LoadedRuns, AnalysisError> {
    check_paths(a)?;
    let first_dir = a.inputs.iter().find(|p| p.is_dir());
    let first_file = a.inputs.iter().find(|p| !p.is_dir());
    match (first_dir, first_file) {
        (Some(dir), Some(file)) => Err(invalid(
            dir,
            format!(
                "{}, given with a file ({}); give run directories or .npy/.npz files, not both",
                describe_dir(dir),
                file.display()
            ),
        )),
        (Some(_), None) => from_dirs(a),
        _ => {
            if let Some(p) = a
                .inputs
                .iter()
                .find(|p| !is_ext(p, "npy") && !is_ext(p, "npz"))
            {
                return Err(invalid(p, describe_file(p)));
            }
            from_files(a)
        }
    }
}

/// Where a path was given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Input,
    Labels,
    Features,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Input => "an input",
            Role::Labels => "--labels",
            Role::Features => "--features",
        }
    }
}

/// What makes two paths the same file or directory: device and inode where there are such
/// (a hard link is the same file too), the canonical path elsewhere.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(unix)]
fn file_id(_p: &Path, meta: &fs::Metadata) -> Result<FileId, AnalysisError> {
    use std::os::unix::fs::MetadataExt;
    Ok((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(p: &Path, _meta: &fs::Metadata) -> Result<FileId, AnalysisError> {
    fs::canonicalize(p).map_err(|e| invalid(p, format!("cannot be resolved: {e}")))
}

/// Every path exists, is of a kind its role takes, and is given once.
fn check_paths(a: &AnalyzeInputs) -> Result<(), AnalysisError> {
    let all = a
        .inputs
        .iter()
        .map(|p| (Role::Input, p))
        .chain(a.labels.iter().map(|p| (Role::Labels, p)))
        .chain(a.features.iter().map(|p| (Role::Features, p)));
    let mut seen: HashMap<FileId, (Role, &Path)> = HashMap::new();
    for (role, p) in all {
        let meta = metadata(p, role)?;
        match role {
            Role::Labels if meta.is_dir() => {
                return Err(invalid(
                    p,
                    "a directory given as --labels; --labels takes a 1-D integer .npy file",
                ))
            }
            Role::Labels if is_ext(p, "npz") => {
                return Err(invalid(
                    p,
                    "an .npz archive given as --labels; --labels takes a 1-D integer .npy file \
                     (labels inside an .npz input are read from its `labels` member)",
                ))
            }
            Role::Features if meta.is_dir() => {
                return Err(invalid(
                    p,
                    "a directory given as --features; --features takes .npy/.npz files",
                ))
            }
            _ => {}
        }
        match seen.entry(file_id(p, &meta)?) {
            Entry::Occupied(first) => {
                return Err(given_twice(*first.get(), (role, p), meta.is_dir()))
            }
            Entry::Vacant(slot) => {
                slot.insert((role, p.as_path()));
            }
        }
    }
    Ok(())
}

/// A path's metadata, or what is wrong with it: missing, a broken link, unreadable.
fn metadata(p: &Path, role: Role) -> Result<fs::Metadata, AnalysisError> {
    fs::metadata(p).map_err(|e| {
        let what = if e.kind() == std::io::ErrorKind::NotFound {
            match fs::read_link(p) {
                Ok(target) => format!(
                    "a broken symbolic link: its target {} does not exist",
                    target.display()
                ),
                Err(_) => "does not exist".to_string(),
            }
        } else {
            format!("cannot be read: {e}")
        };
        let given = match role {
            Role::Input => String::new(),
            other => format!(" (given as {})", other.name()),
        };
        invalid(p, format!("{what}{given}"))
    })
}

/// The message for one file or directory given twice: as `first` and again as `second`.
fn given_twice(first: (Role, &Path), second: (Role, &Path), dir: bool) -> AnalysisError {
    let ((r0, p0), (r1, p1)) = (first, second);
    // As spelled: `Path` equality would call `d/./a.npy` and `d/a.npy` the same.
    let alias = if p0.as_os_str() == p1.as_os_str() {
        String::new()
    } else {
        let kind = if dir { "directory" } else { "file" };
        format!("the same {kind} as {}, ", p0.display())
    };
    let (roles, why) = match (r0, r1) {
        (Role::Input, Role::Input) => (
            "twice as an input".to_string(),
            "a run compared with itself agrees perfectly (disagreement 0, correlation 1); give \
             each run once",
        ),
        (Role::Features, Role::Features) => (
            "twice to --features".to_string(),
            "two runs given the same features have CKA 1; give each run's features once",
        ),
        _ => (
            format!("both as {} and as {}", r0.name(), r1.name()),
            "logits, labels and features are different arrays; give each file in one role",
        ),
    };
    invalid(p1, format!("{alias}given {roles}; {why}"))
}

/// What a directory that is an input is, in words: a run directory, or what else.
fn describe_dir(dir: &Path) -> String {
    if is_complete(dir) {
        return "a run directory".into();
    }
    if dir.join("study.json").is_file() {
        return format!(
            "a study directory, not a run directory (`runvar report {}` reports on it; its runs \
             are {}/runs/CONDITION/NNNN)",
            dir.display(),
            dir.display()
        );
    }
    let mut runs: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_complete(p))
        .collect();
    runs.sort();
    if let Some(first) = runs.first() {
        return format!(
            "a directory holding {} run directories, not a run directory itself (no DONE \
             marker); give the runs, e.g. {}",
            runs.len(),
            first.display()
        );
    }
    if dir.join("logits.npy").exists() {
        return "a run directory that did not finish (no DONE marker)".into();
    }
    "a directory that is not a run directory (no DONE marker)".into()
}

/// What a file that is neither `.npy` nor `.npz` is, and what to do with it.
fn describe_file(p: &Path) -> String {
    let mut magic = [0u8; 6];
    let head = fs::File::open(p)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut magic))
        .unwrap_or(0);
    let named = match p.extension() {
        Some(e) => format!("named .{}", e.to_string_lossy()),
        None => "named without an extension".into(),
    };
    if head == 6 && magic == *b"\x93NUMPY" {
        format!("a .npy array by its contents, but {named}; rename it to end in .npy")
    } else if head >= 4 && magic[..4] == *b"PK\x03\x04" {
        format!("a zip archive, {named}; if np.savez wrote it, rename it to end in .npz")
    } else {
        format!(
            "a file {named}, neither .npy nor .npz; inputs are run directories or .npy/.npz \
             arrays"
        )
    }
}

/// Refuse fewer than two runs. `features_given`: the runs may have been taken by
/// `--features`, which takes every path after it.
fn too_few(runs: &[RunOutputs], features_given: bool) -> Result<(), AnalysisError> {
    let hint = if features_given { GREEDY_FEATURES } else { "" };
    match runs {
        [] => Err(AnalysisError::Inputs(format!(
            "no runs given; pairwise metrics need at least two{hint}"
        ))),
        [one] => Err(AnalysisError::Inputs(format!(
            "only one run ({}); pairwise metrics need at least two: give more files or stack runs \
             as (N, n, C){hint}",
            one.source.display()
        ))),
        _ => Ok(()),
    }
}

const GREEDY_FEATURES: &str =
    " (--features takes every path after it, up to the next option: give the runs before it)";

/// Refuse features for some runs but not others (the CKA column would quietly go empty).
fn features_for_all_or_none(runs: &[RunOutputs], none_means: &str) -> Result<(), AnalysisError> {
    let with = runs.iter().filter(|r| r.features.is_some()).count();
    match runs.iter().find(|r| r.features.is_none()) {
        Some(without) if with > 0 => Err(AnalysisError::Inputs(format!(
            "features for {with} of {} runs (none for {}{none_means}); give features for every \
             run or for none",
            runs.len(),
            without.source.display()
        ))),
        _ => Ok(()),
    }
}

fn from_dirs(a: &AnalyzeInputs) -> Result<LoadedRuns, AnalysisError> {
    if let Some(f) = a.features.first() {
        return Err(invalid(
            f,
            format!(
                "--features with run directories: each run directory holds its own features.npy \
                 ({}); --features is for .npy/.npz inputs",
                a.inputs[0].join("features.npy").display()
            ),
        ));
    }
    if let Some(d) = a.inputs.iter().find(|d| !is_complete(d)) {
        return Err(invalid(d, describe_dir(d)));
    }
    let mut runs = Vec::new();
    let mut found: Found = None;
    for p in &a.inputs {
        let (r, l) = load_run_dir(p)?;
        same_labels(&mut found, l, &p.join("labels.npy"))?;
        runs.push(r);
    }
    too_few(&runs, false)?;
    let (labels, labels_source) = found.expect("at least two runs were loaded");
    if let Some(p) = &a.labels {
        let given = labels_of(npy::read(p)?, p)?;
        if given != labels {
            return Err(invalid(
                p,
                format!(
                    "differs from {} ({}); with run directories, --labels only checks that the \
                     runs scored these labels",
                    labels_source.display(),
                    label_difference(&given, &labels)
                ),
            ));
        }
    }
    features_for_all_or_none(&runs, ": no features.npy")?;
    check_runs(&runs, &labels, &labels_source)?;
    Ok(LoadedRuns {
        runs,
        labels,
        labels_source,
    })
}

fn from_files(a: &AnalyzeInputs) -> Result<LoadedRuns, AnalysisError> {
    let mut logits = Vec::new();
    let mut paired = Vec::new();
    let mut found = None;
    for p in &a.inputs {
        if is_ext(p, "npz") {
            read_archive(p, &mut logits, &mut paired, &mut found)?;
        } else {
            let runs = split(npy::read(p)?, p, "logits")?;
            paired.extend(runs.iter().map(|_| None));
            logits.extend(runs);
        }
    }
    let mut runs: Vec<RunOutputs> = logits
        .into_iter()
        .map(|m| RunOutputs {
            source: m.source,
            logits: m.values,
            n: m.n,
            classes: m.cols,
            features: None,
        })
        .collect();
    too_few(&runs, !a.features.is_empty())?;
    let features = if a.features.is_empty() {
        paired
    } else {
        if let Some(inside) = paired.iter().flatten().next() {
            return Err(invalid(
                &inside.source,
                format!(
                    "features both inside the .npz and in --features ({}); give them once",
                    a.features[0].display()
                ),
            ));
        }
        let f = read_all(&a.features, "features")?;
        if f.len() != runs.len() {
            return Err(AnalysisError::Inputs(format!(
                "{} feature matrices from --features for {} runs; give one (n, d) per run, or \
                 stacks of them, in the same order as the logits{}",
                f.len(),
                runs.len(),
                if f.len() > runs.len() {
                    GREEDY_FEATURES
                } else {
                    ""
                }
            )));
        }
        f.into_iter().map(Some).collect()
    };
    for (run, f) in runs.iter_mut().zip(features) {
        if let Some(f) = f {
            if f.n != run.n {
                return Err(invalid(
                    &f.source,
                    format!("{} rows but {} has {}", f.n, run.source.display(), run.n),
                ));
            }
            run.features = Some((f.values, f.cols));
        }
    }
    features_for_all_or_none(&runs, "")?;
    let (labels, labels_source) = match (&a.labels, found) {
        (Some(p), inner) => {
            let labels = labels_of(npy::read(p)?, p)?;
            if let Some((other, source)) = inner {
                if other != labels {
                    return Err(invalid(
                        &source,
                        format!(
                            "differs from --labels {} ({})",
                            p.display(),
                            label_difference(&other, &labels)
                        ),
                    ));
                }
            }
            (labels, p.clone())
        }
        (None, Some(inner)) => inner,
        (None, None) => {
            return Err(AnalysisError::Inputs(
                "no labels: give --labels FILE (a 1-D integer .npy), or save them in the .npz \
                 as `labels`"
                    .into(),
            ))
        }
    };
    check_labels(&labels, runs[0].classes, &labels_source)?;
    check_runs(&runs, &labels, &labels_source)?;
    Ok(LoadedRuns {
        runs,
        labels,
        labels_source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::npy::{encode_f32, encode_i64};

    fn fixture(name: &str) -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/npy")
            .join(name)
    }

    fn err(r: Result<impl std::fmt::Debug, AnalysisError>) -> String {
        r.unwrap_err().to_string()
    }

    fn files(
        inputs: Vec<PathBuf>,
        labels: Option<PathBuf>,
        features: Vec<PathBuf>,
    ) -> AnalyzeInputs {
        AnalyzeInputs {
            inputs,
            labels,
            features,
        }
    }

    #[test]
    fn a_stack_loads_like_separate_files() {
        let stacked = load_inputs(&files(
            vec![fixture("abc_stack.npy")],
            Some(fixture("abc_labels_i4_be.npy")),
            vec![],
        ))
        .unwrap();
        let separate = load_inputs(&files(
            vec![
                fixture("a_f2.npy"),
                fixture("b_f8_be.npy"),
                fixture("c_fortran_f4_be.npy"),
            ],
            Some(fixture("abc_labels_i4_be.npy")),
            vec![],
        ))
        .unwrap();
        assert_eq!(stacked.runs.len(), 3);
        assert_eq!(stacked.labels, [0, 1, 2, 0]);
        for (s, f) in stacked.runs.iter().zip(&separate.runs) {
            assert_eq!((&s.logits, s.n, s.classes), (&f.logits, f.n, f.classes));
        }
        assert!(stacked.runs[1].source.ends_with("abc_stack.npy[1]"));
        let msg = err(load_inputs(&files(
            vec![fixture("abc_stack_1.npy"), fixture("abc_stack.npy")],
            Some(fixture("abc_labels_i4_be.npy")),
            vec![],
        )));
        assert!(msg.contains("abc_stack_1.npy: a stack of one run"), "{msg}");
    }

    #[test]
    fn npz_labels_and_features_rules() {
        // logits (3, 8, 3), features (3, 8, 4), labels: `features` pairs with `logits`.
        let one = load_inputs(&files(vec![fixture("runs_features.npz")], None, vec![])).unwrap();
        assert_eq!(one.runs.len(), 3);
        assert!(one
            .runs
            .iter()
            .all(|r| r.features.as_ref().is_some_and(|f| f.1 == 4)));
        assert!(one.labels_source.ends_with("runs_features.npz:labels.npy"));
        assert!(one.runs[2]
            .source
            .ends_with("runs_features.npz:logits.npy[2]"));
        // a = run 0, b = runs 1..3 (a stack), features_a, features_b: the same runs.
        let named = load_inputs(&files(vec![fixture("named_features.npz")], None, vec![])).unwrap();
        assert_eq!(named.runs.len(), 3);
        for (x, y) in one.runs.iter().zip(&named.runs) {
            assert_eq!((&x.logits, &x.features), (&y.logits, &y.features));
        }
        assert_eq!(one.labels, named.labels);
        assert!(named.runs[1]
            .source
            .ends_with("named_features.npz:b.npy[0]"));
        let msg = err(load_inputs(&files(
            vec![fixture("ambiguous_features.npz")],
            None,
            vec![],
        )));
        assert!(
            msg.contains("ambiguous_features.npz:features.npy: `features` belongs to the archive's only logits member, but it has 2"),
            "{msg}"
        );
        // Features inside and in --features: refused; labels inside and --labels must agree.
        let tmp = tempfile::tempdir().unwrap();
        let copy = tmp.path().join("copy.npz");
        std::fs::copy(fixture("runs_features.npz"), &copy).unwrap();
        let msg = err(load_inputs(&files(
            vec![fixture("runs_features.npz")],
            None,
            vec![copy],
        )));
        assert!(
            msg.contains(
                "runs_features.npz:features.npy[0]: features both inside the .npz and in \
                 --features ("
            ) && msg.contains("copy.npz); give them once"),
            "{msg}"
        );
        let msg = err(load_inputs(&files(
            vec![fixture("runs_features.npz")],
            Some(fixture("i8_le.npy")),
            vec![],
        )));
        assert!(
            msg.contains("runs_features.npz:labels.npy: differs from --labels"),
            "{msg}"
        );
        // Labels in one archive, none given otherwise: the archive's labels serve all runs.
        let mixed = load_inputs(&files(
            vec![fixture("abc_stack.npy"), fixture("abc_savez.npz")],
            None,
            vec![],
        ))
        .unwrap();
        assert_eq!(mixed.runs.len(), 6);
        assert!(mixed.runs[3].source.ends_with("abc_savez.npz:a.npy"));
    }

    #[test]
    fn inputs_that_do_not_fit_together() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let write = |name: &str, bytes: Vec<u8>| {
            std::fs::write(d.join(name), bytes).unwrap();
            d.join(name)
        };
        let a = write("a.npy", encode_f32(&[4, 3], &[0.0; 12]));
        let b = write("b.npy", encode_f32(&[4, 3], &[1.0; 12]));
        let fa = write("fa.npy", encode_f32(&[4, 2], &[0.5; 8]));
        let y = write("y.npy", encode_i64(&[4], &[0, 1, 2, 0]));
        let msg = err(load_inputs(&files(
            vec![a.clone()],
            Some(y.clone()),
            vec![],
        )));
        assert!(
            msg.contains("only one run") && msg.contains("a.npy"),
            "{msg}"
        );
        let msg = err(load_inputs(&files(
            vec![a.clone(), b.clone()],
            None,
            vec![],
        )));
        assert!(msg.contains("no labels: give --labels"), "{msg}");
        let msg = err(load_inputs(&files(
            vec![a.clone(), b.clone()],
            Some(y.clone()),
            vec![fa.clone()],
        )));
        assert!(
            msg.contains("1 feature matrices from --features for 2 runs"),
            "{msg}"
        );
        let msg = err(load_inputs(&files(
            vec![a.clone(), d.to_path_buf()],
            Some(y.clone()),
            vec![],
        )));
        assert!(
            msg.contains(
                "a directory that is not a run directory (no DONE marker), given with a file ("
            ) && msg.contains("a.npy); give run directories or .npy/.npz files, not both"),
            "{msg}"
        );
        let txt = write("a.txt", vec![]);
        let msg = err(load_inputs(&files(
            vec![a.clone(), txt],
            Some(y.clone()),
            vec![],
        )));
        assert!(
            msg.contains(
                "a.txt: a file named .txt, neither .npy nor .npz; inputs are run directories or \
                 .npy/.npz arrays"
            ),
            "{msg}"
        );
        let c = write("c.npy", encode_f32(&[8, 3], &[0.0; 24]));
        let msg = err(load_inputs(&files(
            vec![fixture("runs_features.npz"), c],
            None,
            vec![],
        )));
        assert!(msg.contains("features for 3 of 4 runs"), "{msg}");
        let fb = write("fb.npy", encode_f32(&[4, 2], &[0.25; 8]));
        let both = load_inputs(&files(vec![a, b], Some(y), vec![fa, fb])).unwrap();
        assert!(both.runs.iter().all(|r| r.features.is_some()));
    }

    /// Logits of 4 examples x 3 classes, predicting [0, 1, 2, 0].
    const A: [f32; 12] = [3., 0., 0., 0., 3., 0., 0., 0., 3., 3., 0., 0.];
    /// Predicting [0, 1, 2, 1].
    const B: [f32; 12] = [3., 0., 0., 0., 3., 0., 0., 0., 3., 0., 3., 0.];
    const Y: [i64; 4] = [0, 1, 2, 0];

    fn write(path: PathBuf, bytes: Vec<u8>) -> PathBuf {
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// A finished run directory as `runvar train` writes it (the arrays and `DONE`).
    fn run_dir(dir: PathBuf, logits: &[f32], labels: &[i64], features: bool) -> PathBuf {
        std::fs::create_dir_all(&dir).unwrap();
        write(dir.join("logits.npy"), encode_f32(&[4, 3], logits));
        write(dir.join("labels.npy"), encode_i64(&[labels.len()], labels));
        if features {
            write(dir.join("features.npy"), encode_f32(&[4, 2], &logits[..8]));
        }
        write(dir.join(crate::store::DONE), vec![]);
        dir
    }

    /// A zip archive of stored members, as `np.savez` writes one.
    fn stored_zip(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let (mut out, mut central) = (Vec::new(), Vec::new());
        for (name, data) in members {
            let mut crc = flate2::Crc::new();
            crc.update(data);
            let offset = out.len() as u32;
            let sizes = [crc.sum(), data.len() as u32, data.len() as u32];
            let fixed = |sig: u32, out: &mut Vec<u8>, central: bool| {
                out.extend(sig.to_le_bytes());
                if central {
                    out.extend(20u16.to_le_bytes());
                }
                out.extend([20u16, 0, 0, 0, 0].iter().flat_map(|v| v.to_le_bytes()));
                out.extend(sizes.iter().flat_map(|v| v.to_le_bytes()));
                out.extend((name.len() as u16).to_le_bytes());
                out.extend(0u16.to_le_bytes());
            };
            fixed(0x0403_4b50, &mut out, false);
            out.extend(name.as_bytes());
            out.extend(data);
            fixed(0x0201_4b50, &mut central, true);
            central.extend([0u16, 0, 0].iter().flat_map(|v| v.to_le_bytes()));
            central.extend([0u32, offset].iter().flat_map(|v| v.to_le_bytes()));
            central.extend(name.as_bytes());
        }
        let (cd_offset, cd_len, count) = (out.len() as u32, central.len() as u32, members.len());
        out.extend(central);
        out.extend(0x0605_4b50u32.to_le_bytes());
        out.extend(
            [0u16, 0, count as u16, count as u16]
                .iter()
                .flat_map(|v| v.to_le_bytes()),
        );
        out.extend([cd_len, cd_offset].iter().flat_map(|v| v.to_le_bytes()));
        out.extend(0u16.to_le_bytes());
        out
    }

    #[test]
    fn one_file_twice_is_refused_under_any_spelling_but_a_copy_is_a_run() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let a = write(d.join("a.npy"), encode_f32(&[4, 3], &A));
        let b = write(d.join("b.npy"), encode_f32(&[4, 3], &B));
        let y = write(d.join("y.npy"), encode_i64(&[4], &Y));
        let twice =
            |inputs: Vec<PathBuf>| err(load_inputs(&files(inputs, Some(y.clone()), vec![])));
        assert_eq!(
            twice(vec![a.clone(), b.clone(), a.clone()]),
            format!(
                "{}: given twice as an input; a run compared with itself agrees perfectly \
                 (disagreement 0, correlation 1); give each run once",
                a.display()
            )
        );
        let dot = d.join(".").join("a.npy");
        let msg = twice(vec![a.clone(), dot.clone()]);
        assert!(
            msg.starts_with(&format!(
                "{}: the same file as {}, given twice as an input;",
                dot.display(),
                a.display()
            )),
            "{msg}"
        );
        #[cfg(unix)]
        {
            let link = d.join("link.npy");
            std::os::unix::fs::symlink(&a, &link).unwrap();
            let msg = twice(vec![link.clone(), a.clone()]);
            assert!(
                msg.starts_with(&format!(
                    "{}: the same file as {}",
                    a.display(),
                    link.display()
                )),
                "{msg}"
            );
            let hard = d.join("hard.npy");
            std::fs::hard_link(&a, &hard).unwrap();
            assert!(twice(vec![a.clone(), hard]).contains("the same file as"));
        }
        // A stack given twice: refused once, by its path.
        let stack = fixture("abc_stack.npy");
        let msg = err(load_inputs(&files(
            vec![stack.clone(), stack],
            Some(fixture("abc_labels_i4_be.npy")),
            vec![],
        )));
        assert!(
            msg.contains("abc_stack.npy: given twice as an input"),
            "{msg}"
        );
        // A copy is another file: two bit-identical runs are what a deterministic control gives.
        let copy = d.join("copy.npy");
        std::fs::copy(&a, &copy).unwrap();
        let control = load_inputs(&files(vec![a.clone(), copy], Some(y.clone()), vec![])).unwrap();
        assert_eq!(control.runs.len(), 2);
        assert_eq!(control.runs[0].logits, control.runs[1].logits);
        // One file in two roles, or twice as --features.
        let fa = write(d.join("fa.npy"), encode_f32(&[4, 2], &[0.5; 8]));
        let roles = |labels: &PathBuf, features: Vec<PathBuf>| {
            err(load_inputs(&files(
                vec![a.clone(), b.clone()],
                Some(labels.clone()),
                features,
            )))
        };
        assert_eq!(
            roles(&y, vec![fa.clone(), d.join("./fa.npy")]),
            format!(
                "{}: the same file as {}, given twice to --features; two runs given the same \
                 features have CKA 1; give each run's features once",
                d.join("./fa.npy").display(),
                fa.display()
            )
        );
        assert_eq!(
            roles(&a, vec![]),
            format!(
                "{}: given both as an input and as --labels; logits, labels and features are \
                 different arrays; give each file in one role",
                a.display()
            )
        );
        let msg = roles(&y, vec![fa.clone(), b.clone()]);
        assert!(
            msg.starts_with(&format!(
                "{}: given both as an input and as --features;",
                b.display()
            )),
            "{msg}"
        );
        let msg = roles(&y, vec![y.clone(), fa]);
        assert!(
            msg.contains("given both as --labels and as --features"),
            "{msg}"
        );
    }

    #[test]
    fn run_directories_check_labels_and_refuse_features() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let r1 = run_dir(d.join("r1"), &A, &Y, true);
        let r2 = run_dir(d.join("r2"), &B, &Y, true);
        let dirs = |inputs: &[&PathBuf], labels: Option<&PathBuf>, features: Vec<PathBuf>| {
            load_inputs(&files(
                inputs.iter().map(|p| p.to_path_buf()).collect(),
                labels.cloned(),
                features,
            ))
        };
        let ok = dirs(&[&r1, &r2], None, vec![]).unwrap();
        assert!(ok.runs.iter().all(|r| r.features.is_some()));
        // The same directory twice, also as `r1/.`; a copy of it is another run.
        let msg = err(dirs(&[&r1, &r2, &r1], None, vec![]));
        assert!(msg.contains("r1: given twice as an input;"), "{msg}");
        let msg = err(dirs(&[&r1, &r1.join(".")], None, vec![]));
        assert!(
            msg.contains(&format!(
                "the same directory as {}, given twice",
                r1.display()
            )),
            "{msg}"
        );
        let copy = run_dir(d.join("copy"), &A, &Y, true);
        assert_eq!(dirs(&[&r1, &copy], None, vec![]).unwrap().runs.len(), 2);
        // --labels: a check against every run's labels.npy.
        let y = write(d.join("y.npy"), encode_i64(&[4], &Y));
        let checked = dirs(&[&r1, &r2], Some(&y), vec![]).unwrap();
        assert_eq!(checked.labels, Y);
        let other = write(d.join("other.npy"), encode_i64(&[4], &[0, 1, 2, 1]));
        assert_eq!(
            err(dirs(&[&r1, &r2], Some(&other), vec![])),
            format!(
                "{}: differs from {} (label 1 at index 3 against 0); with run directories, \
                 --labels only checks that the runs scored these labels",
                other.display(),
                r1.join("labels.npy").display()
            )
        );
        let short = write(d.join("short.npy"), encode_i64(&[2], &[0, 1]));
        let msg = err(dirs(&[&r1, &r2], Some(&short), vec![]));
        assert!(msg.contains("(2 labels against 4)"), "{msg}");
        // --features: refused, naming the file and the run directory's own.
        let fa = write(d.join("fa.npy"), encode_f32(&[4, 2], &[0.5; 8]));
        let fb = write(d.join("fb.npy"), encode_f32(&[4, 2], &[0.25; 8]));
        assert_eq!(
            err(dirs(&[&r1, &r2], None, vec![fa, fb])),
            format!(
                "{}: --features with run directories: each run directory holds its own \
                 features.npy ({}); --features is for .npy/.npz inputs",
                d.join("fa.npy").display(),
                r1.join("features.npy").display()
            )
        );
        // Runs that scored different labels; a run without features.npy beside runs with it.
        let r3 = run_dir(d.join("r3"), &B, &[0, 1, 1, 0], true);
        assert_eq!(
            err(dirs(&[&r1, &r3], None, vec![])),
            format!(
                "{}: labels differ from {} (label 1 at index 2 against 2); runs must score the \
                 same test set",
                r3.join("labels.npy").display(),
                r1.join("labels.npy").display()
            )
        );
        let bare = run_dir(d.join("bare"), &B, &Y, false);
        assert_eq!(
            err(dirs(&[&r1, &bare], None, vec![])),
            format!(
                "features for 1 of 2 runs (none for {}: no features.npy); give features for \
                 every run or for none",
                bare.display()
            )
        );
        let none = run_dir(d.join("none"), &A, &Y, false);
        assert!(dirs(&[&none, &bare], None, vec![]).is_ok());
    }

    #[test]
    fn every_message_says_what_the_input_is() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let a = write(d.join("a.npy"), encode_f32(&[4, 3], &A));
        let b = write(d.join("b.npy"), encode_f32(&[4, 3], &B));
        let y = write(d.join("y.npy"), encode_i64(&[4], &Y));
        let r1 = run_dir(d.join("runs/r1"), &A, &Y, true);
        run_dir(d.join("runs/r2"), &B, &Y, true);
        let with = |inputs: Vec<PathBuf>, labels: Option<&PathBuf>, features: Vec<PathBuf>| {
            err(load_inputs(&files(inputs, labels.cloned(), features)))
        };
        // Paths that do not exist: files, run directories, a link to nothing, an option's file.
        let gone = d.join("missing.npy");
        assert_eq!(
            with(vec![a.clone(), gone.clone()], Some(&y), vec![]),
            format!("{}: does not exist", gone.display())
        );
        let r9 = d.join("runs/r9");
        assert_eq!(
            with(vec![r9.clone(), r1.clone()], None, vec![]),
            format!("{}: does not exist", r9.display())
        );
        #[cfg(unix)]
        {
            let dangling = d.join("dangling.npy");
            std::os::unix::fs::symlink(&gone, &dangling).unwrap();
            assert_eq!(
                with(vec![a.clone(), dangling.clone()], Some(&y), vec![]),
                format!(
                    "{}: a broken symbolic link: its target {} does not exist",
                    dangling.display(),
                    gone.display()
                )
            );
        }
        assert_eq!(
            with(vec![a.clone(), b.clone()], Some(&gone), vec![]),
            format!("{}: does not exist (given as --labels)", gone.display())
        );
        let msg = with(vec![a.clone(), b.clone()], Some(&y), vec![gone.clone()]);
        assert!(
            msg.ends_with("does not exist (given as --features)"),
            "{msg}"
        );
        // Directories that are not finished run directories, alone or beside files.
        let runs = d.join("runs");
        assert_eq!(
            with(vec![runs.clone(), r1.clone()], None, vec![]),
            format!(
                "{}: a directory holding 2 run directories, not a run directory itself (no DONE \
                 marker); give the runs, e.g. {}",
                runs.display(),
                r1.display()
            )
        );
        let study = d.join("study");
        std::fs::create_dir_all(study.join("runs")).unwrap();
        write(study.join("study.json"), b"{}".to_vec());
        let msg = with(vec![study.clone(), r1.clone()], None, vec![]);
        assert!(
            msg.contains("study: a study directory, not a run directory (`runvar report"),
            "{msg}"
        );
        let unfinished = run_dir(d.join("unfinished"), &B, &Y, true);
        std::fs::remove_file(unfinished.join(crate::store::DONE)).unwrap();
        assert_eq!(
            with(vec![r1.clone(), unfinished.clone()], None, vec![]),
            format!(
                "{}: a run directory that did not finish (no DONE marker)",
                unfinished.display()
            )
        );
        for inputs in [vec![a.clone(), r1.clone()], vec![r1.clone(), a.clone()]] {
            assert_eq!(
                with(inputs, Some(&y), vec![]),
                format!(
                    "{}: a run directory, given with a file ({}); give run directories or \
                     .npy/.npz files, not both",
                    r1.display(),
                    a.display()
                )
            );
        }
        // Files of other kinds, by name and by contents; the extension in any case.
        let bare = write(d.join("logits"), encode_f32(&[4, 3], &A));
        let msg = with(vec![a.clone(), bare], Some(&y), vec![]);
        assert!(
            msg.ends_with(
                "logits: a .npy array by its contents, but named without an extension; rename \
                 it to end in .npy"
            ),
            "{msg}"
        );
        let zip = write(
            d.join("runs.dat"),
            stored_zip(&[("a.npy", encode_f32(&[4, 3], &A))]),
        );
        let msg = with(vec![a.clone(), zip], Some(&y), vec![]);
        assert!(
            msg.ends_with(
                "runs.dat: a zip archive, named .dat; if np.savez wrote it, rename it to end in \
                 .npz"
            ),
            "{msg}"
        );
        let upper = write(d.join("B.NPY"), encode_f32(&[4, 3], &B));
        assert!(load_inputs(&files(vec![a.clone(), upper], Some(y.clone()), vec![])).is_ok());
        // --labels that cannot be labels; labels given as an input.
        let msg = with(vec![a.clone(), b.clone()], Some(&runs), vec![]);
        assert!(
            msg.ends_with(
                "runs: a directory given as --labels; --labels takes a 1-D integer .npy file"
            ),
            "{msg}"
        );
        let npz = write(
            d.join("y.npz"),
            stored_zip(&[("labels.npy", encode_i64(&[4], &Y))]),
        );
        let msg = with(vec![a.clone(), b.clone()], Some(&npz), vec![]);
        assert!(
            msg.contains("y.npz: an .npz archive given as --labels;"),
            "{msg}"
        );
        let msg = with(vec![a.clone(), b.clone(), y.clone()], None, vec![]);
        assert!(
            msg.ends_with("found shape [4]; a 1-D array is labels: give it with --labels"),
            "{msg}"
        );
        // --features took the second run: it takes every path after it.
        let fa = write(d.join("fa.npy"), encode_f32(&[4, 2], &[0.5; 8]));
        let fb = write(d.join("fb.npy"), encode_f32(&[4, 2], &[0.25; 8]));
        let msg = with(vec![a.clone()], Some(&y), vec![fa, b, fb]);
        assert!(
            msg.starts_with("only one run (")
                && msg.ends_with(
                    "(--features takes every path after it, up to the next option: give the \
                     runs before it)"
                ),
            "{msg}"
        );
    }

    #[test]
    fn an_archive_with_two_members_of_one_name_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let twice = [
            ("a.npy", encode_f32(&[4, 3], &A)),
            ("a.npy", encode_f32(&[4, 3], &B)),
            ("labels.npy", encode_i64(&[4], &Y)),
        ];
        let npz = write(d.join("twice.npz"), stored_zip(&twice));
        assert_eq!(
            err(load_inputs(&files(vec![npz.clone()], None, vec![]))),
            format!(
                "{}:a.npy: the archive holds a second member of this name (numpy would read only \
                 the last); write it again with np.savez",
                npz.display()
            )
        );
        // The same writer with distinct names: two runs, so the check is the names.
        let named = write(
            d.join("named.npz"),
            stored_zip(&[
                ("a.npy", encode_f32(&[4, 3], &A)),
                ("b.npy", encode_f32(&[4, 3], &B)),
                ("labels.npy", encode_i64(&[4], &Y)),
            ]),
        );
        assert_eq!(
            load_inputs(&files(vec![named], None, vec![]))
                .unwrap()
                .runs
                .len(),
            2
        );
        let a = write(d.join("a.npy"), encode_f32(&[4, 3], &A));
        let f = write(
            d.join("f.npz"),
            stored_zip(&[
                ("f.npy", encode_f32(&[4, 2], &[0.5; 8])),
                ("f.npy", encode_f32(&[4, 2], &[0.25; 8])),
            ]),
        );
        // A --features archive likewise.
        let b = write(d.join("b.npy"), encode_f32(&[4, 3], &B));
        let y = write(d.join("y.npy"), encode_i64(&[4], &Y));
        let msg = err(load_inputs(&files(vec![a, b], Some(y), vec![f.clone()])));
        assert!(
            msg.starts_with(&format!(
                "{}:f.npy: the archive holds a second member of this name",
                f.display()
            )),
            "{msg}"
        );
    }
}
