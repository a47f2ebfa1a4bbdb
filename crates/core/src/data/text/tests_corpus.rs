//! The embedded corpus and the shared Shakespeare files, pinned to what
//! scripts/text_reference.py computes from the same bytes in plain Python: token counts,
//! vocabulary sizes, `<unk>` counts and SHA-256 digests of the vocabulary and of each stream.

use sha2::{Digest, Sha256};

use super::embedded::texts;
use super::{from_texts, load_char_dir, load_word_dir, shakespeare, Corpus, Level};

/// What the reference script prints for one corpus.
struct Pin {
    vocab: usize,
    /// SHA-256 of each token's UTF-8 followed by a 0xff byte, in id order.
    vocab_sha: &'static str,
    /// Per split (train, valid, test): tokens, of them `<unk>`, SHA-256 of the little-endian
    /// u32 ids.
    splits: [(usize, usize, &'static str); 3],
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn check(c: &Corpus, pin: &Pin) {
    assert_eq!(c.vocab_size(), pin.vocab, "{}: vocabulary size", c.name);
    // <unk> is last: none of these training splits holds it.
    assert_eq!(c.unk as usize, pin.vocab - 1);
    assert_eq!(c.vocab[c.unk as usize], "<unk>");
    let mut h = Sha256::new();
    for token in &c.vocab {
        h.update(token.as_bytes());
        h.update([0xff]);
    }
    assert_eq!(hex(&h.finalize()), pin.vocab_sha, "{}: vocabulary", c.name);
    for (stream, (split, &(len, unks, sha))) in [&c.train, &c.valid, &c.test]
        .into_iter()
        .zip(["train", "valid", "test"].iter().zip(&pin.splits))
    {
        assert_eq!(stream.len(), len, "{} {split}: tokens", c.name);
        let found = stream.iter().filter(|&&id| id == c.unk).count();
        assert_eq!(found, unks, "{} {split}: <unk>", c.name);
        let mut h = Sha256::new();
        for id in stream {
            h.update(id.to_le_bytes());
        }
        assert_eq!(hex(&h.finalize()), sha, "{} {split}: ids", c.name);
    }
}

const EMBEDDED_CHAR: Pin = Pin {
    vocab: 76,
    vocab_sha: "55611a68ced0ba4696f69b9f238a54f5cf50dd90e3a9969ad4328e76b7c99832",
    splits: [
        (
            410_380,
            0,
            "a3093659ab3ee83fb72dbb155241ce8c682f10451ab29c056077a304bd56449a",
        ),
        (
            40_021,
            0,
            "584c78de6bd3d6cfedc27f7618cb7d7877f2094b3a2819b2955fb5eae1613716",
        ),
        (
            40_011,
            0,
            "1301f3ad414f46a693991da5a0158181e04706e75d2511ab2fff9da197453970",
        ),
    ],
};

const EMBEDDED_WORD: Pin = Pin {
    vocab: 13_743,
    vocab_sha: "895a7f1631d20da95c4a6c0b2d987d9cab328ad5c25854be2af88d42bec92f19",
    splits: [
        (
            89_626,
            0,
            "7056eb20bdcb37ce66369d0e840670840a8ce3f59d4aeefd96ca7704e8cc20c1",
        ),
        (
            8_580,
            1_670,
            "f6ad80cb7b57b3dc1eea4abb23cdcbcf61c332fbecd1fd985db7c629b12334a3",
        ),
        (
            8_990,
            1_370,
            "ff959de0605e092df38c6ee5a547a5ba9ac48dc74ef8adde3f1f5cd719c24795",
        ),
    ],
};

const SHARED_CHAR: Pin = Pin {
    vocab: 85,
    vocab_sha: "4f5170fec418782d1e064b730331da8c180f6b1ad3c841a2db52a55aa3d87580",
    splits: [
        (
            4_532_260,
            0,
            "1ec8346797924bcfe39c16abec0c5e96e0cbd1e23e7a24713afe64ef9e6fbe2d",
        ),
        (
            271_167,
            0,
            "30aa14b03ca974e355c80b059e751a5ced57f612e237b0bace9cfbd8eed86427",
        ),
        (
            253_771,
            0,
            "fc6b45f917e3c2193f7d8197e5ddff76575e34b3be1460c94bf7a31a4350d5e2",
        ),
    ],
};

const SHARED_WORD: Pin = Pin {
    vocab: 69_415,
    vocab_sha: "7a07758ea90ddd962658d3d8a37524e549fb3abb4c5279e227bcb7a44f8978a4",
    splits: [
        (
            979_243,
            0,
            "b1d542421ce6abcb69f03ccbc0ba05e7fc09fd624b07f9c564f750626903295a",
        ),
        (
            59_570,
            5_082,
            "79d06bf8438e5fa6e9721d2574b7c48e9b1af644ffd99ee1ac62435f160b4270",
        ),
        (
            53_309,
            4_095,
            "bd0e69a192fe9103bc82e5c21e686e6014cf45b39cbf474a610b8222d2949e05",
        ),
    ],
};

#[test]
fn text_embedded_shakespeare_loads_as_recorded() {
    let c = shakespeare().expect("the embedded corpus");
    assert_eq!((c.name.as_str(), c.level), ("shakespeare", Level::Char));
    check(&c, &EMBEDDED_CHAR);
    let first: String = c.train[..40]
        .iter()
        .map(|&id| c.vocab[id as usize].as_str())
        .collect();
    assert_eq!(first, "ALL'S WELL THAT ENDS WELL\n\nby William Sh");
}

#[test]
fn text_embedded_texts_are_the_recorded_bytes() {
    // The module doc's table: sizes and SHA-256 of the decompressed splits.
    let want = [
        (
            410_380,
            "97e3f507fb2c18d83faa2ce9a31fa8e2373f7078ebfd88325ea187ab3bf6c901",
        ),
        (
            40_021,
            "dafb5081e55daac9117f57293a8f6e866a573b158393f03c28379e4eecb54e53",
        ),
        (
            40_011,
            "42cf1bfdb338e0c7bcf482ec1ee5553ce91bc57be3974a649c60b462511b59b8",
        ),
    ];
    let texts = texts().expect("the embedded corpus");
    for (text, (len, sha)) in texts.iter().zip(want) {
        assert_eq!(
            (text.len(), hex(&Sha256::digest(text)).as_str()),
            (len, sha)
        );
    }
    let [train, valid, test] = &texts;
    check(
        &from_texts("shakespeare", Level::Word, train, valid, test),
        &EMBEDDED_WORD,
    );
}

#[test]
fn text_shared_shakespeare_loads_at_char_level() {
    let Some(data) = crate::testing::real_data("text_shared_shakespeare_loads_at_char_level")
    else {
        return;
    };
    let c = load_char_dir(&data.join("text/shakespeare")).expect("the shared corpus");
    assert_eq!((c.name.as_str(), c.level), ("shakespeare", Level::Char));
    check(&c, &SHARED_CHAR);
}

#[test]
fn text_ptb_layout_loads_at_word_level() {
    let Some(data) = crate::testing::real_data("text_ptb_layout_loads_at_word_level") else {
        return;
    };
    // Penn Treebank's file names, holding the shared Shakespeare text.
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = tmp.path().join("ptb-shakespeare");
    std::fs::create_dir(&dir).expect("a folder");
    for split in ["train", "valid", "test"] {
        let from = data.join(format!("text/shakespeare/{split}.txt"));
        std::fs::copy(&from, dir.join(format!("ptb.{split}.txt"))).expect("a copy");
    }
    let c = load_word_dir(&dir).expect("the PTB-layout folder");
    assert_eq!((c.name.as_str(), c.level), ("ptb-shakespeare", Level::Word));
    check(&c, &SHARED_WORD);
    // The same folder read at char level would look for train.txt and find none.
    let err = load_char_dir(&dir).expect_err("no train.txt").to_string();
    assert!(err.contains(&dir.display().to_string()), "{err}");
}
