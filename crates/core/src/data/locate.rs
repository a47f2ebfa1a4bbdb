//! Finding a dataset's files in a data folder: runvar's layout, torchvision's, or flat.
//!
//! Each file is looked up in the data folder itself, then in each of the dataset's subfolders
//! in order: runvar's (`mnist/`, `fashion-mnist/`, `cifar-10-batches-bin/`, what
//! `runvar data fetch` writes), then torchvision's (`MNIST/raw/`, `FashionMNIST/raw/`). A file
//! that is nowhere is a [`DataError::Missing`] naming the folders tried and the
//! `runvar data fetch` command that downloads it.

use std::path::{Path, PathBuf};

use super::catalog::fetch_command;
use super::{cifar, idx, DataError};
use crate::runspec::DatasetName;

/// Where to look for one file, and what to call it when it is missing.
pub(crate) struct Lookup<'a> {
    /// The dataset it belongs to (for the fetch command in the error).
    pub dataset: DatasetName,
    /// Subfolders of the data folder to search after the folder itself.
    pub folders: &'a [&'a str],
    /// Accepted names, in order of preference (e.g. raw, then `.gz`).
    pub names: &'a [&'a str],
    /// What the file is, e.g. "MNIST training images".
    pub what: &'a str,
}

/// The first of `lookup.names` found in `dir`, then in each of `lookup.folders`.
pub(crate) fn find(dir: &Path, lookup: &Lookup<'_>) -> Result<PathBuf, DataError> {
    std::iter::once("")
        .chain(lookup.folders.iter().copied())
        .flat_map(|folder| lookup.names.iter().map(move |n| dir.join(folder).join(n)))
        .find(|p| p.is_file())
        .ok_or_else(|| missing(dir, lookup))
}

/// The error for a file that is nowhere.
pub(crate) fn missing(dir: &Path, lookup: &Lookup<'_>) -> DataError {
    let folders = std::iter::once("./".to_string())
        .chain(lookup.folders.iter().map(|f| format!("{f}/")))
        .collect::<Vec<_>>()
        .join(", ");
    DataError::Missing {
        dir: dir.to_path_buf(),
        what: lookup.what.to_string(),
        tried: format!("{} in {folders}", lookup.names.join(" or ")),
        fetch: fetch_command(lookup.dataset, dir),
    }
}

/// The files a file-based dataset reads from `dir`, found without reading them.
///
/// # Errors
/// [`DataError::Missing`] for the first file that is nowhere (or
/// [`DataError::PythonCifar`]); `digits`, `mnist1d` and `shakespeare` have no files and give
/// an empty list; a text corpus gives the splits that exist (its loader names a missing one).
pub fn locate(dataset: DatasetName, dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    match dataset {
        DatasetName::Digits | DatasetName::Mnist1d => Ok(Vec::new()),
        DatasetName::Mnist => idx::locate_mnist(dir),
        DatasetName::FashionMnist => idx::locate_fashion_mnist(dir),
        DatasetName::Cifar10 => cifar::locate(dir),
        DatasetName::Shakespeare => Ok(Vec::new()),
        DatasetName::CharText | DatasetName::Ptb => Ok(super::text::split_files(dataset, dir)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }

    const LOOKUP: Lookup<'static> = Lookup {
        dataset: DatasetName::Mnist,
        folders: &["mnist", "MNIST/raw"],
        names: &["f", "f.gz"],
        what: "the f file",
    };

    #[test]
    fn folder_order_then_name_order() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("MNIST/raw/f"));
        assert_eq!(
            find(dir.path(), &LOOKUP).unwrap(),
            dir.path().join("MNIST/raw/f")
        );
        touch(&dir.path().join("mnist/f.gz"));
        assert_eq!(
            find(dir.path(), &LOOKUP).unwrap(),
            dir.path().join("mnist/f.gz")
        );
        touch(&dir.path().join("mnist/f"));
        assert_eq!(
            find(dir.path(), &LOOKUP).unwrap(),
            dir.path().join("mnist/f")
        );
        touch(&dir.path().join("f.gz"));
        assert_eq!(find(dir.path(), &LOOKUP).unwrap(), dir.path().join("f.gz"));
    }

    #[test]
    fn missing_names_folders_and_the_fetch_command() {
        let dir = tempfile::tempdir().unwrap();
        let err = find(&dir.path().join("nowhere"), &LOOKUP).unwrap_err();
        let msg = err.to_string();
        for part in [
            "nowhere: no the f file found",
            "f or f.gz in ./, mnist/, MNIST/raw/",
            "runvar data fetch mnist --data-dir",
            "--data-dir pointing at",
        ] {
            assert!(msg.contains(part), "{msg:?} should contain {part:?}");
        }
    }

    #[test]
    fn builtin_datasets_have_no_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(locate(DatasetName::Digits, dir.path()).unwrap().is_empty());
        assert!(locate(DatasetName::Mnist1d, dir.path()).unwrap().is_empty());
        assert!(matches!(
            locate(DatasetName::Cifar10, dir.path()),
            Err(DataError::Missing { .. })
        ));
    }
}
