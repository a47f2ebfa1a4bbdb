use std::io::Write;

use super::*;
use crate::testing::real_data;

fn gzip(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn digest(bytes: &[u8]) -> &'static str {
    Box::leak(sha256_of(&mut &bytes[..]).unwrap().0.into_boxed_str())
}

/// A catalog entry for `content` published gzipped at level 9.
fn entry(content: &[u8]) -> (RemoteFile, Vec<u8>) {
    let archive = gzip(content, 9);
    let file = RemoteFile {
        name: "f.gz",
        size: archive.len() as u64,
        sha256: digest(&archive),
        content: Some(Content {
            size: content.len() as u64,
            sha256: digest(content),
        }),
    };
    (file, archive)
}

#[test]
fn catalog_entries_are_well_formed() {
    for r in REMOTES {
        assert!(!r.mirrors.is_empty() && !r.files.is_empty(), "{}", r.title);
        assert!(r.mirrors.iter().all(|m| m.ends_with('/')), "{}", r.title);
        for f in r.files {
            let hex64 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
            assert!(
                hex64(f.sha256) && f.sha256 == f.sha256.to_lowercase(),
                "{}",
                f.name
            );
            assert!(f.content.is_none_or(|c| hex64(c.sha256)), "{}", f.name);
            assert!(f.size > 0);
        }
        if let Unpack::TarGz { files, .. } = r.unpack {
            assert_eq!(r.files.len(), 1, "one archive: {}", r.title);
            assert!(!files.is_empty());
        }
        assert_eq!(remote(r.dataset), Some(r));
        assert_eq!(parse_remote(r.dataset.name()).unwrap(), r);
    }
    assert_eq!(remote(DatasetName::Digits), None);
}

#[test]
fn unknown_and_builtin_names_are_explained() {
    let err = parse_remote("mnits").unwrap_err();
    assert!(err.contains("unknown dataset `mnits`"), "{err}");
    assert!(err.contains("mnist, fashion-mnist, cifar10"), "{err}");
    let err = parse_remote("digits").unwrap_err();
    assert!(err.contains("needs no download"), "{err}");
}

#[test]
fn urls_follow_the_mirrors_or_the_override() {
    let mnist = remote(DatasetName::Mnist).unwrap();
    let f = &mnist.files[3];
    assert_eq!(
        mnist.urls(f, None),
        [
            "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz",
            "http://yann.lecun.com/exdb/mnist/t10k-labels-idx1-ubyte.gz",
        ]
    );
    assert_eq!(mnist.urls(f, Some("  ")), mnist.urls(f, None));
    assert_eq!(
        mnist.urls(f, Some("http://127.0.0.1:9/x/ https://m.example/data")),
        [
            "http://127.0.0.1:9/x/mnist/t10k-labels-idx1-ubyte.gz",
            "https://m.example/data/mnist/t10k-labels-idx1-ubyte.gz",
        ]
    );
    let cifar = remote(DatasetName::Cifar10).unwrap();
    assert_eq!(
        cifar.urls(&cifar.files[0], None),
        ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"]
    );
}

#[test]
fn default_data_dir_prefers_an_absolute_xdg_cache_home() {
    let dir = |x: Option<&str>, h: Option<&str>| {
        default_data_dir_from(x.map(Into::into), h.map(Into::into))
    };
    assert_eq!(
        dir(Some("/c"), Some("/h")),
        Some(PathBuf::from("/c/runvar/data"))
    );
    assert_eq!(
        dir(Some("rel"), Some("/h")),
        Some(PathBuf::from("/h/.cache/runvar/data"))
    );
    assert_eq!(
        dir(Some(""), Some("/h")),
        Some(PathBuf::from("/h/.cache/runvar/data"))
    );
    assert_eq!(dir(None, Some("")), None);
    assert_eq!(dir(None, None), None);
}

#[test]
fn fetch_command_names_a_folder_that_is_not_the_default() {
    assert_eq!(
        fetch_command(DatasetName::FashionMnist, Path::new("/no/such/data")),
        "runvar data fetch fashion-mnist --data-dir /no/such/data"
    );
    assert_eq!(
        fetch_command(DatasetName::Mnist, Path::new("my data")),
        "runvar data fetch mnist --data-dir \"my data\""
    );
}

