//! The settings of a comparison: resamples, permutations, seed and the level of the verdict.

use serde::Serialize;

use super::CompareError;
use crate::stats::{Bootstrap, DEFAULT_RESAMPLES};

/// How a comparison resamples and decides.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    /// Random permutations (and sign flips) of the permutation tests, and the largest number
    /// of distinct splits enumerated exactly instead (default 10,000).
    pub permutations: usize,
    /// Bootstrap resamples of every interval (default 10,000).
    pub bootstrap: usize,
    /// Seed of the bootstrap (ChaCha20 stream 0) and of the permutations (stream 1).
    pub seed: u64,
    /// The level the verdict calls a difference detected at: `p < alpha` (default 0.05).
    pub alpha: f64,
    /// Confidence level of the bootstrap intervals (0.95).
    pub confidence: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            permutations: 10_000,
            bootstrap: DEFAULT_RESAMPLES,
            seed: 0,
            alpha: 0.05,
            confidence: 0.95,
        }
    }
}

impl Settings {
    /// Check the settings, naming the flag at fault.
    ///
    /// # Errors
    /// [`CompareError::Input`] for `alpha` outside `(0, 1)` or a count of 0.
    pub fn validate(&self) -> Result<(), CompareError> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(CompareError::Input(format!(
                "--alpha {}: must be strictly between 0 and 1 (e.g. --alpha 0.05)",
                self.alpha
            )));
        }
        for (flag, n) in [
            ("--permutations", self.permutations),
            ("--bootstrap", self.bootstrap),
        ] {
            if n == 0 {
                return Err(CompareError::Input(format!("{flag} 0: must be at least 1")));
            }
        }
        Ok(())
    }

    /// The bootstrap these settings ask for.
    pub fn bootstrap(&self) -> Bootstrap {
        Bootstrap {
            resamples: self.bootstrap,
            seed: self.seed,
            level: self.confidence,
        }
    }
}
