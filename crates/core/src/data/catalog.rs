//! Where the file-based datasets come from: files, checksums, mirrors, and where they land.
//!
//! A [`Remote`] describes one dataset as torchvision downloads it: the files, each with its
//! size and SHA-256, the mirror base URLs in torchvision's order, the folder (inside the data
//! folder) the files land in, and how the download is unpacked. The network code lives in the
//! CLI (`runvar data fetch`); this module only describes and verifies, so it can be used
//! without it.
//!
//! The data folder defaults to `$XDG_CACHE_HOME/runvar/data`, else `$HOME/.cache/runvar/data`
//! ([`default_data_dir`]); [`MIRROR_ENV`] replaces the mirrors (a proxy or an internal copy
//! laid out as `BASE/<dataset>/<file>`).
//!
//! # Checksums
//! Archive sizes and SHA-256s are TensorFlow Datasets' (`tensorflow_datasets/url_checksums/`
//! `mnist.txt`, `fashion_mnist.txt`, `cifar10.txt` in tensorflow/datasets), for the same
//! archives torchvision checks by MD5 (kept beside each for reference). A gzip file whose bytes
//! differ (a mirror that recompressed it) is still accepted when its decompressed bytes match
//! the IDX file's own SHA-256 ([`Content`]); see [`verify`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::runspec::DatasetName;

mod verify;

pub use verify::{sha256_of, verify, Mismatch, Verified};

/// Environment variable that replaces the mirror list: one base URL, or several separated by
/// spaces, each serving `BASE/<dataset>/<file>` (e.g. `BASE/mnist/train-images-idx3-ubyte.gz`).
pub const MIRROR_ENV: &str = "RUNVAR_DATA_MIRROR";

/// One downloadable dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote {
    /// The dataset, as named in specs and on the command line.
    pub dataset: DatasetName,
    /// Display name, e.g. "Fashion-MNIST".
    pub title: &'static str,
    /// Mirror base URLs (ending in `/`), tried in order; a file's URL is base + file name.
    pub mirrors: &'static [&'static str],
    /// The files to download.
    pub files: &'static [RemoteFile],
    /// Folder inside the data folder that the downloaded files land in (`""`: the data folder).
    pub folder: &'static str,
    /// What happens to the files once verified.
    pub unpack: Unpack,
    /// Who made the dataset and under which terms.
    pub credit: &'static str,
}

/// One file of a [`Remote`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteFile {
    /// File name, as on the mirrors.
    pub name: &'static str,
    /// Size in bytes of the archive as published.
    pub size: u64,
    /// SHA-256 of the archive as published, lowercase hex.
    pub sha256: &'static str,
    /// For a gzip file: the decompressed file, which is what runvar reads.
    pub content: Option<Content>,
}

/// The decompressed bytes of a gzip file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: &'static str,
}

/// What to do with a dataset's files once they are verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpack {
    /// Keep them as they are (the IDX loaders read gzip directly).
    Keep,
    /// Extract the one `.tar.gz` file into `folder` (inside the data folder), which must then
    /// hold each of `files` (name, size in bytes); the archive is deleted afterwards.
    TarGz {
        /// The folder the archive extracts to.
        folder: &'static str,
        /// The files that folder must hold, with their sizes.
        files: &'static [(&'static str, u64)],
    },
}

const MNIST_MIRRORS: &[&str] = &[
    // torchvision's two mirrors (torchvision/datasets/mnist.py). PyTorch's copy first: LeCun's
    // server has answered 403/404 since 2024 (pytorch/vision#8568), its page asks scripts not
    // to download from it, and newer torchvision swaps the two the same way (#8865).
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
];

