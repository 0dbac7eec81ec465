//! Analysis 4: within each customer, which countries (and, separately, cities)
//! have a different metric distribution from the rest of that customer — KS test
//! of the group vs the rest, Benjamini–Hochberg q-values within each (customer,
//! dimension), and `differs` = q below a threshold and D at least an effect floor.

use serde::{Deserialize, Serialize};

use crate::analysis::parallel;
use crate::analysis::rows::{GroupBy, Metric, Rows};
use crate::analysis::sorting::argsort_floats;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::{kolmogorov, stats};

/// Points per ECDF curve in the small multiples.
pub const ECDF_POINTS: usize = 200;
/// Groups drawn as small multiples for the chosen customer.
pub const SMALL_MULTIPLES: usize = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifferenceParams {
    pub metric: Metric,
    /// Both the group and the rest of its customer need at least this many samples.
    pub min_samples: usize,
    pub max_q: f64,
    pub min_d: f64,
    /// Customer whose ECDFs are drawn; `None` = the one with the most rows.
    pub ecdf_customer: Option<String>,
}

impl Default for DifferenceParams {
    fn default() -> Self {
        Self {
            metric: Metric::Qoe,
            min_samples: 30,
            max_q: 0.01,
            min_d: 0.1,
            ecdf_customer: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifferenceRow {
    pub customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city_id: Option<String>,
    pub n: u64,
    pub n_rest: u64,
    pub ks_statistic: f64,
    pub p_value: f64,
    pub q_value: f64,
    pub differs: bool,
}

impl Differences {
    /// No rows yet; `ecdf_customer` is the customer whose ECDFs will be drawn.
    #[must_use]
    pub fn empty(metric: Metric, ecdf_customer: Option<String>) -> Self {
        Self {
            metric,
            countries: Vec::new(),
            cities: Vec::new(),
            ecdf_customer,
            ecdfs: Vec::new(),
        }
    }
}

impl DifferenceRow {
    #[must_use]
    pub fn group(&self) -> &str {
        self.country_id
            .as_deref()
            .or(self.city_id.as_deref())
            .unwrap_or("")
    }
}

/// ECDF of one group and of the rest of its customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupEcdf {
    pub group: String,
    pub n: u64,
    pub group_ecdf: Vec<[f64; 2]>,
    pub rest_ecdf: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Differences {
    pub metric: Metric,
    pub countries: Vec<DifferenceRow>,
    pub cities: Vec<DifferenceRow>,
    /// The customer drawn and its largest countries' ECDFs.
    pub ecdf_customer: Option<String>,
    pub ecdfs: Vec<GroupEcdf>,
}

/// The two dimensions tested within each customer, in output order.
pub(super) const DIMENSIONS: [GroupBy; 2] = [GroupBy::Country, GroupBy::City];

/// One customer's values sorted, with where each run of equal values starts and ends and
/// each sorted position's group in every dimension the data has.
pub(super) struct SortedCustomer {
    values: Vec<f64>,
    /// Per [`DIMENSIONS`] entry: the group code of each sorted position.
    groups: [Option<Vec<u32>>; 2],
    run_start: Vec<u32>,
    run_end: Vec<u32>,
}

impl SortedCustomer {
    /// From values in row order and their group codes, sorted by `order` (a stable argsort
    /// of the values). Groups are gathered in row order first, so the only random reads
    /// are within this customer.
    pub(super) fn new(values: &[f64], groups: [Option<Vec<u32>>; 2], order: &[u32]) -> Self {
        let sorted: Vec<f64> = order.iter().map(|&o| values[o as usize]).collect();
        Self::from_sorted(sorted, groups, order)
    }

    /// From values already sorted and group codes in row order, with `order` the argsort
    /// that sorted the values.
    pub(super) fn from_sorted(
        values: Vec<f64>,
        groups: [Option<Vec<u32>>; 2],
        order: &[u32],
    ) -> Self {
        let permute = |v: &[u32]| order.iter().map(|&o| v[o as usize]).collect::<Vec<u32>>();
        Self::in_sorted_order(values, groups.map(|g| g.as_deref().map(permute)))
    }

    /// From values sorted ascending and each sorted position's group codes.
    pub(super) fn in_sorted_order(values: Vec<f64>, groups: [Option<Vec<u32>>; 2]) -> Self {
        let n = values.len();
        let mut run_start = vec![0u32; n];
        let mut run_end = vec![n as u32; n];
        for p in 1..n {
            run_start[p] = if values[p].total_cmp(&values[p - 1]).is_eq() {
                run_start[p - 1]
            } else {
                p as u32
            };
        }
        for p in (0..n.saturating_sub(1)).rev() {
            run_end[p] = if values[p].total_cmp(&values[p + 1]).is_eq() {
                run_end[p + 1]
            } else {
                p as u32 + 1
            };
        }
        Self {
            values,
            groups,
            run_start,
            run_end,
        }
    }

    /// KS D between the group at sorted `positions` (ascending) and everyone else.
    fn ks_vs_rest(&self, positions: &[u32]) -> f64 {
        let (n_g, n_r) = (
            positions.len() as f64,
            (self.values.len() - positions.len()) as f64,
        );
        let (mut below_g, mut d, mut k) = (0usize, 0.0_f64, 0);
        while k < positions.len() {
            let p = positions[k] as usize;
            // Just before this value: the rest has risen since the group's last step.
            let rest_before = self.run_start[p] as usize - below_g;
            d = d.max((below_g as f64 / n_g - rest_before as f64 / n_r).abs());
            while k < positions.len() && self.run_start[positions[k] as usize] == self.run_start[p]
            {
                k += 1;
                below_g += 1;
            }
            let rest_after = self.run_end[p] as usize - below_g;
            d = d.max((below_g as f64 / n_g - rest_after as f64 / n_r).abs());
        }
        d
    }
}

pub fn differences(
    dataset: &Dataset,
    rows: &Rows,
    params: &DifferenceParams,
) -> Result<Differences, AnalysisError> {
    let metric = rows.metric(params.metric)?;
    let customers = rows.codes(GroupBy::Customer);
    let n_customers = customers.map_or(1, |c| c.iter().max().map_or(0, |&m| m as usize + 1));
    let mut by_customer: Vec<Vec<u32>> = vec![Vec::new(); n_customers];
    for i in 0..metric.len() {
        by_customer[customers.map_or(0, |c| c[i] as usize)].push(i as u32);
    }
    let dims = DIMENSIONS.map(|g| rows.codes(g));
    test_customers(
        dataset,
        params,
        customers.is_some(),
        &by_customer,
        |customer_rows| {
            let values: Vec<f64> = customer_rows.iter().map(|&r| metric[r as usize]).collect();
            let groups = dims
                .map(|codes| codes.map(|c| customer_rows.iter().map(|&r| c[r as usize]).collect()));
            let order = argsort_floats(&values);
            SortedCustomer::new(&values, groups, &order)
        },
    )
}

/// Analysis 4 given each customer's rows (`by_customer`, indexed by customer code; one
/// entry `ALL` without a customer column) and a way to sort one customer's rows. Customers
/// are tested side by side on the cores; results keep customer order.
pub(super) fn test_customers(
    dataset: &Dataset,
    params: &DifferenceParams,
    has_customers: bool,
    by_customer: &[Vec<u32>],
    sort: impl Fn(&[u32]) -> SortedCustomer + Sync,
) -> Result<Differences, AnalysisError> {
    let label_of_customer = |c: usize| {
        if has_customers {
            dataset.label(GroupBy::Customer.column(), c as u32)
        } else {
            crate::analysis::groups::ALL.to_string()
        }
    };
    let n_customers = by_customer.len();
    let chosen = params
        .ecdf_customer
        .as_ref()
        .and_then(|label| (0..n_customers).find(|&c| label_of_customer(c) == *label))
        .or_else(|| (0..n_customers).max_by_key(|&c| by_customer[c].len()))
        .filter(|&c| !by_customer[c].is_empty());
    let present: Vec<usize> = (0..n_customers)
        .filter(|&c| !by_customer[c].is_empty())
        .collect();
    let tested = parallel::map("differences", present, |c| {
        let sorted = sort(&by_customer[c]);
        let mut per_dimension = Vec::new();
        let mut ecdfs = None;
        for (dimension, groups) in DIMENSIONS.into_iter().zip(&sorted.groups) {
            let Some(groups) = groups else {
                continue;
            };
            let n_codes = groups.iter().max().map_or(0, |&m| m as usize + 1);
            let mut positions: Vec<Vec<u32>> = vec![Vec::new(); n_codes];
            for (p, &g) in groups.iter().enumerate() {
                positions[g as usize].push(p as u32);
            }
            let mut found = Vec::new();
            for (g, pos) in positions.iter().enumerate() {
                let n_rest = sorted.values.len() - pos.len();
                if pos.is_empty() || pos.len() < params.min_samples || n_rest < params.min_samples {
                    continue;
                }
                let d = sorted.ks_vs_rest(pos);
                let p_value = kolmogorov::ks_two_sample_p(d, pos.len(), n_rest);
                let group = dataset.label(dimension.column(), g as u32);
                found.push((group, pos.len() as u64, n_rest as u64, d, p_value));
            }
            if dimension == GroupBy::Country && Some(c) == chosen {
                ecdfs = Some(small_multiples(dataset, &sorted, &positions));
            }
            per_dimension.push((dimension, found));
        }
        (c, per_dimension, ecdfs)
    })?;
    let mut out = Differences::empty(params.metric, chosen.map(label_of_customer));
    for (c, per_dimension, ecdfs) in tested {
        for (dimension, found) in per_dimension {
            push_tested(&mut out, dimension, &label_of_customer(c), found, params);
        }
        if let Some(ecdfs) = ecdfs {
            out.ecdfs = ecdfs;
        }
    }
    Ok(out)
}

/// A tested group: label, `n`, `n_rest`, KS D, p-value.
pub(super) type Tested = (String, u64, u64, f64, f64);

/// Rows for one (customer, dimension)'s tested groups, with BH q-values among them.
pub(super) fn push_tested(
    out: &mut Differences,
    dimension: GroupBy,
    customer: &str,
    found: Vec<Tested>,
    params: &DifferenceParams,
) {
    let q = stats::benjamini_hochberg(&found.iter().map(|f| f.4).collect::<Vec<_>>());
    let target = if dimension == GroupBy::Country {
        &mut out.countries
    } else {
        &mut out.cities
    };
    for ((group, n, n_rest, d, p_value), q_value) in found.into_iter().zip(q) {
        let (country_id, city_id) = if dimension == GroupBy::Country {
            (Some(group), None)
        } else {
            (None, Some(group))
        };
        target.push(DifferenceRow {
            customer_id: customer.to_string(),
            country_id,
            city_id,
            n,
            n_rest,
            ks_statistic: d,
            p_value,
            q_value,
            differs: q_value < params.max_q && d >= params.min_d,
        });
    }
}

/// ECDFs of the largest countries of one customer and of the rest of it.
fn small_multiples(
    dataset: &Dataset,
    sorted: &SortedCustomer,
    positions: &[Vec<u32>],
) -> Vec<GroupEcdf> {
    let n = sorted.values.len();
    let mut groups: Vec<usize> = (0..positions.len())
        .filter(|&g| !positions[g].is_empty())
        .collect();
    groups.sort_by_key(|&g| std::cmp::Reverse(positions[g].len()));
    groups.truncate(SMALL_MULTIPLES);
    let steps = ECDF_POINTS.min(n);
    groups
        .into_iter()
        .map(|g| {
            let pos = &positions[g];
            let n_g = pos.len();
            let n_rest = (n - n_g).max(1) as f64;
            let group_ecdf = (1..=ECDF_POINTS.min(n_g))
                .map(|k| {
                    let i = (k * n_g).div_ceil(ECDF_POINTS.min(n_g)) - 1;
                    let p = pos[i] as usize;
                    // Count every group member tied with this value.
                    let below = pos.partition_point(|&q| q < sorted.run_end[p]);
                    [sorted.values[p], below as f64 / n_g as f64]
                })
                .collect();
            let rest_ecdf = (1..=steps)
                .map(|k| {
                    let p = (k * n).div_ceil(steps) - 1;
                    let end = sorted.run_end[p];
                    let group_below = pos.partition_point(|&q| q < end);
                    [
                        sorted.values[p],
                        (end as usize - group_below) as f64 / n_rest,
                    ]
                })
                .collect();
            GroupEcdf {
                group: dataset.label(GroupBy::Country.column(), g as u32),
                n: n_g as u64,
                group_ecdf,
                rest_ecdf,
            }
        })
        .collect()
}
