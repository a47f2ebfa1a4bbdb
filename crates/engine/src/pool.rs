//! Train many runs on a pool of worker threads, each run (or replica pack) on its own
//! libtorch threads.
//!
//! Why threads, not processes: the runs of a study share one dataset in memory and one
//! libtorch; a process per run would reload both (about 1.3 s of start-up per process here).
//! libtorch's intra-op thread count is per OS thread (OpenMP), so each worker sets its own,
//! and a run's bits do not depend on which worker trains it.
//!
//! With packs of K, the runs of one condition are trained K at a time as one stacked model:
//! replicas `0..K`, `K..2K`, ... of a condition form its units, the same in every process, so a
//! unit can be claimed by name ([`runvar_core::store::claim`]). A run's bits depend on its
//! pack's size, so a pack with fewer than K runs left is filled up with throw-away copies of
//! its first run: every run is trained in a pack of exactly K, however the runs were grouped or
//! resumed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use runvar_core::store::{RunRecord, StoreError};
use runvar_core::study::{unit_key, PlannedRun};

use crate::train::Trainer;
use runvar_core::data::Task;

/// What the pool reports, in completion order.
#[derive(Debug)]
pub enum PoolEvent {
    /// Run `index` (into the slice given to [`run_all`]) finished and was written.
    Finished {
        /// Index of the run.
        index: usize,
        /// Its record.
        record: Box<RunRecord>,
    },
    /// Run `index` was finished by another process (it held the unit's claim, or its copy
    /// was renamed into place first); this process's copy, if any, was discarded.
    Elsewhere {
        /// Index of the run.
        index: usize,
    },
    /// Run `index` failed; nothing was written for it.
    Failed {
        /// Index of the run.
        index: usize,
        /// The error, with its causes.
        error: String,
    },
}

/// The runs of `runs` grouped by unit: consecutive runs of one condition whose replicas fall
/// in one block `[k * pack, (k + 1) * pack)`. Indices into `runs`.
pub fn packs(runs: &[&PlannedRun], pack: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        match out.last_mut() {
            Some(last) if unit_key(runs[last[0]], pack) == unit_key(run, pack) => last.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

/// Train and save the runs `members` (indices into `runs`) as one pack of `pack` replicas;
/// one event per member.
fn train_pack(runs: &[&PlannedRun], members: &[usize], pack: usize, data: &Task) -> Vec<PoolEvent> {
    let mut specs: Vec<_> = members.iter().map(|&i| runs[i].spec.clone()).collect();
    while specs.len() < pack {
        specs.push(specs[0].clone());
    }
    let trained = match data {
        Task::Images(data) => Trainer::pack(&specs, data).and_then(|t| t.run_pack(&mut |_| {})),
        // Language models train one at a time (a study of them has packs of 1).
        Task::Text(_) => specs
            .iter()
            .map(|s| Ok(crate::task::train(s, data, &mut |_| {})))
            .collect(),
    };
    let outcomes = match trained {
        Ok(outcomes) => outcomes,
        Err(e) => {
            let error = e.to_string();
            return members
                .iter()
                .map(|&index| PoolEvent::Failed {
                    index,
                    error: error.clone(),
                })
                .collect();
        }
    };
    members
        .iter()
        .zip(outcomes)
        .map(|(&index, outcome)| {
            let o = match outcome {
                Ok(o) => o,
                Err(e) => {
                    let error = e.to_string();
                    return PoolEvent::Failed { index, error };
                }
            };
            match o.save(&runs[index].dir) {
                Ok(_) => PoolEvent::Finished {
                    index,
                    record: Box::new(o.record),
                },
                // Another process renamed its copy into place first: the rename decided.
                Err(StoreError::Exists { .. }) if runs[index].is_done() => {
                    PoolEvent::Elsewhere { index }
                }
                Err(e) => PoolEvent::Failed {
                    index,
                    error: e.to_string(),
                },
            }
        })
        .collect()
}

/// Train and save every run of `runs` on `workers` threads, in packs of `pack` replicas (1:
/// each run alone), reporting each run as it ends. Runs are taken in order; a failed run does
/// not stop the others.
///
/// Before a unit is trained, `claim` is asked for it (its runs): `None` means another process
/// has it, and its runs are reported [`PoolEvent::Elsewhere`]; `Some(guard)` is held while the
/// unit trains and dropped after. Runs finished by another process by then are not trained.
pub fn run_all<G>(
    runs: &[&PlannedRun],
    data: &Task,
    workers: usize,
    pack: usize,
    claim: &(dyn Fn(&[&PlannedRun]) -> Option<G> + Sync),
    mut on_event: impl FnMut(PoolEvent),
) {
    let pack = pack.max(1);
    let jobs = packs(runs, pack);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1).min(jobs.len().max(1)) {
            let tx = tx.clone();
            let (next, jobs) = (&next, &jobs);
            scope.spawn(move || {
                while let Some(members) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let unit: Vec<&PlannedRun> = members.iter().map(|&i| runs[i]).collect();
                    let guard = claim(&unit);
                    let (todo, done): (Vec<usize>, Vec<usize>) = members
                        .iter()
                        .partition(|&&i| guard.is_some() && !runs[i].is_done());
                    let mut events: Vec<PoolEvent> = done
                        .into_iter()
                        .map(|index| PoolEvent::Elsewhere { index })
                        .collect();
                    if !todo.is_empty() {
                        events.extend(train_pack(runs, &todo, pack, data));
                    }
                    drop(guard);
                    for event in events {
                        if tx.send(event).is_err() {
                            return;
                        }
                    }
                }
            });
        }
        drop(tx);
        for event in rx {
            on_event(event);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use runvar_core::runspec::RunSpec;

    #[test]
    fn packs_are_the_units_of_the_plan() {
        let spec = RunSpec::from_preset("digits-mlp").unwrap();
        let plan = |units: &[(usize, usize)]| -> Vec<PlannedRun> {
            units
                .iter()
                .map(|&(condition, replica)| PlannedRun {
                    condition,
                    replica,
                    spec: spec.clone(),
                    dir: format!("r{condition}-{replica}").into(),
                })
                .collect()
        };
        let runs = plan(&[
            (0, 0),
            (0, 1),
            (0, 2),
            (1, 0),
            (1, 1),
            (2, 0),
            (2, 1),
            (2, 2),
            (2, 3),
            (2, 4),
        ]);
        let refs: Vec<&PlannedRun> = runs.iter().collect();
        assert_eq!(
            packs(&refs, 2),
            vec![
                vec![0, 1],
                vec![2],
                vec![3, 4],
                vec![5, 6],
                vec![7, 8],
                vec![9]
            ]
        );
        assert_eq!(packs(&refs, 1).len(), 10);
        assert_eq!(
            packs(&refs, 8),
            vec![vec![0, 1, 2], vec![3, 4], vec![5, 6, 7, 8, 9]]
        );
        // Resumed with replica 0 done: the units stay those of the plan.
        let rest = plan(&[(0, 1), (0, 2), (0, 3)]);
        let refs: Vec<&PlannedRun> = rest.iter().collect();
        assert_eq!(packs(&refs, 2), vec![vec![0], vec![1, 2]]);
    }
}
