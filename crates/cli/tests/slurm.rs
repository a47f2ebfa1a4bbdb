//! The Slurm backend against a real private cluster (slurmctld, slurmd, munged) that
//! `slurm_cluster` starts; without root and Slurm the tests skip, saying why (in CI they fail).

mod slurm_cluster;
mod util;

use std::fs;
use std::path::Path;
use std::time::Duration;

use slurm_cluster::Cluster;
use util::{ok, runvar};

/// The harness itself: an array gets the fake GPUs, a dependent job waits for it, and
/// `scancel` removes one task of another array.
#[test]
fn the_private_cluster_runs_an_array_with_fake_gpus() {
    let _one = serial();
    let Some(cluster) = Cluster::for_test("the_private_cluster_runs_an_array_with_fake_gpus")
    else {
        return;
    };
    let out = cluster.dir().join("jobs");
    fs::create_dir(&out).expect("create the jobs' output folder");
    let output = format!("--output={}/%A_%a.out", out.display());
    let array = cluster.ok(
        "sbatch",
        &[
            "--parsable",
            "--array=0-3",
            "--gres=gpu:1",
            &output,
            "--wrap",
            r#"echo "$SLURM_ARRAY_TASK_ID $CUDA_VISIBLE_DEVICES""#,
        ],
    );
    let array = array.trim();
    assert!(
        !array.is_empty() && array.chars().all(|c| c.is_ascii_digit()),
        "sbatch --parsable printed {array:?}"
    );
    // The dependent job counts the array's outputs: all 4 must exist when it runs.
    let after = cluster.ok(
        "sbatch",
        &[
            "--parsable",
            &format!("--dependency=afterany:{array}"),
            &format!("--output={}/after.out", out.display()),
            "--wrap",
            &format!("ls {}/{array}_*.out | wc -l", out.display()),
        ],
    );
    let after = after.trim();
    cluster.wait_gone(&[array, after], Duration::from_secs(60));
    for task in 0..4 {
        let path = out.join(format!("{array}_{task}.out"));
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), cluster.logs()));
        let (index, gpu) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
        assert_eq!(index, task.to_string(), "{}: {text:?}", path.display());
        assert!(
            gpu == "0" || gpu == "1",
            "task {task} got CUDA_VISIBLE_DEVICES={gpu:?}"
        );
    }
    let counted = fs::read_to_string(out.join("after.out")).expect("the dependent job ran");
    assert_eq!(
        counted.trim(),
        "4",
        "the dependent job ran before the array ended"
    );

    let sleepers = cluster.ok(
        "sbatch",
        &[
            "--parsable",
            "--array=0-1",
            "--output=/dev/null",
            "--wrap",
            "sleep 30",
        ],
    );
    let sleepers = sleepers.trim();
    let one = format!("{sleepers}_1");
    let queue = cluster.ok("squeue", &["-h", "-r", "-o", "%i"]);
    assert!(queue.lines().any(|l| l == one), "{one} not queued: {queue}");
    cluster.ok("scancel", &[&one]);
    cluster.wait_gone(&[&one], Duration::from_secs(5));
    let queue = cluster.ok("squeue", &["-h", "-r", "-o", "%i"]);
    let zero = format!("{sleepers}_0");
    assert!(
        queue.lines().any(|l| l == zero),
        "{zero} cancelled too: {queue}"
    );
}

