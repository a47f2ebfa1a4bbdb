//! MNIST and Fashion-MNIST from IDX files, gzip-compressed or raw.
//!
//! The four files of each dataset keep their official names (`train-images-idx3-ubyte`,
//! `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`), each with or
//! without a `.gz` suffix. Compression is detected from the gzip magic bytes `1f 8b`, not from
//! the name; every member of a multi-member gzip file is read, and bytes after the last member
//! are an error. Each file is looked up in the data directory first, then in its dataset subfolder
//! (`mnist/` or `fashion-mnist/`, where `runvar data fetch` puts them), then in torchvision's
//! (`MNIST/raw/` or `FashionMNIST/raw/`), then in `raw/`: `--data-dir data`,
//! `--data-dir data/mnist`, a torchvision root and `--data-dir root/MNIST` all work.
//!
//! IDX layout (big-endian): images are magic `0x00000803`, count, rows, cols, then one byte per
//! pixel; labels are magic `0x00000801`, count, then one byte per label. The file length must
//! match its header exactly: a truncated file or trailing bytes is a [`DataError::Size`].

use std::path::{Path, PathBuf};

use super::gzip;
use super::locate::{find, Lookup};
use super::{DataError, Dataset, Split};
use crate::runspec::DatasetName;

/// Magic number of an IDX file of unsigned-byte images (3 dimensions).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels (1 dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// MNIST pixel mean (of values in `[0, 1]`), the customary constant.
pub const MNIST_MEAN: f32 = 0.1307;
/// MNIST pixel standard deviation (of values in `[0, 1]`), the customary constant.
pub const MNIST_STD: f32 = 0.3081;
/// Fashion-MNIST pixel mean (of values in `[0, 1]`), the customary constant.
pub const FASHION_MNIST_MEAN: f32 = 0.2860;
/// Fashion-MNIST pixel standard deviation (of values in `[0, 1]`), the customary constant.
pub const FASHION_MNIST_STD: f32 = 0.3530;

const CLASSES: usize = 10;

/// Reads an IDX image file: returns `(n, rows, cols, values)` with `values` row-major
/// `[n, rows, cols]`, each byte scaled to `[0, 1]` by `/ 255`.
pub fn read_images(path: &Path) -> Result<(usize, usize, usize, Vec<f32>), DataError> {
    let bytes = read_maybe_gzip(path)?;
    check_magic(path, &bytes, IMAGES_MAGIC, "images")?;
    let header = 16;
    check_len_at_least(path, &bytes, header)?;
    let n = be_u32(&bytes, 4) as usize;
    let rows = be_u32(&bytes, 8) as usize;
    let cols = be_u32(&bytes, 12) as usize;
    if rows == 0 || cols == 0 {
        return Err(DataError::Invalid {
            path: path.to_path_buf(),
            message: format!("image dimensions {rows}x{cols} in the header; the file is corrupt"),
        });
    }
    // Three u32 factors can exceed 64 bits: a wrapped size could match a short file.
    let expected = (n as u64)
        .checked_mul(rows as u64)
        .and_then(|v| v.checked_mul(cols as u64))
        .and_then(|v| v.checked_add(header as u64))
        .ok_or_else(|| DataError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "the header declares {n} images of {rows}x{cols} pixels, more data than any \
                 file holds; the file is corrupt"
            ),
        })?;
    check_exact_len(path, &bytes, expected)?;
    let values = bytes[header..]
        .iter()
        .map(|&b| f32::from(b) / 255.0)
        .collect();
    Ok((n, rows, cols, values))
}

/// Reads an IDX label file; every label must lie in `0..classes`
/// (else [`DataError::LabelOutOfRange`] with the index of the first bad one).
pub fn read_labels(path: &Path, classes: usize) -> Result<Vec<i64>, DataError> {
    let bytes = read_maybe_gzip(path)?;
    check_magic(path, &bytes, LABELS_MAGIC, "labels")?;
    let header = 8;
    check_len_at_least(path, &bytes, header)?;
    let n = be_u32(&bytes, 4) as u64;
    check_exact_len(path, &bytes, header as u64 + n)?;
    bytes[header..]
        .iter()
        .enumerate()
        .map(|(index, &b)| {
            let label = i64::from(b);
            if usize::from(b) < classes {
                Ok(label)
            } else {
                Err(DataError::LabelOutOfRange {
                    path: path.to_path_buf(),
                    label,
                    index,
                    classes,
                })
            }
        })
        .collect()
}

