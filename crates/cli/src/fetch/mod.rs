//! `runvar data fetch`'s machinery: download a catalog dataset into the data folder, verified.
//!
//! For each file of a [`Remote`]: a file already at its final name that passes
//! [`catalog::verify`] is kept; otherwise it is downloaded to `<name>.part` beside it, from
//! each mirror in turn ([`download`]), verified, and renamed into place. Nothing at a final
//! name is ever unverified. CIFAR-10's archive is then unpacked ([`unpack`]) into its folder,
//! which appears only when complete.
//!
//! The HTTP client is `ureq` (blocking, rustls): HTTPS and plain HTTP (two of torchvision's
//! mirrors are `http://`), redirects, `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, and no
//! transparent gzip decoding, which would change the bytes being verified.

mod download;
mod unpack;

use std::path::{Path, PathBuf};
use std::time::Duration;

use runvar_core::data::catalog::{self, Remote, Unpack, Verified};

/// Something the user may want to see while a dataset is fetched.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A file already at its final name passed verification: not downloaded again.
    Present {
        /// File name.
        file: &'a str,
        /// How it matched.
        how: Verified,
    },
    /// An unpacked folder is already complete.
    PresentFolder {
        /// Folder name.
        folder: &'a str,
    },
    /// A transfer starts at byte `from` (a resumed `.part` when not 0).
    Start {
        /// File name.
        file: &'a str,
        /// The URL asked.
        url: &'a str,
        /// The first byte asked for.
        from: u64,
        /// The file's whole size, when the server says.
        total: Option<u64>,
    },
    /// `done` bytes of the file are in its `.part` now.
    Progress {
        /// File name.
        file: &'a str,
        /// Bytes so far.
        done: u64,
        /// The file's whole size, when known.
        total: Option<u64>,
    },
    /// An attempt failed and what happens next (resume, next mirror, start over).
    Retry {
        /// What went wrong (naming the URL or file) and what comes next.
        message: &'a str,
    },
    /// The file is verified and at its final name.
    Done {
        /// File name.
        file: &'a str,
        /// How it matched.
        how: Verified,
    },
    /// An archive is being unpacked.
    Unpacking {
        /// Archive name.
        file: &'a str,
    },
}

/// Why a dataset could not be fetched. Each message names the file or folder at fault and
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The data folder (or a folder inside it) cannot be created.
    #[error(
        "{path}: cannot create the data folder ({cause}); pass --data-dir DIR with a \
         writable folder"
    )]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why (in the message, not a separate source: the CLI prints sources again).
        cause: std::io::Error,
    },
    /// A file in the data folder cannot be written, read, renamed or removed.
    #[error("{path}: cannot {action} ({cause}); pass --data-dir DIR with a writable folder")]
    Local {
        /// The file.
        path: PathBuf,
        /// "write", "rename into place", ...
        action: &'static str,
        /// Why (in the message, not a separate source: the CLI prints sources again).
        cause: std::io::Error,
    },
    /// No mirror gave a verified copy.
    #[error("{path}: download failed from every mirror: {failures}; {advice}")]
    AllMirrorsFailed {
        /// The file's final name.
        path: PathBuf,
        /// Each mirror's failure, `URL: reason`, joined by "; ".
        failures: String,
        /// Whether a partial download was kept (to resume) or what else to try.
        advice: String,
    },
    /// The archive could not be unpacked, or did not hold what it should.
    #[error("{path}: {message}")]
    Unpack {
        /// The archive or folder.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

/// How downloads are made.
#[derive(Debug, Clone)]
pub struct Options {
    /// Transfers per mirror and file: a cut-off transfer is resumed until this many were made.
    pub attempts: usize,
    /// Pause before resuming a cut-off transfer.
    pub pause: Duration,
    /// The value of [`catalog::MIRROR_ENV`], which replaces the mirrors.
    pub mirror_override: Option<String>,
    /// Use `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` (and `NO_PROXY`) from the environment.
    pub env_proxy: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            attempts: 3,
            pause: Duration::from_secs(2),
            mirror_override: None,
            env_proxy: true,
        }
    }
}

/// Downloads datasets: an HTTP agent and the [`Options`].
pub struct Fetcher {
    agent: ureq::Agent,
    opts: Options,
}

impl Fetcher {
    /// A fetcher with a fresh agent: 4xx/5xx answers are values, not errors; 30 s to connect,
    /// 60 s of silence ends a transfer (which is then resumed).
    pub fn new(opts: Options) -> Fetcher {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .user_agent(format!("runvar/{}", env!("CARGO_PKG_VERSION")));
        if !opts.env_proxy {
            config = config.proxy(None);
        }
        Fetcher {
            agent: config.build().into(),
            opts,
        }
    }

    /// Fetches `remote` into `data_dir`; returns the folder that holds it (the loaders find it
    /// there with `--data-dir data_dir`, or by default when `data_dir` is the default).
    ///
    /// # Errors
    /// [`FetchError`]: an unwritable data folder, a file no mirror gave verified (a partial
    /// download is kept only when it can be resumed), an archive that does not unpack.
    pub fn dataset(
        &self,
        remote: &Remote,
        data_dir: &Path,
        on: &mut dyn FnMut(Event<'_>),
    ) -> Result<PathBuf, FetchError> {
        let dir = data_dir.join(remote.folder);
        std::fs::create_dir_all(&dir).map_err(|source| FetchError::CreateDir {
            path: dir.clone(),
            cause: source,
        })?;
        match remote.unpack {
            Unpack::Keep => {
                for file in remote.files {
                    download::file(self, remote, file, &dir, on)?;
                }
                Ok(dir)
            }
            Unpack::TarGz { folder, files } => {
                let target = data_dir.join(folder);
                if unpack::is_complete(&target, files) {
                    on(Event::PresentFolder { folder });
                    return Ok(target);
                }
                if target.exists() {
                    return Err(FetchError::Unpack {
                        path: target,
                        message: "exists but does not hold every file at its full size; \
                                  remove it and run the command again"
                            .into(),
                    });
                }
                let [archive] = remote.files else {
                    unreachable!("a TarGz entry has one file: the archive")
                };
                download::file(self, remote, archive, &dir, on)?;
                let path = dir.join(archive.name);
                on(Event::Unpacking { file: archive.name });
                unpack::tar_gz(&path, data_dir, folder, files)?;
                std::fs::remove_file(&path).map_err(|source| FetchError::Local {
                    path,
                    action: "remove the unpacked archive",
                    cause: source,
                })?;
                Ok(target)
            }
        }
    }
}

/// The URLs for `file` of `remote` under these options.
fn urls(opts: &Options, remote: &Remote, file: &catalog::RemoteFile) -> Vec<String> {
    remote.urls(file, opts.mirror_override.as_deref())
}

#[cfg(test)]
#[allow(dead_code)]
#[path = "../../tests/util/http.rs"]
mod test_server;

#[cfg(test)]
mod tests;
