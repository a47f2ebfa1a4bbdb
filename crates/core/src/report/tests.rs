//! Tests of the report renderings on a three-condition fixture (control, `init`, `all`) and on
//! the edge cases the plots must survive.

use super::plots::{accuracy_strip, disagreement_distribution, metric_bars};
use super::{render_html, render_markdown, render_table, ConditionReport, StudyReport};
use crate::stats::Interval;

fn ci(lo: f64, hi: f64) -> Option<Interval> {
    Some(Interval { lo, hi })
}

/// Deterministic values around `center` with spread `scale` (no RNG needed).
fn wiggle(n: usize, center: f64, scale: f64, phase: f64) -> Vec<f64> {
    (0..n)
        .map(|i| center + scale * ((i as f64 * 2.399 + phase).sin() + 0.4 * (i as f64 * 0.7).cos()))
        .collect()
}

fn condition(name: &str, n: usize) -> ConditionReport {
    ConditionReport {
        name: name.to_string(),
        sources: vec![name.to_string()],
        n,
        mean_acc: 91.2345,
        acc_sd: 0.26213,
        acc_sd_err: 0.01987,
        ce_sd: 0.00721,
        ce_sd_err: 0.00049,
        disagreement: 10.7049,
        disagreement_ci: ci(10.52, 10.881),
        correlation: 0.87123,
        correlation_ci: ci(0.8688, 0.8735),
        spearman: 0.85312,
        spearman_ci: ci(0.8511, 0.8549),
        ensemble_gain: 1.8234,
        ensemble_gain_ci: ci(1.7512, 1.8921),
        ensemble_gain_ce: 0.04712,
        ensemble_gain_ce_ci: ci(0.0452, 0.0491),
        cka: Some(0.93456),
        cka_ci: ci(0.9312, 0.9377),
        cka_other: Some(0.95),
        acc_sd_ratio_to_all: Some(0.9312),
        acc_sd_ratio_ci: ci(0.7101, 1.2049),
        disagreement_ratio_to_all: Some(0.9821),
        disagreement_ratio_ci: ci(0.9433, 1.0207),
        same_predictions_as_control: None,
        accuracies: wiggle(n, 91.2345, 0.26, 0.0),
        acc_sd_ratio_p: None,
        acc_sd_ratio_p_holm: None,
        disagreement_ratio_p: None,
        disagreement_ratio_p_holm: None,
        test_set: None,
        class_disagreement: Vec::new(),
        perplexity: None,
        votes: None,
        pairwise_disagreement: wiggle(n * (n - 1) / 2, 10.7, 0.6, 1.0),
        pair_tables: Vec::new(),
    }
}

fn control(n: usize) -> ConditionReport {
    ConditionReport {
        sources: vec![],
        mean_acc: 91.31,
        acc_sd: 0.0,
        acc_sd_err: 0.0,
        ce_sd: 0.0,
        ce_sd_err: 0.0,
        disagreement: 0.0,
        disagreement_ci: ci(0.0, 0.0),
        correlation: 1.0,
        correlation_ci: ci(1.0, 1.0),
        spearman: 1.0,
        spearman_ci: ci(1.0, 1.0),
        ensemble_gain: 0.0,
        ensemble_gain_ci: ci(0.0, 0.0),
        ensemble_gain_ce: -0.0,
        ensemble_gain_ce_ci: ci(0.0, 0.0),
        cka: Some(1.0),
        cka_ci: ci(1.0, 1.0),
        cka_other: Some(1.0),
        acc_sd_ratio_to_all: Some(0.0),
        acc_sd_ratio_ci: ci(0.0, 0.0),
        disagreement_ratio_to_all: Some(0.0),
        disagreement_ratio_ci: ci(0.0, 0.0),
        accuracies: vec![91.31; n],
        pairwise_disagreement: vec![0.0; n * (n - 1) / 2],
        ..condition("control", n)
    }
}

pub(super) fn fixture() -> StudyReport {
    let n = 25;
    let mut init = condition("init", n);
    init.cka = None;
    init.cka_ci = None;
    let mut all = condition("all", n);
    all.mean_acc = 91.1;
    all.acc_sd = 0.2817;
    all.acc_sd_err = 0.0214;
    all.acc_sd_ratio_to_all = Some(1.0);
    all.acc_sd_ratio_ci = None;
    all.disagreement_ratio_to_all = Some(1.0);
    all.accuracies = wiggle(n, 91.1, 0.28, 2.0);
    all.pairwise_disagreement = wiggle(n * (n - 1) / 2, 10.9, 0.7, 3.0);
    StudyReport {
        title: "runvar study: mnist1d-mlp".to_string(),
        task: "MNIST-1D (4,000 train / 1,000 test), MLP 40-256-256-10, SGD 0.1, 30 epochs"
            .to_string(),
        replicas: n,
        cka_estimator: "unbiased".to_string(),
        confidence: 0.95,
        conditions: vec![control(n), init, all],
        notes: vec![
            "The control is bit-identical: every run gives the same logits.".to_string(),
            "Varying only the initialization gives about the spread of varying every source \
             (SD ratio 0.93, 95% CI 0.71 to 1.20), as in the paper's Table 1, where every source \
             alone and a one-ULP bit flip give the same accuracy SD within error."
                .to_string(),
        ],
        environment: "runvar 0.1.0, 2 threads, x86_64, libtorch 2.9.0 (CPU)".to_string(),
        mitigations: Vec::new(),
        runs_csv: String::new(),
        ..StudyReport::default()
    }
}

