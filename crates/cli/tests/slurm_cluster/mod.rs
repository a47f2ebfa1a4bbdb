//! A private single-node Slurm cluster (munged, slurmctld, slurmd) for integration tests.
//!
//! [`Cluster::start`] installs Slurm with apt-get when it is missing and we are root, writes
//! a munge key, slurm.conf, gres.conf (2 fake GPUs) and state into a fresh folder under
//! `/tmp/runvar-slurm-test/`, starts the daemons on free ports and waits for an idle node
//! (about 1-2 s). Two clusters at once (two test binaries) do not collide. Dropping the
//! [`Cluster`], also on a panic, cancels its jobs and stops every process it started; a later
//! start cleans up after a test process killed before it could.
//!
//! Where a cluster cannot run (not root and Slurm missing, no apt-get, install failed) a test
//! skips, saying why; with `CI` set to `true` or `1` it fails instead.

#![allow(dead_code)]

mod install;
mod procs;
mod setup;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use procs::{Daemon, MARKER};

/// Where clusters' folders go: always /tmp, not `$TMPDIR`, since munged (as the munge user)
/// must traverse every parent folder, a unix socket path must stay short, and the cleanup of
/// dead processes' clusters must find them all.
const PARENT: &str = "/tmp/runvar-slurm-test";

/// The file in a cluster's folder holding the PID of the test process that owns it.
const OWNER_FILE: &str = "owner";

/// How long the node may take to become idle.
const BOOT_TIMEOUT: Duration = Duration::from_secs(30);

/// Environment prefixes of Slurm's own settings (an outer Slurm job's SLURM_JOB_ID, a user's
/// SBATCH_PARTITION, ...), removed from every tool's environment so they cannot leak in.
const SLURM_ENV_PREFIXES: &[&str] = &["SLURM_", "SBATCH_", "SQUEUE_", "SALLOC_", "SRUN_"];

/// A running private cluster; dropping it tears it down.
pub struct Cluster {
    /// `None` once kept for inspection after a panic.
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    conf: PathBuf,
    daemons: Vec<Daemon>,
}

/// Write `line` to the process's stderr, past libtest's capture (as the skip lines do).
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Whether we run in CI (`CI` is `true` or `1`), where a cluster must not be skipped.
fn in_ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true" | "1"))
}

impl Cluster {
    /// Start a private cluster, or `Err(reason)` when it cannot run here (not root and Slurm
    /// missing, no apt-get, install failed): the caller skips.
    ///
    /// # Panics
    /// With `CI` set instead of returning `Err`; and whenever Slurm is installed but the
    /// cluster does not come up (with the daemons' logs).
    pub fn start() -> Result<Cluster, String> {
        match install::ensure_installed() {
            Ok(()) => Ok(Cluster::boot()),
            Err(why) if in_ci() => {
                panic!("the Slurm test cluster cannot start, and CI must not skip: {why}")
            }
            Err(why) => Err(why),
        }
    }

    /// [`Cluster::start`] for the test named `test`: `None` after printing
    /// "skipped TEST: REASON" when it cannot run here.
    pub fn for_test(test: &str) -> Option<Cluster> {
        match Cluster::start() {
            Ok(cluster) => Some(cluster),
            Err(why) => {
                say(&format!("skipped {test}: {why}"));
                None
            }
        }
    }

