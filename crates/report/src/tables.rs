//! One table definition shared by the window (sortable grids) and the exports
//! (CSV): analysis results → [`TableSpec`]s. Formatting only; no statistics.

use serde::Serialize;

use streamlens_engine::analysis::differences::DifferenceRow;
use streamlens_engine::analysis::sessions::{LEVELS, level_label};
use streamlens_engine::analysis::suite::{Analyses, AnalysisKind};

/// A cell: text, or a number that sorts as a number and prints with `decimals`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Cell {
    Text(String),
    Number {
        value: f64,
        decimals: usize,
    },
    /// Unix ms: shown as UTC time, written to CSV as the number.
    Time(i64),
    Empty,
}

impl Cell {
    fn num(value: f64, decimals: usize) -> Cell {
        Cell::Number { value, decimals }
    }

    fn opt(value: Option<f64>, decimals: usize) -> Cell {
        value.map_or(Cell::Empty, |v| Cell::num(v, decimals))
    }

    fn int(value: u64) -> Cell {
        Cell::num(value as f64, 0)
    }

    /// What the grid shows.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number { value, decimals } => {
                if value.is_finite() && value.abs() < 1e-4 && *value != 0.0 && *decimals > 0 {
                    format!("{value:.3e}")
                } else {
                    format!("{value:.decimals$}")
                }
            }
            Cell::Time(ms) => streamlens_engine::time_fmt::format_iso(*ms),
            Cell::Empty => String::new(),
        }
    }

    /// The CSV field (before quoting): numbers at full precision so nothing is lost.
    #[must_use]
    pub fn csv_field(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number { value, decimals: 0 } => format!("{value}"),
            Cell::Number { value, .. } => format!("{value:?}"),
            Cell::Time(ms) => ms.to_string(),
            Cell::Empty => String::new(),
        }
    }

    /// The cell as pasted into a spreadsheet: numbers at full precision, times as ISO-8601,
    /// text with its tabs and line breaks turned into spaces (they would split the cell).
    #[must_use]
    pub fn tsv_field(&self) -> String {
        match self {
            Cell::Time(_) => self.display(),
            Cell::Text(t) => t.replace(['\t', '\n', '\r'], " "),
            _ => self.csv_field(),
        }
    }

    /// Ordering for sortable columns: numbers, then times, then text; empty last.
    #[must_use]
    pub fn compare(&self, other: &Cell) -> std::cmp::Ordering {
        match (self, other) {
            (Cell::Number { value: a, .. }, Cell::Number { value: b, .. }) => a.total_cmp(b),
            (Cell::Time(a), Cell::Time(b)) => a.cmp(b),
            (Cell::Text(a), Cell::Text(b)) => natural(a, b),
            _ => self.kind_rank().cmp(&other.kind_rank()),
        }
    }

    fn kind_rank(&self) -> u8 {
        match self {
            Cell::Number { .. } => 0,
            Cell::Time(_) => 1,
            Cell::Text(_) => 2,
            Cell::Empty => 3,
        }
    }
}

/// Numeric ids ("10" after "9") compare as numbers.
fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableSpec {
    /// File stem for exports.
    pub id: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl TableSpec {
    /// RFC 4180 CSV with a header line.
    #[must_use]
    pub fn to_csv(&self) -> String {
        let header: Vec<&str> = self.columns.iter().map(String::as_str).collect();
        let rows = self
            .rows
            .iter()
            .map(|row| row.iter().map(Cell::csv_field).collect::<Vec<_>>());
        streamlens_engine::files::csv_text(&header, rows)
    }

    /// Tab-separated text with a header line, rows in `order` (indices into `rows`), for
    /// the clipboard: spreadsheets paste it into cells.
    #[must_use]
    pub fn to_tsv(&self, order: &[usize]) -> String {
        let mut out = self.columns.join("\t").replace(['\n', '\r'], " ");
        for &i in order {
            let Some(row) = self.rows.get(i) else {
                continue;
            };
            out.push('\n');
            let cells: Vec<String> = row.iter().map(Cell::tsv_field).collect();
            out.push_str(&cells.join("\t"));
        }
        out.push('\n');
        out
    }
}

/// A text cell (the table modules' shorthand).
pub(crate) fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

/// A number cell shown with `decimals`.
pub(crate) fn num(value: f64, decimals: usize) -> Cell {
    Cell::Number { value, decimals }
}

/// Column names as owned strings.
pub(crate) fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|c| (*c).to_string()).collect()
}

