//! Small PNG images as `data:` URIs, so a page can show test inputs without a file beside it.
//!
//! The PNG is 8-bit gray or RGB, one IDAT chunk of zlib-compressed scanlines with filter 0
//! (none), as the PNG specification (W3C, second edition, 2003) describes; CRC-32 and zlib
//! come from flate2. Base64 is RFC 4648's standard alphabet with padding.

use std::io::Write;

/// `data:image/png;base64,...` of a `width x height` image with `channels` (1 gray, 3 RGB)
/// interleaved 8-bit samples per pixel, row-major (`pixels.len() = width * height *
/// channels`).
pub(crate) fn png_data_uri(width: usize, height: usize, channels: usize, pixels: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64(&png(width, height, channels, pixels))
    )
}

/// The PNG file of the image ([`png_data_uri`]'s layout).
pub(crate) fn png(width: usize, height: usize, channels: usize, pixels: &[u8]) -> Vec<u8> {
    debug_assert_eq!(pixels.len(), width * height * channels);
    let color_type = if channels == 3 { 2 } else { 0 };
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(width as u32).to_be_bytes());
    ihdr.extend_from_slice(&(height as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, color_type, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut raw = Vec::with_capacity(height * (1 + width * channels));
    for row in pixels.chunks_exact((width * channels).max(1)) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let idat = z
        .write_all(&raw)
        .and_then(|()| z.finish())
        .unwrap_or_default();
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// One chunk: length, type, data, CRC-32 of type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// Standard base64 with `=` padding (RFC 4648 section 4).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= group.len() {
                out.push(char::from(ALPHABET[(v >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        // RFC 4648 section 10.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn png_chunks_are_well_formed_and_hold_the_pixels() {
        let pixels: Vec<u8> = (0..2 * 3 * 3).map(|v| (v * 13) as u8).collect();
        let file = png(3, 2, 3, &pixels);
        assert_eq!(&file[..8], b"\x89PNG\r\n\x1a\n");
        // Walk the chunks, checking each CRC; inflate IDAT back to filtered scanlines.
        let (mut at, mut kinds, mut raw) = (8, Vec::new(), Vec::new());
        while at < file.len() {
            let len = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
            let kind = &file[at + 4..at + 8];
            let data = &file[at + 8..at + 8 + len];
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            let stored = u32::from_be_bytes(file[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc.sum(), stored);
            if kind == b"IHDR" {
                assert_eq!(data, [0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
            }
            if kind == b"IDAT" {
                flate2::read::ZlibDecoder::new(data)
                    .read_to_end(&mut raw)
                    .unwrap();
            }
            kinds.push(String::from_utf8(kind.to_vec()).unwrap());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
        let mut want = vec![0];
        want.extend_from_slice(&pixels[..9]);
        want.push(0);
        want.extend_from_slice(&pixels[9..]);
        assert_eq!(raw, want);
        assert!(png_data_uri(3, 2, 3, &pixels).starts_with("data:image/png;base64,iVBORw0KGgo"));
    }
}
