//! Unpacking a verified `.tar.gz` so that its folder appears only when complete.
//!
//! The archive is extracted into a hidden folder beside the destination
//! (`.<folder>.unpacking`, removed first if an interrupted run left one). Only plain files and
//! folders at relative paths without `..` are accepted; an absolute path, a `..`, a link or a
//! device is refused and nothing is kept. The extracted `<folder>` must hold each expected file
//! at its expected size; then it is renamed into place and the hidden folder removed.

use std::fs::File;
use std::io::BufReader;
use std::path::{Component, Path, PathBuf};

use super::FetchError;

/// True when `folder` holds each of `files` (name, size) at exactly that size.
pub(super) fn is_complete(folder: &Path, files: &[(&str, u64)]) -> bool {
    files.iter().all(|(name, size)| {
        std::fs::metadata(folder.join(name)).is_ok_and(|m| m.is_file() && m.len() == *size)
    })
}

/// Extracts `archive` so that `data_dir/folder` appears holding `files`; see the module docs.
pub(super) fn tar_gz(
    archive: &Path,
    data_dir: &Path,
    folder: &str,
    files: &[(&str, u64)],
) -> Result<(), FetchError> {
    let tmp = data_dir.join(format!(".{folder}.unpacking"));
    let local = |path: &Path, action, source| FetchError::Local {
        path: path.to_path_buf(),
        action,
        cause: source,
    };
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .map_err(|e| local(&tmp, "remove a folder left by an interrupted unpack", e))?;
    }
    std::fs::create_dir(&tmp).map_err(|e| local(&tmp, "create", e))?;
    let extracted = tmp.join(folder);
    let result = extract(archive, &tmp).and_then(|()| {
        let missing: Vec<String> = files
            .iter()
            .filter(|(name, size)| !is_complete(&extracted, &[(name, *size)]))
            .map(|(name, size)| format!("{name} ({size} bytes)"))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(FetchError::Unpack {
                path: archive.to_path_buf(),
                message: format!(
                    "the archive lacks {folder}/{} or has them at another size; delete it and \
                     run the command again",
                    missing.join(", ")
                ),
            })
        }
    });
    let target = data_dir.join(folder);
    let result = result.and_then(|()| {
        std::fs::rename(&extracted, &target)
            .map_err(|e| local(&target, "rename the unpacked folder into place", e))
    });
    // The hidden folder goes in every case; a failure to remove it is not worth an error.
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// Extracts every entry of `archive` under `into`, refusing anything but plain files and
/// folders at safe relative paths.
fn extract(archive: &Path, into: &Path) -> Result<(), FetchError> {
    let bad = |message: String| FetchError::Unpack {
        path: archive.to_path_buf(),
        message,
    };
    let file = File::open(archive).map_err(|source| FetchError::Local {
        path: archive.to_path_buf(),
        action: "read",
        cause: source,
    })?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    let corrupt = |e: std::io::Error| {
        bad(format!(
            "corrupt archive ({e}); delete it and run the command again"
        ))
    };
    for entry in tar.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let path = entry.path().map_err(corrupt)?.into_owned();
        let rel = safe_relative(&path).ok_or_else(|| {
            bad(format!(
                "entry `{}` points outside the folder it unpacks into; refusing to unpack",
                path.display()
            ))
        })?;
        if rel.as_os_str().is_empty() {
            continue; // `./` itself
        }
        let out = into.join(&rel);
        let kind = entry.header().entry_type();
        if kind == tar::EntryType::XGlobalHeader {
            continue; // pax metadata for the whole archive, not a file
        }
        let written = if kind.is_dir() {
            std::fs::create_dir_all(&out)
        } else if kind.is_file() {
            out.parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| File::create(&out))
                .and_then(|mut f| std::io::copy(&mut entry, &mut f).map(|_| ()))
        } else {
            return Err(bad(format!(
                "entry `{}` is a {kind:?}, not a file or folder; refusing to unpack",
                path.display()
            )));
        };
        written.map_err(|source| FetchError::Local {
            path: out,
            action: "write",
            cause: source,
        })?;
    }
    Ok(())
}

/// `path` without `.` components (empty for `./`), or `None` when it is absolute or has `..`.
fn safe_relative(path: &Path) -> Option<PathBuf> {
    let mut rel = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => rel.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(rel)
}
