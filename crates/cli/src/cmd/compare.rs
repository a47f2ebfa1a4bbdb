//! `runvar compare`: is the difference between two groups of runs real?

use std::io::Write;
use std::path::PathBuf;

use runvar_core::compare::{self, Arm, ArmSource, Settings};

use crate::args::CompareArgs;
use crate::Outcome;

/// One side, from a word (`DIR:COND`, a study, one file) or from `--a`/`--b` paths, with the
/// name it is shown by.
enum Side {
    Word(String),
    Paths(Vec<PathBuf>),
}

impl Side {
    fn source(self) -> anyhow::Result<(String, ArmSource)> {
        match self {
            Side::Word(word) => {
                let source = ArmSource::parse(&word)?;
                Ok((word, source))
            }
            Side::Paths(paths) => match &paths[..] {
                [one] => Side::Word(one.display().to_string()).source(),
                [first, rest @ ..] => Ok((
                    format!("{} and {} more", first.display(), rest.len()),
                    ArmSource::Files(paths.clone()),
                )),
                [] => anyhow::bail!("no runs given"),
            },
        }
    }
}

/// A and B from the positional words and `--a`/`--b`: `A B`, `A --b FILES`, `B --a FILES`, or
/// `--a FILES --b FILES`.
fn sides(a: &mut CompareArgs) -> anyhow::Result<(Side, Side)> {
    let files = |v: &mut Vec<PathBuf>| Side::Paths(std::mem::take(v));
    Ok(
        match (
            a.a.take(),
            a.b.take(),
            a.a_files.is_empty(),
            a.b_files.is_empty(),
        ) {
            (Some(x), Some(y), true, true) => (Side::Word(x), Side::Word(y)),
            (Some(x), None, true, false) => (Side::Word(x), files(&mut a.b_files)),
            (Some(y), None, false, true) => (files(&mut a.a_files), Side::Word(y)),
            (None, None, false, false) => (files(&mut a.a_files), files(&mut a.b_files)),
            _ => anyhow::bail!(
                "give A and B once each: `runvar compare A B`, `runvar compare A --b FILES...`, \
                 `runvar compare B --a FILES...` or `runvar compare --a FILES... --b FILES...`"
            ),
        },
    )
}

/// Run `runvar compare`.
pub fn run(mut a: CompareArgs) -> anyhow::Result<Outcome> {
    super::check_bootstrap(a.bootstrap)?;
    let settings = Settings {
        permutations: a.permutations,
        bootstrap: a.bootstrap,
        seed: a.seed,
        alpha: a.alpha,
        ..Settings::default()
    };
    settings.validate()?;
    let (side_a, side_b) = sides(&mut a)?;
    let (label_a, source_a) = side_a.source()?;
    let (label_b, source_b) = side_b.source()?;
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
