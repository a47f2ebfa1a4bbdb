//! What a study leaves for other tools: `runs.csv`, one row per finished run (its seeds,
//! outcome and where it ran), for pandas, R or a spreadsheet.

use std::path::Path;

use super::{StudySpec, Survey};

/// The columns of `runs.csv`, in order.
pub const RUNS_CSV_HEADER: [&str; 20] = [
    "condition",
    "replica",
    "seed_init",
    "seed_shuffle",
    "seed_augment",
    "seed_dropout",
    "seed_low_level",
    "seed_data",
    "low_level",
    "bit_flip_seed",
    "bit_flip_param",
    "bit_flip_index",
    "test_accuracy",
    "test_cross_entropy",
    "param_hash",
    "wall_seconds",
    "pack_size",
    "pack_index",
    "threads",
    "dir",
];

/// A CSV field as RFC 4180 writes it: quoted (with `"` doubled) when it holds a comma, a
/// quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `runs.csv` of the study in `dir`: a header, then one line per counted run (see
/// [`Survey`]) in condition and replica order. Accuracy is a fraction, cross-entropy in nats,
/// `dir` relative to the study directory; the bit-flip columns are empty for runs without a
/// flip, `seed_data` for runs on the full training set, the pack columns for runs trained
/// alone. Numbers are written in full (Rust's shortest
/// round-trip form).
pub fn runs_csv(dir: &Path, study: &StudySpec, survey: &Survey) -> String {
    let mut out = RUNS_CSV_HEADER.join(",");
    out.push('\n');
    for (run, record) in survey.records() {
        let s = &run.spec;
        let flip = record.bit_flip.as_ref();
        let cells = [
            study.conditions[run.condition].name.clone(),
            run.replica.to_string(),
            s.seeds.init.to_string(),
            s.seeds.shuffle.to_string(),
            s.seeds.augment.to_string(),
            s.seeds.dropout.to_string(),
            s.seeds.low_level.to_string(),
            s.seeds.data.map(|d| d.to_string()).unwrap_or_default(),
            s.low_level.to_string(),
            s.bit_flip
                .as_ref()
                .map(|b| b.seed.to_string())
                .unwrap_or_default(),
            flip.map(|f| f.param.clone()).unwrap_or_default(),
            flip.map(|f| f.index.to_string()).unwrap_or_default(),
            record.test_accuracy.to_string(),
            record.test_cross_entropy.to_string(),
            record.param_hash.clone(),
            record.wall_seconds.to_string(),
            record
                .pack
                .as_ref()
                .map(|p| p.size.to_string())
                .unwrap_or_default(),
            record
                .pack
                .as_ref()
                .map(|p| p.index.to_string())
                .unwrap_or_default(),
            s.threads.to_string(),
            run.dir
                .strip_prefix(dir)
                .unwrap_or(&run.dir)
                .display()
                .to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("fc1.weight"), "fc1.weight");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
    }
}
