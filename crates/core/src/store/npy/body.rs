//! The array body: bytes of a known dtype to values, in C (row-major) order.

use std::path::Path;

use super::header::{Dtype, Kind};
use super::{format_err, NpyData, NpyError};

/// Decode `bytes` (exactly `product(shape) * dtype.width` long, checked by the caller) to values
/// in C order.
pub(super) fn decode(
    bytes: &[u8],
    dtype: Dtype,
    shape: &[usize],
    fortran: bool,
    path: &Path,
) -> Result<NpyData, NpyError> {
    let big = dtype.big_endian;
    let data = match (dtype.kind, dtype.width) {
        (Kind::Float, 2) => NpyData::F32(
            words(bytes, big)
                .map(|w| f16_to_f32(u16::from_le_bytes(w)))
                .collect(),
        ),
        (Kind::Float, 4) => NpyData::F32(words(bytes, big).map(f32::from_le_bytes).collect()),
        (Kind::Float, 8) => NpyData::F64(words(bytes, big).map(f64::from_le_bytes).collect()),
        (Kind::Int, 1) => NpyData::I64(bytes.iter().map(|&b| b as i8 as i64).collect()),
        (Kind::UInt, 1) => NpyData::I64(bytes.iter().map(|&b| b as i64).collect()),
        // numpy reads any non-zero byte as True.
        (Kind::Bool, 1) => NpyData::Bool(bytes.iter().map(|&b| b != 0).collect()),
        (Kind::Int, 2) => ints(words(bytes, big).map(|w| i16::from_le_bytes(w) as i64)),
        (Kind::UInt, 2) => ints(words(bytes, big).map(|w| u16::from_le_bytes(w) as i64)),
        (Kind::Int, 4) => ints(words(bytes, big).map(|w| i32::from_le_bytes(w) as i64)),
        (Kind::UInt, 4) => ints(words(bytes, big).map(|w| u32::from_le_bytes(w) as i64)),
        (Kind::Int, 8) => ints(words(bytes, big).map(i64::from_le_bytes)),
        (Kind::UInt, 8) => {
            let v: Vec<u64> = words(bytes, big).map(u64::from_le_bytes).collect();
            if let Some(i) = v.iter().position(|&x| i64::try_from(x).is_err()) {
                return Err(format_err(
                    path,
                    format!("uint64 value {} at index {i} does not fit in int64", v[i]),
                ));
            }
            NpyData::I64(v.into_iter().map(|x| x as i64).collect())
        }
        _ => unreachable!("header::Dtype::parse admits only the widths above"),
    };
    Ok(if fortran && shape.len() > 1 {
        match data {
            NpyData::F32(v) => NpyData::F32(c_order(&v, shape)),
            NpyData::F64(v) => NpyData::F64(c_order(&v, shape)),
            NpyData::I64(v) => NpyData::I64(c_order(&v, shape)),
            NpyData::Bool(v) => NpyData::Bool(c_order(&v, shape)),
        }
    } else {
        data
    })
}

fn ints(values: impl Iterator<Item = i64>) -> NpyData {
    NpyData::I64(values.collect())
}

/// The elements as little-endian byte arrays of `W` bytes.
fn words<const W: usize>(bytes: &[u8], big_endian: bool) -> impl Iterator<Item = [u8; W]> + '_ {
    bytes.chunks_exact(W).map(move |c| {
        let mut w: [u8; W] = c.try_into().expect("chunks_exact gives W bytes");
        if big_endian {
            w.reverse();
        }
        w
    })
}

/// IEEE 754 binary16 to binary32, exactly (every half value is a float value); infinities and
/// NaN payloads carried over, as numpy's `npy_halfbits_to_floatbits` does.
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    match exp {
        // Zero and subnormals: man * 2^-24, exact in f32.
        0 => sign * man as f32 * f32::from_bits(0x3380_0000),
        0x1f => f32::from_bits((u32::from(h & 0x8000) << 16) | 0x7f80_0000 | (man << 13)),
        _ => f32::from_bits((u32::from(h & 0x8000) << 16) | ((exp + 112) << 23) | (man << 13)),
    }
}

