//! `runvar worker`: train a share of an existing study directory's units.

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::{bail, Context};
use runvar_core::study::{self, StudySpec};

use crate::args::values::DeviceArg;
use crate::args::WorkerArgs;
use crate::Outcome;

/// Run `runvar worker`.
pub fn run(a: WorkerArgs) -> anyhow::Result<Outcome> {
    let dir = &a.dir;
    let study = StudySpec::load(dir)?.with_context(|| {
        format!(
            "{}: no study.json; a worker trains the units of a study directory made by runvar \
             study",
            dir.display()
        )
    })?;
    super::study::check_sizes(&study)?;
    if let Some(d) = a.device {
        if d.device != study.run.device {
            bail!(
                "--device {d}: {} trains on {} (its study.json); its runs cannot move to \
                 another kind of device",
                dir.display(),
                DeviceArg {
                    device: study.run.device,
                    gpu: None
                }
            );
        }
        d.choose();
    }
    let plan = study::plan(&study, dir);
    let units = study::units(&plan, study.pack);
    let chosen: Vec<usize> = match (a.shard, a.unit) {
        (_, Some(k)) if k >= units.len() => bail!(
            "--unit {k}: {} has {} units (0..={}), packs of {} replicas of {} conditions",
            dir.display(),
            units.len(),
            units.len().saturating_sub(1),
            study.pack,
            study.conditions.len()
        ),
        (_, Some(k)) => vec![k],
        (Some(s), None) => (0..units.len())
            .filter(|k| k % s.count == s.index)
            .collect(),
        (None, None) => (0..units.len()).collect(),
    };
    let mine: HashSet<PathBuf> = chosen
        .iter()
        .flat_map(|&k| units[k].iter().map(|&i| plan[i].dir.clone()))
        .collect();
    let workers = super::study::worker_count(&study, a.workers)?;
    let (failures, survey) =
        super::study::execute_some(&study, dir, workers, a.quiet, &|r| mine.contains(&r.dir))?;
    let missing = survey
        .to_train()
        .into_iter()
        .filter(|r| mine.contains(&r.dir))
        .count();
    if !a.quiet {
        eprintln!(
            "runvar: worker done: {} of its {} runs finished; `runvar report {}` when every \
             worker is",
            mine.len() - missing,
            mine.len(),
            dir.display()
        );
    }
    Ok(Outcome::naming(&failures))
}
