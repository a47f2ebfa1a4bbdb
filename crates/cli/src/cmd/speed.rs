//! `runvar speed`: replica-steps per second of packs, against the device's ceilings.

use runvar_core::data;
use runvar_core::runspec::{Device, Layout};
use runvar_engine::memory::{self, MIB};
use runvar_engine::speed::{self, Ceilings};
use runvar_engine::{device, runtime};
use serde_json::{json, Value};

use crate::args::SpeedArgs;
use crate::Outcome;

/// Runs in the paper's protocol (docs/protocol.md: 700 ResNet-14 runs on CIFAR-10).
const PAPER_RUNS: f64 = 700.0;

/// The layout's name as `--layout` and spec files spell it.
fn layout_name(l: Layout) -> String {
    json!(l).as_str().unwrap_or_default().to_string()
}

/// Run `runvar speed`.
pub fn run(a: SpeedArgs) -> anyhow::Result<Outcome> {
    let spec = a.run_spec()?;
    if spec.is_lm() {
        anyhow::bail!(
            "`runvar speed` times replica packs of image classifiers; {} is a language model, \
             trained one run at a time (`runvar train` prints its wall time)",
            spec.preset.as_deref().unwrap_or(spec.data.dataset.name())
        );
    }
    let packs = a.pack.clone().unwrap_or_else(|| match spec.device {
        Device::Cpu => vec![1, 2, 4, 8],
        Device::Cuda => vec![1, 8, 32, 64, 128],
    });
    if packs.contains(&0) {
        anyhow::bail!("--pack: pack sizes must be at least 1");
    }
    let tdev = device::tch_device(spec.device)?;
    runtime::configure(&spec);
    let bf16 = !spec.train.precision.is_fp32();
    let ceilings = speed::ceilings(tdev, bf16);
    // Before any buffer: the model and a batch must fit, and so must the synthetic data (four
    // batches of examples, as f32).
    let fp = memory::check_fits(&spec, 1, tdev)?;
    let batch = spec.train.batch_size;
    let g = spec.data.dataset.geometry();
    let example = (g.channels * g.height * g.width) as f64;
    if let Some(free) = runvar_core::machine::available_memory() {
        runvar_core::machine::check_size(
            "--batch-size",
            batch as u64,
            "the synthetic data and one replica",
            free,
            |b| 16.0 * b as f64 * example + fp.bytes_per_replica(b as usize),
        )?;
    }
    let data = data::synthetic(&spec, batch * 4, 16);
    let env = device::environment(tdev, spec.threads);
    let device_name = match spec.device {
        Device::Cpu => format!("cpu ({}, {} threads)", env.cpu, spec.threads),
        Device::Cuda => env.device.clone(),
    };
    if !a.json {
        println!(
            "{}: {} on synthetic {} data, batch {batch}, {}, layout {}, {}",
            device_name,
            spec.preset.as_deref().unwrap_or("custom spec"),
            spec.data.dataset.name(),
            if bf16 { "bf16 autocast" } else { "fp32" },
            layout_name(spec.train.layout),
            if spec.low_level && spec.device == Device::Cuda {
                "nondeterministic algorithms allowed"
            } else {
                "deterministic algorithms"
            }
        );
        println!(
            "ceilings: matmul {:.1} GFLOP/s, copy {:.1} GB/s; model: {} parameters, {:.2} MFLOP \
             per training example",
            ceilings.matmul_flops / 1e9,
            ceilings.bandwidth / 1e9,
            fp.params as u64,
            fp.train_flops_per_example / 1e6
        );
        println!(
            "\n{:>5}  {:>14}  {:>9}  {:>16}  {:>14}  {:>12}  {:>12}",
            "pack",
            "replica-steps/s",
            "step (s)",
            "GFLOP/s (% peak)",
            "GB/s* (% peak)",
            "MiB/replica",
            "est. MiB"
        );
    }
    let mut results = Vec::new();
    let mut best: Option<(usize, f64)> = None;
    for &k in &packs {
        let est = fp.bytes_per_replica(batch);
        let row = match speed::time_pack(&spec, &data, k, a.warmup, a.steps) {
            Ok(s) => {
                let flops = s.replica_steps_per_s * batch as f64 * fp.train_flops_per_example;
                let bytes = s.replica_steps_per_s * fp.bytes_per_step(batch);
                if best.is_none_or(|(_, r)| s.replica_steps_per_s > r) {
                    best = Some((k, s.replica_steps_per_s));
                }
                if !a.json {
                    println!(
                        "{k:>5}  {:>15.1}  {:>9.4}  {:>8.1} ({:>4.1}%)  {:>7.1} ({:>4.1}%)  {:>12}  {:>12.1}",
                        s.replica_steps_per_s,
                        s.step_seconds,
                        flops / 1e9,
                        100.0 * flops / ceilings.matmul_flops,
                        bytes / 1e9,
                        100.0 * bytes / ceilings.bandwidth,
                        s.memory_per_replica
                            .map_or("n/a".into(), |m| format!("{:.1}", m / MIB)),
                        est / MIB
                    );
                }
                json!({
                    "pack": k,
                    "status": "ok",
                    "replica_steps_per_s": s.replica_steps_per_s,
                    "step_seconds": s.step_seconds,
                    "achieved_flops": flops,
                    "flops_fraction": flops / ceilings.matmul_flops,
                    "achieved_bandwidth": bytes,
                    "bandwidth_fraction": bytes / ceilings.bandwidth,
                    "memory_per_replica": s.memory_per_replica,
                    "estimated_memory_per_replica": est,
                })
            }
            Err(e) => {
                if !a.json {
                    println!("{k:>5}  refused: {e}");
                }
                json!({"pack": k, "status": format!("refused: {e}"),
                       "estimated_memory_per_replica": est})
            }
        };
        results.push(row);
    }
    let g = spec.data.dataset.geometry();
    let replica_steps = PAPER_RUNS
        * spec.train.epochs as f64
        * runvar_core::schedule::steps_per_epoch(g.train, batch) as f64;
    let projection = best.map(|(_, r)| replica_steps / r / 3600.0);
    let out = json!({
        "device": device_name,
        "preset": spec.preset,
        "schema_version": runvar_core::store::SCHEMA_VERSION,
        "batch_size": batch,
        "precision": if bf16 { "bf16" } else { "fp32" },
        "layout": layout_name(spec.train.layout),
        "deterministic": runtime::deterministic(),
        "ceilings": ceilings_json(&ceilings),
        "flops_per_example": fp.train_flops_per_example,
        "params": fp.params as u64,
        "results": results,
        "best": best.map(|(k, r)| json!({"pack": k, "replica_steps_per_s": r})),
        "projection_replica_steps": replica_steps,
        "projection_hours": projection,
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "\n* estimated traffic (each activation written, read back and its gradient written; \
             parameters, gradients and momentum), a lower bound."
        );
        if let (Some((k, r)), Some(h)) = (best, projection) {
            println!(
                "best: pack {k}, {r:.1} replica-steps/s. The paper's protocol, {} runs x {} \
                 epochs x {} steps = {:.1}M replica-steps, would take {h:.1} hours here.",
                PAPER_RUNS,
                spec.train.epochs,
                runvar_core::schedule::steps_per_epoch(g.train, batch),
                replica_steps / 1e6
            );
        }
    }
    Ok(if best.is_some() {
        Outcome::Done
    } else {
        Outcome::SomeFailed
    })
}

fn ceilings_json(c: &Ceilings) -> Value {
    json!({"matmul_flops": c.matmul_flops, "bandwidth": c.bandwidth})
}
