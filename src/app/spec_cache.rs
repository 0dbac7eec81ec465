//! A chart spec kept between frames while its inputs stay the same.

use std::sync::Arc;

use streamlens_report::chart::ChartSpec;

/// What a cached spec was built from (addresses, indices, counts and bits of its inputs).
pub type SpecKey = [u64; 5];

/// A chart spec kept between frames while its inputs stay the same (building a map's spec
/// formats thousands of hover labels).
#[derive(Debug, Default)]
pub struct SpecCache {
    key: Option<SpecKey>,
    spec: Option<Arc<ChartSpec>>,
}

impl SpecCache {
    /// The spec last built, if any.
    #[must_use]
    pub fn current(&self) -> Option<Arc<ChartSpec>> {
        self.spec.clone()
    }

    /// The spec for `key`, built by `build` only when the key changed.
    pub fn get(&mut self, key: SpecKey, build: impl FnOnce() -> ChartSpec) -> Arc<ChartSpec> {
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
