//! Studies that stop when the answer is known: `runvar study --target-ci W`.
//!
//! Replicas are trained in rounds. After each round, every condition's accuracy SD gets its
//! 95% percentile bootstrap interval over runs, exactly as the report computes it
//! ([`crate::stats::bootstrap_sd`] of the per-run accuracies in percent, the study's
//! resamples, seed 0). The study stops when every interval is narrower than `W` percentage
//! points, or when the cap `M` is reached; otherwise the next round is planned
//! ([`Target::next_round`]) and trained.
//!
//! The decision is a pure function of the counted runs, so a study interrupted anywhere and
//! rerun ends in the same runs as one that never stopped: `study.json` holds the current
//! round's replicas, and a rerun first finishes that round, then decides again.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{StudySpec, Survey};
use crate::metrics::MetricsError;
use crate::stats::{bootstrap_sd, Bootstrap, Interval};

/// The cap `M` when `--max-replicas` is not given: 64 replicas per condition (four times the
/// default first round), or the first round when that is larger.
pub const DEFAULT_MAX_REPLICAS: usize = 64;

/// The fewest replicas a round adds.
pub const MIN_ROUND: usize = 4;

/// The stopping rule of a `--target-ci` study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `W`: every condition's accuracy-SD interval must be narrower than this, percentage
    /// points.
    pub ci_width: f64,
    /// `M`: the most replicas per condition.
    pub max_replicas: usize,
    /// Replicas of the first round (`--replicas`).
    pub first_round: usize,
}

impl Target {
    /// The replicas of the round after one of `current`: half as many again (rounded up), at
    /// least [`MIN_ROUND`] more, rounded up to a multiple of `pack` (so that no pack is padded
    /// with throw-away copies), and never more than the cap. `None` at the cap.
    pub fn next_round(&self, current: usize, pack: usize) -> Option<usize> {
        if current >= self.max_replicas {
            return None;
        }
        let grown = current + current.div_ceil(2).max(MIN_ROUND);
        let pack = pack.max(1);
        Some((grown.div_ceil(pack) * pack).min(self.max_replicas))
    }

    /// Check `W` and `M` against the first round.
    ///
    /// # Errors
    /// A message naming `ci_width` (`--target-ci`) or `max_replicas` (`--max-replicas`).
    pub fn check(&self) -> Result<(), String> {
        if !(self.ci_width.is_finite() && self.ci_width > 0.0) {
            return Err(format!(
                "ci_width (--target-ci) must be a positive number of percentage points (got {})",
                self.ci_width
            ));
        }
        if self.max_replicas < self.first_round {
            return Err(format!(
                "max_replicas (--max-replicas) {} is below the first round's {} replicas",
                self.max_replicas, self.first_round
            ));
        }
        Ok(())
    }
}

/// One condition's accuracy-SD interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Width {
    /// The condition.
    pub condition: String,
    /// Its counted runs.
    pub runs: usize,
    /// The percentile bootstrap interval of its accuracy SD, percentage points.
    pub interval: Interval,
}

impl Width {
    /// `hi - lo`, percentage points.
    pub fn width(&self) -> f64 {
        self.interval.hi - self.interval.lo
    }
}

/// Where a `--target-ci` study stands once its current round is trained.
#[derive(Debug, Clone, PartialEq)]
pub enum Standing {
    /// The current round is not fully counted: this condition has only this many runs.
    Unfinished {
        /// The first condition short of runs.
        condition: String,
        /// Its counted runs.
        counted: usize,
    },
    /// Every interval is narrower than the target.
    Reached(Vec<Width>),
    /// The cap is reached and these intervals are not narrower than the target (all widths).
    Cap(Vec<Width>),
    /// Another round is due, to this many replicas (all widths).
    Next(usize, Vec<Width>),
}

/// Every condition's accuracy-SD interval from the runs `survey` counts.
///
/// # Errors
/// [`MetricsError`] with the condition's name, from the bootstrap.
pub fn widths(study: &StudySpec, survey: &Survey) -> Result<Vec<Width>, (String, MetricsError)> {
    let boot = Bootstrap {
        resamples: study.bootstrap,
        ..Bootstrap::default()
    };
    let mut out = Vec::new();
    for (c, cond) in study.conditions.iter().enumerate() {
        let acc: Vec<f64> = survey
            .records()
            .filter(|(r, _)| r.condition == c)
            .map(|(_, rec)| 100.0 * rec.test_accuracy)
            .collect();
        let e = bootstrap_sd(&acc, &boot).map_err(|e| (cond.name.clone(), e))?;
        out.push(Width {
            condition: cond.name.clone(),
            runs: acc.len(),
            interval: e.interval,
        });
    }
    Ok(out)
}

