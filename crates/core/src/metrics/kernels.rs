//! Small hot loops, compiled twice: for the baseline target and with AVX2 enabled, picked at
//! run time. Both builds run the same operations in the same order (explicit lanes, no fused
//! multiply-add), so results are bitwise identical whichever is taken.

/// Defines `$name` as a dispatcher to an AVX2 build of the `#[inline(always)]` function
/// `$generic` when the CPU has AVX2, and to the baseline build otherwise.
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? => $generic:path) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $generic($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: `avx2` only needs the AVX2 instructions, detected just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $generic($($arg),*)
        }
    };
}
pub(crate) use multiversion;

multiversion! {
    /// `sum(a[k] * b[k])` over the common length, 8 interleaved `f64` lanes.
    pub(crate) fn dot_f64(a: &[f64], b: &[f64]) -> f64 => dot_f64_generic
}

#[inline(always)]
fn dot_f64_generic(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0_f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    for (l, (x, y)) in ra.iter().zip(rb).enumerate() {
        acc[l] += x * y;
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

multiversion! {
    /// Number of positions where `a` and `b` differ (over the common length).
    pub(crate) fn count_ne_u8(a: &[u8], b: &[u8]) -> usize => count_ne_u8_generic
}

#[inline(always)]
fn count_ne_u8_generic(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut total = 0;
    // 32 byte-lanes, each counting at most 255 before it is emptied.
    for (ca, cb) in a[..n].chunks(32 * 255).zip(b[..n].chunks(32 * 255)) {
        let mut acc = [0u8; 32];
        let (ia, ib) = (ca.chunks_exact(32), cb.chunks_exact(32));
        let (ra, rb) = (ia.remainder(), ib.remainder());
        for (x, y) in ia.zip(ib) {
            for l in 0..32 {
                acc[l] += u8::from(x[l] != y[l]);
            }
        }
        total += acc.iter().map(|&c| usize::from(c)).sum::<usize>();
        total += ra.iter().zip(rb).filter(|(x, y)| x != y).count();
    }
    total
}

/// Number of positions where `a` and `b` differ (over the common length).
pub(crate) fn count_ne_u32(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_and_count_match_plain_loops() {
        let a: Vec<f64> = (0..37).map(|i| i as f64 * 0.5 - 3.0).collect();
        let b: Vec<f64> = (0..37).map(|i| (i * i % 7) as f64).collect();
        let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        // Small integers and halves: every sum is exact in any order.
        assert_eq!(dot_f64(&a, &b), plain);
        assert_eq!(dot_f64_generic(&a, &b), dot_f64(&a, &b));
        let x: Vec<u8> = (0..20_000).map(|i| (i % 10) as u8).collect();
        let y: Vec<u8> = (0..20_000).map(|i| ((i * 7 / 3) % 10) as u8).collect();
        let plain = x.iter().zip(&y).filter(|(p, q)| p != q).count();
        assert_eq!(count_ne_u8(&x, &y), plain);
        assert_eq!(count_ne_u8(&x, &x), 0);
        assert_eq!(
            count_ne_u8(&x[..31], &y[..31]),
            x[..31].iter().zip(&y[..31]).filter(|(p, q)| p != q).count()
        );
    }
}
