//! Rendering of the instability report: a fixture shaped like a real run (two twins growing
//! exponentially and saturating, a no-flip twin at exactly 0, an independent run at the
//! saturation level), and the edge cases none of the renderers may panic on.

use super::*;

/// Recorded steps: log-spaced early, then every 20 steps (an epoch is 20 steps), 20 in all.
const STEPS: [usize; 20] = [
    0, 1, 2, 3, 5, 8, 12, 18, 25, 35, 50, 65, 80, 100, 120, 140, 160, 180, 190, 200,
];
const NORM: f64 = 20.0;
const FLIP_REL: f64 = 1e-8;

/// Logistic growth from `FLIP_REL` at step 0 to `top`, rate `k` per step.
fn logistic(k: f64, top: f64) -> Vec<f64> {
    STEPS
        .iter()
        .map(|&t| top / (1.0 + (top / FLIP_REL - 1.0) * (-k * t as f64).exp()))
        .collect()
}

/// A followed run whose relative distance is `rel`; everything else derived from it.
fn curve(label: &str, kind: TwinKind, rel: Vec<f64>) -> Curve {
    let scale = |f: f64| rel.iter().map(|d| d * f).collect::<Vec<f64>>();
    Curve {
        label: label.to_string(),
        kind,
        steps: STEPS.to_vec(),
        param_distance: scale(NORM),
        per_layer: vec![
            ("fc1.weight".to_string(), scale(0.8 * NORM)),
            ("fc2.weight".to_string(), scale(0.2 * NORM)),
        ],
        per_layer_rel: Vec::new(),
        logit_distance: scale(6.0),
        disagreement: rel.iter().map(|d| (40.0 * d).min(100.0)).collect(),
        param_distance_rel: rel,
    }
}

fn fixture() -> InstabilityReport {
    let twins = [logistic(0.15, 0.3), logistic(0.14, 0.31)];
    let independent: Vec<f64> = (0..STEPS.len())
        .map(|i| 0.35 + 0.01 * (i as f64 * 0.7).sin())
        .collect();
    let curves = vec![
        curve("flip 1", TwinKind::BitFlip, twins[0].clone()),
        curve("flip 2", TwinKind::BitFlip, twins[1].clone()),
        curve("no flip", TwinKind::NoFlip, vec![0.0; STEPS.len()]),
        curve("seed 1", TwinKind::Independent, independent.clone()),
    ];
    let mean: Vec<f64> = (0..STEPS.len())
        .map(|i| 0.5 * (curves[0].param_distance[i] + curves[1].param_distance[i]))
        .collect();
    let twin_level = 0.5 * (twins[0][19] + twins[1][19]);
    InstabilityReport {
        title: "runvar instability: mnist1d-mlp".to_string(),
        task: "MNIST-1D, MLP 2x256, SGD lr 0.1, 10 epochs".to_string(),
        steps_per_epoch: 20,
        growth: fit_growth(&STEPS, &mean),
        saturation_step: saturation_step(&STEPS, &mean),
        initial_norm: NORM,
        flip_sizes: vec![FLIP_REL * NORM; 2],
        twin_level,
        independent_level: Some(independent[19]),
        twin_disagreement: 40.0 * twin_level,
        independent_disagreement: Some(40.0 * independent[19]),
        condition_number: condition_number_bound(FLIP_REL, twin_level),
        condition_number_basis: "L2 norm over all trainable parameters; median over 2 twins."
            .to_string(),
        notes: vec!["The no-flip twin stayed at exactly 0: training is deterministic.".into()],
        curves,
    }
}

/// The line of `text` that starts with `start`.
fn line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?} in\n{text}"))
}

#[test]
fn fixture_growth_is_found() {
    let r = fixture();
    let g = r.growth.as_ref().expect("the twins grow exponentially");
    // Logistic growth at 0.15 and 0.14 per step: the early slope of the mean is between.
    assert!((0.13..0.16).contains(&g.rate_per_step), "{g:?}");
    assert!(g.r_squared > 0.99, "{g:?}");
    assert_eq!(g.window.0, 1);
    assert!(r.saturation_step.is_some());
}

