//! Reading a window table: a CSV with a header, numeric feature columns and
//! optional label, group and fold columns. The tables this serves are small
//! (thousands of rows), so a plain reader is enough: `,` delimiter, fields may
//! be double-quoted (`""` escapes a quote), no line breaks inside fields.
//! Rows are numbered as in a spreadsheet: the header is row 1.

pub mod inspect;
pub mod label;
pub mod memory;
pub mod model;
#[cfg(test)]
mod model_tests;
pub mod view;
use std::path::Path;

use crate::DetectError;
use crate::table::memory::{FeatureRef, summarise};
use streamlens_engine::files::read_text;

/// Which columns to take.
#[derive(Debug, Clone, Default)]
pub struct TableRequest {
    pub features: Vec<String>,
    pub label_column: Option<String>,
    pub group_column: Option<String>,
    pub fold_column: Option<String>,
    /// Orders a group's rows in time for memory features (`column@kind`).
    pub order_column: Option<String>,
}

/// The requested columns of a window table.
#[derive(Debug, Clone, Default)]
pub struct WindowTable {
    pub file: String,
    pub feature_names: Vec<String>,
    /// Row-major `rows × feature_names.len()`.
    pub features: Vec<f64>,
    pub labels: Option<Vec<f64>>,
    pub groups: Option<Vec<String>>,
    pub folds: Option<Vec<String>>,
}

impl WindowTable {
    #[must_use]
    pub fn rows(&self) -> usize {
        self.features.len() / self.feature_names.len().max(1)
    }
}

/// Split one CSV line into fields.
pub(crate) fn split_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Read a window table from a file.
pub fn read_table(path: &Path, request: &TableRequest) -> Result<WindowTable, DetectError> {
    let file = path.display().to_string();
    let text = read_text(path, u64::MAX).map_err(|source| DetectError::Io {
        file: file.clone(),
        source,
    })?;
    parse_table(&file, &text, request)
}

/// Parse window-table text; `file` names it in errors.
pub fn parse_table(
    file: &str,
    text: &str,
    request: &TableRequest,
) -> Result<WindowTable, DetectError> {
    if request.features.is_empty() {
        return Err(DetectError::NoFeatures);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header_line) = lines.next().ok_or_else(|| DetectError::Table {
        file: file.to_string(),
        message: "the file is empty".into(),
    })?;
    let header: Vec<String> = split_fields(header_line.trim_end_matches('\r'))
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| -> Result<usize, DetectError> {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| DetectError::MissingColumn {
                file: file.to_string(),
                column: name.to_string(),
                found: header.join(", "),
            })
    };
    let refs: Vec<FeatureRef> = request
        .features
        .iter()
        .map(|f| FeatureRef::parse(f))
        .collect::<Result<_, _>>()?;
    let memory_needs = |what: &str, why: &str| DetectError::Table {
        file: file.to_string(),
        message: format!("memory features (`column@kind`) need {what} {why}"),
    };
    let uses_memory = refs.iter().any(|r| r.memory.is_some());
    let uses_order = refs.iter().any(|r| {
        r.memory
            .is_some_and(crate::table::memory::MemoryKind::needs_order)
    });
    if uses_memory && request.group_column.is_none() {
        return Err(memory_needs(
            "a group column",
            "to summarise each group's rows",
        ));
    }
    if uses_order && request.order_column.is_none() {
        return Err(memory_needs(
            "an order column",
            "to order each group's rows in time",
        ));
    }
    // Each source column is read once, whatever number of features use it.
    let mut sources: Vec<usize> = Vec::new();
    let mut source_of_feature = Vec::with_capacity(refs.len());
    for r in &refs {
        let column = find(&r.source)?;
        let slot = sources
            .iter()
            .position(|&c| c == column)
            .unwrap_or_else(|| {
                sources.push(column);
                sources.len() - 1
            });
        source_of_feature.push(slot);
    }
    let order_idx = if uses_order {
        request.order_column.as_deref().map(find).transpose()?
    } else {
        None
    };
    let mut source_values: Vec<Vec<f64>> = vec![Vec::new(); sources.len()];
    let mut order_values: Vec<f64> = Vec::new();
    let label_idx = request.label_column.as_deref().map(find).transpose()?;
    let group_idx = request.group_column.as_deref().map(find).transpose()?;
    let fold_idx = request.fold_column.as_deref().map(find).transpose()?;
    let mut table = WindowTable {
        file: file.to_string(),
        feature_names: request.features.clone(),
        labels: label_idx.map(|_| Vec::new()),
        groups: group_idx.map(|_| Vec::new()),
        folds: fold_idx.map(|_| Vec::new()),
        ..WindowTable::default()
    };
    for (line_no, line) in lines {
        let row = line_no + 1;
        let fields = split_fields(line.trim_end_matches('\r'));
        if fields.len() != header.len() {
            return Err(DetectError::Table {
                file: file.to_string(),
                message: format!(
                    "row {row} has {} fields, the header has {}",
                    fields.len(),
                    header.len()
                ),
            });
        }
        let number = |i: usize| -> Result<f64, DetectError> {
            let cell = fields[i].trim();
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(DetectError::Cell {
                    file: file.to_string(),
                    row,
                    column: header[i].clone(),
                    expected: "a finite number".into(),
                    found: cell.to_string(),
                }),
            }
        };
        for (values, &i) in source_values.iter_mut().zip(&sources) {
            values.push(number(i)?);
        }
        if let Some(i) = order_idx {
            order_values.push(number(i)?);
        }
        if let (Some(i), Some(labels)) = (label_idx, table.labels.as_mut()) {
            labels.push(number(i)?);
        }
        if let (Some(i), Some(groups)) = (group_idx, table.groups.as_mut()) {
            groups.push(fields[i].trim().to_string());
        }
        if let (Some(i), Some(folds)) = (fold_idx, table.folds.as_mut()) {
            folds.push(fields[i].trim().to_string());
        }
    }
    let rows = source_values.first().map_or(0, Vec::len);
    if rows == 0 {
        return Err(DetectError::Table {
            file: file.to_string(),
            message: "the file has a header but no data rows".into(),
        });
    }
    let columns: Vec<Vec<f64>> = refs
        .iter()
        .zip(&source_of_feature)
        .map(|(r, &slot)| match (r.memory, table.groups.as_deref()) {
            (Some(kind), Some(groups)) => {
                summarise(&source_values[slot], groups, &order_values, kind)
            }
            _ => source_values[slot].clone(),
        })
        .collect();
    table.features = (0..rows)
        .flat_map(|row| columns.iter().map(move |c| c[row]))
        .collect();
    Ok(table)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Known answers are exact here.
