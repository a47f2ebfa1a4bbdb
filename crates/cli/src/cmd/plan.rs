//! `runvar plan`: how many runs a comparison needs, before training them.

use std::io::Write;

use runvar_core::compare::{self, PlanRequest, SdSource};

use crate::args::PlanArgs;
use crate::Outcome;

/// Run `runvar plan`.
pub fn run(a: PlanArgs) -> anyhow::Result<Outcome> {
    let sd = match (a.sd, a.from) {
        (Some(sd), _) => SdSource::Given(sd),
        (None, Some(from)) => SdSource::Study(from),
        (None, None) => anyhow::bail!("give --sd PP or --from DIR[:CONDITION]"),
    };
    let plan = compare::plan(&PlanRequest {
        sd,
        effect: a.effect,
        alpha: a.alpha,
        power: a.power,
    })?;
    let mut stdout = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut stdout, &runvar_core::store::versioned(&plan))?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", compare::plan_text::render(&plan))?;
    }
    Ok(Outcome::Done)
}
