//! `runvar study --backend slurm` without a cluster: the scripts a dry run writes, only the
//! missing units in them, and the refusals (no sbatch, a rejected partition, bad options and
//! devices) that leave nothing recorded as submitted. `slurm.rs` runs the backend against a
//! real slurmctld and slurmd.

mod util;

use std::path::{Path, PathBuf};

use util::{fails, ok, runvar, runvar_env};

/// The files of `folder` whose names end with `suffix`, sorted.
fn files_ending(folder: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.to_string_lossy().ends_with(suffix));
    out.sort();
    out
}

/// The newest array script in `study`'s slurm folder.
fn newest_script(study: &Path) -> String {
    let scripts: Vec<PathBuf> = files_ending(&study.join("slurm"), ".sbatch")
        .into_iter()
        .filter(|p| !p.to_string_lossy().ends_with(".report.sbatch"))
        .collect();
    std::fs::read_to_string(scripts.last().expect("an array script")).unwrap()
}

/// The `#SBATCH --array=` value of the newest array script in `study`'s slurm folder.
fn newest_array(study: &Path) -> String {
    newest_script(study)
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --array="))
        .expect("an --array line")
        .to_string()
}

#[test]
fn a_dry_run_writes_the_scripts_of_the_missing_units_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let extra = [
        "--backend",
        "slurm",
        "--dry-run",
        "--array-limit",
        "3",
        "--gres",
        "gpu:1",
        "--sbatch-arg=--qos=low",
    ];
    let out = ok(runvar(dir, &util::digits_2x4("s", "1", &extra)));
    assert!(out.contains("sbatch --parsable"), "{out}");
    let s = dir.join("s");
    assert!(s.join("study.json").is_file());
    assert_eq!(newest_array(&s), "0-7%3");
    let script = newest_script(&s);
    for line in [
        "#SBATCH --gres=gpu:1",
        "#SBATCH --qos=low",
        "#SBATCH --cpus-per-task=1",
    ] {
        assert!(script.lines().any(|l| l == line), "{line}\n{script}");
    }
    assert!(
        files_ending(&s.join("slurm"), ".json").is_empty(),
        "nothing submitted"
    );
    // Units 2 and 5 trained meanwhile by workers: the next script leaves them out.
    ok(runvar(dir, &["worker", "s", "--unit", "2"]));
    ok(runvar(dir, &["worker", "s", "--unit", "5"]));
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a new stamp
    ok(runvar(dir, &util::digits_2x4("s", "1", &extra)));
    assert_eq!(newest_array(&s), "0-1,3-4,6-7%3");
    // Another spec in the same directory is refused, as by the local backend.
    fails(
        runvar(dir, &util::digits_2x4("s", "2", &extra)),
        &["holds a study with a different spec"],
    );
}

#[test]
fn a_submission_sbatch_refuses_leaves_nothing_submitted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // No sbatch on PATH at all.
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let path = bin.to_string_lossy().into_owned();
    let err = fails(
        runvar_env(
            dir,
            &util::digits_2x4("s", "1", &["--backend", "slurm"]),
            &[("PATH", &path)],
        ),
        &["sbatch: not found on PATH", "--dry-run"],
    );
    assert!(!err.contains("Submitted"), "{err}");
    assert!(files_ending(&dir.join("s/slurm"), ".sbatch").is_empty());
    // An sbatch that refuses the partition, as Slurm's does.
    let fake = bin.join("sbatch");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut args = util::digits_2x4("s", "1", &["--backend", "slurm", "--partition", "nope"]);
    args.push("--quiet");
    fails(
        runvar_env(dir, &args, &[("PATH", &path)]),
        &["submitting 8 units", "invalid partition specified: nope"],
    );
    let slurm = dir.join("s/slurm");
    assert!(
        files_ending(&slurm, ".json").is_empty(),
        "nothing recorded as submitted"
    );
    assert!(
        files_ending(&slurm, ".sbatch").is_empty(),
        "no script left that looks submitted"
    );
}

#[test]
fn slurm_options_and_devices_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fails(
        runvar(dir, &util::digits_2x4("s", "1", &["--partition", "gpu"])),
        &["--partition: a Slurm option; add --backend slurm"],
    );
    fails(
        runvar(
            dir,
            &util::digits_2x4("s", "1", &["--backend", "slurm", "--gres", "gpu:1 --mem=1"]),
        ),
        &["one word without spaces"],
    );
    fails(
        runvar(
            dir,
            &util::digits_2x4("s", "1", &["--backend", "slurm", "--workers", "2"]),
        ),
        &["--workers 2: with --backend slurm each array task trains one unit"],
    );
    assert!(!dir.join("s").exists(), "nothing written");
    fails(
        runvar(
            dir,
            &["train", "--preset", "digits-mlp", "--device", "cuda:x"],
        ),
        &["`cuda:x`: the GPU's index N of cuda:N is a number"],
    );
    // cuda:1 of a task given one GPU (as Slurm's --gres gpu:1 sets it), on any machine.
    let out = runvar_env(
        dir,
        &[
            "train",
            "--preset",
            "digits-mlp",
            "--device",
            "cuda:1",
            "--out",
            "t",
        ],
        &[("CUDA_VISIBLE_DEVICES", "0")],
    );
    fails(
        out,
        &["--device cuda:1: CUDA_VISIBLE_DEVICES=0 makes 1 GPU(s) visible"],
    );
    assert!(!dir.join("t").exists());
    // A worker cannot move a CPU study to a GPU.
    ok(runvar(
        dir,
        &util::digits_2x4("s", "1", &["--backend", "slurm", "--dry-run"]),
    ));
    fails(
        runvar(dir, &["worker", "s", "--unit", "0", "--device", "cuda:0"]),
        &["--device cuda:0:", "trains on cpu (its study.json)"],
    );
    assert!(!dir.join("s/runs/control/0000").exists());
}
