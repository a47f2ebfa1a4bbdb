//! Claims: how any number of processes, on one host or many sharing a filesystem, train the
//! units of one study directory each exactly once.
//!
//! # Protocol
//! A unit of work (one run, or one pack of runs) is *claimed* by exclusively creating its claim
//! file, `claims/<unit>.json` (`O_CREAT | O_EXCL`: of two processes creating it at once, one
//! succeeds). The file holds the owner ([`ClaimOwner`]: host, pid, Slurm job and array ids,
//! start time) and a token unique to this claim. While the owner trains, a heartbeat thread
//! touches the file's modification time every `lease / 4`; when the unit is done (or fails) the
//! owner removes the file. Only these two operations are relied on, plus `rename` within one
//! directory: both are atomic on local filesystems and on NFS, Lustre and GPFS; `flock` across
//! hosts is not used.
//!
//! A claim is *stale* when its owner is gone: on the same host, its process has ended; on any
//! host, its heartbeat is older than the lease (default [`DEFAULT_LEASE`]). A stale claim is
//! taken over: renamed to a name unique to the taker (of several takers, one rename succeeds),
//! checked to be the stale claim that was inspected, removed, and created afresh. The taker then
//! removes the stale owner's temporary run directories of that unit ([`Acquired::Mine`] names
//! the owner it replaced); a live owner's temporaries are never touched.
//!
//! Whoever finishes a run renames its directory into place; if two processes ever finish the
//! same run, the rename decides and the loser discards its copy (`RunDirWriter::commit` reports
//! that another process finished first). Nothing is counted twice: a run is counted from its
//! directory, not from who trained it.
//!
//! # Failure cases
//! - *Crash while claiming* (after the exclusive create, before the owner is written): the file
//!   is empty or unreadable; it is stale once its modification time is older than the lease.
//! - *Crash while training*: the claim goes stale (dead pid on the same host at once, elsewhere
//!   after the lease); the next worker takes it over and removes the temporary.
//! - *Crash while renaming*: a rename is atomic; the run is either finished in place or still a
//!   temporary whose owner is gone.
//! - *A host that comes back after its claim was taken* (a network partition longer than the
//!   lease): it goes on training; its heartbeat sees that the claim holds another token and
//!   stops touching it; its temporary may have been removed by the taker, which makes its run
//!   fail with an I/O error, or it finishes and one of the two renames wins. Either way every
//!   run is counted once. Choose a lease longer than any pause a live host can have.
//! - *Process ids reused* on one host: a claim whose pid now belongs to another process looks
//!   alive until its heartbeat ages past the lease.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::run_dir::TempOwner;
use super::Placement;

/// How long a claim stays live without a heartbeat, unless `RUNVAR_CLAIM_LEASE_SECS` says
/// otherwise.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(300);

/// The lease in force: `RUNVAR_CLAIM_LEASE_SECS` (a whole number of seconds, at least 1), else
/// [`DEFAULT_LEASE`].
pub fn lease() -> Duration {
    std::env::var("RUNVAR_CLAIM_LEASE_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&s| s >= 1)
        .map_or(DEFAULT_LEASE, Duration::from_secs)
}

/// Who holds a claim: where it runs ([`Placement`]: host, Slurm ids) and its process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimOwner {
    /// Host and Slurm slot (flattened: `host`, `slurm_job_id`, ... beside `pid`).
    #[serde(flatten)]
    pub placement: Placement,
    /// Process id on that host.
    pub pid: u32,
    /// When the claim was made, seconds since the Unix epoch.
    pub started: u64,
}

impl ClaimOwner {
    /// This process, now.
    pub fn this_process() -> ClaimOwner {
        ClaimOwner {
            placement: Placement::here(),
            pid: std::process::id(),
            started: unix_now(),
        }
    }

    /// The owner as the temporaries it writes name it.
    pub fn temp_owner(&self) -> TempOwner {
        TempOwner {
            host: self.placement.host.clone(),
            pid: self.pid,
        }
    }
}

