//! Arrays from Python: the package (python/runvar/_arrays.py) hands each over as the bytes of a
//! `.npy` file (`numpy.lib.format.write_array`) with the name messages call it by. They are
//! decoded by runvar-core's `.npy` reader, so dtypes, byte order and memory order are
//! converted exactly as the CLI converts a file: float16 widened exactly, float64 rounded to
//! nearest float32, integers of any width to int64.

use std::path::Path;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use runvar_core::analysis::{AnalysisError, NamedArray};
use runvar_core::store::npy;

/// One array as Python passes it: `(name, npy_bytes)`.
pub type Arg<'py> = (String, Bound<'py, PyBytes>);

/// An array's name and `.npy` bytes, copied out of Python so that the work can leave the GIL.
#[derive(Debug, Clone)]
pub struct Encoded {
    name: String,
    bytes: Vec<u8>,
}

impl Encoded {
    /// Copy `arg` out of Python.
    pub fn of(arg: &Arg<'_>) -> Encoded {
        Encoded {
            name: arg.0.clone(),
            bytes: arg.1.as_bytes().to_vec(),
        }
    }

    /// The name messages call the array by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Copy each of `args` out of Python.
    pub fn all(args: &[Arg<'_>]) -> Vec<Encoded> {
        args.iter().map(Encoded::of).collect()
    }

    /// The array, read as a `.npy` file is.
    ///
    /// # Errors
    /// [`AnalysisError::Npy`] naming the array (an unsupported dtype, say).
    pub fn decode(self) -> Result<NamedArray, AnalysisError> {
        let array = npy::decode(&self.bytes, Path::new(&self.name))?;
        Ok(NamedArray {
            name: self.name,
            array,
        })
    }

    /// Decode each of `all`.
    ///
    /// # Errors
    /// As [`Encoded::decode`].
    pub fn decode_all(all: Vec<Encoded>) -> Result<Vec<NamedArray>, AnalysisError> {
        all.into_iter().map(Encoded::decode).collect()
    }
}
