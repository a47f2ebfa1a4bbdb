//! The settings of a comparison: resamples, permutations, seed and the level of the verdict.

use serde::Serialize;

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
    /// The bootstrap these settings ask for.
    pub fn bootstrap(&self) -> Bootstrap {
        Bootstrap {
            resamples: self.bootstrap,
            seed: self.seed,
            level: self.confidence,
        }
    }
}