/// The line of `text` that starts with `name` followed by a space.
fn row<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' '))
        })
        .unwrap_or_else(|| panic!("no row for {name} in\n{text}"))
}

#[test]
fn pair_tables_unfold_to_symmetric_matrices() {
    let t = super::PairTable {
        metric: "disagreement",
        upper: vec![1.0, 2.0, 3.0],
        diagonal: 0.0,
    };
    // Pairs (0,1) = 1, (0,2) = 2, (1,2) = 3, as scipy's squareform unfolds them.
    assert_eq!(
        t.square(3),
        vec![0.0, 1.0, 2.0, 1.0, 0.0, 3.0, 2.0, 3.0, 0.0]
    );
}

#[test]
fn table_has_one_row_per_condition_with_rounded_numbers() {
    let t = render_table(&fixture());
    let init = row(&t, "init");
    for want in [
        "25",
        "91.23",
        "0.262 ± 0.020",
        "0.0072 ± 0.0005",
        "10.70",
        "0.8712",
    ] {
        assert!(init.contains(want), "{want:?} missing in {init:?}");
    }
    for want in ["0.8531", "1.82", "0.0471", "0.93 [0.71, 1.20]"] {
        assert!(init.contains(want), "{want:?} missing in {init:?}");
    }
    // CKA is None for init: a lone `-` cell.
    assert!(init.split_whitespace().any(|c| c == "-"), "{init:?}");
    let control = row(&t, "control");
    for want in [
        "0.000 ± 0.000",
        "0.0000 ± 0.0000",
        "0.00",
        "1.0000",
        "0.00 [0.00, 0.00]",
    ] {
        assert!(control.contains(want), "{want:?} missing in {control:?}");
    }
    assert!(
        !control.contains("-0.0"),
        "negative zero printed: {control:?}"
    );
    let all = row(&t, "all");
    assert!(all.contains("0.282 ± 0.021 "), "{all:?}");
    assert!(
        all.contains(" 1.00  "),
        "SD/all without an interval: {all:?}"
    );
    assert!(
        init.trim_end().ends_with("0.98 [0.94, 1.02]"),
        "dis/all with its interval, last: {init:?}"
    );
}

#[test]
fn table_layout_is_plain_and_aligned() {
    let r = fixture();
    let t = render_table(&r);
    assert!(!t.contains('\x1b'), "no ANSI escapes");
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[0], r.title);
    assert_eq!(lines[1], r.task);
    let header = lines
        .iter()
        .position(|l| l.starts_with("condition"))
        .expect("header");
    let rule = lines[header + 1];
    assert!(rule.chars().all(|c| c == '-' || c == ' '), "{rule:?}");
    // Right-aligned numeric columns: every row ends where the rule ends or earlier, and the
    // `n` column ends at the same character in the header and each row.
    let n_end = lines[header].find(" n ").expect("n column") + 2;
    for l in &lines[header + 2..header + 2 + r.conditions.len()] {
        let chars: Vec<char> = l.chars().collect();
        assert!(
            chars[n_end - 1].is_ascii_digit() && chars[n_end] == ' ',
            "{l:?}"
        );
    }
    for l in &lines {
        assert!(!l.ends_with(' '), "trailing space: {l:?}");
    }
    // Notes are wrapped at 100 columns, as bullets.
    let notes: Vec<&&str> = lines.iter().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(notes.len(), 2);
    let after = &lines[header + 2 + r.conditions.len()..];
    assert!(after.iter().all(|l| l.chars().count() <= 100), "{after:?}");
}

#[test]
fn table_shows_dashes_for_missing_and_undefined_values() {
    let mut r = fixture();
    let c = &mut r.conditions[1];
    c.n = 1;
    c.disagreement = f64::NAN;
    c.correlation = f64::NAN;
    c.acc_sd_ratio_to_all = None;
    let t = render_table(&r);
    let init = row(&t, "init");
    assert!(!init.contains("NaN"), "{init:?}");
    assert!(
        init.split_whitespace().filter(|c| *c == "-").count() >= 4,
        "{init:?}"
    );
    assert!(render_table(&StudyReport {
        conditions: vec![],
        ..r
    })
    .contains("(no conditions)"));
}

