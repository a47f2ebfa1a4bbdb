//! The units of a study's work, and claiming them so that many processes share it.
//!
//! A unit is one pack: replicas `k * pack .. (k + 1) * pack` of one condition (one run when
//! `pack` is 1). Units are named by the plan alone, so every process, on any host, names the
//! same unit the same way, and claims it through its claim file
//! ([`StudyDir::claim_path`], protocol in [`crate::store::claim`]).

use std::io;
use std::path::Path;

use super::{PlannedRun, StudySpec};
use crate::store::claim::{self, Acquired, Claim};
use crate::store::{is_temporary, StudyDir, TempOwner};

/// The unit of `run` with packs of `pack`: its condition and replica block.
pub fn unit_key(run: &PlannedRun, pack: usize) -> (usize, usize) {
    (run.condition, run.replica / pack.max(1))
}

/// The units of `runs` (a study's plan, in order): indices into `runs`, unit by unit.
pub fn units(runs: &[PlannedRun], pack: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        match out.last_mut() {
            Some(last) if unit_key(&runs[last[0]], pack) == unit_key(run, pack) => last.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

/// The claim file of the unit holding `run`.
pub fn claim_path(study: &StudySpec, dir: &Path, run: &PlannedRun) -> std::path::PathBuf {
    let pack = study.pack.max(1);
    StudyDir::at(dir).claim_path(
        &study.conditions[run.condition].name,
        run.replica / pack * pack,
    )
}

/// Claim the unit of `runs` (runs of one unit) for this process: `None` when another live
/// process holds it. When a stale claim is taken over, its owner's temporary run directories
/// of these runs are removed (they are abandoned; only the owner or its successor removes
/// them).
///
/// # Errors
/// The claims folder cannot be made or written, or a temporary cannot be removed.
pub fn claim_unit(
    study: &StudySpec,
    dir: &Path,
    runs: &[&PlannedRun],
) -> io::Result<Option<Claim>> {
    let Some(first) = runs.first() else {
        return Ok(None);
    };
    match claim::acquire(&claim_path(study, dir, first), claim::lease())? {
        Acquired::Held(_) => Ok(None),
        Acquired::Mine { claim, replaced } => {
            if let Some(owner) = replaced {
                remove_temporaries_of(&owner.temp_owner(), runs)?;
            }
            Ok(Some(claim))
        }
    }
}

/// Remove the temporary run directories that `owner` left for `runs`.
fn remove_temporaries_of(owner: &TempOwner, runs: &[&PlannedRun]) -> io::Result<()> {
    for run in runs {
        let (Some(parent), Some(name)) = (run.dir.parent(), run.dir.file_name()) else {
            continue;
        };
        let prefix = format!(".{}.tmp-", name.to_string_lossy());
        let Ok(entries) = std::fs::read_dir(parent) else {
            continue;
        };
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if is_temporary(&n)
                && n.starts_with(&prefix)
                && TempOwner::of(&n).as_ref() == Some(owner)
            {
                std::fs::remove_dir_all(e.path())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runspec::RunSpec;
    use crate::study::plan;

    #[test]
    fn a_unit_is_claimed_once_and_a_dead_owners_temporaries_go_with_its_claim() {
        let tmp = tempfile::tempdir().unwrap();
        let mut study = StudySpec::new(RunSpec::from_preset("digits-mlp").unwrap(), 4);
        study.pack = 2;
        let runs = plan(&study, tmp.path());
        let unit: Vec<&PlannedRun> = runs[2..4].iter().collect(); // control, replicas 2 and 3
        assert_eq!(
            claim_path(&study, tmp.path(), unit[1]),
            tmp.path().join("claims/control.0002.json")
        );
        let mine = claim_unit(&study, tmp.path(), &unit).unwrap();
        assert!(mine.is_some());
        assert!(claim_unit(&study, tmp.path(), &unit).unwrap().is_none());
        drop(mine);
        // A dead process of this host held it and left a temporary; another host's stays.
        let dead = TempOwner {
            pid: u32::MAX,
            ..TempOwner::this_process()
        };
        let record = claim::ClaimRecord {
            owner: claim::ClaimOwner {
                pid: u32::MAX,
                ..claim::ClaimOwner::this_process()
            },
            token: "t".into(),
        };
        let path = claim_path(&study, tmp.path(), unit[0]);
        std::fs::write(&path, serde_json::to_string(&record).unwrap()).unwrap();
        let cond = tmp.path().join("runs/control");
        let left = cond.join(dead.temporary_name("0003", 9));
        let other = cond.join(".0003.tmp-another-host-1-9");
        std::fs::create_dir_all(&left).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        assert!(claim_unit(&study, tmp.path(), &unit).unwrap().is_some());
        assert!(!left.exists() && other.exists());
    }
}
