//! The report's sections on single test examples (the test-set table, the per-class table,
//! the gallery of the examples that flip most) and the multiple-comparison captions.

use super::tests::fixture;
use super::{
    render_html, render_markdown, render_table, FlipExample, Flips, Gallery, GalleryInputs,
    MultipleComparisons, StudyReport, TestSetSpread,
};

/// The fixture with 25 flipping examples (index `7 k + 3`, label `k % 10`, votes split three
/// ways), the test-set numbers, per-class disagreement, and Holm's adjustment.
fn with_examples(gallery: Gallery) -> StudyReport {
    let mut r = fixture();
    for (i, c) in r.conditions.iter_mut().enumerate() {
        c.test_set = Some(TestSetSpread {
            binomial_sd: 0.2 + 0.01 * i as f64,
            acc_sd_over_binomial: Some(1.25),
            always_right: 80.5,
            always_wrong: 7.25,
            flipping: 12.25,
        });
        c.class_disagreement = vec![Some(1.25), None, Some(30.0)];
        c.acc_sd_ratio_p_holm = (c.name == "init").then_some(0.4321);
    }
    r.multiple_comparisons = Some(MultipleComparisons {
        method: "holm".into(),
        p_value: "two-sided bootstrap".into(),
        alpha: 0.05,
        acc_sd_ratio_comparisons: 7,
        disagreement_ratio_comparisons: 6,
    });
    r.flips = Some(Flips {
        condition: "all".into(),
        runs: 25,
        ranking: "lowest modal share first".into(),
        unanimous: 64.6,
        examples: (0..25)
            .map(|k| FlipExample {
                index: 7 * k + 3,
                label: (k % 10) as i64,
                modal_share: 0.44,
                votes: vec![[k % 10, 11], [(k + 1) % 10, 9], [(k + 2) % 10, 5]],
            })
            .collect(),
    });
    r.gallery = gallery;
    r
}

fn inputs(channels: usize, height: usize, width: usize, names: &[&str]) -> Gallery {
    let len = channels * height * width;
    Gallery::Inputs(GalleryInputs {
        channels,
        height,
        width,
        class_names: names.iter().map(|s| s.to_string()).collect(),
        examples: (0..25)
            .map(|k| (0..len).map(|v| ((v * 7 + k) % 17) as f32 / 16.0).collect())
            .collect(),
    })
}

#[test]
fn the_gallery_shows_25_examples_with_label_and_vote() {
    let html = render_html(&with_examples(inputs(1, 8, 8, &[])));
    assert_eq!(html.matches("<div class=\"flip\">").count(), 25, "{html}");
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), 25);
    for k in 0..25 {
        let (index, label) = (7 * k + 3, k % 10);
        let item = format!(
            "<b>#{index}</b> label {label}<br><span class=\"vote\">{label}: 11, {}: 9, {}: 5</span>",
            (k + 1) % 10,
            (k + 2) % 10
        );
        assert!(html.contains(&item), "{item} missing");
    }
    assert!(html.contains("<h2>Examples that flip most</h2>"));
    assert!(html.contains("The 25 test examples on which the 25 runs of all split most"));
    // Still self-contained: nothing fetched.
    assert!(!html.contains("http://") && !html.contains("https://"));

    // 1-D signals are line plots; RGB images carry class names in the label.
    let signals = render_html(&with_examples(inputs(1, 1, 40, &[])));
    assert_eq!(signals.matches("<svg class=\"thumb\"").count(), 25);
    assert!(!signals.contains("data:image/png"));
    let names = [
        "airplane", "auto", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ];
    let rgb = render_html(&with_examples(inputs(3, 32, 32, &names)));
    assert!(rgb.contains("<b>#24</b> label 3 (cat)<br>"), "{rgb}");
    assert!(rgb.contains("width=\"96\" height=\"96\""));
}

