//! Shakespeare, embedded in the binary: the default language-modelling corpus, no download.
//!
//! Project Gutenberg's texts of Shakespeare's works (public domain), as split by work in the
//! shared data folder (`text/shakespeare/{train,valid,test}.txt`); each embedded split is a
//! byte-exact prefix of the shared one, made by scripts/make_shakespeare_asset.py and stored
//! gzip-compressed in `assets/`:
//!
//! | split | works | bytes | SHA-256 of the text |
//! |---|---|---|---|
//! | train | All's Well That Ends Well, Antony and Cleopatra, As You Like It (whole) | 410,380 | `97e3f507fb2c18d83faa2ce9a31fa8e2373f7078ebfd88325ea187ab3bf6c901` |
//! | valid | The History of Troilus and Cressida, its first 1,528 lines | 40,021 | `dafb5081e55daac9117f57293a8f6e866a573b158393f03c28379e4eecb54e53` |
//! | test | The Two Gentlemen of Verona, its first 1,770 lines | 40,011 | `42cf1bfdb338e0c7bcf482ec1ee5553ce91bc57be3974a649c60b462511b59b8` |
//!
//! The training split ends with As You Like It's closing `[Exeunt.]` (no final newline: the
//! shared file runs the next title on); the other two end at the first line end at or after
//! byte 40,000. All three are ASCII. At char level the vocabulary has 76 tokens (75 characters
//! and `<unk>`, which no validation or test character needs); the splits are 410,380, 40,021
//! and 40,011 tokens.

use std::path::Path;

use super::super::gzip;
use super::read::check_text;
use super::{from_texts, Corpus, DataError, Level};

/// The embedded files, as named in errors: train, valid, test.
pub const SHAKESPEARE_ASSETS: [&str; 3] = [
    "embedded assets/shakespeare-train.txt.gz",
    "embedded assets/shakespeare-valid.txt.gz",
    "embedded assets/shakespeare-test.txt.gz",
];

const TRAIN: &[u8] = include_bytes!("../../../assets/shakespeare-train.txt.gz");
const VALID: &[u8] = include_bytes!("../../../assets/shakespeare-valid.txt.gz");
const TEST: &[u8] = include_bytes!("../../../assets/shakespeare-test.txt.gz");

/// No embedded split decompresses to more (the training split is 410,380 bytes).
const LIMIT: u64 = 1 << 20;

/// The embedded Shakespeare corpus at char level, named `shakespeare`.
///
/// # Errors
/// Only if the embedded data were damaged (a build from altered assets): [`DataError`] naming
/// the asset.
pub fn shakespeare() -> Result<Corpus, DataError> {
    let [train, valid, test] = texts()?;
    Ok(from_texts(
        "shakespeare",
        Level::Char,
        &train,
        &valid,
        &test,
    ))
}

/// The embedded splits' text: train, valid, test.
pub(super) fn texts() -> Result<[String; 3], DataError> {
    let text = |raw: &[u8], name: &str| {
        let path = Path::new(name);
        check_text(gzip::decompress(raw, path, LIMIT)?, path)
    };
    Ok([
        text(TRAIN, SHAKESPEARE_ASSETS[0])?,
        text(VALID, SHAKESPEARE_ASSETS[1])?,
        text(TEST, SHAKESPEARE_ASSETS[2])?,
    ])
}
