//! `runvar study`: plan, train what is missing on a worker pool, analyse, report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use runvar_core::data;
use runvar_core::runspec::Device;
use runvar_core::store::{RunFiles, SpecRecord, StudyDir};
use runvar_core::study::{self, StudySpec};
use runvar_engine::{device, memory, pool, EngineError};

use crate::args::slurm::Backend;
use crate::args::StudyArgs;
use crate::progress::StudyProgress;
use crate::Outcome;

/// The pack size of a study whose pack was not given: the one its directory holds when it
/// resumes (a run's bits depend on its pack size, and the default on free memory), else the
/// device's default (`study.pack` on entry), lowered to the largest pack that fits in the
/// device's free memory.
fn settle_default_pack(study: &StudySpec, dir: &Path, quiet: bool) -> anyhow::Result<usize> {
    // A study.json that cannot be read is reported by `StudyDir::open`.
    if let Ok(Some(existing)) = StudySpec::load(dir) {
        return Ok(existing.pack);
    }
    let k = study.pack;
    if k == 1 {
        return Ok(1);
    }
    let device = device::tch_device(study.run.device)?;
    match memory::check_fits(&study.run, k, device) {
        Err(EngineError::Memory(e)) if e.field == "--pack" && e.largest_count >= 1 => {
            let max_pack = e.largest_count as usize;
            if !quiet {
                eprintln!(
                    "runvar: training in packs of {max_pack}, not the default {k}: {} has {} \
                     free (--pack chooses)",
                    e.place,
                    runvar_core::machine::human(e.available)
                );
            }
            Ok(max_pack)
        }
        Err(e) => Err(e.into()),
        Ok(_) => Ok(k),
    }
}

/// Refuse replicas or bootstrap resamples too many for this machine's memory, before any
/// planning or training (see [`StudySpec::check_sizes`]).
///
/// # Errors
/// The size, with the largest value that fits.
pub fn check_sizes(study: &StudySpec) -> anyhow::Result<()> {
    if let Some(free) = runvar_core::machine::available_memory() {
        study.check_sizes(free)?;
    }
    Ok(())
}

/// Runs (or packs) trained at once: on the CPU `workers`, by default one per core over the
/// threads each run uses; on a GPU one.
///
/// # Errors
/// More than one worker on a GPU: libtorch's deterministic-algorithms switch is one per
/// process, so a low-level-on pack would make the deterministic packs training beside it
/// nondeterministic, and concurrent packs would share memory that each sized for itself alone.
pub fn worker_count(study: &StudySpec, workers: Option<usize>) -> anyhow::Result<usize> {
    match (study.run.device, workers) {
        (Device::Cuda, Some(n)) if n > 1 => bail!(
            "--workers {n}: on a GPU runvar trains one run or pack at a time (libtorch's \
             deterministic-algorithms switch is per process, so runs beside each other could not \
             keep their own low-level setting); use --pack to fill the GPU"
        ),
        (Device::Cuda, _) => Ok(1),
        (Device::Cpu, Some(n)) => Ok(n.max(1)),
        (Device::Cpu, None) => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            Ok((cores / study.run.threads.max(1)).max(1))
        }
    }
}

fn default_dir(study: &StudySpec) -> PathBuf {
    let name = study.run.preset.clone().unwrap_or_else(|| "custom".into());
    PathBuf::from("runs").join(format!("study-{name}"))
}

/// On resuming, say how this machine differs from the one the study's runs were trained on
/// (their bits may differ: another CPU, libtorch or GPU can change floating-point results).
fn note_new_environment(study: &StudySpec, survey: &study::Survey) -> anyhow::Result<()> {
    let Some((run, _)) = survey.records().next() else {
        return Ok(());
    };
    let path = RunFiles::at(&run.dir).spec();
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let Ok(before) = runvar_core::store::from_versioned_json::<SpecRecord>(&text) else {
        return Ok(());
    };
    let device = device::tch_device(study.run.device)?;
    let now = device::environment(device, study.run.threads);
    let changed = runvar_core::store::differences(
        &serde_json::to_value(&before.environment)?,
        &serde_json::to_value(&now)?,
    );
    if !changed.is_empty() {
        eprintln!(
            "runvar: resuming on another machine than {} was trained on ({}); runs trained here \
             may differ in their bits from those trained there",
            run.dir.display(),
            changed.join("; ")
        );
    }
    Ok(())
}

/// Open (or resume) the study directory `dir`, train every run that is not finished on a pool
/// of `workers` threads (see [`worker_count`]), and return the runs that failed to train
/// (`run failed: dir: error`) or that are finished but not counted (`dir: not counted: why`,
/// see [`study::Survey`]; never retrained over), with the survey of the directory after
/// training.
pub fn execute(
    study: &StudySpec,
    dir: &Path,
    workers: usize,
    quiet: bool,
) -> anyhow::Result<(Vec<String>, study::Survey)> {
    execute_some(study, dir, workers, quiet, &|_| true)
}

