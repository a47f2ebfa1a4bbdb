//! Special functions behind the distributions of [`super::distributions`]: the log-gamma and
//! log-beta functions and the regularized incomplete beta and gamma functions.
//!
//! Written from the formulas of the NIST Digital Library of Mathematical Functions (DLMF):
//! the Lanczos approximation of the gamma function (C. Lanczos, "A precision approximation of
//! the gamma function", SIAM J. Numer. Anal. 1964; coefficients for g = 7, nine terms), Stirling's
//! series for large arguments (DLMF 5.11.1), the continued fraction of the incomplete beta
//! function (DLMF 8.17.22) and the series and continued fraction of the incomplete gamma
//! function (DLMF 8.11.4, 8.9.2), each evaluated with the modified Lentz algorithm (W. J. Lentz
//! 1976; Thompson & Barnett 1986). Relative accuracy is about 1e-14 over the arguments the
//! t, noncentral t and chi-square distributions of runvar use (checked against scipy in the
//! tests, fixtures from `scripts/compare_reference.py`). Every loop has a fixed order and a
//! fixed cap, so results are bit-stable across machines.

/// Lanczos coefficients, g = 7, n = 9.
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];
const LANCZOS_G: f64 = 7.0;
/// `ln(2 pi) / 2`.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
/// Continued fractions and series stop when a step changes the result by less than this.
const EPS: f64 = 1e-16;
/// Lentz's guard against a zero denominator.
const TINY: f64 = 1e-300;
/// The most terms any series or continued fraction here takes (enough for parameters up to
/// about 10^8; the result is the partial value if it is reached).
const MAX_TERMS: usize = 100_000;

/// True for a number above 0 (false for NaN): the domain check of every function here.
pub(crate) fn positive(x: f64) -> bool {
    x > 0.0
}

/// True for a number strictly between 0 and 1 (false for NaN).
pub(crate) fn open_unit(x: f64) -> bool {
    x > 0.0 && x < 1.0
}

/// `ln Γ(x)` for `x > 0` (NaN otherwise).
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        // Γ(x) = Γ(x + 1) / x, keeping the Lanczos sum away from its pole.
        return ln_gamma(x + 1.0) - x.ln();
    }
    let z = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (z + i as f64);
    }
    let t = z + LANCZOS_G + 0.5;
    HALF_LN_2PI + (z + 0.5) * t.ln() - t + sum.ln()
}

/// The remainder of Stirling's series, `ln Γ(x) - ((x - 1/2) ln x - x + ln(2 pi) / 2)`, for
/// `x >= 20`, where four terms leave an error below 2e-15 (DLMF 5.11.1).
fn stirling_tail(x: f64) -> f64 {
    let r = 1.0 / (x * x);
    (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r / 1680.0))) / x
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b)` for `a, b > 0`.
///
/// When the larger argument `h` is 20 or more, `ln Γ(h) - ln Γ(h + l)` is computed as one
/// expression from Stirling's series, `-(h - 1/2) ln(1 + l/h) - l ln(h + l) + l + tail(h) -
/// tail(h + l)`, instead of the difference of two large logarithms (which would lose about
/// `log10(h ln h)` digits: the t distribution's `B(df/2, 1/2)` at `df = 10^6`).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    let (l, h) = if a < b { (a, b) } else { (b, a) };
    if !positive(l) {
        return f64::NAN;
    }
    if h < 20.0 {
        return ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    }
    let s = h + l;
    ln_gamma(l) - (h - 0.5) * (l / h).ln_1p() - l * s.ln() + l + stirling_tail(h) - stirling_tail(s)
}

/// The regularized incomplete beta function `I_x(a, b)` for `a, b > 0`, `0 <= x <= 1`.
pub fn beta_reg(a: f64, b: f64, x: f64) -> f64 {
    beta_reg_xy(a, b, x, 1.0 - x)
}

/// [`beta_reg`] with `y = 1 - x` given separately, so that callers who know `1 - x` more
/// accurately than `1.0 - x` (the t distribution's `t^2 / (df + t^2)`) keep those digits.
///
/// Uses the continued fraction for `I_x(a, b)` when `x < (a + 1) / (a + b + 2)`, where it
/// converges quickly, and `1 - I_y(b, a)` otherwise (DLMF 8.17.4, 8.17.22). Near that boundary
/// with a large parameter (the t distribution's `I_x(df/2, 1/2)` for `df` in the thousands and
/// `|t|` about 2) the chosen fraction can cancel: its convergents grow, then shrink to a small
/// value, losing about `log10(growth)` digits. When the growth passes 1e3, the other form is
/// computed too and the one with the smaller error bound is kept (growth, times `I / (1 - I)`
/// for the complement). That keeps the relative error near 2e-12 up to `df = 10^6` where the
/// fixed rule loses to 3e-11.
pub fn beta_reg_xy(a: f64, b: f64, x: f64, y: f64) -> f64 {
    let unit = |v: f64| (0.0..=1.0).contains(&v);
    if !(positive(a) && positive(b) && unit(x) && unit(y)) {
        return f64::NAN;
    }
    if x == 0.0 {
        return 0.0;
    }
    if y == 0.0 {
        return 1.0;
    }
    let direct = || beta_fraction(a, b, x, y);
    let complement = || {
        let (r, growth) = beta_fraction(b, a, y, x);
        let bound = if r < 1.0 {
            growth * r / (1.0 - r)
        } else {
            f64::INFINITY
        };
        (1.0 - r, bound)
    };
    let prefer_direct = x < (a + 1.0) / (a + b + 2.0);
    let first = if prefer_direct {
        direct()
    } else {
        complement()
    };
    if first.1 <= 1e3 {
        return first.0;
    }
    let second = if prefer_direct {
        complement()
    } else {
        direct()
    };
    if second.1 < first.1 {
        second.0
    } else {
        first.0
    }
}

