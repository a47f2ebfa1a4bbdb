//! The tokenizer's rules on hand-written strings. Every expected vocabulary and id list here is
//! what scripts/text_reference.py's `corpus` (plain Python: `list(text)`,
//! `line.split() + ['<eos>']`, a dict in insertion order) gives on the same strings.

use super::{from_texts, is_space, Corpus, Level};

fn corpus(level: Level, train: &str, valid: &str, test: &str) -> Corpus {
    from_texts("t", level, train, valid, test)
}

fn vocab(c: &Corpus) -> Vec<&str> {
    c.vocab.iter().map(String::as_str).collect()
}

#[test]
fn text_chars_in_order_of_first_appearance_and_unk_last() {
    let c = corpus(Level::Char, "abca", "abz", "zzc\n");
    assert_eq!(vocab(&c), ["a", "b", "c", "<unk>"]);
    assert_eq!((c.unk, c.vocab_size()), (3, 4));
    assert_eq!(c.train, [0, 1, 2, 0]);
    // "z" and "\n" are not in the training split.
    assert_eq!(c.valid, [0, 1, 3]);
    assert_eq!(c.test, [3, 3, 2, 3]);
    assert_eq!((c.name.as_str(), c.level), ("t", Level::Char));
}

#[test]
fn text_chars_are_unicode_scalar_values() {
    let c = corpus(Level::Char, "é😀é", "😀x", "");
    assert_eq!(vocab(&c), ["é", "😀", "<unk>"]);
    assert_eq!(
        (c.train.as_slice(), c.valid.as_slice()),
        (&[0, 1, 0][..], &[1, 2][..])
    );
    assert!(c.test.is_empty());
}

#[test]
fn text_words_get_eos_per_line_also_empty_lines() {
    // Three lines (the middle one empty); a final newline does not start a fourth.
    let c = corpus(Level::Word, "the cat\n\nthe dog sat\n", "the bird\n", "cat");
    assert_eq!(vocab(&c), ["the", "cat", "<eos>", "dog", "sat", "<unk>"]);
    assert_eq!(c.unk, 5);
    assert_eq!(c.train, [0, 1, 2, 2, 0, 3, 4, 2]);
    assert_eq!(c.valid, [0, 5, 2]);
    // A last line without a newline still ends with <eos>.
    assert_eq!(c.test, [1, 2]);
    // Lines of nothing but newlines are lines too.
    let blank = corpus(Level::Word, "\n\n", "", "");
    assert_eq!(vocab(&blank), ["<eos>", "<unk>"]);
    assert_eq!(blank.train, [0, 0]);
}

#[test]
fn text_unk_in_train_keeps_its_place() {
    // Penn Treebank's layout: the training split holds <unk> itself.
    let c = corpus(Level::Word, "a <unk> b\n", "c a\n", "");
    assert_eq!(vocab(&c), ["a", "<unk>", "b", "<eos>"]);
    assert_eq!(c.unk, 1);
    assert_eq!(c.train, [0, 1, 2, 3]);
    assert_eq!(c.valid, [1, 0, 3]);
}

#[test]
fn text_empty_train_gives_unk_alone() {
    let c = corpus(Level::Word, "", "a\n", "");
    assert_eq!(vocab(&c), ["<unk>"]);
    assert_eq!((c.unk, c.valid.as_slice()), (0, &[0, 0][..]));
    assert!(c.train.is_empty());
}

#[test]
fn text_crlf_becomes_lf_and_a_lone_cr_stays() {
    // "\r\r\n" -> "\r\n" in one pass, as Python's str.replace.
    let c = corpus(Level::Char, "a\r\nb\rc\r\r\n", "\r\n", "");
    assert_eq!(vocab(&c), ["a", "\n", "b", "\r", "c", "<unk>"]);
    assert_eq!(c.train, [0, 1, 2, 3, 4, 3, 1]);
    assert_eq!(c.valid, [1]);
    // A text with CRLF line ends tokenizes as with LF ones.
    let crlf = corpus(Level::Char, "to\r\nbe\r\n", "", "");
    let lf = corpus(Level::Char, "to\nbe\n", "", "");
    assert_eq!((&crlf.vocab, &crlf.train), (&lf.vocab, &lf.train));
    // At word level a lone \r is whitespace inside a line.
    let w = corpus(Level::Word, "x y\r\nz\r\n", "x\ry\n", "");
    assert_eq!(vocab(&w), ["x", "y", "<eos>", "z", "<unk>"]);
    assert_eq!(
        (w.train.as_slice(), w.valid.as_slice()),
        (&[0, 1, 2, 3, 2][..], &[0, 1, 2][..])
    );
}

#[test]
fn text_words_split_on_unicode_whitespace_as_python() {
    // U+3000 (ideographic space), U+001F (unit separator) and U+00A0 (no-break space) split;
    // U+200B (zero-width space) is not whitespace.
    let c = corpus(Level::Word, "a\u{3000}b\u{1f}c\u{a0}d\u{200b}e\n", "", "");
    assert_eq!(vocab(&c), ["a", "b", "c", "d\u{200b}e", "<eos>", "<unk>"]);
}

/// The code points Python 3.11's `str.split()` splits on (`str.isspace`), as
/// scripts/text_reference.py prints them.
const PYTHON_SPACES: [u32; 29] = [
    0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
    0x205f, 0x3000,
];

#[test]
fn text_whitespace_is_pythons_over_every_code_point() {
    let ours: Vec<u32> = (0..=0x10_ffff_u32)
        .filter_map(char::from_u32)
        .filter(|&c| is_space(c))
        .map(u32::from)
        .collect();
    assert_eq!(ours, PYTHON_SPACES);
}
