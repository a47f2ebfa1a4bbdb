//! `runvar presets`.

use std::io::Write;

use runvar_core::runspec::PRESETS;

/// Print each preset and what it trains.
pub fn run() -> anyhow::Result<crate::Outcome> {
    let mut out = std::io::stdout().lock();
    let width = PRESETS.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in PRESETS {
        writeln!(out, "{:<width$} {}", p.name, p.about)?;
    }
    Ok(crate::Outcome::Done)
}
