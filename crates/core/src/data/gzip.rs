//! gzip files as gzip(1) reads them (RFC 1952): a series of members, each decompressed in turn
//! and concatenated, so `cat a.gz b.gz` reads as the concatenation. Bytes after the last member
//! that do not start another member are damage (an HTTP error page appended, a bad copy), and
//! are refused rather than silently ignored.

use std::io::Read;
use std::path::Path;

use super::DataError;

/// The two bytes every gzip member starts with.
pub(crate) const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decompress every member of the gzip data `raw` (which starts with [`MAGIC`]), to at most
/// `limit` bytes (a few KiB of crafted deflate can expand a thousandfold: a file that
/// decompresses to more than any real file of its kind is refused as it grows, not after);
/// `path` names the file in errors.
///
/// # Errors
/// [`DataError::Io`] for a corrupt or truncated member, [`DataError::Invalid`] for bytes after
/// the last member that are not a gzip member, or for more than `limit` bytes of data.
pub(crate) fn decompress(raw: &[u8], path: &Path, limit: u64) -> Result<Vec<u8>, DataError> {
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(limit as usize));
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
        let room = (limit + 1).saturating_sub(out.len() as u64);
        let mut member = flate2::bufread::GzDecoder::new(rest).take(room);
        member.read_to_end(&mut out).map_err(|e| DataError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                e.kind(),
                format!("corrupt gzip stream ({e}); download the file again"),
            ),
        })?;
        if out.len() as u64 > limit {
            return Err(DataError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "decompresses to more than {limit} bytes, more than any file of this kind \
                     holds; the file is corrupt or crafted"
                ),
            });
        }
        let left = member.into_inner().into_inner();
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_stream_larger_than_the_limit_is_refused_as_it_grows() {
        // 1 MiB of zeros compresses to about 1 KiB: a small bomb.
        let bomb = gz(&vec![0u8; 1 << 20]);
        assert!(bomb.len() < 4096);
        let msg = decompress(&bomb, Path::new("b.gz"), 1000)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("b.gz") && msg.contains("more than 1000 bytes"),
            "{msg}"
        );
        // At the limit exactly, across two members, it is read whole.
        let two = [gz(&[7u8; 600]), gz(&[8u8; 400])].concat();
        let out = decompress(&two, Path::new("t.gz"), 1000).unwrap();
        assert_eq!((out.len(), out[599], out[600]), (1000, 7, 8));
        assert!(decompress(&two, Path::new("t.gz"), 999).is_err());
    }
}
