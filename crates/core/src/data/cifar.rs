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
//! `cifar10/`. Every official batch holds exactly [`BATCH_RECORDS`] (10,000) records, and a file
//! of any other size is refused before it is read: a download cut at a record boundary is a
//! whole number of records, but not 10,000 of them ([`DataError::Invalid`], with the count); a
//! length that is not a multiple of 3073 bytes is a [`DataError::Size`]. A folder that holds
//! only the Python version (`cifar-10-batches-py/`, what torchvision downloads) is a
//! [`DataError::PythonCifar`] saying how to get the binary one.
//!
//! [`read_batch`] reads one batch of any stated number of records; the loaders always state
//! 10,000, and smaller counts are for tests and for fuzzing this reader (tests/fuzz.rs).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::locate::{self, Lookup};
use super::{DataError, Dataset, Split};
use crate::data::catalog::fetch_command;
use crate::runspec::DatasetName;

/// Per-channel (R, G, B) mean of the training pixels in `[0, 1]`, the customary constants.
pub const CIFAR10_MEAN: [f32; 3] = [0.4914, 0.4822, 0.4465];
/// Per-channel (R, G, B) standard deviation, the customary constants.
pub const CIFAR10_STD: [f32; 3] = [0.2023, 0.1994, 0.2010];

/// Records in each official batch file (`data_batch_1.bin` ... `data_batch_5.bin`,
/// `test_batch.bin`).
pub const BATCH_RECORDS: usize = 10_000;

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
///
/// # Errors
/// [`DataError`] naming the file: missing, of the wrong size (each batch holds exactly
/// [`BATCH_RECORDS`] records), or with a label outside `0..10`.
pub fn load_cifar10(dir: &Path) -> Result<Dataset, DataError> {
    load(dir, BATCH_RECORDS, None, None)
}

/// [`load_cifar10`], reading only the first `train_limit` training examples (in file order,
/// across the five batches) and the first `test_limit` test examples. Every batch file is still
/// checked to hold exactly [`BATCH_RECORDS`] records, read or not.
///
/// # Errors
/// As [`load_cifar10`].
pub fn load_cifar10_limited(
    dir: &Path,
    train_limit: Option<usize>,
    test_limit: Option<usize>,
) -> Result<Dataset, DataError> {
    load(dir, BATCH_RECORDS, train_limit, test_limit)
}

/// The records of the batch file at `path`, which must hold exactly `records` records (the
/// loaders ask for [`BATCH_RECORDS`]; smaller counts are for tests and fuzzing).
///
/// # Errors
/// [`DataError::Invalid`] for a whole number of records other than `records`,
/// [`DataError::Size`] for a length that is not, [`DataError::LabelOutOfRange`], or
/// [`DataError::Io`]; each names the file.
pub fn read_batch(path: &Path, records: usize) -> Result<Split, DataError> {
    let mut split = Split {
        x: Vec::new(),
        y: Vec::new(),
    };
    read_batch_into(path, records, usize::MAX, &mut split)?;
    Ok(split)
}

/// The loader, with batches of `records` records and optional limits.
fn load(
    dir: &Path,
    records: usize,
    train_limit: Option<usize>,
    test_limit: Option<usize>,
) -> Result<Dataset, DataError> {
    let mut paths = locate(dir)?;
    // Every size before any data: a cut test batch fails at once, not after five batches.
    for path in &paths {
        check_size(path, records)?;
    }
    let test_path = paths.pop().expect("locate gives six files");
    let train_paths = paths;

    let mut train = Split {
        x: Vec::new(),
        y: Vec::new(),
    };
    let mut left = train_limit.unwrap_or(usize::MAX);
    for path in &train_paths {
        left -= read_batch_into(path, records, left, &mut train)?;
    }
    let mut test = Split {
        x: Vec::new(),
        y: Vec::new(),
    };
    read_batch_into(
        &test_path,
        records,
        test_limit.unwrap_or(usize::MAX),
        &mut test,
    )?;
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

/// Checks that the file at `path` holds exactly `records` records.
fn check_size(path: &Path, records: usize) -> Result<(), DataError> {
    let len = std::fs::metadata(path)
        .map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    check_len(path, len, records)
}

/// Checks that `len` bytes are exactly `records` records.
fn check_len(path: &Path, len: u64, records: usize) -> Result<(), DataError> {
    let expected = (records as u64).checked_mul(RECORD as u64);
    if expected == Some(len) {
        return Ok(());
    }
    let record = RECORD as u64;
    Err(if len > 0 && len.is_multiple_of(record) {
        DataError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "holds {} records but a CIFAR-10 batch holds exactly {records}: the download \
                 was cut short or this is not an official batch; fetch it again with \
                 `runvar data fetch cifar10`",
                len / record
            ),
        }
    } else {
        DataError::Size {
            path: path.to_path_buf(),
            expected: expected.unwrap_or(u64::MAX),
            found: len,
        }
    })
}