    /// Make the folder and files, start the daemons, wait for an idle node.
    fn boot() -> Cluster {
        let started = Instant::now();
        let parent = Path::new(PARENT);
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        // munged runs as the munge user: it must reach its folder through ours.
        setup::chmod(parent, 0o755);
        procs::clean_stale(parent);
        let dir = tempfile::Builder::new()
            .prefix("cluster-")
            .tempdir_in(parent)
            .expect("create the cluster's folder");
        let path = dir.path().to_path_buf();
        setup::chmod(&path, 0o755);
        fs::write(path.join(OWNER_FILE), std::process::id().to_string())
            .expect("write the owner file");
        // From here on a panic drops `cluster`, which stops whatever was started.
        let mut cluster = Cluster {
            dir: Some(dir),
            conf: path.join("slurm.conf"),
            path,
            daemons: Vec::new(),
        };
        let node = setup::Node::of_this_machine();
        let munge = setup::munge_dir(&cluster.path);
        let socket = munge.join("socket");
        setup::fake_gpus(&cluster.path);
        cluster.conf = setup::write_conf(&cluster.path, &node, &socket, setup::free_ports());
        cluster.start_munged(&munge, &socket);
        let (ctld, slurmd) = (program("slurmctld"), program("slurmd"));
        let mut cmd = cluster.command(&ctld);
        cmd.args(["-D", "-i", "-f"]).arg(&cluster.conf);
        cluster.spawn("slurmctld", &mut cmd);
        let mut cmd = cluster.command(&slurmd);
        cmd.args(["-D", "-f"]).arg(&cluster.conf);
        cluster.spawn("slurmd", &mut cmd);
        // For a person cleaning up by hand; the automatic cleanup goes by the marker.
        let pids: String = cluster
            .daemons
            .iter()
            .map(|d| format!("{} {}\n", d.name, d.pid()))
            .collect();
        fs::write(cluster.path.join("daemons"), pids).expect("write the daemons' PIDs");
        cluster.wait_idle();
        say(&format!(
            "slurm test cluster up in {:.1} s: {}, node {}, {} CPUs, {} fake GPUs, {}",
            started.elapsed().as_secs_f64(),
            cluster.version(),
            node.name,
            node.cpus,
            setup::GPUS,
            cluster.path.display()
        ));
        cluster
    }

    /// Start munged as the munge user and wait for its socket.
    fn start_munged(&mut self, munge: &Path, socket: &Path) {
        let mut cmd = self.command(&program("setpriv"));
        cmd.args(["--reuid=munge", "--regid=munge", "--init-groups"])
            .arg(program("munged"))
            .arg("--foreground")
            .arg("--key-file")
            .arg(munge.join("key"))
            .arg("--socket")
            .arg(socket)
            .arg("--pid-file")
            .arg(munge.join("pid"))
            .arg("--log-file")
            .arg(munge.join("log"))
            .arg("--seed-file")
            .arg(munge.join("seed"));
        self.spawn("munged", &mut cmd);
        self.wait_for("munged's socket", Duration::from_secs(10), |_| {
            socket.exists()
        });
    }

    /// Start a daemon, its output in `NAME.out` in the folder.
    fn spawn(&mut self, name: &'static str, cmd: &mut Command) {
        let out = self.path.join(format!("{name}.out"));
        self.daemons.push(Daemon::spawn(name, cmd, &out));
    }

