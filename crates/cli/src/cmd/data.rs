//! `runvar data fetch` and `runvar data list`: the data folder and what it holds.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use runvar_core::data::catalog::{self, REMOTES};
use runvar_core::data::{locate, DataError};
use runvar_core::runspec::DatasetName;

use crate::args::data::{DataArgs, DataCommand, FetchArgs, ListArgs};
use crate::fetch::{Fetcher, Options};
use crate::progress::{bytes, FetchMode, FetchProgress};
use crate::Outcome;

/// Run `runvar data`.
pub fn run(a: DataArgs) -> anyhow::Result<Outcome> {
    match a.command {
        DataCommand::Fetch(f) => fetch(f),
        DataCommand::List(l) => list(l),
    }
}

/// `--data-dir`, else the default data folder.
fn data_dir(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    arg.or_else(catalog::default_data_dir).context(
        "no default data folder: neither XDG_CACHE_HOME nor HOME is set; pass --data-dir DIR",
    )
}

fn fetch(a: FetchArgs) -> anyhow::Result<Outcome> {
    let dir = data_dir(a.data_dir)?;
    let mirror_override = match std::env::var(catalog::MIRROR_ENV) {
        Ok(v) => Some(v),
        Err(std::env::VarError::NotPresent) => None,
        Err(e) => anyhow::bail!("{}: {e}; set it to base URLs", catalog::MIRROR_ENV),
    };
    let fetcher = Fetcher::new(Options {
        mirror_override,
        ..Options::default()
    });
    let mode = FetchMode::detect(a.quiet);
    let mut seen = Vec::new();
    for remote in a.datasets {
        if seen.contains(&remote.dataset) {
            continue;
        }
        seen.push(remote.dataset);
        let name = remote.dataset.name();
        let mut progress = FetchProgress::new(mode, name);
        let folder = fetcher.dataset(remote, &dir, &mut |e| progress.on_event(&e));
        progress.finish();
        let folder = folder.with_context(|| format!("fetching {name}"))?;
        writeln!(std::io::stdout(), "{name}: {}", folder.display())?;
    }
    Ok(Outcome::Done)
}

/// What the data folder holds of one dataset.
fn state(dataset: DatasetName, dir: &Path) -> (String, String) {
    let Some(remote) = catalog::remote(dataset) else {
        let how = match dataset {
            DatasetName::Mnist1d => "generated from data.seed",
            DatasetName::Shakespeare => "embedded in runvar (text, character level)",
            DatasetName::CharText => "your own train.txt, valid.txt, test.txt: --data-dir DIR",
            DatasetName::Ptb => {
                "not downloaded (LDC's license): ptb.train.txt, ptb.valid.txt, ptb.test.txt in \
                 --data-dir DIR"
            }
            _ => "embedded in runvar",
        };
        let state = if dataset.needs_dir() {
            "your files"
        } else {
            "built in"
        };
        return (state.into(), how.into());
    };
    match locate(dataset, dir) {
        Ok(files) => {
            let folder = files[0].parent().unwrap_or(dir);
            ("ready".into(), folder.display().to_string())
        }
        Err(DataError::PythonCifar { path, fetch }) => (
            "python version".into(),
            format!(
                "{} holds the Python version; `{fetch}` gets the binary one",
                path.display()
            ),
        ),
        Err(_) => {
            let fetch = catalog::fetch_command(dataset, dir);
            let parts: Vec<String> = remote
                .files
                .iter()
                .filter_map(|f| {
                    let part = dir.join(remote.folder).join(format!("{}.part", f.name));
                    let n = std::fs::metadata(&part).ok()?.len();
                    Some(format!(
                        "{} of {} in {}",
                        bytes(n),
                        bytes(f.size),
                        part.display()
                    ))
                })
                .collect();
            if parts.is_empty() {
                ("missing".into(), format!("`{fetch}` downloads it"))
            } else {
                (
                    "partial".into(),
                    format!("{}; `{fetch}` resumes", parts.join(", ")),
                )
            }
        }
    }
}

fn list(a: ListArgs) -> anyhow::Result<Outcome> {
    let dir = data_dir(a.data_dir)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "data folder: {}", dir.display())?;
    let datasets = REMOTES.iter().map(|r| r.dataset).chain([
        DatasetName::Digits,
        DatasetName::Mnist1d,
        DatasetName::Shakespeare,
        DatasetName::CharText,
        DatasetName::Ptb,
    ]);
    for dataset in datasets {
        let (state, detail) = state(dataset, &dir);
        writeln!(out, "{:<14} {state:<15} {detail}", dataset.name())?;
    }
    Ok(Outcome::Done)
}
