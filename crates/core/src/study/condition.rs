//! Conditions: which sources vary across a condition's replicas.

use serde::{Deserialize, Serialize};

use crate::runspec::{BitFlipSpec, RunSpec, SpecError};
use crate::seed::Source;

/// A named set of varied sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The name as given: `control`, `all`, or sources joined by `+`.
    pub name: String,
    /// The varied sources, sorted; empty for the control.
    pub sources: Vec<Source>,
    /// Snapshot-ensemble cycles of its runs (the `snapshot` condition of a mitigation study).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles: Option<usize>,
    /// Test-time augmentations its runs evaluate (mitigation studies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tta: Vec<crate::runspec::Tta>,
}

/// The sources `all` varies: every training source (not the bit-flip probe).
pub const ALL_SOURCES: [Source; 5] = [
    Source::Init,
    Source::Shuffle,
    Source::Augment,
    Source::Dropout,
    Source::LowLevel,
];

impl Condition {
    /// The `all` condition of `run`: every training source it has (`ALL_SOURCES`, less
    /// dropout without dropout layers and augmentation without augmentation).
    pub fn all(run: &RunSpec) -> Condition {
        Condition::parse("all", run).expect("`all` names only the sources the run has")
    }

    /// Parse `control`, `all`, or `source[+source...]` (`init`, `shuffle`, `augment`, `dropout`,
    /// `low_level`, `bit_flip`, `data`). `run` is used to refuse sources it cannot vary. `all`
    /// is the paper's training sources ([`ALL_SOURCES`]): it does not vary `data`.
    ///
    /// # Errors
    /// [`SpecError::Invalid`] for an unknown source, or dropout/augment on a run without them.
    pub fn parse(text: &str, run: &RunSpec) -> Result<Condition, SpecError> {
        let invalid = |message: String| SpecError::Invalid {
            field: "conditions".into(),
            message,
        };
        let name = text.trim().replace('-', "_");
        let mut sources: Vec<Source> = match name.as_str() {
            "control" => Vec::new(),
            "all" => ALL_SOURCES
                .into_iter()
                .filter(|s| match s {
                    Source::Dropout => run.model.has_dropout(),
                    Source::Augment => run.data.augment.is_active(),
                    _ => true,
                })
                .collect(),
            _ => name
                .split('+')
                .map(|part| {
                    Source::parse(part).ok_or_else(|| {
                        invalid(format!(
                            "unknown source `{part}` in `{text}`; sources are init, shuffle, \
                             augment, dropout, low_level, bit_flip, data (or control, all)"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        sources.sort();
        sources.dedup();
        if sources.contains(&Source::Dropout) && !run.model.has_dropout() {
            return Err(invalid(format!(
                "`{text}` varies dropout, but this model has no dropout"
            )));
        }
        if sources.contains(&Source::Augment) && !run.data.augment.is_active() {
            return Err(invalid(format!(
                "`{text}` varies augmentation, but this run has none (data.augment)"
            )));
        }
        Ok(Condition {
            name,
            sources,
            cycles: None,
            tta: Vec::new(),
        })
    }

    /// The run of replica `i`: seed `i` for each varied source, `fixed` for the others;
    /// low-level on only if varied; a bit flip only if varied; a resample of the training set
    /// (data seed `i`) only if `data` is varied, else the full training set. The study sets the
    /// data fraction ([`super::plan`]).
    pub fn replica(&self, base: &RunSpec, i: u64, fixed: u64) -> RunSpec {
        let mut run = base.clone();
        let seed = |s: Source| if self.sources.contains(&s) { i } else { fixed };
        run.seeds.init = seed(Source::Init);
        run.seeds.shuffle = seed(Source::Shuffle);
        run.seeds.augment = seed(Source::Augment);
        run.seeds.dropout = seed(Source::Dropout);
        run.seeds.low_level = seed(Source::LowLevel);
        run.seeds.data = self.sources.contains(&Source::Data).then_some(i);
        run.low_level = self.sources.contains(&Source::LowLevel);
        run.bit_flip = self
            .sources
            .contains(&Source::BitFlip)
            .then(|| BitFlipSpec {
                seed: i,
                param: base.bit_flip.as_ref().and_then(|b| b.param.clone()),
            });
        if let Some(c) = self.cycles {
            run.train.cycles = c;
        }
        if !self.tta.is_empty() {
            run.tta = self.tta.clone();
        }
        run
    }
}
