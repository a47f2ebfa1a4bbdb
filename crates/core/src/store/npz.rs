//! `.npz` archives as `np.savez` (stored) and `np.savez_compressed` (deflated) write them: a
//! zip archive of `NAME.npy` members. Each member goes through the same checks as a `.npy`
//! file ([`crate::store::npy::read`]): its header against the size the archive declares
//! before its body is read, and then its CRC-32.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::read::DeflateDecoder;
use flate2::CrcReader;

use super::npy::{self, format_err, NpyArray, NpyError};
use super::zip::{self, Method};

/// One array of an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct NpzMember {
    /// The member's name without `.npy` (the keyword given to `np.savez`, or `arr_0`, ...).
    pub name: String,
    /// `archive.npz:NAME.npy`, for messages.
    pub source: PathBuf,
    /// The array.
    pub array: NpyArray,
}

/// Read every member of the `.npz` archive at `path`, in archive order.
///
/// # Errors
/// [`NpyError`] naming the archive (a damaged zip structure, a member that is not `NAME.npy`,
/// an unsupported compression method) or the member (`archive.npz:NAME.npy`: a bad `.npy`
/// header or size, a CRC mismatch, a truncated or corrupt compressed stream).
pub fn read(path: &Path) -> Result<Vec<NpzMember>, NpyError> {
    let io = |source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut out = Vec::new();
    for e in zip::entries(&mut file, len, path)? {
        let Some(name) = e.name.strip_suffix(".npy") else {
            return Err(format_err(
                path,
                format!(
                    "member {} is not an array (.npy); an .npz from np.savez holds only NAME.npy members",
                    e.name
                ),
            ));
        };
        let source = PathBuf::from(format!("{}:{}", path.display(), e.name));
        file.seek(SeekFrom::Start(e.data_start)).map_err(io)?;
        let raw = (&mut file).take(e.compressed);
        let array = match e.method {
            Method::Stored => member(CrcReader::new(raw), &e, &source, true)?,
            Method::Deflated => {
                member(CrcReader::new(DeflateDecoder::new(raw)), &e, &source, false)?
            }
        };
        out.push(NpzMember {
            name: name.to_string(),
            source,
            array,
        });
    }
    Ok(out)
}

/// Read one member through `r` and check that it ends where declared and matches its CRC.
fn member<R: Read>(
    mut r: CrcReader<R>,
    e: &zip::Entry,
    source: &Path,
    stored: bool,
) -> Result<NpyArray, NpyError> {
    let damaged = |err: std::io::Error| zip::corrupt(source, &format!("cannot decompress ({err})"));
    let array = npy::read_from(&mut r, e.size, source, stored).map_err(|err| match err {
        // The decompressor's complaints are about the archive, not the disk.
        NpyError::Io { source: s, .. } if !stored => damaged(s),
        other => other,
    })?;
    let mut extra = [0u8; 1];
    if r.read(&mut extra).map_err(damaged)? != 0 {
        return Err(zip::corrupt(
            source,
            &format!(
                "member holds more than the {} bytes the archive declares",
                e.size
            ),
        ));
    }
    let crc = r.crc().sum();
    if crc != e.crc {
        return Err(zip::corrupt(
            source,
            &format!("CRC-32 is {crc:#010x} but the archive says {:#010x}", e.crc),
        ));
    }
    Ok(array)
}