/// Checks that the file at `path` holds exactly `records` records, then appends the first
/// `take` of them to `split`; returns how many it appended.
fn read_batch_into(
    path: &Path,
    records: usize,
    take: usize,
    split: &mut Split,
) -> Result<usize, DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    check_len(path, file.metadata().map_err(io)?.len(), records)?;
    // n <= records, and records * RECORD is the file's real length: no overflow, and no
    // buffer larger than the file.
    let n = take.min(records);
    let mut bytes = vec![0u8; n * RECORD];
    file.read_exact(&mut bytes).map_err(io)?;
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
    Ok(n)
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

    /// Records per batch in these tests: official batches hold [`BATCH_RECORDS`].
    const SMALL: usize = 3;

    /// Five training batches of 3 records (examples 0..15) and a test batch of 3 (100..103).
    fn write_official(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for (i, name) in TRAIN_FILES.iter().enumerate() {
            std::fs::write(dir.join(name), batch(SMALL * i, SMALL)).unwrap();
        }
        std::fs::write(dir.join(TEST_FILE), batch(100, SMALL)).unwrap();
    }

    /// The loader with batches of [`SMALL`] records.
    fn load_small(dir: &Path) -> Result<Dataset, DataError> {
        load(dir, SMALL, None, None)
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
        let ds = load_small(dir.path()).unwrap();
        assert_eq!(ds.name, "cifar10");
        assert_eq!(
            (ds.channels, ds.height, ds.width, ds.classes),
            (3, 32, 32, 10)
        );
        assert_eq!((ds.train.len(), ds.test.len()), (15, 3));
        assert_eq!(ds.train.x.len(), 15 * 3072);
        assert_eq!(ds.train.y, (0..15).map(|i| i % 10).collect::<Vec<i64>>());
        assert_eq!(ds.test.y, vec![0, 1, 2]);
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
        // Test records with constant planes: R 255, G 128, B 0.
        let dir = tempfile::tempdir().unwrap();
        write_official(dir.path());
        let mut record = vec![7u8];
        record.extend_from_slice(&[255; 1024]);
        record.extend_from_slice(&[128; 1024]);
        record.extend_from_slice(&[0; 1024]);
        std::fs::write(dir.path().join(TEST_FILE), record.repeat(SMALL)).unwrap();
        let ds = load_small(dir.path()).unwrap();
        assert_eq!(ds.test.y, vec![7; SMALL]);
        assert!(ds.test.x[..1024].iter().all(|&v| v == 1.0));
        assert!(ds.test.x[1024..2048].iter().all(|&v| v == 128.0 / 255.0));
        assert!(ds.test.x[2048..PIXELS].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn subfolders_are_searched() {
        for sub in SUBDIRS {
            let dir = tempfile::tempdir().unwrap();
            write_official(&dir.path().join(sub));
            let ds = load_small(dir.path()).unwrap();
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
        let err = load_small(dir.path()).unwrap_err();
        assert!(
            matches!(err, DataError::Size { expected, found, .. }
                if expected == 3 * RECORD as u64 && found == 3 * RECORD as u64 - 1),
            "{err:?}"
        );
        assert_names(&err, "data_batch_3.bin");
        std::fs::write(dir.path().join("data_batch_3.bin"), []).unwrap();
        let err = load_small(dir.path()).unwrap_err();
        assert!(matches!(err, DataError::Size { found: 0, .. }), "{err:?}");
        assert_names(&err, "data_batch_3.bin");
    }

    #[test]
    fn label_out_of_range_gives_index() {
        let dir = tempfile::tempdir().unwrap();
        write_official(dir.path());
        let mut bytes = batch(100, SMALL);
        bytes[RECORD] = 10;
        std::fs::write(dir.path().join(TEST_FILE), &bytes).unwrap();
        let err = load_small(dir.path()).unwrap_err();
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
        let err = load_small(&dir.path().join("nothing-here")).unwrap_err();
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
        let err = load_small(dir.path()).unwrap_err();
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
            let err = load_small(&d).unwrap_err();
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
        assert_eq!(load_small(dir.path()).unwrap().train.len(), 15);
    }

    /// A file of the official size: `real` records of the test pattern, then zero records (label
    /// 0, black) up to [`BATCH_RECORDS`], left sparse so the test writes almost nothing.
    fn full_size(path: &Path, first: usize, real: usize) {
        std::fs::write(path, batch(first, real)).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.set_len((BATCH_RECORDS * RECORD) as u64).unwrap();
    }

    /// A download cut at a record boundary is a whole number of records: still refused, with
    /// the count found and the count expected.
    #[test]
    fn official_batches_hold_exactly_10000_records() {
        let dir = tempfile::tempdir().unwrap();
        for (i, name) in TRAIN_FILES.iter().enumerate() {
            full_size(&dir.path().join(name), 20 * i, 20);
        }
        full_size(&dir.path().join(TEST_FILE), 100, 20);
        let ds = load_cifar10_limited(dir.path(), Some(20), Some(5)).unwrap();
        assert_eq!((ds.train.len(), ds.test.len()), (20, 5));
        assert_eq!(ds.train.y, (0..20).map(|i| i % 10).collect::<Vec<i64>>());
        assert_eq!(
            value(&ds.test, 4, 2, 3, 4),
            f32::from(pattern(104, 2, 3, 4)) / 255.0
        );
        for (name, records) in [(TRAIN_FILES[2], 100), (TEST_FILE, 50), (TEST_FILE, 10_001)] {
            let path = dir.path().join(name);
            std::fs::write(&path, batch(0, records)).unwrap();
            for err in [
                load_cifar10(dir.path()).unwrap_err(),
                load_cifar10_limited(dir.path(), Some(1), Some(1)).unwrap_err(),
            ] {
                assert!(matches!(err, DataError::Invalid { .. }), "{err:?}");
                let msg = err.to_string();
                assert!(
                    msg.starts_with(&path.display().to_string())
                        && msg.contains(&format!("holds {records} records"))
                        && msg.contains("exactly 10000"),
                    "{msg}"
                );
            }
            full_size(&path, 0, 20);
        }
        // Not a whole number of records: a size error against the official size.
        let path = dir.path().join(TRAIN_FILES[0]);
        std::fs::write(&path, &batch(0, 100)[..100 * RECORD - 1]).unwrap();
        let err = load_cifar10(dir.path()).unwrap_err();
        assert!(
            matches!(err, DataError::Size { expected, found, .. }
                if expected == (BATCH_RECORDS * RECORD) as u64 && found == 100 * RECORD as u64 - 1),
            "{err:?}"
        );
        assert_names(&err, TRAIN_FILES[0]);
    }

    /// Limits read the first examples in file order, across batch boundaries.
    #[test]
    fn limits_read_the_first_examples_only() {
        let dir = tempfile::tempdir().unwrap();
        write_official(dir.path());
        let ds = load(dir.path(), SMALL, Some(5), Some(2)).unwrap();
        assert_eq!(ds.train.y, vec![0, 1, 2, 3, 4]);
        assert_eq!(ds.train.x.len(), 5 * PIXELS);
        assert_eq!(
            value(&ds.train, 4, 1, 7, 30),
            f32::from(pattern(4, 1, 7, 30)) / 255.0
        );
        assert_eq!(ds.test.y, vec![0, 1]);
        // A limit past the data takes it all; later batches are still checked when not read.
        let all = load(dir.path(), SMALL, Some(1000), None).unwrap();
        assert_eq!(all, load_small(dir.path()).unwrap());
        std::fs::write(dir.path().join(TRAIN_FILES[4]), batch(0, 2)).unwrap();
        let err = load(dir.path(), SMALL, Some(1), Some(1)).unwrap_err();
        assert_names(&err, TRAIN_FILES[4]);
    }
}