/// The content of a claim file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRecord {
    /// Who holds it.
    pub owner: ClaimOwner,
    /// Unique to this claim (host, pid and time of creation).
    pub token: String,
}

/// What reading a claim file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimState {
    /// Its content, when it could be read.
    pub record: Option<ClaimRecord>,
    /// Time since its last heartbeat.
    pub age: Duration,
    /// True when its owner is gone (see the module documentation).
    pub stale: bool,
}

/// Read the claim file at `path` (`None` when there is none).
pub fn inspect(path: &Path, lease: Duration) -> Option<ClaimState> {
    let meta = fs::metadata(path).ok()?;
    let age = meta
        .modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or(Duration::ZERO);
    let record: Option<ClaimRecord> = fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let dead_here = record
        .as_ref()
        .is_some_and(|r| r.owner.temp_owner().is_gone());
    Some(ClaimState {
        stale: age > lease || dead_here,
        age,
        record,
    })
}

/// The outcome of [`acquire`].
#[derive(Debug)]
pub enum Acquired {
    /// The claim is this process's; `replaced` is the stale owner it was taken from.
    Mine {
        /// The claim (released when dropped).
        claim: Claim,
        /// The owner of the stale claim taken over, if any.
        replaced: Option<ClaimOwner>,
    },
    /// Another live process holds it.
    Held(ClaimState),
}

/// A claim held by this process: its heartbeat runs until it is dropped, which removes the
/// claim file (when it still holds this claim's token).
#[derive(Debug)]
pub struct Claim {
    path: PathBuf,
    token: String,
    stop: Option<mpsc::Sender<()>>,
    beat: Option<JoinHandle<()>>,
}

impl Claim {
    /// The claim file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(beat) = self.beat.take() {
            let _ = beat.join();
        }
        if holds(&self.path, &self.token) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn holds(path: &Path, token: &str) -> bool {
    fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<ClaimRecord>(&t).ok())
        .is_some_and(|r| r.token == token)
}

fn unique(owner: &ClaimOwner) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{}-{nanos}", owner.placement.host, owner.pid)
}

/// Claim the unit whose claim file is `path`, taking over a stale claim (see the module
/// documentation).
///
/// # Errors
/// An I/O error other than the file existing (the claims folder cannot be made or written).
pub fn acquire(path: &Path, lease: Duration) -> io::Result<Acquired> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let owner = ClaimOwner::this_process();
    let mut replaced = None;
    for _ in 0..4 {
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(mut f) => {
                let record = ClaimRecord {
                    token: unique(&owner),
                    owner: owner.clone(),
                };
                let text = serde_json::to_string(&record).expect("a claim serializes");
                f.write_all(text.as_bytes())?;
                f.sync_all()?;
                let claim = start_heartbeat(path, record.token, lease);
                return Ok(Acquired::Mine { claim, replaced });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let Some(state) = inspect(path, lease) else {
            continue; // released meanwhile: try again
        };
        if !state.stale {
            return Ok(Acquired::Held(state));
        }
        // Take it over: of several takers, one rename succeeds.
        let moved = path.with_extension(format!("stale-{}", unique(&owner)));
        if fs::rename(path, &moved).is_err() {
            continue;
        }
        // What was moved must be the stale claim inspected, not a fresh one made meanwhile.
        let moved_state = inspect(&moved, lease);
        if moved_state.as_ref().is_some_and(|s| !s.stale) {
            // Put the live claim back; if a newer claim stands already, that one wins and the
            // moved claim's owner learns from its heartbeat that it lost it.
            let _ = fs::hard_link(&moved, path);
            let _ = fs::remove_file(&moved);
            continue;
        }
        replaced = state.record.map(|r| r.owner);
        let _ = fs::remove_file(&moved);
    }
    match inspect(path, lease) {
        Some(state) => Ok(Acquired::Held(state)),
        None => Err(io::Error::other(format!(
            "{}: could not be claimed after repeated attempts",
            path.display()
        ))),
    }
}

