//! The run store: one directory per run, written atomically, read back for analysis.
//!
//! [`RunFiles`] names the files of a run directory (`spec.json`, `record.json`,
//! `metrics.json`, `logits.npy`, `labels.npy`, `features.npy`, `snapshots.npy`,
//! `logits_tta_<view>.npy`, `SHA256SUMS`, `DONE`) and [`StudyDir`] the layout of a study
//! directory (`study.json`, `runs/<condition>/<NNNN>`, temporaries, report files). A run
//! directory is built by a [`RunDirWriter`] under a hidden temporary name and renamed into
//! place only when complete, `SHA256SUMS` ([`checksum`]) and `DONE` written last, so a crash or
//! Ctrl-C never leaves a directory that looks finished. Every JSON file starts with its
//! `schema_version` ([`json`]). Other files are replaced whole through [`write_all_atomic`].

pub mod checksum;
pub mod claim;
pub mod json;
pub mod npy;
pub mod npz;
mod record;
mod run_dir;
mod run_files;
mod study_dir;
mod zip;

pub use json::{
    differences, from_versioned_json, to_versioned_json, versioned, JsonError, SCHEMA_VERSION,
};
pub use record::{
    BitFlipRecord, DataRecord, Environment, EpochMetrics, LmMetrics, MetricsRecord, PackRecord,
    Placement, RunRecord, SpecRecord,
};
pub use run_dir::{abandoned_temporaries, is_temporary, RunDirWriter, StoreError, TempOwner};
pub use run_files::{report, RunFiles};
pub use study_dir::{StudyDir, StudyDirError};

/// Write `bytes` to `path` through a temporary file beside it (`.NAME.tmp-<pid>`) and a
/// rename, so a reader never sees half a file; a failed write leaves no temporary.
///
/// # Errors
/// The I/O error, with the path in its message.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    write_all_atomic(&[(path.to_path_buf(), bytes.to_vec())])
}

/// Replace a set of files together: each is written to a temporary beside it first; only when
/// every one is written are they renamed into place. If any write fails (a full disk), every
/// temporary is removed and no file is replaced: readers see all the old files or all the new
/// ones (the renames themselves need no space).
///
/// # Errors
/// The first I/O error, with the path in its message.
pub fn write_all_atomic(files: &[(std::path::PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let named = |path: &std::path::Path, e: std::io::Error| {
        std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
    };
    let mut written: Vec<(std::path::PathBuf, &std::path::Path)> = Vec::new();
    let mut failure = None;
    for (path, bytes) in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let result = std::fs::File::create(&tmp).and_then(|mut f| {
            std::io::Write::write_all(&mut f, bytes)?;
            f.sync_all()
        });
        match result {
            Ok(()) => written.push((tmp, path)),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                failure = Some(named(path, e));
                break;
            }
        }
    }
    if let Some(e) = failure {
        for (tmp, _) in &written {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (i, (tmp, path)) in written.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            for (rest, _) in &written[i..] {
                let _ = std::fs::remove_file(rest);
            }
            return Err(named(path, e));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_of_files_is_replaced_all_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (a, b) = (d.join("report.json"), d.join("report.md"));
        std::fs::write(&a, "old a").unwrap();
        std::fs::write(&b, "old b").unwrap();
        // The third file cannot be written (its folder is a file): nothing is replaced.
        std::fs::write(d.join("pairwise"), "").unwrap();
        let files = vec![
            (a.clone(), b"new a".to_vec()),
            (b.clone(), b"new b".to_vec()),
            (d.join("pairwise/x.npy"), b"x".to_vec()),
        ];
        let msg = write_all_atomic(&files).unwrap_err().to_string();
        assert!(msg.contains("pairwise/x.npy"), "{msg}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "old b");
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["pairwise", "report.json", "report.md"],
            "no temporaries"
        );
        // Without the obstacle, all are replaced.
        std::fs::remove_file(d.join("pairwise")).unwrap();
        std::fs::create_dir(d.join("pairwise")).unwrap();
        write_all_atomic(&files).unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(std::fs::read(d.join("pairwise/x.npy")).unwrap(), b"x");
    }
}
