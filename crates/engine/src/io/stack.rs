//! Converted chunks appended into one growing buffer per column, so the finished dataset
//! has every column as a single contiguous chunk (analyses index rows directly) without a
//! second copy of the data: each chunk is copied in once and freed, and large buffers grow
//! in place. Columns with nulls (optional extras) keep their chunks instead.

use polars::prelude::*;

use crate::analysis::parallel;

enum Buffer {
    I64(Vec<i64>),
    U32(Vec<u32>),
    F64(Vec<f64>),
    /// Chunks kept as they came (nulls or another type).
    Chunks(Vec<Column>),
}

impl Buffer {
    fn of(column: &Column) -> Self {
        if column.null_count() > 0 {
            return Self::Chunks(Vec::new());
        }
        match column.dtype() {
            DataType::Int64 => Self::I64(Vec::new()),
            DataType::UInt32 => Self::U32(Vec::new()),
            DataType::Float64 => Self::F64(Vec::new()),
            _ => Self::Chunks(Vec::new()),
        }
    }

    fn append(&mut self, column: &Column) -> PolarsResult<()> {
        let appended = column.null_count() == 0
            && match self {
                Self::I64(v) => extend(v, column.i64().ok()),
                Self::U32(v) => extend(v, column.u32().ok()),
                Self::F64(v) => extend(v, column.f64().ok()),
                Self::Chunks(v) => {
                    v.push(column.clone());
                    true
                }
            };
        if !appended {
            // From here on this column keeps chunks: move what was gathered into one.
            let mut chunks = vec![self.take_column(column.name().clone())?];
            chunks.push(column.clone());
            *self = Self::Chunks(chunks);
        }
        Ok(())
    }

    fn take_column(&mut self, name: PlSmallStr) -> PolarsResult<Column> {
        let column = match std::mem::replace(self, Self::Chunks(Vec::new())) {
            Self::I64(v) => Int64Chunked::from_vec(name, v).into_column(),
            Self::U32(v) => UInt32Chunked::from_vec(name, v).into_column(),
            Self::F64(v) => Float64Chunked::from_vec(name, v).into_column(),
            Self::Chunks(chunks) => {
                let mut chunks = chunks.into_iter();
                let Some(mut first) = chunks.next() else {
                    return Ok(Column::new_empty(name, &DataType::Float64));
                };
                for c in chunks {
                    first.append(&c)?;
                }
                first
            }
        };
        Ok(column)
    }
}

/// Moves the rows not in `removed` (ascending, distinct) to the front, in order, and cuts
/// the rest: the buffer shrinks in place, without a second copy of the column.
fn compact<T: Copy>(values: &mut Vec<T>, removed: &[usize]) {
    let mut write = removed.first().copied().unwrap_or(values.len());
    for (k, &gone) in removed.iter().enumerate() {
        let next = removed.get(k + 1).copied().unwrap_or(values.len());
        for read in gone + 1..next {
            values[write] = values[read];
            write += 1;
        }
    }
    values.truncate(write);
}

/// Copy a null-free chunked array's values onto `out`; false when `ca` is missing.
fn extend<T: PolarsNumericType>(out: &mut Vec<T::Native>, ca: Option<&ChunkedArray<T>>) -> bool {
    let Some(ca) = ca else {
        return false;
    };
    for array in ca.downcast_iter() {
        out.extend_from_slice(array.values().as_slice());
    }
    true
}

