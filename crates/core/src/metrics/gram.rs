//! Gram matrix `G[i][j] = sum_k v_i[k] v_j[k]` of long per-run vectors, computed blockwise:
//! the Pearson and Spearman correlations of all pairs are `G[i][j] / sqrt(G[i][i] G[j][j])` of
//! centered logits or centered ranks.
//!
//! The vectors are never stored whole in `f64`: each worker converts a panel of `CHUNK`
//! positions of every run it needs (`N x CHUNK` values, 512 KiB for `N = 1000`, in L2), then
//! runs a 2 x 4 register-tiled kernel over it. Every pair, the diagonal included, is summed in
//! the same order (4 interleaved lanes over each chunk, lanes added `(0+1)+(2+3)`, chunks in
//! order), so identical vectors give bitwise-identical `G[i][j]` and `G[i][i]`.

use super::kernels::multiversion;
use super::parallel::over_row_blocks;

/// A source of per-run vectors, all of one length.
pub(crate) trait Panel: Sync {
    /// Writes the values of `run` at positions `start..start + out.len()`.
    fn fill(&self, run: usize, start: usize, out: &mut [f64]);
}

const LANES: usize = 4;
const CHUNK: usize = 64;
/// Rows per tile (and per block dealt to a worker).
const TILE: usize = 2;

/// The full symmetric `runs x runs` Gram matrix, row-major, of vectors of length `len`.
pub(crate) fn gram(runs: usize, len: usize, src: &impl Panel) -> Vec<f64> {
    let parts = over_row_blocks(runs, TILE, |starts| worker(runs, len, src, starts));
    let mut g = vec![0.0; runs * runs];
    for (starts, rows) in parts {
        for (t, &s) in starts.iter().enumerate() {
            for i in s..(s + TILE).min(runs) {
                let row = &rows[t * TILE + (i - s)];
                for (off, &v) in row.iter().enumerate() {
                    g[i * runs + i + off] = v;
                    g[(i + off) * runs + i] = v;
                }
            }
        }
    }
    g
}

/// One worker: rows `s..s+TILE` for each `s` in `starts`; row `i` holds `G[i][i..]`.
fn worker(
    runs: usize,
    len: usize,
    src: &impl Panel,
    starts: &[usize],
) -> (Vec<usize>, Vec<Vec<f64>>) {
    let lo = starts.iter().copied().min().unwrap_or(0);
    let mut rows: Vec<Vec<f64>> = Vec::with_capacity(starts.len() * TILE);
    for &s in starts {
        for i in s..s + TILE {
            rows.push(vec![0.0; runs.saturating_sub(i)]);
        }
    }
    let mut panel = vec![0.0; (runs - lo) * CHUNK];
    for start in (0..len).step_by(CHUNK) {
        let kc = CHUNK.min(len - start);
        let kp = kc.div_ceil(LANES) * LANES;
        for (r, row) in (lo..runs).zip(panel.chunks_exact_mut(CHUNK)) {
            src.fill(r, start, &mut row[..kc]);
            row[kc..kp].fill(0.0);
        }
        chunk(&panel, kp, lo, runs, starts, &mut rows);
    }
    (starts.to_vec(), rows)
}

multiversion! {
    fn chunk(panel: &[f64], kp: usize, lo: usize, runs: usize, starts: &[usize], rows: &mut [Vec<f64>]) => chunk_generic
}

/// Adds this chunk's products to `rows` (see [`worker`]).
#[inline(always)]
fn chunk_generic(
    panel: &[f64],
    kp: usize,
    lo: usize,
    runs: usize,
    starts: &[usize],
    rows: &mut [Vec<f64>],
) {
    let row = |r: usize| &panel[(r - lo) * CHUNK..(r - lo) * CHUNK + kp];
    for (t, &s) in starts.iter().enumerate() {
        let e = (s + TILE).min(runs);
        let mut add = |i: usize, j: usize, v: f64| {
            if j >= i {
                rows[t * TILE + (i - s)][j - i] += v;
            }
        };
        if e - s == TILE {
            let a = [row(s), row(s + 1)];
            let mut j = s;
            while j + 4 <= runs {
                let r = micro(a, [row(j), row(j + 1), row(j + 2), row(j + 3)], kp);
                for (ii, ri) in r.iter().enumerate() {
                    for (jj, &v) in ri.iter().enumerate() {
                        add(s + ii, j + jj, v);
                    }
                }
                j += 4;
            }
            for j in j..runs {
                let r = micro(a, [row(j)], kp);
                add(s, j, r[0][0]);
                add(s + 1, j, r[1][0]);
            }
        } else {
            for i in s..e {
                for j in i..runs {
                    add(i, j, micro([row(i)], [row(j)], kp)[0][0]);
                }
            }
        }
    }
}

/// `MI x NJ` dot products over `kp` (a multiple of `LANES`) positions, lanes interleaved.
#[inline(always)]
fn micro<const MI: usize, const NJ: usize>(
    a: [&[f64]; MI],
    b: [&[f64]; NJ],
    kp: usize,
) -> [[f64; NJ]; MI] {
    let mut acc = [[[0.0_f64; LANES]; NJ]; MI];
    let a = a.map(|x| &x[..kp]);
    let b = b.map(|x| &x[..kp]);
    for k in (0..kp).step_by(LANES) {
        for j in 0..NJ {
            let bv = &b[j][k..k + LANES];
            for i in 0..MI {
                let av = &a[i][k..k + LANES];
                for l in 0..LANES {
                    acc[i][j][l] += av[l] * bv[l];
                }
            }
        }
    }
    acc.map(|r| r.map(|v| (v[0] + v[1]) + (v[2] + v[3])))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rows(Vec<Vec<f64>>);
    impl Panel for Rows {
        fn fill(&self, run: usize, start: usize, out: &mut [f64]) {
            out.copy_from_slice(&self.0[run][start..start + out.len()]);
        }
    }

    #[test]
    fn matches_plain_dot_products() {
        // Integer values: every sum is exact, so any order gives the plain loop's value.
        for (runs, len) in [(1, 5), (2, 1), (5, 130), (7, 64), (10, 200)] {
            let v: Vec<Vec<f64>> = (0..runs)
                .map(|r| {
                    (0..len)
                        .map(|k| ((r * 31 + k * 17) % 13) as f64 - 6.0)
                        .collect()
                })
                .collect();
            let g = gram(runs, len, &Rows(v.clone()));
            for i in 0..runs {
                for j in 0..runs {
                    let plain: f64 = v[i].iter().zip(&v[j]).map(|(x, y)| x * y).sum();
                    assert_eq!(g[i * runs + j], plain, "runs {runs} len {len} pair {i},{j}");
                }
            }
        }
    }

    #[test]
    fn identical_vectors_give_bitwise_equal_entries() {
        let x: Vec<f64> = (0..1000)
            .map(|k| (k as f64 * 0.37).sin() * 1e3 + 0.1)
            .collect();
        let y: Vec<f64> = (0..1000).map(|k| (k as f64 * 0.11).cos()).collect();
        let rows = Rows(vec![y.clone(), x.clone(), y, x.clone(), x]);
        let g = gram(5, 1000, &rows);
        for (i, j) in [(1, 3), (1, 4), (3, 4)] {
            assert_eq!(g[i * 5 + j].to_bits(), g[i * 5 + i].to_bits());
            assert_eq!(g[j * 5 + j].to_bits(), g[i * 5 + i].to_bits());
        }
    }
}
