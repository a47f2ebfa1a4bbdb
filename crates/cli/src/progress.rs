//! Progress on stderr: bars (hidden off a terminal and with --quiet or --json), and the plain
//! lines of `runvar data fetch` when stderr is not a terminal.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};
use runvar_engine::train::Event;

/// The progress bar of one training run: steps done, the last epoch's test accuracy.
pub struct RunProgress {
    bar: ProgressBar,
    epochs: usize,
}

impl RunProgress {
    /// A bar for a run of `epochs` epochs; `hidden` draws nothing.
    pub fn new(hidden: bool, epochs: usize) -> RunProgress {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if hidden {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} steps, eta {eta}  {msg}",
            )
            .expect("valid template"),
        );
        RunProgress { bar, epochs }
    }

    /// Update from an engine event.
    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::Started { total_steps } => self.bar.set_length(*total_steps as u64),
            Event::Step { .. } => self.bar.inc(1),
            Event::Epoch(m) => self.bar.set_message(match &m.lm {
                Some(lm) => format!(
                    "epoch {}/{}: loss {:.4}, valid perplexity {:.3}",
                    m.epoch, self.epochs, m.train_loss, lm.valid_perplexity
                ),
                None => format!(
                    "epoch {}/{}: loss {:.4}, test acc {:.2}%",
                    m.epoch,
                    self.epochs,
                    m.train_loss,
                    100.0 * m.test_accuracy
                ),
            }),
        }
    }

    /// Clear the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The progress bar of runs trained in lockstep (`runvar instability`): steps done; in a log,
/// a plain line at most every 30 s.
pub struct LockstepProgress {
    bar: ProgressBar,
    lines: Option<std::cell::RefCell<Lines>>,
    total: usize,
}

impl LockstepProgress {
    /// A bar for `total` steps of `runs` runs; `hidden` draws nothing.
    pub fn new(hidden: bool, total: usize, runs: usize) -> LockstepProgress {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        if hidden {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "[{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} steps of {runs} runs in \
                 lockstep, eta {{eta}}"
            ))
            .expect("valid template"),
        );
        LockstepProgress {
            bar,
            lines: Lines::detect(hidden).map(std::cell::RefCell::new),
            total,
        }
    }

    /// `step` steps done.
    pub fn at(&self, step: usize) {
        self.bar.set_position(step as u64);
        if let Some(lines) = &self.lines {
            lines
                .borrow_mut()
                .report(step, self.total, "steps of the runs in lockstep");
        }
    }

    /// Clear the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Plain progress lines for logs (stderr not a terminal): at most one per [`LOG_LINE_EVERY`],
/// plus the last.
struct Lines {
    start: Instant,
    last: Option<Instant>,
}

/// The shortest time between two progress lines of a study or lockstep run in a log.
const LOG_LINE_EVERY: Duration = Duration::from_secs(30);

impl Lines {
    /// Lines when stderr is not a terminal and progress is not hidden.
    fn detect(hidden: bool) -> Option<Lines> {
        (!hidden && !std::io::stderr().is_terminal()).then(|| Lines {
            start: Instant::now(),
            last: None,
        })
    }

    /// Print `runvar: <done>/<total> <what>, eta ...` if the last line is old enough (or
    /// `done == total`).
    fn report(&mut self, done: usize, total: usize, what: &str) {
        let now = Instant::now();
        if done < total && self.last.is_some_and(|t| now - t < LOG_LINE_EVERY) {
            return;
        }
        self.last = Some(now);
        let elapsed = now - self.start;
        let eta = if done == 0 || done >= total {
            String::new()
        } else {
            let left = elapsed.as_secs_f64() / done as f64 * (total - done) as f64;
            format!(", eta {}", HumanDuration(Duration::from_secs_f64(left)))
        };
        eprintln!(
            "runvar: {done}/{total} {what} ({} elapsed{eta})",
            HumanDuration(elapsed)
        );
    }
}

/// The progress of a study: runs done out of all, time left, and per-condition counts. On a
/// terminal a bar; in a log, a plain line as runs finish, at most every 30 s.
pub struct StudyProgress {
    bar: ProgressBar,
    names: Vec<String>,
    done: Vec<usize>,
    replicas: usize,
    failed: usize,
    lines: Option<Lines>,
}

impl StudyProgress {
    /// A bar over `todo` runs; `done` counts finished runs per condition already.
    pub fn new(
        hidden: bool,
        names: &[&str],
        done: &[usize],
        replicas: usize,
        todo: usize,
    ) -> StudyProgress {
        let bar = ProgressBar::with_draw_target(Some(todo as u64), ProgressDrawTarget::stderr());
        if hidden {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(
                "[{elapsed_precise}] {bar:30} {pos}/{len} runs, eta {eta}\n{wide_msg}",
            )
            .expect("valid template"),
        );
        let mut p = StudyProgress {
            bar,
            names: names.iter().map(|s| s.to_string()).collect(),
            done: done.to_vec(),
            replicas,
            failed: 0,
            lines: Lines::detect(hidden),
        };
        p.redraw();
        p
    }

