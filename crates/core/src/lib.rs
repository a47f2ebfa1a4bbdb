//! runvar-core: everything in runvar that needs no libtorch. It builds and tests in seconds.
//!
//! The modules, in the order data flows through them (training itself is `runvar-engine`'s):
//!
//! - [`runspec`]: what the user asks for: the run spec (data, model, recipe, seeds, TTA views),
//!   presets, parsing and validation, and the arithmetic cost of a spec;
//! - [`machine`]: what this machine has; sizes checked against it before any allocation;
//! - [`seed`]: one counter-based random stream per source of nondeterminism;
//! - [`data`]: datasets as plain arrays (loaders, generated data, normalisation);
//! - [`batches`] and [`schedule`]: each epoch's example order, augmentation draws and low-level
//!   permutation, and the learning rate of each step;
//! - [`store`]: the on-disk layout ([`store::RunFiles`], [`store::StudyDir`]), atomic writes,
//!   checksums, `.npy`/`.npz`, the JSON records;
//! - [`study`]: a study spec's runs, which of them count, opening a directory to resume it, and
//!   building its report;
//! - [`analysis`]: stored runs (or `.npy`/`.npz` logits) into per-condition metric rows;
//! - [`compare`]: two groups of runs compared (is a gain real?), and how many runs a
//!   comparison needs;
//! - [`metrics`] and [`stats`]: the variability metrics and their statistics (bootstrap
//!   intervals, SD ratios); `stats` builds on `metrics`, never the reverse;
//! - [`instability`]: bit-flipped twins: what to follow, and the report from its curves;
//! - [`report`]: the study report's pages (terminal table, Markdown, HTML), drawn with the
//!   crate's rendering kit (`render`, private: HTML page, SVG plots, text tables);
//! - [`testing`]: where tests find the real datasets, and how they skip without them.
#![deny(missing_docs)]

pub mod analysis;
pub mod batches;
pub mod compare;
pub mod data;
pub mod instability;
pub mod machine;
pub mod metrics;
pub(crate) mod render;
pub mod report;
pub mod resample;
pub mod runspec;
pub mod schedule;
pub mod seed;
pub mod stats;
pub mod store;
pub mod study;
pub mod testing;
