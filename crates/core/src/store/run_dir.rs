//! Atomic run directories: build under a temporary name, `DONE` last, then rename.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::checksum::{self, SHA256SUMS};
use super::npy;
use super::run_files::RunFiles;

const DONE: &str = RunFiles::DONE;

/// Errors writing a run directory; each names the path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file or directory could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The destination exists already.
    #[error("{path}: already exists{hint}")]
    Exists {
        /// The destination.
        path: PathBuf,
        /// What to do about it.
        hint: &'static str,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Builds one run directory. Files go into a hidden sibling directory; [`RunDirWriter::commit`]
/// writes `DONE` and renames it into place. Dropped without a commit, it removes what it wrote.
#[derive(Debug)]
pub struct RunDirWriter {
    tmp: PathBuf,
    dest: PathBuf,
    /// Folders above `dest` this writer made, deepest first: removed again (when still
    /// empty) if the run is never committed.
    made: Vec<PathBuf>,
    committed: bool,
}

impl RunDirWriter {
    /// Start a run directory that will become `dest`.
    ///
    /// # Errors
    /// [`StoreError::Exists`] when `dest` exists; [`StoreError::Io`] when the parent cannot be
    /// created or written.
    pub fn create(dest: &Path) -> Result<RunDirWriter, StoreError> {
        // `symlink_metadata`: a dangling symbolic link is there too (renaming onto it fails).
        if fs::symlink_metadata(dest).is_ok() {
            let hint = if RunFiles::at(dest).is_complete() {
                " and holds a finished run; choose another --out or remove it"
            } else {
                " and is not a finished run directory; choose another --out"
            };
            return Err(StoreError::Exists {
                path: dest.to_path_buf(),
                hint,
            });
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let made: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(&parent).map_err(io(&parent))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmp = parent.join(TempOwner::this_process().temporary_name(&name, nanos));
        // A writer beside this one that fails removes the folders it made once empty; if that
        // happens between the two calls, make them again.
        let mut attempts = 0;
        while let Err(e) = fs::create_dir(&tmp) {
            attempts += 1;
            if e.kind() != std::io::ErrorKind::NotFound || attempts == 3 {
                return Err(io(&tmp)(e));
            }
            fs::create_dir_all(&parent).map_err(io(&parent))?;
        }
        Ok(RunDirWriter {
            tmp,
            dest: dest.to_path_buf(),
            made,
            committed: false,
        })
    }

    /// Where files are being written now.
    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    /// Write `value` as pretty JSON to `name`, its `schema_version` first.
    ///
    /// # Errors
    /// [`StoreError::Io`] naming the file.
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StoreError> {
        let path = self.tmp.join(name);
        fs::write(&path, super::to_versioned_json(value)).map_err(io(&path))
    }

    /// Write an f32 array to `name` as `.npy`.
    ///
    /// # Errors
    /// [`StoreError::Io`] naming the file.
    pub fn write_npy_f32(
        &self,
        name: &str,
        shape: &[usize],
        data: &[f32],
    ) -> Result<(), StoreError> {
        let path = self.tmp.join(name);
        fs::write(&path, npy::encode_f32(shape, data)).map_err(io(&path))
    }

    /// Write an i64 array to `name` as `.npy`.
    ///
    /// # Errors
    /// [`StoreError::Io`] naming the file.
    pub fn write_npy_i64(
        &self,
        name: &str,
        shape: &[usize],
        data: &[i64],
    ) -> Result<(), StoreError> {
        let path = self.tmp.join(name);
        fs::write(&path, npy::encode_i64(shape, data)).map_err(io(&path))
    }

    /// Flush every file, record their SHA-256 in [`SHA256SUMS`] (hashed as they are on disk),
    /// write `DONE`, and move the directory to its destination.
    ///
    /// # Errors
    /// [`StoreError::Io`]; [`StoreError::Exists`] when another process finished the same
    /// destination first (this run's files are then removed).
    pub fn commit(mut self) -> Result<PathBuf, StoreError> {
        let mut names = Vec::new();
        for entry in fs::read_dir(&self.tmp).map_err(io(&self.tmp))? {
            names.push(entry.map_err(io(&self.tmp))?.file_name());
        }
        names.sort();
        let mut sums = Vec::with_capacity(names.len());
        for name in names {
            let path = self.tmp.join(&name);
            let mut f = fs::File::open(&path).map_err(io(&path))?;
            f.sync_all().map_err(io(&path))?;
            let (hash, _) = checksum::sha256_of(&mut f).map_err(io(&path))?;
            sums.push((name.to_string_lossy().into_owned(), hash));
        }
        let list = self.tmp.join(SHA256SUMS);
        fs::write(&list, checksum::format_list(&sums)).map_err(io(&list))?;
        fs::File::open(&list)
            .and_then(|f| f.sync_all())
            .map_err(io(&list))?;
        let done = self.tmp.join(DONE);
        fs::write(&done, b"").map_err(io(&done))?;
        fs::File::open(&done)
            .and_then(|f| f.sync_all())
            .map_err(io(&done))?;
        if self.dest.exists() {
            return Err(StoreError::Exists {
                path: self.dest.clone(),
                hint: "; another process finished this run first",
            });
        }
        fs::rename(&self.tmp, &self.dest).map_err(io(&self.dest))?;
        if let Some(parent) = self.dest.parent() {
            // Make the rename itself durable; not all filesystems allow syncing a directory.
            let _ = fs::File::open(parent).and_then(|f| f.sync_all());
        }
        self.committed = true;
        Ok(self.dest.clone())
    }
}

/// The process that made a temporary run directory, from its name
/// (`.NAME.tmp-<host>-<pid>-<nanos>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempOwner {
    /// Host name (`/proc/sys/kernel/hostname`), `-` and alphanumerics only.
    pub host: String,
    /// Process id on that host.
    pub pid: u32,
}

impl TempOwner {
    /// This process.
    pub fn this_process() -> TempOwner {
        let host = fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap_or_default()
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>();
        TempOwner {
            host: if host.is_empty() { "host".into() } else { host },
            pid: std::process::id(),
        }
    }

    /// The name of this owner's temporary directory for the run directory `name`:
    /// `.NAME.tmp-<host>-<pid>-<nanos>` (hidden, and unique to this process and moment).
    pub fn temporary_name(&self, name: &str, nanos: u32) -> String {
        format!(".{name}.tmp-{}-{}-{nanos}", self.host, self.pid)
    }

    /// The owner of the temporary directory called `name`, if it is one of ours.
    pub fn of(name: &str) -> Option<TempOwner> {
        let rest = name.strip_prefix('.')?;
        let (_, tail) = rest.rsplit_once(".tmp-")?;
        let mut parts = tail.rsplitn(3, '-');
        let nanos = parts.next()?;
        let pid = parts.next()?.parse().ok()?;
        let host = parts.next()?;
        (nanos.parse::<u32>().is_ok() && !host.is_empty()).then(|| TempOwner {
            host: host.to_string(),
            pid,
        })
    }

    /// True when this owner is a process of this host that has ended (its `/proc` entry is
    /// gone). Unknown hosts, and hosts without `/proc`, count as alive: their temporaries are
    /// not ours to remove.
    pub fn is_gone(&self) -> bool {
        let proc = Path::new("/proc");
        self.host == TempOwner::this_process().host
            && proc.join("self").exists()
            && !proc.join(self.pid.to_string()).exists()
    }
}

/// True when `name` is a temporary run directory's: this version's
/// ([`TempOwner::temporary_name`]) or an older one's (`.NAME.tmp-<pid>-<nanos>`).
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Temporary run directories in `parent` whose process ended without finishing them (killed,
/// or interrupted with Ctrl-C before it could clean up): safe to remove.
pub fn abandoned_temporaries(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            TempOwner::of(&name.to_string_lossy()).is_some_and(|o| o.is_gone())
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

impl Drop for RunDirWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
            for dir in &self.made {
                // Fails, harmlessly, once a folder holds anything else.
                let _ = fs::remove_dir(dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_moves_a_complete_directory_into_place() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("runs/r0");
        let w = RunDirWriter::create(&dest).unwrap();
        w.write_json("record.json", &serde_json::json!({"a": 1}))
            .unwrap();
        w.write_npy_f32("logits.npy", &[1, 2], &[0.5, 1.5]).unwrap();
        assert!(!dest.exists(), "nothing at the destination before commit");
        let tmp = w.tmp_path().to_path_buf();
        assert!(!RunFiles::at(&tmp).is_complete());
        w.commit().unwrap();
        assert!(RunFiles::at(&dest).is_complete());
        let listed = checksum::verify(&dest, &["record.json", "logits.npy"]).unwrap();
        assert_eq!(listed, ["logits.npy", "record.json"]);
        assert!(!tmp.exists());
        let arr = npy::read(&dest.join("logits.npy")).unwrap();
        assert_eq!(arr.shape, vec![1, 2]);
    }

    #[test]
    fn dropped_writer_leaves_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("new/folders/r1");
        {
            let w = RunDirWriter::create(&dest).unwrap();
            w.write_json("spec.json", &serde_json::json!({"a": 1}))
                .unwrap();
        }
        assert!(!dest.exists());
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn existing_destination_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("r2");
        RunDirWriter::create(&dest).unwrap().commit().unwrap();
        let msg = RunDirWriter::create(&dest).unwrap_err().to_string();
        assert!(msg.contains("r2") && msg.contains("finished run"), "{msg}");
        let other = root.path().join("r3");
        fs::create_dir(&other).unwrap();
        let msg = RunDirWriter::create(&other).unwrap_err().to_string();
        assert!(msg.contains("not a finished run"), "{msg}");
    }

    #[test]
    fn a_dangling_symlink_is_an_existing_destination() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("link");
        std::os::unix::fs::symlink(root.path().join("nowhere"), &dest).unwrap();
        let msg = RunDirWriter::create(&dest).unwrap_err().to_string();
        assert!(msg.contains("link: already exists"), "{msg}");
    }

    #[test]
    fn temporaries_of_ended_processes_are_found_and_only_those() {
        let root = tempfile::tempdir().unwrap();
        let w = RunDirWriter::create(&root.path().join("mine")).unwrap();
        let name = w
            .tmp_path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let me = TempOwner::this_process();
        assert_eq!(TempOwner::of(&name), Some(me.clone()));
        assert!(!me.is_gone());
        // A pid above the kernel's maximum (4194304) has never run.
        let dead = format!(".x.tmp-{}-4294967295-12", me.host);
        let elsewhere = ".y.tmp-another-host-1-12".to_string();
        for n in [&dead, &elsewhere, &".z.tmp".to_string()] {
            fs::create_dir(root.path().join(n)).unwrap();
        }
        assert_eq!(
            TempOwner::of(&elsewhere).map(|o| (o.host, o.pid)),
            Some(("another-host".to_string(), 1))
        );
        assert_eq!(abandoned_temporaries(root.path()), [root.path().join(dead)]);
    }
}