#[test]
fn table_has_one_row_per_run_and_the_findings() {
    let r = fixture();
    let t = render_instability_table(&r);
    assert!(
        t.starts_with("runvar instability: mnist1d-mlp\nMNIST-1D"),
        "{t}"
    );
    let header = line(&t, "run  ");
    for h in [
        "kind",
        "param dist",
        "rel. dist",
        "logit dist",
        "disagree %",
    ] {
        assert!(header.contains(h), "{header}");
    }
    for label in ["flip 1", "flip 2", "no flip", "seed 1"] {
        line(&t, label);
    }
    let g = r.growth.as_ref().unwrap();
    let rate = line(&t, "growth rate");
    // 3 significant digits (the rate is between 0.1 and 1).
    assert!(
        rate.contains(&format!("{:.3} per step", g.rate_per_step)),
        "{rate}"
    );
    assert!(
        t.contains(&format!("steps {} to {}", g.window.0, g.window.1)),
        "{t}"
    );
    assert!(t.contains("r² "), "{t}");
    assert!(t.contains("doubling every"), "{t}");
    let s = r.saturation_step.unwrap();
    let sat = line(&t, "saturation");
    assert!(
        sat.contains(&format!("step {s} (epoch {:.1})", s as f64 / 20.0)),
        "{sat}"
    );
    let flat = t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("; independent runs 0.357, 14.27% (twins at 86%"),
        "{t}"
    );
    assert!(line(&t, "condition number").contains("at least 3.0"), "{t}");
    assert!(t.contains("median over 2 twins"), "{t}");
    assert!(t.contains("- The no-flip twin stayed at exactly 0"), "{t}");
    assert!(!t.contains('\x1b'));
    assert!(t
        .lines()
        .all(|l| l.chars().count() <= 100 && l == l.trim_end()));
}

#[test]
fn table_columns_are_aligned() {
    let t = render_instability_table(&fixture());
    let rows: Vec<&str> = t
        .lines()
        .skip_while(|l| !l.starts_with("run  "))
        .take(6)
        .collect();
    assert!(rows[1].starts_with("---"));
    // Right-aligned numbers: every row ends at the same column.
    let len = rows[0].chars().count();
    assert!(rows.iter().all(|r| r.chars().count() == len), "{rows:#?}");
}

#[test]
fn markdown_has_a_table_findings_and_how_to_read() {
    let mut r = fixture();
    r.curves[0].label = "flip |1| <b>".to_string();
    let md = render_instability_markdown(&r);
    assert!(
        md.starts_with("# runvar instability: mnist1d-mlp\n\nMNIST-1D"),
        "{md}"
    );
    assert!(md.contains("\n| run "), "{md}");
    assert!(
        md.contains(" | ----------- | ---------: | --------: |"),
        "{md}"
    );
    assert!(md.contains("flip \\|1\\| \\<b\\>"), "{md}");
    assert!(md.contains("- **growth rate**: "), "{md}");
    assert!(md.contains("## How to read this"), "{md}");
    assert!(md.contains("## Notes"), "{md}");
    // Every table row has the same number of cells.
    let pipes: Vec<usize> = md
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.replace("\\|", "").matches('|').count())
        .collect();
    assert_eq!(pipes.len(), 6);
    assert!(pipes.iter().all(|&n| n == 7), "{pipes:?}");
}

#[test]
fn html_is_self_contained_with_plots_and_escapes_labels() {
    let mut r = fixture();
    r.curves[1].label = "<b>flip 2</b>".to_string();
    r.notes.push("a & b <script>".to_string());
    let html = render_instability_html(&r);
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("<script") && !html.contains("<b>flip"));
    assert!(html.contains("&lt;b&gt;flip 2&lt;/b&gt;"));
    assert!(html.contains("a &amp; b &lt;script&gt;"));
    assert!(html.matches("<svg").count() >= 3, "plots missing");
    assert_eq!(html.matches("<figure>").count(), 4);
    assert!(html.contains("identically 0"));
    assert!(html.contains("fit: "));
    assert!(html.contains("independent level"));
    assert!(html.contains("How to read this"));
    assert!(!html.contains("plot failed"));
    // The no-flip zeros (20) and nothing else are left off the log axis of figure 1.
    assert!(html.contains("(20 points here)"), "caption");
}

#[test]
fn curves_svg_is_standalone() {
    let svg = curves_svg(&fixture());
    assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
    assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains("relative parameter distance"));
    assert!(svg.contains("1e-8"), "decade tick labels");
    assert!(!svg.contains("plot failed"));
}

/// Every renderer on `r`: no panic, no drawing error, the title in each.
fn assert_renders(r: &InstabilityReport) {
    let table = render_instability_table(r);
    let md = render_instability_markdown(r);
    let html = render_instability_html(r);
    let svg = curves_svg(r);
    assert!(table.contains(&r.title) && md.contains("## Findings"));
    assert!(html.contains("</html>") && svg.starts_with("<svg"));
    assert!(!html.contains("plot failed"), "{html}");
    assert!(!html.contains("http://") && !html.contains("NaN"), "{html}");
}

