//! The fuzz loop: run every seed once, then mutated inputs, each under `catch_unwind`. An
//! `Err` from the reader is the desired outcome; a panic is a crash, reported with the
//! iteration and message and saved. Inputs that give a new kind of error join the corpus,
//! a cheap stand-in for coverage feedback that walks past the first check of each reader.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::mutate::{MAX_INPUT_BYTES, Mutator};
use crate::panics::{Guard, catch};
use crate::{memory, targets::Target};

/// Mutated inputs kept besides the seeds, at most.
const MAX_CORPUS: usize = 512;
/// A call using more memory than this many times its input (and more than the floor below)
/// is noted as suspicious.
const MEMORY_FACTOR: u64 = 100;
const MEMORY_FLOOR_BYTES: u64 = 64 << 20;
/// Inputs slower than this are noted and saved.
const SLOW: Duration = Duration::from_secs(5);

/// How long to fuzz and where to put what is found.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// Stop after this many calls (seeds included)...
    pub max_iterations: u64,
    /// ...or after this long, whichever comes first.
    pub duration: Option<Duration>,
    /// Crashing, slow and memory-hungry inputs are written here.
    pub save_dir: Option<PathBuf>,
    /// Each input is written here before its call, so an abort (which ends the process)
    /// still leaves the input that caused it.
    pub last_input: Option<PathBuf>,
    /// Measure each call's peak memory (process-wide; one loop per process).
    pub memory: bool,
}

impl Config {
    /// A deterministic run of `iterations` calls with nothing saved (the tests' short run).
    #[must_use]
    pub fn short(seed: u64, iterations: u64) -> Self {
        Self {
            seed,
            max_iterations: iterations,
            duration: None,
            save_dir: None,
            last_input: None,
            memory: false,
        }
    }
}

/// One distinct panic: where it happened first and how often.
#[derive(Debug, Clone)]
pub struct Crash {
    pub iteration: u64,
    pub message: String,
    pub count: u64,
    pub input: Vec<u8>,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub target: String,
    pub seed: u64,
    pub iterations: u64,
    pub ok: u64,
    pub errors: u64,
    pub distinct_errors: usize,
    /// The most frequent kinds of error, with their counts (most frequent first).
    pub top_errors: Vec<(u64, String)>,
    pub corpus: usize,
    pub crashes: Vec<Crash>,
    pub elapsed: Duration,
    pub slowest: Duration,
    pub slowest_iteration: u64,
    /// Calls that were slow or used far more memory than their input, described.
    pub notes: Vec<String>,
}

impl Summary {
    /// Panics counted over the run (a distinct panic counts every time it recurs).
    #[must_use]
    pub fn crash_count(&self) -> u64 {
        self.crashes.iter().map(|c| c.count).sum()
    }
}

/// An error message with its variable parts blurred (quoted text, and words holding digits,
/// paths or other punctuation), so that one kind of error counts once whatever file, row or
/// value it names.
fn error_kind(message: &str) -> String {
    let mut kind = Vec::new();
    let mut quoted = false;
    for word in message.split_whitespace().take(24) {
        let ticks = word.matches('`').count();
        let plain = word
            .trim_end_matches([',', ':', ';', '.', ')'])
            .trim_start_matches('(')
            .chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
        kind.push(if quoted || ticks > 0 || !plain {
            "#"
        } else {
            word
        });
        quoted ^= ticks % 2 == 1;
    }
    kind.dedup();
    kind.join(" ")
}

