//! The NumPy `.npy` format (versions 1.0 to 3.0), little-endian, C order.
//!
//! runvar writes float32 logits and features and int64 labels; it reads float32, float64 and
//! the integer types numpy and PyTorch users save (`np.save(path, logits)`), so logits from any
//! framework can be analyzed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Errors reading or writing `.npy` files; each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NpyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid `.npy` file of a supported kind.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The element values of an array, by dtype.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyData {
    /// `<f4`.
    F32(Vec<f32>),
    /// `<f8`.
    F64(Vec<f64>),
    /// `<i8`, `<i4`, `<i2`, `|i1`, `|u1`, `<u2`, `<u4`, `<u8` widened to i64.
    I64(Vec<i64>),
}

/// An array read from a `.npy` file.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The dimensions (empty for a scalar).
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub data: NpyData,
}

impl NpyArray {
    /// The values as f32 (f64 is rounded; integers are refused).
    ///
    /// # Errors
    /// [`NpyError::Format`] when the array holds integers.
    pub fn into_f32(self, path: &Path) -> Result<Vec<f32>, NpyError> {
        match self.data {
            NpyData::F32(v) => Ok(v),
            NpyData::F64(v) => Ok(v.into_iter().map(|x| x as f32).collect()),
            NpyData::I64(_) => Err(format_err(
                path,
                "expected floating-point values, found integers",
            )),
        }
    }

    /// The values as i64 (floats are refused).
    ///
    /// # Errors
    /// [`NpyError::Format`] when the array holds floats.
    pub fn into_i64(self, path: &Path) -> Result<Vec<i64>, NpyError> {
        match self.data {
            NpyData::I64(v) => Ok(v),
            _ => Err(format_err(
                path,
                "expected integer values, found floating point",
            )),
        }
    }
}

fn format_err(path: &Path, message: impl Into<String>) -> NpyError {
    NpyError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [d] => format!("{d},"),
        _ => shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}");
    // Magic (6) + version (2) + length (2) + dict + '\n' is a multiple of 64.
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Encode an f32 array as `.npy` bytes.
///
/// # Panics
/// If `data.len()` is not the product of `shape` (a programming error).
pub fn encode_f32(shape: &[usize], data: &[f32]) -> Vec<u8> {
    assert_eq!(
        shape.iter().product::<usize>(),
        data.len(),
        "shape/data mismatch"
    );
    let mut out = header("<f4", shape);
    out.reserve(data.len() * 4);
    for x in data {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// Encode an i64 array as `.npy` bytes.
///
/// # Panics
/// If `data.len()` is not the product of `shape` (a programming error).
pub fn encode_i64(shape: &[usize], data: &[i64]) -> Vec<u8> {
    assert_eq!(
        shape.iter().product::<usize>(),
        data.len(),
        "shape/data mismatch"
    );
    let mut out = header("<i8", shape);
    out.reserve(data.len() * 8);
    for x in data {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

/// Write an f32 array to `path` (not atomically: see [`crate::store::RunDirWriter`]).
///
/// # Errors
/// [`NpyError::Io`] naming the file.
pub fn write_f32(path: &Path, shape: &[usize], data: &[f32]) -> Result<(), NpyError> {
    let io = |source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::create(path).map_err(io)?;
    f.write_all(&encode_f32(shape, data)).map_err(io)
}

/// Read a `.npy` file.
///
/// # Errors
/// [`NpyError::Io`] when it cannot be read; [`NpyError::Format`] for a bad magic string, an
/// unsupported dtype, Fortran order, or a size that does not match the header.
pub fn read(path: &Path) -> Result<NpyArray, NpyError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| NpyError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    decode(&bytes, path)
}

/// Decode `.npy` bytes; `path` is only used in error messages.
///
/// # Errors
/// As [`read`].
pub fn decode(bytes: &[u8], path: &Path) -> Result<NpyArray, NpyError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(format_err(path, "not a .npy file (bad magic string)"));
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format_err(path, format!("unsupported .npy version {v}"))),
    };
    let end = start + header_len;
    let text = bytes
        .get(start..end)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| format_err(path, "truncated or unreadable header"))?;
    let descr = dict_str(text, "descr").ok_or_else(|| format_err(path, "header has no 'descr'"))?;
    if dict_raw(text, "fortran_order").map(str::trim) != Some("False") {
        return Err(format_err(
            path,
            "Fortran-order arrays are not supported; save with np.ascontiguousarray",
        ));
    }
    let shape = parse_shape(text).ok_or_else(|| format_err(path, "header has no valid 'shape'"))?;
    let count: usize = shape.iter().product();
    let body = &bytes[end..];
    let width = match descr {
        "<f4" | "<i4" | "<u4" => 4,
        "<f8" | "<i8" | "<u8" => 8,
        "<i2" | "<u2" => 2,
        "|i1" | "|u1" | "|b1" => 1,
        other => {
            return Err(format_err(
                path,
                format!(
                "unsupported dtype '{other}'; expected little-endian float32, float64 or integers"
            ),
            ))
        }
    };
    if body.len() != count * width {
        return Err(format_err(
            path,
            format!(
                "data is {} bytes but shape {:?} of '{descr}' needs {}; the file is truncated or corrupt",
                body.len(),
                shape,
                count * width
            ),
        ));
    }
    let chunks = body.chunks_exact(width);
    let data = match descr {
        "<f4" => NpyData::F32(
            chunks
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect(),
        ),
        "<f8" => NpyData::F64(
            chunks
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        ),
        "<i8" => NpyData::I64(
            chunks
                .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        ),
        "<u8" => NpyData::I64(
            chunks
                .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")) as i64)
                .collect(),
        ),
        "<i4" => NpyData::I64(
            chunks
                .map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")) as i64)
                .collect(),
        ),
        "<u4" => NpyData::I64(
            chunks
                .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")) as i64)
                .collect(),
        ),
        "<i2" => NpyData::I64(
            chunks
                .map(|c| i16::from_le_bytes(c.try_into().expect("2 bytes")) as i64)
                .collect(),
        ),
        "<u2" => NpyData::I64(
            chunks
                .map(|c| u16::from_le_bytes(c.try_into().expect("2 bytes")) as i64)
                .collect(),
        ),
        "|i1" => NpyData::I64(chunks.map(|c| c[0] as i8 as i64).collect()),
        _ => NpyData::I64(chunks.map(|c| c[0] as i64).collect()),
    };
    Ok(NpyArray { shape, data })
}

