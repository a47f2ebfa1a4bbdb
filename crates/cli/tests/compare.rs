//! `runvar compare` and `runvar plan` on small real studies: conditions of one study, two
//! studies whose replicas share their seeds (paired), logits files, and every bad input.

mod util;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use runvar_core::store::npy;
use serde_json::Value;
use util::{fails, ok, runvar};

/// Two studies trained once per test run: `st` (digits-mlp, 2 epochs) and `st3` (3 epochs),
/// conditions control, init and all, 4 replicas each; and `short`, whose test set is cut to
/// 300 examples. About 5 seconds on one core.
fn studies() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-studies");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for (out, epochs, extra) in [
            ("st", "2", &[][..]),
            ("st3", "3", &[][..]),
            ("short", "2", &["--test-limit", "300"][..]),
        ] {
            let conditions = if out == "short" {
                "all"
            } else {
                "control,init,all"
            };
            let mut args = vec![
                "study",
                "--preset",
                "digits-mlp",
                "--conditions",
                conditions,
                "--replicas",
                "4",
                "--epochs",
                epochs,
                "--threads",
                "1",
                "--out",
                out,
            ];
            args.extend_from_slice(extra);
            ok(runvar(&dir, &args));
        }
        dir
    })
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn compare_json(args: &[&str]) -> Value {
    let mut all = vec!["compare", "--json"];
    all.extend_from_slice(args);
    json(&ok(runvar(studies(), &all)))
}

