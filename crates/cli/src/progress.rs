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
