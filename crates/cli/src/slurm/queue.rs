//! Talking to Slurm: `sbatch --parsable` to submit, `squeue` to see which tasks of earlier
//! submissions are still queued. Only the stable surface of the commands is used (their
//! flags have not changed from Slurm 20 to 25).

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

/// What went wrong running a Slurm command, worded for the user.
fn failed(program: &str, e: &io::Error) -> anyhow::Error {
    if e.kind() == io::ErrorKind::NotFound {
        anyhow::anyhow!(
            "{program}: not found on PATH; --backend slurm submits from a machine with Slurm's \
             commands (a login node); --dry-run writes the scripts without submitting"
        )
    } else {
        anyhow::anyhow!("{program}: cannot run it: {e}")
    }
}

/// Run `program` with `args`; its stdout when it exits 0.
///
/// # Errors
/// It cannot be started, or it fails: its exit status and stderr.
fn run<I, S>(program: &str, args: I) -> anyhow::Result<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| failed(program, &e))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{program} failed ({}): {}",
            out.status,
            stderr.trim().lines().last().unwrap_or("no message")
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Submit `script` with `sbatch --parsable` and `extra` options before it; the job id.
///
/// # Errors
/// sbatch is missing or refuses the job (its message), or prints no job id.
pub fn sbatch(script: &Path, extra: &[String]) -> anyhow::Result<String> {
    let mut args: Vec<&OsStr> = vec![OsStr::new("--parsable")];
    args.extend(extra.iter().map(OsStr::new));
    args.push(script.as_os_str());
    let out = run("sbatch", &args)?;
    // `<id>` or, on a multi-cluster setup, `<id>;<cluster>`.
    let id = out.trim().split(';').next().unwrap_or_default();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("sbatch printed no job id (it printed {:?})", out.trim());
    }
    Ok(id.to_string())
}

/// The task ids of the array jobs `jobs` that are still queued or running, by `squeue`
/// (one line per array task: `squeue -r`).
///
/// # Errors
/// squeue is missing or fails.
pub fn queued_tasks(jobs: &BTreeSet<String>) -> anyhow::Result<BTreeSet<usize>> {
    let out = run(
        "squeue",
        ["--noheader", "--array", "--me", "--format=%F %K"],
    )
    .context("asking squeue which tasks of earlier submissions are still queued")?;
    Ok(parse_queue(&out, jobs))
}

/// The task ids of the lines `<array job id> <task id>` whose job is one of `jobs`.
fn parse_queue(out: &str, jobs: &BTreeSet<String>) -> BTreeSet<usize> {
    out.lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(job, _)| jobs.contains(job.trim()))
        .filter_map(|(_, task)| task.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_tasks_are_those_of_our_arrays() {
        let jobs: BTreeSet<String> = ["41".to_string(), "45".to_string()].into();
        let out = "41 3\n41 7\n42 0\n45 12\n46 N/A\n";
        assert_eq!(parse_queue(out, &jobs), [3, 7, 12].into());
    }
}
