//! The `.npy` header: magic string, version, and the Python dict literal that gives the dtype,
//! the memory order and the shape (numpy's `lib/format.py`, "Format Version 1.0" to "3.0").

use std::path::Path;

use super::literal::{Lit, Parser};
use super::{format_err, NpyError};

/// What the header declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    /// The element type.
    pub dtype: Dtype,
    /// Column-major storage (`fortran_order: True`).
    pub fortran: bool,
    /// The dimensions.
    pub shape: Vec<usize>,
}

/// Element kinds runvar reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `f2`, `f4`, `f8`.
    Float,
    /// `i1` to `i8`.
    Int,
    /// `u1` to `u8`.
    UInt,
    /// `b1` (numpy bool, one byte 0 or 1).
    Bool,
}

/// A simple dtype: kind, width in bytes, byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Dtype {
    /// What the bytes mean.
    pub kind: Kind,
    /// Bytes per element.
    pub width: usize,
    /// Most significant byte first.
    pub big_endian: bool,
}

/// numpy refuses longer headers by default (`max_header_size`, `_MAX_HEADER_SIZE`); so does
/// runvar, which also bounds what a corrupt length field can make it read.
pub(super) const MAX_HEADER_LEN: usize = 10_000;

impl Dtype {
    /// Parse a `descr` string such as `<f4`, `>i8`, `|u1` or `=f8`.
    fn parse(descr: &str) -> Option<Dtype> {
        let mut chars = descr.chars();
        let order = chars.next()?;
        let kind = match chars.next()? {
            'f' => Kind::Float,
            'i' => Kind::Int,
            'u' => Kind::UInt,
            'b' => Kind::Bool,
            _ => return None,
        };
        let width: usize = chars.as_str().parse().ok()?;
        let ok = match kind {
            Kind::Float => matches!(width, 2 | 4 | 8),
            Kind::Int | Kind::UInt => matches!(width, 1 | 2 | 4 | 8),
            Kind::Bool => width == 1,
        };
        let big_endian = match order {
            '<' => false,
            '>' => true,
            '=' => cfg!(target_endian = "big"),
            // "not applicable": numpy writes it only for one-byte types.
            '|' if width == 1 => false,
            _ => return None,
        };
        ok.then_some(Dtype {
            kind,
            width,
            big_endian,
        })
    }
}

/// The fixed part: magic string, version, header length. Returns the header length and the
/// number of bytes of this prelude (10 for version 1.0, 12 for 2.0 and 3.0), reading the two
/// extra length bytes through `more` when the version needs them.
pub(super) fn prelude(
    first: &[u8; 10],
    more: impl FnOnce() -> Result<[u8; 2], NpyError>,
    path: &Path,
) -> Result<(usize, usize), NpyError> {
    if &first[..6] != super::MAGIC {
        return Err(format_err(
            path,
            "not a .npy file (bad magic string); save arrays with np.save",
        ));
    }
    let (len, prelude) = match (first[6], first[7]) {
        (1, 0) => (u16::from_le_bytes([first[8], first[9]]) as usize, 10),
        (2 | 3, 0) => {
            let [a, b] = more()?;
            (u32::from_le_bytes([first[8], first[9], a, b]) as usize, 12)
        }
        (major, minor) => {
            return Err(format_err(
                path,
                format!("unsupported .npy version {major}.{minor}; runvar reads 1.0, 2.0 and 3.0"),
            ))
        }
    };
    if len > MAX_HEADER_LEN {
        return Err(format_err(
            path,
            format!(
                "header is {len} bytes, over the {MAX_HEADER_LEN} that np.load accepts; the file is corrupt"
            ),
        ));
    }
    Ok((len, prelude))
}

/// A header value as Python spells it, cut short when long (a corrupt header may hold
/// thousands of characters).
fn quoted(v: &Lit) -> String {
    const MAX: usize = 40;
    let s = v.to_string();
    match s.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &s[..at]),
        None => s,
    }
}

