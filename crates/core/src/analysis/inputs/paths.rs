//! The paths `runvar analyze` was given, before any is read: each exists, is of a kind its
//! role takes, and is given once (the same file under two spellings, or in two roles, is
//! refused, naming both).

use std::collections::hash_map::{Entry, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use super::AnalyzeInputs;
use crate::analysis::arrays::is_ext;
use crate::analysis::{invalid, AnalysisError};
use crate::store::{RunFiles, StudyDir};

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
pub(super) fn check_paths(a: &AnalyzeInputs) -> Result<(), AnalysisError> {
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
pub(super) fn describe_dir(dir: &Path) -> String {
    if RunFiles::at(dir).is_complete() {
        return "a run directory".into();
    }
    if StudyDir::at(dir).spec_path().is_file() {
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
        .filter(|p| RunFiles::at(p).is_complete())
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
    if RunFiles::at(dir).logits().exists() {
        return "a run directory that did not finish (no DONE marker)".into();
    }
    "a directory that is not a run directory (no DONE marker)".into()
}

/// What a file that is neither `.npy` nor `.npz` is, and what to do with it.
pub(super) fn describe_file(p: &Path) -> String {
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
