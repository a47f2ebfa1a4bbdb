//! Progress bars on stderr (hidden off a terminal and with --quiet or --json).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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
            Event::Epoch(m) => self.bar.set_message(format!(
                "epoch {}/{}: loss {:.4}, test acc {:.2}%",
                m.epoch,
                self.epochs,
                m.train_loss,
                100.0 * m.test_accuracy
            )),
        }
    }

    /// Clear the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The progress of a study: runs done out of all, time left, and per-condition counts.
pub struct StudyProgress {
    bar: ProgressBar,
    names: Vec<String>,
    done: Vec<usize>,
    replicas: usize,
    failed: usize,
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
        let p = StudyProgress {
            bar,
            names: names.iter().map(|s| s.to_string()).collect(),
            done: done.to_vec(),
            replicas,
            failed: 0,
        };
        p.redraw();
        p
    }

    fn redraw(&self) {
        let mut parts: Vec<String> = self
            .names
            .iter()
            .zip(&self.done)
            .map(|(n, d)| format!("{n} {d}/{}", self.replicas))
            .collect();
        if self.failed > 0 {
            parts.push(format!("{} FAILED", self.failed));
        }
        self.bar.set_message(parts.join("  "));
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
