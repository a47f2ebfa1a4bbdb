//! `runvar`: measure, explain and reduce run-to-run variability in neural-network training.
//!
//! Parse, dispatch, map errors to exit codes; nothing else. `args/` defines every flag once
//! (the shared groups and the one function that applies them to a run spec are in
//! `args/run.rs`); `cmd/` has one file per subcommand that calls the core and the engine and
//! prints; `progress.rs` draws the bars, `output.rs` the results, `fetch/` downloads datasets.

mod args;
mod cmd;
mod fetch;
mod output;
mod progress;
mod slurm;

use std::process::ExitCode;

use clap::Parser;

/// How a command that ran to the end went.
pub enum Outcome {
    /// Everything done.
    Done,
    /// Finished, but some items failed (each named on stderr).
    SomeFailed,
}

impl Outcome {
    /// Name each failure on stderr (`runvar: ...`); [`Outcome::SomeFailed`] if there is any.
    pub fn naming<T: std::fmt::Display>(failures: &[T]) -> Outcome {
        for f in failures {
            eprintln!("runvar: {f}");
        }
        if failures.is_empty() {
            Outcome::Done
        } else {
            Outcome::SomeFailed
        }
    }
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Train(a) => cmd::train::run(a),
        args::Command::Study(a) => cmd::study::run(a),
        args::Command::Analyze(a) => cmd::analyze::run(a),
        args::Command::Compare(a) => cmd::compare::run(a),
        args::Command::Plan(a) => cmd::plan::run(a),
        args::Command::Report(a) => cmd::report::run(a),
        args::Command::Worker(a) => cmd::worker::run(a),
        args::Command::Status(a) => cmd::status::run(a),
        args::Command::Instability(a) => cmd::instability::run(a),
        args::Command::Speed(a) => cmd::speed::run(a),
        args::Command::Presets => cmd::presets::run(),
        args::Command::Protocol => cmd::protocol::run(),
        args::Command::Data(a) => cmd::data::run(a),
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::SomeFailed) => ExitCode::from(1),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("runvar: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes joined by `: `, each cause left out when the text before it says it
/// already (library errors often print their source in their own message too, and
/// `{:#}` would repeat it: "Permission denied (os error 13): Permission denied (os error 13)").
fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::message;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let err = anyhow::Error::new(runvar_core::store::StoreError::Io {
            path: "/x/y".into(),
            source: std::io::Error::from_raw_os_error(13),
        })
        .context("writing the run directory /x/y");
        let text = message(&err);
        assert_eq!(text.matches("os error 13").count(), 1, "{text}");
        assert_eq!(format!("{err:#}").matches("os error 13").count(), 2);
        // A cause the message does not contain is kept.
        let err = anyhow::anyhow!("disk full").context("writing report.json");
        assert_eq!(message(&err), "writing report.json: disk full");
    }
}
