//! The `data` source from the command line: `runvar train --seed-data`, `--data-fraction`, the
//! `data` condition of a study (not in `all`), and its seeds in `runs.csv` and the run files.

mod util;

use std::fs;
use std::path::Path;

use util::{fails, ok, runvar, train_digits};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn train_records_its_resample() {
    let tmp = tempfile::tempdir().unwrap();
    let out = train_digits(tmp.path(), "boot", "1", &["--seed-data", "3"]);
    let rec = json(&tmp.path().join("boot/record.json"));
    let (n, distinct) = (
        rec["data"]["of"].as_u64().unwrap(),
        rec["data"]["distinct"].as_u64().unwrap(),
    );
    assert_eq!(
        (
            rec["data"]["seed"].as_u64(),
            rec["data"]["examples"].as_u64()
        ),
        (Some(3), Some(n))
    );
    assert!(
        (0.60..0.665).contains(&(distinct as f64 / n as f64)),
        "{rec}"
    );
    assert!(
        out.contains(&format!(
            "data: seed 3, {n} examples per epoch, {distinct} distinct of {n}"
        )),
        "{out}"
    );
    assert_eq!(
        json(&tmp.path().join("boot/spec.json"))["spec"]["seeds"]["data"],
        3
    );
    // A quarter of the 1348 examples: 337, all distinct.
    train_digits(
        tmp.path(),
        "quarter",
        "1",
        &["--seed-data", "3", "--data-fraction", "0.25"],
    );
    let rec = json(&tmp.path().join("quarter/record.json"));
    assert_eq!(
        rec["data"],
        serde_json::json!({"seed": 3, "examples": 337, "distinct": 337, "of": 1348})
    );
    // Without a data seed: the full set, and no trace of the source in the files.
    train_digits(tmp.path(), "full", "1", &[]);
    assert!(json(&tmp.path().join("full/record.json"))
        .get("data")
        .is_none());
    let seeds = &json(&tmp.path().join("full/spec.json"))["spec"]["seeds"];
    assert!(seeds.get("data").is_none(), "{seeds}");
}

#[test]
fn bad_data_flags_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let train = |extra: &[&str], needles: &[&str]| {
        let mut args = vec!["train", "--preset", "digits-mlp", "--out", "x"];
        args.extend(extra);
        fails(runvar(tmp.path(), &args), needles);
        assert!(!tmp.path().join("x").exists());
    };
    train(
        &["--data-fraction", "0.5"],
        &["train.data_fraction", "--seed-data"],
    );
    for f in ["0", "1.5", "nan", "half"] {
        train(
            &["--seed-data", "1", "--data-fraction", f],
            &["--data-fraction"],
        );
    }
    train(
        &["--seed-data", "1", "--data-fraction", "0.0001"],
        &["rounds to none"],
    );
    let study = |extra: &[&str], needles: &[&str]| {
        let mut args = vec!["study", "--preset", "digits-mlp", "--out", "x"];
        args.extend(extra);
        fails(runvar(tmp.path(), &args), needles);
        assert!(!tmp.path().join("x").exists());
    };
    study(
        &["--data-fraction", "0.5"],
        &["data_fraction", "no condition varies `data`"],
    );
    study(
        &["--conditions", "control,data", "--data-fraction=-1"],
        &["--data-fraction"],
    );
    study(
        &["--conditions", "control,date"],
        &["unknown source `date`", "data"],
    );
}

/// A study of control, data, data+init and all: only the data conditions resample, each
/// replica with its own seed, shown in runs.csv, spec.json and record.json; `all` is the
/// paper's set and does not vary data.
#[test]
fn the_data_condition_resamples_per_replica_and_all_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(runvar(
        tmp.path(),
        &[
            "study",
            "--preset",
            "digits-mlp",
            "--epochs",
            "1",
            "--replicas",
            "3",
            "--conditions",
            "control,data,data+init,all",
            "--quiet",
            "--out",
            "s",
        ],
    ));
    assert!(out.contains("data+init"), "{out}");
    let dir = tmp.path().join("s");
    let csv = fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (c, s, i) = (col("condition"), col("seed_data"), col("seed_init"));
    let rows: Vec<(String, String, String)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[c].into(), cells[s].into(), cells[i].into())
        })
        .collect();
    for (cond, seed, init) in &rows {
        match cond.as_str() {
            "control" | "all" => assert_eq!(seed, "", "{cond}"),
            "data" => assert_eq!(init, "0"),
            _ => assert_eq!(seed, init, "{cond}"),
        }
    }
    let seeds: Vec<&str> = rows
        .iter()
        .filter(|r| r.0 == "data")
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(seeds, ["0", "1", "2"]);
    for r in 0..3 {
        let run = dir.join(format!("runs/data/{r:04}"));
        assert_eq!(json(&run.join("spec.json"))["spec"]["seeds"]["data"], r);
        assert_eq!(json(&run.join("record.json"))["data"]["seed"], r);
        let all = json(&dir.join(format!("runs/all/{r:04}/spec.json")));
        assert!(all["spec"]["seeds"].get("data").is_none());
    }
    let report = json(&dir.join("report.json"));
    let data = report["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "data")
        .unwrap();
    assert_eq!(data["sources"], serde_json::json!(["data"]));
    assert!(data["acc_sd"].as_f64().unwrap() > 0.0, "{data}");
}
