//! Mitigations (docs/protocol.md section 7): snapshot ensembles and test-time augmentation, and the
//! variability-reduction table computed from a study's runs.

use serde::{Deserialize, Serialize};

use crate::runspec::Tta;
use crate::runspec::{DatasetName, SpecError};

use super::{Condition, StudySpec};

/// The name of the condition whose runs are trained as snapshot ensembles.
pub const SNAPSHOT_CONDITION: &str = "snapshot";

/// Snapshot cycles by default (the paper's 5).
pub const DEFAULT_CYCLES: usize = 5;

/// A mitigation: a snapshot ensemble, a test-time augmentation, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    /// Average the snapshots of a cyclic schedule.
    pub snapshot: bool,
    /// Average over test-time views.
    pub tta: Option<Tta>,
}

impl Mitigation {
    /// Parse `snapshot`, a TTA name (`flip`, `crop25`, `crop81`, `flip-crop25`, `flip-crop81`),
    /// or `snapshot+<tta>`.
    ///
    /// # Errors
    /// [`SpecError::Invalid`] naming the unknown part.
    pub fn parse(text: &str) -> Result<Mitigation, SpecError> {
        let mut m = Mitigation {
            snapshot: false,
            tta: None,
        };
        for part in text.trim().split('+') {
            match (part, Tta::parse(part)) {
                ("snapshot", _) if !m.snapshot => m.snapshot = true,
                (_, Some(t)) if m.tta.is_none() => m.tta = Some(t),
                _ => {
                    return Err(SpecError::Invalid {
                        field: "mitigations".into(),
                        message: format!(
                            "`{part}` in `{text}` is not a mitigation; use snapshot, flip, crop25, \
                             crop81, flip-crop25, flip-crop81, grid<step>, flip-grid<step>, or \
                             snapshot+<one of those>"
                        ),
                    })
                }
            }
        }
        Ok(m)
    }

    /// The name: `snapshot`, `flip`, `snapshot+flip`, ...
    pub fn name(&self) -> String {
        match (self.snapshot, self.tta) {
            (true, Some(t)) => format!("snapshot+{}", t.name()),
            (true, None) => "snapshot".into(),
            (false, Some(t)) => t.name(),
            (false, None) => "single model".into(),
        }
    }
}

impl StudySpec {
    /// Add mitigations to the study: the `all` condition's runs also evaluate the TTA views, and
    /// with a snapshot mitigation a `snapshot` condition trains the same seeds as `all` as
    /// snapshot ensembles of `cycles` cycles (the same epoch budget).
    ///
    /// # Errors
    /// [`SpecError::Invalid`] when the study has no `all` condition, or a view does not apply
    /// to the data (a mirror of a 1-D signal).
    pub fn with_mitigations(
        mut self,
        mitigations: &[Mitigation],
        cycles: usize,
    ) -> Result<StudySpec, SpecError> {
        if mitigations.is_empty() {
            return Ok(self);
        }
        let invalid = |message: String| SpecError::Invalid {
            field: "mitigations".into(),
            message,
        };
        let image_2d = self.run.data.dataset != DatasetName::Mnist1d;
        let mut tta: Vec<Tta> = Vec::new();
        for m in mitigations {
            if let Some(t) = m.tta {
                t.views(image_2d)?;
                if !tta.contains(&t) {
                    tta.push(t);
                }
            }
        }
        let all = self
            .conditions
            .iter_mut()
            .find(|c| c.name == "all")
            .ok_or_else(|| {
                invalid(
                    "mitigations are measured against the `all` condition; add it to --conditions"
                        .into(),
                )
            })?;
        all.tta = tta.clone();
        let sources = all.sources.clone();
        if mitigations.iter().any(|m| m.snapshot) {
            if cycles < 2 || cycles > self.run.train.epochs {
                return Err(invalid(format!(
                    "snapshot cycles must be between 2 and train.epochs = {} (got {cycles})",
                    self.run.train.epochs
                )));
            }
            self.conditions.push(Condition {
                name: SNAPSHOT_CONDITION.into(),
                sources,
                cycles: Some(cycles),
                tta,
            });
        }
        self.mitigations = mitigations.to_vec();
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runspec::RunSpec;

    #[test]
    fn names_parse_and_print() {
        for name in [
            "snapshot",
            "flip",
            "crop81",
            "snapshot+flip",
            "snapshot+flip-crop81",
        ] {
            assert_eq!(Mitigation::parse(name).unwrap().name(), name);
        }
        let msg = Mitigation::parse("snapshot+mixup").unwrap_err().to_string();
        assert!(
            msg.contains("mixup") && msg.contains("mitigations"),
            "{msg}"
        );
        assert!(
            Mitigation::parse("flip+crop25").is_err(),
            "one TTA at a time"
        );
    }

    #[test]
    fn mitigations_add_views_and_a_snapshot_condition() {
        let run = RunSpec::from_preset("digits-cnn").unwrap();
        let ms: Vec<_> = ["snapshot", "flip", "snapshot+crop25"]
            .iter()
            .map(|m| Mitigation::parse(m).unwrap())
            .collect();
        let s = StudySpec::new(run, 3).with_mitigations(&ms, 4).unwrap();
        let all = s.conditions.iter().find(|c| c.name == "all").unwrap();
        assert_eq!(all.tta, vec![Tta::Flip, Tta::Crop25]);
        let snap = s.conditions.last().unwrap();
        assert_eq!((snap.name.as_str(), snap.cycles), ("snapshot", Some(4)));
        assert_eq!(snap.sources, all.sources);
        let r = snap.replica(&s.run, 2, 0);
        assert_eq!((r.train.cycles, r.seeds.init, r.tta.len()), (4, 2, 2));
        let a = all.replica(&s.run, 2, 0);
        assert_eq!(
            (a.train.cycles, a.seeds.init),
            (1, 2),
            "same seeds as the snapshot runs"
        );
    }

    #[test]
    fn bad_mitigation_studies_are_refused() {
        let signal = RunSpec::from_preset("mnist1d-mlp").unwrap();
        let flip = [Mitigation::parse("flip").unwrap()];
        let msg = StudySpec::new(signal.clone(), 3)
            .with_mitigations(&flip, 5)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("1-D"), "{msg}");
        let mut no_all = StudySpec::new(signal, 3);
        no_all.conditions.retain(|c| c.name != "all");
        let crop = [Mitigation::parse("crop25").unwrap()];
        assert!(no_all
            .with_mitigations(&crop, 5)
            .unwrap_err()
            .to_string()
            .contains("`all`"));
    }
}