#[test]
fn markdown_has_a_pipe_table_with_one_row_per_condition() {
    let r = fixture();
    let md = render_markdown(&r);
    assert!(md.starts_with("# runvar study: mnist1d-mlp\n"));
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table.len(), 2 + r.conditions.len(), "{md}");
    let cols = table[0].matches('|').count();
    assert!(
        table.iter().all(|l| l.matches('|').count() == cols),
        "{table:?}"
    );
    assert!(
        table[0].contains("condition") && table[0].contains("95% CI"),
        "{}",
        table[0]
    );
    assert!(
        table[1].contains("---:"),
        "numbers right-aligned: {}",
        table[1]
    );
    for c in &r.conditions {
        assert!(table[2..]
            .iter()
            .any(|l| l.starts_with(&format!("| {} ", c.name))));
    }
    let init = table
        .iter()
        .find(|l| l.starts_with("| init "))
        .expect("init row");
    assert!(
        init.contains("0.262 ± 0.020") && init.contains("[10.52, 10.88]"),
        "{init}"
    );
    assert!(md.contains("\n## Notes\n\n- The control is bit-identical"));
    assert!(md.contains("Environment: runvar 0.1.0"));
    assert!(md.contains("## How to read this") && md.contains("0 / 0 / 0 / 1 / 0"));
    assert!(md.contains("member cross-entropy minus ensemble cross-entropy"));
}

#[test]
fn markdown_escapes_condition_names() {
    let mut r = fixture();
    r.conditions[1].name = "a|b <i>".to_string();
    r.conditions[2].name = "bit_flip".to_string();
    let md = render_markdown(&r);
    assert!(md.contains("| a\\|b \\<i\\> "), "{md}");
    assert!(md.contains("| bit_flip "), "{md}");
}

#[test]
fn html_is_self_contained_and_escapes_names() {
    let mut r = fixture();
    r.conditions[1].name = "<script>alert(1)</script>".to_string();
    r.notes
        .push("a note with <b>markup</b> & \"quotes\"".to_string());
    let html = render_html(&r);
    let lower = html.to_lowercase();
    for bad in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "<link",
        "@import",
    ] {
        assert!(!lower.contains(bad), "external resource {bad:?}");
    }
    assert!(!lower.contains("http://") && !lower.contains("https://"));
    assert!(!html.contains("<script"), "unescaped user text");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("a note with &lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot;"));
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<style>"));
    assert!(html.matches("<svg").count() >= 3);
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert_eq!(html.matches("<figcaption>").count(), 3);
    assert!(html.contains("0.262 ± 0.020") && html.contains("[10.52, 10.88]"));
}

