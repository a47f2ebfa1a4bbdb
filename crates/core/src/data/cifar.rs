//! CIFAR-10, binary version (`cifar-10-binary.tar.gz`, extracted).
//!
//! Training data is `data_batch_1.bin` … `data_batch_5.bin` (in that order), test data is
//! `test_batch.bin`. Each record is 1 label byte (0..=9) followed by 3072 pixel bytes: the 1024
//! red values, then 1024 green, then 1024 blue, each plane a row-major 32x32 image. That is
//! already the `[channels, height, width]` order of a [`Split`], so the bytes are copied in
//! order and scaled by `/ 255`.
//!
//! Each file is looked up in the data directory, then in `cifar-10-batches-bin/` (the folder
//! the official archive extracts to, and where `runvar data fetch cifar10` puts it), then in
//! `cifar10/`. An official batch holds 10,000 records, but any whole number of records is
//! accepted; a length that is not a multiple of 3073 bytes is a [`DataError::Size`]. A folder
//! that holds only the Python version (`cifar-10-batches-py/`, what torchvision downloads) is a
//! [`DataError::PythonCifar`] saying how to get the binary one.

use std::path::{Path, PathBuf};

use super::locate::{self, Lookup};
use super::{DataError, Dataset, Split};
use crate::data::catalog::fetch_command;
use crate::spec::DatasetName;

/// Per-channel (R, G, B) mean of the training pixels in `[0, 1]`, the customary constants.
pub const CIFAR10_MEAN: [f32; 3] = [0.4914, 0.4822, 0.4465];
/// Per-channel (R, G, B) standard deviation, the customary constants.
pub const CIFAR10_STD: [f32; 3] = [0.2023, 0.1994, 0.2010];

const CLASSES: usize = 10;
const SIDE: usize = 32;
const PIXELS: usize = 3 * SIDE * SIDE;
const RECORD: usize = 1 + PIXELS;
const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
const TEST_FILE: &str = "test_batch.bin";
const SUBDIRS: [&str; 2] = ["cifar-10-batches-bin", "cifar10"];
/// The folder torchvision's CIFAR10 extracts the Python version to.
const PYTHON_FOLDER: &str = "cifar-10-batches-py";

/// Loads CIFAR-10 (name `cifar10`: 3 channels, 32x32, 10 classes) from `dir`,
/// `dir/cifar-10-batches-bin` or `dir/cifar10`.
///
/// Normalization constants: [`CIFAR10_MEAN`], [`CIFAR10_STD`].
pub fn load_cifar10(dir: &Path) -> Result<Dataset, DataError> {
    let mut paths = locate(dir)?;
    let test_path = paths.pop().expect("locate gives six files");
    let train_paths = paths;

    let mut train = Split {
        x: Vec::new(),
        y: Vec::new(),
    };
    for path in &train_paths {
        read_batch(path, &mut train)?;
    }
    let mut test = Split {
        x: Vec::new(),
        y: Vec::new(),
    };
    read_batch(&test_path, &mut test)?;
    Ok(Dataset {
        name: "cifar10".to_string(),
        channels: 3,
        height: SIDE,
        width: SIDE,
        classes: CLASSES,
        mean: CIFAR10_MEAN.to_vec(),
        std: CIFAR10_STD.to_vec(),
        train,
        test,
    })
}

/// Appends the records of one batch file to `split`.
fn read_batch(path: &Path, split: &mut Split) -> Result<(), DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.is_empty() || bytes.len() % RECORD != 0 {
        // Report the size a whole number of records would have (at least one).
        let records = bytes.len().div_ceil(RECORD).max(1);
        return Err(DataError::Size {
            path: path.to_path_buf(),
            expected: (records * RECORD) as u64,
            found: bytes.len() as u64,
        });
    }
    let n = bytes.len() / RECORD;
    split.x.reserve(n * PIXELS);
    split.y.reserve(n);
    for (index, record) in bytes.chunks_exact(RECORD).enumerate() {
        let label = record[0];
        if usize::from(label) >= CLASSES {
            return Err(DataError::LabelOutOfRange {
                path: path.to_path_buf(),
                label: i64::from(label),
                index,
                classes: CLASSES,
            });
        }
        split.y.push(i64::from(label));
        split
            .x
            .extend(record[1..].iter().map(|&b| f32::from(b) / 255.0));
    }
    Ok(())
}

