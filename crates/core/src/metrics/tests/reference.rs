//! Naive reference implementations, written the way numpy/scipy code would compute the
//! metrics, independent of the fast paths: plain loops, `f64`, no tiling, no tricks.

/// `numpy.argmax` of one row: the first maximum.
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for c in 0..row.len() {
        if row[c] > row[best] {
            best = c;
        }
    }
    best
}

/// `numpy.mean(a.argmax(1) != b.argmax(1))`.
pub fn disagreement(a: &[f32], b: &[f32], c: usize) -> f64 {
    let n = a.len() / c;
    let differ = (0..n)
        .filter(|&e| argmax(&a[e * c..(e + 1) * c]) != argmax(&b[e * c..(e + 1) * c]))
        .count();
    differ as f64 / n as f64
}

/// `scipy.stats.pearsonr(x, y)[0]`: NaN for constant input.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    if x.iter().all(|&v| v == x[0]) || y.iter().all(|&v| v == y[0]) {
        return f64::NAN;
    }
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    let syy: f64 = y.iter().map(|b| (b - my) * (b - my)).sum();
    sxy / (sxx.sqrt() * syy.sqrt())
}

/// `scipy.stats.rankdata(x, method="average")`.
pub fn rankdata(x: &[f32]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].partial_cmp(&x[b]).expect("finite"));
    let mut ranks = vec![0.0; x.len()];
    let mut s = 0;
    while s < idx.len() {
        let mut e = s + 1;
        while e < idx.len() && x[idx[e]] == x[idx[s]] {
            e += 1;
        }
        let avg = (s + 1 + e) as f64 / 2.0; // mean of ranks s+1..=e
        for &i in &idx[s..e] {
            ranks[i] = avg;
        }
        s = e;
    }
    ranks
}

/// `scipy.stats.spearmanr(a.ravel(), b.ravel())[0]`.
pub fn spearman(a: &[f32], b: &[f32]) -> f64 {
    pearson(&rankdata(a), &rankdata(b))
}

fn log_softmax_ce(row: &[f64], y: usize) -> f64 {
    let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lse = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
    lse - row[y]
}

/// Mean cross-entropy via `scipy.special.log_softmax` in float64.
pub fn cross_entropy(x: &[f32], labels: &[i64], c: usize) -> f64 {
    let n = labels.len();
    (0..n)
        .map(|e| {
            log_softmax_ce(
                &x[e * c..(e + 1) * c]
                    .iter()
                    .map(|&v| v as f64)
                    .collect::<Vec<_>>(),
                labels[e] as usize,
            )
        })
        .sum::<f64>()
        / n as f64
}

/// Accuracy gain and CE gain of the ensemble `(a + b) / 2`: argmax on numpy's float32
/// `(a + b) / 2`, cross-entropy on the float64 mean.
pub fn ensemble_gain(a: &[f32], b: &[f32], labels: &[i64], c: usize) -> (f64, f64) {
    let n = labels.len();
    let acc = |x: &[f32]| {
        (0..n)
            .filter(|&e| argmax(&x[e * c..(e + 1) * c]) as i64 == labels[e])
            .count() as f64
            / n as f64
    };
    let ens32: Vec<f32> = a.iter().zip(b).map(|(x, y)| (x + y) / 2.0).collect();
    let ens_ce = (0..n)
        .map(|e| {
            let row: Vec<f64> = (0..c)
                .map(|k| (a[e * c + k] as f64 + b[e * c + k] as f64) / 2.0)
                .collect();
            log_softmax_ce(&row, labels[e] as usize)
        })
        .sum::<f64>()
        / n as f64;
    let (acc_a, acc_b, acc_e) = (acc(a), acc(b), acc(&ens32));
    let (ce_a, ce_b) = (cross_entropy(a, labels, c), cross_entropy(b, labels, c));
    (
        ((acc_e - acc_a) + (acc_e - acc_b)) / 2.0,
        ((ce_a - ens_ce) + (ce_b - ens_ce)) / 2.0,
    )
}

/// Linear CKA from `n x n` Gram matrices of the raw (uncentered) features, as the authors'
/// `cka(gram_linear(x), gram_linear(y), debiased)`: biased via `H K H`, unbiased via Song et
/// al.'s formula `[tr(K~ L~) + 1'K~1 1'L~1 / ((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3))`.
pub fn cka_gram(x: &[f32], d1: usize, y: &[f32], d2: usize, unbiased: bool) -> f64 {
    let n = x.len() / d1;
    let gram = |z: &[f32], d: usize| -> Vec<f64> {
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                k[i * n + j] = (0..d)
                    .map(|t| z[i * d + t] as f64 * z[j * d + t] as f64)
                    .sum();
            }
        }
        k
    };
    let (k, l) = (gram(x, d1), gram(y, d2));
    let hsic = |k: &[f64], l: &[f64]| -> f64 {
        if unbiased {
            let kt: Vec<f64> = (0..n * n)
                .map(|p| if p / n == p % n { 0.0 } else { k[p] })
                .collect();
            let lt: Vec<f64> = (0..n * n)
                .map(|p| if p / n == p % n { 0.0 } else { l[p] })
                .collect();
            let tr: f64 = (0..n * n).map(|p| kt[p] * lt[p]).sum();
            let (sk, sl): (f64, f64) = (kt.iter().sum(), lt.iter().sum());
            let rk: Vec<f64> = (0..n)
                .map(|i| kt[i * n..(i + 1) * n].iter().sum())
                .collect();
            let rl: Vec<f64> = (0..n)
                .map(|i| lt[i * n..(i + 1) * n].iter().sum())
                .collect();
            let cross: f64 = rk.iter().zip(&rl).map(|(a, b)| a * b).sum(); // 1'K~L~1
            let nf = n as f64;
            (tr + sk * sl / ((nf - 1.0) * (nf - 2.0)) - 2.0 / (nf - 2.0) * cross)
                / (nf * (nf - 3.0))
        } else {
            let center = |k: &[f64]| -> Vec<f64> {
                let rows: Vec<f64> = (0..n)
                    .map(|i| k[i * n..(i + 1) * n].iter().sum::<f64>() / n as f64)
                    .collect();
                let all = rows.iter().sum::<f64>() / n as f64;
                (0..n * n)
                    .map(|p| k[p] - rows[p / n] - rows[p % n] + all)
                    .collect()
            };
            let (kc, lc) = (center(k), center(l));
            (0..n * n).map(|p| kc[p] * lc[p]).sum::<f64>() / ((n - 1) * (n - 1)) as f64
        }
    };
    hsic(&k, &l) / (hsic(&k, &k) * hsic(&l, &l)).sqrt()
}
