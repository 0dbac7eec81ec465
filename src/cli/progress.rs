//! Long CLI runs say what they are doing — on a terminal. When stderr is a terminal a
//! progress bar (indicatif) shows the share done and the stage, and disappears when the work
//! ends; when stderr is a file or a pipe (scripts, CI logs) nothing is printed, so logs hold
//! only results and notes.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use streamlens_engine::Dataset;
use streamlens_engine::LoadError;
use streamlens_engine::io::{LoadOptions, LoadProgress, Source, load};
use streamlens_engine::progress::Progress;

/// How often the bar looks at the work's progress.
const POLL: Duration = Duration::from_millis(100);
/// Steps of the bar: per mille.
const STEPS: u64 = 1000;

/// A bar on stderr if it is a terminal, else `None` (quiet).
fn terminal_bar() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(STEPS), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {percent:>3} % {msg}")
        .map_or_else(
            |_| ProgressStyle::default_bar(),
            |s| s.progress_chars("=> "),
        );
    bar.set_style(style);
    Some(bar)
}

/// Runs `work` while `show` updates the bar every [`POLL`]; without a terminal, just runs it.
fn with_bar<T>(work: impl FnOnce() -> T, show: impl Fn(&ProgressBar) + Sync) -> T {
    let Some(bar) = terminal_bar() else {
        return work();
    };
    let finished = AtomicBool::new(false);
    let out = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !finished.load(Ordering::Relaxed) {
                show(&bar);
                std::thread::sleep(POLL);
            }
        });
        let out = work();
        finished.store(true, Ordering::Relaxed);
        out
    });
    bar.finish_and_clear();
    out
}

/// Runs `work` with a [`Progress`] whose share done and stage the terminal bar shows.
pub fn with_stage_lines<T>(work: impl FnOnce(&Progress) -> T) -> T {
    let progress = Progress::new();
    with_bar(
        || work(&progress),
        |bar| {
            bar.set_position((f64::from(progress.fraction()) * STEPS as f64) as u64);
            bar.set_message(progress.stage());
        },
    )
}

/// Loads telemetry files as [`streamlens_engine::io::load_paths`] does, with the bytes read
/// and rows kept on the terminal bar (20 M rows take seconds).
pub fn load_with_bar(paths: &[PathBuf], options: &LoadOptions) -> Result<Dataset, LoadError> {
    // Opening a named pipe waits for its writer: say so rather than seem to hang.
    #[cfg(unix)]
    for path in paths {
        use std::os::unix::fs::FileTypeExt as _;
        if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
            eprintln!(
                "note: {} is a named pipe: waiting for its writer, then reading until it closes",
                path.display()
            );
        }
    }
    let sources: Vec<Source> = paths.iter().cloned().map(Source::Path).collect();
    let progress = LoadProgress::default();
    with_bar(
        || load(&sources, options, &progress),
        |bar| {
            bar.set_position((f64::from(progress.fraction()) * STEPS as f64) as u64);
            let rows = progress.rows.load(Ordering::Relaxed);
            bar.set_message(format!("loading: {rows} rows"));
        },
    )
}
