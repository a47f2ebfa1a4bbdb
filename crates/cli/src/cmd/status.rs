//! `runvar status`: per condition done / claimed / missing, the claims, and the time left,
//! read from the study directory alone.

use std::io::Write;

use anyhow::Context;
use runvar_core::store::claim;
use runvar_core::study::{StudySpec, StudyStatus};

use crate::args::StatusArgs;
use crate::Outcome;

/// Run `runvar status`.
pub fn run(a: StatusArgs) -> anyhow::Result<Outcome> {
    let study = StudySpec::load(&a.dir)?.with_context(|| {
        format!(
            "{}: no study.json; is this a study directory made by runvar study?",
            a.dir.display()
        )
    })?;
    let s = StudyStatus::of(&study, &a.dir, claim::lease());
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &runvar_core::store::versioned(&s))?;
        writeln!(out)?;
        return Ok(Outcome::Done);
    }
    let width = s
        .conditions
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        .max(9);
    writeln!(
        out,
        "{:<width$}  {:>9}  {:>7}  {:>7}  {:>8}",
        "condition", "done", "claimed", "missing", "rejected"
    )?;
    for c in &s.conditions {
        writeln!(
            out,
            "{:<width$}  {:>9}  {:>7}  {:>7}  {:>8}",
            c.name,
            format!("{}/{}", c.done, study.replicas),
            c.claimed,
            c.missing,
            c.rejected
        )?;
    }
    for c in &s.claims {
        let who = c
            .owner
            .as_ref()
            .map_or("unreadable claim".to_string(), |o| {
                let p = &o.placement;
                let job = match (
                    &p.slurm_array_job_id,
                    &p.slurm_array_task_id,
                    &p.slurm_job_id,
                ) {
                    (Some(j), Some(t), _) => format!(", Slurm job {j}_{t}"),
                    (_, _, Some(j)) => format!(", Slurm job {j}"),
                    _ => String::new(),
                };
                format!("{} pid {}{job}", p.host, o.pid)
            });
        let state = if c.stale {
            "stale: will be taken over"
        } else {
            "live"
        };
        writeln!(
            out,
            "claim {}: {who}, heartbeat {:.0} s ago ({state})",
            c.unit, c.age_seconds
        )?;
    }
    match (s.units_left, s.eta_seconds, s.seconds_per_unit) {
        (0, _, _) => writeln!(out, "every run is finished")?,
        (n, Some(eta), Some(per)) => writeln!(
            out,
            "{n} units left, {per:.1} s each so far: about {} at the pace of the processes \
             training now",
            indicatif::HumanDuration(std::time::Duration::from_secs_f64(eta))
        )?,
        (n, _, _) => writeln!(out, "{n} units left; no finished unit yet to time")?,
    }
    if !s.missing_units.is_empty() {
        writeln!(
            out,
            "units no process holds: {} (runvar worker {} --unit K trains unit K)",
            crate::slurm::script::array_spec(&s.missing_units, None),
            a.dir.display()
        )?;
    }
    Ok(Outcome::Done)
}
