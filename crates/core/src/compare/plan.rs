//! `runvar plan`: how many runs per arm a comparison needs to detect a difference worth
//! detecting, and how wide the intervals of the run-to-run spread are at N = 5 to 100, before
//! the compute is spent.
//!
//! The run-to-run SD of accuracy is given (`--sd`) or read from a study condition (`--from`:
//! the sample SD, `ddof = 1`, of its runs' accuracies, the estimate of `σ` the t test uses).
//! Runs per arm come from the exact power of the two-sided two-sample t test
//! ([`crate::stats::power`]). The table shows, at each N: the power to detect the difference,
//! the smallest difference detectable at the asked power, the 95% chi-square interval of the
//! SD that N runs would measure (normal runs assumed), and, for a study condition whose
//! `pairwise/<condition>/disagreement.npy` exists, the 95% interval of the mean pairwise
//! disagreement N runs would give: `mean ± z sqrt(Var(U_N))` with Hoeffding's projection of
//! the variance ([`crate::stats::Hoeffding`]) and `z = Φ^-1(0.975)`.

use serde::Serialize;

use super::{Arm, ArmSource, CompareError};
use crate::metrics::PairMatrix;
use crate::stats::distributions::normal_quantile;
use crate::stats::t_test::sample_variance;
use crate::stats::{
    detectable_effect, runs_per_arm, sd_interval, t_test_power, Hoeffding, Interval, RunsNeeded,
};
use crate::store::{npy, StudyDir};

/// The N of the table.
pub const PLAN_RUNS: [u64; 5] = [5, 10, 25, 50, 100];
/// Confidence level of the table's intervals.
pub const PLAN_LEVEL: f64 = 0.95;

/// Where the run-to-run SD comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum SdSource {
    /// Given, in accuracy percentage points.
    Given(f64),
    /// Read from a study condition (`--from DIR[:COND]`, as given).
    Study(String),
}

/// What to plan for.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    /// The run-to-run SD of test accuracy.
    pub sd: SdSource,
    /// The difference in mean accuracy to detect, in percentage points (its sign is ignored).
    pub effect: f64,
    /// Level of the two-sided test.
    pub alpha: f64,
    /// Probability of detecting the difference.
    pub power: f64,
}

/// One N of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    /// Runs per arm.
    pub runs: u64,
    /// Power to detect the difference with this many runs per arm.
    pub power: f64,
    /// The smallest difference (pp) detected with the asked power.
    pub detectable_effect: f64,
    /// The 95% interval of the accuracy SD these runs would measure (pp).
    pub sd_interval: Interval,
    /// The 95% interval of the mean pairwise disagreement (percent), when projected.
    pub disagreement_interval: Option<Interval>,
}

/// The disagreement the projection starts from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisagreementBasis {
    /// The matrix read.
    pub file: String,
    /// Hoeffding's components, in percent (squared for the ζ).
    #[serde(flatten)]
    pub components: Hoeffding,
}

/// The plan: what `runvar plan` prints and writes with `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The difference to detect, pp.
    pub effect: f64,
    /// Level of the two-sided test.
    pub alpha: f64,
    /// Power asked for.
    pub power: f64,
    /// Run-to-run SD of accuracy, pp.
    pub sd: f64,
    /// Where the SD came from, in words.
    pub sd_source: String,
    /// Runs it was measured on, when read from a study.
    pub sd_runs: Option<usize>,
    /// Its 95% chi-square interval, when measured.
    pub sd_interval: Option<Interval>,
    /// The difference in SDs (Cohen's d).
    pub effect_in_sds: f64,
    /// Runs per arm (`None`: more than a billion).
    pub runs_per_arm: Option<RunsNeeded>,
    /// Runs per arm if the SD is as large as its interval's upper end, when measured.
    pub runs_per_arm_at_upper_sd: Option<RunsNeeded>,
    /// The table at N = 5, 10, 25, 50, 100.
    pub table: Vec<PlanRow>,
    /// The disagreement matrix the projection used, when there is one.
    pub disagreement: Option<DisagreementBasis>,
    /// What the plan could not use, and why.
    pub notes: Vec<String>,
}

fn check_unit(name: &str, v: f64) -> Result<(), CompareError> {
    if v > 0.0 && v < 1.0 {
        return Ok(());
    }
    Err(CompareError::Input(format!(
        "{name} {v}: must be strictly between 0 and 1 (e.g. {name} {})",
        if name == "--alpha" { "0.05" } else { "0.8" }
    )))
}

