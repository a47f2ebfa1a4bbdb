//! Timing of the pairwise metrics at the protocol's largest size. Ignored by default; run with
//! `cargo test --release -p runvar-core -- --ignored --nocapture bench_`.

use super::super::*;
use crate::stats::{bootstrap_pairwise_mean, bootstrap_sd, Bootstrap};
use std::time::Instant;

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Fast synthetic logits: a shared signal plus per-run noise (xorshift, uniform sums), so that
/// runs agree on about 90% of examples, like trained networks.
fn synthetic(runs: usize, n: usize, c: usize) -> (Vec<Vec<f32>>, Vec<i64>) {
    let mut s = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let signal: Vec<f32> = (0..n * c)
        .map(|_| 6.0 * (next() + next() + next()))
        .collect();
    let labels = (0..n)
        .map(|e| super::reference::argmax(&signal[e * c..(e + 1) * c]) as i64)
        .collect();
    let data = (0..runs)
        .map(|_| {
            signal
                .iter()
                .map(|&v| v + 1.5 * (next() + next()))
                .collect()
        })
        .collect();
    (data, labels)
}

/// CPU seconds used by this process so far, all threads (Linux `/proc/self/stat`, 100 Hz).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // After the command name: state is not numeric, so utime and stime are f[10] and f[11].
    f.get(10)
        .zip(f.get(11))
        .map_or(f64::NAN, |(u, s)| (u + s) / 100.0)
}

fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let out = f();
    println!(
        "{name:<28} {:>7.2} s wall {:>7.2} s CPU   peak RSS so far {:>6.0} MiB",
        t.elapsed().as_secs_f64(),
        cpu_seconds() - cpu,
        peak_rss_mib()
    );
    out
}

#[test]
#[ignore = "benchmark: 1,000 runs of 10,000 x 10 logits; run with --release --ignored --nocapture"]
fn bench_pairwise_1000_runs() {
    // RUNVAR_BENCH_RUNS overrides the number of runs (for profiling at a smaller size).
    let runs_n = std::env::var("RUNVAR_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let (n, c) = (10_000, 10);
    let (data, labels) = timed("generate (not a metric)", || synthetic(runs_n, n, c));
    let runs: Vec<Logits<'_>> = data.iter().map(|d| Logits::new(d, n, c).unwrap()).collect();
    println!(
        "input: {runs_n} runs x {n} x {c} f32 = {:.0} MiB, {} threads",
        (runs_n * n * c * 4) as f64 / 1048576.0,
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );
    let total = Instant::now();
    let pr = timed("per-run acc + CE", || per_run(&runs, &labels).unwrap());
    let dis = timed("pairwise disagreement", || {
        pairwise_disagreement(&runs).unwrap()
    });
    let pe = timed("pairwise pearson", || pairwise_pearson(&runs).unwrap());
    let sp = timed("pairwise spearman", || pairwise_spearman(&runs).unwrap());
    let en = timed("pairwise ensemble gain", || {
        pairwise_ensemble_gain(&runs, &labels).unwrap()
    });
    println!(
        "{:<28} {:>8.2} s",
        "all logit metrics",
        total.elapsed().as_secs_f64()
    );
    let cfg = Bootstrap::with_seed(1);
    timed("bootstrap SD (B=10k)", || {
        bootstrap_sd(&pr.accuracy, &cfg).unwrap()
    });
    let b = timed("bootstrap pairwise (B=10k)", || {
        bootstrap_pairwise_mean(&dis, &cfg).unwrap()
    });
    println!(
        "means: dis {:.4} pearson {:.4} spearman {:.4} gain acc {:.5} gain CE {:.5}; dis SE {:.5}",
        dis.mean(),
        pe.mean(),
        sp.mean(),
        en.accuracy.mean(),
        en.cross_entropy.mean(),
        b.std_error
    );
}

#[test]
#[ignore = "benchmark: CKA of 100 runs of 10,000 x 64 features; run with --release --ignored --nocapture"]
fn bench_cka_100_runs() {
    let (runs_n, n, d) = (100, 10_000, 64);
    let (data, _) = synthetic(runs_n, n, d);
    let runs: Vec<Features<'_>> = data
        .iter()
        .map(|x| Features::new(x, n, d).unwrap())
        .collect();
    for est in [HsicEstimator::Biased, HsicEstimator::Unbiased] {
        let m = timed(&format!("pairwise CKA {est:?}"), || {
            pairwise_linear_cka(&runs, est).unwrap()
        });
        println!("mean CKA {:.5}", m.mean());
    }
}