#[test]
fn a_gallery_without_inputs_says_why_and_still_lists_the_examples() {
    let why = "the test inputs could not be loaded: /gone: no MNIST test images found";
    let r = with_examples(Gallery::Skipped(why.into()));
    let html = render_html(&r);
    assert!(
        html.contains(&format!("The gallery was skipped: {why}.")),
        "{html}"
    );
    assert_eq!(html.matches("<div class=\"flip\">").count(), 0);
    assert!(html.contains("<td class=\"num\">171</td><td class=\"num\">4</td><td class=\"name\">4: 11, 5: 9, 6: 5</td>"));
    let md = render_markdown(&r);
    assert!(md.contains(&format!("was skipped: {why}.")), "{md}");
    assert!(
        md.lines()
            .any(|l| l.trim_start_matches(['|', ' ']).starts_with("171 |")
                && l.ends_with(" 4: 11, 5: 9, 6: 5 |")),
        "{md}"
    );
    // Nothing flips: one sentence, no gallery.
    let mut none = with_examples(Gallery::Empty);
    none.flips.as_mut().unwrap().examples.clear();
    let html = render_html(&none);
    assert!(html.contains("no example flips") && !html.contains("class=\"gallery\""));
}

#[test]
fn the_test_set_and_class_tables_appear_in_every_rendering() {
    let r = with_examples(Gallery::Empty);
    let t = render_table(&r);
    assert!(t.contains("binom SD  SD/binom  always right %"), "{t}");
    let init = t
        .lines()
        .find(|l| l.starts_with("init ") && l.contains("80.5"))
        .expect("init row of the test-set table");
    assert_eq!(
        init.split_whitespace().collect::<Vec<_>>(),
        ["init", "0.262", "0.210", "1.25", "80.5", "7.2", "12.2"]
    );
    assert!(t.lines().all(|l| !l.ends_with(' ')));
    let md = render_markdown(&r);
    assert!(md.contains("## How much of the spread is the test set's"));
    let cells = |l: &str| -> Vec<String> {
        l.split('|')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect()
    };
    let section = |title: &str| {
        md.split(title)
            .nth(1)
            .unwrap_or_else(|| panic!("{title} missing: {md}"))
    };
    let test_set = section("## How much of the spread is the test set's");
    let row = test_set.lines().find(|l| l.starts_with("| init ")).unwrap();
    assert_eq!(
        cells(row),
        ["init", "0.262", "0.210", "1.25", "80.5", "7.2", "12.2"]
    );
    let classes = section("## Disagreement per class");
    assert_eq!(
        cells(
            classes
                .lines()
                .find(|l| l.starts_with("| condition"))
                .unwrap()
        ),
        ["condition", "0", "1", "2"]
    );
    let row = classes.lines().find(|l| l.starts_with("| init ")).unwrap();
    assert_eq!(cells(row), ["init", "1.2", "-", "30.0"]);
    let html = render_html(&r);
    assert!(html.contains("<b>Table 2.</b> How much of the spread"));
    assert!(html.contains("<b>Table 3.</b> Disagreement per true class"));
    assert!(html.contains("<th>binom SD</th>"));
}

#[test]
fn holm_is_named_in_the_legend_the_caption_and_the_ratio_cells() {
    let r = with_examples(Gallery::Empty);
    let sentence = "adjusted for multiple comparisons with Holm's step-down method";
    assert!(render_table(&r).replace('\n', " ").contains(sentence));
    assert!(render_markdown(&r).contains(sentence));
    let html = render_html(&r);
    assert!(html.contains(
        "its p-value adjusted for multiple comparisons by Holm&#39;s step-down method \
         (two-sided bootstrap p-values, over the 7 and 6 conditions compared): the notes \
         flag a ratio only when it is below 0.05."
    ));
    assert_eq!(html.matches("Holm p 0.432</span>").count(), 1);
    // Without the adjustment, none of it.
    let plain = render_html(&fixture());
    assert!(!plain.contains("Holm") && !plain.contains("Table 2."));
}
