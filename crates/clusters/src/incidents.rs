//! Incident kinds: the flagged events' incidents ([`Incident`]) clustered with k-means (k by
//! silhouette) on their standardised features, each cluster named from its centroid in words,
//! and a 2-D view (the first two principal axes of the standardised features).

use std::collections::HashMap;

use super::ClusterError;
use super::kmeans::{Clustering, KTried, Standardizer, centroids, cluster};
use streamlens_detect::map::Pca2;
use streamlens_events::EventReport;
use streamlens_events::incident::{Incident, Scope};

/// A centroid spending at least this share of its incidents getting worse is a slow
/// degradation.
const SLOW: f64 = 0.45;

/// Most clusters tried.
pub const MAX_KINDS: usize = 6;

/// One cluster of incidents, described from its centroid (the mean of its incidents).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IncidentKind {
    pub id: usize,
    pub size: usize,
    /// Short name, e.g. `office congestion`.
    pub name: String,
    /// The centroid in words, e.g. `one city, 40 % of the audience, mostly office viewers, …`.
    pub description: String,
    /// The centroid in [`Incident::CLUSTERED`] order (original units).
    pub centroid: Vec<f64>,
}

/// Incidents, their clusters and a 2-D view of them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IncidentKinds {
    pub incidents: Vec<Incident>,
    /// Kind (index into `kinds`) of each incident.
    pub kind_of: Vec<usize>,
    pub kinds: Vec<IncidentKind>,
    /// Mean silhouette of the kept k; `None` with one kind.
    pub silhouette: Option<f64>,
    pub tried: Vec<KTried>,
    /// Each incident on the first two principal axes of the standardised features.
    pub projection: Vec<[f64; 2]>,
}

impl IncidentKinds {
    /// The kind name of event `event_id`, if it is one of the incidents.
    #[must_use]
    pub fn kind_name(&self, event_id: &str) -> Option<&str> {
        self.kind_index(event_id)
            .map(|k| self.kinds[k].name.as_str())
    }

    /// Per event of `report` (index-aligned with its events), its kind (index into `kinds`),
    /// `None` for events that are not among the incidents.
    #[must_use]
    pub fn kind_per_event(&self, report: &EventReport) -> Vec<Option<usize>> {
        let by_id: HashMap<&str, usize> = self
            .incidents
            .iter()
            .zip(&self.kind_of)
            .map(|(c, &k)| (c.event_id.as_str(), k))
            .collect();
        report
            .events
            .iter()
            .map(|e| by_id.get(e.event_id.as_str()).copied())
            .collect()
    }

    /// The kind (index into `kinds`) of event `event_id`, if it is one of the incidents.
    #[must_use]
    pub fn kind_index(&self, event_id: &str) -> Option<usize> {
        let i = self.incidents.iter().position(|c| c.event_id == event_id)?;
        Some(self.kind_of[i])
    }

    /// Purity against known kinds: over the incidents with a known kind, the share that
    /// belongs to its cluster's most common known kind. `None` without any known kind.
    #[must_use]
    pub fn purity(&self, known: &HashMap<String, String>) -> Option<f64> {
        let clusters = self.kind_of.iter().max().map_or(0, |m| m + 1);
        let mut counts: Vec<HashMap<&str, usize>> = vec![HashMap::new(); clusters];
        let mut total = 0_usize;
        for (incident, &k) in self.incidents.iter().zip(&self.kind_of) {
            if let Some(kind) = known.get(&incident.event_id) {
                *counts[k].entry(kind.as_str()).or_default() += 1;
                total += 1;
            }
        }
        (total > 0).then(|| {
            let majority: usize = counts.iter().filter_map(|c| c.values().max()).sum();
            majority as f64 / total as f64
        })
    }
}

/// The kinds of the incidents of `report`'s events scoring above `threshold`.
pub fn kinds_of_flagged(
    report: &EventReport,
    threshold: f64,
    seed: u64,
) -> Result<IncidentKinds, ClusterError> {
    let incidents = report
        .events
        .iter()
        .filter(|e| e.score > threshold)
        .filter_map(|e| e.incident.clone())
        .collect();
    incident_kinds(incidents, seed)
}

