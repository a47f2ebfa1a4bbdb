//! What a spec trains on: labelled examples (a classifier) or a tokenized corpus (a language
//! model), loaded and ready.

use super::text::{self, Corpus};
use super::{prepare, DataError, Prepared};
use crate::runspec::{DatasetName, RunSpec};

/// The data of one spec, ready for training.
#[derive(Debug, Clone)]
pub enum Task {
    /// A classification dataset, normalized.
    Images(Prepared),
    /// A tokenized corpus, with the spec's limits applied.
    Text(TextData),
}

/// A corpus ready for a language model: the token streams, cut to the spec's limits, and the
/// evaluation window.
#[derive(Debug, Clone)]
pub struct TextData {
    /// The corpus (its `train` and `test` streams cut to `data.train_limit` and
    /// `data.test_limit` tokens).
    pub corpus: Corpus,
    /// Target tokens of the test stream whose logits are saved: the spec's window, at most the
    /// test stream's predictable tokens (its length minus one).
    pub window: usize,
}

impl TextData {
    /// The corpus `corpus` cut to the limits of `spec` (the first tokens are kept), with its
    /// evaluation window.
    ///
    /// # Errors
    /// [`DataError::EmptySplit`] when the training stream has fewer than two segments' worth of
    /// tokens for one stream, or the valid or test stream fewer than two tokens.
    pub fn new(mut corpus: Corpus, spec: &RunSpec) -> Result<TextData, DataError> {
        if let Some(n) = spec.data.train_limit {
            corpus.train.truncate(n);
        }
        if let Some(n) = spec.data.test_limit {
            corpus.test.truncate(n);
        }
        let bptt = spec.data.bptt.unwrap_or(1);
        // One training step needs `bptt + 1` tokens in each of the batch's streams.
        let too_short = corpus.train.len() / spec.train.batch_size.max(1) < 2 * bptt + 1
            || corpus.valid.len() < 2
            || corpus.test.len() < 2;
        if too_short {
            return Err(DataError::EmptySplit {
                dataset: format!(
                    "{} (the training stream needs at least 2 x (bptt + 1) = {} tokens per batch \
                     stream, {} streams; valid and test at least 2 tokens)",
                    corpus.name,
                    2 * bptt + 1,
                    spec.train.batch_size
                ),
            });
        }
        let window = spec.data.window().min(corpus.test.len() - 1);
        Ok(TextData { corpus, window })
    }
}

/// Load what `spec` trains on: [`prepare`] for a classifier, the corpus for a language model.
///
/// # Errors
/// As [`prepare`], or the corpus loader's [`DataError`] naming the file.
pub fn prepare_task(spec: &RunSpec) -> Result<Task, DataError> {
    let corpus = match spec.data.dataset {
        DatasetName::Shakespeare => text::shakespeare()?,
        DatasetName::CharText => text::load_char_dir(&super::prepared::data_dir(spec)?)?,
        DatasetName::Ptb => text::load_word_dir(&super::prepared::data_dir(spec)?)?,
        _ => return prepare(spec).map(Task::Images),
    };
    TextData::new(corpus, spec).map(Task::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_corpus_has_the_sizes_its_geometry_states() {
        let c = text::shakespeare().unwrap();
        let g = DatasetName::Shakespeare.geometry();
        assert_eq!(
            (c.vocab_size(), c.train.len(), c.test.len()),
            (g.classes, g.train, g.test)
        );
    }

    #[test]
    fn the_window_is_capped_at_the_test_stream_and_limits_apply() {
        let mut spec = RunSpec::from_preset("shakespeare-char-lstm").unwrap();
        spec.data.train_limit = Some(5_000);
        spec.data.test_limit = Some(300);
        let Task::Text(t) = prepare_task(&spec).unwrap() else {
            panic!("a corpus")
        };
        assert_eq!((t.corpus.train.len(), t.corpus.test.len()), (5_000, 300));
        assert_eq!(t.window, 299);
        assert_eq!(
            t.corpus.valid.len(),
            40_021,
            "no limit on the validation stream"
        );
    }
}
