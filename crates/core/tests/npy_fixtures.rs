//! The `.npy`/`.npz` reader against files written by numpy (scripts/npy_fixtures.py, whose
//! values are pasted beside each test), and against hand-damaged copies of them.

use std::fs;
use std::path::{Path, PathBuf};

use runvar_core::store::npy::{self, NpyArray, NpyData};
use runvar_core::store::npz;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/npy")
        .join(name)
}

fn read(name: &str) -> NpyArray {
    npy::read(&fixture(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn f32s(a: NpyArray) -> Vec<f32> {
    match a.data {
        NpyData::F32(v) => v,
        other => panic!("expected f32, got {other:?}"),
    }
}

fn ints(a: NpyArray) -> Vec<i64> {
    match a.data {
        NpyData::I64(v) => v,
        other => panic!("expected integers, got {other:?}"),
    }
}

/// Bit-for-bit equality, except that any NaN matches any NaN.
fn same_bits(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "{what}[{i}]: {g:e} ({:#010x}) != {w:e} ({:#010x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

#[test]
fn floats_in_both_byte_orders() {
    // h = [[-0.0, 1.5, -2.25, 2**-14], [65504, 2**-24, inf, nan]], float16
    let h = [
        -0.0,
        1.5,
        -2.25,
        2f32.powi(-14),
        65504.0,
        2f32.powi(-24),
        f32::INFINITY,
        f32::NAN,
    ];
    // [[0.1, 1e-39, 3.4e38], [-7.25, -0.0, 2 / 3]], float32 (Python floats rounded to f32)
    let s = [
        0.1f64 as f32,
        1e-39f64 as f32,
        3.4e38f64 as f32,
        -7.25,
        -0.0,
        (2.0f64 / 3.0) as f32,
    ];
    // [[0.1, -1e-310, 1e300], [2 / 3, -0.0, 5e-324]], float64
    let d = [0.1f64, -1e-310, 1e300, 2.0 / 3.0, -0.0, 5e-324];
    for order in ["le", "be"] {
        let a = read(&format!("f2_{order}.npy"));
        assert_eq!(a.shape, vec![2, 4]);
        same_bits(&f32s(a), &h, &format!("f2_{order}"));
        let a = read(&format!("f4_{order}.npy"));
        assert_eq!(a.shape, vec![2, 3]);
        same_bits(&f32s(a), &s, &format!("f4_{order}"));
        let a = read(&format!("f8_{order}.npy"));
        assert_eq!(a.shape, vec![2, 3]);
        let NpyData::F64(got) = a.data else {
            panic!("f8_{order}: not f64")
        };
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&d), "f8_{order}");
    }
}

/// Every 509th float16 bit pattern and the edges against numpy's own `astype(np.float32)`.
#[test]
fn float16_matches_numpy() {
    let half = f32s(read("f2_sweep.npy"));
    let numpy = f32s(read("f2_sweep_as_f4.npy"));
    assert_eq!(half.len(), 139);
    same_bits(&half, &numpy, "f2_sweep");
    assert!(half.iter().any(|x| x.is_nan()) && half.iter().any(|x| x.is_infinite()));
    assert!(
        half.iter().any(|&x| x != 0.0 && x.abs() < 2f32.powi(-14)),
        "no subnormal"
    );
}

#[test]
fn fortran_order_is_returned_in_c_order() {
    // np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    let a = read("fortran_f4.npy");
    assert_eq!(a.shape, vec![2, 3, 4]);
    let want: Vec<f32> = (0..24).map(|i| i as f32).collect();
    same_bits(&f32s(a), &want, "fortran_f4");
    // np.asfortranarray(np.arange(6, dtype=">f8").reshape(2, 3))
    let a = read("fortran_f8_be.npy");
    assert_eq!(a.shape, vec![2, 3]);
    assert_eq!(a.data, NpyData::F64(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]));
}

#[test]
fn header_versions() {
    // np.arange(6, dtype=np.float32).reshape(3, 2) * 0.5, written as version 2.0 and 3.0
    for name in ["v2_f4.npy", "v3_f4.npy"] {
        let bytes = fs::read(fixture(name)).unwrap();
        assert_eq!(bytes[6], if name.starts_with("v2") { 2 } else { 3 });
        let a = read(name);
        assert_eq!(a.shape, vec![3, 2]);
        assert_eq!(a.data, NpyData::F32(vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]));
    }
}

