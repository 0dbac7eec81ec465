//! Viewer segments: every viewer of the filtered telemetry described by their engagement and
//! `QoE` profile, clustered with k-means (k by silhouette) on the standardised profiles, each
//! segment described from its centroid and split by country and viewer type.

use streamlens_engine::analysis::rows::{Metric, Rows, code_count};
use streamlens_engine::dataset::Dataset;
use streamlens_engine::filter::Filter;
use streamlens_engine::progress::Progress;
use streamlens_engine::schema::Canonical;

use super::ClusterError;
use super::kmeans::{KTried, Standardizer, centroids, cluster};

/// Most segments tried.
pub const MAX_SEGMENTS: usize = 6;

/// A viewer's profile over their rows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ViewerProfile {
    /// Dictionary code of the viewer.
    pub viewer: u32,
    /// Mean engagement (NaN-free: 0 when the data has none).
    pub engagement: f64,
    pub qoe: f64,
    /// Share of samples with `QoE` below 0.8.
    pub bad_share: f64,
    /// Mean buffering per sample, seconds.
    pub buffer_s: f64,
    pub samples: u32,
    /// Country and viewer type codes of the viewer's first row (`u32::MAX` when absent).
    pub country: u32,
    pub viewer_type: u32,
}

impl ViewerProfile {
    /// Names of [`Self::clustered`]'s entries.
    pub const CLUSTERED: [&'static str; 5] = [
        "mean engagement",
        "mean QoE",
        "share of samples with QoE < 0.8",
        "mean buffering s",
        "ln(samples)",
    ];

    #[must_use]
    pub fn clustered(&self) -> Vec<f64> {
        vec![
            self.engagement,
            self.qoe,
            self.bad_share,
            self.buffer_s,
            f64::from(self.samples.max(1)).ln(),
        ]
    }
}

/// One segment of viewers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Segment {
    pub id: usize,
    pub viewers: usize,
    pub share: f64,
    /// In [`ViewerProfile::CLUSTERED`] order, original units (samples as their mean count).
    pub centroid: Vec<f64>,
    pub name: String,
    pub description: String,
}

/// Viewers of one segment per value of a dimension.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentSplit {
    /// `country` or `viewer type`.
    pub dimension: String,
    pub values: Vec<String>,
    /// `counts[segment][value]`.
    pub counts: Vec<Vec<usize>>,
}

/// The segments of the filtered viewers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ViewerSegments {
    pub profiles: Vec<ViewerProfile>,
    pub segment_of: Vec<usize>,
    pub segments: Vec<Segment>,
    pub silhouette: Option<f64>,
    pub tried: Vec<KTried>,
    pub splits: Vec<SegmentSplit>,
}

/// Running sums of one viewer's rows.
#[derive(Clone, Copy, Default)]
struct Sums {
    samples: u32,
    qoe: f64,
    bad: u32,
    engagement: f64,
    buffer_ms: f64,
    first: Option<usize>,
}

/// Profiles of every viewer with a row passing `filter`, in viewer-code order.
pub fn viewer_profiles(
    dataset: &Dataset,
    filter: &Filter,
) -> Result<Vec<ViewerProfile>, ClusterError> {
    let names = [
        Canonical::ViewerId.name(),
        Canonical::Qoe.name(),
        Canonical::Engagement.name(),
        Canonical::BufferMs.name(),
        Canonical::CountryId.name(),
        Canonical::ViewerType.name(),
    ];
    let rows = Rows::new(dataset, filter, &names)?;
    let viewer = rows.viewers()?;
    let qoe = rows.metric(Metric::Qoe)?;
    let engagement = rows.numeric(Canonical::Engagement.name());
    let buffer = rows.numeric(Canonical::BufferMs.name());
    let country = rows.codes_of(Canonical::CountryId.name());
    let viewer_type = rows.codes_of(Canonical::ViewerType.name());
    let n = code_count(dataset, Canonical::ViewerId.name());
    let mut sums = vec![Sums::default(); n];
    for r in 0..viewer.len() {
        let Some(s) = sums.get_mut(viewer[r] as usize) else {
            continue;
        };
        s.samples += 1;
        s.qoe += qoe[r];
        s.bad += u32::from(qoe[r] < 0.8);
        s.engagement += engagement.map_or(0.0, |e| e[r]);
        s.buffer_ms += buffer.map_or(0.0, |b| b[r]);
        s.first.get_or_insert(r);
    }
    Ok(sums
        .iter()
        .enumerate()
        .filter_map(|(code, s)| {
            let first = s.first?;
            let n = f64::from(s.samples);
            Some(ViewerProfile {
                viewer: code as u32,
                engagement: s.engagement / n,
                qoe: s.qoe / n,
                bad_share: f64::from(s.bad) / n,
                buffer_s: s.buffer_ms / n / 1000.0,
                samples: s.samples,
                country: country.map_or(u32::MAX, |c| c[first]),
                viewer_type: viewer_type.map_or(u32::MAX, |v| v[first]),
            })
        })
        .collect())
}