const MNIST: IdxInfo = IdxInfo {
    dataset: DatasetName::Mnist,
    title: "MNIST",
    folders: &["mnist", "MNIST/raw", "raw"],
    mean: MNIST_MEAN,
    std: MNIST_STD,
};

const FASHION_MNIST: IdxInfo = IdxInfo {
    dataset: DatasetName::FashionMnist,
    title: "Fashion-MNIST",
    folders: &["fashion-mnist", "FashionMNIST/raw", "raw"],
    mean: FASHION_MNIST_MEAN,
    std: FASHION_MNIST_STD,
};

/// Loads MNIST (name `mnist`) from `dir`, `dir/mnist`, `dir/MNIST/raw` or `dir/raw`.
///
/// Normalization constants: mean [`MNIST_MEAN`], std [`MNIST_STD`].
pub fn load_mnist(dir: &Path) -> Result<Dataset, DataError> {
    load_idx_dataset(dir, &MNIST)
}

/// Loads Fashion-MNIST (name `fashion-mnist`) from `dir`, `dir/fashion-mnist`,
/// `dir/FashionMNIST/raw` or `dir/raw`.
///
/// Normalization constants: mean [`FASHION_MNIST_MEAN`], std [`FASHION_MNIST_STD`].
pub fn load_fashion_mnist(dir: &Path) -> Result<Dataset, DataError> {
    load_idx_dataset(dir, &FASHION_MNIST)
}

/// The four MNIST files in `dir` (training images and labels, test images and labels).
pub(crate) fn locate_mnist(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    locate(dir, &MNIST).map(Vec::from)
}

/// The four Fashion-MNIST files in `dir`.
pub(crate) fn locate_fashion_mnist(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    locate(dir, &FASHION_MNIST).map(Vec::from)
}

/// What distinguishes MNIST from Fashion-MNIST.
struct IdxInfo {
    dataset: DatasetName,
    title: &'static str,
    folders: &'static [&'static str],
    mean: f32,
    std: f32,
}

/// The four files (training images, training labels, test images, test labels), all found
/// before any is read, so a missing one fails fast.
fn locate(dir: &Path, info: &IdxInfo) -> Result<[PathBuf; 4], DataError> {
    let find_one = |base: &str, what: &str| {
        let gz = format!("{base}.gz");
        find(
            dir,
            &Lookup {
                dataset: info.dataset,
                folders: info.folders,
                names: &[base, &gz],
                what: &format!("{} {what}", info.title),
            },
        )
    };
    Ok([
        find_one("train-images-idx3-ubyte", "training images")?,
        find_one("train-labels-idx1-ubyte", "training labels")?,
        find_one("t10k-images-idx3-ubyte", "test images")?,
        find_one("t10k-labels-idx1-ubyte", "test labels")?,
    ])
}

fn load_idx_dataset(dir: &Path, info: &IdxInfo) -> Result<Dataset, DataError> {
    let [train_images, train_labels, test_images, test_labels] = locate(dir, info)?;

    let (train, rows, cols) = read_split(&train_images, &train_labels)?;
    let (test, test_rows, test_cols) = read_split(&test_images, &test_labels)?;
    if (test_rows, test_cols) != (rows, cols) {
        return Err(DataError::Invalid {
            path: test_images,
            message: format!(
                "images are {test_rows}x{test_cols} but the training images are {rows}x{cols}; \
                 the files do not belong to the same dataset"
            ),
        });
    }
    Ok(Dataset {
        name: info.dataset.name().to_string(),
        channels: 1,
        height: rows,
        width: cols,
        classes: CLASSES,
        mean: vec![info.mean],
        std: vec![info.std],
        train,
        test,
    })
}

