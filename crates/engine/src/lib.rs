//! runvar-engine: trains one run of a [`RunSpec`](runvar_core::spec::RunSpec) on libtorch.
//!
//! The pipeline: [`data::prepare`] loads and normalizes the dataset; [`train::Trainer::new`]
//! sets the thread count, builds the network from the `init` stream ([`model`]), applies the
//! optional bit flip ([`bitflip`]), and [`train::Trainer::run`] trains with SGD on the recipe's
//! schedule, drawing example order, augmentation, dropout masks and the low-level permutation
//! from their own streams, then evaluates the test set. The engine never prints: it sends
//! [`train::Event`] values to the caller.
//!
//! ```no_run
//! use runvar_core::spec::RunSpec;
//! use runvar_engine::{data, train::Trainer};
//! let mut spec = RunSpec::from_preset("digits-mlp")?;
//! spec.threads = 1;
//! let prepared = data::prepare(&spec)?;
//! let outcome = Trainer::new(&spec, &prepared)?.run(&mut |_event| {})?;
//! println!("test accuracy {:.2}%", 100.0 * outcome.record.test_accuracy);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod batch;
pub mod bitflip;
mod cuda_runtime;
pub mod data;
pub mod device;
mod error;
pub mod eval;
pub mod lockstep;
pub mod memory;
pub mod model;
pub mod params;
pub mod pool;
pub mod speed;
pub mod train;

pub use error::EngineError;