#[test]
fn renders_edge_cases_without_panicking() {
    // No curves at all.
    let mut r = fixture();
    r.curves.clear();
    r.growth = None;
    r.saturation_step = None;
    r.independent_level = None;
    r.independent_disagreement = None;
    r.condition_number = None;
    r.notes.clear();
    assert_renders(&r);
    assert!(render_instability_table(&r).contains("(no runs)"));
    assert!(render_instability_table(&r).contains("no fit"));

    // Curves with empty series.
    let mut r = fixture();
    for c in &mut r.curves {
        c.steps.clear();
        c.param_distance.clear();
        c.param_distance_rel.clear();
        c.logit_distance.clear();
        c.disagreement.clear();
        c.per_layer.clear();
    }
    assert_renders(&r);

    // All zeros: nothing can go on a log axis.
    let mut r = fixture();
    for c in &mut r.curves {
        let zeros = vec![0.0; c.steps.len()];
        c.param_distance = zeros.clone();
        c.param_distance_rel = zeros.clone();
        c.logit_distance = zeros.clone();
        c.disagreement = zeros.clone();
        for layer in &mut c.per_layer {
            layer.1 = zeros.clone();
        }
    }
    r.twin_level = 0.0;
    assert_renders(&r);
    assert!(render_instability_html(&r).contains("nothing to draw"));

    // A single recorded step, at step 0.
    let mut r = fixture();
    for c in &mut r.curves {
        c.steps.truncate(1);
        c.param_distance.truncate(1);
        c.param_distance_rel.truncate(1);
        c.logit_distance.truncate(1);
        c.disagreement.truncate(1);
        for layer in &mut c.per_layer {
            layer.1.truncate(1);
        }
    }
    r.steps_per_epoch = 0;
    assert_renders(&r);

    // NaN and infinity everywhere they can be.
    let mut r = fixture();
    r.curves[0].param_distance_rel[5] = f64::NAN;
    r.curves[0].logit_distance[3] = f64::INFINITY;
    r.curves[1].disagreement[4] = f64::NAN;
    r.curves[1].per_layer[0].1[2] = f64::NEG_INFINITY;
    r.curves[3].param_distance = vec![f64::NAN; STEPS.len()];
    r.twin_level = f64::NAN;
    r.twin_disagreement = f64::NAN;
    r.independent_level = Some(f64::NAN);
    r.condition_number = Some(f64::INFINITY);
    r.initial_norm = f64::NAN;
    assert_renders(&r);
    let t = render_instability_table(&r);
    assert!(
        line(&t, "level").starts_with("level             twins -"),
        "{t}"
    );

    // No bit-flip twin, and no-flip runs that are not 0 (nondeterminism).
    let mut r = fixture();
    r.curves.retain(|c| c.kind != TwinKind::BitFlip);
    r.curves[0].param_distance_rel[7] = 1e-6;
    assert_renders(&r);
    assert!(render_instability_html(&r).contains("no bit-flip twin"));

    // Lengths that do not match the steps; many layers and long labels.
    let mut r = fixture();
    r.curves[0].disagreement.truncate(3);
    r.curves[1].steps.truncate(4);
    r.curves[0].label = "x".repeat(200);
    r.curves[0].per_layer = (0..40)
        .map(|i| (format!("layer{i}.weight"), vec![1e-3 * (i + 1) as f64; 20]))
        .collect();
    assert_renders(&r);
    assert!(render_instability_html(&r).contains("more"));
}

#[test]
fn number_formatting() {
    let t = render_instability_table(&fixture());
    // flip 1 ends at relative distance 0.300 (logistic at step 200 is 0.3 to 1e-5): parameter
    // distance 20 times that, logit distance 6 times, disagreement 40 times, in %.
    assert_eq!(
        line(&t, "flip 1"),
        "flip 1   bit flip           6.00      0.300        1.80       12.00"
    );
    assert_eq!(
        line(&t, "no flip"),
        "no flip  no flip               0          0           0        0.00"
    );
    assert!(
        line(&t, "condition number").contains("at least 3.05e7."),
        "{t}"
    );
}

/// Writes `$TMPDIR/instability-demo/` for a person to look at: `cargo test -p runvar-core
/// --lib instability:: -- --ignored`.
#[test]
#[ignore = "writes demo files for a person to look at; asserts nothing"]
fn writes_demo_files() {
    let dir = std::env::temp_dir().join("instability-demo");
    std::fs::create_dir_all(&dir).expect("create the demo directory");
    let r = fixture();
    // The same with the twins' last half at 0 and a NaN: what the edge cases look like.
    let mut odd = fixture();
    for c in &mut odd.curves[..2] {
        c.param_distance_rel[10..].fill(0.0);
        c.logit_distance[4] = f64::NAN;
    }
    let files = [
        ("odd.html", render_instability_html(&odd)),
        ("report.html", render_instability_html(&r)),
        ("report.md", render_instability_markdown(&r)),
        ("table.txt", render_instability_table(&r)),
        ("instability.svg", curves_svg(&r)),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write a demo file");
    }
    println!("demo in {}", dir.display());
}
