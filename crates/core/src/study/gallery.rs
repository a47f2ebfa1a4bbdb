//! The test inputs of the examples that flip most, for the HTML gallery: loaded through the
//! data module as training loaded them (digits are embedded, MNIST-1D regenerated from its
//! seed, MNIST, Fashion-MNIST and CIFAR-10 read from the spec's data folder). When they cannot
//! be loaded now (the data folder moved, a file changed), the report is still written and the
//! gallery says why it is missing. A language model's examples are tokens: the gallery is the
//! text before each, from the corpus.

use crate::report::{FlipExample, Gallery, GalleryInputs, TextGallery};
use crate::runspec::DatasetName;

use super::StudySpec;

/// The inputs of `examples` in the test set of `study`, checked against the runs' `labels`;
/// [`Gallery::Skipped`] with the reason when they cannot be loaded or do not match.
pub(super) fn gallery(study: &StudySpec, labels: &[i64], examples: &[FlipExample]) -> Gallery {
    if examples.is_empty() {
        return Gallery::Empty;
    }
    let g = if study.run.is_lm() {
        text(study, labels, examples).map(Gallery::Text)
    } else {
        inputs(study, labels, examples).map(Gallery::Inputs)
    };
    g.unwrap_or_else(Gallery::Skipped)
}

/// Characters of context shown before a character-level model's token; words for a word-level
/// one.
const CONTEXT_CHARS: usize = 48;
const CONTEXT_WORDS: usize = 12;

/// A token as the report shows it: a newline as `↵`, a space as `␣`, a tab as `⇥` when it is a
/// one-character token; words as they are.
fn shown(token: &str) -> String {
    match token {
        "\n" => "↵".into(),
        " " => "␣".into(),
        "\t" => "⇥".into(),
        t => t.into(),
    }
}

/// A language model's flipping tokens with the text before each: the window's index `i` is
/// the `i`-th predicted token of the test stream scored in `train.eval_batch_size` columns
/// (column `i / (rows - 1)`, row `1 + i % (rows - 1)`; docs/protocol.md section 4.3).
fn text(
    study: &StudySpec,
    labels: &[i64],
    examples: &[FlipExample],
) -> Result<TextGallery, String> {
    let corpus = match crate::data::prepare_task(&study.run) {
        Ok(crate::data::Task::Text(t)) => t.corpus,
        Ok(_) => return Err("not a text corpus".into()),
        Err(e) => return Err(format!("the corpus could not be loaded: {e}")),
    };
    let test = &corpus.test;
    let columns = study.run.train.eval_batch_size.max(1);
    let rows = test.len() / columns;
    let per_column = rows.saturating_sub(1).max(1);
    let position = |i: usize| (i / per_column) * rows + 1 + i % per_column;
    let changed = labels.len() > per_column * columns
        || labels
            .iter()
            .enumerate()
            .any(|(i, &l)| test.get(position(i)).map(|&t| i64::from(t)) != Some(l));
    if changed {
        return Err(format!(
            "the {} test stream loaded now does not have the runs' labels: the corpus changed \
             since the runs were trained",
            study.run.data.dataset.name()
        ));
    }
    let chars = corpus.level == crate::data::text::Level::Char;
    let contexts = examples
        .iter()
        .map(|e| {
            let end = position(e.index);
            let start = (end / rows) * rows; // a column starts from a zero state
            let take = if chars { CONTEXT_CHARS } else { CONTEXT_WORDS };
            let from = end.saturating_sub(take).max(start);
            let tokens = test[from..end]
                .iter()
                .map(|&t| corpus.vocab[t as usize].as_str());
            if chars {
                // Spaces stay spaces in running text; line ends and tabs are shown.
                tokens
                    .map(|t| if t == " " { t.into() } else { shown(t) })
                    .collect::<String>()
            } else {
                tokens.collect::<Vec<_>>().join(" ")
            }
        })
        .collect();
    Ok(TextGallery {
        class_names: corpus.vocab.iter().map(|t| shown(t)).collect(),
        contexts,
    })
}

fn inputs(
    study: &StudySpec,
    labels: &[i64],
    examples: &[FlipExample],
) -> Result<GalleryInputs, String> {
    let spec = &study.run;
    // Only the test split is wanted: a training limit of 0 keeps CIFAR-10's loader from
    // reading the 50,000 training images (the other loaders read or make both splits).
    let mut test_only = spec.clone();
    test_only.data.train_limit = Some(0);
    let ds = crate::data::load(&test_only)
        .map_err(|e| format!("the test inputs could not be loaded: {e}"))?;
    let len = ds.example_len();
    let test = ds
        .test
        .truncated(spec.data.test_limit.unwrap_or(usize::MAX), len);
    if test.y != labels {
        return Err(format!(
            "the {} test set loaded now ({} examples) does not have the runs' labels ({} \
             examples): the data changed since the runs were trained",
            spec.data.dataset.name(),
            test.len(),
            labels.len()
        ));
    }
    Ok(GalleryInputs {
        channels: ds.channels,
        height: ds.height,
        width: ds.width,
        class_names: class_names(spec.data.dataset),
        examples: examples
            .iter()
            .map(|e| test.x[e.index * len..(e.index + 1) * len].to_vec())
            .collect(),
    })
}