    fn redraw(&mut self) {
        let mut parts: Vec<String> = self
            .names
            .iter()
            .zip(&self.done)
            .map(|(n, d)| format!("{n} {d}/{}", self.replicas))
            .collect();
        if self.failed > 0 {
            parts.push(format!("{} FAILED", self.failed));
        }
        let message = parts.join("  ");
        if let Some(lines) = &mut self.lines {
            let total = self.bar.length().unwrap_or(0) as usize;
            let what = format!("runs: {message}");
            lines.report(self.bar.position() as usize, total, &what);
        }
        self.bar.set_message(message);
    }

    /// A run of condition `c` finished.
    pub fn finished(&mut self, c: usize) {
        self.done[c] += 1;
        self.bar.inc(1);
        self.redraw();
    }

    /// A run failed.
    pub fn failed(&mut self) {
        self.failed += 1;
        self.bar.inc(1);
        self.redraw();
    }

    /// Clear the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// How `runvar data fetch` reports: a bar per file on a terminal, a line every few seconds
/// when stderr is a file or a pipe, nothing with `--quiet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchMode {
    /// Nothing.
    Quiet,
    /// Plain `runvar: NAME: ...` lines.
    Lines,
    /// An indicatif bar per file, and the same lines above it.
    Bar,
}

impl FetchMode {
    /// `Quiet` with `quiet`, else `Bar` on a terminal, else `Lines`.
    pub fn detect(quiet: bool) -> FetchMode {
        use std::io::IsTerminal;
        if quiet {
            FetchMode::Quiet
        } else if std::io::stderr().is_terminal() {
            FetchMode::Bar
        } else {
            FetchMode::Lines
        }
    }
}

/// Renders the events of fetching one dataset.
pub struct FetchProgress {
    mode: FetchMode,
    name: String,
    bar: Option<ProgressBar>,
    last_line: std::time::Instant,
}

/// Seconds between progress lines when stderr is not a terminal.
const LINE_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl FetchProgress {
    /// Progress of dataset `name`.
    pub fn new(mode: FetchMode, name: &str) -> FetchProgress {
        FetchProgress {
            mode,
            name: name.to_string(),
            bar: None,
            last_line: std::time::Instant::now(),
        }
    }

    fn line(&self, msg: &str) {
        let text = format!("runvar: {}: {msg}", self.name);
        match (&self.bar, self.mode) {
            (_, FetchMode::Quiet) => {}
            (Some(bar), _) => bar.suspend(|| eprintln!("{text}")),
            (None, _) => eprintln!("{text}"),
        }
    }

    /// Update from a fetch event.
    pub fn on_event(&mut self, event: &crate::fetch::Event<'_>) {
        use crate::fetch::Event;
        match *event {
            Event::Present { file, how } => {
                self.line(&format!("{file} already present, {}", verified(how)))
            }
            Event::PresentFolder { folder } => self.line(&format!("{folder} already present")),
            Event::Start {
                file,
                url,
                from,
                total,
            } => {
                let of = total
                    .map(|t| format!(" ({})", bytes(t)))
                    .unwrap_or_default();
                let resume = if from > 0 {
                    format!(", resuming after {}", bytes(from))
                } else {
                    String::new()
                };
                self.line(&format!("downloading {file}{of} from {url}{resume}"));
                self.last_line = std::time::Instant::now();
                if self.mode == FetchMode::Bar {
                    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{msg} {bar:30} {decimal_bytes}/{decimal_total_bytes} \
                             {decimal_bytes_per_sec}, eta {eta}",
                        )
                        .expect("valid template"),
                    );
                    bar.set_message(file.to_string());
                    bar.set_position(from);
                    self.bar = Some(bar);
                }
            }
            Event::Progress { file, done, total } => {
                if let Some(bar) = &self.bar {
                    bar.set_position(done);
                } else if self.mode == FetchMode::Lines && self.last_line.elapsed() >= LINE_EVERY {
                    let of = total
                        .map(|t| format!(" of {}", bytes(t)))
                        .unwrap_or_default();
                    self.line(&format!("{file} {}{of}", bytes(done)));
                    self.last_line = std::time::Instant::now();
                }
            }
            Event::Retry { message, .. } => self.line(message),
            Event::Done { file, how } => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                self.line(&format!("{file} {}", verified(how)));
            }
            Event::Unpacking { file } => self.line(&format!("unpacking {file}")),
        }
    }

    /// Clear any bar left (after an error).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn verified(how: runvar_core::data::catalog::Verified) -> &'static str {
    match how {
        runvar_core::data::catalog::Verified::Archive => "verified (SHA-256)",
        runvar_core::data::catalog::Verified::Content => {
            "verified (SHA-256 of the decompressed file; recompressed copy)"
        }
    }
}

/// `n` bytes in decimal units, as download sizes are usually given: `4.7 MB`.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.1} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} kB", n / 1e3)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn sizes_read_like_download_sizes() {
        assert_eq!(bytes(9_912_422), "9.9 MB");
        assert_eq!(bytes(4_700_000), "4.7 MB");
        assert_eq!(bytes(28_881), "28.9 kB");
        assert_eq!(bytes(170_052_171), "170.1 MB");
        assert_eq!(bytes(2_000_000_000), "2.0 GB");
        assert_eq!(bytes(512), "512 bytes");
    }
}
