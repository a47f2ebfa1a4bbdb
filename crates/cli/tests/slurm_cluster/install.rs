//! Finding the Slurm and munge programs, and installing them with apt-get when they are
//! missing and we are root.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Debian packages that bring every program in [`PROGRAMS`].
const PACKAGES: &[&str] = &["slurm-wlm", "munge", "slurm-client"];

/// Programs a private cluster needs: the daemons, the client tools, and what sets them up.
pub const PROGRAMS: &[&str] = &[
    "slurmctld",
    "slurmd",
    "munged",
    "sbatch",
    "squeue",
    "scancel",
    "scontrol",
    "sinfo",
];

/// Programs from base packages used to set a cluster up (util-linux, coreutils, procps).
const BASE_PROGRAMS: &[&str] = &["setpriv", "mknod", "kill"];

/// Where daemons live on Debian even when `PATH` lacks the sbin folders (as CI's may).
const FALLBACK_DIRS: &[&str] = &["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/// Serializes installs across test binaries running at once (released by the kernel if the
/// holder dies). A fixed path, not under `$TMPDIR`, so that every process agrees on it.
const INSTALL_LOCK: &str = "/tmp/runvar-slurm-install.lock";

/// The full path of `program`, searched in `PATH` and then the usual system folders.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(FALLBACK_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The programs of [`PROGRAMS`] not found.
fn missing() -> Vec<&'static str> {
    PROGRAMS
        .iter()
        .copied()
        .filter(|p| find_program(p).is_none())
        .collect()
}

/// Whether this process runs with effective uid 0 (read from /proc, no libc needed).
pub fn is_root() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        == Some("0")
}

/// Make sure Slurm and munge are installed, installing them with apt-get if needed, or say
/// why a private cluster cannot run here.
pub fn ensure_installed() -> Result<(), String> {
    if !is_root() {
        let missing = missing();
        return Err(if missing.is_empty() {
            "not root (a private cluster must run munged as the munge user and make fake GPU \
             devices with mknod)"
                .to_string()
        } else {
            format!(
                "not root and slurm-wlm is not installed (missing: {})",
                missing.join(", ")
            )
        });
    }
    if let Some(base) = BASE_PROGRAMS.iter().find(|p| find_program(p).is_none()) {
        return Err(format!(
            "{base} not found (it is needed to set the cluster up)"
        ));
    }
    if missing().is_empty() {
        return Ok(());
    }
    let lock_path = Path::new(INSTALL_LOCK);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    // Another test binary may have installed everything while we waited for the lock.
    let result = if missing().is_empty() {
        Ok(())
    } else {
        apt_install()
    };
    drop(lock);
    result
}

/// `apt-get update` and `apt-get install` of [`PACKAGES`], then check that nothing is missing.
fn apt_install() -> Result<(), String> {
    let Some(apt) = find_program("apt-get") else {
        return Err(format!(
            "apt-get not found, and Slurm is not installed (missing: {})",
            missing().join(", ")
        ));
    };
    let started = std::time::Instant::now();
    // Wait for dpkg's lock rather than failing if something else is installing.
    let wait = ["-o", "DPkg::Lock::Timeout=300"];
    run(
        Command::new(&apt).args(wait).arg("update"),
        "apt-get update",
    )?;
    run(
        Command::new(&apt)
            .args(wait)
            .args(["install", "-y", "--no-install-recommends"])
            .args(PACKAGES)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "apt-get install",
    )?;
    let still = missing();
    if !still.is_empty() {
        return Err(format!(
            "apt-get install of {} left missing: {}",
            PACKAGES.join(" "),
            still.join(", ")
        ));
    }
    crate::slurm_cluster::say(&format!(
        "installed {} for the Slurm tests in {:.0} s",
        PACKAGES.join(" "),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Run `cmd`, or Err("`what` failed: <stderr tail>").
fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("{what} did not start: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}): {}",
        out.status,
        tail(&String::from_utf8_lossy(&out.stderr), 10)
    ))
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
