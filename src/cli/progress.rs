//! Long CLI runs say what they are doing: a scoped thread prints the run's stage to stderr
//! every few seconds when it has changed, so a minute of training is not a silent minute.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use streamlens_engine::progress::Progress;

/// How often the stage is looked at, and the least time between two printed lines.
const POLL: Duration = Duration::from_millis(200);
const EVERY: Duration = Duration::from_secs(2);

/// Runs `work` with a [`Progress`] whose stage changes are printed to stderr as they come
/// (at most one line every two seconds), prefixed with the share done.
pub fn with_stage_lines<T>(work: impl FnOnce(&Progress) -> T) -> T {
    let progress = Progress::new();
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut last_line = String::new();
            let mut last_print = Instant::now();
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(POLL);
                let stage = progress.stage();
                if stage != last_line && last_print.elapsed() >= EVERY && !stage.is_empty() {
                    eprintln!("[{:>3.0} %] {stage}", progress.fraction() * 100.0);
                    last_print = Instant::now();
                    last_line = stage;
                }
            }
        });
        let out = work(&progress);
        finished.store(true, Ordering::Relaxed);
        out
    })
}
