//! Just enough of the ZIP format (PKWARE APPNOTE 6.3) to read what `np.savez` and
//! `np.savez_compressed` write through Python's `zipfile`: stored or deflated members, zip64
//! fields (numpy forces zip64 local headers), one disk, no encryption. The central directory is
//! authoritative for names and sizes; every offset and length is checked against the file's
//! length before it is used to seek or to size a buffer.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::npy::{format_err, NpyError};

/// Compression methods numpy uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    /// `ZIP_STORED` (`np.savez`).
    Stored,
    /// `ZIP_DEFLATED` (`np.savez_compressed`).
    Deflated,
}

/// One member, from the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// The member's name in the archive.
    pub name: String,
    /// How its bytes are compressed.
    pub method: Method,
    /// CRC-32 of the uncompressed bytes.
    pub crc: u32,
    /// Bytes in the archive.
    pub compressed: u64,
    /// Bytes once decompressed (as declared; checked while reading).
    pub size: u64,
    /// Where its data starts in the file (after the local header).
    pub data_start: u64,
    /// Where its local header starts.
    pub header_start: u64,
}

const EOCD: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_EOCD: u32 = 0x0606_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const LOCAL: u32 = 0x0403_4b50;

/// Little-endian field readers over a byte slice; `None` past its end.
fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Read `n` bytes at `offset`, refusing ranges outside the file's `len` bytes.
fn read_at(
    file: &mut File,
    len: u64,
    offset: u64,
    n: u64,
    path: &Path,
) -> Result<Vec<u8>, NpyError> {
    if offset.checked_add(n).is_none_or(|end| end > len) {
        return Err(corrupt(path, "an offset points past the end of the file"));
    }
    let io = |source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    };
    file.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut buf =
        vec![0u8; usize::try_from(n).map_err(|_| corrupt(path, "a record is too large"))?];
    file.read_exact(&mut buf).map_err(io)?;
    Ok(buf)
}

pub(super) fn corrupt(path: &Path, what: &str) -> NpyError {
    format_err(
        path,
        format!("{what}; the archive is truncated or corrupt (np.load would fail too)"),
    )
}

/// The members of the archive at `path` (open as `file`, `len` bytes long), in archive order.
pub(super) fn entries(file: &mut File, len: u64, path: &Path) -> Result<Vec<Entry>, NpyError> {
    // The end-of-central-directory record: 22 bytes and a comment of up to 65535.
    let tail_len = len.min(22 + 65_535);
    let tail = read_at(file, len, len - tail_len, tail_len, path)?;
    let at = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(&tail, i) == Some(EOCD))
        .ok_or_else(|| {
            format_err(
                path,
                "no end-of-central-directory record: not a zip archive, or a truncated one; save with np.savez",
            )
        })?;
    let eocd = &tail[at..];
    let field = |i| u16_at(eocd, i).expect("22 bytes from `at`");
    if field(4) != 0 || field(6) != 0 {
        return Err(format_err(path, "multi-disk archives are not supported"));
    }
    let mut count = u64::from(field(10));
    let mut cd_size = u64::from(u32_at(eocd, 12).expect("22 bytes from `at`"));
    let mut cd_offset = u64::from(u32_at(eocd, 16).expect("22 bytes from `at`"));
    if at >= 20 && u32_at(&tail, at - 20) == Some(ZIP64_LOCATOR) {
        let z_offset = u64_at(&tail, at - 12).expect("20 bytes before `at`");
        let z = read_at(file, len, z_offset, 56, path)?;
        if u32_at(&z, 0) != Some(ZIP64_EOCD) {
            return Err(corrupt(path, "bad zip64 end-of-central-directory record"));
        }
        count = u64_at(&z, 32).expect("56 bytes");
        cd_size = u64_at(&z, 40).expect("56 bytes");
        cd_offset = u64_at(&z, 48).expect("56 bytes");
    }
    let cd = read_at(file, len, cd_offset, cd_size, path)?;
    let mut out = Vec::new();
    let mut p = 0usize;
    for _ in 0..count {
        let (entry, next) = central_entry(&cd, p, path)?;
        p = next;
        // Member data lies before the central directory.
        let local = read_at(file, cd_offset, entry.data_start, 30, path)?;
        if u32_at(&local, 0) != Some(LOCAL) {
            return Err(corrupt(
                path,
                &format!("member {}: bad local header", entry.name),
            ));
        }
        let skip = 30
            + u64::from(u16_at(&local, 26).expect("30 bytes"))
            + u64::from(u16_at(&local, 28).expect("30 bytes"));
        let data_start = entry.data_start + skip;
        if data_start
            .checked_add(entry.compressed)
            .is_none_or(|end| end > cd_offset)
        {
            return Err(corrupt(
                path,
                &format!("member {} runs past its space", entry.name),
            ));
        }
        out.push(Entry {
            data_start,
            header_start: entry.data_start,
            ..entry
        });
    }
    check_disjoint(&out, path)?;
    Ok(out)
}