/// The raw text after `'key':` up to the next top-level comma or closing brace.
fn dict_raw<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let at = text.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = text[at..].trim_start().strip_prefix(':')?;
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(&rest[..end])
}

fn dict_str<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let raw = dict_raw(text, key)?.trim();
    raw.strip_prefix('\'')?.strip_suffix('\'')
}

fn parse_shape(text: &str) -> Option<Vec<usize>> {
    let at = text.find("'shape'")? + 7;
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
    let inner = rest.strip_prefix('(')?;
    let inner = &inner[..inner.find(')')?];
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_round_trips_with_aligned_header() {
        let data: Vec<f32> = (0..12).map(|i| i as f32 * 0.5 - 1.0).collect();
        let bytes = encode_f32(&[3, 4], &data);
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let arr = decode(&bytes, Path::new("x.npy")).unwrap();
        assert_eq!(arr.shape, vec![3, 4]);
        assert_eq!(arr.data, NpyData::F32(data));
    }

    #[test]
    fn one_dimensional_shape_has_trailing_comma() {
        let bytes = encode_i64(&[3], &[1, -2, 3]);
        let text = String::from_utf8_lossy(&bytes[10..]);
        assert!(text.contains("'shape': (3,)"), "{text}");
        let arr = decode(&bytes, Path::new("y.npy")).unwrap();
        assert_eq!(arr.data, NpyData::I64(vec![1, -2, 3]));
    }

    /// Bytes exactly as `np.save` writes `np.array([[1.5, -2.0]], dtype=np.float64)`.
    #[test]
    fn reads_numpy_float64_file() {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }";
        let mut h = dict.to_string();
        h.push_str(&" ".repeat(128 - 10 - dict.len() - 1));
        h.push('\n');
        bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
        bytes.extend_from_slice(h.as_bytes());
        bytes.extend_from_slice(&1.5f64.to_le_bytes());
        bytes.extend_from_slice(&(-2.0f64).to_le_bytes());
        let arr = decode(&bytes, Path::new("z.npy")).unwrap();
        assert_eq!(arr.shape, vec![1, 2]);
        assert_eq!(arr.into_f32(Path::new("z.npy")).unwrap(), vec![1.5, -2.0]);
    }

    fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
        let mut out = bytes.to_vec();
        out[at..at + to.len()].copy_from_slice(to);
        out
    }

    #[test]
    fn bad_files_are_named_errors() {
        let p = Path::new("logits_7.npy");
        let good = encode_f32(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        let truncated = &good[..good.len() - 3];
        let msg = decode(truncated, p).unwrap_err().to_string();
        assert!(
            msg.starts_with("logits_7.npy: ") && msg.contains("truncated"),
            "{msg}"
        );
        let msg = decode(b"PK\x03\x04 not npy", p).unwrap_err().to_string();
        assert!(msg.contains("bad magic"), "{msg}");
        let fortran = replace(&good, b"False", b"True ");
        let msg = decode(&fortran, p).unwrap_err().to_string();
        assert!(msg.contains("Fortran"), "{msg}");
        let big_endian = replace(&good, b"<f4", b">f4");
        let msg = decode(&big_endian, p).unwrap_err().to_string();
        assert!(msg.contains(">f4"), "{msg}");
        let msg = read(Path::new("/nonexistent/l.npy"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("/nonexistent/l.npy"), "{msg}");
    }
}