/// Every table of one analysis.
#[must_use]
pub fn tables(a: &Analyses, kind: AnalysisKind) -> Vec<TableSpec> {
    match kind {
        AnalysisKind::OverTime => a
            .over_time
            .iter()
            .flatten()
            .map(|o| {
                let calendar = o.rows.first().is_some_and(|r| r.bin_start_ms.is_some());
                TableSpec {
                    id: format!("over_time_{}", o.metric.column()),
                    title: format!("{} per time bin and group", o.metric.column()),
                    columns: [
                        if calendar { "bin_start_ms" } else { "minute" },
                        "group",
                        "n",
                        "mean",
                        "p10",
                        "p25",
                        "p50",
                        "p75",
                        "p90",
                    ]
                    .map(String::from)
                    .to_vec(),
                    rows: o
                        .rows
                        .iter()
                        .map(|r| {
                            vec![
                                match (r.minute, r.bin_start_ms) {
                                    (Some(m), _) => Cell::num(m as f64, 0),
                                    (None, Some(ms)) => Cell::Time(ms),
                                    (None, None) => Cell::Empty,
                                },
                                text(&r.group),
                                Cell::int(r.n),
                                Cell::num(r.mean, 4),
                                Cell::num(r.p10, 4),
                                Cell::num(r.p25, 4),
                                Cell::num(r.p50, 4),
                                Cell::num(r.p75, 4),
                                Cell::num(r.p90, 4),
                            ]
                        })
                        .collect(),
                }
            })
            .collect(),
        AnalysisKind::ViewerTypes => {
            let mut rows = Vec::new();
            for c in a.viewer_types.iter().flatten().flatten() {
                for (name, g) in &c.groups {
                    rows.push(vec![
                        text(c.metric.column()),
                        text(name),
                        Cell::int(g.n),
                        Cell::num(g.mean, 4),
                        Cell::num(g.median, 4),
                        Cell::opt(g.std, 4),
                        Cell::opt(c.ks_statistic, 4),
                        Cell::opt(c.ks_p_value, 6),
                        Cell::opt(c.mw_u, 1),
                        Cell::opt(c.mw_p_value, 6),
                    ]);
                }
            }
            vec![TableSpec {
                id: "viewer_types".into(),
                title: "Metrics by viewer type, with KS and Mann–Whitney tests between the first two types".into(),
                columns: ["metric", "viewer_type", "n", "mean", "median", "std", "ks_statistic", "ks_p_value", "mw_u", "mw_p_value"]
                    .map(String::from).to_vec(),
                rows,
            }]
        }
        AnalysisKind::Durations => a
            .durations
            .iter()
            .flatten()
            .map(|d| {
                let mut columns = vec![d.dimension.column().to_string(), "total_s".into()];
                columns.extend((0..LEVELS).map(|l| format!("s_at_{}", level_label(l))));
                columns.extend((0..LEVELS).map(|l| format!("share_{}", level_label(l))));
                columns.extend((0..LEVELS).map(|l| format!("mean_run_s_{}", level_label(l))));
                TableSpec {
                    id: format!("level_duration_{}", d.dimension.column()),
                    title: format!("Seconds at each engagement level by {}", d.dimension.noun()),
                    columns,
                    rows: d
                        .groups
                        .iter()
                        .map(|g| {
                            let mut row =
                                vec![text(&g.group), Cell::num(g.seconds.iter().sum(), 1)];
                            row.extend(g.seconds.iter().map(|&s| Cell::num(s, 1)));
                            row.extend(g.share.iter().map(|&s| Cell::num(s, 4)));
                            row.extend(g.mean_run_s.iter().map(|&s| Cell::opt(s, 1)));
                            row
                        })
                        .collect(),
                }
            })
            .collect(),
        AnalysisKind::Differences => a
            .differences
            .iter()
            .flat_map(|d| {
                [("country", &d.countries), ("city", &d.cities)]
                    .map(|(noun, rows)| difference_table(noun, rows))
            })
            .collect(),
        AnalysisKind::Correlations => a
            .correlation
            .iter()
            .flat_map(|c| {
                [("pearson", &c.pearson), ("spearman", &c.spearman)].map(|(name, m)| {
                    let mut columns = vec!["column".to_string()];
                    columns.extend(c.columns.iter().cloned());
                    TableSpec {
                        id: format!("correlation_{name}"),
                        title: format!("{name} correlation matrix"),
                        columns,
                        rows: c
                            .columns
                            .iter()
                            .zip(m)
                            .map(|(name, row)| {
                                let mut cells = vec![text(name)];
                                cells.extend(row.iter().map(|&v| Cell::opt(v, 4)));
                                cells
                            })
                            .collect(),
                    }
                })
            })
            .collect(),
        AnalysisKind::Events => a
            .events
            .iter()
            .map(|events| TableSpec {
                id: "events".into(),
                title: "Events".into(),
                columns: [
                    "event_id",
                    "customer_id",
                    "start_ms",
                    "end_ms",
                    "duration_s",
                    "viewers",
                    "countries",
                    "samples",
                    "mean_qoe",
                    "mean_engagement",
                    "mean_buffer_ms",
                    "weekday",
                    "mean_retention",
                ]
                .map(String::from)
                .to_vec(),
                rows: events
                    .iter()
                    .map(|e| {
                        vec![
                            text(&e.event_id),
                            e.customer_id.as_ref().map_or(Cell::Empty, text),
                            Cell::Time(e.start_ms),
                            Cell::Time(e.end_ms),
                            Cell::num(e.duration_s, 1),
                            Cell::int(e.viewers),
                            e.countries.map_or(Cell::Empty, Cell::int),
                            Cell::int(e.samples),
                            Cell::num(e.mean_qoe, 4),
                            Cell::num(e.mean_engagement, 4),
                            Cell::opt(e.mean_buffer_ms, 1),
                            Cell::num(f64::from(e.weekday), 0),
                            Cell::num(e.mean_retention, 4),
                        ]
                    })
                    .collect(),
            })
            .collect(),
        AnalysisKind::Drivers => a
            .drivers
            .iter()
            .map(|d| {
                let v = &d.values;
                let row = |name: &str, how: &str, value: Option<f64>| {
                    vec![text(name), text(how), Cell::opt(value, 4)]
                };
                TableSpec {
                    id: "engagement_drivers".into(),
                    title: "What engagement goes with".into(),
                    columns: ["driver", "measure", "value"].map(String::from).to_vec(),
                    rows: vec![
                        row(
                            "viewers",
                            "Pearson r, event mean engagement vs distinct viewers",
                            v.viewers,
                        ),
                        row(
                            "duration",
                            "Pearson r, event mean engagement vs duration_s",
                            v.duration,
                        ),
                        row("weekday", "η, event mean engagement by weekday", v.weekday),
                        row("country", "η, viewer mean engagement by country", v.country),
                        row(
                            "retention",
                            "Pearson r, viewer mean engagement vs retention",
                            v.retention,
                        ),
                    ],
                }
            })
            .collect(),
    }
}

