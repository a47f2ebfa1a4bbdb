//! Writing `.npy`: runvar writes `<f4` and `<i8`, C order, version 1.0, the header padded so the
//! data starts on a 64-byte boundary (as `np.save` does). Run directories depend on this format:
//! change it only with a reader that still takes the old one.

use std::io::Write;
use std::path::Path;

use super::{NpyError, MAGIC};

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

/// `.npy` bytes of `len` values of `width` bytes each, given little-endian by `bytes`.
///
/// # Panics
/// If `len` is not the product of `shape` (a programming error).
fn encode<const W: usize>(
    descr: &str,
    shape: &[usize],
    len: usize,
    bytes: impl Iterator<Item = [u8; W]>,
) -> Vec<u8> {
    assert_eq!(shape.iter().product::<usize>(), len, "shape/data mismatch");
    let mut out = header(descr, shape);
    out.reserve(len * W);
    bytes.for_each(|b| out.extend_from_slice(&b));
    out
}

/// Encode an f32 array as `.npy` bytes.
///
/// # Panics
/// If `data.len()` is not the product of `shape` (a programming error).
pub fn encode_f32(shape: &[usize], data: &[f32]) -> Vec<u8> {
    encode(
        "<f4",
        shape,
        data.len(),
        data.iter().map(|x| x.to_le_bytes()),
    )
}

/// Encode an f64 array as `.npy` bytes.
///
/// # Panics
/// If `data.len()` is not the product of `shape` (a programming error).
pub fn encode_f64(shape: &[usize], data: &[f64]) -> Vec<u8> {
    encode(
        "<f8",
        shape,
        data.len(),
        data.iter().map(|x| x.to_le_bytes()),
    )
}

/// Encode an i64 array as `.npy` bytes.
///
/// # Panics
/// If `data.len()` is not the product of `shape` (a programming error).
pub fn encode_i64(shape: &[usize], data: &[i64]) -> Vec<u8> {
    encode(
        "<i8",
        shape,
        data.len(),
        data.iter().map(|x| x.to_le_bytes()),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The exact bytes runvar has always written: run directories stay readable by numpy and
    /// by older runvar.
    #[test]
    fn header_bytes_are_unchanged() {
        let bytes = encode_f32(&[2, 3], &[0.0; 6]);
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        let mut expected = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
        expected.extend_from_slice(dict.as_bytes());
        expected.extend_from_slice(&[b' '; 128 - 10 - 59 - 1]);
        expected.push(b'\n');
        assert_eq!(&bytes[..128], &expected[..]);
        assert_eq!(bytes.len(), 128 + 24);
        let labels = encode_i64(&[3], &[1, -2, 3]);
        let text = String::from_utf8_lossy(&labels[10..]);
        assert!(
            text.starts_with("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }"),
            "{text}"
        );
        assert_eq!(&labels[labels.len() - 8..], &3i64.to_le_bytes());
    }
}
