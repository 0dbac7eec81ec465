//! Running independent pieces of an analysis on named scoped threads, at most one
//! per core (each piece may hold large buffers, so more threads would only add memory).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::AnalysisError;

/// Items handed out one at a time to whichever thread asks next, and their results.
struct Queue<I, T> {
    items: Vec<Mutex<Option<I>>>,
    results: Vec<Mutex<Option<T>>>,
    next: AtomicUsize,
}

impl<I, T> Queue<I, T> {
    fn new(items: Vec<I>) -> Self {
        let n = items.len();
        Self {
            items: items.into_iter().map(|i| Mutex::new(Some(i))).collect(),
            results: (0..n).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    /// Takes items and stores `f`'s results until none is left.
    fn work(&self, f: &impl Fn(I) -> T) {
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            if k >= self.items.len() {
                break;
            }
            // A poisoned lock means a worker panicked; the scope re-raises that panic.
            let item = self.items[k].lock().ok().and_then(|mut q| q.take());
            if let Some(item) = item {
                let value = f(item);
                if let Ok(mut slot) = self.results[k].lock() {
                    *slot = Some(value);
                }
            }
        }
    }

    fn into_results(self) -> impl Iterator<Item = Option<T>> {
        self.results
            .into_iter()
            .map(|r| r.into_inner().ok().flatten())
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// `f` applied to each item on up to one thread per core; results in item order.
pub fn map<I, T, F>(name: &str, items: Vec<I>, f: F) -> Result<Vec<T>, AnalysisError>
where
    I: Send,
    T: Send,
    F: Fn(I) -> T + Sync,
{
    let n = items.len();
    let queue = Queue::new(items);
    std::thread::scope(|scope| {
        let (f, queue) = (&f, &queue);
        let workers = (0..cores().min(n))
            .map(|_| {
                std::thread::Builder::new()
                    .name(format!("analysis-{name}"))
                    .spawn_scoped(scope, move || queue.work(f))
                    .map_err(|e| AnalysisError::Worker(format!("{name}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for w in workers {
            w.join()
                .map_err(|_| AnalysisError::Worker(name.to_string()))?;
        }
        Ok::<(), AnalysisError>(())
    })?;
    queue
        .into_results()
        .map(|r| r.ok_or_else(|| AnalysisError::Worker(name.to_string())))
        .collect()
}

/// `f` applied to each item, in item order, on the calling thread and up to one more
/// thread per other core. Unlike [`map`] it cannot fail: when no thread can be started,
/// the calling thread does all the work.
pub fn map_all<I, T, F>(name: &str, items: Vec<I>, f: F) -> Vec<T>
where
    I: Send,
    T: Send,
    F: Fn(I) -> T + Sync,
{
    let n = items.len();
    let queue = Queue::new(items);
    std::thread::scope(|scope| {
        let (f, queue) = (&f, &queue);
        for _ in 1..cores().min(n) {
            // A worker that cannot start leaves its share to the others.
            let _ = std::thread::Builder::new()
                .name(name.to_string())
                .spawn_scoped(scope, move || queue.work(f));
        }
        queue.work(f);
    });
    queue.into_results().flatten().collect()
}

/// `0..rows` cut into one contiguous range per core; inner boundaries are multiples of 64
/// so ranges own whole words of a row bitset.
#[must_use]
pub fn core_ranges(rows: usize) -> Vec<std::ops::Range<usize>> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let per = rows.div_ceil(cores.max(1)).div_ceil(64) * 64;
    if per == 0 {
        return std::iter::once(0..0).collect();
    }
    (0..rows.div_ceil(per))
        .map(|i| i * per..((i + 1) * per).min(rows))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn core_ranges_cover_the_rows_in_order() {
        for rows in [0, 1, 63, 64, 65, 1000, 12_345] {
            let ranges = super::core_ranges(rows);
            let mut next = 0;
            for r in &ranges {
                assert_eq!(r.start, next);
                assert_eq!(r.start % 64, 0);
                next = r.end;
            }
            assert_eq!(next, rows);
        }
    }

    #[test]
    fn results_keep_item_order() {
        let out = super::map("test", (0..20).collect(), |i: i32| i * i).unwrap();
        assert_eq!(out, (0..20).map(|i| i * i).collect::<Vec<_>>());
    }
}
