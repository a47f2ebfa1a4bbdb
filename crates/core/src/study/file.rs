//! Study files (TOML), parsed once: the keys as written ([`StudyFile`]), then the spec they
//! describe with the defaults filled in ([`StudyFile::into_spec`]).
//!
//! ```toml
//! replicas = 8                           # default DEFAULT_REPLICAS
//! conditions = ["control", "init+shuffle", "all"]   # default: StudySpec::default_conditions
//! fixed_seed = 0                         # default 0
//! bootstrap = 10000                      # default 10 000
//! pack = 4                               # default: default_pack(run, replicas)
//! data_fraction = 0.5                    # default: bootstrap resamples (conditions with data)
//! target_ci = 0.2                        # default: none, a fixed number of replicas
//! max_replicas = 64                      # default: DEFAULT_MAX_REPLICAS (with target_ci)
//! [run]                                  # default: the preset DEFAULT_PRESET
//! preset = "digits-mlp"
//! ```
//!
//! Every key is optional, and an absent key is `None`, not its default: `runvar study` must know
//! whether `pack` was given (a given pack is kept; a default one is fitted to the device's
//! memory). Unknown keys are refused, naming the key and the file.

use std::path::Path;

use serde::Deserialize;

use super::{
    default_bootstrap, default_pack, Condition, StudySpec, DEFAULT_PRESET, DEFAULT_REPLICAS,
};
use crate::runspec::{RunSpec, SpecError};

/// A study file as written: each key `None` where the file leaves it out.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyFile {
    /// `[run]`: the keys of a run spec (it may say `preset = "NAME"`), parsed by
    /// [`RunSpec::from_toml_str`].
    pub run: Option<toml::Table>,
    /// Replicas per condition.
    pub replicas: Option<usize>,
    /// Condition names, such as `"init+shuffle"` ([`Condition::parse`]).
    pub conditions: Option<Vec<String>>,
    /// Seed of every source a condition does not vary.
    pub fixed_seed: Option<u64>,
    /// Bootstrap resamples.
    pub bootstrap: Option<usize>,
    /// Replicas trained together as one stacked model.
    pub pack: Option<usize>,
    /// The training fraction of the conditions that vary `data` ([`StudySpec::data_fraction`]).
    pub data_fraction: Option<f64>,
    /// Train in rounds until every accuracy-SD interval is narrower than this many
    /// percentage points ([`StudySpec::target`]); `replicas` is then the first round.
    pub target_ci: Option<f64>,
    /// The cap of a `target_ci` study.
    pub max_replicas: Option<usize>,
}

impl StudyFile {
    /// Parse the text of a study file: TOML syntax, known keys, and each value's type.
    ///
    /// # Errors
    /// [`SpecError::Parse`] naming `path` and, where there is one, the key.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<StudyFile, SpecError> {
        let parse_err = |message: String| SpecError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| parse_err(e.to_string()))?;
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            // As run specs report theirs: "`key`: message", or the message alone for the
            // file as a whole (an unknown key).
            let key = e.path().to_string();
            let message = e.into_inner().message().to_string();
            parse_err(if key == "." {
                message
            } else {
                format!("`{key}`: {message}")
            })
        })
    }

    /// The study the file describes, with the defaults for the keys it leaves out, validated.
    ///
    /// # Errors
    /// [`SpecError`] naming `path` and the key: a bad `[run]` table, an unknown condition, a
    /// value [`StudySpec::validate`] refuses.
    pub fn into_spec(self, path: &Path) -> Result<StudySpec, SpecError> {
        self.build(path).map_err(|e| e.in_file(path))
    }

    fn build(self, path: &Path) -> Result<StudySpec, SpecError> {
        let run = match &self.run {
            Some(t) => {
                RunSpec::from_toml_str(&toml::to_string(t).expect("a table serializes"), path)?
            }
            None => RunSpec::from_preset(DEFAULT_PRESET)?,
        };
        let replicas = self.replicas.unwrap_or(DEFAULT_REPLICAS);
        let pack = self.pack.unwrap_or_else(|| default_pack(&run, replicas));
        let conditions = match &self.conditions {
            None => StudySpec::default_conditions(&run),
            Some(names) => names
                .iter()
                .map(|n| Condition::parse(n, &run))
                .collect::<Result<_, _>>()?,
        };
        let target = match (self.target_ci, self.max_replicas) {
            (Some(ci_width), cap) => Some(super::Target {
                ci_width,
                max_replicas: cap.unwrap_or(super::target::DEFAULT_MAX_REPLICAS.max(replicas)),
                first_round: replicas,
            }),
            (None, Some(_)) => {
                return Err(SpecError::Invalid {
                    field: "max_replicas".into(),
                    message: "caps the rounds of a target_ci study; set target_ci too".into(),
                })
            }
            (None, None) => None,
        };
        let spec = StudySpec {
            run,
            replicas,
            conditions,
            fixed_seed: self.fixed_seed.unwrap_or(0),
            bootstrap: self.bootstrap.unwrap_or_else(default_bootstrap),
            mitigations: Vec::new(),
            pack,
            data_fraction: self.data_fraction,
            target,
        };
        spec.validate()?;
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<StudyFile, String> {
        StudyFile::from_toml_str(text, Path::new("s.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn absent_keys_stay_absent() {
        assert_eq!(parse("").unwrap(), StudyFile::default());
        let f = parse("pack = 2\nreplicas = 3\n").unwrap();
        assert_eq!((f.pack, f.replicas, f.bootstrap), (Some(2), Some(3), None));
        // The defaults come in only when the spec is built.
        let s = parse("replicas = 3\n")
            .unwrap()
            .into_spec(Path::new("s.toml"))
            .unwrap();
        assert_eq!((s.pack, s.bootstrap, s.fixed_seed), (1, 10_000, 0));
        assert_eq!(s.run.preset.as_deref(), Some(DEFAULT_PRESET));
    }

    #[test]
    fn errors_name_the_file_and_the_key() {
        for (text, want) in [
            (
                "replica = 3\n",
                "s.toml: `replica`: unknown field `replica`, expected one of",
            ),
            ("replicas = -1\n", "s.toml: `replicas`: invalid value"),
            ("pack = \"2\"\n", "s.toml: `pack`: invalid type"),
            (
                "conditions = \"all\"\n",
                "s.toml: `conditions`: invalid type",
            ),
            (
                "conditions = [\"all\", 3]\n",
                "s.toml: `conditions[1]`: invalid type",
            ),
            ("run = 3\n", "s.toml: `run`: invalid type"),
            ("replicas = \n", "s.toml: TOML parse error"),
        ] {
            let msg = parse(text).unwrap_err();
            assert!(msg.starts_with(want), "{text:?}: {msg}");
        }
    }
}
