//! Train many runs on a pool of worker threads, each run on one libtorch thread.
//!
//! Why threads, not processes: the runs of a study share one dataset in memory and one
//! libtorch; a process per run would reload both (about 1.3 s of start-up per process here).
//! libtorch's intra-op thread count is per OS thread (OpenMP), so each worker sets its own,
//! and a run's bits do not depend on which worker trains it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use runvar_core::store::RunRecord;
use runvar_core::study::PlannedRun;

use crate::data::Prepared;
use crate::train::Trainer;

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

/// Train and save every run of `runs` on `workers` threads, reporting each as it ends.
/// Runs are taken in order; a failed run does not stop the others.
pub fn run_all(
    runs: &[&PlannedRun],
    data: &Prepared,
    workers: usize,
    mut on_event: impl FnMut(PoolEvent),
) {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1).min(runs.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(run) = runs.get(index) else { break };
                let result = Trainer::new(&run.spec, data)
                    .and_then(|t| t.run(&mut |_| {}))
                    .map_err(|e| e.to_string())
                    .and_then(|outcome| {
                        outcome
                            .save(&run.dir)
                            .map(|_| outcome.record)
                            .map_err(|e| e.to_string())
                    });
                let event = match result {
                    Ok(record) => PoolEvent::Finished {
                        index,
                        record: Box::new(record),
                    },
                    Err(error) => PoolEvent::Failed { index, error },
                };
                if tx.send(event).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for event in rx {
            on_event(event);
        }
    });
}
