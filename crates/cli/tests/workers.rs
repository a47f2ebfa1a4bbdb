//! Many processes on one study directory: they share the work through claims, every run is
//! trained once, and the report is the one a single process makes.

mod util;

use std::path::Path;
use std::thread;

use util::{ok, runvar};

/// A digits-mlp study of 2 conditions x 6 replicas, 2 epochs, into `out`.
const STUDY: [&str; 10] = [
    "study",
    "--preset",
    "digits-mlp",
    "--conditions",
    "control,init",
    "--replicas",
    "6",
    "--epochs",
    "2",
    "--workers",
];

fn study(dir: &Path, out: &str) -> util::Output {
    let mut args: Vec<&str> = STUDY.to_vec();
    args.extend(["1", "--out", out]);
    runvar(dir, &args)
}

/// Runs this process trained: `runvar: N runs trained here, M by other processes`, or, when no
/// other process took any, every run it had to train (`runvar: N runs to train ...`).
fn trained_here(stderr: &str) -> usize {
    let number = |line: &str| {
        line["runvar: ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse::<usize>()
    };
    if let Some(line) = stderr.lines().find(|l| l.contains("runs trained here")) {
        return number(line).unwrap();
    }
    stderr
        .lines()
        .find(|l| l.contains("runs to train"))
        .map_or(0, |l| number(l).unwrap())
}

#[test]
fn two_studies_on_one_directory_share_the_work() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (a, b) = thread::scope(|s| {
        let a = s.spawn(|| study(dir, "shared"));
        let b = s.spawn(|| study(dir, "shared"));
        (a.join().unwrap(), b.join().unwrap())
    });
    let (ea, eb) = (a.stderr.clone(), b.stderr.clone());
    ok(a);
    ok(b);
    // Every run trained exactly once between them.
    assert_eq!(trained_here(&ea) + trained_here(&eb), 12, "{ea}\n{eb}");
    // The same report as one process alone.
    ok(study(dir, "alone"));
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap();
    assert_eq!(read("shared/report.json"), read("alone/report.json"));
    for c in ["control", "init"] {
        for i in 0..6 {
            let run = format!("runs/{c}/{i:04}/logits.npy");
            assert_eq!(
                read(&format!("shared/{run}")),
                read(&format!("alone/{run}")),
                "{run}"
            );
        }
    }
    // Nothing left behind: no claim, no temporary.
    let leftovers: Vec<_> = walk(&dir.join("shared"))
        .into_iter()
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.contains(".tmp-") || p.parent().unwrap().ends_with("claims")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path());
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}

#[test]
fn a_claim_whose_heartbeat_stopped_is_taken_over_with_its_temporary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(study(dir, "s"));
    // Another host was training control/0003 and went silent: its claim and its temporary
    // are left. (Units are single runs here: --workers 1 on the CPU packs nothing.)
    let run = dir.join("s/runs/control/0003");
    std::fs::remove_dir_all(&run).unwrap();
    let temporary = dir.join("s/runs/control/.0003.tmp-another-host-7-9");
    std::fs::create_dir_all(&temporary).unwrap();
    std::fs::create_dir_all(dir.join("s/claims")).unwrap();
    std::fs::write(
        dir.join("s/claims/control.0003.json"),
        r#"{"owner":{"host":"another-host","pid":7,"started":0},"token":"t"}"#,
    )
    .unwrap();
    // While its lease lasts the claim is respected; once it has run out, it is taken over.
    let mut args: Vec<&str> = STUDY.to_vec();
    args.extend(["1", "--out", "s"]);
    let out = util::runvar_env(dir, &args, &[("RUNVAR_CLAIM_LEASE_SECS", "2")]);
    ok(out);
    assert!(run.join("DONE").is_file());
    assert!(
        !temporary.exists(),
        "the stale owner's temporary is removed"
    );
    assert!(!dir.join("s/claims/control.0003.json").exists());
}

