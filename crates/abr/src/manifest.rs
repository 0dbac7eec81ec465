//! A video's manifest: segment duration, the bitrate ladder, and every segment's size in
//! every rendition (the Sabre format: `segment_duration_ms`, `bitrates_kbps` ascending,
//! `segment_sizes_bits[segment][rendition]`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::AbrError;
use crate::trace::read_text;

/// Bounds that keep a hostile manifest from stalling the simulator: 10-minute segments,
/// 32 renditions (real ladders have 4–12; MPC's plans grow with the ladder), 1 Tbit per
/// segment.
pub const MAX_SEGMENT_S: f64 = 600.0;
pub const MAX_RENDITIONS: usize = 32;
pub const MAX_SEGMENT_BITS: f64 = 1e12;

#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub segment_s: f64,
    /// Ascending.
    pub bitrates_kbps: Vec<f64>,
    /// `sizes_bits[segment][rendition]`.
    pub sizes_bits: Vec<Vec<f64>>,
}

#[derive(Deserialize, Serialize)]
struct JsonManifest {
    segment_duration_ms: f64,
    bitrates_kbps: Vec<f64>,
    segment_sizes_bits: Vec<Vec<f64>>,
}

impl Manifest {
    /// A manifest, checked: a positive segment duration, a strictly ascending ladder of
    /// positive bitrates, at least one segment, and every segment sized (> 0 bits) in every
    /// rendition.
    pub fn new(
        segment_s: f64,
        bitrates_kbps: Vec<f64>,
        sizes_bits: Vec<Vec<f64>>,
    ) -> Result<Self, String> {
        if !(segment_s.is_finite() && segment_s > 0.0 && segment_s <= MAX_SEGMENT_S) {
            return Err(format!(
                "segment duration must be above 0 and at most {MAX_SEGMENT_S} s (got {segment_s:?})"
            ));
        }
        if bitrates_kbps.is_empty() || bitrates_kbps.len() > MAX_RENDITIONS {
            return Err(format!(
                "the bitrate ladder must have 1 to {MAX_RENDITIONS} renditions (got {})",
                bitrates_kbps.len()
            ));
        }
        if bitrates_kbps.iter().any(|b| !(b.is_finite() && *b > 0.0))
            || bitrates_kbps.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(format!(
                "bitrates must be positive and strictly ascending (got {bitrates_kbps:?})"
            ));
        }
        if sizes_bits.is_empty() {
            return Err("no segments".into());
        }
        for (i, sizes) in sizes_bits.iter().enumerate() {
            if sizes.len() != bitrates_kbps.len() {
                return Err(format!(
                    "segment {}: {} sizes for {} renditions",
                    i + 1,
                    sizes.len(),
                    bitrates_kbps.len()
                ));
            }
            if sizes
                .iter()
                .any(|s| !(s.is_finite() && *s > 0.0 && *s <= MAX_SEGMENT_BITS))
            {
                return Err(format!(
                    "segment {}: sizes must be above 0 and at most {MAX_SEGMENT_BITS} bits",
                    i + 1
                ));
            }
        }
        Ok(Self {
            segment_s,
            bitrates_kbps,
            sizes_bits,
        })
    }

    pub fn read(path: &Path) -> Result<Self, AbrError> {
        let format = |what: String| AbrError::Format {
            path: path.to_path_buf(),
            what,
        };
        let json: JsonManifest = serde_json::from_str(&read_text(path)?).map_err(|e| {
            format(format!(
                "line {}, column {}: expected a manifest with segment_duration_ms, \
                 bitrates_kbps and segment_sizes_bits ({e})",
                e.line(),
                e.column()
            ))
        })?;
        Self::new(
            json.segment_duration_ms / 1000.0,
            json.bitrates_kbps,
            json.segment_sizes_bits,
        )
        .map_err(format)
    }

    /// The manifest in the format [`Manifest::read`] reads.
    #[must_use]
    pub fn to_json(&self) -> String {
        let json = JsonManifest {
            segment_duration_ms: self.segment_s * 1000.0,
            bitrates_kbps: self.bitrates_kbps.clone(),
            segment_sizes_bits: self.sizes_bits.clone(),
        };
        serde_json::to_string(&json).expect("numbers serialise")
    }

    #[must_use]
    pub fn renditions(&self) -> usize {
        self.bitrates_kbps.len()
    }

    #[must_use]
    pub fn segments(&self) -> usize {
        self.sizes_bits.len()
    }

    /// The same video with renditions above `max_kbps` removed (at least the lowest stays):
    /// what capping the ladder means.
    #[must_use]
    pub fn capped(&self, max_kbps: f64) -> Self {
        let keep = self
            .bitrates_kbps
            .iter()
            .filter(|&&b| b <= max_kbps)
            .count()
            .max(1);
        Self {
            segment_s: self.segment_s,
            bitrates_kbps: self.bitrates_kbps[..keep].to_vec(),
            sizes_bits: self.sizes_bits.iter().map(|s| s[..keep].to_vec()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladders_must_ascend_and_sizes_match() {
        assert!(Manifest::new(3.0, vec![300.0, 200.0], vec![vec![1.0, 2.0]]).is_err());
        let e = Manifest::new(3.0, vec![200.0, 300.0], vec![vec![1.0]]).unwrap_err();
        assert!(e.contains("segment 1"), "{e}");
        assert!(Manifest::new(0.0, vec![200.0], vec![vec![1.0]]).is_err());
        let m = Manifest::new(3.0, vec![200.0, 300.0], vec![vec![1.0, 2.0]]).unwrap();
        assert_eq!(m.capped(250.0).bitrates_kbps, vec![200.0]);
        assert_eq!(m.capped(10.0).renditions(), 1);
    }
}