#[test]
fn integers_in_both_byte_orders() {
    for order in ["le", "be"] {
        let signed = |min: i64, max: i64| vec![min, -1, 0, 1, max];
        assert_eq!(
            ints(read(&format!("i2_{order}.npy"))),
            signed(-32768, 32767)
        );
        let (lo, hi) = (i32::MIN as i64, i32::MAX as i64);
        assert_eq!(ints(read(&format!("i4_{order}.npy"))), signed(lo, hi));
        assert_eq!(
            ints(read(&format!("i8_{order}.npy"))),
            signed(i64::MIN, i64::MAX)
        );
        assert_eq!(ints(read(&format!("u2_{order}.npy"))), vec![0, 1, 65535]);
        assert_eq!(
            ints(read(&format!("u4_{order}.npy"))),
            vec![0, 1, u32::MAX as i64]
        );
        assert_eq!(ints(read(&format!("u8_{order}.npy"))), vec![0, 1, i64::MAX]);
    }
    assert_eq!(ints(read("i1.npy")), vec![-128, -1, 0, 1, 127]);
    assert_eq!(ints(read("u1.npy")), vec![0, 1, 255]);
}

/// np.array([True, False, True]): read as booleans, never as the integers 1, 0, 1, so a mask
/// saved by mistake is not taken for class labels.
#[test]
fn bools_are_not_integers() {
    let a = read("b1.npy");
    assert_eq!(a.shape, vec![3]);
    assert_eq!(a.data, NpyData::Bool(vec![true, false, true]));
    let path = fixture("b1.npy");
    let msg = read("b1.npy").into_i64(&path).unwrap_err().to_string();
    assert!(msg.contains("found bool (|b1)"), "{msg}");
    let msg = read("b1.npy").into_f32(&path).unwrap_err().to_string();
    assert!(msg.contains("found bool (|b1)"), "{msg}");
    let msg = runvar_core::analysis::read_labels(&path, 10)
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        format!(
            "{}: labels must be integers, found bool (|b1)",
            path.display()
        )
    );
    let msg = runvar_core::analysis::read_labels(&fixture("f4_le.npy"), 10)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("must be"), "{msg}");
}

/// The three runs a, b, c of crates/cli/tests/analyze.rs, row-major.
const A: [f32; 12] = [3., 0., 0., 0., 3., 0., 0., 0., 3., 3., 0., 0.];
const B: [f32; 12] = [3., 0., 0., 0., 3., 0., 0., 0., 3., 0., 3., 0.];
const C: [f32; 12] = [0., 3., 0., 0., 3., 0., 0., 0., 3., 0., 3., 0.];

#[test]
fn npz_stored_deflated_and_zip64() {
    // np.savez(..., a=a, b=b, c=c, labels=y)
    let m = npz::read(&fixture("abc_savez.npz")).unwrap();
    let names: Vec<&str> = m.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "labels"]);
    assert!(m[1]
        .source
        .to_string_lossy()
        .ends_with("abc_savez.npz:b.npy"));
    for (member, want) in m.iter().zip([A, B, C]) {
        assert_eq!(member.array.shape, vec![4, 3]);
        assert_eq!(member.array.data, NpyData::F32(want.to_vec()));
    }
    assert_eq!(m[3].array.data, NpyData::I64(vec![0, 1, 2, 0]));
    // np.savez_compressed(..., logits=np.stack([a, b, c]).astype(">f2"), labels=y.astype(">i2"))
    let m = npz::read(&fixture("abc_compressed.npz")).unwrap();
    assert_eq!(
        (m[0].name.as_str(), m[1].name.as_str()),
        ("logits", "labels")
    );
    assert_eq!(m[0].array.shape, vec![3, 4, 3]);
    assert_eq!(m[0].array.data, NpyData::F32([A, B, C].concat()));
    assert_eq!(m[1].array.data, NpyData::I64(vec![0, 1, 2, 0]));
    // np.savez(..., a=a, labels=y) with zipfile's zip64 limits lowered: zip64 records.
    let m = npz::read(&fixture("abc_zip64.npz")).unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].array.data, NpyData::F32(A.to_vec()));
    assert_eq!(m[1].array.data, NpyData::I64(vec![0, 1, 2, 0]));
}

