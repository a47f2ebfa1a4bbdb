//! The pairwise ensemble kernel behind [`super::pairwise_ensemble_gain`].
//!
//! Layout: examples in blocks of `LANES = 8`; within a block, class-major (`[class][lane]`),
//! so every operation works on 8 examples at once. Per pair and block:
//! - accuracy: `v = h_a + h_b` per class with `h = 0.5 x` (the `float32` mean logits), a running
//!   strict-greater argmax (ties keep the lowest class), compared with the labels;
//! - cross-entropy: `S = sum_c ea_c eb_c` with `e = exp((x - max) / 2)`, which equals
//!   `sum_c exp(mean_c - (max_a + max_b) / 2)`; the per-lane product of `S` is kept as a
//!   mantissa in `[1, 2)` and an integer exponent, so no `log` is taken per pair and example.
//!
//! Work is tiled for the caches: the outer loop walks chunks of `CHUNK_BLOCKS` blocks (64
//! examples), all runs' data for one chunk (about 7.7 MB for 1,000 runs of 10 classes) stays in
//! L3, and each worker visits its tiles of `TILE` rows against every later run.

use super::accuracy::correct_count;
use super::kernels::multiversion;
use super::parallel::map_indexed;
use super::view::Logits;

pub(crate) const LANES: usize = 8;
/// Rows per tile (and per block dealt to a worker).
pub(crate) const TILE: usize = 8;
const CHUNK_BLOCKS: usize = 8;
/// Below this, `S` is recomputed directly, so the running product stays a normal number.
const TINY: f64 = 1e-280;
const MANTISSA: u64 = (1 << 52) - 1;
const EXP_ONE: u64 = 1023 << 52;

/// Every run's data in the kernel's layout.
pub(crate) struct Prepared {
    n: usize,
    classes: usize,
    blocks: usize,
    /// Per run: `0.5 x`, `blocks x classes x LANES`; padding 0.
    half: Vec<Vec<f32>>,
    /// Per run: `exp((x - max) / 2)`, same layout; padding 1 for class 0, else 0 (`S = 1`).
    expo: Vec<Vec<f64>>,
    /// Per run: the maximum logit of each example.
    maxes: Vec<Vec<f32>>,
    /// Per run: `sum_e (max_e - x[e, y_e])` in `f64`.
    shift: Vec<f64>,
    /// Per run: correct predictions.
    pub(crate) correct: Vec<usize>,
    /// Labels, `blocks x LANES`; padding -1 (never predicted).
    labels: Vec<i32>,
}

impl Prepared {
    /// Prepares checked runs (same shape, finite) with checked labels.
    pub(crate) fn new(runs: &[Logits<'_>], labels: &[i64]) -> Self {
        let (n, c) = (runs[0].n(), runs[0].classes());
        let blocks = n.div_ceil(LANES);
        let mut lab = vec![-1_i32; blocks * LANES];
        for (l, &y) in lab.iter_mut().zip(labels) {
            *l = y as i32;
        }
        let per_run = map_indexed(runs.len(), |r| {
            let mut half = vec![0.0_f32; blocks * c * LANES];
            let mut expo = vec![0.0_f64; blocks * c * LANES];
            let mut maxes = vec![0.0_f32; n];
            let mut shift = 0.0;
            for (e, (row, &y)) in runs[r].rows().zip(labels).enumerate() {
                let m = row.iter().copied().fold(row[0], f32::max);
                maxes[e] = m;
                shift += f64::from(m) - f64::from(row[y as usize]);
                let base = (e / LANES) * c * LANES + e % LANES;
                for (k, &x) in row.iter().enumerate() {
                    half[base + k * LANES] = 0.5 * x;
                    expo[base + k * LANES] = ((f64::from(x) - f64::from(m)) * 0.5).exp();
                }
            }
            for e in n..blocks * LANES {
                expo[(e / LANES) * c * LANES + e % LANES] = 1.0;
            }
            (half, expo, maxes, shift, correct_count(runs[r], labels))
        });
        let mut p = Prepared {
            n,
            classes: c,
            blocks,
            half: Vec::with_capacity(runs.len()),
            expo: Vec::with_capacity(runs.len()),
            maxes: Vec::with_capacity(runs.len()),
            shift: Vec::with_capacity(runs.len()),
            correct: Vec::with_capacity(runs.len()),
            labels: lab,
        };
        for (h, e, m, s, k) in per_run {
            p.half.push(h);
            p.expo.push(e);
            p.maxes.push(m);
            p.shift.push(s);
            p.correct.push(k);
        }
        p
    }
}

/// Running sums of one pair.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairSums {
    correct: u64,
    /// `prod_e S_e = mant * 2^expo * exp(extra)`.
    mant: f64,
    expo: i64,
    extra: f64,
}

