//! What the distance curves say, as pure functions: the early exponential growth rate, the
//! saturation step, and the lower bound on the condition number of training (docs/protocol.md
//! section 6).
//!
//! Every function takes the recorded steps and one value per step, in recording order
//! (increasing steps). Where the two slices differ in length, the extra values are ignored.

use serde::{Deserialize, Deserializer, Serialize};

/// Share of the reference level below which a curve is still in its early growth phase.
const GROWTH_END: f64 = 0.1;
/// Share of the final level at which a curve counts as saturated.
const SATURATED: f64 = 0.9;

/// A least-squares line through `ln(distance)` against the step, over the early-growth window.
///
/// The line is `ln d(t) ≈ a + rate_per_step · t`, so `d` grows like `exp(rate_per_step · t)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrowthFit {
    /// Slope of the fit: natural-log growth of the distance per optimizer step.
    pub rate_per_step: f64,
    /// `ln 2 / rate_per_step`: steps for the distance to double; infinite when the rate is not
    /// positive (written as `null` in JSON, read back as infinity).
    #[serde(deserialize_with = "null_as_infinity")]
    pub doubling_steps: f64,
    /// First and last recorded step used in the fit (both inclusive).
    pub window: (usize, usize),
    /// Coefficient of determination of the fit in log space, in [0, 1]; 0 when the logged
    /// distances are all equal (as `scipy.stats.linregress(...).rvalue ** 2`).
    pub r_squared: f64,
    /// Number of recorded steps used in the fit.
    pub points: usize,
}

/// JSON has no infinity: serde_json writes a non-finite `f64` as `null`; read that back as +∞.
fn null_as_infinity<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
}

/// A distance that can be logged: finite and positive.
fn usable(d: f64) -> bool {
    d.is_finite() && d > 0.0
}