#[test]
fn verify_accepts_the_archive_or_a_recompressed_copy_only() {
    let dir = tempfile::tempdir().unwrap();
    let content: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (file, archive) = entry(&content);
    let path = dir.path().join("f.gz");

    std::fs::write(&path, &archive).unwrap();
    assert_eq!(verify(&path, &file).unwrap(), Verified::Archive);

    let recompressed = gzip(&content, 1);
    assert_ne!(recompressed, archive);
    std::fs::write(&path, &recompressed).unwrap();
    assert_eq!(verify(&path, &file).unwrap(), Verified::Content);

    // One changed byte of content: neither digest matches; both are named.
    let mut changed = content.clone();
    changed[1234] ^= 1;
    std::fs::write(&path, gzip(&changed, 9)).unwrap();
    let err = verify(&path, &file).unwrap_err();
    let msg = err.to_string();
    for part in [
        "f.gz: SHA-256 mismatch: expected",
        file.sha256,
        "decompressed: 5000 bytes",
        file.content.unwrap().sha256,
    ] {
        assert!(msg.contains(part), "{msg} should contain {part}");
    }

    // Longer content is cut one byte past the expected size, and reported as longer.
    let longer = [content.as_slice(), b"tail"].concat();
    std::fs::write(&path, gzip(&longer, 9)).unwrap();
    let msg = verify(&path, &file).unwrap_err().to_string();
    assert!(msg.contains("decompressed: 5001 bytes"), "{msg}");

    std::fs::write(&path, b"<html>not found</html>").unwrap();
    let msg = verify(&path, &file).unwrap_err().to_string();
    assert!(msg.contains("not a readable gzip file"), "{msg}");

    let err = verify(&dir.path().join("absent.gz"), &file).unwrap_err();
    assert!(matches!(err, Mismatch::Io { .. }), "{err:?}");
}

/// verify reads a gzip file as the loaders do: every member, and nothing but members.
#[test]
fn verify_reads_every_gzip_member_like_the_loaders() {
    let dir = tempfile::tempdir().unwrap();
    let content: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (file, archive) = entry(&content);
    let path = dir.path().join("f.gz");
    let two = [gzip(&content[..1000], 6), gzip(&content[1000..], 6)].concat();
    std::fs::write(&path, two).unwrap();
    assert_eq!(verify(&path, &file).unwrap(), Verified::Content);
    // The published archive's content followed by junk: the loaders refuse it, so must this.
    std::fs::write(&path, [gzip(&content, 1), b"junk".to_vec()].concat()).unwrap();
    let msg = verify(&path, &file).unwrap_err().to_string();
    assert!(msg.contains("not a readable gzip file"), "{msg}");
    // The archive itself, byte for byte, is still accepted on its digest.
    std::fs::write(&path, archive).unwrap();
    assert_eq!(verify(&path, &file).unwrap(), Verified::Archive);
}

#[test]
fn verify_without_content_checks_the_archive_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut file, archive) = entry(b"some bytes");
    file.content = None;
    let path = dir.path().join("a.tar.gz");
    std::fs::write(&path, gzip(b"some bytes", 1)).unwrap();
    let msg = verify(&path, &file).unwrap_err().to_string();
    assert!(msg.ends_with("bytes)"), "no decompressed clause: {msg}");
    std::fs::write(&path, archive).unwrap();
    assert_eq!(verify(&path, &file).unwrap(), Verified::Archive);
}

/// The real MNIST and Fashion-MNIST copies decompress to the content the catalog pins.
#[test]
fn real_copies_match_the_catalog_content() {
    let Some(data) = real_data("real_copies_match_the_catalog_content") else {
        return;
    };
    for r in &REMOTES[..2] {
        for f in r.files {
            let path = data.join(r.folder).join(f.name);
            let how = verify(&path, f).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(how, Verified::Content, "{}", path.display());
        }
    }
}

/// The Fashion-MNIST copies are the published archives with the gzip header rewritten (no
/// file name, another time stamp): restoring the header gives back TFDS's SHA-256 and size,
/// which ties the catalog's archive digests to the content digests above.
#[test]
fn fashion_archives_rebuilt_from_the_real_copies_match_tfds() {
    let Some(data) = real_data("fashion_archives_rebuilt_from_the_real_copies_match_tfds") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fashion = remote(DatasetName::FashionMnist).unwrap();
    for f in fashion.files {
        let copy = std::fs::read(data.join("fashion-mnist").join(f.name)).unwrap();
        // Time stamps in the published headers: 2017-08-31 10:50:06 and 10:50:27 UTC.
        let mtime: u32 = if f.name.starts_with("train") {
            1_504_176_606
        } else {
            1_504_176_627
        };
        let mut rebuilt = vec![0x1f, 0x8b, 8, 8];
        rebuilt.extend_from_slice(&mtime.to_le_bytes());
        rebuilt.extend_from_slice(&[0, 3]);
        rebuilt.extend_from_slice(f.name.trim_end_matches(".gz").as_bytes());
        rebuilt.push(0);
        rebuilt.extend_from_slice(&copy[10..]);
        assert_eq!(rebuilt.len() as u64, f.size, "{}", f.name);
        let path = dir.path().join(f.name);
        std::fs::write(&path, &rebuilt).unwrap();
        assert_eq!(verify(&path, f).unwrap(), Verified::Archive, "{}", f.name);
    }
}
