//! Help ▸ Metric definitions: what every number the window and the CLI show means, in one
//! place, in words a customer-success engineer can check against a spreadsheet.

/// A metric: where it appears, its name, its definition.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub section: &'static str,
    pub name: &'static str,
    pub definition: &'static str,
}

const fn m(section: &'static str, name: &'static str, definition: &'static str) -> Metric {
    Metric {
        section,
        name,
        definition,
    }
}

/// Every metric, grouped by section in the order the window shows them.
pub const METRICS: &[Metric] = &[
    m(
        "Telemetry",
        "Sample",
        "One telemetry row: one viewer's QoE, engagement and buffering at one instant.",
    ),
    m(
        "Telemetry",
        "Viewers",
        "Distinct viewer ids among the filtered rows.",
    ),
    m(
        "Telemetry",
        "Mean / median QoE",
        "Mean and median of `qoe` (0–1) over the filtered samples; the median is exact (no binning).",
    ),
    m(
        "Telemetry",
        "QoE < 0.8",
        "Share of filtered samples whose `qoe` is below 0.8.",
    ),
    m(
        "Telemetry",
        "Mean engagement",
        "Mean of `engagement` (0–1) over the filtered samples.",
    ),
    m(
        "Telemetry",
        "Total buffering",
        "Σ `buffer_ms` over the filtered samples, shown in hours, minutes or seconds.",
    ),
    m(
        "Analyses",
        "Quantiles",
        "Exact order statistics with linear interpolation between neighbours (numpy's default), equal to scipy/numpy.",
    ),
    m(
        "Analyses",
        "KS test",
        "Two-sample Kolmogorov–Smirnov: the largest gap between two empirical CDFs, exact p-value for small samples (scipy's `ks_2samp`).",
    ),
    m(
        "Analyses",
        "Mann–Whitney U",
        "Rank-sum test of one group tending to higher values than another, tie-corrected normal approximation (scipy's `mannwhitneyu`, two-sided).",
    ),
    m(
        "Analyses",
        "Spearman ρ",
        "Pearson correlation of the average ranks of two columns (scipy's `spearmanr`).",
    ),
    m(
        "Anomalies",
        "Window",
        "One minute of one unit (an event, a city or a country's viewer type): its QoE mean, p10, share below 0.8, buffering mean and p90, engagement mean.",
    ),
    m(
        "Anomalies",
        "Event score",
        "Per unit, Σ over its windows of how far the smoothed detector score passes the level's median + 3 × 1.4826 × MAD; the event takes its highest unit, as ln(1 + Σ).",
    ),
    m(
        "Anomalies",
        "Default threshold",
        "Median + 2.5 × 1.4826 × MAD of the events' exp(score) − 1, put back on the score scale: the events far above the rest are flagged.",
    ),
    m(
        "Anomalies",
        "ROC AUC / AP",
        "Area under the ROC curve and average precision of the event scores against the labels (when a labels file is open).",
    ),
    m(
        "Anomalies",
        "Incident kind",
        "Cluster (k-means, k by silhouette) of a flagged span's scope, audience share, office/home split, buffering/QoE ratio, length and onset, named from its centroid.",
    ),
    m(
        "Sessions",
        "View",
        "A session with a request event; sessions without one are counted but are not views.",
    ),
    m("Sessions", "Failures", "Views with an error event ÷ views."),
    m(
        "Sessions",
        "Video start failures",
        "Views that failed before the video started ÷ views.",
    ),
    m(
        "Sessions",
        "Exits before start",
        "Views that ended without an error before the video started ÷ views.",
    ),
    m(
        "Sessions",
        "Start-up p50 / p95",
        "First start − first request, over started views; linear quantiles (numpy).",
    ),
    m(
        "Sessions",
        "Rebuffering",
        "Σ stall time ÷ Σ watch time, over started views.",
    ),
    m(
        "Sessions",
        "Stalls per hour",
        "Σ stalls ÷ Σ watch hours, over started views.",
    ),
    m(
        "Sessions",
        "Mean bitrate",
        "Σ rendition bitrate × playing time ÷ Σ playing time.",
    ),
    m(
        "Sessions",
        "Watch hours",
        "Σ (last event − request − paused time) over views.",
    ),
    m(
        "Sessions",
        "Peak concurrent views",
        "Most views active in one UTC minute.",
    ),
    m(
        "Sessions",
        "Experience scores",
        "Playback success (0 failed, 50 exited before start, 100 otherwise), start-up 100 · 8 / (8 + s), smoothness; experience = per view the mean of the scores that apply, then the mean over views (ours, not Mux's or Conviva's formula).",
    ),
    m(
        "Traffic",
        "Live probability",
        "Share of the forest's trees (or the logistic model's probability) voting live for a 60 s chunk of a capture; a file's verdict is the majority of its chunks.",
    ),
    m(
        "Network what-if",
        "QoE_lin",
        "Per segment, as in Pensieve: Σ bitrate (Mbit/s) − 4.3 · Σ rebuffer (s) − Σ |Δ bitrate| (Mbit/s), divided by the segments.",
    ),
    m(
        "Network what-if",
        "Rebuffer ratio",
        "Time with an empty buffer after playback started ÷ session time.",
    ),
    m(
        "Network what-if",
        "Office capacity",
        "N players share one link fairly among active downloads; the recommended cap is the highest rendition that keeps the mean rebuffer ratio under 1 %.",
    ),
];

/// The sections of [`METRICS`] in order, each once.
#[must_use]
pub fn sections() -> Vec<&'static str> {
    let mut out: Vec<&str> = Vec::new();
    for metric in METRICS {
        if !out.contains(&metric.section) {
            out.push(metric.section);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_defined_once_with_a_sentence() {
        let mut names: Vec<(&str, &str)> = METRICS.iter().map(|m| (m.section, m.name)).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), METRICS.len());
        assert!(METRICS.iter().all(|m| m.definition.ends_with('.')));
        assert_eq!(sections()[0], "Telemetry");
    }
}