/// runvar's writer gives the very bytes `np.save` does, so run directories are plain numpy.
#[test]
fn writer_matches_np_save() {
    let stack = [A, B, C].concat();
    let numpy = fs::read(fixture("abc_stack.npy")).unwrap();
    assert_eq!(npy::encode_f32(&[3, 4, 3], &stack), numpy);
    let numpy = fs::read(fixture("i8_le.npy")).unwrap();
    assert_eq!(
        npy::encode_i64(&[5], &[i64::MIN, -1, 0, 1, i64::MAX]),
        numpy
    );
}

/// A temp file holding `bytes`.
fn temp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn npy_err(name: &str, bytes: &[u8]) -> String {
    let (_dir, path) = temp(name, bytes);
    let msg = npy::read(&path).unwrap_err().to_string();
    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
    // The in-memory path says the same.
    let mem = npy::decode(bytes, &path).unwrap_err().to_string();
    assert_eq!(mem, msg);
    msg
}

fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&bytes[at + from.len()..]);
    out
}

#[test]
fn damaged_npy_files_are_named_errors() {
    let good = fs::read(fixture("f4_le.npy")).unwrap();
    let msg = npy_err("trunc.npy", &good[..good.len() - 3]);
    assert!(
        msg.contains("needs 24") && msg.contains("truncated"),
        "{msg}"
    );
    let msg = npy_err("long.npy", &[&good[..], &[0u8; 4]].concat());
    assert!(msg.contains("trailing bytes"), "{msg}");
    let msg = npy_err("short_header.npy", &good[..40]);
    assert!(
        msg.contains("header says") && msg.contains("truncated"),
        "{msg}"
    );
    let msg = npy_err("tiny.npy", &good[..7]);
    assert!(msg.contains("only 7 bytes"), "{msg}");
    let msg = npy_err("junk.npy", b"PK\x03\x04 not npy");
    assert!(msg.contains("bad magic"), "{msg}");
    let msg = npy_err("v9.npy", &replace(&good, b"NUMPY\x01", b"NUMPY\x09"));
    assert!(msg.contains("version 9.0"), "{msg}");
    let msg = npy_err("c8.npy", &replace(&good, b"<f4", b"<c8"));
    assert!(msg.contains("unsupported dtype '<c8'"), "{msg}");
    // A 2.0 header claiming 4 GiB: refused on the length field alone.
    let mut huge_header = replace(&good, b"NUMPY\x01\x00", b"NUMPY\x02\x00");
    huge_header.splice(8..8, [0xff, 0xff]);
    let msg = npy_err("huge_header.npy", &huge_header);
    assert!(msg.contains("over the 10000"), "{msg}");
    let msg = npy::read(Path::new("/nonexistent/l.npy"))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("/nonexistent/l.npy: "), "{msg}");
    let msg = npz::read(Path::new("/nonexistent/r.npz"))
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("/nonexistent/r.npz: "), "{msg}");
}

/// 2^61 + 200 elements declared, 1,600 bytes present: an error before anything is sized from
/// the header (an allocation of 2^64 bytes would abort the test process, not fail it).
#[test]
fn huge_declared_shape_is_refused_without_allocating() {
    let n = (1u64 << 61) + 200;
    for (descr, shape) in [
        ("<f8", format!("({n},)")),
        ("<f4", format!("({n}, 1)")),
        ("<f2", format!("(2, {n}, 3)")),
        ("|u1", format!("({n}, {n})")),
    ] {
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        bytes.extend_from_slice(&[0u8; 1600]);
        let msg = npy_err("huge.npy", &bytes);
        assert!(
            msg.contains("data is 1600 bytes") || msg.contains("more data than any file holds"),
            "{descr} {shape}: {msg}"
        );
    }
}

/// An `.npy` file of `body` under a version 1.0 header of `descr` and `shape`.
fn npy_bytes(descr: &str, shape: &str, body: &[u8]) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes.extend_from_slice(body);
    bytes
}

/// Labels files that would be wrong if read as their header or bytes suggest: 2^61 + 200
/// int64 labels in 1,600 bytes (the size overflows 64 bits), and uint64 labels above
/// i64::MAX, refused with their real value (never wrapped to a negative label).
#[test]
fn labels_that_do_not_fit_are_refused() {
    let n = (1u64 << 61) + 200;
    for descr in ["<i8", ">i8", "<u8"] {
        let (_dir, path) = temp(
            "huge_labels.npy",
            &npy_bytes(descr, &format!("({n},)"), &[0u8; 1600]),
        );
        let msg = runvar_core::analysis::read_labels(&path, 10)
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(&path.display().to_string())
                && msg.contains("more data than any file holds"),
            "{descr}: {msg}"
        );
    }
    let mut body = 3u64.to_le_bytes().to_vec();
    body.extend_from_slice(&(u64::MAX - 1).to_le_bytes());
    let (_dir, path) = temp("u8_labels.npy", &npy_bytes("<u8", "(2,)", &body));
    let msg = runvar_core::analysis::read_labels(&path, 10)
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        format!(
            "{}: uint64 value 18446744073709551614 at index 1 does not fit in int64",
            path.display()
        )
    );
}