/// Reads one image file and its label file; returns the split and the image size.
fn read_split(images: &Path, labels: &Path) -> Result<(Split, usize, usize), DataError> {
    let (n, rows, cols, x) = read_images(images)?;
    let y = read_labels(labels, CLASSES)?;
    if y.len() != n {
        return Err(DataError::CountMismatch {
            path: labels.to_path_buf(),
            expected: n,
            found: y.len(),
        });
    }
    Ok((Split { x, y }, rows, cols))
}

/// Reads a whole file, decompressing it (every member) when it starts with the gzip magic
/// bytes.
fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if raw.starts_with(&gzip::MAGIC) {
        // MNIST's largest file, the training images, is 47 MB.
        gzip::decompress(&raw, path, 256 << 20)
    } else {
        Ok(raw)
    }
}

fn check_magic(
    path: &Path,
    bytes: &[u8],
    expected: u32,
    kind: &'static str,
) -> Result<(), DataError> {
    check_len_at_least(path, bytes, 4)?;
    let found = be_u32(bytes, 0);
    if found == expected {
        Ok(())
    } else {
        Err(DataError::BadMagic {
            path: path.to_path_buf(),
            expected,
            found,
            kind,
        })
    }
}

fn check_len_at_least(path: &Path, bytes: &[u8], min: usize) -> Result<(), DataError> {
    if bytes.len() >= min {
        Ok(())
    } else {
        Err(DataError::Size {
            path: path.to_path_buf(),
            expected: min as u64,
            found: bytes.len() as u64,
        })
    }
}

fn check_exact_len(path: &Path, bytes: &[u8], expected: u64) -> Result<(), DataError> {
    if bytes.len() as u64 == expected {
        Ok(())
    } else {
        Err(DataError::Size {
            path: path.to_path_buf(),
            expected,
            found: bytes.len() as u64,
        })
    }
}

