//! Window features as deviations from the unit's own usual: for each quality feature,
//! `badness = sign · (x − median) / scale`, where median and scale (1.4826·MAD, floored) come
//! from the unit's windows over the whole event and the scale grows as `√(usual viewers /
//! viewers)` for thinly watched minutes. Positive = worse than usual. Anomalies span at most
//! about half an event, so the unit's median is its normal level.

use super::windows::Window;

/// The quality features of a window, in the order the detector sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowFeature {
    QoeMean,
    QoeP10,
    BadShare,
    BufferMean,
    BufferP90,
    EngagementMean,
}

impl WindowFeature {
    pub const ALL: [Self; 6] = [
        Self::QoeMean,
        Self::QoeP10,
        Self::BadShare,
        Self::BufferMean,
        Self::BufferP90,
        Self::EngagementMean,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::QoeMean => "qoe_mean",
            Self::QoeP10 => "qoe_p10",
            Self::BadShare => "bad_share",
            Self::BufferMean => "buffer_mean",
            Self::BufferP90 => "buffer_p90",
            Self::EngagementMean => "engagement_mean",
        }
    }

    /// What the feature measures, in a sentence for tooltips.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::QoeMean => "Mean QoE of the minute's samples (low is bad)",
            Self::QoeP10 => "10th percentile of QoE: the worst-served viewers (low is bad)",
            Self::BadShare => "Share of samples with QoE below 0.8 (high is bad)",
            Self::BufferMean => "Mean buffering in ms (high is bad)",
            Self::BufferP90 => "90th percentile of buffering in ms (high is bad)",
            Self::EngagementMean => "Mean engagement (low is bad)",
        }
    }

    /// The feature called `name` (as [`Self::name`] spells it).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    #[must_use]
    pub fn value(self, w: &Window) -> f64 {
        match self {
            Self::QoeMean => w.qoe_mean,
            Self::QoeP10 => w.qoe_p10,
            Self::BadShare => w.bad_share,
            Self::BufferMean => w.buffer_mean,
            Self::BufferP90 => w.buffer_p90,
            Self::EngagementMean => w.engagement_mean,
        }
    }

    /// +1 when higher values are worse, −1 when lower values are worse.
    fn sign(self) -> f64 {
        match self {
            Self::BadShare | Self::BufferMean | Self::BufferP90 => 1.0,
            Self::QoeMean | Self::QoeP10 | Self::EngagementMean => -1.0,
        }
    }

    /// Smallest scale: a unit whose feature barely moves must not turn a tiny change into a
    /// huge deviation.
    fn scale_floor(self) -> f64 {
        match self {
            Self::QoeMean => 0.01,
            Self::QoeP10 | Self::BadShare | Self::EngagementMean => 0.02,
            Self::BufferMean => 100.0,
            Self::BufferP90 => 300.0,
        }
    }
}

/// A unit's usual level of one feature.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Usual {
    pub median: f64,
    pub scale: f64,
}

/// A unit's usual level of every feature plus its usual audience per minute.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Baseline {
    pub usual: Vec<Usual>,
    pub viewers: f64,
}

impl Baseline {
    /// Medians and floored MADs over `windows` for `features`; `None` for an empty series.
    #[must_use]
    pub fn of(windows: &[Window], features: &[WindowFeature]) -> Option<Self> {
        if windows.is_empty() {
            return None;
        }
        let viewers = median(windows.iter().map(|w| f64::from(w.viewers)).collect());
        let usual = features
            .iter()
            .map(|f| {
                let values: Vec<f64> = windows.iter().map(|w| f.value(w)).collect();
                let m = median(values.clone());
                let mad = median(values.iter().map(|v| (v - m).abs()).collect());
                Usual {
                    median: m,
                    scale: (1.4826 * mad).max(f.scale_floor()),
                }
            })
            .collect();
        Some(Self { usual, viewers })
    }

    /// The badness of each feature of `w` (see the module comment).
    #[must_use]
    pub fn badness(&self, w: &Window, features: &[WindowFeature]) -> Vec<f64> {
        let thin = (self.viewers / f64::from(w.viewers.max(1))).max(1.0).sqrt();
        features
            .iter()
            .zip(&self.usual)
            .map(|(f, u)| f.sign() * (f.value(w) - u.median) / (u.scale * thin))
            .collect()
    }
}

/// Median of finite values (mean of the middle two); `NaN` when empty.
#[must_use]
pub fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}
