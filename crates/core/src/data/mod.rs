//! Datasets as plain in-memory arrays, with real loaders and clear errors.
//!
//! Every loader returns a [`Dataset`]: pixel values scaled to `[0, 1]` (1-D signals as they are
//! generated), labels as class indices, and the per-channel mean and standard deviation that the
//! engine uses to normalize. Files are named in every error.
//!
//! The file-based datasets (MNIST, Fashion-MNIST, CIFAR-10) are found in a data folder in
//! runvar's layout or torchvision's ([`locate`]); [`catalog`] says where `runvar data fetch`
//! downloads them from and how their files are verified.
//!
//! [`prepare`] turns the dataset a spec names into what training reads: truncated to the spec's
//! limits and normalized per channel ([`Prepared`]); [`synthetic`] makes data of a dataset's
//! shape without reading files, for speed measurements.

use std::path::PathBuf;

pub mod catalog;
pub mod cifar;
pub mod digits;
mod gzip;
pub mod idx;
mod locate;
pub mod mnist1d;
mod prepared;
mod synthetic;
mod task;
pub mod text;

pub use locate::locate;
pub use prepared::{load, prepare, prepare_from, Prepared};
pub use synthetic::synthetic;
pub use task::{prepare_task, Task, TextData};

/// One split (train or test): `n` examples of `channels * height * width` values each.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Example values, row-major `[n, channels, height, width]`.
    pub x: Vec<f32>,
    /// Class index of each example, in `0..classes`.
    pub y: Vec<i64>,
}

impl Split {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when the split has no examples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The first `n` examples (all of them when `n >= len`).
    pub fn truncated(mut self, n: usize, example_len: usize) -> Split {
        if n < self.len() {
            self.y.truncate(n);
            self.x.truncate(n * example_len);
        }
        self
    }
}

/// A classification dataset with a train and a test split.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Short name, as in specs (`digits`, `mnist1d`, `mnist`, `fashion-mnist`, `cifar10`).
    pub name: String,
    /// Channels per example (1 for gray images and 1-D signals, 3 for CIFAR-10).
    pub channels: usize,
    /// Height (1 for 1-D signals).
    pub height: usize,
    /// Width (the signal length for 1-D signals).
    pub width: usize,
    /// Number of classes.
    pub classes: usize,
    /// Per-channel mean used for normalization.
    pub mean: Vec<f32>,
    /// Per-channel standard deviation used for normalization.
    pub std: Vec<f32>,
    /// Training split.
    pub train: Split,
    /// Test split.
    pub test: Split,
}

impl Dataset {
    /// Values per example: `channels * height * width`.
    pub fn example_len(&self) -> usize {
        self.channels * self.height * self.width
    }
}

/// Errors from reading or generating a dataset. Each names the file it concerns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// None of the expected file names exist in the data directory or its dataset subfolders.
    #[error(
        "{dir}: no {what} found (looked for {tried}); run `{fetch}` to download it, or pass \
         --data-dir pointing at the folder that holds it"
    )]
    Missing {
        /// The directory searched.
        dir: PathBuf,
        /// What was looked for, e.g. "MNIST training images".
        what: String,
        /// The names and folders tried, e.g. "a or a.gz in ./, mnist/".
        tried: String,
        /// The command that downloads the dataset into `dir`.
        fetch: String,
    },
    /// The folder holds CIFAR-10's Python version (pickled batches), not the binary one.
    #[error(
        "{path}: this is the Python version of CIFAR-10 (pickled batches, as torchvision \
         downloads it); runvar reads the binary version (data_batch_1.bin ...): run `{fetch}`"
    )]
    PythonCifar {
        /// The Python version's folder or first batch file.
        path: PathBuf,
        /// The command that downloads the binary version.
        fetch: String,
    },
    /// The file's header does not carry the expected magic number.
    #[error("{path}: bad magic number {found:#010x}, expected {expected:#010x}; is this an IDX {kind} file?")]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number expected.
        expected: u32,
        /// The magic number found.
        found: u32,
        /// "images" or "labels".
        kind: &'static str,
    },
    /// The file is shorter (or longer) than its header says.
    #[error("{path}: truncated or wrong size: expected {expected} bytes, found {found}")]
    Size {
        /// The file.
        path: PathBuf,
        /// Bytes expected.
        expected: u64,
        /// Bytes found.
        found: u64,
    },
    /// Image and label files disagree on the number of examples.
    #[error("{path}: {found} labels but {expected} images; the image and label files do not belong together")]
    CountMismatch {
        /// The label file.
        path: PathBuf,
        /// Number of images.
        expected: usize,
        /// Number of labels.
        found: usize,
    },
    /// A label outside `0..classes`.
    #[error("{path}: label {label} out of range 0..{classes} at index {index}; is this a {classes}-class dataset?")]
    LabelOutOfRange {
        /// The file.
        path: PathBuf,
        /// The label found.
        label: i64,
        /// The example index.
        index: usize,
        /// The number of classes.
        classes: usize,
    },
    /// A malformed text record (CSV line).
    #[error("{path}: line {line}: {message}")]
    Parse {
        /// The file (or embedded asset name).
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A file-based dataset has no `data.dir` and there is no default data folder. Names the
    /// spec field, not a file: there is no file to name.
    #[error(
        "`data.dir`: dataset {dataset} is read from files and there is no default data folder \
         (neither XDG_CACHE_HOME nor HOME is set): pass --data-dir DIR (the folder holding its \
         files)"
    )]
    NoDataDir {
        /// The dataset's name, as in specs.
        dataset: &'static str,
    },
    /// The train or test split is empty once the spec's limits are applied.
    #[error("`data`: dataset {dataset} has an empty train or test split")]
    EmptySplit {
        /// The dataset's name.
        dataset: String,
    },
    /// A text corpus was asked for as labelled examples (a caller bug, or a classifier spec
    /// naming a corpus: [`crate::runspec::RunSpec::validate`] refuses those first).
    #[error("`data.dataset`: {dataset} is a text corpus, not labelled examples")]
    NotImages {
        /// The dataset's name.
        dataset: &'static str,
    },
    /// Any other problem with the contents (e.g. wrong image dimensions).
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}
