//! The tokenizer: `\r\n` normalized, then characters or whitespace-separated words with `<eos>`
//! at each line's end (the rules of the module doc).

use std::borrow::Cow;

use super::Level;

/// The token appended to every line at word level.
pub const EOS: &str = "<eos>";
/// The token that stands for every token outside the vocabulary.
pub const UNK: &str = "<unk>";

/// True for the characters Python's `str.split()` splits on (`str.isspace`): Unicode's
/// White_Space property (Rust's [`char::is_whitespace`]: tab to carriage return, space, U+0085,
/// U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) and the
/// information separators U+001C..U+001F, whose bidirectional class (B or S) Python counts as
/// whitespace too. 29 code points in all (tests_tokenize.rs checks every code point).
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `text` with every `\r\n` replaced by `\n`, in one left-to-right pass (`"\r\r\n"` becomes
/// `"\r\n"`, as Python's `str.replace` makes it); borrowed when there is none.
pub(super) fn normalize(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Calls `f` on each token of the (normalized) `text`, in order.
pub(super) fn for_each_token<'a>(text: &'a str, level: Level, mut f: impl FnMut(&'a str)) {
    match level {
        Level::Char => {
            for (i, c) in text.char_indices() {
                f(&text[i..i + c.len_utf8()]);
            }
        }
        Level::Word => {
            // `split_terminator`: "a\nb\n" is two lines, "a\n\nb" three, "" none, "\n" one.
            for line in text.split_terminator('\n') {
                line.split(is_space)
                    .filter(|w| !w.is_empty())
                    .for_each(&mut f);
                f(EOS);
            }
        }
    }
}
