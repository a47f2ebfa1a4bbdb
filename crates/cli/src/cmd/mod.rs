//! One module per subcommand.

pub mod analyze;
pub mod presets;
pub mod report;
pub mod study;
pub mod train;
