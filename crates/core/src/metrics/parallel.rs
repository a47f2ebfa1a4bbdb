//! Splitting work over the machine's cores with `std::thread::scope`; results never depend on
//! the number of threads.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Worker threads: the available parallelism.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// `(0..len).map(f).collect()`, computed on all cores, items handed out one at a time.
pub(crate) fn map_indexed<T: Send>(len: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = threads().min(len);
    if workers <= 1 {
        return (0..len).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= len {
                            break out;
                        }
                        out.push((i, f(i)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker thread panicked"))
            .collect()
    });
    let mut slots: Vec<Option<T>> = (0..len).map(|_| None).collect();
    for (i, v) in parts.into_iter().flatten() {
        slots[i] = Some(v);
    }
    slots
        .into_iter()
        .map(|v| v.expect("every index computed once"))
        .collect()
}

/// Splits the rows `0..rows` of an upper-triangular pair table into blocks of `block` rows and
/// deals them to `parts` workers in snake order (0, 1, .., p-1, p-1, .., 0, 0, ..). Row `i` has
/// `rows - i - 1` pairs, so snake dealing balances the work. Returns the block starts per
/// worker.
pub(crate) fn snake_blocks(rows: usize, block: usize, parts: usize) -> Vec<Vec<usize>> {
    let parts = parts.max(1);
    let mut out = vec![Vec::new(); parts];
    for (b, start) in (0..rows).step_by(block.max(1)).enumerate() {
        let (round, pos) = (b / parts, b % parts);
        let who = if round % 2 == 0 { pos } else { parts - 1 - pos };
        out[who].push(start);
    }
    out.retain(|v| !v.is_empty());
    out
}

/// Runs `work(block_starts)` for each worker of [`snake_blocks`] on its own thread and returns
/// the results in worker order.
pub(crate) fn over_row_blocks<T: Send>(
    rows: usize,
    block: usize,
    work: impl Fn(&[usize]) -> T + Sync,
) -> Vec<T> {
    let plan = snake_blocks(rows, block, threads());
    if plan.len() <= 1 {
        return plan.iter().map(|p| work(p)).collect();
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = plan.iter().map(|p| s.spawn(|| work(p))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker thread panicked"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_order() {
        assert_eq!(
            map_indexed(100, |i| i * i),
            (0..100).map(|i| i * i).collect::<Vec<_>>()
        );
        assert!(map_indexed(0, |i| i).is_empty());
    }

    #[test]
    fn snake_covers_every_block_once() {
        let plan = snake_blocks(10, 3, 2);
        assert_eq!(plan, vec![vec![0, 9], vec![3, 6]]);
        let mut all: Vec<usize> = snake_blocks(1000, 8, 3).concat();
        all.sort_unstable();
        assert_eq!(all, (0..1000).step_by(8).collect::<Vec<_>>());
    }
}
