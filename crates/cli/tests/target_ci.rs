//! `runvar study --target-ci W`: rounds of replicas until every accuracy-SD interval is
//! narrower than W, or the cap; where and why it stopped in the report; resuming; refusals.

mod util;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use runvar_core::stats::{bootstrap_sd, Bootstrap};
use runvar_core::study::Target;
use util::{fails, ok, runvar};

/// digits-mlp for one epoch, control and init.
const BASE: &[&str] = &[
    "study",
    "--preset",
    "digits-mlp",
    "--epochs",
    "1",
    "--conditions",
    "control,init",
    "--quiet",
];

fn study(dir: &Path, extra: &[&str]) -> String {
    let mut args = BASE.to_vec();
    args.extend(extra);
    ok(runvar(dir, &args))
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Per condition, the test accuracies (percent) of replicas `0..n` in `runs.csv`.
fn accuracies(dir: &Path, n: usize) -> BTreeMap<String, Vec<f64>> {
    let text = fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (c, r, a) = (col("condition"), col("replica"), col("test_accuracy"));
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[r].parse::<usize>().unwrap() < n {
            let acc = 100.0 * cells[a].parse::<f64>().unwrap();
            out.entry(cells[c].to_string()).or_default().push(acc);
        }
    }
    out
}

/// The widest 95% bootstrap interval of the accuracy SD over the conditions, from the first
/// `n` replicas (10,000 resamples, seed 0: the report's bootstrap).
fn widest(dir: &Path, n: usize) -> f64 {
    accuracies(dir, n)
        .values()
        .map(|acc| {
            assert_eq!(acc.len(), n);
            let e = bootstrap_sd(acc, &Bootstrap::default()).unwrap();
            e.interval.hi - e.interval.lo
        })
        .fold(0.0, f64::max)
}

/// The rounds of a study: its first round, then each next one up to `n`.
fn rounds_to(t: &Target, n: usize) -> Vec<usize> {
    let mut out = vec![t.first_round];
    while *out.last().unwrap() < n {
        out.push(t.next_round(*out.last().unwrap(), 1).unwrap());
    }
    out
}

fn runs_of(dir: &Path, condition: &str) -> usize {
    fs::read_dir(dir.join("runs").join(condition))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("DONE").is_file())
        .count()
}

#[test]
fn a_study_stops_once_every_interval_is_narrow_enough() {
    let tmp = tempfile::tempdir().unwrap();
    study(
        tmp.path(),
        &["--replicas", "12", "--target-ci", "0.9", "--out", "s"],
    );
    let dir = tmp.path().join("s");
    let spec = json(&dir.join("study.json"));
    let n = spec["replicas"].as_u64().unwrap() as usize;
    let target = Target {
        ci_width: 0.9,
        max_replicas: 64,
        first_round: 12,
    };
    assert_eq!(
        spec["target"],
        serde_json::json!({"ci_width": 0.9, "max_replicas": 64, "first_round": 12})
    );
    // It took a round or more, and stopped short of the cap, at the first round whose
    // intervals are all narrower than 0.9 pp.
    assert!(n > 12 && n < 64, "stopped at {n}");
    let rounds = rounds_to(&target, n);
    assert_eq!(
        *rounds.last().unwrap(),
        n,
        "{n} is not a round of {rounds:?}"
    );
    let w = widest(&dir, n);
    assert!(w < 0.9, "{w}");
    for &earlier in &rounds[..rounds.len() - 1] {
        assert!(
            widest(&dir, earlier) >= 0.9,
            "{earlier} replicas were enough"
        );
    }
    assert_eq!((runs_of(&dir, "control"), runs_of(&dir, "init")), (n, n));
    let report = json(&dir.join("report.json"));
    assert_eq!(report["replicas"], n);
    let note = format!(
        "target-ci: stopped at {n} replicas: every 95% accuracy-SD interval narrower than 0.90 \
         pp (widest: init, {w:.2} pp)"
    );
    assert_eq!(report["notes"][0], note.as_str());
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains(&note[..60]), "{md}");
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(&note[..60]), "the HTML notes say it");
}

#[test]
fn a_study_stops_at_the_cap_and_says_which_interval_is_too_wide() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "--replicas",
        "4",
        "--target-ci",
        "0.01",
        "--max-replicas",
        "8",
        "--out",
        "s",
    ];
    study(tmp.path(), &args);
    let dir = tmp.path().join("s");
    assert_eq!(runs_of(&dir, "init"), 8);
    let report = json(&dir.join("report.json"));
    assert_eq!(report["replicas"], 8);
    let w = widest(&dir, 8);
    assert_eq!(
        report["notes"][0],
        format!("target-ci: stopped at the cap of 8 replicas: init's interval is {w:.2} pp wide, target 0.01").as_str()
    );
    // Rerun as it is: nothing to train, the same report; `runvar report` says the same.
    let before = fs::read(dir.join("report.json")).unwrap();
    study(tmp.path(), &args);
    assert_eq!(fs::read(dir.join("report.json")).unwrap(), before);
    ok(runvar(tmp.path(), &["report", "s", "--json"]));
    assert_eq!(fs::read(dir.join("report.json")).unwrap(), before);
    // A plain rerun would drop the rule: refused, saying what the directory is.
    fails(
        runvar(
            tmp.path(),
            &[BASE, &["--replicas", "4", "--out", "s"]].concat(),
        ),
        &["holds a --target-ci study (8 replicas so far, target 0.01 pp, cap 8)"],
    );
}

