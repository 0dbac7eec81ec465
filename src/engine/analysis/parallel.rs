//! Running independent pieces of an analysis on named scoped threads.

use crate::engine::error::AnalysisError;

/// `f` applied to each item, one named thread per item; results in item order.
pub fn map<I, T, F>(name: &str, items: Vec<I>, f: F) -> Result<Vec<T>, AnalysisError>
where
    I: Send,
    T: Send,
    F: Fn(I) -> T + Sync,
{
    std::thread::scope(|scope| {
        let f = &f;
        let handles = items
            .into_iter()
            .map(|item| {
                std::thread::Builder::new()
                    .name(format!("analysis-{name}"))
                    .spawn_scoped(scope, move || f(item))
                    .map_err(|e| AnalysisError::Worker(format!("{name}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| AnalysisError::Worker(name.to_string()))
            })
            .collect()
    })
}
