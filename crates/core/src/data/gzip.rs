//! gzip files as gzip(1) reads them (RFC 1952): a series of members, each decompressed in turn
//! and concatenated, so `cat a.gz b.gz` reads as the concatenation. Bytes after the last member
//! that do not start another member are damage (an HTTP error page appended, a bad copy), and
//! are refused rather than silently ignored.

use std::io::Read;
use std::path::Path;

use super::DataError;

/// The two bytes every gzip member starts with.
pub(crate) const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decompress every member of the gzip data `raw` (which starts with [`MAGIC`]); `path` names
/// the file in errors.
///
/// # Errors
/// [`DataError::Io`] for a corrupt or truncated member, [`DataError::Invalid`] for bytes after
/// the last member that are not a gzip member.
pub(crate) fn decompress(raw: &[u8], path: &Path) -> Result<Vec<u8>, DataError> {
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4));
    let mut rest = raw;
    while !rest.is_empty() {
        if !rest.starts_with(&MAGIC) {
            return Err(DataError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "{} bytes after the gzip data are not a gzip member (from byte {} on); the \
                     file is corrupt: download it again",
                    rest.len(),
                    raw.len() - rest.len()
                ),
            });
        }
        // The buffered decoder stops exactly after the member's trailer, so what is left of
        // the slice is what follows it.
        let mut member = flate2::bufread::GzDecoder::new(rest);
        member.read_to_end(&mut out).map_err(|e| DataError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                e.kind(),
                format!("corrupt gzip stream ({e}); download the file again"),
            ),
        })?;
        let left = member.into_inner();
        // A member is at least its 10-byte header and 8-byte trailer: progress is certain,
        // but a loop on input must not rest on a library's internals.
        if left.len() >= rest.len() {
            return Err(DataError::Invalid {
                path: path.to_path_buf(),
                message: "a gzip member of no bytes; the file is corrupt".into(),
            });
        }
        rest = left;
    }
    Ok(out)
}
