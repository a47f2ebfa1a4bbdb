//! The Slurm backend against a real private cluster (slurmctld, slurmd, munged) that
//! `slurm_cluster` starts; without root and Slurm the tests skip, saying why (in CI they fail).

mod slurm_cluster;

use std::fs;
use std::time::Duration;

use slurm_cluster::Cluster;

/// The harness itself: an array gets the fake GPUs, a dependent job waits for it, and
/// `scancel` removes one task of another array.
#[test]
fn the_private_cluster_runs_an_array_with_fake_gpus() {
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