fn difference_table(noun: &str, rows: &[DifferenceRow]) -> TableSpec {
    TableSpec {
        id: format!("{noun}_differences"),
        title: format!(
            "Does a {noun} differ from the rest of its customer? (KS test, BH q-values)"
        ),
        columns: [
            "customer_id",
            &format!("{noun}_id"),
            "n",
            "n_rest",
            "ks_statistic",
            "p_value",
            "q_value",
            "differs",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    text(&r.customer_id),
                    text(r.group()),
                    Cell::int(r.n),
                    Cell::int(r.n_rest),
                    Cell::num(r.ks_statistic, 4),
                    Cell::num(r.p_value, 6),
                    Cell::num(r.q_value, 6),
                    text(if r.differs { "yes" } else { "no" }),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_escapes_and_keeps_precision() {
        let t = TableSpec {
            id: "t".into(),
            title: "t".into(),
            columns: vec!["a".into(), "b,c".into()],
            rows: vec![
                vec![text("x\"y"), Cell::num(0.1 + 0.2, 2)],
                vec![Cell::Empty, Cell::int(3)],
            ],
        };
        assert_eq!(
            t.to_csv(),
            "a,\"b,c\"\n\"x\"\"y\",0.30000000000000004\n,3\n"
        );
    }

    #[test]
    fn tsv_keeps_cells_whole_in_the_given_order() {
        let t = TableSpec {
            id: "t".into(),
            title: "t".into(),
            columns: vec!["a".into(), "b".into(), "when".into()],
            rows: vec![
                vec![text("x\ty\nz"), Cell::num(0.1 + 0.2, 2), Cell::Time(0)],
                vec![Cell::Empty, Cell::int(3), Cell::Time(60_000)],
            ],
        };
        assert_eq!(
            t.to_tsv(&[1, 0]),
            "a\tb\twhen\n\t3\t1970-01-01T00:01:00Z\nx y z\t0.30000000000000004\t1970-01-01T00:00:00Z\n"
        );
    }

    #[test]
    fn ids_sort_naturally() {
        assert!(text("9").compare(&text("10")).is_lt());
        assert!(Cell::int(2).compare(&Cell::Empty).is_lt());
    }
}
