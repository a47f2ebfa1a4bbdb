//! A corpus folder: which file holds each split (Penn Treebank's names first at word level),
//! and loading the three of them.

use std::path::{Path, PathBuf};

use super::read::read_text;
use super::tokenize::is_space;
use super::{from_texts, Corpus, DataError, Level};

/// The splits, in the order of [`Corpus`]'s streams.
const SPLITS: [&str; 3] = ["train", "valid", "test"];

/// The file names tried for `split`, in order.
fn names(split: &str, level: Level) -> Vec<String> {
    match level {
        Level::Char => vec![format!("{split}.txt")],
        Level::Word => vec![format!("ptb.{split}.txt"), format!("{split}.txt")],
    }
}

/// Loads the corpus of folder `dir` at `level` (see [`super::load_char_dir`]).
pub(super) fn load(dir: &Path, level: Level) -> Result<Corpus, DataError> {
    if !dir.is_dir() {
        let what = if dir.exists() {
            "not a folder: pass the folder holding the corpus's text files"
        } else {
            "no such folder"
        };
        return Err(invalid(dir, what.to_string()));
    }
    let found: Vec<Option<PathBuf>> = SPLITS
        .iter()
        .map(|split| {
            names(split, level)
                .into_iter()
                .map(|name| dir.join(name))
                .find(|path| path.symlink_metadata().is_ok())
        })
        .collect();
    let missing: Vec<usize> = (0..SPLITS.len()).filter(|&i| found[i].is_none()).collect();
    if missing.len() == SPLITS.len() {
        let looked: Vec<String> = SPLITS.iter().flat_map(|s| names(s, level)).collect();
        return Err(invalid(
            dir,
            format!(
                "no text corpus here: none of {} is in this folder",
                looked.join(", ")
            ),
        ));
    }
    if !missing.is_empty() {
        let each: Vec<String> = missing
            .iter()
            .map(|&i| {
                format!(
                    "the {} split (looked for {})",
                    SPLITS[i],
                    names(SPLITS[i], level).join(", ")
                )
            })
            .collect();
        return Err(invalid(
            dir,
            format!("missing {} in this folder", each.join(" and ")),
        ));
    }
    let mut texts = Vec::with_capacity(SPLITS.len());
    for path in found.into_iter().flatten() {
        let text = read_text(&path)?;
        if level == Level::Word && text.chars().all(is_space) {
            return Err(invalid(
                &path,
                "empty: only whitespace, no words".to_string(),
            ));
        }
        texts.push(text);
    }
    Ok(from_texts(
        &folder_name(dir),
        level,
        &texts[0],
        &texts[1],
        &texts[2],
    ))
}

/// The folder's own name (of its canonical path for `.` or `..`), or `corpus` for a root.
fn folder_name(dir: &Path) -> String {
    let canonical = dir.canonicalize().ok();
    dir.file_name()
        .filter(|name| *name != "." && *name != "..")
        .or_else(|| canonical.as_deref().and_then(Path::file_name))
        .map_or_else(
            || "corpus".to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
}

fn invalid(path: &Path, message: String) -> DataError {
    DataError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}

/// The files of the splits that exist in `dir` for `dataset` (`char-text` or `ptb`), found
/// without reading them; [`load`] names a missing one.
pub fn split_files(dataset: crate::runspec::DatasetName, dir: &Path) -> Vec<PathBuf> {
    let level = match dataset {
        crate::runspec::DatasetName::Ptb => Level::Word,
        _ => Level::Char,
    };
    SPLITS
        .iter()
        .filter_map(|split| {
            names(split, level)
                .into_iter()
                .map(|name| dir.join(name))
                .find(|path| path.is_file())
        })
        .collect()
}
