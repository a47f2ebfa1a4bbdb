//! runvar-core: everything in runvar that needs no libtorch.
//!
//! The pipeline is spec → seeds → data → (training, in `runvar-engine`) → store → metrics →
//! report. This crate holds the typed run specification and its presets ([`spec`]), the
//! counter-based random streams, one per source of nondeterminism ([`seed`]), the dataset
//! loaders ([`data`]), the run store ([`store`]), and the variability metrics ([`metrics`]) with
//! their statistics ([`stats`]). It builds and tests in seconds.
#![deny(missing_docs)]

pub mod analysis;
pub mod batches;
pub mod data;
pub mod instability;
pub mod machine;
pub mod metrics;
pub(crate) mod render;
pub mod report;
pub mod schedule;
pub mod seed;
pub mod spec;
pub mod stats;
pub mod store;
pub mod study;
pub mod testing;