// Size and SHA-256: TFDS url_checksums/mnist.txt (the CVDF copy of LeCun's files, the same
// sizes as the originals). Content SHA-256: of the decompressed IDX files. The archives are
// GNU gzip -6 of exactly that content, under the names `t10k-labels.idx1-ubyte` etc.: gzipping
// the content so gives each archive's size to the byte, and for t10k-labels, with its time
// stamp (1998-01-26 15:07:48 UTC), TFDS's SHA-256 and torchvision's MD5 themselves.
const MNIST_FILES: &[RemoteFile] = &[
    // torchvision MD5 f68b3c2dcbeaaa9fbdd348bbdeb94873
    RemoteFile {
        name: "train-images-idx3-ubyte.gz",
        size: 9_912_422,
        sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        content: Some(Content {
            size: 47_040_016,
            sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        }),
    },
    // torchvision MD5 d53e105ee54ea40749a09fcbcd1e9432
    RemoteFile {
        name: "train-labels-idx1-ubyte.gz",
        size: 28_881,
        sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        content: Some(Content {
            size: 60_008,
            sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        }),
    },
    // torchvision MD5 9fb629c4189551a2d022fa330f9573f3
    RemoteFile {
        name: "t10k-images-idx3-ubyte.gz",
        size: 1_648_877,
        sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        content: Some(Content {
            size: 7_840_016,
            sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        }),
    },
    // torchvision MD5 ec29112dd5afa0611ce80d1b7f02629c
    RemoteFile {
        name: "t10k-labels-idx1-ubyte.gz",
        size: 4_542,
        sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        content: Some(Content {
            size: 10_008,
            sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        }),
    },
];

/// torchvision's mirror (torchvision/datasets/mnist.py, class FashionMNIST).
const FASHION_MIRRORS: &[&str] = &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"];

// Size and SHA-256: TFDS url_checksums/fashion_mnist.txt, for torchvision's URLs. Content
// SHA-256: of the decompressed IDX files (a test rebuilds each archive from its content).
const FASHION_FILES: &[RemoteFile] = &[
    // torchvision MD5 8d4fb7e6c68d591d4c3dfef9ec88bf0d
    RemoteFile {
        name: "train-images-idx3-ubyte.gz",
        size: 26_421_880,
        sha256: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        content: Some(Content {
            size: 47_040_016,
            sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        }),
    },
    // torchvision MD5 25c81989df183df01b3e8a0aad5dffbe
    RemoteFile {
        name: "train-labels-idx1-ubyte.gz",
        size: 29_515,
        sha256: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        content: Some(Content {
            size: 60_008,
            sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        }),
    },
    // torchvision MD5 bef4ecab320f06d8554ea6380940ec79
    RemoteFile {
        name: "t10k-images-idx3-ubyte.gz",
        size: 4_422_102,
        sha256: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        content: Some(Content {
            size: 7_840_016,
            sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        }),
    },
    // torchvision MD5 bb300cfdad3c16e7a12a480ee83cd310
    RemoteFile {
        name: "t10k-labels-idx1-ubyte.gz",
        size: 5_148,
        sha256: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        content: Some(Content {
            size: 10_008,
            sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        }),
    },
];

/// The binary version's home, the site torchvision's CIFAR10 downloads the Python version from
/// (torchvision/datasets/cifar.py).
const CIFAR10_MIRRORS: &[&str] = &["https://www.cs.toronto.edu/~kriz/"];

const CIFAR10_FILES: &[RemoteFile] = &[
    // Size and SHA-256: TFDS url_checksums/cifar10.txt. MD5 c32a1d4ab5d03f1284b67883e8d87530
    // on the dataset's page.
    RemoteFile {
        name: "cifar-10-binary.tar.gz",
        size: 170_052_171,
        sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
        content: None,
    },
];

/// Bytes of one CIFAR-10 binary batch: 10,000 records of 1 label byte and 3,072 pixel bytes.
const CIFAR10_BATCH: u64 = 10_000 * 3_073;

/// Every dataset `runvar data fetch` knows, in the order `runvar data list` shows them.
pub const REMOTES: &[Remote] = &[
    Remote {
        dataset: DatasetName::Mnist,
        title: "MNIST",
        mirrors: MNIST_MIRRORS,
        files: MNIST_FILES,
        folder: "mnist",
        unpack: Unpack::Keep,
        credit: "Yann LeCun, Corinna Cortes, Christopher J. C. Burges; CC BY-SA 3.0",
    },
    Remote {
        dataset: DatasetName::FashionMnist,
        title: "Fashion-MNIST",
        mirrors: FASHION_MIRRORS,
        files: FASHION_FILES,
        folder: "fashion-mnist",
        unpack: Unpack::Keep,
        credit: "Han Xiao, Kashif Rasul, Roland Vollgraf (Zalando Research), 2017; MIT",
    },
    Remote {
        dataset: DatasetName::Cifar10,
        title: "CIFAR-10",
        mirrors: CIFAR10_MIRRORS,
        files: CIFAR10_FILES,
        folder: "",
        unpack: Unpack::TarGz {
            folder: "cifar-10-batches-bin",
            files: &[
                ("data_batch_1.bin", CIFAR10_BATCH),
                ("data_batch_2.bin", CIFAR10_BATCH),
                ("data_batch_3.bin", CIFAR10_BATCH),
                ("data_batch_4.bin", CIFAR10_BATCH),
                ("data_batch_5.bin", CIFAR10_BATCH),
                ("test_batch.bin", CIFAR10_BATCH),
            ],
        },
        credit: "Alex Krizhevsky, \"Learning Multiple Layers of Features from Tiny Images\", 2009",
    },
];

