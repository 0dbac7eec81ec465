//! A chart spec kept between frames while its inputs stay the same.

use std::sync::Arc;

use streamlens_report::chart::ChartSpec;

/// A chart spec kept between frames while its inputs stay the same (building a map's spec
/// formats thousands of hover labels).
#[derive(Debug, Default)]
pub struct SpecCache {
    key: Option<(usize, usize, usize, u64)>,
    spec: Option<Arc<ChartSpec>>,
}

impl SpecCache {
    /// The spec for `key`, built by `build` only when the key changed.
    pub fn get(
        &mut self,
        key: (usize, usize, usize, u64),
        build: impl FnOnce() -> ChartSpec,
    ) -> Arc<ChartSpec> {
        match &self.spec {
            Some(spec) if self.key == Some(key) => Arc::clone(spec),
            _ => {
                let spec = Arc::new(build());
                self.key = Some(key);
                self.spec = Some(Arc::clone(&spec));
                spec
            }
        }
    }
}
