//! Token streams cut into segments: the columns a language model trains and evaluates on, and
//! each epoch's segment order.
//!
//! A stream of L tokens becomes B columns of `rows = L / B` tokens (column b holds tokens
//! `b * rows .. (b + 1) * rows`; the last `L mod B` tokens are dropped), as PyTorch's
//! `batchify` does. A segment starting at row r is inputs `r .. r + bptt` and targets one row
//! later.
//!
//! Training: an epoch has `S = (rows - bptt) / bptt` segments of `bptt` rows, whatever its
//! draws, so every epoch has the same steps. With [`SegmentOrder::Offset`] the shuffle stream
//! of the epoch draws a start `o` in `0..bptt` and the segments start at `o + s * bptt` in
//! order (the last target row, `o + S * bptt`, is at most `rows - 1`); with
//! [`SegmentOrder::Segments`] they start at `s * bptt`, in an order drawn from the stream.
//!
//! Evaluation: B columns (`train.eval_batch_size`), consecutive segments of `bptt` from row 0,
//! the last one shorter; each column predicts its rows `1 .. rows`.

use rand::Rng;
use runvar_core::runspec::SegmentOrder;
use runvar_core::seed::{permutation, stream, Source};

/// A stream cut into columns, row-major `[rows, columns]`.
#[derive(Debug, Clone)]
pub struct Columns {
    /// Tokens, row-major: `data[r * columns + b]` is row r of column b.
    pub data: Vec<i64>,
    /// Rows (tokens per column).
    pub rows: usize,
    /// Columns.
    pub columns: usize,
}

impl Columns {
    /// `tokens` cut into `columns` columns (see the module docs).
    pub fn new(tokens: &[u32], columns: usize) -> Columns {
        let columns = columns.max(1);
        let rows = tokens.len() / columns;
        let mut data = vec![0i64; rows * columns];
        for b in 0..columns {
            for r in 0..rows {
                data[r * columns + b] = i64::from(tokens[b * rows + r]);
            }
        }
        Columns {
            data,
            rows,
            columns,
        }
    }

    /// Rows `start .. start + len`, row-major `[len, columns]`.
    pub fn rows(&self, start: usize, len: usize) -> &[i64] {
        &self.data[start * self.columns..(start + len) * self.columns]
    }

    /// Training segments per epoch for segments of `bptt` rows (at least one when
    /// `rows >= 2 * bptt`).
    pub fn segments(&self, bptt: usize) -> usize {
        self.rows.saturating_sub(bptt) / bptt.max(1)
    }

    /// The stream position (index into the original tokens) of row `r` of column `b`.
    pub fn position(&self, r: usize, b: usize) -> usize {
        b * self.rows + r
    }
}

/// The start rows of epoch `epoch`'s `segments` segments of `bptt` rows, in training order,
/// drawn from the shuffle stream of `seed` (see the module docs).
pub fn epoch_starts(
    order: SegmentOrder,
    seed: u64,
    epoch: usize,
    segments: usize,
    bptt: usize,
) -> Vec<usize> {
    let mut rng = stream(seed, Source::Shuffle, epoch as u64);
    match order {
        SegmentOrder::Offset => {
            let o = rng.gen_range(0..bptt);
            (0..segments).map(|s| o + s * bptt).collect()
        }
        SegmentOrder::Segments => permutation(&mut rng, segments)
            .into_iter()
            .map(|s| s * bptt)
            .collect(),
    }
}

/// Evaluation segments of `bptt` rows over `rows` rows: `(start, len)` from row 0, each
/// predicting rows `start + 1 ..= start + len`, the last one shorter.
pub fn eval_segments(rows: usize, bptt: usize) -> Vec<(usize, usize)> {
    let last = rows.saturating_sub(1);
    (0..last)
        .step_by(bptt.max(1))
        .map(|s| (s, bptt.min(last - s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_contiguous_chunks_and_drop_the_tail() {
        let tokens: Vec<u32> = (0..11).collect();
        let c = Columns::new(&tokens, 3);
        assert_eq!((c.rows, c.columns), (3, 3));
        // Column 0 = 0,1,2; column 1 = 3,4,5; column 2 = 6,7,8; tokens 9 and 10 dropped.
        assert_eq!(c.data, vec![0, 3, 6, 1, 4, 7, 2, 5, 8]);
        assert_eq!(c.rows(1, 2), &[1, 4, 7, 2, 5, 8]);
        assert_eq!(c.position(2, 1), 5);
    }

    #[test]
    fn every_epoch_has_the_same_segments_within_the_rows() {
        let (rows, bptt) = (100, 7);
        let segments = (rows - bptt) / bptt;
        for epoch in 0..50 {
            for order in [SegmentOrder::Offset, SegmentOrder::Segments] {
                let starts = epoch_starts(order, 3, epoch, segments, bptt);
                assert_eq!(starts.len(), segments);
                // The last target row is at most rows - 1.
                assert!(starts.iter().all(|s| s + bptt < rows), "{starts:?}");
            }
        }
        let offsets: std::collections::BTreeSet<usize> = (0..50)
            .map(|e| epoch_starts(SegmentOrder::Offset, 3, e, segments, bptt)[0])
            .collect();
        assert!(
            offsets.len() > 3,
            "offsets are drawn per epoch: {offsets:?}"
        );
        let mut sorted = epoch_starts(SegmentOrder::Segments, 3, 0, segments, bptt);
        sorted.sort_unstable();
        assert_eq!(sorted, (0..segments).map(|s| s * bptt).collect::<Vec<_>>());
    }

    #[test]
    fn evaluation_predicts_every_row_after_the_first_once() {
        let segs = eval_segments(10, 4);
        assert_eq!(segs, vec![(0, 4), (4, 4), (8, 1)]);
        let predicted: usize = segs.iter().map(|s| s.1).sum();
        assert_eq!(predicted, 9);
        assert!(eval_segments(1, 4).is_empty());
    }
}