/// The catalog entry of `dataset`, or `None` for the datasets that need no download.
pub fn remote(dataset: DatasetName) -> Option<&'static Remote> {
    REMOTES.iter().find(|r| r.dataset == dataset)
}

/// The catalog entry named `name` (`mnist`, `fashion-mnist`, `cifar10`).
///
/// # Errors
/// A message naming the datasets that can be fetched; for `digits` and `mnist1d`, that they
/// need no download.
pub fn parse_remote(name: &str) -> Result<&'static Remote, String> {
    if let Some(r) = REMOTES.iter().find(|r| r.dataset.name() == name) {
        return Ok(r);
    }
    let known = REMOTES
        .iter()
        .map(|r| r.dataset.name())
        .collect::<Vec<_>>()
        .join(", ");
    match name {
        "digits" | "mnist1d" | "shakespeare" => Err(format!(
            "`{name}` needs no download (it is built into runvar); datasets to fetch: {known}"
        )),
        "ptb" | "char-text" => Err(format!(
            "`{name}` is read from your own text files (--data-dir); runvar does not download \
             it; datasets to fetch: {known}"
        )),
        _ => Err(format!(
            "unknown dataset `{name}`; datasets to fetch: {known}"
        )),
    }
}

impl Remote {
    /// The URLs to try for `file`, in order: each mirror's, or with `mirror_override` (the
    /// value of [`MIRROR_ENV`]) `BASE/<dataset>/<file>` for each base it lists.
    pub fn urls(&self, file: &RemoteFile, mirror_override: Option<&str>) -> Vec<String> {
        let bases: Vec<&str> = mirror_override
            .map(|o| o.split_whitespace().collect())
            .filter(|b: &Vec<&str>| !b.is_empty())
            .unwrap_or_default();
        if bases.is_empty() {
            return self
                .mirrors
                .iter()
                .map(|m| format!("{m}{}", file.name))
                .collect();
        }
        bases
            .iter()
            .map(|b| {
                format!(
                    "{}/{}/{}",
                    b.trim_end_matches('/'),
                    self.dataset.name(),
                    file.name
                )
            })
            .collect()
    }
}

/// The default data folder: `$XDG_CACHE_HOME/runvar/data` when that variable holds an
/// absolute path, else `$HOME/.cache/runvar/data`; `None` when neither is set.
pub fn default_data_dir() -> Option<PathBuf> {
    default_data_dir_from(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME"))
}

/// [`default_data_dir`] from given values of `XDG_CACHE_HOME` and `HOME`. A relative or empty
/// `XDG_CACHE_HOME` is ignored, as the XDG base directory specification asks.
pub fn default_data_dir_from(
    xdg_cache: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let xdg = xdg_cache
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .map(|p| p.join("runvar").join("data"));
    xdg.or_else(|| {
        home.filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".cache").join("runvar").join("data"))
    })
}

/// The command that downloads `dataset` into `dir`: `runvar data fetch NAME`, with
/// `--data-dir DIR` unless `dir` is the default data folder.
pub fn fetch_command(dataset: DatasetName, dir: &Path) -> String {
    let name = dataset.name();
    if default_data_dir().is_some_and(|d| d == dir) {
        return format!("runvar data fetch {name}");
    }
    let shown = dir.display().to_string();
    if shown.contains(char::is_whitespace) || shown.contains('\'') {
        format!("runvar data fetch {name} --data-dir \"{shown}\"")
    } else {
        format!("runvar data fetch {name} --data-dir {shown}")
    }
}

#[cfg(test)]
mod tests;
