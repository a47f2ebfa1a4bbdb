//! `SHA256SUMS`: the SHA-256 of every file of a run directory.
//!
//! [`super::RunDirWriter::commit`] hashes each file as it landed on disk and writes the list
//! just before `DONE`, in the format of coreutils' `sha256sum` (`<64 hex digits>  <name>`, one
//! file a line, sorted by name), so `sha256sum -c SHA256SUMS` checks a run by hand. Readers
//! that count a run ([`verify`]) recompute every hash first: a flipped bit in `logits.npy`, a
//! replaced `labels.npy` or a truncated `record.json` makes the run fail its check instead of
//! skewing a study's numbers.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Name of the checksum list in a run directory.
pub const SHA256SUMS: &str = "SHA256SUMS";

/// The longest `SHA256SUMS` read: a run has a few dozen files, about 80 bytes a line.
const MAX_LIST_BYTES: u64 = 1 << 20;

/// Why a run directory's files cannot be trusted; each names the directory or file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The directory has no `SHA256SUMS`.
    #[error(
        "{dir}: no {SHA256SUMS}, so its files cannot be checked (written before runvar recorded \
         checksums, or not by runvar)"
    )]
    NoList {
        /// The run directory.
        dir: PathBuf,
    },
    /// `SHA256SUMS` is not a list runvar wrote.
    #[error("{path}: line {line}: {message}")]
    Malformed {
        /// The list.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A file the list names is gone.
    #[error("{path}: missing, but {SHA256SUMS} lists it")]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// A file's bytes changed after the run finished.
    #[error(
        "{path}: its SHA-256 is {found}, not the {expected} recorded when the run finished: the \
         file changed since"
    )]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// The hash in the list.
        expected: String,
        /// The hash of the file now.
        found: String,
    },
    /// A file every run has is not in the list.
    #[error("{dir}: {name} is not in {SHA256SUMS}; every finished run has one")]
    Unlisted {
        /// The run directory.
        dir: PathBuf,
        /// The file.
        name: String,
    },
}

/// SHA-256 (lowercase hex) and length of everything `r` yields, read in 64 KiB blocks.
///
/// # Errors
/// The read error.
pub fn sha256_of(r: &mut impl Read) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex(&hasher.finalize()), n))
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of the file at `path`.
///
/// # Errors
/// [`IntegrityError::Io`] naming the file.
pub fn hash_file(path: &Path) -> Result<String, IntegrityError> {
    let io = |source| IntegrityError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = fs::File::open(path).map_err(io)?;
    Ok(sha256_of(&mut f).map_err(io)?.0)
}

/// The text of a `SHA256SUMS` list of `(name, hash)` pairs, sorted by name.
pub fn format_list(entries: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = entries.iter().collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(name, hash)| format!("{hash}  {name}\n"))
        .collect()
}

/// Parse a `SHA256SUMS` list into `(name, hash)` pairs; `path` is for messages.
///
/// # Errors
/// [`IntegrityError::Malformed`] for a line that is not `<64 lowercase hex>  <name>`, a name
/// with a path separator, or a name listed twice.
pub fn parse_list(text: &str, path: &Path) -> Result<Vec<(String, String)>, IntegrityError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let bad = |message: String| IntegrityError::Malformed {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let (hash, name) = line
            .split_once("  ")
            .ok_or_else(|| bad("expected `<sha256>  <file name>`".into()))?;
        if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(bad(format!("`{hash}` is not a SHA-256 in lowercase hex")));
        }
        if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(bad(format!(
                "`{name}` is not a file name of this directory"
            )));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(bad(format!("`{name}` is listed twice")));
        }
        out.push((name.to_string(), hash.to_string()));
    }
    Ok(out)
}