fn start_heartbeat(path: &Path, token: String, lease: Duration) -> Claim {
    let (tx, rx) = mpsc::channel::<()>();
    let every = (lease / 4).max(Duration::from_millis(200));
    let (file, tok) = (path.to_path_buf(), token.clone());
    let beat = std::thread::spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(every) {
            if !holds(&file, &tok) {
                return; // taken over: not ours to keep alive
            }
            let _ = fs::OpenOptions::new()
                .write(true)
                .open(&file)
                .and_then(|f| f.set_modified(SystemTime::now()));
        }
    });
    Claim {
        path: path.to_path_buf(),
        token,
        stop: Some(tx),
        beat: Some(beat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_claim_per_unit_until_released() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("claims/init.0000.json");
        let lease = Duration::from_secs(60);
        let Acquired::Mine { claim, replaced } = acquire(&path, lease).unwrap() else {
            panic!("the first claim is ours");
        };
        assert_eq!(replaced, None);
        let state = inspect(&path, lease).unwrap();
        assert!(!state.stale);
        assert_eq!(state.record.unwrap().owner.pid, std::process::id());
        // Held by a live process (this one): a second attempt is refused.
        assert!(matches!(acquire(&path, lease).unwrap(), Acquired::Held(_)));
        drop(claim);
        assert!(!path.exists(), "released");
        assert!(matches!(
            acquire(&path, lease).unwrap(),
            Acquired::Mine { .. }
        ));
    }

    #[test]
    fn a_claim_of_a_dead_process_or_without_heartbeat_is_taken_over() {
        let tmp = tempfile::tempdir().unwrap();
        let lease = Duration::from_secs(60);
        // A process of this host that has ended (pid beyond any real one).
        let dead = ClaimRecord {
            owner: ClaimOwner {
                pid: u32::MAX,
                ..ClaimOwner::this_process()
            },
            token: "old".into(),
        };
        let path = tmp.path().join("a.json");
        fs::write(&path, serde_json::to_string(&dead).unwrap()).unwrap();
        assert!(inspect(&path, lease).unwrap().stale);
        let Acquired::Mine { replaced, .. } = acquire(&path, lease).unwrap() else {
            panic!("a dead owner's claim is taken over");
        };
        assert_eq!(replaced, Some(dead.owner));
        // Another host's claim is live until its heartbeat is older than the lease.
        let other = ClaimRecord {
            owner: ClaimOwner {
                placement: Placement {
                    host: "another-host".into(),
                    ..Placement::here()
                },
                ..ClaimOwner::this_process()
            },
            token: "x".into(),
        };
        let path = tmp.path().join("b.json");
        fs::write(&path, serde_json::to_string(&other).unwrap()).unwrap();
        assert!(matches!(acquire(&path, lease).unwrap(), Acquired::Held(_)));
        let old = SystemTime::now() - Duration::from_secs(120);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert!(matches!(
            acquire(&path, lease).unwrap(),
            Acquired::Mine {
                replaced: Some(_),
                ..
            }
        ));
        // An empty file (a crash while claiming) goes stale with age alone.
        let path = tmp.path().join("c.json");
        fs::write(&path, "").unwrap();
        assert!(matches!(acquire(&path, lease).unwrap(), Acquired::Held(_)));
    }

    #[test]
    fn the_heartbeat_keeps_a_claim_fresh() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a.json");
        let lease = Duration::from_secs(2);
        let Acquired::Mine { claim, .. } = acquire(&path, lease).unwrap() else {
            panic!("ours");
        };
        std::thread::sleep(Duration::from_secs(3));
        let state = inspect(&path, lease).unwrap();
        assert!(
            state.age < lease,
            "touched within the lease: {:?}",
            state.age
        );
        drop(claim);
    }
}
