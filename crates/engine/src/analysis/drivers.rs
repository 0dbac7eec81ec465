//! Analysis 7: what engagement goes with — Pearson r of event mean engagement vs
//! viewers and vs duration, η of event mean engagement by weekday, η of
//! per-(event, viewer) mean engagement by country, and Pearson r of
//! per-(event, viewer) mean engagement vs that viewer's retention.

use serde::Serialize;

use super::sorting::BoxStats;
use crate::analysis::event_table::{EventRow, ViewerInEvent, WEEKDAYS};
use crate::analysis::rows::GroupBy;
use crate::analysis::sorting::box_stats;
use crate::dataset::Dataset;
use crate::stats;

/// Scatter points kept per chart (evenly strided, so the cloud keeps its shape).
pub const SCATTER_POINTS: usize = 5000;
/// Countries shown as boxes (most viewers first).
pub const TOP_COUNTRIES: usize = 15;

/// The five numbers the issue asks for (`null` when undefined, e.g. one event).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriverValues {
    pub viewers: Option<f64>,
    pub duration: Option<f64>,
    pub weekday: Option<f64>,
    pub country: Option<f64>,
    pub retention: Option<f64>,
}

/// A scatter with its least-squares line `y = intercept + slope·x`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scatter {
    pub points: Vec<[f64; 2]>,
    pub slope: Option<f64>,
    pub intercept: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drivers {
    pub values: DriverValues,
    pub viewers: Scatter,
    pub duration: Scatter,
    pub retention: Scatter,
    pub by_weekday: Vec<BoxStats>,
    pub by_country: Vec<BoxStats>,
}

#[must_use]
pub fn drivers(dataset: &Dataset, events: &[EventRow], pairs: &[ViewerInEvent]) -> Drivers {
    let engagement: Vec<f64> = events.iter().map(|e| e.mean_engagement).collect();
    let viewers: Vec<f64> = events.iter().map(|e| e.viewers as f64).collect();
    let duration: Vec<f64> = events.iter().map(|e| e.duration_s).collect();
    let mut weekday_groups: Vec<Vec<f64>> = vec![Vec::new(); 7];
    for e in events {
        weekday_groups[e.weekday as usize].push(e.mean_engagement);
    }
    let pair_engagement: Vec<f64> = pairs.iter().map(|p| p.mean_engagement).collect();
    let retention: Vec<f64> = pairs.iter().map(|p| p.retention).collect();
    let n_countries = pairs
        .iter()
        .filter_map(|p| p.country)
        .max()
        .map_or(0, |m| m as usize + 1);
    let mut country_groups: Vec<Vec<f64>> = vec![Vec::new(); n_countries];
    for p in pairs {
        if let Some(c) = p.country {
            country_groups[c as usize].push(p.mean_engagement);
        }
    }
    let values = DriverValues {
        viewers: stats::pearson(&viewers, &engagement),
        duration: stats::pearson(&duration, &engagement),
        weekday: eta(&weekday_groups),
        country: (n_countries > 0).then(|| eta(&country_groups)).flatten(),
        retention: stats::pearson(&retention, &pair_engagement),
    };
    let by_weekday = weekday_groups
        .iter_mut()
        .enumerate()
        .filter_map(|(d, g)| box_stats(WEEKDAYS[d].to_string(), g))
        .collect();
    let mut countries: Vec<usize> = (0..n_countries)
        .filter(|&c| !country_groups[c].is_empty())
        .collect();
    countries.sort_by_key(|&c| std::cmp::Reverse(country_groups[c].len()));
    countries.truncate(TOP_COUNTRIES);
    let by_country = countries
        .into_iter()
        .filter_map(|c| {
            let label = dataset.label(GroupBy::Country.column(), c as u32);
            box_stats(label, &mut country_groups[c])
        })
        .collect();
    Drivers {
        values,
        viewers: scatter(&viewers, &engagement),
        duration: scatter(&duration, &engagement),
        retention: scatter(&retention, &pair_engagement),
        by_weekday,
        by_country,
    }
}

/// η over the non-empty groups; `None` with fewer than two groups.
fn eta(groups: &[Vec<f64>]) -> Option<f64> {
    let present: Vec<Vec<f64>> = groups.iter().filter(|g| !g.is_empty()).cloned().collect();
    if present.len() < 2 {
        return None;
    }
    stats::correlation_ratio(&present)
}

fn scatter(x: &[f64], y: &[f64]) -> Scatter {
    let step = x.len().div_ceil(SCATTER_POINTS).max(1);
    let points = x
        .iter()
        .zip(y)
        .step_by(step)
        .map(|(&a, &b)| [a, b])
        .collect();
    let (slope, intercept) = least_squares(x, y).unzip();
    Scatter {
        points,
        slope,
        intercept,
    }
}

/// Ordinary least squares `y = a + b·x` over all points; `None` when x is constant.
#[must_use]
pub fn least_squares(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let (mx, my) = (stats::mean(x)?, stats::mean(y)?);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
    }
    (sxx > 0.0).then(|| {
        let slope = sxy / sxx;
        (slope, my - slope * mx)
    })
}
