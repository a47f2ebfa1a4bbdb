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

/// Refuse `--bootstrap N` when N resamples would not fit in this machine's memory.
///
/// # Errors
/// The size, with the largest value that fits.
pub fn check_bootstrap(resamples: usize) -> anyhow::Result<()> {
    if let Some(free) = runvar_core::machine::available_memory() {
        runvar_core::machine::check_size(
            "--bootstrap",
            resamples as u64,
            "the bootstrap resamples",
            free,
            runvar_core::study::StudySpec::bootstrap_bytes,
        )?;
    }
    Ok(())
}