/// Where `study` (with a target) stands in its directory, surveyed by `survey`.
///
/// # Errors
/// As [`widths`].
///
/// # Panics
/// When `study` has no target.
pub fn standing(study: &StudySpec, survey: &Survey) -> Result<Standing, (String, MetricsError)> {
    let target = study.target.as_ref().expect("a --target-ci study");
    for (c, cond) in study.conditions.iter().enumerate() {
        let counted = survey.counted(c).len();
        if counted < study.replicas {
            return Ok(Standing::Unfinished {
                condition: cond.name.clone(),
                counted,
            });
        }
    }
    let widths = widths(study, survey)?;
    if widths.iter().all(|w| w.width() < target.ci_width) {
        return Ok(Standing::Reached(widths));
    }
    Ok(match target.next_round(study.replicas, study.pack) {
        None => Standing::Cap(widths),
        Some(n) => Standing::Next(n, widths),
    })
}

/// The report's note on where and why a `--target-ci` study stopped (or why it has not yet).
pub fn note(study: &StudySpec, standing: &Standing) -> String {
    let target = study.target.as_ref().expect("a --target-ci study");
    let (w, n, cap) = (target.ci_width, study.replicas, target.max_replicas);
    // "init's interval is 0.31 pp wide, shuffle's 0.25 pp": the conditions not narrow enough.
    let too_wide = |widths: &[Width]| {
        widths
            .iter()
            .filter(|x| x.width() >= w)
            .enumerate()
            .map(|(i, x)| match i {
                0 => format!("{}'s interval is {:.2} pp wide", x.condition, x.width()),
                _ => format!("{}'s {:.2} pp", x.condition, x.width()),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match standing {
        Standing::Reached(widths) => {
            let widest = widths
                .iter()
                .max_by(|a, b| a.width().total_cmp(&b.width()))
                .map(|x| format!(" (widest: {}, {:.2} pp)", x.condition, x.width()))
                .unwrap_or_default();
            format!(
                "target-ci: stopped at {n} replicas: every 95% accuracy-SD interval narrower than \
                 {w:.2} pp{widest}"
            )
        }
        Standing::Cap(widths) if n > cap => format!(
            "target-ci: stopped at {n} replicas, past the cap of {cap} (the directory had them): \
             {}, target {w:.2}",
            too_wide(widths)
        ),
        Standing::Cap(widths) => format!(
            "target-ci: stopped at the cap of {cap} replicas: {}, target {w:.2}",
            too_wide(widths)
        ),
        Standing::Next(next, widths) => format!(
            "target-ci: not finished at {n} replicas: {}, target {w:.2}; rerun the study to \
             train the next round ({next} replicas)",
            too_wide(widths)
        ),
        Standing::Unfinished { condition, counted } => format!(
            "target-ci: not finished: the round of {n} replicas has {counted} counted runs of \
             {condition}; rerun the study to finish it (target {w:.2} pp, cap {cap})"
        ),
    }
}

/// Why a study cannot go on in its directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// The directory's `study.json` cannot be read, or rewritten.
    #[error(transparent)]
    Dir(#[from] crate::store::StudyDirError),
    /// The directory holds a `--target-ci` study and the command has no target.
    #[error(
        "{dir}: holds a --target-ci study ({replicas} replicas so far, target {width} pp, cap \
         {cap}); rerun it with --target-ci (the width and --max-replicas may change), or rebuild \
         its report with `runvar report`"
    )]
    TargetDropped {
        /// The study directory.
        dir: std::path::PathBuf,
        /// Its current replicas.
        replicas: usize,
        /// Its target width.
        width: f64,
        /// Its cap.
        cap: usize,
    },
}

/// The spec `study` continues as in `dir`.
///
/// A `--target-ci` study resumes at the replicas its `study.json` holds (the round it was in)
/// with the command's `W` and `M`; a new `W` or `M` is written to `study.json` (neither changes
/// any run's bits). A plain study of N replicas goes on as a `--target-ci` study whose first
/// round is N. Anything else is returned as it is, for [`crate::store::StudyDir::open`] to
/// accept or refuse; when only `replicas` and the target differ from what the directory holds,
/// the spec returned carries the directory's, so that the refusal names the real differences.
///
/// # Errors
/// [`ResumeError::TargetDropped`] for a command without a target on a `--target-ci` study;
/// [`ResumeError::Dir`] when `study.json` cannot be read or rewritten.
pub fn resume(study: StudySpec, dir: &Path) -> Result<StudySpec, ResumeError> {
    let layout = crate::store::StudyDir::at(dir);
    let Some(existing) = layout.load::<StudySpec>()? else {
        return Ok(study);
    };
    let Some(new) = study.target.clone() else {
        return match existing.target {
            Some(t) => Err(ResumeError::TargetDropped {
                dir: dir.to_path_buf(),
                replicas: existing.replicas,
                width: t.ci_width,
                cap: t.max_replicas,
            }),
            None => Ok(study),
        };
    };
    let first_round = existing
        .target
        .as_ref()
        .map_or(existing.replicas, |t| t.first_round);
    if first_round != new.first_round {
        return Ok(study);
    }
    let resumed = StudySpec {
        replicas: existing.replicas,
        ..study
    };
    let as_stored = StudySpec {
        target: existing.target.clone(),
        ..resumed.clone()
    };
    if as_stored != existing {
        return Ok(as_stored);
    }
    if resumed != existing {
        layout.replace(&resumed)?;
    }
    Ok(resumed)
}

#[cfg(test)]
mod tests;