/// The cluster tests one at a time: each starts its own cluster, and the node's 2 CPUs are
/// shared by all.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ONE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `runvar ARGS` in `dir` with the cluster's environment (its SLURM_CONF, no inherited Slurm
/// setting).
fn runvar_on(cluster: &Cluster, dir: &Path, args: &[&str]) -> util::Output {
    let out = cluster
        .command(Path::new(env!("CARGO_BIN_EXE_runvar")))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runvar starts");
    util::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Submit with `--json`; the submission record.
fn submit(cluster: &Cluster, dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.push("--json");
    let out = ok(runvar_on(cluster, dir, &args));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Wait for the array and report jobs of `record` to leave the queue.
fn wait_for(cluster: &Cluster, record: &serde_json::Value) {
    let job = |k: &str| {
        record[k]
            .as_str()
            .unwrap_or_else(|| panic!("{k}: {record}"))
    };
    cluster.wait_gone(
        &[job("array_job"), job("report_job")],
        Duration::from_secs(300),
    );
}

/// Every run's `logits.npy` and the report of study `b` are byte for byte those of `a`.
fn assert_same_study(dir: &Path, a: &str, b: &str, cluster: &Cluster) {
    let read = |p: String| {
        fs::read(dir.join(&p)).unwrap_or_else(|e| panic!("{p}: {e}\n{}", cluster.logs()))
    };
    for (c, condition) in ["control", "init"].iter().enumerate() {
        for i in 0..4 {
            let run = format!("runs/{condition}/{i:04}/logits.npy");
            assert!(
                read(format!("{a}/{run}")) == read(format!("{b}/{run}")),
                "{run} (unit {}) differs",
                4 * c + i
            );
        }
    }
    assert!(
        read(format!("{a}/report.json")) == read(format!("{b}/report.json")),
        "report.json differs"
    );
}

#[test]
fn a_study_on_slurm_is_the_study_trained_here() {
    let _one = serial();
    let Some(cluster) = Cluster::for_test("a_study_on_slurm_is_the_study_trained_here") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(runvar(dir, &util::digits_2x4("local", "10", &["--quiet"])));
    let record = submit(
        &cluster,
        dir,
        &util::digits_2x4("slurm", "10", &["--backend", "slurm", "--time", "10:00"]),
    );
    assert_eq!(record["units"], serde_json::json!([0, 1, 2, 3, 4, 5, 6, 7]));
    assert_eq!(record["array"], "0-7");
    wait_for(&cluster, &record);
    assert_same_study(dir, "local", "slurm", &cluster);
    // Each run says which array task trained it, and the report job's log has the table.
    let array = record["array_job"].as_str().unwrap();
    for (unit, run) in ["control/0000", "control/0003", "init/0001"]
        .iter()
        .enumerate()
    {
        let text = fs::read_to_string(dir.join(format!("slurm/runs/{run}/record.json"))).unwrap();
        let r: serde_json::Value = serde_json::from_str(&text).unwrap();
        let p = &r["placement"];
        assert_eq!(p["slurm_array_job_id"], array, "{run}: {p}");
        assert_eq!(
            p["slurm_array_task_id"],
            [0, 3, 5][unit].to_string(),
            "{run}: {p}"
        );
    }
    let report_log = dir.join(format!(
        "slurm/slurm/logs/report-{}.out",
        record["report_job"].as_str().unwrap()
    ));
    let log = fs::read_to_string(&report_log).unwrap();
    assert!(log.contains("N = 4 runs per condition"), "{log}");
    // Again: nothing left to submit.
    let again = ok(runvar_on(
        &cluster,
        dir,
        &util::digits_2x4("slurm", "10", &["--backend", "slurm"]),
    ));
    assert!(again.contains("Every run of"), "{again}");
}

#[test]
fn a_cancelled_task_is_all_a_second_submission_submits() {
    let _one = serial();
    let Some(cluster) = Cluster::for_test("a_cancelled_task_is_all_a_second_submission_submits")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Runs of about 2 s, one task at a time, so that one can be cancelled mid-run.
    let submit_args =
        util::digits_2x4("slurm", "80", &["--backend", "slurm", "--array-limit", "1"]);
    let first = submit(&cluster, dir, &submit_args);
    let array = first["array_job"].as_str().unwrap().to_string();
    // The first claim of a unit past unit 0: its task has started training.
    let claims = dir.join("slurm/claims");
    let started = std::time::Instant::now();
    let unit = loop {
        let held: Vec<usize> = fs::read_dir(&claims)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| unit_of_claim(&e.file_name().to_string_lossy()))
                    .filter(|&u| u > 0)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(&u) = held.first() {
            break u;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no task started\n{}",
            cluster.logs()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let task = format!("{array}_{unit}");
    cluster.ok("scancel", &[&task]);
    cluster.wait_gone(&[&task], Duration::from_secs(30));
    let run = run_of_unit(unit);
    assert!(
        !dir.join(format!("slurm/runs/{run}/DONE")).exists(),
        "unit {unit} finished before its cancel"
    );
    // The same command again, while the first array still runs: it submits the cancelled
    // unit alone (the others are done, claimed or still queued). The study then completes.
    let second = submit(&cluster, dir, &submit_args);
    assert_eq!(second["units"], serde_json::json!([unit]), "{second}");
    wait_for(&cluster, &first);
    wait_for(&cluster, &second);
    ok(runvar(dir, &util::digits_2x4("local", "80", &["--quiet"])));
    assert_same_study(dir, "local", "slurm", &cluster);
    let left: Vec<String> =
        fs::read_dir(dir.join(format!("slurm/runs/{}", run.split('/').next().unwrap())))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect();
    assert!(
        left.is_empty(),
        "the cancelled task's temporary is gone: {left:?}"
    );
}

/// The unit of claim file `<condition>.<NNNN>.json` of the 2 x 4 study.
fn unit_of_claim(name: &str) -> Option<usize> {
    let (condition, rest) = name.split_once('.')?;
    let replica: usize = rest.strip_suffix(".json")?.parse().ok()?;
    let c = ["control", "init"].iter().position(|&n| n == condition)?;
    Some(4 * c + replica)
}

/// The run directory (below `runs/`) of unit `unit` of the 2 x 4 study.
fn run_of_unit(unit: usize) -> String {
    format!("{}/{:04}", ["control", "init"][unit / 4], unit % 4)
}

#[test]
fn each_task_records_the_gpu_slurm_gave_it() {
    let _one = serial();
    let Some(cluster) = Cluster::for_test("each_task_records_the_gpu_slurm_gave_it") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The node declares 2 fake GPUs; the runs themselves train on the CPU.
    let record = submit(
        &cluster,
        dir,
        &util::digits_2x4("gpus", "5", &["--backend", "slurm", "--gres", "gpu:1"]),
    );
    wait_for(&cluster, &record);
    let array = record["array_job"].as_str().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for unit in 0..8 {
        let run = run_of_unit(unit);
        let path = dir.join(format!("gpus/runs/{run}/record.json"));
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), cluster.logs()));
        let r: serde_json::Value = serde_json::from_str(&text).unwrap();
        let p = &r["placement"];
        assert_eq!(p["slurm_array_job_id"], array, "{run}: {p}");
        assert_eq!(p["slurm_array_task_id"], unit.to_string(), "{run}: {p}");
        assert_eq!(p["device"], "cpu", "{run}: {p}");
        let gpu = p["cuda_visible_devices"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            gpu == "0" || gpu == "1",
            "{run}: CUDA_VISIBLE_DEVICES {gpu:?}"
        );
        seen.insert(gpu);
    }
    println!("the tasks were given GPUs {seen:?}");
}