/// Fits exponential growth to the early part of a distance curve.
///
/// Ordinary least squares of `y_i = ln d_i` on `x_i = t_i` over the points of the window:
///
/// ```text
/// rate = Σ (x_i - x̄)(y_i - ȳ) / Σ (x_i - x̄)²
/// r²   = 1 - Σ (y_i - ŷ_i)² / Σ (y_i - ȳ)²        (0 when Σ (y_i - ȳ)² = 0)
/// doubling_steps = ln 2 / rate                      (∞ when rate <= 0)
/// ```
///
/// as `numpy.polyfit(t, np.log(d), 1)[0]` and `scipy.stats.linregress(t, np.log(d))`.
///
/// # The window
///
/// - The reference level is the final value of the curve, or, when that is zero or not
///   finite, the largest finite value.
/// - The window opens at the first recorded step after step 0 with a positive, finite
///   distance. Step 0 (the bare flip, before any training step) is left out: the first
///   optimizer steps jump the distance by orders of magnitude before the steady growth.
/// - It closes at (and includes) the last recorded step before the distance first exceeds
///   10% of the reference level, so that saturation does not bend the line.
/// - Zero and non-finite distances inside the window are skipped (they cannot be logged),
///   and do not close it.
///
/// # Remarks
///
/// Returns `None` when the window holds fewer than 3 usable points (empty input, all zeros,
/// a single recorded step, a curve already above 10% of its final value at the first step
/// after step 0 — a flat curve or growth too fast for the recorded steps), or when all its
/// steps are equal.
///
/// # Examples
///
/// ```
/// use runvar_core::instability::fit_growth;
///
/// // Doubles every step until step 4, then saturates at 1.
/// let steps = [0, 1, 2, 3, 4, 5, 6];
/// let d = [1e-9, 1e-6, 2e-6, 4e-6, 8e-6, 0.5, 1.0];
/// let fit = fit_growth(&steps, &d).unwrap();
/// assert_eq!(fit.window, (1, 4));
/// assert_eq!(fit.points, 4);
/// assert!((fit.rate_per_step - 2f64.ln()).abs() < 1e-12);
/// assert!((fit.doubling_steps - 1.0).abs() < 1e-12);
/// ```
pub fn fit_growth(steps: &[usize], distance: &[f64]) -> Option<GrowthFit> {
    let pairs: Vec<(usize, f64)> = steps
        .iter()
        .copied()
        .zip(distance.iter().copied())
        .collect();
    let last = pairs.last()?.1;
    let reference = if usable(last) {
        last
    } else {
        pairs
            .iter()
            .map(|p| p.1)
            .filter(|&d| usable(d))
            .max_by(f64::total_cmp)?
    };
    let threshold = GROWTH_END * reference;
    let start = pairs.iter().position(|&(t, d)| t > 0 && usable(d))?;
    let end = pairs[start..]
        .iter()
        .position(|&(_, d)| d > threshold)
        .map_or(pairs.len(), |i| start + i);
    let window: Vec<(usize, f64)> = pairs[start..end]
        .iter()
        .copied()
        .filter(|&(_, d)| usable(d))
        .collect();
    if window.len() < 3 {
        return None;
    }

    let n = window.len() as f64;
    let x_mean = window.iter().map(|&(t, _)| t as f64).sum::<f64>() / n;
    let y_mean = window.iter().map(|&(_, d)| d.ln()).sum::<f64>() / n;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for &(t, d) in &window {
        let (dx, dy) = (t as f64 - x_mean, d.ln() - y_mean);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if sxx == 0.0 {
        return None;
    }
    let rate = sxy / sxx;
    // Residual sum of squares of the least-squares line: Syy - Sxy² / Sxx.
    let r_squared = if syy > 0.0 {
        (sxy * sxy / (sxx * syy)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let doubling_steps = if rate > 0.0 {
        std::f64::consts::LN_2 / rate
    } else {
        f64::INFINITY
    };
    Some(GrowthFit {
        rate_per_step: rate,
        doubling_steps,
        window: (window[0].0, window[window.len() - 1].0),
        r_squared,
        points: window.len(),
    })
}

/// The first recorded step at which the distance reaches 90% of its final value:
/// `min { t_i : d_i >= 0.9 · d_final }`.
///
/// # Remarks
///
/// `None` on empty input and when the final value is zero, negative or not finite (a curve
/// that stays at 0 never saturates). NaN values before the end never count as reached.
///
/// # Examples
///
/// ```
/// use runvar_core::instability::saturation_step;
///
/// assert_eq!(saturation_step(&[0, 10, 20, 30], &[1e-8, 0.5, 0.95, 1.0]), Some(20));
/// assert_eq!(saturation_step(&[0, 10], &[0.0, 0.0]), None);
/// ```
pub fn saturation_step(steps: &[usize], distance: &[f64]) -> Option<usize> {
    let n = steps.len().min(distance.len());
    let last = *distance[..n].last()?;
    if !usable(last) {
        return None;
    }
    let level = SATURATED * last;
    steps[..n]
        .iter()
        .zip(&distance[..n])
        .find(|&(_, &d)| d >= level)
        .map(|(&t, _)| t)
}

/// Lower bound on the condition number of training (docs/protocol.md section 6): the relative
/// change of the final parameters over the relative size of the initial perturbation,
///
/// ```text
/// κ >= (‖θ'_T − θ_T‖ / ‖θ_T‖) / (‖θ'_0 − θ_0‖ / ‖θ_0‖) = final_rel / initial_rel
/// ```
///
/// where `θ` is the base run, `θ'` a bit-flipped twin, `0` initialization and `T` the end of
/// training. Training maps the initial parameters to the final ones; a one-ULP input change
/// that moves the output this much means the map's condition number is at least this ratio.
///
/// # Remarks
///
/// `None` when `initial_rel` is zero or negative, `final_rel` is negative, or either is not
/// finite.
///
/// # Examples
///
/// ```
/// use runvar_core::instability::condition_number_bound;
///
/// assert_eq!(condition_number_bound(1e-8, 0.25), Some(0.25 / 1e-8));
/// assert_eq!(condition_number_bound(0.0, 0.25), None);
/// ```
pub fn condition_number_bound(initial_rel: f64, final_rel: f64) -> Option<f64> {
    let ok = initial_rel.is_finite() && final_rel.is_finite();
    (ok && initial_rel > 0.0 && final_rel >= 0.0).then(|| final_rel / initial_rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tolerance on the fitted rate of an exact exponential (rounding of `exp` and `ln` only).
    const RATE_TOL: f64 = 1e-9;

    /// `d = 1e-8 · e^(0.05 t)`, capped at 1.
    fn exponential(steps: &[usize]) -> Vec<f64> {
        steps
            .iter()
            .map(|&t| (1e-8 * (0.05 * t as f64).exp()).min(1.0))
            .collect()
    }

    const STEPS: [usize; 15] = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 350, 400, 450, 500];

    #[test]
    fn exact_exponential_gives_its_rate() {
        let d = exponential(&STEPS);
        let fit = fit_growth(&STEPS, &d).expect("10 points in the window");
        assert!((fit.rate_per_step - 0.05).abs() < RATE_TOL, "{fit:?}");
        assert!((fit.r_squared - 1.0).abs() < 1e-12, "{fit:?}");
        assert!(
            (fit.doubling_steps - 2f64.ln() / 0.05).abs() < 1e-6,
            "{fit:?}"
        );
        // Final value 1, so the window ends before the distance exceeds 0.1: at
        // t > ln(1e7) / 0.05 = 322.4, i.e. at step 350 (d = 0.398). Step 300 (d = 0.033) is
        // the last in the window; step 0 is never in it.
        assert_eq!(fit.window, (1, 300));
        assert_eq!(fit.points, 10);
        // d >= 0.9 from t >= ln(0.9e8) / 0.05 = 366.3: the first recorded step is 400.
        assert_eq!(saturation_step(&STEPS, &d), Some(400));
    }

    #[test]
    fn doc_example_doubling() {
        let steps = [0, 1, 2, 3, 4, 5, 6];
        let d = [1e-9, 1e-6, 2e-6, 4e-6, 8e-6, 0.5, 1.0];
        let fit = fit_growth(&steps, &d).unwrap();
        assert_eq!(fit.window, (1, 4));
        assert_eq!(fit.points, 4);
        assert!((fit.rate_per_step - 2f64.ln()).abs() < 1e-12);
        assert!((fit.doubling_steps - 1.0).abs() < 1e-12);
        assert_eq!(
            saturation_step(&[0, 10, 20, 30], &[1e-8, 0.5, 0.95, 1.0]),
            Some(20)
        );
    }

    #[test]
    fn flat_early_phase_gives_rate_zero() {
        // Flat at 1e-6 for steps 1..=5, then a jump to 1: the window is the flat part.
        let steps = [0, 1, 2, 3, 4, 5, 6];
        let d = [1e-9, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1.0];
        let fit = fit_growth(&steps, &d).unwrap();
        assert_eq!(fit.window, (1, 5));
        assert_eq!(fit.rate_per_step, 0.0);
        assert_eq!(fit.doubling_steps, f64::INFINITY);
        assert_eq!(fit.r_squared, 0.0);
    }

    #[test]
    fn flat_curve_has_no_growth_window() {
        // Already at its final level at step 1: no early-growth phase to fit.
        let steps = [0, 1, 2, 3, 4];
        let d = [0.3; 5];
        assert_eq!(fit_growth(&steps, &d), None);
        assert_eq!(saturation_step(&steps, &d), Some(0));
    }

    #[test]
    fn zeros_never_fit_nor_saturate() {
        let steps = [0, 1, 2, 3, 4, 5];
        let d = [0.0; 6];
        assert_eq!(fit_growth(&steps, &d), None);
        assert_eq!(saturation_step(&steps, &d), None);
    }

    #[test]
    fn empty_and_single_point() {
        assert_eq!(fit_growth(&[], &[]), None);
        assert_eq!(saturation_step(&[], &[]), None);
        assert_eq!(fit_growth(&[5], &[0.1]), None);
        assert_eq!(saturation_step(&[5], &[0.1]), Some(5));
        // Mismatched lengths: the extra values are ignored.
        assert_eq!(saturation_step(&[0, 1], &[0.5, 1.0, 7.0]), Some(1));
        assert_eq!(saturation_step(&[0, 1, 2], &[0.5]), Some(0));
    }

    #[test]
    fn nan_is_skipped_not_fatal() {
        let mut d = exponential(&STEPS);
        d[3] = f64::NAN;
        d[5] = 0.0;
        let fit = fit_growth(&STEPS, &d).unwrap();
        assert_eq!(fit.points, 8);
        assert_eq!(fit.window, (1, 300));
        assert!((fit.rate_per_step - 0.05).abs() < RATE_TOL);
        assert_eq!(saturation_step(&STEPS, &d), Some(400));

        // A NaN final value: the reference is the maximum; nothing saturates.
        let mut d = exponential(&STEPS);
        *d.last_mut().unwrap() = f64::NAN;
        let fit = fit_growth(&STEPS, &d).unwrap();
        assert_eq!(fit.window, (1, 300));
        assert_eq!(saturation_step(&STEPS, &d), None);

        // All NaN or infinite.
        assert_eq!(fit_growth(&[0, 1, 2, 3], &[f64::NAN; 4]), None);
        assert_eq!(fit_growth(&[0, 1, 2, 3], &[f64::INFINITY; 4]), None);
        assert_eq!(saturation_step(&[0, 1, 2, 3], &[f64::INFINITY; 4]), None);
    }

    #[test]
    fn repeated_step_is_not_a_line() {
        assert_eq!(fit_growth(&[3, 3, 3, 9], &[1e-6, 2e-6, 3e-6, 1.0]), None);
    }

    #[test]
    fn shrinking_curve_has_infinite_doubling() {
        let steps = [0, 1, 2, 3, 4];
        let d = [1.0, 0.004, 0.002, 0.001, 0.1];
        let fit = fit_growth(&steps, &d).unwrap();
        assert!((fit.rate_per_step + 2f64.ln()).abs() < 1e-12);
        assert_eq!(fit.doubling_steps, f64::INFINITY);
        assert!((fit.r_squared - 1.0).abs() < 1e-12);
    }

    #[test]
    fn growth_fit_round_trips_through_json_with_infinite_doubling() {
        let fit = GrowthFit {
            rate_per_step: 0.0,
            doubling_steps: f64::INFINITY,
            window: (1, 5),
            r_squared: 0.0,
            points: 5,
        };
        let json = serde_json::to_string(&fit).unwrap();
        assert!(json.contains("\"doubling_steps\":null"), "{json}");
        assert_eq!(serde_json::from_str::<GrowthFit>(&json).unwrap(), fit);
        let fit = fit_growth(&STEPS, &exponential(&STEPS)).unwrap();
        let back: GrowthFit = serde_json::from_str(&serde_json::to_string(&fit).unwrap()).unwrap();
        assert_eq!(back, fit);
    }

    #[test]
    fn condition_number_is_a_ratio_of_relative_distances() {
        assert_eq!(condition_number_bound(1e-8, 0.25), Some(0.25 / 1e-8));
        assert_eq!(condition_number_bound(2e-8, 0.0), Some(0.0));
        assert_eq!(condition_number_bound(0.0, 0.25), None);
        assert_eq!(condition_number_bound(-1e-8, 0.25), None);
        assert_eq!(condition_number_bound(1e-8, -0.25), None);
        assert_eq!(condition_number_bound(f64::NAN, 0.25), None);
        assert_eq!(condition_number_bound(1e-8, f64::NAN), None);
        assert_eq!(condition_number_bound(1e-8, f64::INFINITY), None);
    }
}
