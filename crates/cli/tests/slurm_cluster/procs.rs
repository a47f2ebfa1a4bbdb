//! The cluster's processes: daemons started and stopped by PID, and a sweep that finds every
//! process of a cluster (daemons, slurmstepd, job tasks) by a marker in its environment.
//!
//! The marker is what makes cleanup complete: slurmstepd and the job's tasks outlive slurmd
//! by design, and they inherit the marker from slurmd or from the submitting command.

use std::fs::{self, File};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Environment variable set to the cluster's folder in its daemons and in every process
/// started through [`super::Cluster::tool`] or [`super::Cluster::env`].
pub const MARKER: &str = "RUNVAR_SLURM_TEST_CLUSTER";

/// A daemon in the foreground (`-D`, `--foreground`), its stdio in a file.
///
/// It stays in the test's process group (no `setsid`): a Ctrl-C of `cargo test`, or a
/// runner killing the group, then ends it with the test.
pub struct Daemon {
    pub name: &'static str,
    child: Child,
}

impl Daemon {
    /// Start `cmd` with stdin from /dev/null and stdout and stderr into `out`: a daemon holding
    /// the test's own stdout would keep a captured run open forever.
    pub fn spawn(name: &'static str, cmd: &mut Command, out: &Path) -> Daemon {
        let file =
            File::create(out).unwrap_or_else(|e| panic!("cannot create {}: {e}", out.display()));
        let err = file
            .try_clone()
            .expect("a second handle on the daemon's output file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
        Daemon { name, child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How it ended, if it has (reaping it, so that its PID is not held by a zombie).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, up to `grace` to exit, then SIGKILL.
    pub fn stop(&mut self, grace: Duration) {
        if self.exited().is_some() {
            return;
        }
        signal("TERM", &[self.pid()]);
        let start = Instant::now();
        while start.elapsed() < grace {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send `sig` (a name such as TERM) to `pids` with kill(1); errors (a PID already gone) are
/// expected and ignored.
fn signal(sig: &str, pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// PIDs of live processes whose environment holds `MARKER=value`, and the slurmstepd
/// parents of those (slurmstepd runs with a scrubbed environment, and it outlives slurmd).
pub fn marked(value: &str) -> Vec<u32> {
    let needle = format!("{MARKER}={value}");
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == needle.as_bytes()))
        })
        .collect();
    let stepds: Vec<u32> = pids
        .iter()
        .filter_map(|&pid| parent(pid))
        .filter(|&ppid| {
            fs::read_to_string(format!("/proc/{ppid}/comm")).is_ok_and(|c| c.trim() == "slurmstepd")
        })
        .collect();
    pids.extend(stepds);
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// The parent PID of `pid`, from /proc/PID/stat (after the command name, which may hold
/// spaces and parentheses: "PID (COMM) STATE PPID ...").
fn parent(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

/// SIGKILL every process marked with `value` until none is left (a few rounds: a dying
/// slurmstepd may still fork). Returns how many were killed.
pub fn kill_marked(value: &str) -> usize {
    let mut killed = 0;
    for _ in 0..20 {
        let pids = marked(value);
        if pids.is_empty() {
            break;
        }
        killed += pids.len();
        signal("KILL", &pids);
        std::thread::sleep(Duration::from_millis(50));
    }
    killed
}

/// Whether a process with this PID exists.
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Clean the folders under `parent` left by test processes that died without tearing their
/// cluster down (SIGKILL, abort): kill what still runs there and remove the folder.
pub fn clean_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for dir in entries.flatten().map(|e| e.path()) {
        let owner = fs::read_to_string(dir.join(super::OWNER_FILE))
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
        // No owner file yet: a cluster being set up right now. A live owner: in use.
        let Some(owner) = owner else { continue };
        if alive(owner) {
            continue;
        }
        let killed = kill_marked(&dir.to_string_lossy());
        let _ = fs::remove_dir_all(&dir);
        super::say(&format!(
            "removed the Slurm test cluster {} of dead process {owner} ({killed} processes killed)",
            dir.display()
        ));
    }
}
