//! `runvar data`: its subcommands' arguments.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use runvar_core::data::catalog::{self, Remote};

/// `runvar data`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DataCommand,
}

/// The subcommands of `runvar data`.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Download datasets into the data folder, each file checked by SHA-256.
    ///
    /// Downloads from the mirrors torchvision uses (MNIST: PyTorch's copy, then LeCun's site;
    /// Fashion-MNIST: Zalando's; CIFAR-10: the binary version from the Toronto site), shows
    /// progress, resumes an interrupted download from its .part file, and skips files already
    /// there and verified. CIFAR-10 is unpacked to cifar-10-batches-bin/. The data folder is
    /// where train, study and instability look when no --data-dir is given:
    /// $XDG_CACHE_HOME/runvar/data, else ~/.cache/runvar/data.
    ///
    /// RUNVAR_DATA_MIRROR=BASE replaces the mirrors with BASE/<dataset>/<file> (several bases
    /// separated by spaces), for a proxy or a copy inside your network; HTTPS_PROXY,
    /// HTTP_PROXY and NO_PROXY are honoured. Exit code 2 when a file cannot be had verified;
    /// a partial download is kept only where the next run resumes it.
    ///
    /// Example: runvar data fetch mnist fashion-mnist
    Fetch(FetchArgs),
    /// Show the data folder and which datasets it holds.
    List(ListArgs),
}

/// `runvar data fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Datasets: mnist, fashion-mnist, cifar10.
    #[arg(required = true, value_name = "NAME", value_parser = catalog::parse_remote)]
    pub datasets: Vec<&'static Remote>,
    /// The data folder (default: $XDG_CACHE_HOME/runvar/data, else ~/.cache/runvar/data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// No progress.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `runvar data list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The data folder (default: $XDG_CACHE_HOME/runvar/data, else ~/.cache/runvar/data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use crate::args::{Cli, Command};
    use clap::Parser;

    use super::DataCommand;

    #[test]
    fn fetch_takes_known_names_only() {
        let cli =
            Cli::try_parse_from(["runvar", "data", "fetch", "mnist", "cifar10", "-q"]).unwrap();
        let Command::Data(a) = cli.command else {
            panic!("not data")
        };
        let DataCommand::Fetch(f) = a.command else {
            panic!("not fetch")
        };
        let names: Vec<&str> = f.datasets.iter().map(|r| r.dataset.name()).collect();
        assert_eq!(names, ["mnist", "cifar10"]);
        assert!(f.quiet && f.data_dir.is_none());

        let err = Cli::try_parse_from(["runvar", "data", "fetch", "imagenet"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(msg.contains("unknown dataset `imagenet`"), "{msg}");
        assert!(msg.contains("mnist, fashion-mnist, cifar10"), "{msg}");
        assert!(Cli::try_parse_from(["runvar", "data", "fetch"]).is_err());
        assert!(Cli::try_parse_from(["runvar", "data", "list", "--data-dir", "d"]).is_ok());
    }
}
