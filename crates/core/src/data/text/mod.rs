//! Plain-text corpora for language modelling: a vocabulary and three token streams.
//!
//! A [`Corpus`] comes from a folder of text files ([`load_char_dir`], [`load_word_dir`]), from
//! the Shakespeare corpus embedded in the binary ([`shakespeare`]), or from strings
//! ([`from_texts`]). The rules are few and exact, so that a Python script reproduces them
//! token for token (scripts/text_reference.py does, for the tests' numbers):
//!
//! - **Text.** Each file is UTF-8. `\r\n` is replaced by `\n` (one left-to-right pass, as
//!   `str.replace("\r\n", "\n")`); a lone `\r` stays as it is. No byte-order mark is stripped.
//! - **Char level.** Every Unicode scalar value (Python: every code point of the `str`) is a
//!   token, newlines included; nothing is added at line ends.
//! - **Word level.** The text is cut into lines at `\n` (a final `\n` does not start another
//!   line; an empty line is a line); each line is split on whitespace, then `<eos>` is
//!   appended, also to empty lines: PyTorch's word_language_model example,
//!   `line.split() + ['<eos>']`. Whitespace is exactly what Python's `str.split()` splits on:
//!   Unicode's White_Space characters plus the four separators U+001C..U+001F ([`is_space`]).
//! - **Vocabulary.** The training split's tokens in order of first appearance; then `<unk>` at
//!   the end if the training split does not hold it (Penn Treebank's does: there it keeps its
//!   place). Validation and test tokens not in the vocabulary map to `<unk>`.
//!
//! The loaders refuse, naming the file: a missing split (with the names tried), a folder with
//! none of the splits (one error naming the folder and the names looked for), a file over
//! [`MAX_TEXT_BYTES`] (from its metadata, before reading), an empty file (0 bytes; at word
//! level also a file of only whitespace, which holds no word), a binary file (a NUL byte), and
//! text that is not UTF-8 (with the byte offset of the first bad byte).

use std::path::Path;

use super::DataError;

mod dir;
mod embedded;
mod read;
mod tokenize;
mod vocab;

#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_tokenize;

pub use dir::split_files;
pub use embedded::{shakespeare, SHAKESPEARE_ASSETS};
pub use read::{read_text, MAX_TEXT_BYTES};
pub use tokenize::{is_space, EOS, UNK};

/// Tokenization level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Every Unicode scalar value is a token.
    Char,
    /// Whitespace-separated words, with `<eos>` at the end of every line.
    Word,
}

/// A tokenized corpus: a vocabulary and three token streams of ids into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// `shakespeare` for the embedded corpus, else the folder's name.
    pub name: String,
    /// How the text was tokenized.
    pub level: Level,
    /// Id -> token; at char level each token is a one-char string (`"\n"` included), and
    /// `<unk>` is the only longer one.
    pub vocab: Vec<String>,
    /// The id of `<unk>`.
    pub unk: u32,
    /// The training split's token ids.
    pub train: Vec<u32>,
    /// The validation split's token ids.
    pub valid: Vec<u32>,
    /// The test split's token ids.
    pub test: Vec<u32>,
}

impl Corpus {
    /// The number of tokens in the vocabulary, `<unk>` included.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }
}

/// Tokenizes three texts by the module's rules: the vocabulary from `train`, `<unk>` for the
/// tokens of `valid` and `test` that `train` lacks. Never fails: an empty `train` gives a
/// vocabulary of `<unk>` alone (the file loaders refuse empty files before this).
pub fn from_texts(name: &str, level: Level, train: &str, valid: &str, test: &str) -> Corpus {
    vocab::build(name, level, train, valid, test)
}

/// Loads a character-level corpus from `dir`'s `train.txt`, `valid.txt` and `test.txt`; the
/// corpus is named after the folder.
///
/// # Errors
/// [`DataError::Invalid`] naming the folder when a split is missing (or all are), or naming the
/// file when it is too large, empty, binary or not UTF-8; [`DataError::Io`] when it cannot be
/// read.
pub fn load_char_dir(dir: &Path) -> Result<Corpus, DataError> {
    dir::load(dir, Level::Char)
}

/// Loads a word-level corpus from `dir`: each split from Penn Treebank's name
/// (`ptb.train.txt`, `ptb.valid.txt`, `ptb.test.txt`), else the plain one (`train.txt` ...);
/// the corpus is named after the folder.
///
/// # Errors
/// As [`load_char_dir`]; a file of only whitespace is empty at this level.
pub fn load_word_dir(dir: &Path) -> Result<Corpus, DataError> {
    dir::load(dir, Level::Word)
}