/// The big-endian `u32` at `offset`; the caller has checked the length.
fn be_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_be_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn images_file(n: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for word in [IMAGES_MAGIC, n, rows, cols] {
            v.extend_from_slice(&word.to_be_bytes());
        }
        v.extend_from_slice(pixels);
        v
    }

    fn labels_file(labels: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
        v.extend_from_slice(&(labels.len() as u32).to_be_bytes());
        v.extend_from_slice(labels);
        v
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// A complete tiny dataset (2x3 images) in `dir`: 4 train and 2 test examples.
    fn write_tiny(dir: &Path, gz: bool) {
        let pack = |b: Vec<u8>| if gz { gzip(&b) } else { b };
        let sfx = if gz { ".gz" } else { "" };
        let px: Vec<u8> = (0..24).map(|i| (i * 10) as u8).collect();
        write(
            dir,
            &format!("train-images-idx3-ubyte{sfx}"),
            &pack(images_file(4, 2, 3, &px)),
        );
        write(
            dir,
            &format!("train-labels-idx1-ubyte{sfx}"),
            &pack(labels_file(&[3, 1, 4, 1])),
        );
        write(
            dir,
            &format!("t10k-images-idx3-ubyte{sfx}"),
            &pack(images_file(2, 2, 3, &px[..12])),
        );
        write(
            dir,
            &format!("t10k-labels-idx1-ubyte{sfx}"),
            &pack(labels_file(&[9, 0])),
        );
    }

    fn assert_names(err: &DataError, name: &str) {
        let msg = err.to_string();
        assert!(msg.contains(name), "message {msg:?} should name {name}");
    }

    #[test]
    fn real_mnist_loads() {
        let Some(data) = crate::testing::real_data("real_mnist_loads") else {
            return;
        };
        let ds = load_mnist(&data).unwrap();
        assert_eq!(ds.name, "mnist");
        assert_eq!(
            (ds.channels, ds.height, ds.width, ds.classes),
            (1, 28, 28, 10)
        );
        assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
        assert_eq!(ds.train.x.len(), 60_000 * 784);
        assert_eq!(ds.test.x.len(), 10_000 * 784);
        assert_eq!(ds.train.y[0], 5);
        assert_eq!(ds.test.y[0], 7);
        assert!(ds.train.x.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(ds.train.x.contains(&1.0) && ds.train.x.contains(&0.0));
        let mean = ds.train.x.iter().map(|&v| f64::from(v)).sum::<f64>() / ds.train.x.len() as f64;
        assert!((mean - f64::from(MNIST_MEAN)).abs() < 1e-3, "mean {mean}");
        assert_eq!(
            (ds.mean.clone(), ds.std.clone()),
            (vec![MNIST_MEAN], vec![MNIST_STD])
        );
    }

    #[test]
    fn real_mnist_loads_from_its_own_folder() {
        let Some(data) = crate::testing::real_data("real_mnist_loads_from_its_own_folder") else {
            return;
        };
        let ds = load_mnist(&data.join("mnist")).unwrap();
        assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
    }

    #[test]
    fn real_fashion_mnist_loads() {
        let Some(data) = crate::testing::real_data("real_fashion_mnist_loads") else {
            return;
        };
        let ds = load_fashion_mnist(&data).unwrap();
        assert_eq!(ds.name, "fashion-mnist");
        assert_eq!(
            (ds.channels, ds.height, ds.width, ds.classes),
            (1, 28, 28, 10)
        );
        assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
        assert_eq!(ds.train.y[0], 9);
        assert!(ds.test.x.iter().all(|v| (0.0..=1.0).contains(v)));
        let mean = ds.train.x.iter().map(|&v| f64::from(v)).sum::<f64>() / ds.train.x.len() as f64;
        assert!(
            (mean - f64::from(FASHION_MNIST_MEAN)).abs() < 1e-3,
            "mean {mean}"
        );
    }

    #[test]
    fn tiny_raw_and_gzip_load_the_same() {
        let raw = tempfile::tempdir().unwrap();
        let gz = tempfile::tempdir().unwrap();
        write_tiny(raw.path(), false);
        write_tiny(gz.path(), true);
        let a = load_mnist(raw.path()).unwrap();
        let b = load_mnist(gz.path()).unwrap();
        assert_eq!(a, b);
        assert_eq!((a.height, a.width), (2, 3));
        assert_eq!(a.train.y, vec![3, 1, 4, 1]);
        assert_eq!(a.test.y, vec![9, 0]);
        assert_eq!(a.train.x[1], 10.0 / 255.0);
        assert_eq!(a.train.x[23], 230.0 / 255.0);
    }

    #[test]
    fn gzip_detected_by_magic_not_extension() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "labels-without-suffix",
            &gzip(&labels_file(&[1, 2])),
        );
        assert_eq!(read_labels(&path, 10).unwrap(), vec![1, 2]);
        let path = write(dir.path(), "raw.gz", &labels_file(&[7]));
        assert_eq!(read_labels(&path, 10).unwrap(), vec![7]);
    }

    #[test]
    fn bad_magic_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "swapped-idx3-ubyte", &labels_file(&[1]));
        let err = read_images(&path).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::BadMagic {
                    expected: IMAGES_MAGIC,
                    found: LABELS_MAGIC,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names(&err, "swapped-idx3-ubyte");
        let err = read_labels(
            &write(dir.path(), "img-as-labels", &images_file(0, 1, 1, &[])),
            10,
        )
        .unwrap_err();
        assert!(matches!(err, DataError::BadMagic { .. }), "{err:?}");
        assert_names(&err, "img-as-labels");
    }

    #[test]
    fn truncated_file_is_a_size_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "short-images", &images_file(2, 2, 2, &[0; 7]));
        let err = read_images(&path).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::Size {
                    expected: 24,
                    found: 23,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names(&err, "short-images");
        // Too short even for the header.
        let path = write(dir.path(), "header-only", &IMAGES_MAGIC.to_be_bytes());
        let err = read_images(&path).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::Size {
                    expected: 16,
                    found: 4,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names(&err, "header-only");
        // Truncated inside a gzip wrapper: the decompressed size is checked.
        let path = write(
            dir.path(),
            "short-labels.gz",
            &gzip(&labels_file(&[1, 2, 3])[..10]),
        );
        let err = read_labels(&path, 10).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::Size {
                    expected: 11,
                    found: 10,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names(&err, "short-labels.gz");
    }

    /// 2^22 images of 2^21 x 2^21 pixels is 2^64 bytes: the size must not wrap to 0 and let
    /// a 16-byte file through as four million images.
    #[test]
    fn header_sizes_that_overflow_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (n, rows, cols) in [(1 << 22, 1 << 21, 1 << 21), (u32::MAX, u32::MAX, u32::MAX)] {
            let path = write(dir.path(), "huge-images", &images_file(n, rows, cols, &[]));
            let err = read_images(&path).unwrap_err();
            assert!(matches!(err, DataError::Invalid { .. }), "{err:?}");
            assert_names(&err, "huge-images");
            let msg = err.to_string();
            assert!(
                msg.contains(&format!("{n} images of {rows}x{cols} pixels")),
                "{msg}"
            );
        }
        // Just under 2^64 bytes: a plain size error.
        let path = write(
            dir.path(),
            "big-images",
            &images_file(u32::MAX, u32::MAX, 1, &[]),
        );
        let err = read_images(&path).unwrap_err();
        let want = u64::from(u32::MAX) * u64::from(u32::MAX) + 16;
        assert!(
            matches!(err, DataError::Size { expected, found: 16, .. } if expected == want),
            "{err:?}"
        );
    }

    #[test]
    fn trailing_bytes_are_a_size_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = labels_file(&[1, 2]);
        bytes.push(0);
        let path = write(dir.path(), "long-labels", &bytes);
        let err = read_labels(&path, 10).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::Size {
                    expected: 10,
                    found: 11,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names(&err, "long-labels");
    }

    #[test]
    fn corrupt_gzip_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = gzip(&labels_file(&[1; 100]));
        let mid = bytes.len() / 2;
        bytes.truncate(mid);
        let path = write(dir.path(), "cut.gz", &bytes);
        let err = read_labels(&path, 10).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }), "{err:?}");
        assert_names(&err, "cut.gz");
        let path = write(
            dir.path(),
            "garbage.gz",
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff],
        );
        let err = read_images(&path).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }), "{err:?}");
        assert_names(&err, "garbage.gz");
    }

    /// `cat a.gz b.gz` is a valid gzip file (RFC 1952: a series of members), as gzip(1),
    /// Python's gzip and zcat read it; bytes after the last member that are not a member are
    /// damage, not something to ignore.
    #[test]
    fn every_gzip_member_is_read_and_trailing_junk_refused() {
        let dir = tempfile::tempdir().unwrap();
        let labels = labels_file(&[3, 1, 4, 1, 5, 9, 2, 6]);
        let two = [gzip(&labels[..5]), gzip(&labels[5..])].concat();
        let path = write(dir.path(), "two-members.gz", &two);
        assert_eq!(
            read_labels(&path, 10).unwrap(),
            vec![3, 1, 4, 1, 5, 9, 2, 6]
        );
        let three = [gzip(&labels[..3]), gzip(&[]), gzip(&labels[3..])].concat();
        let path = write(dir.path(), "three-members.gz", &three);
        assert_eq!(read_labels(&path, 10).unwrap().len(), 8);
        for (name, junk) in [
            ("junk.gz", &b"junk"[..]),
            ("zeros.gz", &[0u8; 3][..]),
            ("one-byte.gz", &[0x1f][..]),
        ] {
            let path = write(dir.path(), name, &[gzip(&labels), junk.to_vec()].concat());
            let err = read_labels(&path, 10).unwrap_err();
            assert!(matches!(err, DataError::Invalid { .. }), "{err:?}");
            assert_names(&err, name);
            let msg = err.to_string();
            assert!(
                msg.contains(&format!(
                    "{} bytes after the gzip data are not a gzip member",
                    junk.len()
                )),
                "{msg}"
            );
        }
        // A second member cut short is a corrupt stream, like a cut first one.
        let gz = gzip(&labels);
        let path = write(
            dir.path(),
            "cut-second.gz",
            &[&gz[..], &gz[..gz.len() / 2]].concat(),
        );
        let err = read_labels(&path, 10).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }), "{err:?}");
        assert_names(&err, "cut-second.gz");
    }

    #[test]
    fn label_out_of_range_gives_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "eleven-labels", &labels_file(&[0, 9, 10, 3]));
        let err = read_labels(&path, 10).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::LabelOutOfRange {
                    label: 10,
                    index: 2,
                    classes: 10,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names(&err, "eleven-labels");
    }

    #[test]
    fn count_mismatch_names_the_label_file() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), false);
        write(
            dir.path(),
            "t10k-labels-idx1-ubyte",
            &labels_file(&[1, 2, 3]),
        );
        let err = load_mnist(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::CountMismatch {
                    expected: 2,
                    found: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names(&err, "t10k-labels-idx1-ubyte");
    }

    #[test]
    fn dimension_mismatch_between_splits_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), false);
        write(
            dir.path(),
            "t10k-images-idx3-ubyte",
            &images_file(2, 3, 2, &[0; 12]),
        );
        let err = load_fashion_mnist(dir.path()).unwrap_err();
        assert!(matches!(err, DataError::Invalid { .. }), "{err:?}");
        assert_names(&err, "t10k-images-idx3-ubyte");
    }

    #[test]
    fn subfolder_is_searched() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("fashion-mnist");
        std::fs::create_dir(&sub).unwrap();
        write_tiny(&sub, true);
        let ds = load_fashion_mnist(dir.path()).unwrap();
        assert_eq!(ds.name, "fashion-mnist");
        assert_eq!(ds.train.len(), 4);
        // MNIST does not look in the Fashion-MNIST folder.
        assert!(matches!(
            load_mnist(dir.path()),
            Err(DataError::Missing { .. })
        ));
    }

    #[test]
    fn torchvision_layout_is_found() {
        // torchvision keeps the downloaded .gz and its extraction side by side in raw/.
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("FashionMNIST/raw");
        std::fs::create_dir_all(&raw).unwrap();
        write_tiny(&raw, true);
        write_tiny(&raw, false);
        let ds = load_fashion_mnist(dir.path()).unwrap();
        assert_eq!(ds.train.len(), 4);
        let files = locate_fashion_mnist(dir.path()).unwrap();
        assert_eq!(
            files[0],
            raw.join("train-images-idx3-ubyte"),
            "raw before .gz"
        );
        // `--data-dir root/FashionMNIST` works too; MNIST does not take Fashion-MNIST's folder.
        assert_eq!(
            load_fashion_mnist(&dir.path().join("FashionMNIST")).unwrap(),
            ds
        );
        assert!(matches!(
            load_mnist(dir.path()),
            Err(DataError::Missing { .. })
        ));
        let mnist_raw = dir.path().join("MNIST/raw");
        std::fs::create_dir_all(&mnist_raw).unwrap();
        write_tiny(&mnist_raw, true);
        assert_eq!(load_mnist(dir.path()).unwrap().name, "mnist");
    }

    #[test]
    fn missing_dir_lists_what_was_tried() {
        let dir = tempfile::tempdir().unwrap();
        let nowhere = dir.path().join("no-such-dir");
        let err = load_mnist(&nowhere).unwrap_err();
        assert!(matches!(err, DataError::Missing { .. }), "{err:?}");
        let msg = err.to_string();
        for part in [
            "no-such-dir",
            "train-images-idx3-ubyte or train-images-idx3-ubyte.gz in ./, mnist/, MNIST/raw/, raw/",
            "runvar data fetch mnist --data-dir",
        ] {
            assert!(msg.contains(part), "message {msg:?} should contain {part}");
        }
        // One file missing among the four: that one is named.
        write_tiny(dir.path(), false);
        std::fs::remove_file(dir.path().join("t10k-labels-idx1-ubyte")).unwrap();
        let err = load_mnist(dir.path()).unwrap_err();
        assert!(matches!(err, DataError::Missing { .. }), "{err:?}");
        assert_names(&err, "t10k-labels-idx1-ubyte");
    }

    #[test]
    fn unreadable_path_is_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent-file");
        let err = read_images(&path).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }), "{err:?}");
        assert_names(&err, "absent-file");
    }
}
