//! A first look at a feature table (a CSV that is not telemetry): its columns, which are
//! numeric, how many distinct values each has, and sensible default choices of feature,
//! label and group columns for the Anomalies tab.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;
use streamlens_engine::files::read_text;

use crate::DetectError;
use crate::table::label::{Comparison, LabelExpr};
use crate::table::split_fields;

/// Distinct values are counted up to this many per column.
const DISTINCT_CAP: usize = 10_000;

/// One column of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnSummary {
    pub name: String,
    /// Every cell is a finite number (a column with gaps cannot be a feature or label).
    pub numeric: bool,
    /// Distinct values (capped at 10,000).
    pub distinct: usize,
}

/// The columns of a table and default choices for scoring it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableSummary {
    pub file: String,
    pub rows: usize,
    pub columns: Vec<ColumnSummary>,
}

/// Reads the file and summarises its columns.
pub fn inspect_table(path: &Path) -> Result<TableSummary, DetectError> {
    let file = path.display().to_string();
    let text = read_text(path, u64::MAX).map_err(|source| DetectError::Io {
        file: file.clone(),
        source,
    })?;
    inspect_text(&file, &text)
}

/// [`inspect_table`] on text already read; `file` names it in errors.
pub fn inspect_text(file: &str, text: &str) -> Result<TableSummary, DetectError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = split_fields(
        lines
            .next()
            .ok_or_else(|| DetectError::Table {
                file: file.to_string(),
                message: "the file is empty".into(),
            })?
            .trim_end_matches('\r'),
    )
    .into_iter()
    .map(|h| h.trim().to_string())
    .collect();
    let mut numeric = vec![true; header.len()];
    let mut seen: Vec<HashSet<String>> = vec![HashSet::default(); header.len()];
    let mut rows = 0;
    for line in lines {
        rows += 1;
        for (c, cell) in split_fields(line.trim_end_matches('\r'))
            .into_iter()
            .take(header.len())
            .enumerate()
        {
            let cell = cell.trim();
            if !cell.parse::<f64>().is_ok_and(f64::is_finite) {
                numeric[c] = false;
            }
            if seen[c].len() < DISTINCT_CAP {
                seen[c].insert(cell.to_string());
            }
        }
    }
    if rows == 0 {
        return Err(DetectError::Table {
            file: file.to_string(),
            message: "the file has a header but no data rows".into(),
        });
    }
    let columns = header
        .into_iter()
        .zip(numeric.into_iter().zip(seen))
        .map(|(name, (numeric, seen))| ColumnSummary {
            name,
            numeric,
            distinct: seen.len(),
        })
        .collect();
    Ok(TableSummary {
        file: file.to_string(),
        rows,
        columns,
    })
}

/// Words in a column name, lower case (`QoE_win` → `qoe`, `win`).
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

impl TableSummary {
    /// A label guess: a numeric column named like a quality score (`QoE…`: bad when ≤ 0) or
    /// a flag (`label`, `anomal…`, `bad`: bad when > 0.5).
    #[must_use]
    pub fn default_label(&self) -> Option<LabelExpr> {
        self.columns.iter().filter(|c| c.numeric).find_map(|c| {
            let w = words(&c.name);
            let has = |p: &str| w.iter().any(|x| x.starts_with(p));
            if has("qoe") || has("mos") {
                Some(LabelExpr {
                    column: c.name.clone(),
                    op: Comparison::Le,
                    value: 0.0,
                })
            } else if has("label") || has("anomal") || has("bad") || has("outlier") {
                Some(LabelExpr {
                    column: c.name.clone(),
                    op: Comparison::Gt,
                    value: 0.5,
                })
            } else {
                None
            }
        })
    }

    /// Numeric columns that are not the label and not named like a time, position or id
    /// (`t_start`, `timestamp`, `row`, `viewer_id` are left out; `tsl_end` stays).
    #[must_use]
    pub fn default_features(&self, label: Option<&str>) -> Vec<String> {
        const LEADING: [&str; 9] = [
            "t",
            "time",
            "timestamp",
            "start",
            "end",
            "index",
            "idx",
            "id",
            "row",
        ];
        const TRAILING: [&str; 3] = ["id", "idx", "index"];
        self.columns
            .iter()
            .filter(|c| c.numeric && Some(c.name.as_str()) != label)
            .filter(|c| {
                let w = words(&c.name);
                let first = w.first().is_some_and(|f| LEADING.contains(&f.as_str()));
                let last = w.last().is_some_and(|l| TRAILING.contains(&l.as_str()));
                !(first || last)
            })
            .map(|c| c.name.clone())
            .collect()
    }

    /// The first text column that repeats (a video, session or file the rows belong to).
    #[must_use]
    pub fn default_group(&self) -> Option<String> {
        self.columns
            .iter()
            .find(|c| !c.numeric && c.distinct >= 2 && c.distinct < self.rows)
            .map(|c| c.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIVE_LIKE: &str = "file,content,t_start,t_end,vmaf_mean,stall_ratio,tsl_end,viewer_id,QoE_win\n\
        a_1.mat,a_x,0,5,57.1,0.0,0,1,-0.1\n\
        a_1.mat,a_x,1,6,54.2,0.1,1,2,0.3\n\
        b_2.mat,b_y,0,5,80.5,0.0,0,3,0.9\n";

    #[test]
    fn summary_and_defaults_of_a_window_table() {
        let s = inspect_text("w.csv", LIVE_LIKE).unwrap();
        assert_eq!(s.rows, 3);
        let numeric: Vec<bool> = s.columns.iter().map(|c| c.numeric).collect();
        assert_eq!(
            numeric,
            [false, false, true, true, true, true, true, true, true]
        );
        assert_eq!(s.columns[0].distinct, 2);
        let label = s.default_label().unwrap();
        assert_eq!(label.to_string(), "QoE_win<=0");
        assert_eq!(
            s.default_features(Some("QoE_win")),
            ["vmaf_mean", "stall_ratio", "tsl_end"]
        );
        assert_eq!(s.default_group().as_deref(), Some("file"));
    }

    #[test]
    fn empty_files_are_errors_that_name_the_file() {
        let e = inspect_text("e.csv", "").unwrap_err().to_string();
        assert!(e.contains("e.csv") && e.contains("empty"), "{e}");
        let e = inspect_text("h.csv", "a,b\n").unwrap_err().to_string();
        assert!(e.contains("no data rows"), "{e}");
    }
}