/// Refuse members that share bytes. numpy never writes them, and entries that all point at one
/// deflated member (a zip bomb by overlap) would be decompressed, and held, once per entry.
fn check_disjoint(entries: &[Entry], path: &Path) -> Result<(), NpyError> {
    let mut spans: Vec<(u64, u64, &str)> = entries
        .iter()
        // data_start + compressed <= the central directory's offset: checked, no overflow.
        .map(|e| (e.header_start, e.data_start + e.compressed, e.name.as_str()))
        .collect();
    spans.sort_unstable();
    match spans.windows(2).find(|w| w[1].0 < w[0].1) {
        None => Ok(()),
        Some(w) => Err(format_err(
            path,
            format!(
                "members {} and {} overlap (they share bytes of the archive); numpy never \
                 writes that: the archive is corrupt or crafted",
                w[0].2, w[1].2
            ),
        )),
    }
}

/// Parse the central-directory entry at `p`; returns it (with `data_start` holding the local
/// header's offset) and where the next one starts.
fn central_entry(cd: &[u8], p: usize, path: &Path) -> Result<(Entry, usize), NpyError> {
    let short = || corrupt(path, "central directory ends early");
    let fixed = cd.get(p..p + 46).ok_or_else(short)?;
    if u32_at(fixed, 0) != Some(CENTRAL) {
        return Err(corrupt(path, "bad central directory entry"));
    }
    let f16 = |i| u16_at(fixed, i).expect("46 bytes");
    let f32_ = |i| u32_at(fixed, i).expect("46 bytes");
    let (name_len, extra_len, comment_len) = (f16(28) as usize, f16(30) as usize, f16(32) as usize);
    let name_bytes = cd.get(p + 46..p + 46 + name_len).ok_or_else(short)?;
    let name = String::from_utf8_lossy(name_bytes).into_owned();
    let extra = cd
        .get(p + 46 + name_len..p + 46 + name_len + extra_len)
        .ok_or_else(short)?;
    let next = p + 46 + name_len + extra_len + comment_len;
    if next > cd.len() {
        return Err(short());
    }
    if f16(8) & 1 != 0 {
        return Err(format_err(
            path,
            format!("member {name} is encrypted; numpy never writes that"),
        ));
    }
    let method = match f16(10) {
        0 => Method::Stored,
        8 => Method::Deflated,
        m => {
            return Err(format_err(
                path,
                format!(
                    "member {name} uses compression method {m}; runvar reads stored and deflated \
                     members (np.savez, np.savez_compressed)"
                ),
            ))
        }
    };
    // Fields set to all ones are in the zip64 extra field (id 1), in this order.
    let mut size = u64::from(f32_(24));
    let mut compressed = u64::from(f32_(20));
    let mut local = u64::from(f32_(42));
    let mut zip64 = zip64_extra(extra).into_iter();
    for v in [&mut size, &mut compressed, &mut local] {
        if *v == u64::from(u32::MAX) {
            *v = zip64
                .next()
                .ok_or_else(|| corrupt(path, &format!("member {name}: zip64 field missing")))?;
        }
    }
    if method == Method::Stored && compressed != size {
        return Err(corrupt(
            path,
            &format!("stored member {name} has two sizes"),
        ));
    }
    let entry = Entry {
        name,
        method,
        crc: f32_(16),
        compressed,
        size,
        data_start: local,
        header_start: local,
    };
    Ok((entry, next))
}

/// The 64-bit values of the zip64 extended-information field, if present.
fn zip64_extra(mut extra: &[u8]) -> Vec<u64> {
    while let (Some(id), Some(n)) = (u16_at(extra, 0), u16_at(extra, 2)) {
        let Some(data) = extra.get(4..4 + n as usize) else {
            break;
        };
        if id == 1 {
            return data
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().expect("8")))
                .collect();
        }
        extra = &extra[4 + n as usize..];
    }
    Vec::new()
}
