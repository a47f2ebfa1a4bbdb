//! `runvar presets`.

use std::io::Write;

use runvar_core::runspec::PRESETS;

/// Print each preset and what it trains.
pub fn run() -> anyhow::Result<crate::Outcome> {
    let mut out = std::io::stdout().lock();
    for p in PRESETS {
        writeln!(out, "{:<18} {}", p.name, p.about)?;
    }
    Ok(crate::Outcome::Done)
}
