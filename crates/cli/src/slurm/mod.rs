//! `runvar study --backend slurm`: the study as a Slurm job array of `runvar worker` tasks, one
//! per unit, and a report job after it.
//!
//! The study directory stays the source of truth; Slurm only runs workers. A submission:
//!
//! 1. sets up (or verifies) the study directory exactly as a local study does;
//! 2. finds the units that are neither done nor held by a live worker's claim
//!    ([`StudyStatus::missing_units`]), less the tasks of earlier submissions that `squeue`
//!    still lists (pending or running), so that the same command again submits only what is
//!    missing, whatever happened meanwhile (a cancelled task, a node failure, a wall-time
//!    kill);
//! 3. writes `slurm/<stamp>.sbatch` (the array) and `slurm/<stamp>.report.sbatch`;
//! 4. submits the array with `sbatch --parsable`, then the report with
//!    `--dependency=afterany:<array>`;
//! 5. records the submission in `slurm/<stamp>.json`, only once sbatch has accepted the array.
//!
//! A task that Slurm starts twice, or a unit some other worker trains meanwhile, costs time
//! but never a wrong result: the claims and the rename of each finished run keep one copy.

mod queue;
pub mod script;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use runvar_core::store::{claim, write_all_atomic, write_atomic, StudyDir};
use runvar_core::study::{self, StudySpec, StudyStatus};
use serde_json::json;

use crate::args::slurm::SlurmFlags;
use crate::Outcome;
use script::Job;

/// The folder of a study's scripts, submission records and (under `logs/`) job output.
const SLURM: &str = "slurm";

/// The array job ids and units of the earlier submissions recorded in `folder`. A record that
/// cannot be read is named and left out.
fn earlier_arrays(folder: &Path) -> Vec<(String, Vec<usize>)> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let read = || -> anyhow::Result<(String, Vec<usize>)> {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
            let job = v["array_job"].as_str().context("no array_job")?.to_string();
            let units = serde_json::from_value(v["units"].clone()).context("no units")?;
            Ok((job, units))
        };
        match read() {
            Ok(r) => out.push(r),
            Err(e) => eprintln!(
                "runvar: {}: not a submission record ({e}); its tasks are not looked for in the \
                 queue",
                path.display()
            ),
        }
    }
    out
}

/// Units of earlier submissions that Slurm still has queued or running. When squeue cannot
/// say, none: they may be submitted again, which costs time, never a wrong result.
fn still_queued(folder: &Path, quiet: bool) -> BTreeSet<usize> {
    let earlier = earlier_arrays(folder);
    if earlier.is_empty() {
        return BTreeSet::new();
    }
    let jobs: BTreeSet<String> = earlier.into_iter().map(|(job, _)| job).collect();
    match queue::queued_tasks(&jobs) {
        Ok(tasks) => tasks,
        Err(e) => {
            if !quiet {
                eprintln!(
                    "runvar: {e:#}; units of earlier submissions still in the queue may be \
                     submitted again (their claims keep them from being trained twice)"
                );
            }
            BTreeSet::new()
        }
    }
}