/// Clusters `incidents` into kinds (seeded, deterministic).
pub fn incident_kinds(incidents: Vec<Incident>, seed: u64) -> Result<IncidentKinds, ClusterError> {
    let dim = Incident::CLUSTERED.len();
    let raw: Vec<Vec<f64>> = incidents.iter().map(Incident::clustered).collect();
    let scaler = Standardizer::fit(&raw, dim);
    let points: Vec<Vec<f64>> = raw.iter().map(|r| scaler.apply(r)).collect();
    let Clustering {
        k,
        assignment,
        silhouette,
        tried,
    } = cluster(&points, dim, 2..=MAX_KINDS, seed)?;
    let means = centroids(&raw, &assignment, k);
    let kinds = means
        .into_iter()
        .enumerate()
        .map(|(id, centroid)| {
            let scopes = incidents
                .iter()
                .zip(&assignment)
                .filter(|&(_, &c)| c == id)
                .map(|(i, _)| i.scope);
            let (name, description) = describe(&centroid, majority(scopes));
            IncidentKind {
                id,
                size: assignment.iter().filter(|&&c| c == id).count(),
                name,
                description,
                centroid,
            }
        })
        .collect();
    let flat: Vec<f64> = points.iter().flatten().copied().collect();
    let projection = match Pca2::fit(&flat, dim) {
        Some(pca) => points.iter().map(|p| pca.project(p)).collect(),
        None => vec![[0.0, 0.0]; points.len()],
    };
    Ok(IncidentKinds {
        incidents,
        kind_of: assignment,
        kinds: disambiguate(kinds),
        silhouette,
        tried,
        projection,
    })
}

/// The most common scope (the broadest on a tie).
fn majority(scopes: impl Iterator<Item = Scope>) -> Scope {
    let mut counts = [0usize; 3];
    for s in scopes {
        counts[s as usize] += 1;
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [Scope::Everybody, Scope::OneCity, Scope::OneCountrySegment][best]
}

/// Two clusters with the same name are told apart by where they struck (`, one city`), and
/// then by number.
fn disambiguate(mut kinds: Vec<IncidentKind>) -> Vec<IncidentKind> {
    let count = |kinds: &[IncidentKind]| {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for k in kinds {
            *seen.entry(k.name.clone()).or_default() += 1;
        }
        seen
    };
    let seen = count(&kinds);
    for k in &mut kinds {
        if seen[&k.name] > 1
            && let Some(where_) = k.description.split(", ").next().map(str::to_string)
        {
            k.name = format!("{}, {where_}", k.name);
        }
    }
    let seen = count(&kinds);
    let mut used: HashMap<String, usize> = HashMap::new();
    for k in &mut kinds {
        if seen[&k.name] > 1 {
            let n = used.entry(k.name.clone()).or_default();
            *n += 1;
            k.name = format!("{} ({n})", k.name);
        }
    }
    kinds
}

/// A name and a description of a centroid (in [`Incident::CLUSTERED`] order). The name
/// reads the centroid the way an operator would: a steadily worsening incident is a slow
/// degradation; otherwise the whole audience hit at once points at delivery (CDN), a part
/// hit mostly in offices at an office network, mostly at home at a home ISP.
#[must_use]
pub fn describe(c: &[f64], scope: Scope) -> (String, String) {
    let [
        everybody,
        audience,
        office,
        buffering,
        drop,
        ln_duration,
        worsening,
    ] = c[..]
    else {
        return ("incident".into(), String::new());
    };
    let everybody = everybody >= 0.5;
    let home = office < 0.4;
    let name = if worsening >= SLOW {
        "slow degradation"
    } else if everybody {
        "CDN degradation"
    } else if office >= 0.6 {
        "office congestion"
    } else if home {
        "home ISP outage"
    } else {
        "local network problem"
    };
    let where_ = match scope {
        _ if everybody => "everybody",
        Scope::OneCity => "one city",
        Scope::OneCountrySegment if office >= 0.6 => "one country's office workers",
        Scope::OneCountrySegment if home => "one country's home workers",
        _ => "one country's viewers",
    };
    let who = if office >= 0.6 {
        "mostly office viewers"
    } else if home {
        "mostly home viewers"
    } else {
        "office and home viewers alike"
    };
    let how = if buffering >= 0.6 {
        "buffering-heavy"
    } else if buffering <= 0.4 {
        "QoE-heavy"
    } else {
        "buffering and QoE alike"
    };
    let shape = if worsening >= SLOW {
        "worsening steadily"
    } else {
        "sudden"
    };
    let description = format!(
        "{where_}, {:.0} % of the audience, {who}, {how}, QoE −{drop:.2}, \
         {:.0} min, {shape}",
        100.0 * audience,
        ln_duration.exp_m1()
    );
    (name.into(), description)
}
