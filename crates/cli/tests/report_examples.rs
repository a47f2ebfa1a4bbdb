//! The study report's per-example parts, end to end on a small digits study: each condition's
//! vote on the 449 test examples, the binomial SD recomputed from that vote, Holm's
//! adjustment over the varied conditions, and the gallery of the examples that flip most
//! (digits are embedded, so their images can always be drawn).

mod util;

use std::fs;
use std::path::Path;

use util::{ok, row, runvar};

#[test]
fn votes_binomial_sd_holm_and_the_gallery() {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = util::SMALL_STUDY.to_vec();
    args.extend(["--out", "s"]);
    ok(runvar(tmp.path(), &args));
    let dir = tmp.path().join("s");
    let r: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    check_examples(&dir, &r);
}

/// What `report.json`, `report.html` and `report.md` of the study in `dir` hold about single
/// test examples (module docs).
fn check_examples(dir: &Path, r: &serde_json::Value) {
    let votes = &r["votes"];
    assert_eq!(
        (votes["classes"].as_u64(), votes["examples"].as_u64()),
        (Some(10), Some(449))
    );
    let labels: Vec<usize> = votes["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let names: Vec<&str> = votes["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["condition"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["control", "init", "dropout", "bit_flip", "all"]);
    let counts = |cond: &str| -> Vec<Vec<u64>> {
        let c = votes["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["condition"] == cond);
        serde_json::from_value(c.unwrap()["counts"].clone()).unwrap()
    };
    for name in names {
        let v = counts(name);
        assert_eq!(v.len(), 449);
        assert!(v
            .iter()
            .all(|row| row.len() == 10 && row.iter().sum::<u64>() == 3));
        // The binomial SD from the vote: p_i = share of the 3 runs wrong on example i.
        let sum: f64 = v
            .iter()
            .zip(&labels)
            .map(|(row, &y)| {
                let p = 1.0 - row[y] as f64 / 3.0;
                p * (1.0 - p)
            })
            .sum();
        let t = &row(r, name)["test_set"];
        let binomial = t["binomial_sd"].as_f64().unwrap();
        assert!(
            (binomial - 100.0 * sum.sqrt() / 449.0).abs() < 1e-9,
            "{name}: {t}"
        );
        let shares = ["always_right", "always_wrong", "flipping"].map(|k| t[k].as_f64().unwrap());
        assert!(
            (shares.iter().sum::<f64>() - 100.0).abs() < 1e-9,
            "{name}: {t}"
        );
        assert_eq!(
            row(r, name)["class_disagreement"].as_array().unwrap().len(),
            10
        );
    }
    assert_eq!(row(r, "control")["test_set"]["flipping"], 0.0);
    let mc = &r["multiple_comparisons"];
    assert_eq!(mc["method"], "holm");
    assert_eq!(
        mc["acc_sd_ratio_comparisons"], 3,
        "init, dropout, bit_flip: {mc}"
    );
    assert!(row(r, "all").get("acc_sd_ratio_p_holm").is_none());
    for name in ["init", "dropout", "bit_flip"] {
        let (raw, adjusted) = (
            &row(r, name)["acc_sd_ratio_p"],
            &row(r, name)["acc_sd_ratio_p_holm"],
        );
        assert!(
            adjusted.as_f64().unwrap() >= raw.as_f64().unwrap(),
            "{name}"
        );
    }
    // The flips: the `all` runs' most split examples, as many as split (at most 25).
    let all = counts("all");
    let split = all.iter().filter(|row| !row.contains(&3)).count();
    let flips = &r["flips"];
    assert_eq!(flips["condition"], "all");
    let examples = flips["examples"].as_array().unwrap();
    assert_eq!(examples.len(), split.min(25));
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<div class=\"flip\">").count(),
        examples.len(),
        "gallery"
    );
    assert_eq!(
        html.matches("src=\"data:image/png;base64,").count(),
        examples.len()
    );
    for e in examples {
        let i = e["index"].as_u64().unwrap() as usize;
        assert_eq!(e["label"].as_u64().unwrap() as usize, labels[i]);
        let vote: Vec<String> = e["votes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| format!("{}: {}", v[0], v[1]))
            .collect();
        let caption = format!(
            "<b>#{i}</b> label {}<br><span class=\"vote\">{}</span>",
            labels[i],
            vote.join(", ")
        );
        assert!(html.contains(&caption), "{caption}");
    }
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## How much of the spread is the test set's"));
    assert!(md.contains("## Examples that flip most"));
}