/// The six batch files (five training, then the test batch), all found before any is read,
/// so a missing one fails fast.
pub(crate) fn locate(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    TRAIN_FILES
        .iter()
        .map(|name| (*name, "CIFAR-10 training batch"))
        .chain(std::iter::once((TEST_FILE, "CIFAR-10 test batch")))
        .map(|(name, what)| {
            let lookup = Lookup {
                dataset: DatasetName::Cifar10,
                folders: &SUBDIRS,
                names: &[name],
                what,
            };
            locate::find(dir, &lookup).map_err(|missing| python_version(dir).unwrap_or(missing))
        })
        .collect()
}

/// The error for a folder that holds CIFAR-10's Python version instead of the binary one:
/// `dir/cifar-10-batches-py/`, or `dir` itself holding `data_batch_1` without `.bin`.
fn python_version(dir: &Path) -> Option<DataError> {
    let path = [dir.join(PYTHON_FOLDER), dir.join("data_batch_1")]
        .into_iter()
        .find(|p| p.exists())?;
    // Fetch into the folder above the Python one when pointed at it.
    let root = if path.ends_with("data_batch_1") && dir.ends_with(PYTHON_FOLDER) {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    Some(DataError::PythonCifar {
        path,
        fetch: fetch_command(DatasetName::Cifar10, root),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pixel byte of example `ex` (global within its split), channel `c`, row `r`, column `col`:
    /// a pattern that differs between channels, rows, columns and examples.
    fn pattern(ex: usize, c: usize, r: usize, col: usize) -> u8 {
        ((ex * 37 + c * 80 + r * 5 + col) % 256) as u8
    }

    /// One file of `n` records whose examples are numbered from `first`.
    fn batch(first: usize, n: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(n * RECORD);
        for ex in first..first + n {
            bytes.push((ex % 10) as u8);
            for c in 0..3 {
                for r in 0..SIDE {
                    for col in 0..SIDE {
                        bytes.push(pattern(ex, c, r, col));
                    }
                }
            }
        }
        bytes
    }

    /// Five training batches of 3 records (examples 0..15) and a test batch of 2.
    fn write_official(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for (i, name) in TRAIN_FILES.iter().enumerate() {
            std::fs::write(dir.join(name), batch(3 * i, 3)).unwrap();
        }
        std::fs::write(dir.join(TEST_FILE), batch(100, 2)).unwrap();
    }

    fn value(split: &Split, ex: usize, c: usize, r: usize, col: usize) -> f32 {
        split.x[((ex * 3 + c) * SIDE + r) * SIDE + col]
    }

    fn assert_names(err: &DataError, name: &str) {
        let msg = err.to_string();
        assert!(msg.contains(name), "message {msg:?} should name {name}");
    }

    #[test]
    fn official_layout_loads_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write_official(dir.path());
        let ds = load_cifar10(dir.path()).unwrap();
        assert_eq!(ds.name, "cifar10");
        assert_eq!(
            (ds.channels, ds.height, ds.width, ds.classes),
            (3, 32, 32, 10)
        );
        assert_eq!((ds.train.len(), ds.test.len()), (15, 2));
        assert_eq!(ds.train.x.len(), 15 * 3072);
        assert_eq!(ds.train.y, (0..15).map(|i| i % 10).collect::<Vec<i64>>());
        assert_eq!(ds.test.y, vec![0, 1]);
        for (ex, c, r, col) in [(0, 0, 0, 0), (4, 1, 7, 30), (14, 2, 31, 31), (9, 2, 0, 5)] {
            let want = f32::from(pattern(ex, c, r, col)) / 255.0;
            assert_eq!(
                value(&ds.train, ex, c, r, col),
                want,
                "train {ex} {c} {r} {col}"
            );
        }
        assert_eq!(
            value(&ds.test, 1, 1, 2, 3),
            f32::from(pattern(101, 1, 2, 3)) / 255.0
        );
        assert_eq!(ds.mean, CIFAR10_MEAN.to_vec());
        assert_eq!(ds.std, CIFAR10_STD.to_vec());
    }

    #[test]
    fn channel_planes_are_red_green_blue() {
        // One test record with constant planes: R 255, G 128, B 0.
        let dir = tempfile::tempdir().unwrap();
        write_official(dir.path());
        let mut record = vec![7u8];
        record.extend_from_slice(&[255; 1024]);
        record.extend_from_slice(&[128; 1024]);
        record.extend_from_slice(&[0; 1024]);
        std::fs::write(dir.path().join(TEST_FILE), &record).unwrap();
        let ds = load_cifar10(dir.path()).unwrap();
        assert_eq!(ds.test.y, vec![7]);
        assert!(ds.test.x[..1024].iter().all(|&v| v == 1.0));
        assert!(ds.test.x[1024..2048].iter().all(|&v| v == 128.0 / 255.0));
        assert!(ds.test.x[2048..].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn subfolders_are_searched() {
        for sub in SUBDIRS {
            let dir = tempfile::tempdir().unwrap();
            write_official(&dir.path().join(sub));
            let ds = load_cifar10(dir.path()).unwrap();
            assert_eq!(ds.train.len(), 15, "{sub}");
        }
    }

    #[test]
    fn truncated_batch_is_a_size_error() {
        let dir = tempfile::tempdir().unwrap();
        write_official(dir.path());
        let mut bytes = batch(6, 3);
        bytes.pop();
        std::fs::write(dir.path().join("data_batch_3.bin"), &bytes).unwrap();
        let err = load_cifar10(dir.path()).unwrap_err();
        assert!(
            matches!(err, DataError::Size { expected, found, .. }
                if expected == 3 * RECORD as u64 && found == 3 * RECORD as u64 - 1),
            "{err:?}"
        );
        assert_names(&err, "data_batch_3.bin");
        std::fs::write(dir.path().join("data_batch_3.bin"), []).unwrap();
        let err = load_cifar10(dir.path()).unwrap_err();
        assert!(matches!(err, DataError::Size { found: 0, .. }), "{err:?}");
        assert_names(&err, "data_batch_3.bin");
    }

    #[test]
    fn label_out_of_range_gives_index() {
        let dir = tempfile::tempdir().unwrap();
        write_official(dir.path());
        let mut bytes = batch(100, 2);
        bytes[RECORD] = 10;
        std::fs::write(dir.path().join(TEST_FILE), &bytes).unwrap();
        let err = load_cifar10(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::LabelOutOfRange {
                    label: 10,
                    index: 1,
                    classes: 10,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_names(&err, TEST_FILE);
    }

    #[test]
    fn missing_files_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_cifar10(&dir.path().join("nothing-here")).unwrap_err();
        assert!(matches!(err, DataError::Missing { .. }), "{err:?}");
        let msg = err.to_string();
        for part in [
            "nothing-here: no CIFAR-10 training batch found",
            "data_batch_1.bin in ./, cifar-10-batches-bin/, cifar10/",
            "runvar data fetch cifar10 --data-dir",
        ] {
            assert!(msg.contains(part), "message {msg:?} should contain {part}");
        }
        write_official(dir.path());
        std::fs::remove_file(dir.path().join(TEST_FILE)).unwrap();
        let err = load_cifar10(dir.path()).unwrap_err();
        assert!(matches!(err, DataError::Missing { .. }), "{err:?}");
        assert_names(&err, TEST_FILE);
    }

    #[test]
    fn python_version_gets_a_hint_to_fetch_the_binary_one() {
        let dir = tempfile::tempdir().unwrap();
        let py = dir.path().join(PYTHON_FOLDER);
        std::fs::create_dir(&py).unwrap();
        for name in ["data_batch_1", "test_batch", "batches.meta"] {
            std::fs::write(py.join(name), b"pickle").unwrap();
        }
        for d in [dir.path().to_path_buf(), py.clone()] {
            let err = load_cifar10(&d).unwrap_err();
            assert!(matches!(err, DataError::PythonCifar { .. }), "{err:?}");
            let msg = err.to_string();
            assert!(msg.contains("Python version"), "{msg}");
            let want = format!(
                "runvar data fetch cifar10 --data-dir {}`",
                dir.path().display()
            );
            assert!(msg.contains(&want), "{msg} should contain {want}");
        }
        // With the binary version beside it, the binary one is read.
        write_official(&dir.path().join("cifar-10-batches-bin"));
        assert_eq!(load_cifar10(dir.path()).unwrap().train.len(), 15);
    }
}
