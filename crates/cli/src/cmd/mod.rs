//! One module per subcommand.

pub mod presets;
pub mod train;
