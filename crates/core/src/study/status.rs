//! Where a study directory stands, read from the directory alone (never from a scheduler):
//! per condition, runs done, claimed by a live process, missing or rejected; the claims with
//! their owners; and an estimate of the time left.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::{claim_path, units, RunState, StudySpec, Survey};
use crate::store::claim::{self, ClaimOwner};

/// One condition's runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionStatus {
    /// The condition.
    pub name: String,
    /// Finished and counted.
    pub done: usize,
    /// Not finished; its unit is claimed by a live process.
    pub claimed: usize,
    /// Not finished and not claimed (or claimed by a process that is gone).
    pub missing: usize,
    /// Finished but not counted (see [`Survey`]).
    pub rejected: usize,
}

/// One claim file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimStatus {
    /// The unit, `<condition>.<NNNN>` (its first replica).
    pub unit: String,
    /// Its owner, when the file could be read.
    pub owner: Option<ClaimOwner>,
    /// Seconds since its last heartbeat.
    pub age_seconds: f64,
    /// True when its owner is gone and the unit will be taken over.
    pub stale: bool,
}

/// A study directory's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyStatus {
    /// Per condition, in the study's order.
    pub conditions: Vec<ConditionStatus>,
    /// Every claim file, by unit.
    pub claims: Vec<ClaimStatus>,
    /// Units with a run still to train.
    pub units_left: usize,
    /// Those of them that no live process holds: their indices in plan order, as
    /// `runvar worker --unit K` takes them (what a scheduler has still to start).
    pub missing_units: Vec<usize>,
    /// Mean wall time of a finished unit (a run's `wall_seconds`, for a pack the pack's).
    pub seconds_per_unit: Option<f64>,
    /// `units_left x seconds_per_unit / max(1, live claim owners)`: the time left if the
    /// processes training now go on at the pace of the finished units.
    pub eta_seconds: Option<f64>,
}

impl StudyStatus {
    /// The state of the study `study` in `dir` (a [`Survey`] and its claims), with claims
    /// stale past `lease`.
    pub fn of(study: &StudySpec, dir: &Path, lease: Duration) -> StudyStatus {
        let survey = Survey::of(study, dir);
        let mut conditions: Vec<ConditionStatus> = study
            .conditions
            .iter()
            .map(|c| ConditionStatus {
                name: c.name.clone(),
                done: 0,
                claimed: 0,
                missing: 0,
                rejected: 0,
            })
            .collect();
        let mut claims = Vec::new();
        let mut owners = std::collections::BTreeSet::new();
        let (mut units_left, mut walls) = (0usize, Vec::new());
        let mut missing_units = Vec::new();
        for (k, unit) in units(&survey.runs, study.pack).into_iter().enumerate() {
            let first = &survey.runs[unit[0]];
            let path = claim_path(study, dir, first);
            let state = claim::inspect(&path, lease);
            let live = state.as_ref().is_some_and(|s| !s.stale);
            if let Some(s) = state {
                let owner = s.record.map(|r| r.owner);
                if let (false, Some(o)) = (s.stale, &owner) {
                    owners.insert((o.placement.host.clone(), o.pid));
                }
                claims.push(ClaimStatus {
                    unit: path
                        .file_stem()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    owner,
                    age_seconds: s.age.as_secs_f64(),
                    stale: s.stale,
                });
            }
            let mut left = false;
            for &i in &unit {
                let c = &mut conditions[survey.runs[i].condition];
                match &survey.states[i] {
                    RunState::Counted(rec) => {
                        c.done += 1;
                        if i == unit[0] {
                            walls.push(rec.wall_seconds);
                        }
                    }
                    RunState::Rejected(_) => c.rejected += 1,
                    RunState::ToTrain => {
                        left = true;
                        if live {
                            c.claimed += 1;
                        } else {
                            c.missing += 1;
                        }
                    }
                }
            }
            units_left += usize::from(left);
            if left && !live {
                missing_units.push(k);
            }
        }
        let seconds_per_unit =
            (!walls.is_empty()).then(|| walls.iter().sum::<f64>() / walls.len() as f64);
        StudyStatus {
            conditions,
            claims,
            units_left,
            missing_units,
            seconds_per_unit,
            eta_seconds: seconds_per_unit
                .map(|s| units_left as f64 * s / owners.len().max(1) as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runspec::RunSpec;
    use crate::store::claim::{Acquired, ClaimRecord};

    #[test]
    fn claimed_and_missing_runs_are_told_apart() {
        let tmp = tempfile::tempdir().unwrap();
        let mut study = StudySpec::new(RunSpec::from_preset("digits-mlp").unwrap(), 4);
        study.conditions.truncate(2);
        study.pack = 2;
        let lease = Duration::from_secs(60);
        // control 0..2 claimed by this process; init 2..4 by a dead one.
        let runs = super::super::plan(&study, tmp.path());
        let Acquired::Mine { claim: _held, .. } =
            claim::acquire(&claim_path(&study, tmp.path(), &runs[0]), lease).unwrap()
        else {
            panic!("ours");
        };
        let dead = ClaimRecord {
            owner: ClaimOwner {
                pid: u32::MAX,
                ..ClaimOwner::this_process()
            },
            token: "t".into(),
        };
        let path = claim_path(&study, tmp.path(), &runs[6]);
        std::fs::write(&path, serde_json::to_string(&dead).unwrap()).unwrap();
        let s = StudyStatus::of(&study, tmp.path(), lease);
        let counts: Vec<(usize, usize, usize)> = s
            .conditions
            .iter()
            .map(|c| (c.done, c.claimed, c.missing))
            .collect();
        assert_eq!(counts, [(0, 2, 2), (0, 0, 4)]);
        assert_eq!(s.units_left, 4);
        assert_eq!(
            s.missing_units,
            [1, 2, 3],
            "unit 0 is held by a live process"
        );
        assert_eq!(s.eta_seconds, None, "no finished unit to time");
        let units: Vec<(&str, bool)> = s
            .claims
            .iter()
            .map(|c| (c.unit.as_str(), c.stale))
            .collect();
        assert_eq!(units, [("control.0000", false), ("init.0002", true)]);
    }
}
