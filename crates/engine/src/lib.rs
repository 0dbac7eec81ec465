//! The telemetry engine: schema, loading, validation, filtering and the exact analyses.
//!
//! Never imports egui and never prints; every result is a plain `Serialize` struct
//! shared by the window and the CLI.

pub mod analysis;
pub mod contain;
pub mod dataset;
pub mod encoding;
pub mod error;
pub mod files;
pub mod filter;
pub mod io;
pub mod kolmogorov;
pub mod memory;
pub mod progress;
pub mod schema;
pub mod stats;
pub mod synth;
pub mod time_fmt;

pub use dataset::Dataset;
pub use error::LoadError;
pub use filter::Filter;

/// Fixtures for the tests of this crate and of the crates above it.
#[doc(hidden)]
pub mod testutil {
    use std::sync::Arc;

    use super::Dataset;
    use super::io::{LoadOptions, LoadProgress, Source, load};

    /// Load CSV text as a dataset (panics on error: test input is fixed).
    #[must_use]
    pub fn dataset(text: &str) -> Dataset {
        let source = Source::Bytes {
            name: "test.csv".into(),
            bytes: Arc::from(text.as_bytes()),
        };
        load(&[source], &LoadOptions::default(), &LoadProgress::default()).expect("test data loads")
    }

    /// Six samples: two events, three viewers, two customers, WFH/WFO; times are
    /// 1.7e12 ms + 1 s, 31 s, 1 s, 61 s, 5 s, 35 s.
    pub const SMALL: &str = "timestamp,customer_id,event_id,viewer_id,city_id,country_id,viewer_type,qoe,engagement,buffer_ms
1700000001000,1,10,100,5,3,WFO,1.0,0.9,0
1700000031000,1,10,100,5,3,WFO,0.5,0.1,2000
1700000001000,1,10,101,6,3,WFH,0.9,0.9,0
1700000061000,1,10,101,6,3,WFH,0.7,0.5,500
1700000005000,2,20,200,7,4,WFO,0.8,1.0,0
1700000035000,2,20,200,7,4,WFO,0.6,0.0,1000
";
}
