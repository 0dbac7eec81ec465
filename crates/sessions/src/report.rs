//! A log sessionised once, then asked many questions: the views passing a filter, their
//! KPIs overall and per value of any dimension.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::kpis::{Kpis, kpis};
use crate::log::{Labels, PlayerLog};
use crate::view::{Outcome, View, sessionize};

/// The name under which the `customer_id` column filters and breaks down like a dimension.
pub const CUSTOMER: &str = "customer_id";

/// Which views count: those of one webcast (`event_id` label), whose first request lies in
/// `[from_ms, to_ms]`, and whose first request row carries, for every dimension named in
/// `values`, one of the listed labels (an empty list keeps every value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ViewFilter {
    pub event: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    #[serde(default)]
    pub values: BTreeMap<String, BTreeSet<String>>,
}

impl ViewFilter {
    /// The filter in words (`none (all views)` when it keeps everything).
    #[must_use]
    pub fn describe(&self) -> String {
        let iso = streamlens_engine::time_fmt::format_iso;
        let mut parts = Vec::new();
        if let Some(e) = &self.event {
            parts.push(format!("event {e}"));
        }
        if let Some(f) = self.from_ms {
            parts.push(format!("from {}", iso(f)));
        }
        if let Some(t) = self.to_ms {
            parts.push(format!("to {}", iso(t)));
        }
        for (name, values) in &self.values {
            if !values.is_empty() {
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                parts.push(format!("{name} in {{{}}}", values.join(", ")));
            }
        }
        if parts.is_empty() {
            "none (all views)".into()
        } else {
            parts.join("; ")
        }
    }
}

/// KPIs of the views passing a filter: overall, and per dimension → value (a view takes the
/// dimension values of its first `request` row), values in label order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiReport {
    #[serde(flatten)]
    pub overall: Kpis,
    pub by: BTreeMap<String, BTreeMap<String, Kpis>>,
}

/// A player log with its sessions measured (sessionising is the costly step; filters are
/// cheap afterwards).
#[derive(Debug, Clone)]
pub struct Sessions {
    pub log: PlayerLog,
    pub views: Vec<View>,
    /// Sessions without a `request` (counted whatever the filter: they have no request
    /// time or first-request row to filter by).
    pub no_request: u64,
}

impl Sessions {
    #[must_use]
    pub fn new(log: PlayerLog) -> Self {
        let mut views = Vec::new();
        let mut no_request = 0;
        for outcome in sessionize(&log.events) {
            match outcome {
                Outcome::View(v) => views.push(v),
                Outcome::NoRequest { .. } => no_request += 1,
            }
        }
        Self {
            log,
            views,
            no_request,
        }
    }

    /// The event (webcast) of the view requested last.
    #[must_use]
    pub fn latest_event(&self) -> Option<String> {
        let v = self.views.iter().max_by_key(|v| v.t_req)?;
        let code = self.log.webcast_of[v.first_request] as usize;
        self.log.webcasts.labels.get(code).cloned()
    }

    /// The dimensions views can be filtered and broken down by (`customer_id` first when
    /// the file has it): name, labels by code, and the code of each event.
    #[must_use]
    pub fn dimensions(&self) -> Vec<(&str, &Labels, &[u32])> {
        let mut out = Vec::new();
        if let Some(labels) = &self.log.customers {
            out.push((CUSTOMER, labels, self.log.customer_of.as_slice()));
        }
        for d in &self.log.dimensions {
            out.push((d.name.as_str(), &d.labels, d.codes.as_slice()));
        }
        out
    }

    fn dimension(&self, name: &str) -> Result<(&str, &Labels, &[u32]), String> {
        let dimensions = self.dimensions();
        let names: Vec<&str> = dimensions.iter().map(|d| d.0).collect();
        let names = names.join(", ");
        dimensions
            .into_iter()
            .find(|d| d.0.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("no dimension `{name}`; the file has: {names}"))
    }

