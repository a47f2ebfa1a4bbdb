//! Whether two arms' runs pair up: replica i of A and replica i of B drew every random stream
//! from the same seeds, so they differ only by what the comparison is about (a recipe change, a
//! longer schedule). Paired runs share the luck of their seeds, and the per-pair differences
//! are then a sharper measure of the change than two independent groups
//! ([`crate::stats::paired_t`], [`crate::stats::sign_flip_test`]).

use serde::Serialize;

use super::Arm;
use crate::runspec::{RunSpec, Seeds};

/// Every seed of one run, as its `spec.json` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSeeds {
    /// The five training seeds (init, shuffle, augment, dropout, low_level).
    pub seeds: Seeds,
    /// The bit-flip seed, when the run has a bit flip.
    pub bit_flip: Option<u64>,
}

impl RunSeeds {
    /// The seeds of a run spec.
    pub fn of(spec: &RunSpec) -> RunSeeds {
        RunSeeds {
            seeds: spec.seeds,
            bit_flip: spec.bit_flip.as_ref().map(|b| b.seed),
        }
    }

    /// The seeds that differ from `other`'s, as `name (mine against theirs)`.
    fn differences(&self, other: &RunSeeds) -> Vec<String> {
        let (a, b) = (self.seeds, other.seeds);
        let mut out: Vec<String> = [
            ("init", a.init, b.init),
            ("shuffle", a.shuffle, b.shuffle),
            ("augment", a.augment, b.augment),
            ("dropout", a.dropout, b.dropout),
            ("low_level", a.low_level, b.low_level),
        ]
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(name, x, y)| format!("{name} ({x} against {y})"))
        .collect();
        if self.bit_flip != other.bit_flip {
            let show = |s: Option<u64>| s.map_or("none".to_string(), |s| s.to_string());
            out.push(format!(
                "bit_flip ({} against {})",
                show(self.bit_flip),
                show(other.bit_flip)
            ));
        }
        out
    }
}

/// Whether A and B are paired, and why (or why not), in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairing {
    /// True when run i of A and run i of B share every seed, for every i.
    pub paired: bool,
    /// Pairs (runs per arm) when paired, else 0.
    pub pairs: usize,
    /// `paired: replica i of A and B share every seed (4 pairs)`, or why not.
    pub reason: String,
}

impl Pairing {
    /// Pair `a` and `b` run by run (module documentation).
    pub fn of(a: &Arm, b: &Arm) -> Pairing {
        let no = |reason: String| Pairing {
            paired: false,
            pairs: 0,
            reason: format!("not paired: {reason}"),
        };
        let (sa, sb) = match (&a.seeds, &b.seeds) {
            (Some(sa), Some(sb)) => (sa, sb),
            (sa, _) => {
                let which = if sa.is_none() { a } else { b };
                return no(format!(
                    "the runs of {} record no seeds (only runvar runs, with their spec.json, \
                     can be paired); runs compared as independent groups",
                    which.label
                ));
            }
        };
        if sa.len() != sb.len() {
            return no(format!(
                "{} has {} runs and {} has {}; runs compared as independent groups",
                a.label,
                sa.len(),
                b.label,
                sb.len()
            ));
        }
        for (i, (x, y)) in sa.iter().zip(sb).enumerate() {
            let diff = x.differences(y);
            if !diff.is_empty() {
                return no(format!(
                    "run {i} of A ({}) and of B ({}) differ in seed {}; runs compared as \
                     independent groups",
                    a.sources[i].display(),
                    b.sources[i].display(),
                    diff.join(", ")
                ));
            }
        }
        Pairing {
            paired: true,
            pairs: sa.len(),
            reason: format!(
                "paired: replica i of A and B share every seed (init, shuffle, augment, \
                 dropout, low_level, bit flip), {} pairs",
                sa.len()
            ),
        }
    }
}
