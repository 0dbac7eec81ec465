//! A Parquet file's page headers, checked before polars decodes it. polars trusts each data
//! page's value count: a damaged (negative) count becomes an allocation of exabytes, which
//! aborts the process — no `catch_unwind` can stop that. Walking the pages costs one header
//! read per page (no values are decompressed).

use std::io::Cursor;

use polars_buffer::Buffer;
use polars_parquet::parquet::page::CompressedPage;
use polars_parquet::parquet::read::{get_page_iterator, read_metadata};

/// More values than this in one page, row group or column chunk is a damaged count
/// (Parquet stores page counts as 32-bit signed numbers).
const MAX_VALUES: usize = i32::MAX as usize;

/// Why the file's structure cannot be decoded safely; `None` when every count is plausible.
/// Errors of the footer itself are left to polars, which reports them.
pub(super) fn damage(bytes: &mut Vec<u8>) -> Option<String> {
    let meta = read_metadata(&mut Cursor::new(bytes.as_slice())).ok()?;
    Buffer::with_vec(bytes, |buffer| {
        for (g, group) in meta.row_groups.iter().enumerate() {
            if group.num_rows() > MAX_VALUES {
                return Some(format!(
                    "row group {} claims {} rows",
                    g + 1,
                    group.num_rows()
                ));
            }
            for column in group.parquet_columns() {
                let name = column.descriptor().path_in_schema.join(".");
                let declared = column.num_values();
                if usize::try_from(declared)
                    .ok()
                    .is_none_or(|n| n > MAX_VALUES)
                {
                    return Some(format!(
                        "column `{name}` of row group {} claims {declared} values",
                        g + 1
                    ));
                }
                let pages = get_page_iterator(
                    column,
                    Cursor::new(buffer.clone()),
                    Vec::new(),
                    buffer.len(),
                );
                let Ok(pages) = pages else {
                    return Some(format!("column `{name}` starts outside the file"));
                };
                for page in pages {
                    match page {
                        Ok(CompressedPage::Data(page)) if page.num_values() > MAX_VALUES => {
                            return Some(format!(
                                "a page of column `{name}` in row group {} claims a negative \
                                 number of values",
                                g + 1
                            ));
                        }
                        Ok(_) => {}
                        Err(e) => {
                            return Some(format!(
                                "a page header of column `{name}` is damaged ({e})"
                            ));
                        }
                    }
                }
            }
        }
        None
    })
}