/// Segments of the viewers passing `filter` (seeded, deterministic); `progress` hears the
/// two stages and is polled for a cancel between them.
pub fn viewer_segments(
    dataset: &Dataset,
    filter: &Filter,
    seed: u64,
    progress: &Progress,
) -> Result<ViewerSegments, ClusterError> {
    progress.report(0.0, "profiling viewers");
    let profiles = viewer_profiles(dataset, filter)?;
    if progress.is_cancelled() {
        return Err(ClusterError::Cancelled);
    }
    progress.report(0.4, "clustering viewer profiles");
    let dim = ViewerProfile::CLUSTERED.len();
    let raw: Vec<Vec<f64>> = profiles.iter().map(ViewerProfile::clustered).collect();
    let scaler = Standardizer::fit(&raw, dim);
    let points: Vec<Vec<f64>> = raw.iter().map(|r| scaler.apply(r)).collect();
    let clustering = cluster(&points, dim, 2..=MAX_SEGMENTS, seed)?;
    let mut means = centroids(&raw, &clustering.assignment, clustering.k);
    for m in &mut means {
        // Report samples as a count, not its logarithm.
        m[4] = m[4].exp();
    }
    let overall: Vec<f64> = scaler.mean.clone();
    let total = profiles.len().max(1) as f64;
    let segments = means
        .into_iter()
        .enumerate()
        .map(|(id, centroid)| {
            let viewers = clustering.assignment.iter().filter(|&&c| c == id).count();
            let (name, description) = describe_segment(&centroid, &overall);
            Segment {
                id,
                viewers,
                share: viewers as f64 / total,
                centroid,
                name,
                description,
            }
        })
        .collect::<Vec<_>>();
    let segments = number_repeated_names(segments);
    let splits = vec![
        split(
            dataset,
            &profiles,
            &clustering.assignment,
            segments.len(),
            true,
        ),
        split(
            dataset,
            &profiles,
            &clustering.assignment,
            segments.len(),
            false,
        ),
    ];
    progress.report(1.0, "viewer segments ready");
    Ok(ViewerSegments {
        profiles,
        segment_of: clustering.assignment,
        segments,
        silhouette: clustering.silhouette,
        tried: clustering.tried,
        splits,
    })
}

/// Segments sharing a name get `(1)`, `(2)`… in order.
fn number_repeated_names(mut segments: Vec<Segment>) -> Vec<Segment> {
    let names: Vec<String> = segments.iter().map(|s| s.name.clone()).collect();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for s in &mut segments {
        if names.iter().filter(|n| **n == s.name).count() > 1 {
            let n = seen.entry(s.name.clone()).or_default();
            *n += 1;
            s.name = format!("{} ({n})", s.name);
        }
    }
    segments
}

fn split(
    dataset: &Dataset,
    profiles: &[ViewerProfile],
    segment_of: &[usize],
    segments: usize,
    by_country: bool,
) -> SegmentSplit {
    let (column, dimension) = if by_country {
        (Canonical::CountryId.name(), "country")
    } else {
        (Canonical::ViewerType.name(), "viewer type")
    };
    let codes = code_count(dataset, column);
    let mut counts = vec![vec![0usize; codes]; segments];
    for (p, &s) in profiles.iter().zip(segment_of) {
        let code = if by_country { p.country } else { p.viewer_type };
        if let Some(c) = counts[s].get_mut(code as usize) {
            *c += 1;
        }
    }
    // Values nobody in these viewers has are left out.
    let used: Vec<usize> = (0..codes)
        .filter(|&v| counts.iter().any(|c| c[v] > 0))
        .collect();
    SegmentSplit {
        dimension: dimension.into(),
        values: used
            .iter()
            .map(|&v| dataset.label(column, v as u32))
            .collect(),
        counts: counts
            .iter()
            .map(|c| used.iter().map(|&v| c[v]).collect())
            .collect(),
    }
}

/// A segment's centroid against all viewers' means (`overall`, same order): a short name
/// from engagement and `QoE`, and the numbers in words.
#[must_use]
pub fn describe_segment(c: &[f64], overall: &[f64]) -> (String, String) {
    let [engagement, qoe, bad, buffer, samples] = c[..] else {
        return ("segment".into(), String::new());
    };
    let engaged = if engagement >= overall[0] {
        "engaged"
    } else {
        "less engaged"
    };
    let served = if bad >= 0.25 || qoe < 0.8 {
        "poorly served"
    } else if qoe >= overall[1] {
        "well served"
    } else {
        "fairly served"
    };
    let name = format!("{engaged}, {served}");
    let description = format!(
        "engagement {engagement:.2} (all: {:.2}), QoE {qoe:.3} (all: {:.3}), {:.0} % of samples \
         below QoE 0.8, buffering {buffer:.2} s per sample, {samples:.0} samples per viewer",
        overall[0],
        overall[1],
        100.0 * bad
    );
    (name, description)
}
