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
pub fn read_all(reader: &mut dyn Read, file: &str) -> Result<ParquetTable, LoadError> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| LoadError::Io {
        file: file.to_string(),
        source: e,
    })?;
    // polars' Parquet decoder panics on some damaged files (a bad thrift field in the footer
    // metadata); that is a damaged file, not a crash of ours.
    crate::contain::contained(move || decode(bytes, file)).unwrap_or_else(|why| {
        Err(parse_err(
            file,
            &format!("the file is damaged: its Parquet structure cannot be decoded ({why})"),
        ))
    })
}

fn decode(mut bytes: Vec<u8>, file: &str) -> Result<ParquetTable, LoadError> {
    if let Some(why) = super::parquet_check::damage(&mut bytes) {
        return Err(parse_err(
            file,
            &format!("the file is damaged: its Parquet structure cannot be decoded ({why})"),
        ));
    }
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    let schema = reader.schema().map_err(|e| parse_err(file, &e))?;
    // Types this build of polars cannot turn into columns (it would panic on a decimal) are
    // left out of the read; only a column the telemetry needs is then refused, by name.
    let mut names = Vec::new();
    let mut readable = Vec::new();
    let mut unreadable = Vec::new();
    for field in schema.iter_values() {
        let name = field.name.to_string();
        names.push(name.clone());
        let kind = match field.dtype() {
            ArrowDataType::Decimal(p, s)
            | ArrowDataType::Decimal32(p, s)
            | ArrowDataType::Decimal64(p, s)
            | ArrowDataType::Decimal256(p, s) => format!("DECIMAL({p},{s})"),
            ArrowDataType::Float16 => "FLOAT16".to_string(),
            _ => {
                readable.push(name);
                continue;
            }
        };
        unreadable.push((name, kind));
    }
    let frame = reader
        .with_columns(Some(readable))
        .finish()
        .map_err(|e| parse_err(file, &e))?;
    Ok(ParquetTable {
        frame,
        names,
        unreadable,
    })
}

/// A Parquet file as read: the readable columns, every column's name in file order, and the
/// columns left out with their Parquet type.
pub struct ParquetTable {
    pub frame: DataFrame,
    pub names: Vec<String>,
    pub unreadable: Vec<(String, String)>,
}

impl ParquetTable {
    /// An error naming the first of `used` columns that could not be read, if any.
    pub fn check_used<'a>(
        &self,
        file: &str,
        mut used: impl Iterator<Item = &'a str>,
    ) -> Result<(), LoadError> {
        let Some((name, kind)) = used.find_map(|u| self.unreadable.iter().find(|(n, _)| n == u))
        else {
            return Ok(());
        };
        Err(parse_err(
            file,
            &format!(
                "column `{name}` ({kind}) cannot be read: streamlens reads Parquet integers, \
                 floats (32 and 64 bit), text, booleans, dates and timestamps; write it as DOUBLE"
            ),
        ))
    }
}

/// Column names and the first rows as text.
pub fn preview(
    source: &super::Source,
    file: &str,
) -> Result<(Vec<String>, Vec<Vec<String>>), LoadError> {
    let (mut reader, _) = source.open()?;
    let table = read_all(&mut reader, file)?;
    let headers: Vec<String> = table
        .frame
        .get_column_names()
        .iter()
        .map(ToString::to_string)
        .collect();
    let head = table.frame.head(Some(5));
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