/// The class names of datasets whose classes are not the digits 0 to 9.
fn class_names(d: DatasetName) -> Vec<String> {
    let names: &[&str] = match d {
        DatasetName::FashionMnist => &[
            "T-shirt/top",
            "trouser",
            "pullover",
            "dress",
            "coat",
            "sandal",
            "shirt",
            "sneaker",
            "bag",
            "ankle boot",
        ],
        DatasetName::Cifar10 => &[
            "airplane",
            "automobile",
            "bird",
            "cat",
            "deer",
            "dog",
            "frog",
            "horse",
            "ship",
            "truck",
        ],
        _ => &[],
    };
    names.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flip(index: usize, label: i64) -> FlipExample {
        FlipExample {
            index,
            label,
            modal_share: 0.5,
            votes: vec![[0, 1], [1, 1]],
        }
    }

    #[test]
    fn digits_are_loaded_and_a_missing_folder_is_a_reason() {
        let run = crate::runspec::RunSpec::from_preset("digits-mlp").unwrap();
        let mut study = StudySpec::new(run, 2);
        let ds = crate::data::load(&study.run).unwrap();
        let labels = ds.test.y.clone();
        let g = gallery(&study, &labels, &[flip(3, labels[3]), flip(0, labels[0])]);
        let Gallery::Inputs(g) = g else {
            panic!("{g:?}")
        };
        assert_eq!((g.channels, g.height, g.width), (1, 8, 8));
        assert_eq!(g.examples[0], ds.test.x[3 * 64..4 * 64]);
        assert!(g.class_names.is_empty());
        // Labels that are not the test set's: refused with the reason.
        let Gallery::Skipped(why) = gallery(&study, &labels[1..], &[flip(0, 0)]) else {
            panic!()
        };
        assert!(why.contains("does not have the runs' labels"), "{why}");
        assert_eq!(gallery(&study, &labels, &[]), Gallery::Empty);

        let dir = tempfile::tempdir().unwrap();
        study.run = crate::runspec::RunSpec::from_preset("mnist-mlp").unwrap();
        study.run.data.dir = Some(dir.path().join("gone"));
        let Gallery::Skipped(why) = gallery(&study, &labels, &[flip(0, 0)]) else {
            panic!()
        };
        assert!(
            why.starts_with("the test inputs could not be loaded: ") && why.contains("gone"),
            "{why}"
        );
    }
    #[test]
    fn mnist_and_fashion_come_from_the_data_folder_with_their_class_names() {
        let Some(dir) = crate::testing::real_data("gallery from the data folder") else {
            return;
        };
        for (preset, dataset, names) in [
            ("mnist-mlp", DatasetName::Mnist, 0),
            ("mnist-mlp", DatasetName::FashionMnist, 10),
        ] {
            let mut run = crate::runspec::RunSpec::from_preset(preset).unwrap();
            run.data.dataset = dataset;
            run.data.dir = Some(dir.clone());
            run.data.test_limit = Some(500);
            let full = crate::data::load(&run).unwrap();
            let labels = full.test.y[..500].to_vec();
            let study = StudySpec::new(run, 2);
            let Gallery::Inputs(g) = gallery(&study, &labels, &[flip(499, labels[499])]) else {
                panic!("{dataset:?}")
            };
            assert_eq!((g.channels, g.height, g.width), (1, 28, 28));
            assert_eq!(g.examples[0], full.test.x[499 * 784..500 * 784]);
            assert_eq!(g.class_names.len(), names);
        }
    }

    #[test]
    fn a_language_models_examples_are_the_text_before_them() {
        let run = crate::runspec::RunSpec::from_preset("shakespeare-char-lstm").unwrap();
        let study = StudySpec::new(run, 2);
        // The window as the runs scored it: 10 columns of 4,001 rows, each predicting rows 1..
        let corpus = crate::data::text::shakespeare().unwrap();
        let rows = 40_011 / 10;
        let at = |i: usize| (i / (rows - 1)) * rows + 1 + i % (rows - 1);
        let labels: Vec<i64> = (0..20_000).map(|i| i64::from(corpus.test[at(i)])).collect();
        let picks = [0, 60, rows - 1];
        let examples: Vec<FlipExample> = picks.iter().map(|&i| flip(i, labels[i])).collect();
        let Gallery::Text(t) = gallery(&study, &labels, &examples) else {
            panic!("a text gallery")
        };
        // "THE TWO GENTLEMEN OF VERONA\n\nby William Shakespeare\n\n\n\n\nDRAMATIS": example 0
        // predicts the second character from the first; example 60 the 62nd from the 48 before.
        assert_eq!(t.contexts[0], "T");
        assert_eq!(
            t.contexts[1],
            "EMEN OF VERONA↵↵by William Shakespeare↵↵↵↵↵DRAMA"
        );
        // The first target of column 1 has one token of context: its column starts there.
        assert_eq!(t.contexts[2].chars().count(), 1);
        assert_eq!(t.class_names.len(), 76);
        assert!(
            t.class_names.contains(&"↵".to_string()) && t.class_names.contains(&"␣".to_string())
        );
        // Labels of another stream: the reason, not a wrong context.
        let Gallery::Skipped(why) = gallery(&study, &labels[1..], &examples[..1]) else {
            panic!()
        };
        assert!(why.contains("does not have the runs' labels"), "{why}");
    }
}
