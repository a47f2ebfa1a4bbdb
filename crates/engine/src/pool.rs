//! Train many runs on a pool of worker threads, each run (or replica pack) on its own
//! libtorch threads.
//!
//! Why threads, not processes: the runs of a study share one dataset in memory and one
//! libtorch; a process per run would reload both (about 1.3 s of start-up per process here).
//! libtorch's intra-op thread count is per OS thread (OpenMP), so each worker sets its own,
//! and a run's bits do not depend on which worker trains it.
//!
//! With packs of K, consecutive runs of one condition are trained together as one stacked
//! model. A run's bits depend on its pack's size, so a pack with fewer than K runs left is
//! filled up with throw-away copies of its first run: every run is trained in a pack of
//! exactly K, however the runs were grouped or resumed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use runvar_core::store::RunRecord;
use runvar_core::study::PlannedRun;

use crate::train::Trainer;
use runvar_core::data::Prepared;

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
    /// Run `index` failed; nothing was written for it.
    Failed {
        /// Index of the run.
        index: usize,
        /// The error, with its causes.
        error: String,
    },
}

/// Consecutive runs of one condition, at most `pack` at a time: indices into `runs`.
pub fn packs(runs: &[&PlannedRun], pack: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.len() < pack && runs[last[0]].condition == run.condition => {
                last.push(i)
            }
            _ => out.push(vec![i]),
        }
    }
    out
}

/// Train and save the runs `members` (indices into `runs`) as one pack of `pack` replicas;
/// one event per member.
fn train_pack(
    runs: &[&PlannedRun],
    members: &[usize],
    pack: usize,
    data: &Prepared,
) -> Vec<PoolEvent> {
    let mut specs: Vec<_> = members.iter().map(|&i| runs[i].spec.clone()).collect();
    while specs.len() < pack {
        specs.push(specs[0].clone());
    }
    let outcomes = match Trainer::pack(&specs, data).and_then(|t| t.run_pack(&mut |_| {})) {
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
            let saved = outcome.map_err(|e| e.to_string()).and_then(|o| {
                o.save(&runs[index].dir)
                    .map(|_| o.record)
                    .map_err(|e| e.to_string())
            });
            match saved {
                Ok(record) => PoolEvent::Finished {
                    index,
                    record: Box::new(record),
                },
                Err(error) => PoolEvent::Failed { index, error },
            }
        })
        .collect()
}

/// Train and save every run of `runs` on `workers` threads, in packs of `pack` replicas (1:
/// each run alone), reporting each run as it ends. Runs are taken in order; a failed run does
/// not stop the others.
pub fn run_all(
    runs: &[&PlannedRun],
    data: &Prepared,
    workers: usize,
    pack: usize,
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
                    for event in train_pack(runs, members, pack, data) {
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
    fn packs_group_consecutive_runs_of_one_condition() {
        let spec = RunSpec::from_preset("digits-mlp").unwrap();
        let runs: Vec<PlannedRun> = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2]
            .iter()
            .enumerate()
            .map(|(i, &condition)| PlannedRun {
                condition,
                replica: i,
                spec: spec.clone(),
                dir: format!("r{i}").into(),
            })
            .collect();
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
    }
}
