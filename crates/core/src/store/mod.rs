//! The run store: one directory per run, written atomically, read back for analysis.
//!
//! A run directory holds `spec.json` (the resolved spec and where it ran), `record.json` (the
//! outcome: parameter hash, wall time, bit flip), `metrics.json` (per-epoch metrics),
//! `logits.npy`, `features.npy`, `labels.npy`, `SHA256SUMS` (the hash of each file,
//! [`checksum`]), and `DONE`, written last. Every JSON file
//! starts with its `schema_version` ([`json`]). It is built under a
//! hidden temporary name and renamed into place only when complete, so a crash or Ctrl-C never
//! leaves a directory that looks finished.

pub mod checksum;
pub mod json;
pub mod npy;
pub mod npz;
mod record;
mod run_dir;
mod zip;

pub use json::{
    differences, from_versioned_json, to_versioned_json, versioned, JsonError, SCHEMA_VERSION,
};
pub use record::{
    BitFlipRecord, Environment, EpochMetrics, MetricsRecord, PackRecord, RunRecord, SpecRecord,
};
pub use run_dir::{abandoned_temporaries, is_complete, RunDirWriter, StoreError, TempOwner, DONE};

/// Files every finished run directory has, each listed in its `SHA256SUMS`.
pub const RUN_FILES: [&str; 5] = [
    "spec.json",
    "record.json",
    "metrics.json",
    "logits.npy",
    "labels.npy",
];

/// Write `bytes` to `path` through a temporary file beside it (`.NAME.tmp`) and a rename, so
/// a reader never sees half a file.
///
/// # Errors
/// The I/O error, with the path in its message.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}
