//! One entry point for both kinds of task: a classifier ([`Trainer`]) or a language model
//! ([`LmTrainer`]), chosen by the data the spec loaded.

use runvar_core::data::Task;
use runvar_core::runspec::RunSpec;

use crate::lm::LmTrainer;
use crate::train::{Event, Outcome, Trainer};
use crate::EngineError;

/// Train one run of `spec` on `task` (what [`runvar_core::data::prepare_task`] loaded for it).
///
/// # Errors
/// As [`Trainer::run`] and [`LmTrainer::run`].
pub fn train(
    spec: &RunSpec,
    task: &Task,
    on_event: &mut dyn FnMut(Event),
) -> Result<Outcome, EngineError> {
    match task {
        Task::Images(data) => Trainer::new(spec, data)?.run(on_event),
        Task::Text(data) => LmTrainer::new(spec, data)?.run(on_event),
    }
}
