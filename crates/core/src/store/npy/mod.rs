//! The NumPy `.npy` format, as numpy writes it: versions 1.0, 2.0 and 3.0; float16, float32,
//! float64, the integer types and bool, in either byte order; C or Fortran order.
//!
//! runvar writes float32 logits and features and int64 labels ([`encode_f32`], [`encode_i64`]);
//! it reads what numpy and PyTorch users save (`np.save(path, logits)`), so logits from any
//! framework can be analyzed. The header is checked against the file's length before the body
//! is read or any buffer sized from the header is allocated: a corrupt header is an error
//! naming the file, never an overflow or an out-of-memory abort. `.npz` archives are read by
//! [`crate::store::npz`] through the same checks.

mod body;
mod header;
mod literal;
mod write;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use write::{encode_f32, encode_f64, encode_i64, write_f32};

pub(crate) const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Errors reading or writing `.npy` and `.npz` files; each names the file (for an archive
/// member, `archive.npz:member.npy`).
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
    /// The file is not a valid `.npy` file (or `.npz` archive) of a supported kind.
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
    /// `f4` in either byte order, and `f2` (float16) widened exactly.
    F32(Vec<f32>),
    /// `f8` in either byte order.
    F64(Vec<f64>),
    /// `i1` to `i8` and `u1` to `u8` in either byte order, widened to i64 (a `u8` value above
    /// `i64::MAX` is an error, never wrapped).
    I64(Vec<i64>),
    /// `b1` (numpy bool): kept apart from the integers, so that a mask is never taken for
    /// labels.
    Bool(Vec<bool>),
}

impl NpyData {
    /// What the values are, for messages: `floating point`, `integers`, `bool (|b1)`.
    fn kind(&self) -> &'static str {
        match self {
            NpyData::F32(_) | NpyData::F64(_) => "floating point",
            NpyData::I64(_) => "integers",
            NpyData::Bool(_) => "bool (|b1)",
        }
    }
}

/// An array read from a `.npy` file.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The dimensions (empty for a scalar).
    pub shape: Vec<usize>,
    /// The values, row-major (C order), whatever order the file stored them in.
    pub data: NpyData,
}

impl NpyArray {
    /// The values as f32 (f64 is rounded to nearest; integers and bools are refused).
    ///
    /// # Errors
    /// [`NpyError::Format`] when the array holds integers or bools.
    pub fn into_f32(self, path: &Path) -> Result<Vec<f32>, NpyError> {
        match self.data {
            NpyData::F32(v) => Ok(v),
            NpyData::F64(v) => Ok(v.into_iter().map(|x| x as f32).collect()),
            other => Err(format_err(
                path,
                format!("expected floating-point values, found {}", other.kind()),
            )),
        }
    }

    /// The values as i64 (floats and bools are refused).
    ///
    /// # Errors
    /// [`NpyError::Format`] when the array holds floats or bools.
    pub fn into_i64(self, path: &Path) -> Result<Vec<i64>, NpyError> {
        match self.data {
            NpyData::I64(v) => Ok(v),
            other => Err(format_err(
                path,
                format!("expected integer values, found {}", other.kind()),
            )),
        }
    }

    /// The values as class labels: [`NpyArray::into_i64`] with a message that says so
    /// (`labels must be integers, found bool (|b1)`).
    ///
    /// # Errors
    /// [`NpyError::Format`] when the array holds floats or bools.
    pub fn into_labels(self, path: &Path) -> Result<Vec<i64>, NpyError> {
        match self.data {
            NpyData::I64(v) => Ok(v),
            other => Err(format_err(
                path,
                format!("labels must be integers, found {}", other.kind()),
            )),
        }
    }
}

pub(crate) fn format_err(path: &Path, message: impl Into<String>) -> NpyError {
    NpyError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Read a `.npy` file.
///
/// # Errors
/// [`NpyError::Io`] when it cannot be read; [`NpyError::Format`] for a bad magic string or
/// header, an unsupported version or dtype, or a length that does not match the header.
pub fn read(path: &Path) -> Result<NpyArray, NpyError> {
    let io = |source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    read_from(&mut file, len, path, true)
}

/// Decode `.npy` bytes; `path` is only used in error messages.
///
/// # Errors
/// As [`read`].
pub fn decode(bytes: &[u8], path: &Path) -> Result<NpyArray, NpyError> {
    let mut r = bytes;
    read_from(&mut r, bytes.len() as u64, path, true)
}

/// Read one `.npy` array of `len` bytes from `r`. The header is parsed and the length it
/// implies compared with `len` (checked arithmetic) before the body is read. With
/// `trusted_len` (a file's or a buffer's real length) the body buffer is allocated at once;
/// without (the size an archive declares for a compressed member) it grows only as data
/// actually arrives.
pub(crate) fn read_from(
    r: &mut impl Read,
    len: u64,
    path: &Path,
    trusted_len: bool,
) -> Result<NpyArray, NpyError> {
    let io = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::UnexpectedEof => format_err(
            path,
            format!("ends before the {len} bytes it should hold; the file is truncated"),
        ),
        _ => NpyError::Io {
            path: path.to_path_buf(),
            source,
        },
    };
    if len < 10 {
        let mut short = Vec::new();
        r.take(len).read_to_end(&mut short).map_err(io)?;
        return Err(if short.starts_with(MAGIC) || MAGIC.starts_with(&short) {
            format_err(path, format!("only {len} bytes; the file is truncated"))
        } else {
            format_err(
                path,
                "not a .npy file (bad magic string); save arrays with np.save",
            )
        });
    }
    let mut first = [0u8; 10];
    r.read_exact(&mut first).map_err(io)?;
    let (header_len, prelude) = header::prelude(
        &first,
        || {
            let mut b = [0u8; 2];
            r.read_exact(&mut b).map_err(io)?;
            Ok(b)
        },
        path,
    )?;
    // Both are bounded (12 and MAX_HEADER_LEN): no overflow.
    let data_offset = (prelude + header_len) as u64;
    if data_offset > len {
        return Err(format_err(
            path,
            format!(
                "the header says it is {header_len} bytes but the file holds only {len}; the file is truncated"
            ),
        ));
    }
    let mut text = vec![0u8; header_len];
    r.read_exact(&mut text).map_err(io)?;
    let h = header::parse(&text, path)?;
    let too_big = || {
        format_err(
            path,
            format!(
                "shape {:?} of {}-byte elements is more data than any file holds; the header is corrupt",
                h.shape, h.dtype.width
            ),
        )
    };
    let count = h
        .shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(too_big)?;
    let body_len = count
        .checked_mul(h.dtype.width as u64)
        .ok_or_else(too_big)?;
    let found = len - data_offset;
    if body_len != found {
        let what = if found < body_len {
            "the file is truncated or the header is corrupt"
        } else {
            "the file has trailing bytes or the header is corrupt"
        };
        return Err(format_err(
            path,
            format!(
                "data is {found} bytes but shape {:?} of {}-byte elements needs {body_len}; {what}",
                h.shape, h.dtype.width
            ),
        ));
    }
    // body_len <= len, and len is a real length or is bounded by what arrives.
    let body_len = usize::try_from(body_len).map_err(|_| too_big())?;
    let mut bytes = Vec::new();
    if trusted_len {
        bytes.reserve_exact(body_len);
    }
    r.take(body_len as u64)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() != body_len {
        return Err(io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(NpyArray {
        data: body::decode(&bytes, h.dtype, &h.shape, h.fortran, path)?,
        shape: h.shape,
    })
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
}
