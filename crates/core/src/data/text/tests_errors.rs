//! The folder loaders on files written to a temporary folder: which file holds each split, and
//! every refusal, whose message must name the file (or the folder, for a missing split).

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::{load_char_dir, load_word_dir, read_text, Corpus, DataError, Level, MAX_TEXT_BYTES};

/// A folder `corpus/` in a fresh temporary folder, holding `files` (name, bytes).
fn folder(files: &[(&str, &[u8])]) -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path().join("corpus");
    std::fs::create_dir(&dir).expect("a folder");
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("a file");
    }
    (tmp, dir)
}

const GOOD: &[u8] = b"to be or\nnot to be\n";

/// The error's message, which must name `path`.
fn message(result: Result<Corpus, DataError>, path: &Path) -> String {
    let msg = result.expect_err("an error").to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    msg
}

#[test]
fn text_dirs_load_and_are_named_after_the_folder() {
    let (_tmp, dir) = folder(&[
        ("train.txt", GOOD),
        ("valid.txt", b"to see\r\n"),
        ("test.txt", b"be\n"),
    ]);
    let c = load_char_dir(&dir).expect("a char corpus");
    assert_eq!(
        (c.name.as_str(), c.level, c.vocab_size()),
        ("corpus", Level::Char, 9)
    );
    // "\r\n" read as "\n"; "s" is not in the training split.
    assert_eq!(c.valid.len(), 7);
    assert_eq!(c.valid[3], c.unk);
    let w = load_word_dir(&dir).expect("plain names at word level");
    assert_eq!(w.vocab, ["to", "be", "or", "<eos>", "not", "<unk>"]);
    assert_eq!(
        (w.train.len(), w.valid, w.test),
        (8, vec![0, 5, 3], vec![1, 3])
    );
    // Through "." the name is still the folder's.
    let here = load_char_dir(&dir.join(".")).expect("the same folder");
    assert_eq!(here.name, "corpus");
}

#[test]
fn text_word_dirs_prefer_ptb_names_split_by_split() {
    let (_tmp, dir) = folder(&[
        ("ptb.train.txt", b"a <unk> b\n"),
        ("train.txt", b"ignored\n"),
        ("valid.txt", b"b c\n"),
        ("ptb.test.txt", b"a\n"),
    ]);
    let c = load_word_dir(&dir).expect("a PTB-layout corpus");
    assert_eq!(c.vocab, ["a", "<unk>", "b", "<eos>"]);
    assert_eq!(
        (c.unk, c.valid.as_slice(), c.test.as_slice()),
        (1, &[2, 1, 3][..], &[0, 3][..])
    );
}

#[test]
fn text_missing_splits_name_the_folder_and_the_names_tried() {
    let (_tmp, dir) = folder(&[("train.txt", GOOD), ("valid.txt", GOOD)]);
    let msg = message(load_char_dir(&dir), &dir);
    assert!(
        msg.contains("the test split (looked for test.txt)"),
        "{msg}"
    );
    let (_tmp, dir) = folder(&[("ptb.valid.txt", GOOD)]);
    let msg = message(load_word_dir(&dir), &dir);
    assert!(
        msg.contains("the train split (looked for ptb.train.txt, train.txt) and the test split"),
        "{msg}"
    );
    let (_tmp, dir) = folder(&[("notes.txt", GOOD)]);
    let msg = message(load_word_dir(&dir), &dir);
    assert!(
        msg.contains(
            "none of ptb.train.txt, train.txt, ptb.valid.txt, valid.txt, ptb.test.txt, test.txt"
        ),
        "{msg}"
    );
    let msg = message(load_char_dir(&dir.join("nowhere")), &dir.join("nowhere"));
    assert!(msg.contains("no such folder"), "{msg}");
    let msg = message(
        load_char_dir(&dir.join("notes.txt")),
        &dir.join("notes.txt"),
    );
    assert!(msg.contains("not a folder"), "{msg}");
}

/// Loads a folder whose `valid.txt` holds `bad` at char and word level: both refuse it, naming
/// the file; the message of the char-level load is returned.
fn refused(bad: &[u8]) -> String {
    let (_tmp, dir) = folder(&[("train.txt", GOOD), ("valid.txt", bad), ("test.txt", GOOD)]);
    let file = dir.join("valid.txt");
    let msg = message(load_char_dir(&dir), &file);
    message(load_word_dir(&dir), &file);
    msg
}

#[test]
fn text_empty_binary_and_non_utf8_files_are_refused() {
    assert!(refused(b"").contains("empty file (0 bytes)"));
    let msg = refused(b"to be\0");
    assert!(msg.contains("binary file (NUL byte at offset 5)"), "{msg}");
    // gzip's header (mtime 0) holds NUL bytes.
    let msg = refused(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    assert!(
        msg.contains("NUL byte at offset 3); it is gzip-compressed"),
        "{msg}"
    );
    let msg = refused(b"abc\xffdef");
    assert!(
        msg.contains("byte 0xff at offset 3 is not valid UTF-8"),
        "{msg}"
    );
    // Latin-1's e-acute, as a file saved in the wrong encoding holds it.
    let msg = refused(b"caf\xe9 au lait");
    assert!(msg.contains("byte 0xe9 at offset 3"), "{msg}");
    // The first byte of a two-byte sequence, then the end of the file.
    let msg = refused(b"ab\xc3");
    assert!(
        msg.contains("ends inside a UTF-8 sequence (from offset 2)"),
        "{msg}"
    );
}

#[test]
fn text_whitespace_only_is_empty_at_word_level_only() {
    let (_tmp, dir) = folder(&[
        ("train.txt", GOOD),
        ("valid.txt", b" \n\t\n"),
        ("test.txt", GOOD),
    ]);
    let msg = message(load_word_dir(&dir), &dir.join("valid.txt"));
    assert!(msg.contains("only whitespace, no words"), "{msg}");
    let c = load_char_dir(&dir).expect("whitespace is text at char level");
    assert_eq!(c.valid.len(), 4);
}

#[test]
fn text_oversized_folders_and_unreadable_files_are_refused() {
    let (_tmp, dir) = folder(&[("valid.txt", GOOD), ("test.txt", GOOD)]);
    // A sparse file one byte over the limit: refused from its size, never read.
    let train = dir.join("train.txt");
    let f = std::fs::File::create(&train).expect("a file");
    f.set_len(MAX_TEXT_BYTES + 1).expect("a sparse file");
    let msg = message(load_char_dir(&dir), &train);
    assert!(
        msg.contains("1073741825 bytes: a text split may hold at most"),
        "{msg}"
    );
    std::fs::remove_file(&train).expect("removed");
    std::fs::create_dir(&train).expect("a folder named train.txt");
    let msg = message(load_char_dir(&dir), &train);
    assert!(msg.contains("a folder, not a text file"), "{msg}");
    let missing = dir.join("gone.txt");
    let err = read_text(&missing).expect_err("no such file");
    assert!(matches!(err, DataError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains(&missing.display().to_string()));
}
