use super::*;
use crate::runspec::RunSpec;
use crate::store::{RunRecord, StudyDir};
use crate::study::{plan, Condition, RunState};

fn target(w: f64, cap: usize, first: usize) -> Target {
    Target {
        ci_width: w,
        max_replicas: cap,
        first_round: first,
    }
}

#[test]
fn rounds_grow_by_half_at_least_four_to_whole_packs_up_to_the_cap() {
    let rounds = |t: &Target, pack: usize| {
        let mut out = vec![t.first_round];
        while let Some(n) = t.next_round(*out.last().unwrap(), pack) {
            out.push(n);
        }
        out
    };
    assert_eq!(rounds(&target(0.2, 64, 16), 1), [16, 24, 36, 54, 64]);
    assert_eq!(rounds(&target(0.2, 20, 2), 1), [2, 6, 10, 15, 20]);
    assert_eq!(rounds(&target(0.2, 64, 16), 8), [16, 24, 40, 64]);
    assert_eq!(rounds(&target(0.2, 50, 16), 16), [16, 32, 48, 50]);
    assert_eq!(
        rounds(&target(0.2, 8, 8), 1),
        [8],
        "the first round at the cap"
    );
}

#[test]
fn bad_targets_are_named() {
    for w in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let msg = target(w, 64, 16).check().unwrap_err();
        assert!(
            msg.contains("--target-ci") && msg.contains("positive"),
            "{msg}"
        );
    }
    let msg = target(0.2, 8, 16).check().unwrap_err();
    assert!(
        msg.contains("--max-replicas") && msg.contains("8") && msg.contains("16"),
        "{msg}"
    );
    let mut s = study(0.2, 4);
    s.target = Some(target(0.2, 64, 8));
    let msg = s.validate().unwrap_err().to_string();
    assert!(msg.contains("first_round"), "{msg}");
}

fn study(w: f64, replicas: usize) -> StudySpec {
    let run = RunSpec::from_preset("digits-mlp").unwrap();
    let mut s = StudySpec::new(run.clone(), replicas);
    s.conditions = ["control", "init"]
        .iter()
        .map(|c| Condition::parse(c, &run).unwrap())
        .collect();
    s.bootstrap = 2000;
    s.target = Some(target(w, 8, 4));
    s
}

fn record(accuracy: f64) -> RunRecord {
    RunRecord {
        param_count: 1,
        param_hash: String::new(),
        bit_flip: None,
        data: None,
        test_accuracy: accuracy,
        test_cross_entropy: 0.5,
        n_test: 449,
        classes: 10,
        feature_dim: 4,
        wall_seconds: 1.0,
        pack: None,
        placement: None,
        lm: None,
    }
}

/// A survey of `study` whose counted runs have these accuracies (fractions): the control's all
/// 0.9, init's `init`; replicas past `init.len()` not trained.
fn survey(study: &StudySpec, init: &[f64]) -> Survey {
    let runs = plan(study, Path::new("st"));
    let states = runs
        .iter()
        .map(|r| match (r.condition, init.get(r.replica)) {
            (0, _) => RunState::Counted(Box::new(record(0.9))),
            (_, Some(&a)) => RunState::Counted(Box::new(record(a))),
            (_, None) => RunState::ToTrain,
        })
        .collect();
    Survey { runs, states }
}

const INIT: [f64; 8] = [0.91, 0.915, 0.905, 0.92, 0.912, 0.918, 0.909, 0.913];

#[test]
fn widths_are_the_reports_bootstrap_intervals_of_the_accuracy_sd() {
    let s = study(0.2, 8);
    let w = widths(&s, &survey(&s, &INIT)).unwrap();
    assert_eq!(w.len(), 2);
    assert_eq!((w[0].condition.as_str(), w[0].runs), ("control", 8));
    assert_eq!(w[0].width(), 0.0, "the control's runs are identical");
    let pct: Vec<f64> = INIT.iter().map(|a| 100.0 * a).collect();
    let boot = Bootstrap {
        resamples: 2000,
        ..Bootstrap::default()
    };
    let e = bootstrap_sd(&pct, &boot).unwrap();
    assert_eq!(w[1].interval, e.interval);
    assert!(w[1].width() > 0.1 && w[1].width() < 1.0, "{:?}", w[1]);
}