/// `x^a y^b / (a B(a, b))` times the continued fraction `1 / (1 + d1 / (1 + d2 / ...))`,
/// `d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))`,
/// `d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))`; with the growth of the fraction's
/// convergents, `max |f_k| / |f|`, a bound on the digits lost to cancellation.
fn beta_fraction(a: f64, b: f64, x: f64, y: f64) -> (f64, f64) {
    // ln x and ln y from whichever of x, y is small (and so exact to its last bit): `x.ln()`
    // near x = 1 would carry the rounding of x times b into the exponent.
    let ln = |v: f64, w: f64| if v > 0.5 { (-w).ln_1p() } else { v.ln() };
    let front = (a * ln(x, y) + b * ln(y, x) - ln_beta(a, b)).exp() / a;
    let mut f = 1.0_f64;
    let mut largest = 1.0_f64;
    let mut c = 1.0;
    let mut d = 0.0;
    for k in 1..=MAX_TERMS {
        let m = (k / 2) as f64;
        let coef = if k % 2 == 1 {
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
        } else {
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
        };
        let delta = lentz_step(&mut c, &mut d, 1.0, coef);
        f *= delta;
        largest = largest.max(f.abs());
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    (front / f, largest / f.abs())
}

/// One step of the modified Lentz algorithm for `f = b0 + a1 / (b1 + a2 / (b2 + ...))`: takes
/// `b_k` and `a_k`, updates `C` and `D`, and returns the factor `C D` that multiplies `f`.
fn lentz_step(c: &mut f64, d: &mut f64, b: f64, a: f64) -> f64 {
    *d = b + a * *d;
    if d.abs() < TINY {
        *d = TINY;
    }
    *c = b + a / *c;
    if c.abs() < TINY {
        *c = TINY;
    }
    *d = 1.0 / *d;
    *c * *d
}

/// The regularized lower incomplete gamma function `P(a, x)` for `a > 0`, `x >= 0`.
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if !(positive(a) && (x == 0.0 || positive(x))) {
        return f64::NAN;
    }
    if x < a + 1.0 {
        gamma_series(a, x)
    } else {
        1.0 - gamma_fraction(a, x)
    }
}

/// The regularized upper incomplete gamma function `Q(a, x) = 1 - P(a, x)`, computed directly
/// in its own tail so that small values keep their relative accuracy (the normal tail
/// `Φ(-8) = Q(1/2, 32) / 2`).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if !(positive(a) && (x == 0.0 || positive(x))) {
        return f64::NAN;
    }
    if x < a + 1.0 {
        1.0 - gamma_series(a, x)
    } else {
        gamma_fraction(a, x)
    }
}

/// `P(a, x) = x^a e^-x / Γ(a + 1) * sum_n x^n / ((a + 1)...(a + n))` (DLMF 8.11.4 with 8.7.1).
fn gamma_series(a: f64, x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let front = (a * x.ln() - x - ln_gamma(a + 1.0)).exp();
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=MAX_TERMS {
        term *= x / (a + n as f64);
        sum += term;
        if term < sum * EPS {
            break;
        }
    }
    front * sum
}

/// `Q(a, x) = x^a e^-x / Γ(a) / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...))`
/// (DLMF 8.9.2), for `x >= a + 1`.
fn gamma_fraction(a: f64, x: f64) -> f64 {
    let front = (a * x.ln() - x - ln_gamma(a)).exp();
    let b0 = x + 1.0 - a;
    let mut f = if b0.abs() < TINY { TINY } else { b0 };
    let mut c = f;
    let mut d = 0.0;
    for k in 1..=MAX_TERMS {
        let kf = k as f64;
        let delta = lentz_step(&mut c, &mut d, b0 + 2.0 * kf, -kf * (kf - a));
        f *= delta;
        if (delta - 1.0).abs() < EPS {
            break;
        }
    }
    front / f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::reference::{close, near, table};

    #[test]
    fn ln_gamma_at_known_values() {
        assert!(ln_gamma(1.0).abs() < 1e-15 && ln_gamma(2.0).abs() < 1e-15);
        // Γ(1/2) = sqrt(pi); Γ(10) = 9! = 362880; Γ(0.1) = 9.513507698668732.
        close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-15);
        close(ln_gamma(10.0), 362_880f64.ln(), 1e-14);
        close(ln_gamma(0.1), 9.513_507_698_668_732f64.ln(), 1e-14);
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
        // The Stirling path of ln_beta agrees with the plain one where both are accurate.
        close(
            ln_beta(25.0, 0.5),
            ln_gamma(25.0) + ln_gamma(0.5) - ln_gamma(25.5),
            1e-13,
        );
        close(ln_beta(3.0, 4.0), (1.0f64 / 60.0).ln(), 1e-14);
    }

    #[test]
    fn incomplete_beta_matches_scipy() {
        for r in table("betainc") {
            let (a, b, x, want) = (r[0], r[1], r[2], r[3]);
            close(beta_reg(a, b, x), want, 1e-13);
        }
        assert_eq!(
            (beta_reg(2.0, 3.0, 0.0), beta_reg(2.0, 3.0, 1.0)),
            (0.0, 1.0)
        );
        assert!(beta_reg(0.0, 1.0, 0.5).is_nan() && beta_reg(1.0, 1.0, 1.5).is_nan());
    }

    #[test]
    fn incomplete_gamma_matches_scipy() {
        for r in table("gammainc") {
            let (a, x, want) = (r[0], r[1], r[2]);
            close(gamma_p(a, x), want, 1e-12);
            near(gamma_q(a, x), 1.0 - want, 1e-12);
        }
    }
}