/// Make the plan.
///
/// # Errors
/// [`CompareError::Input`] naming the flag: an effect of 0 or not finite, an SD that is not a
/// positive number, `alpha` or `power` outside `(0, 1)`, a `--from` that is not a study
/// condition; [`CompareError::TooFewRuns`] for a condition with fewer than 2 runs.
pub fn plan(req: &PlanRequest) -> Result<Plan, CompareError> {
    if !req.effect.is_finite() || req.effect == 0.0 {
        return Err(CompareError::Input(format!(
            "--effect {}: give the smallest difference in mean accuracy worth detecting, in \
             percentage points (e.g. --effect 0.3); a difference of 0 cannot be detected by any \
             number of runs",
            req.effect
        )));
    }
    check_unit("--alpha", req.alpha)?;
    check_unit("--power", req.power)?;
    let mut notes = Vec::new();
    let (sd, sd_source, sd_runs, disagreement) = match &req.sd {
        SdSource::Given(sd) => {
            if !(sd.is_finite() && *sd > 0.0) {
                return Err(CompareError::Input(format!(
                    "--sd {sd}: the run-to-run SD of test accuracy must be a positive number \
                     of percentage points (e.g. --sd 0.25)"
                )));
            }
            (*sd, "given with --sd".to_string(), None, None)
        }
        SdSource::Study(word) => {
            let source = ArmSource::parse(word)?;
            let ArmSource::Study { dir, .. } = &source else {
                return Err(CompareError::Input(format!(
                    "--from {word}: not a study directory; --from takes DIR or DIR:CONDITION of \
                     a study made by runvar study"
                )));
            };
            let arm = Arm::load(word, &source, None)?;
            let sd = sample_variance(&arm.accuracy, "run-to-run SD")?.sqrt();
            let (_, cond) = arm.study.clone().unwrap_or_default();
            if sd == 0.0 {
                return Err(CompareError::Input(format!(
                    "--from {word}: every run of condition `{cond}` has the same accuracy (SD \
                     0), so there is no spread to plan for; choose a condition whose runs vary, \
                     or give --sd"
                )));
            }
            notes.extend(arm.notes.iter().cloned());
            let basis = disagreement_basis(dir, &cond, arm.len(), &mut notes);
            (
                sd,
                format!(
                    "sample SD (ddof 1) of the {} runs of condition `{cond}` of study {}",
                    arm.len(),
                    dir.display()
                ),
                Some(arm.len()),
                basis,
            )
        }
    };
    let d = req.effect.abs() / sd;
    let measured = sd_runs.map(|n| sd_interval(sd, n as u64, PLAN_LEVEL));
    let needed = runs_per_arm(d, req.alpha, req.power);
    if needed.is_none() {
        notes.push(format!(
            "a difference of {} pp is {d:.2e} SDs: more than a billion runs per arm would be \
             needed",
            req.effect.abs()
        ));
    }
    let z = normal_quantile(0.5 + PLAN_LEVEL / 2.0);
    let table = PLAN_RUNS
        .iter()
        .map(|&n| PlanRow {
            runs: n,
            power: t_test_power(d, n as f64, req.alpha),
            detectable_effect: sd * detectable_effect(n, req.alpha, req.power),
            sd_interval: sd_interval(sd, n, PLAN_LEVEL),
            disagreement_interval: disagreement.as_ref().map(|b| {
                let half = z * b.components.variance_at(n as usize).sqrt();
                Interval {
                    lo: b.components.mean - half,
                    hi: b.components.mean + half,
                }
            }),
        })
        .collect();
    Ok(Plan {
        effect: req.effect.abs(),
        alpha: req.alpha,
        power: req.power,
        sd,
        sd_source,
        sd_runs,
        sd_interval: measured,
        effect_in_sds: d,
        runs_per_arm: needed,
        runs_per_arm_at_upper_sd: measured
            .and_then(|i| runs_per_arm(req.effect.abs() / i.hi, req.alpha, req.power)),
        table,
        disagreement,
        notes,
    })
}

/// Hoeffding's components of the condition's `pairwise/<cond>/disagreement.npy`, or `None`
/// with a note saying why not.
fn disagreement_basis(
    dir: &std::path::Path,
    cond: &str,
    runs: usize,
    notes: &mut Vec<String>,
) -> Option<DisagreementBasis> {
    let file = StudyDir::at(dir).pairwise(cond).join("disagreement.npy");
    if !file.is_file() {
        notes.push(format!(
            "no {}: the disagreement column is left out (runvar report {} writes it)",
            file.display(),
            dir.display()
        ));
        return None;
    }
    let matrix = npy::read(&file).map_err(|e| e.to_string()).and_then(|a| {
        let [m, m2] = a.shape[..] else {
            return Err(format!("shape {:?}, not a square matrix", a.shape));
        };
        match (a.data, m == m2) {
            (npy::NpyData::F64(v), true) => {
                let upper: Vec<f64> = (0..m)
                    .flat_map(|i| v[i * m + i + 1..(i + 1) * m].to_vec())
                    .collect();
                PairMatrix::from_upper(m, &upper).map_err(|e| e.to_string())
            }
            _ => Err(format!(
                "shape {:?} of float64 expected to be square",
                a.shape
            )),
        }
    });
    let components = matrix.and_then(|m| Hoeffding::of(&m).map_err(|e| e.to_string()));
    match components {
        Ok(components) => {
            if components.runs != runs {
                notes.push(format!(
                    "{} holds {} runs but the condition has {runs} counted: rerun runvar report \
                     to bring it up to date",
                    file.display(),
                    components.runs
                ));
            }
            Some(DisagreementBasis {
                file: file.display().to_string(),
                components,
            })
        }
        Err(e) => {
            notes.push(format!(
                "{}: {e}; the disagreement column is left out",
                file.display()
            ));
            None
        }
    }
}