    /// Poll `ready` until true; panic with the logs after `timeout` or if a daemon exits.
    fn wait_for(&mut self, what: &str, timeout: Duration, mut ready: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        while !ready(self) {
            let dead: Vec<String> = (self.daemons.iter_mut())
                .filter_map(|d| {
                    let status = d.exited()?;
                    Some(format!("{} ({status})", d.name))
                })
                .collect();
            assert!(
                dead.is_empty(),
                "waiting for {what}: {} exited\n{}",
                dead.join(", "),
                self.logs()
            );
            assert!(
                start.elapsed() < timeout,
                "no {what} after {timeout:?}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait until `sinfo` reports the node idle.
    fn wait_idle(&mut self) {
        self.wait_for("idle node", BOOT_TIMEOUT, |c| {
            let out = c.tool("sinfo").args(["-h", "-N", "-o", "%T"]).output();
            out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle")
        });
    }

    /// "Slurm 22.05.8", from `sinfo --version`.
    fn version(&self) -> String {
        let out = self.tool("sinfo").arg("--version").output();
        let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        let text = text.unwrap_or_default();
        let version = text
            .split_whitespace()
            .last()
            .unwrap_or("(unknown version)");
        format!("Slurm {version}")
    }

    /// The cluster's folder (slurm.conf, logs, state); jobs may write under it too.
    pub fn dir(&self) -> &Path {
        &self.path
    }

    /// A `Command` for `program` with this cluster's environment ([`Cluster::env`]) and
    /// without any Slurm setting inherited from the test's environment.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let key_str = key.to_string_lossy();
            if SLURM_ENV_PREFIXES.iter().any(|p| key_str.starts_with(p)) {
                cmd.env_remove(&key);
            }
        }
        cmd.envs(self.env());
        cmd
    }

    /// A `Command` for a Slurm tool (sbatch, squeue, scancel, scontrol, sinfo) talking to
    /// this cluster.
    pub fn tool(&self, program: &str) -> Command {
        self.command(&install::find_program(program).unwrap_or_else(|| program.into()))
    }

    /// Run a Slurm tool with `args`, assert it succeeded, and return its stdout.
    pub fn ok(&self, program: &str, args: &[&str]) -> String {
        let out = self
            .tool(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} did not start: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed ({}): {}{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.logs()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The environment a process that calls Slurm tools itself (runvar) must get:
    /// `SLURM_CONF`, and the marker by which teardown finds the jobs it started. The caller
    /// should also remove inherited `SLURM_*` and `SBATCH_*` variables.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("SLURM_CONF".into(), self.conf.display().to_string()),
            (MARKER.into(), self.path.display().to_string()),
        ]
    }

    /// Wait until none of `job_ids` (`123` for a plain job or a whole array, `123_4` for one
    /// task) is in the queue.
    ///
    /// # Panics
    /// After `timeout`, showing the queue and the daemons' logs.
    pub fn wait_gone(&self, job_ids: &[&str], timeout: Duration) {
        let start = Instant::now();
        loop {
            let queue = self.ok("squeue", &["-h", "-r", "-o", "%F %K %i %A %T"]);
            // A line names its array (or plain) job, the task, the task's id and its raw id.
            let listed = queue.lines().any(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                [0, 2, 3]
                    .iter()
                    .any(|&i| fields.get(i).is_some_and(|f| job_ids.contains(f)))
            });
            if !listed {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "jobs {job_ids:?} still queued after {timeout:?}:\n{queue}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines of slurmctld's, slurmd's and munged's logs and of the daemons' output,
    /// for failure messages.
    pub fn logs(&self) -> String {
        let files = [
            "slurmctld.log",
            "slurmd.log",
            "munge/log",
            "munged.out",
            "slurmctld.out",
            "slurmd.out",
        ];
        let mut text = String::new();
        for name in files {
            let path = self.path.join(name);
            if let Ok(content) = fs::read_to_string(&path) {
                if !content.trim().is_empty() {
                    text += &format!("--- {}:\n{}\n", path.display(), install::tail(&content, 25));
                }
            }
        }
        text
    }
}

/// The full path of a program that [`install::ensure_installed`] made sure of.
fn program(name: &str) -> PathBuf {
    install::find_program(name).unwrap_or_else(|| panic!("{name} is not installed"))
}

impl Drop for Cluster {
    /// Cancel the jobs, stop the daemons (TERM, then KILL after 5 s), kill whatever carries
    /// the cluster's marker (slurmstepd and job tasks outlive slurmd), remove the folder, or
    /// keep it when the test panicked.
    fn drop(&mut self) {
        let slurm_up = self.daemons.iter_mut().all(|d| d.exited().is_none());
        if slurm_up && self.daemons.len() == 3 {
            let _ = self.tool("scancel").args(["--user", "root"]).output();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(3) {
                let out = self.tool("squeue").arg("-h").output();
                if out.map_or(true, |o| !o.status.success() || o.stdout.is_empty()) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        // slurmd and slurmctld first: they may need munged to shut down cleanly.
        for daemon in self.daemons.iter_mut().rev() {
            daemon.stop(Duration::from_secs(5));
        }
        procs::kill_marked(&self.path.to_string_lossy());
        if std::thread::panicking() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                say(&format!(
                    "kept the Slurm test cluster's folder {} (the next cluster start removes it)",
                    kept.display()
                ));
            }
        }
    }
}
