//! The vocabulary (training tokens in order of first appearance, then `<unk>` unless present)
//! and the mapping of each split's tokens to ids.

use std::collections::HashMap;

use super::tokenize::{for_each_token, normalize, UNK};
use super::{Corpus, Level};

/// Tokenizes the three texts and maps them to ids (the rules of the module doc).
pub(super) fn build(name: &str, level: Level, train: &str, valid: &str, test: &str) -> Corpus {
    let train = normalize(train);
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut vocab: Vec<&str> = Vec::new();
    let mut train_ids = Vec::new();
    for_each_token(&train, level, |token| {
        let id = *ids.entry(token).or_insert_with(|| {
            vocab.push(token);
            id_of(vocab.len() - 1)
        });
        train_ids.push(id);
    });
    let unk = *ids.entry(UNK).or_insert_with(|| {
        vocab.push(UNK);
        id_of(vocab.len() - 1)
    });
    let map = |text: &str| {
        let text = normalize(text);
        let mut out = Vec::new();
        for_each_token(&text, level, |token| {
            out.push(ids.get(token).copied().unwrap_or(unk));
        });
        out
    };
    let (valid, test) = (map(valid), map(test));
    Corpus {
        name: name.to_string(),
        level,
        vocab: vocab.into_iter().map(str::to_string).collect(),
        unk,
        train: train_ids,
        valid,
        test,
    }
}

/// A vocabulary index as an id. The loaders refuse files over `MAX_TEXT_BYTES` (1 GiB), and
/// every distinct token takes at least one byte of the training text, so ids stay below 2^30;
/// strings passed to `from_texts` directly would need 4 GiB of distinct tokens to overflow.
fn id_of(index: usize) -> u32 {
    u32::try_from(index).expect("fewer than 2^32 distinct tokens in a training text")
}
