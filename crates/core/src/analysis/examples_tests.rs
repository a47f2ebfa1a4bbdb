//! The per-example row fields, the ratios' p-values with Holm's adjustment, and the flips,
//! on the numpy fixture of `scripts/examples_reference.py`.

use super::{
    adjust_ratio_p_values, analyze_condition, fill_ratios, flips, vote_table, RunOutputs,
    FLIP_GALLERY,
};
use crate::metrics::examples_tests::{fixture, inputs};
use crate::metrics::{HsicEstimator, PairMatrix};
use crate::report::ConditionReport;
use crate::stats::{holm, pair_mean_ratio, sd_ratio, Bootstrap};

fn boot() -> Bootstrap {
    Bootstrap {
        resamples: 2000,
        ..Bootstrap::default()
    }
}

/// A fixture condition analysed as a study row named `name` varying `sources`.
fn analysed(c: &serde_json::Value, name: &str, sources: &[&str]) -> (ConditionReport, Vec<i64>) {
    let (runs, labels, n, classes) = inputs(c);
    let outputs: Vec<RunOutputs> = runs
        .into_iter()
        .enumerate()
        .map(|(i, logits)| RunOutputs {
            source: format!("run{i}").into(),
            logits,
            n,
            classes,
            features: None,
        })
        .collect();
    let row = analyze_condition(
        name,
        sources.iter().map(|s| s.to_string()).collect(),
        &outputs,
        &labels,
        &boot(),
        HsicEstimator::Unbiased,
    )
    .unwrap();
    (row, labels)
}

fn close(a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-12 * b.abs().max(1.0),
        "{a} vs numpy {b}"
    );
}

#[test]
fn rows_carry_the_binomial_sd_shares_and_class_disagreement_numpy_gives() {
    let doc = fixture();
    for c in doc["conditions"].as_object().unwrap().values() {
        let (row, _) = analysed(c, "all", &["init"]);
        let t = row.test_set.unwrap();
        close(row.acc_sd, c["acc_sd"].as_f64().unwrap());
        close(t.binomial_sd, c["binomial_sd"].as_f64().unwrap());
        close(
            t.acc_sd_over_binomial.unwrap(),
            c["acc_sd_over_binomial"].as_f64().unwrap(),
        );
        close(t.always_right, c["always_right"].as_f64().unwrap());
        close(t.always_wrong, c["always_wrong"].as_f64().unwrap());
        close(t.flipping, c["flipping"].as_f64().unwrap());
        close(row.disagreement, c["disagreement"].as_f64().unwrap());
        for (got, want) in row
            .class_disagreement
            .iter()
            .zip(c["class_disagreement"].as_array().unwrap())
        {
            close(got.unwrap(), want.as_f64().unwrap());
        }
        // The JSON holds the new fields and not the vote (that is the report's `votes`).
        let json = serde_json::to_value(&row).unwrap();
        assert!(json["test_set"]["binomial_sd"].is_f64());
        assert!(json.get("votes").is_none());
    }
}

