//! Long computations off the interpreter: the work runs on a thread of its own while the
//! calling thread waits with the GIL released, waking every [`POLL`] to let Python run its
//! signal handlers. So other Python threads run meanwhile, and Ctrl-C raises
//! `KeyboardInterrupt` within about [`POLL`] of the keypress.
//!
//! runvar-core's computations have no way to be stopped midway. An interrupted computation is
//! therefore abandoned, not killed: its thread runs on to the end in the background (keeping
//! its copy of the arrays until then), and its result is dropped.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// How often the waiting thread looks for signals.
pub const POLL: Duration = Duration::from_millis(50);

/// `work()`, computed on a new thread; the caller waits with the GIL released and raises what
/// a signal handler raises (`KeyboardInterrupt` on Ctrl-C) as soon as it does.
///
/// # Errors
/// The signal handler's exception; `RuntimeError` when the work panicked (a bug: runvar-core
/// reports bad input as errors, never panics).
pub fn run<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("runvar".into())
        .spawn(move || {
            // The receiver is gone when the caller was interrupted: nothing to tell then.
            let _ = tx.send(std::panic::catch_unwind(AssertUnwindSafe(work)));
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver moves in and out: a shared reference to it could not leave the GIL.
        let (got, back) = py.detach(move || (rx.recv_timeout(POLL), rx));
        rx = back;
        match got {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(panic)) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                return Err(PyRuntimeError::new_err(format!(
                    "runvar panicked (a bug; please report it with the inputs): {what}"
                )));
            }
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "runvar's worker thread ended without a result",
                ))
            }
        }
    }
}
