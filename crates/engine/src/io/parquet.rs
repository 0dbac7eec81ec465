//! Parquet input: read once, then converted in slices like CSV chunks.

use std::io::Read;

use polars::prelude::*;

use crate::error::LoadError;

fn parse_err(file: &str, e: &dyn std::fmt::Display) -> LoadError {
    LoadError::Parse {
        file: file.to_string(),
        format: "Parquet",
        message: e.to_string(),
    }
}

/// Read a whole Parquet file (the reader needs random access, so the bytes are buffered).
pub fn read_all(reader: &mut dyn Read, file: &str) -> Result<DataFrame, LoadError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| LoadError::Io {
        file: file.to_string(),
        source: e,
    })?;
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    let schema = reader.schema().map_err(|e| parse_err(file, &e))?;
    // Types this build of polars cannot turn into columns (it would panic on a decimal):
    // refused by name before reading.
    let unreadable: Vec<String> = schema
        .iter_values()
        .filter_map(|field| {
            let kind = match field.dtype() {
                ArrowDataType::Decimal(p, s)
                | ArrowDataType::Decimal32(p, s)
                | ArrowDataType::Decimal64(p, s)
                | ArrowDataType::Decimal256(p, s) => format!("DECIMAL({p},{s})"),
                ArrowDataType::Float16 => "FLOAT16".to_string(),
                _ => return None,
            };
            Some(format!("`{}` ({kind})", field.name))
        })
        .collect();
    if !unreadable.is_empty() {
        return Err(parse_err(
            file,
            &format!(
                "column {} cannot be read: streamlens reads Parquet integers, floats (32 and \
                 64 bit), text, booleans, dates and timestamps; write these as DOUBLE",
                unreadable.join(", ")
            ),
        ));
    }
    reader.finish().map_err(|e| parse_err(file, &e))
}

/// Column names and the first rows as text.
pub fn preview(
    source: &super::Source,
    file: &str,
) -> Result<(Vec<String>, Vec<Vec<String>>), LoadError> {
    let (mut reader, _) = source.open()?;
    let df = read_all(&mut reader, file)?;
    let headers: Vec<String> = df
        .get_column_names()
        .iter()
        .map(ToString::to_string)
        .collect();
    let head = df.head(Some(5));
    let mut rows = Vec::new();
    for i in 0..head.height() {
        rows.push(
            head.columns()
                .iter()
                .map(|c| c.get(i).map(|v| v.to_string()).unwrap_or_default())
                .collect(),
        );
    }
    Ok((headers, rows))
}