/// Check every file `SHA256SUMS` lists in `dir` against its hash, and that each of `required`
/// is listed. Returns the names checked.
///
/// # Errors
/// The first [`IntegrityError`] found, naming the file.
pub fn verify(dir: &Path, required: &[&str]) -> Result<Vec<String>, IntegrityError> {
    let path = dir.join(SHA256SUMS);
    let io = |source| IntegrityError::Io {
        path: path.clone(),
        source,
    };
    let len = match fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(IntegrityError::NoList {
                dir: dir.to_path_buf(),
            })
        }
        Err(e) => return Err(io(e)),
    };
    if len > MAX_LIST_BYTES {
        return Err(IntegrityError::Malformed {
            path: path.clone(),
            line: 1,
            message: format!("{len} bytes; a run's list is a few KiB"),
        });
    }
    let bytes = fs::read(&path).map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|_| IntegrityError::Malformed {
        path: path.clone(),
        line: 1,
        message: "not UTF-8 text".into(),
    })?;
    let list = parse_list(&text, &path)?;
    for name in required {
        if !list.iter().any(|(n, _)| n == name) {
            return Err(IntegrityError::Unlisted {
                dir: dir.to_path_buf(),
                name: name.to_string(),
            });
        }
    }
    for (name, expected) in &list {
        let file = dir.join(name);
        if !file.exists() {
            return Err(IntegrityError::Missing { path: file });
        }
        let found = hash_file(&file)?;
        if &found != expected {
            return Err(IntegrityError::Mismatch {
                path: file,
                expected: expected.clone(),
                found,
            });
        }
    }
    Ok(list.into_iter().map(|(n, _)| n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_of_abc_is_the_fips_180_example() {
        // FIPS 180-2, appendix B.1.
        let (h, n) = sha256_of(&mut &b"abc"[..]).unwrap();
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(n, 3);
    }

    #[test]
    fn lists_round_trip_and_bad_lines_are_named() {
        let h = "a".repeat(64);
        let entries = vec![
            ("b.npy".to_string(), h.clone()),
            ("a.json".into(), h.clone()),
        ];
        let text = format_list(&entries);
        assert_eq!(text, format!("{h}  a.json\n{h}  b.npy\n"));
        let back = parse_list(&text, Path::new("S")).unwrap();
        assert_eq!(back[0].0, "a.json");
        for (bad, what) in [
            (format!("{h} a.json"), "expected"),
            (format!("{}  a.json", "A".repeat(64)), "lowercase hex"),
            (format!("{h}  ../x"), "not a file name"),
            (format!("{h}  a\n{h}  a"), "twice"),
        ] {
            let msg = parse_list(&bad, Path::new("S")).unwrap_err().to_string();
            assert!(msg.contains(what) && msg.starts_with("S: line"), "{msg}");
        }
    }

    #[test]
    fn verify_finds_a_changed_a_missing_and_an_unlisted_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("x.npy"), b"12345").unwrap();
        fs::write(d.join("y.json"), b"{}").unwrap();
        let list = |names: &[&str]| {
            let entries: Vec<(String, String)> = names
                .iter()
                .map(|n| (n.to_string(), hash_file(&d.join(n)).unwrap()))
                .collect();
            fs::write(d.join(SHA256SUMS), format_list(&entries)).unwrap();
        };
        assert!(matches!(verify(d, &[]), Err(IntegrityError::NoList { .. })));
        list(&["x.npy", "y.json"]);
        assert_eq!(verify(d, &["x.npy"]).unwrap(), ["x.npy", "y.json"]);
        // One flipped bit.
        fs::write(d.join("x.npy"), b"12344").unwrap();
        let msg = verify(d, &[]).unwrap_err().to_string();
        assert!(
            msg.contains("x.npy") && msg.contains("changed since"),
            "{msg}"
        );
        fs::write(d.join("x.npy"), b"12345").unwrap();
        fs::remove_file(d.join("y.json")).unwrap();
        let msg = verify(d, &[]).unwrap_err().to_string();
        assert!(msg.contains("y.json: missing"), "{msg}");
        list(&["x.npy"]);
        let msg = verify(d, &["x.npy", "labels.npy"]).unwrap_err().to_string();
        assert!(msg.contains("labels.npy is not in SHA256SUMS"), "{msg}");
    }
}
