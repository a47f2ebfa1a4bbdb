//! runvar-engine: trains one run of a [`RunSpec`](runvar_core::runspec::RunSpec) on libtorch.
//!
//! The pipeline: [`runvar_core::data::prepare`] loads and normalizes the dataset;
//! [`train::Trainer::new`] configures libtorch ([`runtime`]), builds the network from the
//! `init` stream ([`model`]) and applies the optional bit flip ([`bitflip`]);
//! [`train::Trainer::run`] walks the one training loop ([`train::epoch`]): each epoch's example
//! order, augmentation, dropout masks and low-level permutation drawn from their own streams,
//! each minibatch assembled ([`assemble`]) and stepped with SGD on the recipe's schedule, then
//! the test set evaluated ([`train::evaluator`]). The engine never prints: it sends
//! [`train::Event`] values to the caller.
//!
//! ```no_run
//! use runvar_core::data;
//! use runvar_core::runspec::RunSpec;
//! use runvar_engine::train::Trainer;
//! let mut spec = RunSpec::from_preset("digits-mlp")?;
//! spec.threads = 1;
//! let prepared = data::prepare(&spec)?;
//! let outcome = Trainer::new(&spec, &prepared)?.run(&mut |_event| {})?;
//! println!("test accuracy {:.2}%", 100.0 * outcome.record.test_accuracy);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod assemble;
pub mod bitflip;
mod cuda_runtime;
pub mod device;
mod error;
pub mod lm;
pub mod lockstep;
pub mod memory;
pub mod model;
pub mod params;
pub mod pool;
pub mod runtime;
pub mod speed;
pub mod task;
pub mod train;

pub use error::EngineError;