#[test]
fn flips_and_the_vote_table_follow_the_all_condition() {
    let doc = fixture();
    let wide = &doc["conditions"]["wide"];
    let (all, labels) = analysed(wide, "all", &["init", "shuffle"]);
    let (mut control, _) = analysed(wide, "control", &[]);
    control.votes = None;
    let rows = vec![control, all];
    let f = flips(&rows, &labels, "all").unwrap();
    assert_eq!((f.condition.as_str(), f.runs), ("all", 10));
    let want: Vec<usize> = wide["most_split"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let got: Vec<usize> = f.examples.iter().map(|e| e.index).collect();
    assert_eq!(got, want);
    assert_eq!(got.len(), FLIP_GALLERY);
    let counts = wide["votes"].as_array().unwrap();
    for e in &f.examples {
        assert_eq!(e.label, labels[e.index]);
        // Most votes first, every vote counted, the modal share the first count's.
        assert!(e.votes.windows(2).all(|w| w[0][1] >= w[1][1]));
        assert_eq!(e.votes.iter().map(|v| v[1]).sum::<usize>(), 10);
        for &[class, k] in &e.votes {
            assert_eq!(counts[e.index * 10 + class].as_u64(), Some(k as u64));
        }
        assert_eq!(e.modal_share, e.votes[0][1] as f64 / 10.0);
    }
    // Unanimous: every one of the 10 runs votes for one class (numpy's vote counts).
    let unanimous = counts
        .chunks(10)
        .filter(|row| row.iter().any(|v| v.as_u64() == Some(10)))
        .count();
    close(f.unanimous, 100.0 * unanimous as f64 / labels.len() as f64);
    // The vote table leaves out the row without votes and is n x C per condition.
    let t = vote_table(&rows, &labels).unwrap();
    assert_eq!((t.classes, t.examples), (10, 100));
    assert_eq!(t.conditions.len(), 1);
    let flat: Vec<u64> = t.conditions[0]
        .counts
        .iter()
        .flatten()
        .map(|&v| u64::from(v))
        .collect();
    let want: Vec<u64> = counts.iter().map(|v| v.as_u64().unwrap()).collect();
    assert_eq!(flat, want);
    // Without an `all` row, the last row varying a source.
    let mut renamed = rows.clone();
    renamed[1].name = "init".into();
    assert_eq!(flips(&renamed, &labels, "all").unwrap().condition, "init");
    assert!(flips(&rows[..1], &labels, "all").is_none());
}

#[test]
fn ratios_get_p_values_from_their_own_resamples_and_holm_over_the_varied_conditions() {
    let doc = fixture();
    let small = &doc["conditions"]["small"];
    let mut rows: Vec<ConditionReport> = ["control", "init", "shuffle", "all", "bit_flip"]
        .iter()
        .map(|name| {
            let sources: &[&str] = if *name == "control" { &[] } else { &["x"] };
            analysed(small, name, sources).0
        })
        .collect();
    // Give the conditions different spreads: scale the per-run accuracies about their mean.
    for (row, scale) in rows.iter_mut().zip([0.0, 0.5, 1.5, 1.0, 20.0]) {
        let m = row.mean_acc;
        row.accuracies
            .iter_mut()
            .for_each(|a| *a = m + scale * (*a - m));
    }
    let b = boot();
    fill_ratios(&mut rows, "all", &b);
    let all = rows[3].clone();
    for r in &rows[1..] {
        // The interval is the untested function's, bit for bit.
        let e = sd_ratio(&r.accuracies, &all.accuracies, &b).unwrap();
        assert_eq!(r.acc_sd_ratio_ci, e.interval.scaled(1.0));
        let dis = PairMatrix::from_upper(r.n, &r.pairwise_disagreement).unwrap();
        let base = PairMatrix::from_upper(all.n, &all.pairwise_disagreement).unwrap();
        let e = pair_mean_ratio(&dis, &base, &b).unwrap();
        assert_eq!(r.disagreement_ratio_ci, e.interval.scaled(1.0));
        assert!(r.acc_sd_ratio_p.is_some() && r.disagreement_ratio_p.is_some());
    }
    let mc = adjust_ratio_p_values(&mut rows, "all", 0.05).unwrap();
    assert_eq!(mc.method, "holm");
    assert_eq!(
        (
            mc.acc_sd_ratio_comparisons,
            mc.disagreement_ratio_comparisons
        ),
        (3, 3)
    );
    // control and all are outside the family.
    for i in [0, 3] {
        assert_eq!(rows[i].acc_sd_ratio_p_holm, None, "{}", rows[i].name);
    }
    let members = [1, 2, 4];
    let raw: Vec<f64> = members
        .iter()
        .map(|&i| rows[i].acc_sd_ratio_p.unwrap())
        .collect();
    let adjusted = holm(&raw).unwrap();
    for (&i, a) in members.iter().zip(adjusted) {
        assert_eq!(rows[i].acc_sd_ratio_p_holm, Some(a));
        assert!(a >= rows[i].acc_sd_ratio_p.unwrap());
    }
    // bit_flip's SD is 20x all's: different even after adjusting; shuffle's 1.5x over
    // 7 runs is not.
    assert!(rows[4].acc_sd_ratio_p_holm.unwrap() < 0.05, "{:?}", rows[4]);
    assert!(rows[2].acc_sd_ratio_p_holm.unwrap() > 0.05, "{:?}", rows[2]);
    // Every run of every condition has the same logits, so disagreements are equal: p = 1.
    assert_eq!(rows[1].disagreement_ratio_p_holm, Some(1.0));
    assert!(adjust_ratio_p_values(&mut rows[3..4], "all", 0.05).is_none());
}
