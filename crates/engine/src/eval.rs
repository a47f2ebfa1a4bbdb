//! Accuracy and cross-entropy from stored logits (f64 accumulation).

/// Accuracy (fraction) and mean cross-entropy (nats) of `n x classes` logits against `labels`.
/// The predicted class is the first maximum (like `numpy.argmax`).
pub fn accuracy_and_ce(logits: &[f32], labels: &[i64], classes: usize) -> (f64, f64) {
    let mut correct = 0usize;
    let mut ce = 0.0f64;
    for (row, &y) in logits.chunks_exact(classes).zip(labels) {
        let mut best = 0;
        for (k, &v) in row.iter().enumerate() {
            if v > row[best] {
                best = k;
            }
        }
        correct += usize::from(best as i64 == y);
        let max = row[best] as f64;
        let lse = max
            + row
                .iter()
                .map(|&v| (v as f64 - max).exp())
                .sum::<f64>()
                .ln();
        ce += lse - row[y as usize] as f64;
    }
    let n = labels.len().max(1) as f64;
    (correct as f64 / n, ce / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // Row 0: tie between classes 0 and 1 → argmax 0 (correct, label 0).
        // CE row 0: log(e^1 + e^1 + e^0) - 1 = log(2e + 1) - 1.
        // Row 1: argmax 2, label 1 → wrong. CE: log(1 + e + e^2) - 1.
        let logits = [1.0, 1.0, 0.0, 0.0, 1.0, 2.0];
        let (acc, ce) = accuracy_and_ce(&logits, &[0, 1], 3);
        assert_eq!(acc, 0.5);
        let e = std::f64::consts::E;
        let want = ((2.0 * e + 1.0).ln() - 1.0 + (1.0 + e + e * e).ln() - 1.0) / 2.0;
        assert!((ce - want).abs() < 1e-12);
    }
}