/// A writable run of one stacked column's rows.
pub(super) enum Tail<'a> {
    I64(&'a mut [i64]),
    U32(&'a mut [u32]),
    F64(&'a mut [f64]),
}

impl<'a> Tail<'a> {
    /// The first `rows` rows and the rest.
    pub(super) fn split_at(self, rows: usize) -> (Tail<'a>, Tail<'a>) {
        match self {
            Tail::I64(v) => {
                let (a, b) = v.split_at_mut(rows);
                (Tail::I64(a), Tail::I64(b))
            }
            Tail::U32(v) => {
                let (a, b) = v.split_at_mut(rows);
                (Tail::U32(a), Tail::U32(b))
            }
            Tail::F64(v) => {
                let (a, b) = v.split_at_mut(rows);
                (Tail::F64(a), Tail::F64(b))
            }
        }
    }
}

/// All converted chunks so far, column by column.
#[derive(Default)]
pub(super) struct ColumnStack {
    columns: Vec<(PlSmallStr, Buffer)>,
    rows: usize,
}

impl ColumnStack {
    /// Append a chunk; its columns must be those of the first chunk, in the same order.
    pub(super) fn push(&mut self, frame: &DataFrame) -> PolarsResult<()> {
        if self.columns.is_empty() {
            self.columns = frame
                .columns()
                .iter()
                .map(|c| (c.name().clone(), Buffer::of(c)))
                .collect();
        }
        let names: Vec<&PlSmallStr> = frame.columns().iter().map(Column::name).collect();
        let expected: Vec<&PlSmallStr> = self.columns.iter().map(|(n, _)| n).collect();
        polars_ensure!(
            names == expected,
            SchemaMismatch: "chunk columns {names:?} differ from the first chunk's {expected:?}"
        );
        for ((_, buffer), column) in self.columns.iter_mut().zip(frame.columns()) {
            buffer.append(column)?;
        }
        self.rows += frame.height();
        Ok(())
    }

    fn buffer(&self, name: &str) -> Option<&Buffer> {
        self.columns
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, b)| b)
    }

    /// The stacked values of a null-free `u32` column.
    pub(super) fn u32_values(&self, name: &str) -> Option<&[u32]> {
        match self.buffer(name)? {
            Buffer::U32(v) => Some(v),
            _ => None,
        }
    }

    /// The stacked values of a null-free `i64` column.
    pub(super) fn i64_values(&self, name: &str) -> Option<&[i64]> {
        match self.buffer(name)? {
            Buffer::I64(v) => Some(v),
            _ => None,
        }
    }

    /// Removes the rows at `removed` (ascending, distinct, in range) from every column.
    pub(super) fn remove_rows(&mut self, removed: &[usize]) -> PolarsResult<()> {
        if removed.is_empty() {
            return Ok(());
        }
        for (name, buffer) in &mut self.columns {
            match buffer {
                Buffer::I64(v) => compact(v, removed),
                Buffer::U32(v) => compact(v, removed),
                Buffer::F64(v) => compact(v, removed),
                Buffer::Chunks(_) => {
                    let column = buffer.take_column(name.clone())?;
                    let mut keep = vec![true; column.len()];
                    for &r in removed {
                        keep[r] = false;
                    }
                    let mask: BooleanChunked = keep.into_iter().map(Some).collect();
                    *buffer = Buffer::Chunks(vec![column.filter(&mask)?]);
                }
            }
        }
        self.rows -= removed.len();
        Ok(())
    }

    /// Rows stacked so far.
    pub(super) fn rows(&self) -> usize {
        self.rows
    }

    /// Adds `rows` zeroed rows to every column for a direct parser to fill, or returns
    /// false (and changes nothing) when some column keeps chunks or nothing is stacked yet.
    pub(super) fn grow(&mut self, rows: usize) -> bool {
        if self.columns.is_empty()
            || self
                .columns
                .iter()
                .any(|(_, b)| matches!(b, Buffer::Chunks(_)))
        {
            return false;
        }
        let total = self.rows + rows;
        // Columns side by side on the cores: first writes to new memory are page faults,
        // which cost as much as the parsing on a VM.
        let buffers: Vec<&mut Buffer> = self.columns.iter_mut().map(|(_, b)| b).collect();
        parallel::map_all("streamlens-grow", buffers, |buffer| match buffer {
            Buffer::I64(v) => v.resize(total, 0),
            Buffer::U32(v) => v.resize(total, 0),
            Buffer::F64(v) => v.resize(total, 0.0),
            Buffer::Chunks(_) => {}
        });
        self.rows = total;
        true
    }

    /// Cuts every column back to `rows` (undoes a [`Self::grow`] whose rows were not filled).
    pub(super) fn truncate(&mut self, rows: usize) {
        for (_, buffer) in &mut self.columns {
            match buffer {
                Buffer::I64(v) => v.truncate(rows),
                Buffer::U32(v) => v.truncate(rows),
                Buffer::F64(v) => v.truncate(rows),
                Buffer::Chunks(_) => {}
            }
        }
        self.rows = self.rows.min(rows);
    }

    /// Every column's rows from `from` on, writable, in column order (columns that keep
    /// chunks are left out, so call this only after [`Self::grow`] succeeded).
    pub(super) fn tails_mut(&mut self, from: usize) -> Vec<Tail<'_>> {
        self.columns
            .iter_mut()
            .filter_map(|(_, buffer)| match buffer {
                Buffer::I64(v) => Some(Tail::I64(&mut v[from..])),
                Buffer::U32(v) => Some(Tail::U32(&mut v[from..])),
                Buffer::F64(v) => Some(Tail::F64(&mut v[from..])),
                Buffer::Chunks(_) => None,
            })
            .collect()
    }

    /// The stacked frame (`None` without rows).
    pub(super) fn finish(self) -> PolarsResult<Option<DataFrame>> {
        if self.rows == 0 {
            return Ok(None);
        }
        let rows = self.rows;
        let columns = self
            .columns
            .into_iter()
            .map(|(name, mut buffer)| buffer.take_column(name))
            .collect::<PolarsResult<Vec<_>>>()?;
        DataFrame::new(rows, columns).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_stack_into_single_chunk_columns() {
        let a = df!("t" => [1i64, 2], "c" => [1u32, 2], "x" => [Some(0.5), Some(1.0)]).unwrap();
        let b = df!("t" => [3i64], "c" => [3u32], "x" => [None::<f64>]).unwrap();
        let mut stack = ColumnStack::default();
        stack.push(&a).unwrap();
        stack.push(&b).unwrap();
        let frame = stack.finish().unwrap().unwrap();
        assert_eq!(frame.height(), 3);
        assert_eq!(frame.column("t").unwrap().n_chunks(), 1);
        assert_eq!(frame.column("c").unwrap().n_chunks(), 1);
        let t: Vec<i64> = frame
            .column("t")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(t, vec![1, 2, 3]);
        // The column with a null keeps its values and the null.
        let x: Vec<Option<f64>> = frame.column("x").unwrap().f64().unwrap().iter().collect();
        assert_eq!(x, vec![Some(0.5), Some(1.0), None]);
        let bad = df!("t" => [1i64]).unwrap();
        assert!(stack_with(&a, &bad).is_err());
        assert!(ColumnStack::default().finish().unwrap().is_none());
    }

    #[test]
    fn removed_rows_leave_every_column_in_order() {
        let a = df!("t" => [1i64, 2, 3], "c" => [1u32, 2, 3], "x" => [Some(0.5), None, Some(1.5)])
            .unwrap();
        let b = df!("t" => [4i64, 5], "c" => [4u32, 5], "x" => [Some(2.0), Some(2.5)]).unwrap();
        let mut stack = ColumnStack::default();
        stack.push(&a).unwrap();
        stack.push(&b).unwrap();
        assert_eq!(stack.i64_values("t"), Some(&[1, 2, 3, 4, 5][..]));
        assert_eq!(stack.u32_values("t"), None);
        stack.remove_rows(&[0, 2, 3]).unwrap();
        let frame = stack.finish().unwrap().unwrap();
        assert_eq!(frame.height(), 2);
        let t: Vec<i64> = frame
            .column("t")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(t, vec![2, 5]);
        let c: Vec<u32> = frame
            .column("c")
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(c, vec![2, 5]);
        let x: Vec<Option<f64>> = frame.column("x").unwrap().f64().unwrap().iter().collect();
        assert_eq!(x, vec![None, Some(2.5)]);
    }

    proptest::proptest! {
        #[test]
        fn compact_keeps_exactly_the_other_rows(
            n in 0usize..40,
            picks in proptest::collection::btree_set(0usize..40, 0..20),
        ) {
            let removed: Vec<usize> = picks.into_iter().filter(|&r| r < n).collect();
            let mut values: Vec<usize> = (0..n).collect();
            compact(&mut values, &removed);
            let expected: Vec<usize> = (0..n).filter(|r| !removed.contains(r)).collect();
            proptest::prop_assert_eq!(values, expected);
        }
    }

    fn stack_with(a: &DataFrame, b: &DataFrame) -> PolarsResult<()> {
        let mut stack = ColumnStack::default();
        stack.push(a)?;
        stack.push(b)
    }
}