/// Parse the header dict (the bytes after the prelude).
pub(super) fn parse(bytes: &[u8], path: &Path) -> Result<Header, NpyError> {
    let bad = |what: &str| format_err(path, format!("bad header: {what}; the file is corrupt"));
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not text"))?;
    let Lit::Dict(entries) = Parser::new(text).value(0).map_err(|e| bad(&e))? else {
        return Err(bad("not a dict"));
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(k, Lit::Str(s) if s == key))
            .map(|(_, v)| v)
            .ok_or_else(|| bad(&format!("no '{key}'")))
    };
    let dtype = match get("descr")? {
        Lit::Str(d) => Dtype::parse(d).ok_or_else(|| {
            format_err(
                path,
                format!(
                    "unsupported dtype '{d}'; runvar reads float16/32/64 and integers in either \
                     byte order (convert with arr.astype(np.float32))"
                ),
            )
        })?,
        Lit::List(_) => {
            return Err(format_err(
                path,
                "structured dtype; save a plain float or integer array",
            ))
        }
        other => {
            return Err(bad(&format!(
                "the 'descr' value {} is not a dtype string",
                quoted(other)
            )))
        }
    };
    let fortran = match get("fortran_order")? {
        Lit::Bool(b) => *b,
        other => {
            return Err(bad(&format!(
                "the 'fortran_order' value {} is not a boolean (True or False)",
                quoted(other)
            )))
        }
    };
    let shape = match get("shape")? {
        Lit::Tuple(dims) => dims
            .iter()
            .map(|d| match d {
                Lit::Int(n) => usize::try_from(*n).map_err(|_| {
                    format_err(path, format!("dimension {n} is too large for this machine"))
                }),
                other => Err(bad(&format!(
                    "'shape' holds {}, not an integer",
                    quoted(other)
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        other => {
            return Err(bad(&format!(
                "the 'shape' value {} is not a tuple",
                quoted(other)
            )))
        }
    };
    Ok(Header {
        dtype,
        fortran,
        shape,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> Result<Header, String> {
        parse(text.as_bytes(), Path::new("h.npy")).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_what_numpy_and_others_write() {
        let h = header("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }   \n").unwrap();
        assert_eq!(
            h,
            Header {
                dtype: Dtype {
                    kind: Kind::Float,
                    width: 8,
                    big_endian: true
                },
                fortran: true,
                shape: vec![2, 3]
            }
        );
        // Double quotes, other key order, Python 2 longs, a 1-tuple, a scalar.
        let h = header(r#"{"shape": (7L,), "fortran_order": False, "descr": "|u1"}"#).unwrap();
        assert_eq!(
            (h.shape, h.dtype.kind, h.dtype.width),
            (vec![7], Kind::UInt, 1)
        );
        assert_eq!(
            header("{'descr': '<i2', 'fortran_order': False, 'shape': ()}")
                .unwrap()
                .shape,
            Vec::<usize>::new()
        );
        let native = header("{'descr': '=f2', 'fortran_order': False, 'shape': (1,)}").unwrap();
        assert_eq!(native.dtype.big_endian, cfg!(target_endian = "big"));
    }

    /// A header value of the wrong kind is quoted as the header spells it, bare Python names
    /// (`Maybe`, `None`) included, so the user sees what the writer put there.
    #[test]
    fn wrong_kinds_of_value_are_quoted() {
        for (value, shown) in [
            ("Maybe", "Maybe"),
            ("None", "None"),
            ("0", "0"),
            ("'False'", "'False'"),
            ("(True,)", "(True,)"),
        ] {
            let msg = header(&format!(
                "{{'descr': '<f4', 'fortran_order': {value}, 'shape': (1,)}}"
            ))
            .unwrap_err();
            assert_eq!(
                msg,
                format!(
                    "h.npy: bad header: the 'fortran_order' value {shown} is not a boolean \
                     (True or False); the file is corrupt"
                )
            );
        }
        let msg = header("{'descr': float32, 'fortran_order': False, 'shape': (1,)}").unwrap_err();
        assert!(
            msg.contains("the 'descr' value float32 is not a dtype string"),
            "{msg}"
        );
        let msg = header("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}").unwrap_err();
        assert!(
            msg.contains("the 'shape' value [2, 3] is not a tuple"),
            "{msg}"
        );
        let msg =
            header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 'x')}").unwrap_err();
        assert!(msg.contains("'shape' holds 'x', not an integer"), "{msg}");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let with = |descr: &str| {
            header(&format!(
                "{{'descr': {descr}, 'fortran_order': False, 'shape': (1,)}}"
            ))
        };
        for d in [
            "'<c8'",
            "'|f4'",
            "'<f16'",
            "'<U3'",
            "'|O'",
            "'<M8[ns]'",
            "'<f3'",
            "'f4'",
        ] {
            let msg = with(d).unwrap_err();
            assert!(msg.starts_with("h.npy: unsupported dtype"), "{d}: {msg}");
        }
        let msg = with("[('a', '<f4'), ('b', '<i8')]").unwrap_err();
        assert!(msg.contains("structured"), "{msg}");
        for bad in [
            "{'descr': '<f4', 'shape': (1,)}",
            "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",
            "{'descr': '<f4' 'fortran_order': False}",
            "['descr']",
            "{'descr': '<f4",
        ] {
            let msg = header(bad).unwrap_err();
            assert!(msg.starts_with("h.npy: bad header"), "{bad}: {msg}");
        }
        let deep = format!("{}{}", "(".repeat(200), ")".repeat(200));
        let msg = header(&format!("{{'shape': {deep}}}")).unwrap_err();
        assert!(msg.contains("nested too deeply"), "{msg}");
        let msg =
            header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}")
                .unwrap_err();
        assert!(msg.contains("too large"), "{msg}");
    }
}