const START: PairSums = PairSums {
    correct: 0,
    mant: 1.0,
    expo: 0,
    extra: 0.0,
};

/// The ensemble's correct count and mean cross-entropy for pair `(i, j)`.
pub(crate) fn finish(p: &Prepared, i: usize, j: usize, s: &PairSums) -> (usize, f64) {
    let ln_prod = s.expo as f64 * std::f64::consts::LN_2 + s.mant.ln() + s.extra;
    let total = 0.5 * (p.shift[i] + p.shift[j]) + ln_prod;
    (s.correct as usize, total / p.n as f64)
}

/// Sums of every pair `(i, j)`, `i < j`, with `i` in a tile starting at one of `starts`.
pub(crate) fn pair_sums(p: &Prepared, starts: &[usize]) -> Vec<(usize, usize, PairSums)> {
    let runs = p.half.len();
    let mut states: Vec<Vec<PairSums>> = Vec::with_capacity(starts.len() * TILE);
    for &s in starts {
        for i in s..s + TILE {
            states.push(vec![START; runs.saturating_sub(i + 1)]);
        }
    }
    for b0 in (0..p.blocks).step_by(CHUNK_BLOCKS) {
        chunk(
            p,
            starts,
            b0,
            (b0 + CHUNK_BLOCKS).min(p.blocks),
            &mut states,
        );
    }
    let mut out = Vec::new();
    for (t, &s) in starts.iter().enumerate() {
        for i in s..(s + TILE).min(runs) {
            let row = &states[t * TILE + (i - s)];
            out.extend(
                row.iter()
                    .enumerate()
                    .map(|(off, st)| (i, i + 1 + off, *st)),
            );
        }
    }
    out
}

multiversion! {
    fn chunk(p: &Prepared, starts: &[usize], b0: usize, b1: usize, states: &mut [Vec<PairSums>]) => chunk_generic
}

#[inline(always)]
fn chunk_generic(
    p: &Prepared,
    starts: &[usize],
    b0: usize,
    b1: usize,
    states: &mut [Vec<PairSums>],
) {
    let runs = p.half.len();
    for (t, &s) in starts.iter().enumerate() {
        let e = (s + TILE).min(runs);
        for j in s + 1..runs {
            for i in s..e.min(j) {
                pair_chunk(p, i, j, b0, b1, &mut states[t * TILE + (i - s)][j - i - 1]);
            }
        }
    }
}