/// [`execute`] for the runs `select` keeps only (a worker's share of the units).
pub fn execute_some(
    study: &StudySpec,
    dir: &Path,
    workers: usize,
    quiet: bool,
    select: &dyn Fn(&study::PlannedRun) -> bool,
) -> anyhow::Result<(Vec<String>, study::Survey)> {
    let mut survey = study::Survey::of(study, dir);
    let todo: Vec<&study::PlannedRun> = survey
        .to_train()
        .into_iter()
        .filter(|r| select(r))
        .collect();
    if !todo.is_empty() {
        // Before the directory is made: a study that cannot train leaves nothing behind.
        let device = device::tch_device(study.run.device)?;
        let fp = memory::check_fits(&study.run, study.pack, device)?;
        if let (Device::Cpu, Some(free)) =
            (study.run.device, runvar_core::machine::available_memory())
        {
            let pack = study.pack as f64 * fp.bytes_per_replica(study.run.train.batch_size);
            runvar_core::machine::check_size(
                "--workers",
                workers as u64,
                "training that many runs (or packs) at once",
                free,
                |w| w as f64 * pack,
            )?;
        }
    }
    study::prepare(study, dir, &survey)?;
    // Never overwritten: a rejected run may be the only copy of someone's work.
    let mut failures: Vec<String> = study::not_counted(&survey)
        .iter()
        .map(ToString::to_string)
        .collect();
    if todo.is_empty() {
        return Ok((failures, survey));
    }
    if !quiet {
        note_new_environment(study, &survey)?;
    }
    let prepared = data::prepare_task(&study.run).context("loading the dataset")?;
    let names: Vec<&str> = study.conditions.iter().map(|c| c.name.as_str()).collect();
    let mut done = vec![0usize; names.len()];
    for (r, _) in survey.records() {
        done[r.condition] += 1;
    }
    if !quiet {
        let packs = if study.pack > 1 {
            format!(" in packs of {}", study.pack)
        } else {
            String::new()
        };
        eprintln!(
            "runvar: {} runs to train ({} finished already) in {}, {} at a time{packs}",
            todo.len(),
            survey.runs.iter().filter(|r| select(r)).count() - todo.len(),
            dir.display(),
            workers
        );
    }
    let mut progress = StudyProgress::new(quiet, &names, &done, study.replicas, todo.len());
    let todo: Vec<study::PlannedRun> = todo.into_iter().cloned().collect();
    let share = Share { study, dir, select };
    let (here, elsewhere) = train_missing(
        share,
        todo,
        &mut survey,
        (&prepared, workers),
        &mut progress,
        &mut failures,
    );
    progress.finish();
    if !quiet && elsewhere > 0 {
        eprintln!(
            "runvar: {here} runs trained here, {elsewhere} by other processes on {}",
            dir.display()
        );
    }
    Ok((failures, survey))
}

/// The runs of one study directory a process trains: those `select` keeps.
struct Share<'a> {
    study: &'a StudySpec,
    dir: &'a Path,
    select: &'a dyn Fn(&study::PlannedRun) -> bool,
}

/// Train `todo` on the pool, each unit claimed first so that other processes on `dir` (another
/// `runvar study`, workers on other hosts) share the work; then wait for the units other
/// processes hold, and train any whose claim went stale. Returns the runs trained here and
/// those finished elsewhere; failures are appended to `failures` and not retried.
fn train_missing(
    Share { study, dir, select }: Share<'_>,
    mut todo: Vec<study::PlannedRun>,
    survey: &mut study::Survey,
    (prepared, workers): (&data::Task, usize),
    progress: &mut StudyProgress,
    failures: &mut Vec<String>,
) -> (usize, usize) {
    let claim = |unit: &[&study::PlannedRun]| match study::claim_unit(study, dir, unit) {
        Ok(Some(c)) => Some(Some(c)),
        Ok(None) => None,
        Err(e) => {
            // Trained unclaimed: the rename still keeps one copy of each run.
            eprintln!("runvar: cannot claim {}: {e}", unit[0].dir.display());
            Some(None)
        }
    };
    let mut failed: HashSet<PathBuf> = HashSet::new();
    let (mut counted, mut here): (HashSet<PathBuf>, HashSet<PathBuf>) = Default::default();
    let lease = runvar_core::store::claim::lease();
    while !todo.is_empty() {
        let runs: Vec<&study::PlannedRun> = todo.iter().collect();
        pool::run_all(&runs, prepared, workers, study.pack, &claim, |event| {
            let index = match event {
                pool::PoolEvent::Finished { index, .. } => {
                    here.insert(runs[index].dir.clone());
                    index
                }
                pool::PoolEvent::Elsewhere { index } => index,
                pool::PoolEvent::Failed { index, error } => {
                    progress.failed();
                    failed.insert(runs[index].dir.clone());
                    failures.push(format!(
                        "run failed: {}: {error}",
                        runs[index].dir.display()
                    ));
                    return;
                }
            };
            if counted.insert(runs[index].dir.clone()) {
                progress.finished(runs[index].condition);
            }
        });
        survey.refresh(study.pack);
        // Left: runs another process is still training (wait for them), or whose claim
        // went stale meanwhile (train them in the next round).
        todo = survey
            .to_train()
            .into_iter()
            .filter(|r| select(r) && !failed.contains(&r.dir))
            .cloned()
            .collect();
        let held = |r: &study::PlannedRun| {
            runvar_core::store::claim::inspect(&study::claim_path(study, dir, r), lease)
                .is_some_and(|c| !c.stale)
        };
        while !todo.is_empty() && todo.iter().all(held) {
            std::thread::sleep(std::time::Duration::from_millis(500));
            survey.refresh(study.pack);
            todo.retain(|r| !r.is_done());
        }
    }
    (here.len(), counted.difference(&here).count())
}

