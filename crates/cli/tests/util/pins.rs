//! Behaviour pinned by hashes, so that a refactor is proven not to move a single bit.
//!
//! A pin is the SHA-256 of each file a command's result rests on: every run's `logits.npy`
//! (read from the run's own `SHA256SUMS`) and the `report.json` of a study, or the
//! `instability.json` of `runvar instability`. They are recorded in
//! `tests/fixtures/pins/<name>.json` with the machine they were recorded on (CPU model, the
//! instruction-set extensions libtorch dispatches on, OS and architecture): libtorch's CPU kernels are chosen per instruction set, so the bits are only
//! comparable on that kind of machine. Elsewhere the comparison is skipped with a printed
//! reason; the test's other assertions still run.
//!
//! `RUNVAR_BLESS=1 make test` (or the one test) records the pins anew, for a change that is
//! meant to change results; say why in the commit.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The instruction-set extensions that change which kernels libtorch runs on the CPU.
const KERNEL_FLAGS: [&str; 7] = [
    "fma",
    "avx2",
    "avx512f",
    "avx_vnni",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
];

/// The machine kind pins are valid on: CPU model, the instruction-set extensions libtorch
/// dispatches on (a virtual machine's generic model name can hide different ones), and
/// OS-architecture.
fn machine() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        info.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let cpu = field("model name").unwrap_or_else(|| "unknown CPU".into());
    let flags = field("flags").unwrap_or_default();
    let present: Vec<&str> = KERNEL_FLAGS
        .into_iter()
        .filter(|f| flags.split_whitespace().any(|g| g == *f))
        .collect();
    format!(
        "{cpu}; {}; {}-{}",
        present.join(" "),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn pin_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pins")
        .join(format!("{name}.json"))
}

/// SHA-256 of a file, lowercase hex.
fn sha256(path: &Path) -> String {
    runvar_core::store::checksum::hash_file(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The hashes of a study directory: each run's `logits.npy` and the `report.json`.
pub fn study_hashes(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let runs = dir.join("runs");
    for cond in std::fs::read_dir(&runs).unwrap() {
        let cond = cond.unwrap().path();
        for run in std::fs::read_dir(&cond).unwrap() {
            let run = run.unwrap().path();
            let sums = std::fs::read_to_string(run.join("SHA256SUMS")).unwrap();
            let list =
                runvar_core::store::checksum::parse_list(&sums, &run.join("SHA256SUMS")).unwrap();
            let (_, hash) = list.iter().find(|(n, _)| n == "logits.npy").unwrap();
            let key = run.strip_prefix(dir).unwrap().join("logits.npy");
            out.insert(key.display().to_string(), hash.clone());
        }
    }
    out.insert("report.json".into(), sha256(&dir.join("report.json")));
    out
}

/// The hashes of single files in `dir`.
pub fn file_hashes(dir: &Path, names: &[&str]) -> BTreeMap<String, String> {
    names
        .iter()
        .map(|n| (n.to_string(), sha256(&dir.join(n))))
        .collect()
}

/// Compare `hashes` with the pin `name` (or record them under `RUNVAR_BLESS=1`).
pub fn check(name: &str, hashes: BTreeMap<String, String>) {
    let path = pin_file(name);
    let here = machine();
    if std::env::var_os("RUNVAR_BLESS").is_some_and(|v| v == "1") {
        let doc = serde_json::json!({ "machine": here, "sha256": hashes });
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
        eprintln!("pinned {name}: {} hashes on {here}", hashes.len());
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (RUNVAR_BLESS=1 records it)", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let recorded = doc["machine"].as_str().unwrap_or_default();
    if recorded != here {
        // Straight to the process's stderr: libtest would swallow `eprintln!` of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "skipped the pin {name}: recorded on {recorded}, this is {here} (bits depend on the \
             CPU's kernels)"
        );
        return;
    }
    let pinned: BTreeMap<String, String> = serde_json::from_value(doc["sha256"].clone()).unwrap();
    let keys: std::collections::BTreeSet<&String> = pinned.keys().chain(hashes.keys()).collect();
    let moved: Vec<&String> = keys
        .into_iter()
        .filter(|k| pinned.get(*k) != hashes.get(*k))
        .collect();
    assert!(
        moved.is_empty(),
        "{name}: {} of {} pinned files changed, e.g. {:?} (RUNVAR_BLESS=1 records new pins \
         for a change meant to move results)",
        moved.len(),
        pinned.len(),
        &moved[..moved.len().min(5)]
    );
}