/// Column-major `v` of `shape` to row-major.
fn c_order<T: Copy>(v: &[T], shape: &[usize]) -> Vec<T> {
    if v.is_empty() {
        return Vec::new();
    }
    // Fortran strides (no overflow: their product is v.len()): the first axis is contiguous.
    let mut strides = Vec::with_capacity(shape.len());
    let mut s = 1usize;
    for &d in shape {
        strides.push(s);
        s *= d;
    }
    let mut out = Vec::with_capacity(v.len());
    let mut index = vec![0usize; shape.len()];
    let mut at = 0usize;
    for _ in 0..v.len() {
        out.push(v[at]);
        // Advance the C-order odometer: the last axis fastest.
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            at += strides[axis];
            if index[axis] < shape[axis] {
                break;
            }
            at -= strides[axis] * shape[axis];
            index[axis] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_known_values() {
        for (bits, want) in [
            (0x0000, 0.0f32),
            (0x8000, -0.0),
            (0x0001, 2f32.powi(-24)),
            (0x03ff, 1023.0 * 2f32.powi(-24)),
            (0x0400, 2f32.powi(-14)),
            (0x3c00, 1.0),
            (0x3555, 0.333_251_95),
            (0xc000, -2.0),
            (0x7bff, 65504.0),
            (0x7c00, f32::INFINITY),
            (0xfc00, f32::NEG_INFINITY),
        ] {
            assert_eq!(f16_to_f32(bits).to_bits(), want.to_bits(), "{bits:#06x}");
        }
        assert!(f16_to_f32(0x7e00).is_nan() && f16_to_f32(0xfe01).is_nan());
    }

    /// Every finite half is exact in f32, so the conversion is strictly increasing over the
    /// positive halves and odd in the sign bit.
    #[test]
    fn half_precision_is_monotone_and_symmetric() {
        for h in 1..0x7c00u16 {
            assert!(f16_to_f32(h) > f16_to_f32(h - 1), "{h:#06x}");
            assert_eq!(f16_to_f32(h | 0x8000), -f16_to_f32(h));
        }
    }

    #[test]
    fn fortran_order_becomes_c_order() {
        // a[i, j, k] = 100 i + 10 j + k for shape (2, 3, 4), stored column-major.
        let shape = [2, 3, 4];
        let mut f = vec![0i64; 24];
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    f[i + 2 * j + 6 * k] = 100 * i as i64 + 10 * j as i64 + k as i64;
                }
            }
        }
        let c = c_order(&f, &shape);
        let want: Vec<i64> = (0..2)
            .flat_map(|i| (0..3).flat_map(move |j| (0..4).map(move |k| 100 * i + 10 * j + k)))
            .collect();
        assert_eq!(c, want);
        assert_eq!(c_order(&[1, 2, 3], &[3]), vec![1, 2, 3]);
        assert!(c_order::<i64>(&[], &[1 << 40, 1 << 40, 0]).is_empty());
    }

    #[test]
    fn both_byte_orders_of_every_width() {
        let p = Path::new("t.npy");
        let dt = |kind, width, big_endian| Dtype {
            kind,
            width,
            big_endian,
        };
        let le = [0xfe, 0xff, 0x02, 0x00];
        let be = [0xff, 0xfe, 0x00, 0x02];
        for (bytes, big) in [(le, false), (be, true)] {
            let got = decode(&bytes, dt(Kind::Int, 2, big), &[2], false, p).unwrap();
            assert_eq!(got, NpyData::I64(vec![-2, 2]));
            let got = decode(&bytes, dt(Kind::UInt, 2, big), &[2], false, p).unwrap();
            assert_eq!(got, NpyData::I64(vec![65534, 2]));
        }
        let got = decode(&[0xff; 8], dt(Kind::UInt, 8, true), &[1], false, p).unwrap_err();
        assert!(got.to_string().contains("does not fit in int64"), "{got}");
        let got = decode(&[0xff, 1], dt(Kind::Int, 1, false), &[2], false, p).unwrap();
        assert_eq!(got, NpyData::I64(vec![-1, 1]));
    }
}