#[test]
fn workers_train_their_shares_and_the_report_is_the_studys() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(study(dir, "s"));
    let report = std::fs::read(dir.join("s/report.json")).unwrap();
    let logits =
        |c: &str, i: usize| std::fs::read(dir.join(format!("s/runs/{c}/{i:04}/logits.npy")));
    let kept = logits("init", 4).unwrap();
    for (c, i) in [
        ("control", 1),
        ("control", 2),
        ("init", 0),
        ("init", 4),
        ("init", 5),
    ] {
        std::fs::remove_dir_all(dir.join(format!("s/runs/{c}/{i:04}"))).unwrap();
    }
    // Two workers at once, each on half of the 12 units (one run each here).
    let (a, b) = thread::scope(|s| {
        let a = s.spawn(|| runvar(dir, &["worker", "s", "--shard", "0/2", "--workers", "1"]));
        let b = s.spawn(|| runvar(dir, &["worker", "s", "--shard", "1/2", "--workers", "1"]));
        (a.join().unwrap(), b.join().unwrap())
    });
    let (ea, eb) = (a.stderr.clone(), b.stderr.clone());
    ok(a);
    ok(b);
    assert_eq!(trained_here(&ea) + trained_here(&eb), 5, "{ea}\n{eb}");
    assert_eq!(logits("init", 4).unwrap(), kept);
    // One unit alone: nothing left to do.
    ok(runvar(dir, &["worker", "s", "--unit", "11"]));
    ok(runvar(dir, &["report", "s", "--json"]));
    assert_eq!(std::fs::read(dir.join("s/report.json")).unwrap(), report);
}

#[test]
fn a_worker_refuses_what_it_cannot_train() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("empty")).unwrap();
    util::fails(
        runvar(dir, &["worker", "empty", "--unit", "0"]),
        &["empty: no study.json", "made by runvar study"],
    );
    util::fails(
        runvar(dir, &["worker", "empty", "--shard", "2/2"]),
        &["I must be in 0..N"],
    );
    ok(study(dir, "s"));
    util::fails(
        runvar(dir, &["worker", "s", "--unit", "12"]),
        &["--unit 12", "has 12 units (0..=11)"],
    );
    assert_eq!(std::fs::read_dir(dir.join("empty")).unwrap().count(), 0);
    assert!(!dir.join("s/claims").read_dir().unwrap().any(|_| true));
}

#[test]
fn status_reads_done_claimed_and_missing_runs_from_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(study(dir, "s"));
    for i in [1, 2, 3] {
        std::fs::remove_dir_all(dir.join(format!("s/runs/init/{i:04}"))).unwrap();
    }
    // init/0002 is being trained on another host (Slurm task 42_7); init/0003's owner is gone.
    let owner = |host: &str, pid: u32| {
        format!(
            r#"{{"owner":{{"host":"{host}","pid":{pid},"slurm_array_job_id":"42","slurm_array_task_id":"7","started":0}},"token":"t"}}"#
        )
    };
    std::fs::write(dir.join("s/claims/init.0002.json"), owner("node-a", 11)).unwrap();
    let me = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let me: String = me
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    std::fs::write(dir.join("s/claims/init.0003.json"), owner(&me, u32::MAX)).unwrap();
    let table = ok(runvar(dir, &["status", "s"]));
    for needle in [
        "control          6/6        0        0         0",
        "init             3/6        1        2         0",
        "claim init.0002: node-a pid 11, Slurm job 42_7",
        "(live)",
        "claim init.0003:",
        "(stale: will be taken over)",
        "3 units left",
    ] {
        assert!(table.contains(needle), "{needle:?} not in\n{table}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&ok(runvar(dir, &["status", "s", "--json"]))).unwrap();
    assert_eq!(json["units_left"], 3);
    assert!(json["eta_seconds"].as_f64().unwrap() > 0.0);
    util::fails(runvar(dir, &["status", "nothing-here"]), &["no study.json"]);
}

#[test]
fn a_run_records_its_host_slurm_task_and_gpus() {
    let tmp = tempfile::tempdir().unwrap();
    let env = [
        ("SLURM_JOB_ID", "101"),
        ("SLURM_ARRAY_JOB_ID", "100"),
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("CUDA_VISIBLE_DEVICES", "1"),
    ];
    let args = [
        "train",
        "--preset",
        "digits-mlp",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        "r",
    ];
    ok(util::runvar_env(tmp.path(), &args, &env));
    let text = std::fs::read_to_string(tmp.path().join("r/record.json")).unwrap();
    let record: serde_json::Value = serde_json::from_str(&text).unwrap();
    let p = &record["placement"];
    assert!(!p["host"].as_str().unwrap().is_empty(), "{text}");
    assert_eq!(
        (
            &p["slurm_job_id"],
            &p["slurm_array_job_id"],
            &p["slurm_array_task_id"],
            &p["cuda_visible_devices"]
        ),
        (&"101".into(), &"100".into(), &"1".into(), &"1".into()),
        "{text}"
    );
}