/// Fuzzes `target` as `config` says.
#[must_use]
pub fn fuzz(target: &Target, config: &Config) -> Summary {
    let _guard = Guard::enter();
    let start = Instant::now();
    let salt = target
        .name
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut mutator = Mutator::new(config.seed ^ salt, MAX_INPUT_BYTES);
    let mut corpus: Vec<Vec<u8>> = target.seeds.clone();
    let mut kinds: HashMap<String, u64> = HashMap::new();
    let last = config
        .last_input
        .as_ref()
        .and_then(|p| File::create(p).ok());
    let mut summary = Summary {
        target: target.name.to_string(),
        seed: config.seed,
        ..Summary::default()
    };
    while summary.iterations < config.max_iterations
        && config.duration.is_none_or(|d| start.elapsed() < d)
    {
        let i = summary.iterations;
        let input = if (i as usize) < target.seeds.len() {
            target.seeds[i as usize].clone()
        } else {
            let base = mutator.rng().below(corpus.len());
            let other = mutator.rng().below(corpus.len());
            mutator.mutate(&corpus[base], &corpus[other])
        };
        if let Some(file) = &last {
            let _ = file.set_len(0).and_then(|()| file.write_all_at(&input, 0));
        }
        let before = if config.memory {
            memory::reset_peak()
        } else {
            None
        };
        let call = Instant::now();
        let outcome = catch(|| (target.read)(&input));
        let took = call.elapsed();
        summary.iterations += 1;
        if took > summary.slowest {
            summary.slowest = took;
            summary.slowest_iteration = i;
        }
        if took > SLOW {
            note(
                &mut summary,
                config,
                "slow",
                i,
                &input,
                &format!("{:.1} s", took.as_secs_f64()),
            );
        }
        if let (Some(before), Some(peak)) = (before, memory::peak().filter(|_| config.memory)) {
            let grown = peak.saturating_sub(before);
            if grown > MEMORY_FLOOR_BYTES.max(MEMORY_FACTOR * input.len() as u64) {
                let what = format!("{} MiB for {} bytes", grown >> 20, input.len());
                note(&mut summary, config, "memory", i, &input, &what);
            }
        }
        match outcome {
            Ok(Ok(())) => summary.ok += 1,
            Ok(Err(message)) => {
                summary.errors += 1;
                let count = kinds.entry(error_kind(&message)).or_default();
                *count += 1;
                if *count == 1 && corpus.len() < target.seeds.len() + MAX_CORPUS {
                    corpus.push(input);
                }
            }
            Err(message) => record_crash(&mut summary, config, i, input, message),
        }
    }
    summary.distinct_errors = kinds.len();
    let mut top: Vec<(u64, String)> = kinds.into_iter().map(|(k, n)| (n, k)).collect();
    top.sort_unstable_by(|a, b| b.cmp(a));
    top.truncate(8);
    summary.top_errors = top;
    summary.corpus = corpus.len();
    summary.elapsed = start.elapsed();
    summary
}

fn record_crash(summary: &mut Summary, config: &Config, i: u64, input: Vec<u8>, message: String) {
    if let Some(crash) = summary.crashes.iter_mut().find(|c| c.message == message) {
        crash.count += 1;
        if input.len() < crash.input.len() {
            crash.input = input;
        }
        return;
    }
    save(config, &format!("{}-crash-{i}.bin", summary.target), &input);
    summary.crashes.push(Crash {
        iteration: i,
        message,
        count: 1,
        input,
    });
}

fn note(summary: &mut Summary, config: &Config, kind: &str, i: u64, input: &[u8], what: &str) {
    if summary.notes.len() < 20 {
        save(config, &format!("{}-{kind}-{i}.bin", summary.target), input);
        summary
            .notes
            .push(format!("{kind} at iteration {i}: {what}"));
    }
}

fn save(config: &Config, name: &str, input: &[u8]) {
    if let Some(dir) = &config.save_dir {
        let _ = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(dir.join(name), input));
    }
}

#[cfg(test)]
mod tests {
    use super::error_kind;

    #[test]
    fn error_kinds_blur_numbers_and_quoted_text() {
        assert_eq!(
            error_kind("t.csv, row 12, column `qoe`: expected a number, found `x1`"),
            error_kind("t.csv, row 3, column `engagement`: expected a number, found `7`")
        );
        assert_ne!(error_kind("empty"), error_kind("not JSON"));
    }
}