    /// The views passing `filter`; unknown events or dimensions are errors naming the known
    /// ones (unknown values of a known dimension simply match nothing).
    pub fn select(&self, filter: &ViewFilter) -> Result<Vec<View>, String> {
        let log = &self.log;
        let webcast = match &filter.event {
            None => None,
            Some(label) => Some(
                log.webcasts
                    .labels
                    .iter()
                    .position(|l| l == label)
                    .ok_or_else(|| {
                        format!(
                            "no event `{label}`; the events are: {}",
                            log.webcasts.labels.join(", ")
                        )
                    })? as u32,
            ),
        };
        let mut kept_codes: Vec<(&[u32], Vec<bool>)> = Vec::new();
        for (name, wanted) in &filter.values {
            if wanted.is_empty() {
                continue;
            }
            let (_, labels, codes) = self.dimension(name)?;
            let keep = labels.labels.iter().map(|l| wanted.contains(l)).collect();
            kept_codes.push((codes, keep));
        }
        let passes = |v: &View| {
            webcast.is_none_or(|w| log.webcast_of[v.first_request] == w)
                && filter.from_ms.is_none_or(|f| v.t_req >= f)
                && filter.to_ms.is_none_or(|t| v.t_req <= t)
                && kept_codes
                    .iter()
                    .all(|(codes, keep)| keep[codes[v.first_request] as usize])
        };
        Ok(self.views.iter().filter(|v| passes(v)).copied().collect())
    }

    /// Facet counts: per dimension (as [`Sessions::dimensions`] lists them), the number of
    /// views per value code among the views passing `filter` with that dimension's own
    /// choice ignored — what choosing another value of it would add.
    pub fn value_counts(&self, filter: &ViewFilter) -> Result<Vec<Vec<u64>>, String> {
        let dimensions = self.dimensions();
        let others = ViewFilter {
            values: BTreeMap::default(),
            ..filter.clone()
        };
        let base = self.select(&others)?;
        let mut keep: Vec<Option<Vec<bool>>> = Vec::with_capacity(dimensions.len());
        for (name, labels, _) in &dimensions {
            let wanted = filter
                .values
                .iter()
                .find(|(n, v)| n.eq_ignore_ascii_case(name) && !v.is_empty());
            keep.push(wanted.map(|(_, v)| labels.labels.iter().map(|l| v.contains(l)).collect()));
        }
        for (name, wanted) in &filter.values {
            if !wanted.is_empty() {
                self.dimension(name)?; // an unknown name is an error naming the known ones
            }
        }
        let mut counts: Vec<Vec<u64>> = dimensions
            .iter()
            .map(|(_, labels, _)| vec![0; labels.labels.len()])
            .collect();
        for v in &base {
            let row = v.first_request;
            let mut failing = None;
            let mut failures = 0;
            for (d, keep) in keep.iter().enumerate() {
                if let Some(keep) = keep
                    && !keep[dimensions[d].2[row] as usize]
                {
                    failures += 1;
                    failing = Some(d);
                }
            }
            match (failures, failing) {
                (0, _) => {
                    for (d, (_, _, codes)) in dimensions.iter().enumerate() {
                        counts[d][codes[row] as usize] += 1;
                    }
                }
                (1, Some(d)) => counts[d][dimensions[d].2[row] as usize] += 1,
                _ => {}
            }
        }
        Ok(counts)
    }

    /// `views` grouped by their value of dimension `name` (values without views left out),
    /// in label order.
    pub fn group_by(&self, views: &[View], name: &str) -> Result<Vec<(String, Vec<View>)>, String> {
        let (_, labels, codes) = self.dimension(name)?;
        let mut groups: Vec<Vec<View>> = vec![Vec::new(); labels.labels.len()];
        for v in views {
            groups[codes[v.first_request] as usize].push(*v);
        }
        Ok(labels
            .labels
            .iter()
            .cloned()
            .zip(groups)
            .filter(|(_, g)| !g.is_empty())
            .collect())
    }

    /// The KPIs of `views` per value of dimension `name` (values without views left out).
    pub fn breakdown(&self, views: &[View], name: &str) -> Result<BTreeMap<String, Kpis>, String> {
        Ok(self
            .group_by(views, name)?
            .into_iter()
            .map(|(label, g)| (label, kpis(&g, 0)))
            .collect())
    }

    /// The KPIs of the views passing `filter`, overall and by each dimension in `by`.
    pub fn report(&self, filter: &ViewFilter, by: &[String]) -> Result<KpiReport, String> {
        let views = self.select(filter)?;
        let mut breakdowns = BTreeMap::new();
        for name in by {
            let (canonical, ..) = self.dimension(name)?;
            breakdowns.insert(canonical.to_string(), self.breakdown(&views, name)?);
        }
        Ok(KpiReport {
            overall: kpis(&views, self.no_request),
            by: breakdowns,
        })
    }
}

/// The KPIs of the views of `log` passing `filter`, overall and by each dimension in `by`;
/// dimension names the file lacks are an error naming what it has.
pub fn report(log: &PlayerLog, filter: &ViewFilter, by: &[String]) -> Result<KpiReport, String> {
    Sessions::new(log.clone()).report(filter, by)
}
