//! The files of a private cluster: munge key and socket folder, fake GPU devices, free ports,
//! slurm.conf and gres.conf. Everything lives in the cluster's own folder.

use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How many fake GPUs the node has.
pub const GPUS: usize = 2;

/// The node's shape, as written into slurm.conf.
pub struct Node {
    /// Short host name: slurmd finds its NodeName by it.
    pub name: String,
    pub cpus: usize,
    pub memory_mib: u64,
}

impl Node {
    pub fn of_this_machine() -> Node {
        let host = fs::read_to_string("/proc/sys/kernel/hostname")
            .expect("read /proc/sys/kernel/hostname");
        let name = host.trim().split('.').next().unwrap_or("").to_string();
        assert!(!name.is_empty(), "the host name is empty");
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let meminfo = fs::read_to_string("/proc/meminfo").expect("read /proc/meminfo");
        let total_kib: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("/proc/meminfo has a MemTotal line in kB");
        // Claiming more than slurmd measures would make the node invalid: keep 10 % back.
        let memory_mib = (total_kib / 1024 * 9 / 10).max(1);
        Node {
            name,
            cpus,
            memory_mib,
        }
    }
}

/// Set the mode bits of `path`.
pub fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

/// The uid and gid of the `munge` user, from /etc/passwd.
fn munge_ids() -> (u32, u32) {
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 3 && f[0] == "munge")
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .expect("the munge package made a `munge` user in /etc/passwd")
}

/// Make `dir/munge` (owned by munge, mode 755: munged refuses a socket folder without o+x)
/// holding a fresh 1024-byte key (mode 400). Returns the folder.
pub fn munge_dir(dir: &Path) -> PathBuf {
    let (uid, gid) = munge_ids();
    let munge = dir.join("munge");
    fs::create_dir(&munge).expect("create the munge folder");
    let mut key = vec![0u8; 1024];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut key))
        .expect("read 1024 bytes from /dev/urandom");
    let key_path = munge.join("key");
    fs::write(&key_path, &key).expect("write the munge key");
    for (path, mode) in [(&key_path, 0o400), (&munge, 0o755)] {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .unwrap_or_else(|e| panic!("chown munge {}: {e}", path.display()));
        chmod(path, mode);
    }
    munge
}

/// Make the fake GPU devices `dir/fakegpu0..` as character devices (/dev/null's 1:3): Slurm
/// rejects regular files in gres.conf.
pub fn fake_gpus(dir: &Path) {
    for i in 0..GPUS {
        let path = dir.join(format!("fakegpu{i}"));
        let out = Command::new("mknod")
            .arg(&path)
            .args(["c", "1", "3"])
            .output()
            .expect("mknod starts");
        assert!(
            out.status.success(),
            "mknod {} c 1 3 failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Two distinct ports free right now, for slurmctld and slurmd: asking the kernel for them
/// keeps two clusters at once (two test binaries) from colliding.
pub fn free_ports() -> (u16, u16) {
    let a = TcpListener::bind("0.0.0.0:0").expect("bind a free port");
    let b = TcpListener::bind("0.0.0.0:0").expect("bind a second free port");
    let port = |l: &TcpListener| l.local_addr().expect("a bound port").port();
    (port(&a), port(&b))
}

/// Write `dir/slurm.conf` and `dir/gres.conf` (Slurm reads gres.conf beside slurm.conf).
pub fn write_conf(dir: &Path, node: &Node, munge_socket: &Path, ports: (u16, u16)) -> PathBuf {
    let d = dir.display();
    let conf = format!(
        "# A private single-node cluster for runvar's tests.
ClusterName=runvartest
SlurmctldHost={host}(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={socket}
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld}
SlurmdPort={slurmd}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MinJobAge=300
MaxArraySize=10001
GresTypes=gpu
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem} Gres=gpu:{GPUS} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
",
        host = node.name,
        socket = munge_socket.display(),
        ctld = ports.0,
        slurmd = ports.1,
        cpus = node.cpus,
        mem = node.memory_mib,
    );
    for sub in ["state", "spool"] {
        fs::create_dir(dir.join(sub)).expect("create the state and spool folders");
    }
    let path = dir.join("slurm.conf");
    fs::write(&path, conf).expect("write slurm.conf");
    let gres = format!("Name=gpu File={d}/fakegpu[0-{}]\n", GPUS - 1);
    fs::write(dir.join("gres.conf"), gres).expect("write gres.conf");
    path
}
