//! Rolling: a sealed segment's events become Parquet files, one per hour of event time,
//! at `DIR/date=YYYY-MM-DD/hour=HH/part-NNNNNNNN.parquet` (N: the segment's number), which
//! `streamlens kpis DIR` reads. Each file is written atomically and named after its
//! segment, so rolling a segment again after a crash rewrites the same files with the same
//! events: nothing is lost and nothing counted twice. The segment is deleted only after
//! all its files are on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, ParquetWriter};
use serde_json::{Map, Value};
use streamlens_sessions::read_player_events;

use crate::keys::write_segment_keys;
use crate::record::decode;
use crate::segments::Sealed;
use crate::wal::recover;

/// Names the schema accepts for the timestamp (as the player-event reader does).
const TS_NAMES: [&str; 4] = ["ts", "timestamp", "time", "ts_ms"];

/// What rolling one segment wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rolled {
    pub files: Vec<PathBuf>,
    pub events: usize,
}

/// One hour's events: their objects as sent, with each one's time in Unix ms.
type HourRows = Vec<(Map<String, Value>, i64)>;

/// Writes the events of `sealed` into hourly Parquet partitions under `root` and deletes
/// the segment, after writing its idempotency keys beside (`keys/`). Timestamps are stored as Unix milliseconds (`Int64`) under the name they
/// were sent with; a column whose values are all whole numbers is `Int64`, all numbers
/// `Float64`, all booleans `Boolean`, anything else text.
///
/// # Errors
/// The segment cannot be read, a batch in it no longer passes the schema (a segment not
/// written by this collector), or a file cannot be written; the segment is then kept.
pub fn roll_segment(root: &Path, sealed: &Sealed) -> Result<Rolled, String> {
    let name = sealed.path.display().to_string();
    let recovered = recover(&sealed.path).map_err(|e| format!("{name}: {e}"))?;
    let mut hours: BTreeMap<(String, u32), HourRows> = BTreeMap::new();
    let mut events = 0;
    let mut keys = Vec::new();
    for (i, stored) in recovered.batches.iter().enumerate() {
        let record =
            decode(stored).ok_or_else(|| format!("{name} batch {}: a damaged key", i + 1))?;
        if let Some((key, at)) = record.key {
            keys.push((key.to_string(), at));
        }
        let batch = record.lines;
        let log = read_player_events(&format!("{name} batch {}", i + 1), batch, true)
            .map_err(|e| e.to_string())?;
        let objects = objects_of(batch)?;
        if objects.len() != log.events.len() {
            return Err(format!(
                "{name} batch {}: {} lines but {} events",
                i + 1,
                objects.len(),
                log.events.len()
            ));
        }
        for (object, event) in objects.into_iter().zip(&log.events) {
            let at = chrono::DateTime::from_timestamp_millis(event.ts_ms)
                .ok_or_else(|| format!("{name}: a timestamp out of range ({})", event.ts_ms))?;
            let key = (
                at.format("%Y-%m-%d").to_string(),
                chrono::Timelike::hour(&at),
            );
            hours.entry(key).or_default().push((object, event.ts_ms));
            events += 1;
        }
    }
    let mut files = Vec::new();
    for ((date, hour), rows) in &hours {
        let folder = root
            .join(format!("date={date}"))
            .join(format!("hour={hour:02}"));
        std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        let path = folder.join(format!("part-{:08}.parquet", sealed.number));
        let bytes = parquet_of(rows)?;
        streamlens_engine::files::atomic_write(&path, &bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(path);
    }
    // The keys outlive the segment, so a retry after the roll is still known.
    write_segment_keys(root, sealed.number, &keys).map_err(|e| format!("{name}: keys: {e}"))?;
    std::fs::remove_file(&sealed.path).map_err(|e| format!("{name}: {e}"))?;
    if let Some(dir) = sealed.path.parent() {
        // The deletion made durable, so a restart does not roll the segment again.
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    Ok(Rolled { files, events })
}

/// The Parquet files rolled under `root` (`date=…/hour=…/*.parquet`), in time order.
///
/// # Errors
/// A folder cannot be listed.
pub fn rolled_files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for date in sorted_entries(root, "date=")? {
        for hour in sorted_entries(&date, "hour=")? {
            for file in std::fs::read_dir(&hour)? {
                let path = file?.path();
                if path.extension().is_some_and(|e| e == "parquet") {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The sub-folders of `dir` whose names start with `prefix`, sorted.
fn sorted_entries(dir: &Path, prefix: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() && entry.file_name().to_string_lossy().starts_with(prefix) {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// The batch's lines as objects (blank lines skipped, as the reader skips them).
fn objects_of(batch: &[u8]) -> Result<Vec<Map<String, Value>>, String> {
    let text = std::str::from_utf8(batch).map_err(|e| e.to_string())?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(_) => Err("a stored line is not an object".to_string()),
            Err(e) => Err(e.to_string()),
        })
        .collect()
}

/// One hour's rows as a Parquet file: columns in the order first seen.
fn parquet_of(rows: &HourRows) -> Result<Vec<u8>, String> {
    let mut names: Vec<&String> = Vec::new();
    for (object, _) in rows {
        for key in object.keys() {
            if !names.contains(&key) {
                names.push(key);
            }
        }
    }
    let columns: Vec<Column> = names
        .iter()
        .map(|name| {
            if TS_NAMES.iter().any(|t| name.eq_ignore_ascii_case(t)) {
                let ms: Vec<i64> = rows.iter().map(|(_, ts)| *ts).collect();
                return Column::new(name.as_str().into(), ms);
            }
            let cells: Vec<Option<&Value>> = rows
                .iter()
                .map(|(o, _)| o.get(name.as_str()).filter(|v| !v.is_null()))
                .collect();
            typed_column(name, &cells)
        })
        .collect();
    let mut frame = DataFrame::new(rows.len(), columns).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(&mut frame)
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

fn typed_column(name: &str, cells: &[Option<&Value>]) -> Column {
    let present = || cells.iter().flatten();
    let name = name.into();
    if present().all(|v| v.is_i64()) {
        let values: Vec<Option<i64>> = cells.iter().map(|c| c.and_then(Value::as_i64)).collect();
        return Column::new(name, values);
    }
    if present().all(|v| v.is_number()) {
        let values: Vec<Option<f64>> = cells.iter().map(|c| c.and_then(Value::as_f64)).collect();
        return Column::new(name, values);
    }
    if present().all(|v| v.is_boolean()) {
        let values: Vec<Option<bool>> = cells.iter().map(|c| c.and_then(Value::as_bool)).collect();
        return Column::new(name, values);
    }
    let values: Vec<Option<String>> = cells
        .iter()
        .map(|c| {
            c.map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        })
        .collect();
    Column::new(name, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal::Segment;

    fn line(ts: i64, session: &str, kind: &str) -> String {
        format!(
            r#"{{"ts": {ts}, "session_id": "{session}", "viewer_id": "v-{session}", "event_id": 7, "event_type": "{kind}", "city": "Oslo"}}"#
        )
    }

    #[test]
    fn a_segment_becomes_hourly_parquet_that_the_kpi_reader_reads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("wal")).unwrap();
        let path = dir.path().join("wal").join("00000003.wal");
        let mut segment = Segment::create(&path).unwrap();
        // 2024-12-05 09:59:59 and 10:00:00 UTC: two hours.
        let (nine, ten) = (1_733_392_799_000_i64, 1_733_392_800_000_i64);
        let first = format!(
            "{}\n{}\n",
            line(nine, "a", "request"),
            line(nine, "a", "start")
        );
        let second = format!("{}\n", line(ten, "a", "end"));
        segment
            .append(&[first.as_bytes(), second.as_bytes()])
            .unwrap();
        drop(segment);
        let rolled = roll_segment(
            dir.path(),
            &Sealed {
                number: 3,
                path: path.clone(),
                first_batch_ms: 0,
            },
        )
        .unwrap();
        assert_eq!(rolled.events, 3);
        let names: Vec<String> = rolled
            .files
            .iter()
            .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "date=2024-12-05/hour=09/part-00000003.parquet",
                "date=2024-12-05/hour=10/part-00000003.parquet"
            ]
        );
        assert!(!path.exists(), "the rolled segment is deleted");
        assert_eq!(rolled_files(dir.path()).unwrap(), rolled.files);
        let log = streamlens_sessions::read_player_file(&rolled.files[0], true).unwrap();
        assert_eq!(log.events.len(), 2);
        assert_eq!(log.events[0].ts_ms, nine);
        let log = streamlens_sessions::read_player_file(&rolled.files[1], true).unwrap();
        assert_eq!(log.events.len(), 1);
    }

    #[test]
    fn mixed_values_become_text_and_missing_ones_null() {
        let a = serde_json::json!({"x": 1, "y": 1.5, "z": true})
            .as_object()
            .cloned()
            .unwrap();
        let b = serde_json::json!({"x": "two", "y": 2})
            .as_object()
            .cloned()
            .unwrap();
        let bytes = parquet_of(&vec![(a, 1), (b, 2)]).unwrap();
        let frame = streamlens_engine::io::parquet::read_all(&mut &bytes[..], "t")
            .unwrap()
            .frame;
        let dtype = |n: &str| frame.column(n).unwrap().dtype().clone();
        assert_eq!(dtype("x"), polars::prelude::DataType::String);
        assert_eq!(dtype("y"), polars::prelude::DataType::Float64);
        assert_eq!(dtype("z"), polars::prelude::DataType::Boolean);
        assert_eq!(frame.column("z").unwrap().null_count(), 1);
    }
}