fn logits(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for cond in ["control", "init"] {
        for run in fs::read_dir(dir.join("runs").join(cond)).unwrap() {
            let run = run.unwrap().path();
            let name = format!("{cond}/{}", run.file_name().unwrap().to_string_lossy());
            out.insert(name, fs::read(run.join("logits.npy")).unwrap());
        }
    }
    out
}

/// Interrupted after its first rounds (a low cap), raised, and with a run of its last round
/// lost: the same runs, bit for bit, and the same report as a study that ran through.
#[test]
fn an_interrupted_study_ends_in_the_runs_of_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let common = ["--replicas", "4", "--target-ci", "0.9", "--workers", "2"];
    study(tmp.path(), &[&common[..], &["--out", "whole"]].concat());
    let whole = tmp.path().join("whole");
    let n = json(&whole.join("study.json"))["replicas"]
        .as_u64()
        .unwrap() as usize;
    assert!(n > 8, "the uninterrupted study went past 8 replicas ({n})");

    let part = tmp.path().join("part");
    study(
        tmp.path(),
        &[&common[..], &["--max-replicas", "8", "--out", "part"]].concat(),
    );
    assert_eq!(runs_of(&part, "init"), 8);
    let note = json(&part.join("report.json"))["notes"][0].clone();
    assert!(
        note.as_str()
            .unwrap()
            .starts_with("target-ci: stopped at the cap of 8"),
        "{note}"
    );
    // A new cap on the same directory: allowed (it changes no run), and it goes on from 8.
    study(tmp.path(), &[&common[..], &["--out", "part"]].concat());
    assert_eq!(runs_of(&part, "init"), n);
    // A run of the last round lost (as a kill mid-round leaves it): trained again.
    fs::remove_dir_all(part.join(format!("runs/init/{:04}", n - 1))).unwrap();
    study(tmp.path(), &[&common[..], &["--out", "part"]].concat());
    assert_eq!(logits(&part), logits(&whole), "resumed runs differ");
    assert_eq!(
        json(&part.join("study.json")),
        json(&whole.join("study.json"))
    );
    let (a, b) = (
        json(&part.join("report.json")),
        json(&whole.join("report.json")),
    );
    assert_eq!(
        (&a["conditions"], &a["notes"]),
        (&b["conditions"], &b["notes"])
    );
}

/// In packs: rounds are whole packs (3, then 8 with packs of 2), and replica i is the run it
/// is in a plain study of as many replicas, whatever round trained it.
#[test]
fn packed_rounds_train_the_runs_of_a_plain_study() {
    let tmp = tempfile::tempdir().unwrap();
    let packed = ["--pack", "2", "--workers", "2"];
    study(
        tmp.path(),
        &[
            &packed[..],
            &[
                "--replicas",
                "3",
                "--target-ci",
                "0.01",
                "--max-replicas",
                "8",
                "--out",
                "t",
            ],
        ]
        .concat(),
    );
    study(
        tmp.path(),
        &[&packed[..], &["--replicas", "8", "--out", "p"]].concat(),
    );
    let (t, p) = (tmp.path().join("t"), tmp.path().join("p"));
    assert_eq!(json(&t.join("study.json"))["replicas"], 8);
    assert_eq!(
        logits(&t),
        logits(&p),
        "a round's runs differ from the plain study's"
    );
    let rec = json(&t.join("runs/init/0007/record.json"));
    assert_eq!(rec["pack"]["size"], 2);
}

#[test]
fn bad_target_arguments_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let refused = |extra: &[&str], needles: &[&str]| {
        let mut args = BASE.to_vec();
        args.extend(extra);
        args.extend(["--out", "x"]);
        fails(runvar(tmp.path(), &args), needles);
        assert!(!tmp.path().join("x").exists(), "{extra:?} wrote something");
    };
    for w in ["0", "--target-ci=-0.5", "nan", "inf", "wide"] {
        let args: Vec<&str> = if w.starts_with("--") {
            vec![w]
        } else {
            vec!["--target-ci", w]
        };
        refused(&args, &["--target-ci"]);
    }
    refused(
        &[
            "--replicas",
            "8",
            "--target-ci",
            "0.2",
            "--max-replicas",
            "4",
        ],
        &["--max-replicas 4 is below --replicas 8"],
    );
    refused(
        &["--max-replicas", "32"],
        &["--max-replicas 32", "--target-ci"],
    );
    refused(
        &["--target-ci", "0.2", "--backend", "slurm"],
        &["--target-ci", "Slurm backend submits a fixed plan"],
    );
}
