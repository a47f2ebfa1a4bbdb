//! One module per subcommand.

pub mod analyze;
pub mod compare;
pub mod data;
pub mod instability;
pub mod plan;
pub mod presets;
pub mod protocol;
pub mod report;
pub mod speed;
pub mod status;
pub mod study;
pub mod train;
pub mod worker;