/// Adds blocks `b0..b1` of pair `(i, j)` to `st`.
#[inline(always)]
fn pair_chunk(p: &Prepared, i: usize, j: usize, b0: usize, b1: usize, st: &mut PairSums) {
    let c = p.classes;
    let w = c * LANES;
    let (ha, hb) = (&p.half[i][b0 * w..b1 * w], &p.half[j][b0 * w..b1 * w]);
    let (ea, eb) = (&p.expo[i][b0 * w..b1 * w], &p.expo[j][b0 * w..b1 * w]);
    let labels = &p.labels[b0 * LANES..b1 * LANES];
    let mut correct = [0_u32; LANES];
    let mut prod = [1.0_f64; LANES];
    let mut expo = [0_i64; LANES];
    let mut extra = 0.0;
    for (blk, lab) in labels.chunks_exact(LANES).enumerate() {
        let (ha, hb) = (&ha[blk * w..(blk + 1) * w], &hb[blk * w..(blk + 1) * w]);
        let (ea, eb) = (&ea[blk * w..(blk + 1) * w], &eb[blk * w..(blk + 1) * w]);
        // Argmax of the float32 mean logits, ties to the lowest class (strict `>`). One chain
        // over classes: out-of-order execution overlaps consecutive blocks (splitting the
        // chain measured slower).
        let mut best = [0.0_f32; LANES];
        let mut idx = [0_i32; LANES];
        for l in 0..LANES {
            best[l] = ha[l] + hb[l];
        }
        for k in 1..c {
            let (x, y) = (
                &ha[k * LANES..(k + 1) * LANES],
                &hb[k * LANES..(k + 1) * LANES],
            );
            for l in 0..LANES {
                let v = x[l] + y[l];
                let gt = v > best[l];
                best[l] = if gt { v } else { best[l] };
                idx[l] = if gt { k as i32 } else { idx[l] };
            }
        }
        for l in 0..LANES {
            correct[l] += u32::from(idx[l] == lab[l]);
        }
        // S = sum_c ea_c eb_c.
        let mut s = [0.0_f64; LANES];
        for k in 0..c {
            let (x, y) = (
                &ea[k * LANES..(k + 1) * LANES],
                &eb[k * LANES..(k + 1) * LANES],
            );
            for l in 0..LANES {
                s[l] += x[l] * y[l];
            }
        }
        // Branch-free test of all lanes (non-short-circuit `|`), rarely true.
        let low = s
            .iter()
            .fold(false, |low, &v| low | v.is_nan() | (v < TINY));
        if low {
            extra += rescue(p, i, j, b0 + blk, &mut s);
        }
        // prod *= S, renormalized to a mantissa in [1, 2) and an exponent.
        for l in 0..LANES {
            let bits = (prod[l] * s[l]).to_bits();
            expo[l] += (bits >> 52) as i64 - 1023;
            prod[l] = f64::from_bits((bits & MANTISSA) | EXP_ONE);
        }
    }
    st.correct += correct.iter().map(|&v| u64::from(v)).sum::<u64>();
    for l in 0..LANES {
        st.mant *= prod[l];
        st.expo += expo[l];
    }
    let bits = st.mant.to_bits();
    st.expo += (bits >> 52) as i64 - 1023;
    st.mant = f64::from_bits((bits & MANTISSA) | EXP_ONE);
    st.extra += extra;
}

/// For lanes of block `blk` whose `S` underflowed (logit gaps over ~1,000 nats): returns the
/// sum of their exact `ln S` and sets their `S` to 1.
#[cold]
#[inline(never)]
fn rescue(p: &Prepared, i: usize, j: usize, blk: usize, s: &mut [f64; LANES]) -> f64 {
    let (c, w) = (p.classes, p.classes * LANES);
    let (ha, hb) = (
        &p.half[i][blk * w..(blk + 1) * w],
        &p.half[j][blk * w..(blk + 1) * w],
    );
    let mut total = 0.0;
    for (l, sl) in s.iter_mut().enumerate() {
        if *sl >= TINY {
            continue;
        }
        let e = blk * LANES + l; // never a padding lane: those have S = 1
        let v = |k: usize| f64::from(ha[k * LANES + l]) + f64::from(hb[k * LANES + l]);
        let m = (1..c).fold(v(0), |m, k| m.max(v(k)));
        let lse = m + (0..c).map(|k| (v(k) - m).exp()).sum::<f64>().ln();
        total += lse - 0.5 * (f64::from(p.maxes[i][e]) + f64::from(p.maxes[j][e]));
        *sl = 1.0;
    }
    total
}
