//! From a study spec to its runs, and which of them are still to do.

use std::path::{Path, PathBuf};

use super::StudySpec;
use crate::runspec::RunSpec;
use crate::store::{RunFiles, StudyDir};

/// One run of a study.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRun {
    /// Index of its condition in the study's list.
    pub condition: usize,
    /// Replica number i (its varied sources use seed i).
    pub replica: usize,
    /// The run's full spec.
    pub spec: RunSpec,
    /// Its run directory: `<study>/runs/<condition>/<replica, 4 digits>`.
    pub dir: PathBuf,
}

impl PlannedRun {
    /// Its run directory's files.
    pub fn files(&self) -> RunFiles {
        RunFiles::at(&self.dir)
    }

    /// True when its run directory is finished.
    pub fn is_done(&self) -> bool {
        self.files().is_complete()
    }
}

/// Every run of `study` in `dir`, condition by condition, replica by replica.
pub fn plan(study: &StudySpec, dir: &Path) -> Vec<PlannedRun> {
    let layout = StudyDir::at(dir);
    let mut runs = Vec::with_capacity(study.conditions.len() * study.replicas);
    for (c, cond) in study.conditions.iter().enumerate() {
        for i in 0..study.replicas {
            let mut spec = cond.replica(&study.run, i as u64, study.fixed_seed);
            if spec.seeds.data.is_some() {
                spec.train.data_fraction = study.data_fraction;
            }
            runs.push(PlannedRun {
                condition: c,
                replica: i,
                spec,
                dir: layout.run(&cond.name, i).dir().to_path_buf(),
            });
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runspec::RunSpec;
    use crate::seed::Source;
    use crate::study::Condition;

    fn study() -> StudySpec {
        let run = RunSpec::from_preset("digits-cnn").unwrap();
        StudySpec::new(run, 3)
    }

    #[test]
    fn replica_i_varies_only_its_condition_sources_with_seed_i() {
        let s = study();
        let runs = plan(&s, Path::new("st"));
        assert_eq!(runs.len(), s.conditions.len() * 3);
        let find = |name: &str, i: usize| {
            runs.iter()
                .find(|r| s.conditions[r.condition].name == name && r.replica == i)
                .unwrap()
        };
        let r = &find("init", 2).spec;
        assert_eq!(
            (
                r.seeds.init,
                r.seeds.shuffle,
                r.seeds.augment,
                r.seeds.dropout
            ),
            (2, 0, 0, 0)
        );
        assert!(!r.low_level && r.bit_flip.is_none());
        let r = &find("init+shuffle", 1).spec;
        assert_eq!((r.seeds.init, r.seeds.shuffle, r.seeds.augment), (1, 1, 0));
        let r = &find("low_level", 2).spec;
        assert!(r.low_level);
        assert_eq!((r.seeds.low_level, r.seeds.init), (2, 0));
        let r = &find("bit_flip", 2).spec;
        assert_eq!(r.bit_flip.as_ref().unwrap().seed, 2);
        assert_eq!(r.seeds.init, 0);
        let r = &find("all", 2).spec;
        assert_eq!(
            (
                r.seeds.init,
                r.seeds.shuffle,
                r.seeds.augment,
                r.seeds.dropout,
                r.seeds.low_level
            ),
            (2, 2, 2, 2, 2)
        );
        assert!(r.low_level && r.bit_flip.is_none());
        let control: Vec<_> = runs.iter().filter(|r| r.condition == 0).collect();
        assert!(
            control.iter().all(|r| r.spec == control[0].spec),
            "control replicas are identical"
        );
        assert_eq!(find("shuffle", 1).dir, Path::new("st/runs/shuffle/0001"));
    }

    #[test]
    fn default_conditions_follow_the_model() {
        let with = study();
        let names: Vec<_> = with.conditions.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "control",
                "init",
                "shuffle",
                "augment",
                "dropout",
                "low_level",
                "init+shuffle",
                "all",
                "bit_flip"
            ]
        );
        let plain = RunSpec::from_preset("mnist-mlp").unwrap();
        let names: Vec<_> = StudySpec::default_conditions(&plain)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert!(!names.contains(&"dropout".to_string()) && !names.contains(&"augment".to_string()));
        let all = Condition::parse("all", &plain).unwrap();
        assert_eq!(
            all.sources,
            vec![Source::Init, Source::Shuffle, Source::LowLevel]
        );
    }

    #[test]
    fn bad_conditions_are_named() {
        let plain = RunSpec::from_preset("mnist-mlp").unwrap();
        let msg = Condition::parse("init+cudnn", &plain)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("cudnn") && msg.contains("conditions"), "{msg}");
        let msg = Condition::parse("dropout", &plain).unwrap_err().to_string();
        assert!(msg.contains("no dropout"), "{msg}");
        let mut s = study();
        s.conditions.push(s.conditions[1].clone());
        assert!(s.validate().unwrap_err().to_string().contains("twice"));
        s = study();
        s.replicas = 1;
        assert!(s.validate().unwrap_err().to_string().contains("replicas"));
    }

    #[test]
    fn only_conditions_that_vary_data_resample_the_training_set() {
        let run = RunSpec::from_preset("digits-mlp").unwrap();
        let mut s = StudySpec::new(run.clone(), 3);
        s.conditions = ["control", "init", "data", "data+init", "all"]
            .iter()
            .map(|c| Condition::parse(c, &run).unwrap())
            .collect();
        assert_eq!(s.conditions[3].sources, [Source::Init, Source::Data]);
        assert!(
            !s.conditions[4].sources.contains(&Source::Data),
            "`all` is the paper's"
        );
        s.data_fraction = Some(0.5);
        s.validate().unwrap();
        let runs = plan(&s, Path::new("st"));
        for r in &runs {
            let name = s.conditions[r.condition].name.as_str();
            let varies = name.contains("data");
            assert_eq!(
                r.spec.seeds.data,
                varies.then_some(r.replica as u64),
                "{name}"
            );
            assert_eq!(r.spec.train.data_fraction, varies.then_some(0.5), "{name}");
            if name == "data" {
                assert_eq!((r.spec.seeds.init, r.spec.seeds.shuffle), (0, 0));
            }
            r.spec.validate().unwrap();
        }
        // Runs that do not vary data are the runs they were before the source existed.
        let before = StudySpec::new(run.clone(), 3);
        let old = plan(&before, Path::new("st"));
        assert_eq!(runs[3].spec, old[3].spec, "init replica 0");
        assert_eq!(
            serde_json::to_value(&runs[0].spec).unwrap()["seeds"],
            serde_json::json!({
                "init": 0, "shuffle": 0, "augment": 0, "dropout": 0, "low_level": 0
            })
        );
    }

    #[test]
    fn bad_data_fractions_are_named() {
        let run = RunSpec::from_preset("digits-mlp").unwrap();
        let mut s = StudySpec::new(run.clone(), 3);
        s.data_fraction = Some(0.5);
        let msg = s.validate().unwrap_err().to_string();
        assert!(
            msg.contains("data_fraction") && msg.contains("no condition varies"),
            "{msg}"
        );
        s.conditions.push(Condition::parse("data", &run).unwrap());
        for f in [0.0, 1.5, f64::NAN, 1e-5] {
            s.data_fraction = Some(f);
            let msg = s.validate().unwrap_err().to_string();
            assert!(msg.starts_with("`data_fraction`: "), "{f}: {msg}");
        }
        s.data_fraction = None;
        s.run.train.data_fraction = Some(0.5);
        let msg = s.validate().unwrap_err().to_string();
        assert!(msg.contains("run.train.data_fraction"), "{msg}");
    }

    #[test]
    fn study_spec_round_trips_through_json() {
        let s = study();
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<StudySpec>(&text).unwrap(), s);
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn study_file_parses_and_rejects_unknown_keys() {
        let text = r#"
            replicas = 4
            conditions = ["control", "init+shuffle", "all"]
            [run]
            preset = "digits-mlp"
            [run.train]
            epochs = 2
        "#;
        let s = StudySpec::from_toml_str(text, Path::new("s.toml")).unwrap();
        assert_eq!(s.replicas, 4);
        assert_eq!(s.run.train.epochs, 2);
        let names: Vec<_> = s.conditions.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["control", "init+shuffle", "all"]);
        let msg = StudySpec::from_toml_str("replica = 3\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("s.toml") && msg.contains("replica"), "{msg}");
        let msg = StudySpec::from_toml_str(
            "[run]\npreset = \"digits-mlp\"\n[run.train]\nlr = -1.0\n",
            Path::new("s.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("train.lr"), "{msg}");
        let msg = StudySpec::from_toml_str("conditions = [\"init+cudnn\"]\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("cudnn"), "{msg}");
    }
}
