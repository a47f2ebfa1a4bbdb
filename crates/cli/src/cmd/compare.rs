//! `runvar compare`: is the difference between two groups of runs real?

use std::io::Write;
use std::path::PathBuf;

use runvar_core::compare::{self, Arm, ArmSource, Settings};

use crate::args::CompareArgs;
use crate::Outcome;

/// One side from its positional word or its `--a`/`--b` paths, with the name it is shown by.
fn side(word: Option<String>, paths: Vec<PathBuf>) -> anyhow::Result<(String, ArmSource)> {
    if let Some(word) = word {
        let source = ArmSource::parse(&word)?;
        return Ok((word, source));
    }
    match &paths[..] {
        [one] => {
            let word = one.display().to_string();
            let source = ArmSource::parse(&word)?;
            Ok((word, source))
        }
        [first, rest @ ..] => Ok((
            format!("{} and {} more", first.display(), rest.len()),
            ArmSource::Files(paths.clone()),
        )),
        [] => anyhow::bail!("no runs given"),
    }
}

/// Run `runvar compare`.
pub fn run(a: CompareArgs) -> anyhow::Result<Outcome> {
    if let Some(free) = runvar_core::machine::available_memory() {
        runvar_core::machine::check_size(
            "--bootstrap",
            a.bootstrap as u64,
            "the bootstrap resamples",
            free,
            runvar_core::study::StudySpec::bootstrap_bytes,
        )?;
    }
    let settings = Settings {
        permutations: a.permutations,
        bootstrap: a.bootstrap,
        seed: a.seed,
        alpha: a.alpha,
        ..Settings::default()
    };
    settings.validate()?;
    let (label_a, source_a) = side(a.a, a.a_files)?;
    let (label_b, source_b) = side(a.b, a.b_files)?;
    let arm_a = Arm::load(&label_a, &source_a, a.labels.as_deref())?;
    let arm_b = Arm::load(&label_b, &source_b, a.labels.as_deref())?;
    let c = compare::compare(&arm_a, &arm_b, &settings)?;
    let mut stdout = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut stdout, &runvar_core::store::versioned(&c))?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", compare::text::render(&c))?;
    }
    Ok(Outcome::Done)
}
