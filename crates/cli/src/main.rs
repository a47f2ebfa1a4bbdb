//! `runvar`: measure, explain and reduce run-to-run variability in neural-network training.
//!
//! Parse, dispatch, map errors to exit codes; nothing else.

mod args;
mod cmd;
mod fetch;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

/// How a command that ran to the end went.
pub enum Outcome {
    /// Everything done.
    Done,
    /// Finished, but some items failed (each named on stderr).
    SomeFailed,
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Train(a) => cmd::train::run(a),
        args::Command::Study(a) => cmd::study::run(a),
        args::Command::Analyze(a) => cmd::analyze::run(a),
        args::Command::Report(a) => cmd::report::run(a),
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
            eprintln!("runvar: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