/// The per-run accuracies (percent) the study's report.json holds for `condition`.
fn report_accuracies(study: &str, condition: &str) -> Vec<f64> {
    let text = fs::read_to_string(studies().join(study).join("report.json")).unwrap();
    let report = json(&text);
    let row = report["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == condition)
        .unwrap();
    row["accuracies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn two_conditions_of_one_study() {
    let c = compare_json(&["st:init", "st:all"]);
    assert_eq!(c["schema_version"], 1);
    assert_eq!(
        (c["a"]["runs"].as_u64(), c["b"]["runs"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(c["test_examples"], 449);
    // The accuracies are the report's, run for run.
    let (a, b) = (
        report_accuracies("st", "init"),
        report_accuracies("st", "all"),
    );
    assert_eq!(floats(&c["a"]["accuracy"]), a);
    assert_eq!(floats(&c["b"]["accuracy"]), b);
    let acc = &c["accuracy"];
    assert_eq!(acc["unit"], "pp");
    assert_eq!(acc["better"], "higher");
    assert!(
        (acc["difference"]["estimate"].as_f64().unwrap() - (mean(&b) - mean(&a))).abs() < 1e-12
    );
    // init varies one seed, all five: replica i shares only its init seed.
    assert_eq!(c["pairing"]["paired"], false);
    let reason = c["pairing"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("shuffle (0 against 1)") && reason.contains("low_level (0 against 1)"),
        "{reason}"
    );
    assert!(acc["paired"].is_null());
    // 4 vs 4 runs: 70 splits, enumerated.
    let perm = &acc["permutation"];
    assert_eq!(
        (perm["exact"].as_bool(), perm["resamples"].as_u64()),
        (Some(true), Some(70))
    );
    let p = perm["p"].as_f64().unwrap();
    assert!(
        p > 0.0 && p <= 1.0 && (p * 70.0 / 2.0 - (p * 35.0).round()).abs() < 1e-9,
        "{p}"
    );
    for key in ["welch", "effect_size"] {
        assert!(acc[key].is_object(), "{key}: {acc}");
    }
    assert!(c["cross_entropy"]["better"] == "lower");
    let verdict = acc["verdict"]["text"].as_str().unwrap();
    assert!(
        verdict.contains("st:init") && verdict.contains("st:all"),
        "{verdict}"
    );
    assert!(
        verdict.ends_with("exact over all 70 splits (4 vs 4 runs)"),
        "{verdict}"
    );
    // The same seed gives the same numbers; the table says the same as the JSON.
    assert_eq!(compare_json(&["st:init", "st:all"]), c);
    let text = ok(runvar(studies(), &["compare", "st:init", "st:all"]));
    assert!(
        text.contains(&format!("verdict (accuracy):      {verdict}")),
        "{text}"
    );
    assert!(text.contains("not paired: run 1 of A"), "{text}");
}

#[test]
fn studies_with_the_same_seeds_are_paired() {
    // A study directory alone means its `all` condition.
    let c = compare_json(&["st", "st3"]);
    assert_eq!(c["pairing"]["paired"], true, "{}", c["pairing"]);
    assert_eq!(c["pairing"]["pairs"], 4);
    assert!(c["a"]["description"]
        .as_str()
        .unwrap()
        .starts_with("condition `all` of study st"));
    let (a, b) = (
        report_accuracies("st", "all"),
        report_accuracies("st3", "all"),
    );
    let paired = &c["accuracy"]["paired"];
    let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
    assert!((paired["mean_difference"]["estimate"].as_f64().unwrap() - mean(&d)).abs() < 1e-12);
    assert_eq!(paired["sign_flip"]["resamples"], 16);
    assert_eq!(paired["sign_flip"]["exact"], true);
    let verdict = &c["accuracy"]["verdict"];
    assert!(verdict["test"]
        .as_str()
        .unwrap()
        .starts_with("sign-flip test"));
    assert!(verdict["text"]
        .as_str()
        .unwrap()
        .ends_with("exact over all 16 sign patterns of 4 paired runs"));
    // 4 pairs cannot reach p = 0.05; the note says how many can.
    let notes = c["notes"].to_string();
    assert!(notes.contains("that needs at least 6 pairs"), "{notes}");
    // Conditions by name, and run directories given with --a/--b, pair the same way.
    assert_eq!(
        compare_json(&["st:all", "st3:all"])["pairing"]["paired"],
        true
    );
    let runs =
        |s: &str| -> Vec<String> { (0..4).map(|i| format!("{s}/runs/all/{i:04}")).collect() };
    let (ra, rb) = (runs("st"), runs("st3"));
    let mut args: Vec<&str> = vec!["--a"];
    args.extend(ra.iter().map(String::as_str));
    args.push("--b");
    args.extend(rb.iter().map(String::as_str));
    let dirs = compare_json(&args);
    assert_eq!(dirs["pairing"]["paired"], true);
    assert_eq!(dirs["accuracy"]["paired"], c["accuracy"]["paired"]);
}

/// Each run's logits.npy of a study condition, and the stack of them as one (N, n, C) file.
fn logits_files(study: &str, condition: &str, dir: &Path) -> (Vec<String>, PathBuf) {
    let files: Vec<String> = (0..4)
        .map(|i| format!("{study}/runs/{condition}/{i:04}/logits.npy"))
        .collect();
    let mut stack = Vec::new();
    let mut shape = Vec::new();
    for f in &files {
        let arr = npy::read(&studies().join(f)).unwrap();
        shape.clone_from(&arr.shape);
        stack.extend(arr.into_f32(Path::new(f)).unwrap());
    }
    let path = dir.join(format!("{study}-{condition}.npy"));
    fs::write(&path, npy::encode_f32(&[4, shape[0], shape[1]], &stack)).unwrap();
    (files, path)
}

#[test]
fn logits_files_give_the_study_numbers_unpaired() {
    let tmp = tempfile::tempdir().unwrap();
    let (fa, stack_a) = logits_files("st", "init", tmp.path());
    let (fb, stack_b) = logits_files("st", "all", tmp.path());
    let labels = "st/runs/init/0000/labels.npy";
    let mut args: Vec<&str> = vec!["--labels", labels, "--a"];
    args.extend(fa.iter().map(String::as_str));
    args.push("--b");
    args.extend(fb.iter().map(String::as_str));
    let files = compare_json(&args);
    let study = compare_json(&["st:init", "st:all"]);
    for key in [
        "difference",
        "permutation",
        "welch",
        "probability_of_improvement",
    ] {
        assert_eq!(files["accuracy"][key], study["accuracy"][key], "{key}");
        assert_eq!(
            files["cross_entropy"][key], study["cross_entropy"][key],
            "{key}"
        );
    }
    assert!(files["pairing"]["reason"]
        .as_str()
        .unwrap()
        .contains("record no seeds"));
    // One stacked (N, n, C) .npy per arm, as positional A and B.
    let (sa, sb) = (stack_a.display().to_string(), stack_b.display().to_string());
    let stacked = compare_json(&[&sa, &sb, "--labels", labels]);
    assert_eq!(
        stacked["accuracy"]["difference"],
        study["accuracy"]["difference"]
    );
    assert_eq!(stacked["b"]["runs"], 4);
    // B as one word before --a's files.
    let mut args: Vec<&str> = vec![&sb, "--labels", labels, "--a"];
    args.extend(fa.iter().map(String::as_str));
    let mixed = compare_json(&args);
    assert_eq!(
        mixed["accuracy"]["difference"],
        study["accuracy"]["difference"]
    );
    assert_eq!(
        mixed["a"]["label"],
        "st/runs/init/0000/logits.npy and 3 more"
    );
}

#[test]
fn bad_inputs_are_named_and_exit_2() {
    let dir = studies();
    let run = |args: &[&str]| {
        let mut all = vec!["compare"];
        all.extend_from_slice(args);
        runvar(dir, &all)
    };
    // Different test sets: 449 examples against 300.
    fails(
        run(&["st:all", "short"]),
        &[
            "A (st:all, labels",
            "B (short, labels",
            "not scored on the same test set",
            "449 labels against 300",
        ],
    );
    fails(
        run(&["st:nope", "st:all"]),
        &["has no condition `nope`", "control, init, all"],
    );
    fails(run(&["st:all", "st:all"]), &["are the same runs"]);
    fails(run(&["nowhere:all", "st:all"]), &["nowhere does not exist"]);
    fails(
        run(&["st/runs:all", "st:all"]),
        &["is not a study directory"],
    );
    fails(
        run(&["st:init", "st:all", "--alpha", "1.5"]),
        &["--alpha 1.5", "between 0 and 1"],
    );
    fails(
        run(&["st:init", "st:all", "--permutations", "0"]),
        &["--permutations"],
    );
    // One run in an arm: a single (n, C) logits file.
    fails(
        run(&[
            "st/runs/all/0000/logits.npy",
            "st:init",
            "--labels",
            "st/runs/init/0000/labels.npy",
        ]),
        &["only one run", "needs at least 2 runs per arm"],
    );
    let tmp = tempfile::tempdir().unwrap();
    // A condition with one finished run, and a study with no `all` and several conditions.
    copy_dir(&dir.join("st"), &tmp.path().join("one"));
    for i in 1..4 {
        fs::remove_dir_all(tmp.path().join(format!("one/runs/init/{i:04}"))).unwrap();
    }
    let study_json = tmp.path().join("one/study.json");
    let mut spec = json(&fs::read_to_string(&study_json).unwrap());
    let conditions = spec["conditions"].as_array_mut().unwrap();
    conditions.retain(|c| c["name"] != "all");
    fs::write(&study_json, spec.to_string()).unwrap();
    let one = tmp.path().join("one");
    let one_init = format!("{}:init", one.display());
    let st_all = dir.join("st").display().to_string() + ":all";
    fails(
        runvar(tmp.path(), &["compare", &one_init, &st_all]),
        &[
            "condition `init`",
            "1 finished, checked run(s) of 4",
            "3 of 4 runs of `init` not finished",
            "at least 2 runs per arm",
        ],
    );
    fails(
        runvar(
            tmp.path(),
            &["compare", &one.display().to_string(), &st_all],
        ),
        &[
            "has no `all` condition and several others (control, init)",
            ":control",
        ],
    );
    // A or B twice, or missing: exit 2 too.
    for args in [
        &["st:init", "--a", "x.npy", "--b", "y.npy"][..],
        &["st:init"][..],
        &[][..],
    ] {
        fails(run(args), &["give A and B once each"]);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn plan_from_a_given_sd_and_from_a_study() {
    let p = json(&ok(runvar(
        studies(),
        &["plan", "--sd", "0.25", "--effect", "0.3", "--json"],
    )));
    assert_eq!(p["sd_source"], "given with --sd");
    // d = 1.2: statsmodels' TTestIndPower().solve_power(1.2, alpha=0.05, power=0.8) gives
    // 11.942, so 12 runs per arm.
    let runs = p["runs_per_arm"]["runs"].as_u64().unwrap();
    assert_eq!(runs, 12);
    let exact = p["runs_per_arm"]["exact_n"].as_f64().unwrap();
    assert!((exact - 11.942_257_679).abs() < 1e-6, "{exact}");
    assert_eq!(p["table"].as_array().unwrap().len(), 5);
    assert!(p["table"][0]["disagreement_interval"].is_null());
    let text = ok(runvar(
        studies(),
        &["plan", "--sd", "0.25", "--effect", "0.3"],
    ));
    assert!(
        text.contains(&format!("runs per arm: {runs} (power ")),
        "{text}"
    );

    let p = json(&ok(runvar(
        studies(),
        &["plan", "--from", "st:all", "--effect", "0.5", "--json"],
    )));
    let acc = report_accuracies("st", "all");
    let m = mean(&acc);
    let sd = (acc.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 3.0).sqrt();
    assert!((p["sd"].as_f64().unwrap() - sd).abs() < 1e-12);
    assert_eq!(p["sd_runs"], 4);
    assert!(p["sd_source"]
        .as_str()
        .unwrap()
        .contains("4 runs of condition `all` of study st"));
    // The projection starts from the study's disagreement matrix: its mean is the report's.
    let report = json(&fs::read_to_string(studies().join("st/report.json")).unwrap());
    let all = report["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "all")
        .unwrap();
    let basis = &p["disagreement"];
    assert!((basis["mean"].as_f64().unwrap() - all["disagreement"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(basis["runs"], 4);
    let rows = p["table"].as_array().unwrap();
    let width = |r: &Value| {
        r["disagreement_interval"]["hi"].as_f64().unwrap()
            - r["disagreement_interval"]["lo"].as_f64().unwrap()
    };
    assert!(width(&rows[0]) > width(&rows[4]), "intervals narrow with N");
    assert!(p["runs_per_arm_at_upper_sd"]["runs"].as_u64() >= p["runs_per_arm"]["runs"].as_u64());
}

#[test]
fn plan_refuses_bad_values() {
    let run = |args: &[&str]| {
        let mut all = vec!["plan"];
        all.extend_from_slice(args);
        runvar(studies(), &all)
    };
    fails(
        run(&["--sd", "0.25", "--effect", "0"]),
        &["--effect 0", "cannot be detected"],
    );
    fails(
        run(&["--sd", "-0.1", "--effect", "0.3"]),
        &["--sd -0.1", "positive"],
    );
    fails(run(&["--sd", "NaN", "--effect", "0.3"]), &["--sd NaN"]);
    fails(
        run(&["--sd", "0.2", "--effect", "0.3", "--alpha", "0"]),
        &["--alpha 0", "between 0 and 1"],
    );
    fails(
        run(&["--sd", "0.2", "--effect", "0.3", "--power", "1"]),
        &["--power 1"],
    );
    fails(run(&["--effect", "0.3"]), &["--sd"]);
    fails(
        run(&["--from", "st:control", "--effect", "0.3"]),
        &["same accuracy (SD 0)"],
    );
    fails(
        run(&["--from", "st/runs", "--effect", "0.3"]),
        &["not a study directory"],
    );
}