/// Create `<folder>/<stamp>.sbatch` exclusively, with the next free stamp (`-2`, `-3`, ...)
/// when two submissions fall in one second; the stamp.
fn fresh_stamp(folder: &Path, now: &str) -> anyhow::Result<String> {
    for n in 1..1000 {
        let stamp = if n == 1 {
            now.to_string()
        } else {
            format!("{now}-{n}")
        };
        let path = folder.join(format!("{stamp}.sbatch"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => return Ok(stamp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("{}: cannot create", path.display())),
        }
    }
    bail!("{}: no free script name for {now}", folder.display())
}

/// Submit the study `study` in `dir` to Slurm, or with `--dry-run` only write its scripts.
/// Prints the job ids (or, with `json`, the submission record) on stdout.
///
/// # Errors
/// The study directory cannot be set up; a path sbatch cannot take; sbatch is missing or
/// refuses the array (nothing is then recorded as submitted, and the scripts are removed).
pub fn submit(
    study: &StudySpec,
    dir: &Path,
    flags: &SlurmFlags,
    json: bool,
    quiet: bool,
) -> anyhow::Result<Outcome> {
    let survey = study::Survey::of(study, dir);
    study::prepare(study, dir, &survey)?;
    let dir =
        std::fs::canonicalize(dir).with_context(|| format!("{}: cannot resolve", dir.display()))?;
    if let Some(why) = script::unfit_for_sbatch(&dir) {
        bail!(why);
    }
    let binary = std::env::current_exe().context("finding the runvar binary to submit")?;
    let folder = StudyDir::at(&dir).file(SLURM);
    let logs = folder.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("{}: cannot create", logs.display()))?;

    let status = StudyStatus::of(study, &dir, claim::lease());
    let queued = still_queued(&folder, quiet);
    let units: Vec<usize> = status
        .missing_units
        .iter()
        .copied()
        .filter(|k| !queued.contains(k))
        .collect();
    let d = dir.display();
    if units.is_empty() {
        if status.units_left == 0 {
            println!("Every run of {d} is finished: nothing to submit. `runvar report {d}` writes the report.");
        } else {
            println!(
                "Nothing to submit: the {} units left of {d} are being trained or are queued \
                 (runvar status {d}).",
                status.units_left
            );
        }
        return Ok(Outcome::Done);
    }
    if !quiet && !queued.is_empty() {
        eprintln!(
            "runvar: {} units are still queued by earlier submissions: not submitted again",
            queued.len()
        );
    }

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| t.as_secs());
    let stamp = fresh_stamp(&folder, &script::utc_stamp(now))?;
    let name = dir
        .file_name()
        .map_or_else(|| "study".into(), |n| n.to_string_lossy().into_owned());
    let job = Job {
        name: format!("runvar-{name}"),
        dir: &dir,
        binary: &binary,
        units: &units,
        flags,
        cpus_per_task: flags.cpus_per_task.unwrap_or(study.run.threads.max(1)),
        logs: &logs,
        stamp: &stamp,
    };
    let array_path = folder.join(format!("{stamp}.sbatch"));
    let report_path = folder.join(format!("{stamp}.report.sbatch"));
    write_all_atomic(&[
        (array_path.clone(), job.array_script().into_bytes()),
        (report_path.clone(), job.report_script().into_bytes()),
    ])
    .context("writing the sbatch scripts")?;
    let array_spec = script::array_spec(&units, flags.array_limit);

    if flags.dry_run {
        println!(
            "Wrote {} ({} array tasks: --array={array_spec}) and {}; to submit them:\n  \
             sbatch --parsable {}\n  sbatch --parsable --dependency=afterany:<array job id> {}",
            array_path.display(),
            units.len(),
            report_path.display(),
            array_path.display(),
            report_path.display()
        );
        return Ok(Outcome::Done);
    }

    let array_job = match queue::sbatch(&array_path, &[]) {
        Ok(id) => id,
        Err(e) => {
            // Nothing submitted: nothing left that looks submitted.
            let _ = std::fs::remove_file(&array_path);
            let _ = std::fs::remove_file(&report_path);
            return Err(e.context(format!("submitting {} units of {d}", units.len())));
        }
    };
    let report = queue::sbatch(
        &report_path,
        &[format!("--dependency=afterany:{array_job}")],
    );
    let record = json!({
        "runvar_version": env!("CARGO_PKG_VERSION"),
        "submitted": stamp,
        "array_job": array_job,
        "report_job": report.as_ref().ok(),
        "units": units,
        "array": array_spec,
        "script": array_path,
        "report_script": report_path,
    });
    let record_path = folder.join(format!("{stamp}.json"));
    write_atomic(
        &record_path,
        format!("{}\n", serde_json::to_string_pretty(&record)?).as_bytes(),
    )
    .with_context(|| {
        format!(
            "{}: cannot record submission of job {array_job}",
            record_path.display()
        )
    })?;
    let report_job = report.with_context(|| {
        format!(
            "job {array_job} (the array) was submitted, but its report job was not; run \
             `runvar report {d}` once the array has ended"
        )
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&record)?);
    } else {
        print_submitted(
            &record_path,
            &array_job,
            &report_job,
            units.len(),
            &array_spec,
        );
    }
    Ok(Outcome::Done)
}

/// The job ids, and how to follow them.
fn print_submitted(record: &Path, array_job: &str, report_job: &str, tasks: usize, spec: &str) {
    let folder = record.parent().map(PathBuf::from).unwrap_or_default();
    let dir = folder.parent().map(PathBuf::from).unwrap_or_default();
    println!(
        "Submitted job {array_job}: {tasks} array tasks, one per unit (--array={spec})\n\
         Submitted job {report_job}: runvar report, once job {array_job} has ended\n\
         Follow:  squeue -j {array_job},{report_job}\n         runvar status {}\n         \
         tail -f {}/logs/{array_job}_*.out\n\
         Resume:  the same command again submits the units still missing",
        dir.display(),
        folder.display()
    );
}