/// Every plot of `r` is a complete SVG and none reports a drawing failure.
fn assert_plots_ok(r: &StudyReport) {
    for svg in [
        metric_bars(r),
        accuracy_strip(r),
        disagreement_distribution(r),
    ] {
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{svg}"
        );
        assert!(!svg.contains("plot failed"), "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}

#[test]
fn plots_survive_edge_cases() {
    let base = fixture();
    assert_plots_ok(&base);

    // A single condition with a single run: no pairs, undefined pairwise metrics.
    let mut one = condition("init", 1);
    one.pairwise_disagreement.clear();
    for v in [
        &mut one.acc_sd_err,
        &mut one.disagreement,
        &mut one.correlation,
    ] {
        *v = f64::NAN;
    }
    one.disagreement_ci = None;
    assert_plots_ok(&StudyReport {
        conditions: vec![one],
        ..base.clone()
    });

    // Two runs, one pair; the control alone (every value identical, zero range).
    let two = condition("shuffle", 2);
    assert_eq!(two.pairwise_disagreement.len(), 1);
    assert_plots_ok(&StudyReport {
        conditions: vec![two],
        ..base.clone()
    });
    assert_plots_ok(&StudyReport {
        conditions: vec![control(5)],
        ..base.clone()
    });

    // NaN everywhere it can be, and infinities.
    let mut nan = condition("augment", 4);
    nan.accuracies[1] = f64::NAN;
    nan.accuracies[2] = f64::INFINITY;
    nan.pairwise_disagreement[0] = f64::NAN;
    nan.mean_acc = f64::NAN;
    nan.acc_sd = f64::NAN;
    nan.ensemble_gain_ci = ci(f64::NAN, 2.0);
    let mut all_nan = condition("dropout", 3);
    all_nan.accuracies = vec![f64::NAN; 3];
    all_nan.pairwise_disagreement = vec![f64::NAN; 3];
    assert_plots_ok(&StudyReport {
        conditions: vec![nan, all_nan.clone()],
        ..base.clone()
    });
    assert_plots_ok(&StudyReport {
        conditions: vec![all_nan],
        ..base.clone()
    });

    // No conditions at all; no pairs anywhere; many conditions with long names.
    assert_plots_ok(&StudyReport {
        conditions: vec![],
        ..base.clone()
    });
    let mut no_pairs = base.clone();
    no_pairs
        .conditions
        .iter_mut()
        .for_each(|c| c.pairwise_disagreement.clear());
    assert_plots_ok(&no_pairs);
    assert_plots_ok(&long_names());

    // Float noise instead of exact zeros, a huge spread, and many conditions.
    let mut tiny = control(4);
    tiny.acc_sd = 1e-13;
    tiny.accuracies[0] += 1e-12;
    let mut huge = condition("huge", 3);
    huge.accuracies = vec![-1e300, 0.0, 1e300];
    assert_plots_ok(&StudyReport {
        conditions: vec![tiny, huge],
        ..base.clone()
    });
    let many = (0..30).map(|i| condition(&format!("c{i}"), 3)).collect();
    assert_plots_ok(&StudyReport {
        conditions: many,
        ..base
    });
}

#[test]
fn plots_abbreviate_long_names_and_keep_colors() {
    let r = long_names();
    let svg = metric_bars(&r);
    assert!(svg.contains("rotate(270"), "long labels are rotated");
    assert!(svg.contains('…'), "long labels are abbreviated");
    let short = metric_bars(&fixture());
    // Short names stay whole and horizontal.
    assert!(short.contains(">\ninit\n</text>") && !short.contains("rotate("));
    // The first condition's color is the same in every plot.
    let blue = "#0072B2";
    for svg in [
        short,
        accuracy_strip(&fixture()),
        disagreement_distribution(&fixture()),
    ] {
        assert!(svg.to_uppercase().contains(blue), "condition color missing");
    }
}

fn long_names() -> StudyReport {
    let names = [
        "control",
        "init",
        "init+shuffle+augment+dropout",
        "all",
        "bit_flip (conv1, one ULP)",
        "snapshot ensemble + flip-crop81 TTA",
        "low_level",
        "shuffle",
        "augment",
    ];
    let conditions = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut c = condition(n, 12);
            c.accuracies = wiggle(12, 91.0 + 0.1 * i as f64, 0.3, i as f64);
            c
        })
        .collect();
    StudyReport {
        conditions,
        ..fixture()
    }
}

/// Writes the three renderings of the fixture (and of a study with long names) to
/// `$TMPDIR/report-demo/` for a human to look at: `cargo test -p runvar-core -- --ignored
/// writes_demo_files`. It asserts nothing, so it does not run by default.
#[test]
#[ignore = "writes demo files for a person to look at; asserts nothing"]
fn writes_demo_files() {
    let dir = std::env::temp_dir().join("report-demo");
    std::fs::create_dir_all(&dir).expect("create the demo directory");
    let r = fixture();
    let files = [
        ("report.txt", render_table(&r)),
        ("report.md", render_markdown(&r)),
        ("report.html", render_html(&r)),
        ("report-long-names.html", render_html(&long_names())),
        ("metrics.svg", metric_bars(&r)),
        ("accuracy.svg", accuracy_strip(&r)),
        ("disagreement.svg", disagreement_distribution(&r)),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write a demo file");
    }
}

#[test]
fn number_formatting_helpers() {
    use super::table::{confidence_label, plus_minus, with_interval};
    use crate::render::text::{num, wrap};
    assert_eq!(num(-0.0001, 2), "0.00");
    assert_eq!(num(-0.006, 2), "-0.01");
    assert_eq!(num(f64::NAN, 2), "-");
    assert_eq!(num(f64::INFINITY, 2), "-");
    assert_eq!(plus_minus(0.26213, f64::NAN, 3), "0.262");
    assert_eq!(
        with_interval(Some(0.93), ci(0.71, 1.2), 2),
        "0.93 [0.71, 1.20]"
    );
    assert_eq!(with_interval(None, ci(0.71, 1.2), 2), "-");
    assert_eq!(confidence_label(0.95), "95%");
    assert_eq!(confidence_label(0.975), "97.5%");
    assert_eq!(confidence_label(f64::NAN), "CI");
    let lines = wrap(&"word ".repeat(50), 30, "- ", "  ");
    assert!(lines.iter().all(|l| l.chars().count() <= 30));
    assert!(lines[0].starts_with("- word") && lines[1].starts_with("  word"));
}
