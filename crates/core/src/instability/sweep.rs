//! `runvar instability sweep`: for each configuration, how much of the all-sources
//! variability a single bit flip reproduces (docs/protocol.md sections 4 and 6: shallow models are
//! stable, deep ones are not).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::analysis::{read_run_dir, AnalysisError};
use crate::metrics::{pairwise_disagreement, per_run, population_sd, Logits};
use crate::render::text::text_table;
use crate::runspec::{ModelSpec, RunSpec};
use crate::stats::{pair_mean_ratio, sd_ratio, Bootstrap, Interval};
use crate::study::{StudySpec, Survey};

/// One configuration of the sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// Short name (a directory name).
    pub name: &'static str,
    /// What differs from the default task.
    pub about: &'static str,
    /// The run spec.
    pub run: RunSpec,
}

/// The sweep's configurations: model families and sizes from a linear model to ResNet-14 and
/// learning rates and batch sizes of the default MLP, on MNIST-1D (fast, generated), plus the
/// classic CNN on the UCI digits (a CNN needs 2-D images). ResNet depths are 6n+2 (8, 14).
pub fn sweep_configs() -> Vec<SweepConfig> {
    let mlp = RunSpec::from_preset("mnist1d-mlp").expect("preset exists");
    let resnet = RunSpec::from_preset("mnist1d-resnet8").expect("preset exists");
    let with = |base: &RunSpec, f: &dyn Fn(&mut RunSpec)| {
        let mut r = base.clone();
        r.threads = 1;
        f(&mut r);
        r
    };
    let mlp_of = |hidden: Vec<usize>| ModelSpec::Mlp {
        hidden,
        dropout: 0.1,
    };
    let resnet_of = |depth, width| ModelSpec::Resnet { depth, width };
    vec![
        SweepConfig {
            name: "linear",
            about: "linear model (softmax regression)",
            run: with(&mlp, &|r| r.model = ModelSpec::Linear),
        },
        SweepConfig {
            name: "mlp-1x128",
            about: "one hidden layer of 128",
            run: with(&mlp, &|r| r.model = mlp_of(vec![128])),
        },
        SweepConfig {
            name: "mlp-3x128",
            about: "three hidden layers of 128 (the default task)",
            run: with(&mlp, &|_| {}),
        },
        SweepConfig {
            name: "mlp-3x128-lr0.02",
            about: "default task at learning rate 0.02",
            run: with(&mlp, &|r| r.train.lr = 0.02),
        },
        SweepConfig {
            name: "mlp-3x128-lr0.3",
            about: "default task at learning rate 0.3",
            run: with(&mlp, &|r| r.train.lr = 0.3),
        },
        SweepConfig {
            name: "mlp-3x128-batch400",
            about: "default task at batch 400 (x4)",
            run: with(&mlp, &|r| r.train.batch_size = 400),
        },
        SweepConfig {
            name: "cnn-digits",
            about: "classic MNIST CNN on the UCI 8x8 digits (another dataset: 2-D images)",
            run: with(
                &RunSpec::from_preset("digits-cnn").expect("preset exists"),
                &|_| {},
            ),
        },
        SweepConfig {
            name: "resnet8-x0.25",
            about: "ResNet-8, width x0.25",
            run: with(&resnet, &|r| r.model = resnet_of(8, 0.25)),
        },
        SweepConfig {
            name: "resnet8-x0.5",
            about: "ResNet-8, width x0.5",
            run: with(&resnet, &|_| {}),
        },
        SweepConfig {
            name: "resnet14-x0.5",
            about: "ResNet-14, width x0.5",
            run: with(&resnet, &|r| r.model = resnet_of(14, 0.5)),
        },
    ]
}

/// The study of one configuration: `all` and `bit_flip`, `replicas` each.
///
/// # Panics
/// Never for the configurations of [`sweep_configs`] (both conditions always parse).
pub fn sweep_study(config: &SweepConfig, replicas: usize) -> StudySpec {
    let run = config.run.clone();
    let conditions = ["all", "bit_flip"]
        .iter()
        .map(|c| crate::study::Condition::parse(c, &run).expect("conditions parse"))
        .collect();
    StudySpec {
        run,
        replicas,
        conditions,
        fixed_seed: 0,
        bootstrap: 10_000,
        mitigations: Vec::new(),
        pack: 1,
        data_fraction: None,
        target: None,
    }
}

/// One row of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Configuration name.
    pub name: String,
    /// What it is.
    pub about: String,
    /// Runs per condition.
    pub n: usize,
    /// Mean test accuracy over the `all` runs, percent.
    pub mean_acc: f64,
    /// Pairwise disagreement of the `all` runs, percent.
    pub disagreement_all: f64,
    /// Pairwise disagreement of the `bit_flip` runs, percent.
    pub disagreement_flip: f64,
    /// `disagreement_flip / disagreement_all`.
    pub disagreement_ratio: Option<f64>,
    /// 95% bootstrap interval of that ratio (runs of each condition resampled independently).
    pub disagreement_ratio_ci: Option<Interval>,
    /// Accuracy SD of the `all` runs, points.
    pub acc_sd_all: f64,
    /// Accuracy SD of the `bit_flip` runs, points.
    pub acc_sd_flip: f64,
    /// `acc_sd_flip / acc_sd_all`.
    pub acc_sd_ratio: Option<f64>,
    /// Its 95% bootstrap interval.
    pub acc_sd_ratio_ci: Option<Interval>,
}

