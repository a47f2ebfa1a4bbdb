//! `runvar protocol`: the project's own account of the protocol, built into the binary.

use std::io::Write;

/// docs/protocol.md as this runvar was built with it.
pub const PROTOCOL: &str = include_str!("../../../../docs/protocol.md");

/// Print the protocol.
pub fn run() -> anyhow::Result<crate::Outcome> {
    std::io::stdout().lock().write_all(PROTOCOL.as_bytes())?;
    Ok(crate::Outcome::Done)
}