fn npz_err(name: &str, bytes: &[u8]) -> String {
    let (_dir, path) = temp(name, bytes);
    let msg = npz::read(&path).unwrap_err().to_string();
    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
    msg
}

/// The byte offset of the central-directory entry for `member`.
fn central(bytes: &[u8], member: &str) -> usize {
    let mut at = 0;
    loop {
        at += bytes[at..]
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .expect("central entry");
        let len = u16::from_le_bytes([bytes[at + 28], bytes[at + 29]]) as usize;
        if &bytes[at + 46..at + 46 + len] == member.as_bytes() {
            return at;
        }
        at += 4;
    }
}

/// Two central-directory entries that point at one member's bytes: numpy never writes that,
/// and many entries over one deflated member (a zip bomb by overlap) would be decompressed and
/// held once per entry.
#[test]
fn overlapping_npz_members_are_refused() {
    let stored = fs::read(fixture("abc_savez.npz")).unwrap();
    let (a, b) = (central(&stored, "a.npy"), central(&stored, "b.npy"));
    let mut bad = stored.clone();
    // b's CRC, sizes and local-header offset become a's: b now reads a's bytes, and checks out.
    bad.copy_within(a + 16..a + 28, b + 16);
    bad.copy_within(a + 42..a + 46, b + 42);
    let msg = npz_err("overlap.npz", &bad);
    assert!(msg.contains("members a.npy and b.npy overlap"), "{msg}");
}

#[test]
fn damaged_npz_archives_are_named_errors() {
    let stored = fs::read(fixture("abc_savez.npz")).unwrap();
    // One flipped bit in b's last logit: only the CRC can tell.
    // (b's data ends where c's local header starts.)
    let mut bad = stored.clone();
    let c = central(&stored, "c.npy");
    let c_local = u32::from_le_bytes(bad[c + 42..c + 46].try_into().unwrap()) as usize;
    bad[c_local - 1] ^= 0x01;
    let msg = npz_err("crc.npz", &bad);
    assert!(msg.contains("crc.npz:b.npy: CRC-32"), "{msg}");
    for cut in [stored.len() - 10, stored.len() / 2, 3] {
        let msg = npz_err("cut.npz", &stored[..cut]);
        assert!(msg.contains("end-of-central-directory"), "{cut}: {msg}");
    }
    // The central directory points past the file.
    let mut bad = stored.clone();
    let eocd = bad.len() - 22;
    bad[eocd + 16..eocd + 20].copy_from_slice(&u32::MAX.to_le_bytes());
    let msg = npz_err("offset.npz", &bad);
    assert!(msg.contains("past the end"), "{msg}");
    // A member whose declared size disagrees with its .npy header.
    let compressed = fs::read(fixture("abc_compressed.npz")).unwrap();
    let mut bad = compressed.clone();
    let at = central(&compressed, "logits.npy");
    bad[at + 24..at + 28].copy_from_slice(&(u32::MAX - 1).to_le_bytes());
    let msg = npz_err("size.npz", &bad);
    assert!(msg.contains("size.npz:logits.npy: data is"), "{msg}");
    // A damaged deflate stream.
    let mut bad = compressed.clone();
    let local = u32::from_le_bytes(bad[at + 42..at + 46].try_into().unwrap()) as usize;
    for b in &mut bad[local + 60..local + 70] {
        *b ^= 0x5a;
    }
    let msg = npz_err("deflate.npz", &bad);
    assert!(msg.contains("deflate.npz:logits.npy"), "{msg}");
    // A member that is not an array.
    let msg = npz_err(
        "txt.npz",
        &replace(
            &replace(&stored, b"labels.npy", b"labels.txt"),
            b"labels.npy",
            b"labels.txt",
        ),
    );
    assert!(msg.contains("member labels.txt is not an array"), "{msg}");
    // Not a zip at all.
    let msg = npz_err("npy.npz", &fs::read(fixture("f4_le.npy")).unwrap());
    assert!(msg.contains("not a zip archive"), "{msg}");
}