#[test]
fn standing_and_notes_say_where_and_why_the_study_stopped() {
    let mut s = study(10.0, 4);
    let st = standing(&s, &survey(&s, &INIT)).unwrap();
    assert!(matches!(st, Standing::Reached(_)), "{st:?}");
    let n = note(&s, &st);
    assert!(
        n.starts_with(
            "target-ci: stopped at 4 replicas: every 95% accuracy-SD interval narrower than \
             10.00 pp (widest: init, "
        ),
        "{n}"
    );
    // A narrow target: the next round, then the cap.
    s.target = Some(target(0.01, 8, 4));
    let st = standing(&s, &survey(&s, &INIT)).unwrap();
    assert!(matches!(st, Standing::Next(8, _)), "{st:?}");
    let n = note(&s, &st);
    assert!(
        n.contains("init's interval is ") && n.contains("next round (8 replicas)"),
        "{n}"
    );
    assert!(!n.contains("control"), "the control is narrow enough: {n}");
    s.replicas = 8;
    let st = standing(&s, &survey(&s, &INIT)).unwrap();
    let Standing::Cap(widths) = &st else {
        panic!("{st:?}")
    };
    let n = note(&s, &st);
    assert_eq!(
        n,
        format!(
            "target-ci: stopped at the cap of 8 replicas: init's interval is {:.2} pp wide, \
             target 0.01",
            widths[1].width()
        )
    );
    // An interrupted round: not every run counted.
    let st = standing(&s, &survey(&s, &INIT[..6])).unwrap();
    assert_eq!(
        st,
        Standing::Unfinished {
            condition: "init".into(),
            counted: 6
        }
    );
    assert!(note(&s, &st).contains("has 6 counted runs of init; rerun"));
}

#[test]
fn resume_continues_at_the_directorys_round_with_the_new_target() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let layout = StudyDir::at(&dir);
    // A target study that grew to 6 replicas.
    let mut grown = study(0.2, 6);
    grown.target = Some(target(0.2, 8, 4));
    layout.open(&grown).unwrap();
    // Rerun as first given (4 replicas), with a new width and cap: resumes at 6, rewrites them.
    let mut again = study(0.3, 4);
    again.target = Some(target(0.3, 12, 4));
    let resumed = resume(again.clone(), &dir).unwrap();
    assert_eq!(resumed.replicas, 6);
    assert_eq!(resumed.target, Some(target(0.3, 12, 4)));
    assert_eq!(layout.load::<StudySpec>().unwrap(), Some(resumed.clone()));
    layout.open(&resumed).unwrap();
    // Without a target: refused, naming what the directory is.
    let mut plain = again.clone();
    plain.target = None;
    let msg = resume(plain, &dir).unwrap_err().to_string();
    assert!(
        msg.contains("holds a --target-ci study (6 replicas so far, target 0.3 pp, cap 12)"),
        "{msg}"
    );
    // Another first round, or another recipe: left to `open`, which names only what differs.
    let mut first = again.clone();
    first.target = Some(target(0.3, 12, 5));
    first.replicas = 5;
    let msg = layout
        .open(&resume(first, &dir).unwrap())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("first_round"), "{msg}");
    let mut other = again.clone();
    other.run.train.epochs = 2;
    let msg = layout
        .open(&resume(other, &dir).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("run.train.epochs") && !msg.contains("replicas"),
        "{msg}"
    );
}

#[test]
fn a_plain_study_goes_on_as_the_first_round_of_a_target_study() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let mut plain = study(0.2, 4);
    plain.target = None;
    StudyDir::at(&dir).open(&plain).unwrap();
    let resumed = resume(study(0.2, 4), &dir).unwrap();
    assert_eq!((resumed.replicas, resumed.target.is_some()), (4, true));
    StudyDir::at(&dir).open(&resumed).unwrap();
    // A plain rerun on a plain study is the study as before.
    let tmp2 = tempfile::tempdir().unwrap();
    let dir2 = tmp2.path().join("p");
    StudyDir::at(&dir2).open(&plain).unwrap();
    assert_eq!(resume(plain.clone(), &dir2).unwrap(), plain);
}