/// Analyse one configuration's finished study in `dir` from the runs `survey` counts.
///
/// # Errors
/// [`AnalysisError`] naming the file or the condition.
pub fn sweep_row(
    config: &SweepConfig,
    study: &StudySpec,
    dir: &Path,
    survey: &Survey,
) -> Result<SweepRow, AnalysisError> {
    let boot = Bootstrap {
        resamples: 2_000,
        ..Bootstrap::default()
    };
    let mut per_condition = Vec::new();
    for (c, cond) in study.conditions.iter().enumerate() {
        let mut logits = Vec::new();
        let mut labels = Vec::new();
        for r in survey.counted(c) {
            let (o, l) = read_run_dir(&r.dir)?;
            logits.push(o);
            labels = l;
        }
        let wrap = |source| AnalysisError::Metrics {
            condition: format!("{}/{}", config.name, cond.name),
            source,
        };
        let views: Vec<Logits> = logits
            .iter()
            .map(|o| Logits::new(&o.logits, o.n, o.classes))
            .collect::<Result<_, _>>()
            .map_err(wrap)?;
        let acc: Vec<f64> = per_run(&views, &labels)
            .map_err(wrap)?
            .accuracy
            .iter()
            .map(|a| 100.0 * a)
            .collect();
        let dis = pairwise_disagreement(&views).map_err(wrap)?;
        per_condition.push((acc, dis));
    }
    let [(acc_all, dis_all), (acc_flip, dis_flip)] =
        <[_; 2]>::try_from(per_condition).map_err(|_| AnalysisError::Invalid {
            path: dir.to_path_buf(),
            message: "a sweep study has the conditions all and bit_flip".into(),
        })?;
    let (disagreement_ratio, disagreement_ratio_ci) =
        match pair_mean_ratio(&dis_flip, &dis_all, &boot) {
            Ok(e) => (Some(e.estimate), e.interval.scaled(1.0)),
            Err(_) => (None, None),
        };
    let sd = |v: &[f64]| population_sd(v).unwrap_or(f64::NAN);
    let ratio = sd_ratio(&acc_flip, &acc_all, &boot).ok();
    Ok(SweepRow {
        name: config.name.to_string(),
        about: config.about.to_string(),
        n: acc_all.len(),
        mean_acc: acc_all.iter().sum::<f64>() / acc_all.len().max(1) as f64,
        disagreement_all: 100.0 * dis_all.mean(),
        disagreement_flip: 100.0 * dis_flip.mean(),
        disagreement_ratio,
        disagreement_ratio_ci,
        acc_sd_all: sd(&acc_all),
        acc_sd_flip: sd(&acc_flip),
        acc_sd_ratio: ratio.as_ref().map(|e| e.estimate).filter(|v| v.is_finite()),
        acc_sd_ratio_ci: ratio.and_then(|e| e.interval.scaled(1.0)),
    })
}

fn ratio_cell(v: Option<f64>, ci: Option<Interval>) -> String {
    match (v, ci) {
        (Some(v), Some(ci)) => format!("{v:.2} [{:.2}, {:.2}]", ci.lo, ci.hi),
        (Some(v), None) => format!("{v:.2}"),
        _ => "-".into(),
    }
}

/// The sweep as a terminal table (also used in `sweep.md`).
pub fn render_sweep_table(rows: &[SweepRow]) -> String {
    let mut out = String::from(
        "runvar instability sweep: how much of the all-sources variability one bit flip reproduces\n\
         (MNIST-1D unless named; bit_flip = runs differing only by a one-ULP change of one initial weight;\n\
         ratios bit_flip / all with 95% bootstrap intervals; 1 = the flip alone gives the full spread)\n\n",
    );
    let header = [
        "configuration",
        "n",
        "acc %",
        "disagree all %",
        "disagree flip %",
        "ratio",
        "acc SD all",
        "acc SD flip",
        "SD ratio",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.n.to_string(),
                format!("{:.2}", r.mean_acc),
                format!("{:.2}", r.disagreement_all),
                format!("{:.2}", r.disagreement_flip),
                ratio_cell(r.disagreement_ratio, r.disagreement_ratio_ci),
                format!("{:.3}", r.acc_sd_all),
                format!("{:.3}", r.acc_sd_flip),
                ratio_cell(r.acc_sd_ratio, r.acc_sd_ratio_ci),
            ]
        })
        .collect();
    out.push_str(&text_table(&header, &cells));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configurations_are_valid_and_named_uniquely() {
        let configs = sweep_configs();
        for c in &configs {
            c.run.validate().unwrap();
            sweep_study(c, 4).validate().unwrap();
        }
        let mut names: Vec<_> = configs.iter().map(|c| c.name).collect();
        names.dedup();
        assert_eq!(names.len(), configs.len());
        assert_eq!(configs[0].run.model, ModelSpec::Linear);
    }

    #[test]
    fn table_lists_every_row() {
        let row = SweepRow {
            name: "linear".into(),
            about: "x".into(),
            n: 8,
            mean_acc: 30.0,
            disagreement_all: 10.0,
            disagreement_flip: 0.0,
            disagreement_ratio: Some(0.0),
            disagreement_ratio_ci: Some(Interval { lo: 0.0, hi: 0.0 }),
            acc_sd_all: 0.5,
            acc_sd_flip: 0.0,
            acc_sd_ratio: Some(0.0),
            acc_sd_ratio_ci: None,
        };
        let t = render_sweep_table(&[row]);
        assert!(
            t.contains("linear") && t.contains("0.00 [0.00, 0.00]"),
            "{t}"
        );
    }
}
