//! What can be wrong with a spec, each error naming the field or the file.

use std::path::{Path, PathBuf};

/// Errors in a spec: a field with an impossible value, an unknown key, a missing file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A field has an impossible value.
    #[error("`{field}`: {message}")]
    Invalid {
        /// Dotted path of the field, e.g. `train.epochs`.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The spec file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The spec file is not valid TOML, or has unknown or missing keys.
    #[error("{path}: {message}")]
    Parse {
        /// The file (or `<preset NAME>`).
        path: PathBuf,
        /// The parser's message, naming the key.
        message: String,
    },
    /// No preset of that name.
    #[error("unknown preset `{name}`; known presets: {known}")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// An [`SpecError::Invalid`] or [`SpecError::UnknownPreset`] that a spec file caused,
    /// with the file named.
    #[error("{path}: {inner}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong in it.
        inner: Box<SpecError>,
    },
}

impl SpecError {
    /// This error as caused by the file at `path`: named, unless it names it already.
    pub(crate) fn in_file(self, path: &Path) -> SpecError {
        match self {
            e @ (SpecError::Invalid { .. } | SpecError::UnknownPreset { .. }) => {
                SpecError::InFile {
                    path: path.to_path_buf(),
                    inner: Box::new(e),
                }
            }
            other => other,
        }
    }
}
