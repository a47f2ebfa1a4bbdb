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

    /// Each training seed by its spec.json name (`init`, `shuffle`, ...; a seed a spec leaves
    /// out, such as an unset `data`, is absent). Read through serde, so a source added to
    /// [`Seeds`] is compared without a change here.
    fn named(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self.seeds) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }

    /// The seeds that differ from `other`'s, as `name (mine against theirs)`, by name.
    fn differences(&self, other: &RunSeeds) -> Vec<String> {
        let (a, b) = (self.named(), other.named());
        let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
        names.sort();
        names.dedup();
        let show = |v: Option<&serde_json::Value>| v.map_or("none".to_string(), |v| v.to_string());
        let mut out: Vec<String> = names
            .into_iter()
            .filter(|n| a.get(*n) != b.get(*n))
            .map(|n| format!("{n} ({} against {})", show(a.get(n)), show(b.get(n))))
            .collect();
        if self.bit_flip != other.bit_flip {
            let show = |s: Option<u64>| s.map_or("none".to_string(), |s| s.to_string());
            out.push(format!(
                "bit_flip ({} against {})",
                show(self.bit_flip),
                show(other.bit_flip)
            ));
        }
        if out.is_empty() && self != other {
            // Unreachable while every field serializes; never call unequal seeds equal.
            out.push("a seed".into());
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
        let mut names: Vec<String> = sa[0].named().keys().cloned().collect();
        names.push("bit flip".into());
        Pairing {
            paired: true,
            pairs: sa.len(),
            reason: format!(
                "paired: replica i of A and B share every seed ({}), {} pairs",
                names.join(", "),
                sa.len()
            ),
        }
    }
}
