//! Checking a downloaded file against its catalog entry.

use std::io::Read;
use std::path::{Path, PathBuf};

pub use crate::store::checksum::sha256_of;

use super::RemoteFile;

/// How a file matched its catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Its bytes are the published archive's.
    Archive,
    /// Its bytes differ, but it decompresses to the published content (a recompressed copy).
    Content,
}

/// Why a file does not match its catalog entry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Neither the bytes nor (for gzip) the decompressed bytes have the expected SHA-256.
    #[error(
        "{path}: SHA-256 mismatch: expected {expected}, found {found} ({size} bytes){content}"
    )]
    Digest {
        /// The file.
        path: PathBuf,
        /// The archive's published SHA-256.
        expected: String,
        /// The file's SHA-256.
        found: String,
        /// The file's size.
        size: u64,
        /// What the decompressed check found, as a clause starting with "; ", or empty.
        content: String,
    },
}

/// Checks the file at `path` against `file`: its SHA-256 is the archive's, or (for a gzip file
/// with a `Content` entry) it decompresses (every member) to exactly the content's bytes.
/// Reads the file once, and the decompressed stream at most once, never past the content's size
/// plus one byte.
///
/// # Errors
/// [`Mismatch::Digest`] naming both digests, or [`Mismatch::Io`].
pub fn verify(path: &Path, file: &RemoteFile) -> Result<Verified, Mismatch> {
    let io = |source| Mismatch::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let (found, size) = sha256_of(&mut f).map_err(io)?;
    if found == file.sha256 {
        return Ok(Verified::Archive);
    }
    let mut clause = String::new();
    if let Some(content) = file.content {
        let f = std::fs::File::open(path).map_err(io)?;
        // Every member, and an error for trailing bytes that are not one: as the loaders read
        // it (crate::data::gzip), so a file verified here is one they accept.
        let mut gz = flate2::read::MultiGzDecoder::new(f).take(content.size + 1);
        match sha256_of(&mut gz) {
            Ok((digest, n)) if n == content.size && digest == content.sha256 => {
                return Ok(Verified::Content)
            }
            Ok((digest, n)) => {
                clause = format!(
                    "; decompressed: {n} bytes with SHA-256 {digest}, expected {} bytes with {}",
                    content.size, content.sha256
                )
            }
            Err(e) => clause = format!("; not a readable gzip file ({e})"),
        }
    }
    Err(Mismatch::Digest {
        path: path.to_path_buf(),
        expected: file.sha256.to_string(),
        found,
        size,
        content: clause,
    })
}
