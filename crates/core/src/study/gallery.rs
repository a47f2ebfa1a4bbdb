//! The test inputs of the examples that flip most, for the HTML gallery: loaded through the
//! data module as training loaded them (digits are embedded, MNIST-1D regenerated from its
//! seed, MNIST, Fashion-MNIST and CIFAR-10 read from the spec's data folder). When they cannot
//! be loaded now (the data folder moved, a file changed), the report is still written and the
//! gallery says why it is missing.

use crate::report::{FlipExample, Gallery, GalleryInputs};
use crate::runspec::DatasetName;

use super::StudySpec;

/// The inputs of `examples` in the test set of `study`, checked against the runs' `labels`;
/// [`Gallery::Skipped`] with the reason when they cannot be loaded or do not match.
pub(super) fn gallery(study: &StudySpec, labels: &[i64], examples: &[FlipExample]) -> Gallery {
    if examples.is_empty() {
        return Gallery::Empty;
    }
    match inputs(study, labels, examples) {
        Ok(g) => Gallery::Inputs(g),
        Err(why) => Gallery::Skipped(why),
    }
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
}