/// Train `study` in `dir` as [`execute`] does; a `--target-ci` study round after round, each
/// round's replicas written to its `study.json` before the round is trained, until
/// [`study::target::standing`] says stop (or a run fails: a round with failures is not
/// grown). Returns [`execute`]'s failures and survey of the last round.
fn train_rounds(
    study: &mut StudySpec,
    dir: &Path,
    workers: usize,
    quiet: bool,
) -> anyhow::Result<(Vec<String>, study::Survey)> {
    loop {
        let (failures, survey) = execute(study, dir, workers, quiet)?;
        let Some(target) = study.target.clone() else {
            return Ok((failures, survey));
        };
        if !failures.is_empty() {
            return Ok((failures, survey));
        }
        let standing = study::target::standing(study, &survey)
            .map_err(|(condition, e)| anyhow::anyhow!("condition `{condition}`: {e}"))?;
        let study::target::Standing::Next(next, widths) = standing else {
            return Ok((failures, survey));
        };
        if !quiet {
            let widest = widths
                .iter()
                .max_by(|a, b| a.width().total_cmp(&b.width()))
                .expect("a study has conditions");
            eprintln!(
                "runvar: {} replicas: {}'s accuracy-SD interval is {:.2} pp wide, target {:.2}; \
                 next round to {next} replicas",
                study.replicas,
                widest.condition,
                widest.width(),
                target.ci_width
            );
        }
        study.replicas = next;
        StudyDir::at(dir).replace(&*study)?;
    }
}

/// Run `runvar study`.
pub fn run(a: StudyArgs) -> anyhow::Result<Outcome> {
    let (mut study, pack_given) = a.study()?;
    match &study.target {
        // Sized for the cap: the rounds may grow the study to it.
        Some(t) => check_sizes(&StudySpec {
            replicas: study.replicas.max(t.max_replicas),
            ..study.clone()
        })
        .context("--max-replicas")?,
        None => check_sizes(&study)?,
    }
    let dir = a.out.clone().unwrap_or_else(|| default_dir(&study));
    if a.backend == Backend::Slurm {
        if study.target.is_some() {
            bail!(
                "--target-ci: the Slurm backend submits a fixed plan (one array task per unit, \
                 then the report job), so nothing is there to decide after a round whether to \
                 train another; run --target-ci with --backend local, or submit a fixed \
                 --replicas N"
            );
        }
        if let Some(w) = a.workers {
            bail!("--workers {w}: with --backend slurm each array task trains one unit");
        }
        if !pack_given {
            // The GPU is on the compute nodes, not here: the default pack is not lowered to
            // fit one, unless the directory already has its own.
            if let Ok(Some(existing)) = StudySpec::load(&dir) {
                study.pack = existing.pack;
            }
        }
        return crate::slurm::submit(&study, &dir, &a.slurm, a.output.json, a.output.silent());
    }
    if let Some(flag) = a.slurm.first_given() {
        bail!("{flag}: a Slurm option; add --backend slurm to submit the study as a job array");
    }
    let workers = worker_count(&study, a.workers)?; // before looking for a GPU
    if !pack_given {
        study.pack = settle_default_pack(&study, &dir, a.output.silent())?;
    }
    // A `--target-ci` study resumes at the round its directory is in.
    let mut study = study::target::resume(study, &dir)?;
    let (failures, survey) = train_rounds(&mut study, &dir, workers, a.output.silent())?;
    let reported = (|| -> anyhow::Result<()> {
        let report = study::build_report(&dir, &study, &survey)?;
        study::write_report(&dir, &report)?;
        crate::output::print_report(&report, &dir, a.output.json)
    })();
    // Named even when the report cannot be written (a full disk fails both).
    let outcome = Outcome::naming(&failures);
    reported?;
    Ok(outcome)
}
