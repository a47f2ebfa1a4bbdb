//! Reading one text file with every check the corpus loaders make: size (from the metadata,
//! before reading), emptiness, binary content (a NUL byte) and UTF-8.

use std::io::Read;
use std::path::Path;

use super::super::gzip::MAGIC as GZIP_MAGIC;
use super::DataError;

/// The largest text file a split may be: 1 GiB. Penn Treebank's training split is 5 MB and
/// the whole of Shakespeare 5.5 MB; a larger file is the wrong file, and refusing it from its
/// metadata keeps a mistaken path from filling memory.
pub const MAX_TEXT_BYTES: u64 = 1 << 30;

/// Reads `path` as UTF-8 text.
///
/// # Errors
/// [`DataError::Io`] when it cannot be opened or read (a missing file among them);
/// [`DataError::Invalid`] naming the file when it is a folder, larger than [`MAX_TEXT_BYTES`],
/// empty (0 bytes), binary (a NUL byte, whose offset the message gives) or not UTF-8 (the
/// offset of the first bad byte).
pub fn read_text(path: &Path) -> Result<String, DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(invalid(path, "a folder, not a text file".to_string()));
    }
    let limit = format!("a text split may hold at most {MAX_TEXT_BYTES} bytes (1 GiB)");
    if meta.len() > MAX_TEXT_BYTES {
        return Err(invalid(
            path,
            format!("{} bytes: {limit}; is this the right file?", meta.len()),
        ));
    }
    // The metadata's length is checked, but a device or a file that grows can hold more than
    // it says: never read past the limit.
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(invalid(
            path,
            format!(
                "more than {MAX_TEXT_BYTES} bytes when read (its size said {}): {limit}",
                meta.len()
            ),
        ));
    }
    check_text(bytes, path)
}

/// `bytes` as text, with the checks of [`read_text`] after reading: empty, binary, not UTF-8.
/// `path` names the file (or embedded asset) in errors.
pub(super) fn check_text(bytes: Vec<u8>, path: &Path) -> Result<String, DataError> {
    if bytes.is_empty() {
        return Err(invalid(path, "empty file (0 bytes)".to_string()));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let hint = if bytes.starts_with(&GZIP_MAGIC) {
            "; it is gzip-compressed: decompress it first"
        } else {
            "; a text split must be plain UTF-8 text"
        };
        return Err(invalid(
            path,
            format!("binary file (NUL byte at offset {at}){hint}"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let err = e.utf8_error();
        let at = err.valid_up_to();
        let byte = e.as_bytes()[at];
        let what = match err.error_len() {
            Some(_) => format!("byte {byte:#04x} at offset {at} is not valid UTF-8"),
            None => format!("the file ends inside a UTF-8 sequence (from offset {at})"),
        };
        invalid(
            path,
            format!("not UTF-8 text: {what}; save the file as UTF-8"),
        )
    })
}

fn invalid(path: &Path, message: String) -> DataError {
    DataError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}
