//! The rules of `runvar analyze`'s inputs, on small arrays written by the tests.

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

fn files(inputs: Vec<PathBuf>, labels: Option<PathBuf>, features: Vec<PathBuf>) -> AnalyzeInputs {
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

/// A finished run directory as `runvar train` writes it (the arrays, placeholder JSON
/// documents, `SHA256SUMS` and `DONE`).
fn run_dir(dir: PathBuf, logits: &[f32], labels: &[i64], features: bool) -> PathBuf {
    let w = crate::store::RunDirWriter::create(&dir).unwrap();
    for name in ["spec.json", "record.json", "metrics.json"] {
        w.write_json(name, &serde_json::json!({})).unwrap();
    }
    w.write_npy_f32("logits.npy", &[4, 3], logits).unwrap();
    w.write_npy_i64("labels.npy", &[labels.len()], labels)
        .unwrap();
    if features {
        w.write_npy_f32("features.npy", &[4, 2], &logits[..8])
            .unwrap();
    }
    w.commit().unwrap()
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
    let twice = |inputs: Vec<PathBuf>| err(load_inputs(&files(inputs, Some(y.clone()), vec![])));
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
    std::fs::remove_file(unfinished.join(crate::store::RunFiles::DONE)).unwrap();
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

#[test]
fn runs_without_values_are_refused_before_they_are_made() {
    let tmp = tempfile::tempdir().unwrap();
    let y = write(tmp.path().join("y.npy"), encode_i64(&[4], &[0, 1, 2, 0]));
    // 128 bytes on disk that would be 2^40 empty runs.
    for (name, shape) in [
        ("huge.npy", vec![1usize << 40, 0, 10]),
        ("cols.npy", vec![3, 4, 0]),
        ("flat.npy", vec![0, 3]),
    ] {
        let p = write(tmp.path().join(name), encode_f32(&shape, &[]));
        let msg = err(load_inputs(&files(vec![p], Some(y.clone()), vec![])));
        assert!(
            msg.contains(name) && msg.contains("hold no values"),
            "{msg}"
        );
    }
}