mod tests {
    use super::*;

    fn request() -> TableRequest {
        TableRequest {
            features: vec!["a".into(), "b".into()],
            label_column: Some("q".into()),
            group_column: Some("file".into()),
            fold_column: None,
            order_column: None,
        }
    }

    #[test]
    fn reads_quoted_fields_and_columns() {
        let t = parse_table(
            "t.csv",
            "file,a,b,q\n\"x,1\",1,2,0.5\r\ny,3,4,-1\n",
            &request(),
        )
        .unwrap();
        assert_eq!(t.rows(), 2);
        assert_eq!(t.features, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(t.groups.unwrap(), vec!["x,1".to_string(), "y".into()]);
        assert_eq!(t.labels.unwrap(), vec![0.5, -1.0]);
    }

    #[test]
    fn errors_name_file_row_and_column() {
        let e = parse_table("t.csv", "file,a,b,q\nx,1,2,0\ny,3,oops,1\n", &request()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv, row 3, column `b`: expected a finite number, found `oops`"
        );
        let e = parse_table("t.csv", "file,a,q\nx,1,0\n", &request()).unwrap_err();
        assert!(
            e.to_string()
                .contains("column `b` not found; columns: file, a, q"),
            "{e}"
        );
        let e = parse_table("t.csv", "file,a,b,q\nx,1,2\n", &request()).unwrap_err();
        assert!(e.to_string().contains("row 2 has 3 fields"), "{e}");
        let e = parse_table("t.csv", "file,a,b,q\n", &request()).unwrap_err();
        assert!(e.to_string().contains("no data rows"), "{e}");
    }

    #[test]
    fn memory_features_run_over_each_group_in_order() {
        let text = "file,t,a,q\nv,1,4,0\nw,0,10,0\nv,0,2,0\nv,2,6,0\n";
        let request = TableRequest {
            features: vec!["a".into(), "a@mean".into(), "a@sum".into()],
            label_column: None,
            group_column: Some("file".into()),
            fold_column: None,
            order_column: Some("t".into()),
        };
        let t = parse_table("t.csv", text, &request).unwrap();
        // Group v in time: 2, 4, 6 (rows 3, 1, 4); group w: 10.
        assert_eq!(
            t.features,
            vec![
                4.0, 3.0, 6.0, 10.0, 10.0, 10.0, 2.0, 2.0, 2.0, 6.0, 4.0, 12.0
            ]
        );
        assert_eq!(t.feature_names[1], "a@mean");
        let no_order = TableRequest {
            order_column: None,
            ..request.clone()
        };
        let e = parse_table("t.csv", text, &no_order).unwrap_err();
        assert!(e.to_string().contains("need an order column"), "{e}");
        let no_group = TableRequest {
            group_column: None,
            ..request
        };
        let e = parse_table("t.csv", text, &no_group).unwrap_err();
        assert!(e.to_string().contains("need a group column"), "{e}");
    }

    #[test]
    fn whole_group_features_need_a_group_but_no_order() {
        let text = "file,t,a,q\nv,1,4,0\nw,0,10,0\nv,0,2,0\n";
        let request = TableRequest {
            features: vec!["a".into(), "a@group_mean".into(), "a@group_max".into()],
            label_column: None,
            group_column: Some("file".into()),
            fold_column: None,
            order_column: None,
        };
        let t = parse_table("t.csv", text, &request).unwrap();
        assert_eq!(
            t.features,
            vec![4.0, 3.0, 4.0, 10.0, 10.0, 10.0, 2.0, 3.0, 4.0]
        );
        let no_group = TableRequest {
            group_column: None,
            ..request
        };
        let e = parse_table("t.csv", text, &no_group).unwrap_err();
        assert!(e.to_string().contains("need a group column"), "{e}");
    }
}
