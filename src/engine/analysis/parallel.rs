//! Running independent pieces of an analysis on named scoped threads, at most one
//! per core (each piece may hold large buffers, so more threads would only add memory).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::engine::error::AnalysisError;

/// `f` applied to each item on up to one thread per core; results in item order.
pub fn map<I, T, F>(name: &str, items: Vec<I>, f: F) -> Result<Vec<T>, AnalysisError>
where
    I: Send,
    T: Send,
    F: Fn(I) -> T + Sync,
{
    let n = items.len();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let queue: Vec<Mutex<Option<I>>> = items.into_iter().map(|i| Mutex::new(Some(i))).collect();
    let results: Vec<Mutex<Option<T>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (f, queue, results, next) = (&f, &queue, &results, &next);
        let workers = (0..cores.min(n))
            .map(|_| {
                std::thread::Builder::new()
                    .name(format!("analysis-{name}"))
                    .spawn_scoped(scope, move || {
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            if k >= n {
                                break;
                            }
                            let item = queue[k].lock().ok().and_then(|mut q| q.take());
                            if let Some(item) = item {
                                let value = f(item);
                                if let Ok(mut slot) = results[k].lock() {
                                    *slot = Some(value);
                                }
                            }
                        }
                    })
                    .map_err(|e| AnalysisError::Worker(format!("{name}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for w in workers {
            w.join()
                .map_err(|_| AnalysisError::Worker(name.to_string()))?;
        }
        Ok::<(), AnalysisError>(())
    })?;
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .ok()
                .flatten()
                .ok_or_else(|| AnalysisError::Worker(name.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_item_order() {
        let out = super::map("test", (0..20).collect(), |i: i32| i * i).unwrap();
        assert_eq!(out, (0..20).map(|i| i * i).collect::<Vec<_>>());
    }
}
