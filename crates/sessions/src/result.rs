//! KPI results as Parquet tables, the shape `streamlens kpis --engine spark` writes and the
//! local engine's report folder writes too, so a result computed anywhere opens in the
//! window:
//! - `kpis.parquet`: one row per breakdown value — `dimension`, `value` (both null on the
//!   overall row), then the KPIs as in [`Kpis`] with the start-up quantiles flattened
//!   (`startup_ms_mean`, `startup_ms_p50`, `startup_ms_p90`, `startup_ms_p95`);
//! - `minutes.parquet` (optional): `dimension`, `value`, then the fields of [`Minute`].
//!
//! A "table" here is a Parquet file or a folder of Parquet part files (Spark's layout).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, DataType, ParquetWriter};

use crate::{Answer, Kpis, Minute, Startup};

/// File names inside a result folder.
pub const KPI_TABLE: &str = "kpis.parquet";
pub const MINUTE_TABLE: &str = "minutes.parquet";

/// A KPI result read from Parquet: the overall KPIs, the breakdowns in the file, and the
/// overall per-minute series when the folder has one.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiResult {
    /// The folder (or `kpis.parquet`) read.
    pub source: PathBuf,
    pub answer: Answer,
}

/// Whether `path` looks like a KPI result: a `kpis.parquet` (file or folder), or a folder
/// holding one.
#[must_use]
pub fn is_kpi_result(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == KPI_TABLE) || path.join(KPI_TABLE).exists()
}

/// Reads the KPI result at `path`: a result folder (holding `kpis.parquet` and perhaps
/// `minutes.parquet`) or a `kpis.parquet` itself.
///
/// # Errors
/// A table is missing, unreadable or lacks a column; the message names the file and the
/// column and what was expected.
pub fn read_kpi_result(path: &Path) -> Result<KpiResult, String> {
    let (kpi_table, folder) = if path.file_name().is_some_and(|n| n == KPI_TABLE) {
        (path.to_path_buf(), path.parent().map(Path::to_path_buf))
    } else {
        (path.join(KPI_TABLE), Some(path.to_path_buf()))
    };
    if !kpi_table.exists() {
        return Err(format!(
            "{}: no {KPI_TABLE} here; choose the folder `streamlens kpis --engine spark --out` \
             or `streamlens kpis --out` wrote",
            path.display()
        ));
    }
    let table = read_table(&kpi_table)?;
    let columns = Columns::of(&table, &kpi_table);
    let (dimensions, values) = (columns.texts("dimension")?, columns.texts("value")?);
    let mut overall = None;
    let mut breakdowns: Vec<(String, BTreeMap<String, Kpis>)> = Vec::new();
    for ((row_kpis, dimension), value) in columns.kpis()?.into_iter().zip(dimensions).zip(values) {
        match (dimension, value) {
            (None, _) => overall = Some(row_kpis),
            (Some(dimension), value) => {
                let value = value.unwrap_or_default();
                match breakdowns.iter_mut().find(|(d, _)| *d == dimension) {
                    Some((_, values)) => {
                        values.insert(value, row_kpis);
                    }
                    None => breakdowns.push((dimension, BTreeMap::from([(value, row_kpis)]))),
                }
            }
        }
    }
    let kpis = overall.ok_or_else(|| {
        format!(
            "{}: no overall row (dimension and value both null)",
            kpi_table.display()
        )
    })?;
    let minute_table = folder.map(|f| f.join(MINUTE_TABLE)).filter(|p| p.exists());
    let minutes = match minute_table {
        Some(table) => Some(read_minutes(&table)?),
        None => None,
    };
    let span = minutes
        .as_ref()
        .and_then(|m: &Vec<Minute>| Some((m.first()?.minute_ms, m.last()?.minute_ms + 60_000 - 1)));
    Ok(KpiResult {
        source: path.to_path_buf(),
        answer: Answer {
            kpis,
            breakdowns,
            span,
            minutes,
            comparison: None,
        },
    })
}

fn read_minutes(path: &Path) -> Result<Vec<Minute>, String> {
    let frame = read_table(path)?;
    let c = Columns::of(&frame, path);
    let dimensions = c.texts("dimension")?;
    let minute_ms = c.ints("minute_ms")?;
    let (concurrent, requested, failures) = (
        c.counts("concurrent_views", false)?,
        c.counts("requested_views", true)?,
        c.counts("failures", true)?,
    );
    let (p50, p95, rebuffer) = (
        c.numbers("startup_p50_ms")?,
        c.numbers("startup_p95_ms")?,
        c.numbers("rebuffer_share")?,
    );
    let mut minutes = Vec::new();
    for (i, dimension) in dimensions.iter().enumerate() {
        if dimension.is_some() {
            continue;
        }
        minutes.push(Minute {
            minute_ms: minute_ms[i].ok_or_else(|| {
                format!("{}: row {}: `minute_ms` is empty", path.display(), i + 1)
            })?,
            concurrent_views: concurrent[i],
            requested_views: requested[i],
            failures: failures[i],
            startup_p50_ms: p50[i],
            startup_p95_ms: p95[i],
            rebuffer_share: rebuffer[i],
        });
    }
    minutes.sort_by_key(|m| m.minute_ms);
    Ok(minutes)
}

/// A table: the file, or every `*.parquet` file in the folder (Spark's part files) stacked.
fn read_table(path: &Path) -> Result<DataFrame, String> {
    let files = if path.is_dir() {
        let mut parts: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "parquet")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        parts.sort();
        parts
    } else {
        vec![path.to_path_buf()]
    };
    let mut stacked: Option<DataFrame> = None;
    for file in &files {
        let name = file.display().to_string();
        let mut source = std::fs::File::open(file).map_err(|e| format!("{name}: {e}"))?;
        let table = streamlens_engine::io::parquet::read_all(&mut source, &name)
            .map_err(|e| e.to_string())?;
        match &mut stacked {
            None => stacked = Some(table.frame),
            Some(all) => {
                all.vstack_mut(&table.frame).map_err(|e| {
                    format!("{name}: its columns differ from the other parts ({e})")
                })?;
            }
        }
    }
    stacked.ok_or_else(|| format!("{}: no Parquet part files in the folder", path.display()))
}

/// A table's columns, each cast once (whole) to what the KPIs need.
struct Columns<'a> {
    frame: &'a DataFrame,
    file: String,
}

impl<'a> Columns<'a> {
    fn of(frame: &'a DataFrame, path: &Path) -> Self {
        Self {
            frame,
            file: path.display().to_string(),
        }
    }

    fn column(&self, name: &str) -> Result<&Column, String> {
        self.frame.column(name).map_err(|_| {
            format!(
                "{}: no `{name}` column (a KPI result table has it)",
                self.file
            )
        })
    }

    fn texts(&self, name: &str) -> Result<Vec<Option<String>>, String> {
        let wrong = |e: &dyn std::fmt::Display| format!("{}: column `{name}`: {e}", self.file);
        let cast = self
            .column(name)?
            .cast(&DataType::String)
            .map_err(|e| wrong(&e))?;
        Ok(cast
            .str()
            .map_err(|e| wrong(&e))?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    }

    fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>, String> {
        let column = self.column(name)?;
        let wrong = |e: &dyn std::fmt::Display| {
            format!(
                "{}: column `{name}`: expected numbers, found {e}",
                self.file
            )
        };
        if !column.dtype().is_primitive_numeric() && !column.dtype().is_null() {
            return Err(wrong(&column.dtype()));
        }
        let cast = column.cast(&DataType::Float64).map_err(|e| wrong(&e))?;
        Ok(cast.f64().map_err(|e| wrong(&e))?.iter().collect())
    }

    fn ints(&self, name: &str) -> Result<Vec<Option<i64>>, String> {
        let column = self.column(name)?;
        let wrong = |e: &dyn std::fmt::Display| {
            format!(
                "{}: column `{name}`: expected whole numbers, found {e}",
                self.file
            )
        };
        if !column.dtype().is_integer() && !column.dtype().is_null() {
            return Err(wrong(&column.dtype()));
        }
        let cast = column.cast(&DataType::Int64).map_err(|e| wrong(&e))?;
        Ok(cast.i64().map_err(|e| wrong(&e))?.iter().collect())
    }

    /// Counts: whole numbers ≥ 0, an empty cell only where `empty_is_zero`.
    fn counts(&self, name: &str, empty_is_zero: bool) -> Result<Vec<u64>, String> {
        self.ints(name)?
            .into_iter()
            .enumerate()
            .map(|(row, n)| match n {
                None if empty_is_zero => Ok(0),
                None => Err(format!("{}: row {}: `{name}` is empty", self.file, row + 1)),
                Some(n) => u64::try_from(n).map_err(|_| {
                    format!(
                        "{}: row {}: `{name}` is {n}, expected a count ≥ 0",
                        self.file,
                        row + 1
                    )
                }),
            })
            .collect()
    }

    fn kpis(&self) -> Result<Vec<Kpis>, String> {
        let n = |name: &str| self.numbers(name);
        let views = self.counts("views", false)?;
        let no_request = self.counts("sessions_without_request", true)?;
        let viewers = self.counts("unique_viewers", true)?;
        let (failure, vsf, ebvs) = (n("failure_share")?, n("vsf_share")?, n("ebvs_share")?);
        let (mean, p50, p90, p95) = (
            n("startup_ms_mean")?,
            n("startup_ms_p50")?,
            n("startup_ms_p90")?,
            n("startup_ms_p95")?,
        );
        let (watch, duration, rebuffer) = (
            n("watch_time_s")?,
            n("session_duration_s")?,
            n("rebuffer_share")?,
        );
        let (stalls, bitrate) = (n("stalls_per_hour")?, n("mean_bitrate_kbps")?);
        let peak = self.counts("peak_concurrent_views", true)?;
        let peak_minute = self.ints("peak_minute_ms")?;
        let (success, startup, smooth, experience) = (
            n("playback_success_score")?,
            n("startup_score")?,
            n("smoothness_score")?,
            n("experience_score")?,
        );
        Ok((0..self.frame.height())
            .map(|i| Kpis {
                views: views[i],
                sessions_without_request: no_request[i],
                unique_viewers: viewers[i],
                failure_share: failure[i],
                vsf_share: vsf[i],
                ebvs_share: ebvs[i],
                startup_ms: Startup {
                    mean: mean[i],
                    p50: p50[i],
                    p90: p90[i],
                    p95: p95[i],
                },
                watch_time_s: watch[i].unwrap_or(0.0),
                session_duration_s: duration[i],
                rebuffer_share: rebuffer[i],
                stalls_per_hour: stalls[i],
                mean_bitrate_kbps: bitrate[i],
                peak_concurrent_views: peak[i],
                peak_minute_ms: peak_minute[i],
                playback_success_score: success[i],
                startup_score: startup[i],
                smoothness_score: smooth[i],
                experience_score: experience[i],
            })
            .collect())
    }
}

/// The stretches of `minutes` (sorted by time) during which views were active: maximal runs
/// of consecutive minutes with `concurrent_views` > 0, as index ranges — one per webcast
/// when webcasts do not overlap. A result over weeks is shown one stretch at a time.
#[must_use]
pub fn active_stretches(minutes: &[Minute]) -> Vec<std::ops::Range<usize>> {
    let mut stretches = Vec::new();
    let mut start = None;
    for (i, m) in minutes.iter().enumerate() {
        match (m.concurrent_views > 0, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                stretches.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        stretches.push(s..minutes.len());
    }
    stretches
}

/// Writes `answer` as a result folder's tables into `folder`: `kpis.parquet` (overall and
/// breakdown rows) and, when it has a series, `minutes.parquet` (overall minutes).
///
/// # Errors
/// A file cannot be written; the message names it.
pub fn write_kpi_tables(answer: &Answer, folder: &Path) -> Result<(), String> {
    let mut rows: Vec<(Option<&str>, Option<&str>, &Kpis)> = vec![(None, None, &answer.kpis)];
    for (dimension, values) in &answer.breakdowns {
        for (value, kpis) in values {
            rows.push((Some(dimension), Some(value), kpis));
        }
    }
    let ints = |name: &str, f: &dyn Fn(&Kpis) -> Option<i64>| {
        Column::new(name.into(), rows.iter().map(|r| f(r.2)).collect::<Vec<_>>())
    };
    let floats = |name: &str, f: &dyn Fn(&Kpis) -> Option<f64>| {
        Column::new(name.into(), rows.iter().map(|r| f(r.2)).collect::<Vec<_>>())
    };
    let count = |n: u64| Some(i64::try_from(n).unwrap_or(i64::MAX));
    let columns = vec![
        Column::new(
            "dimension".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
        Column::new("value".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        ints("views", &|k| count(k.views)),
        ints("sessions_without_request", &|k| {
            count(k.sessions_without_request)
        }),
        ints("unique_viewers", &|k| count(k.unique_viewers)),
        floats("failure_share", &|k| k.failure_share),
        floats("vsf_share", &|k| k.vsf_share),
        floats("ebvs_share", &|k| k.ebvs_share),
        floats("startup_ms_mean", &|k| k.startup_ms.mean),
        floats("startup_ms_p50", &|k| k.startup_ms.p50),
        floats("startup_ms_p90", &|k| k.startup_ms.p90),
        floats("startup_ms_p95", &|k| k.startup_ms.p95),
        floats("watch_time_s", &|k| Some(k.watch_time_s)),
        floats("session_duration_s", &|k| k.session_duration_s),
        floats("rebuffer_share", &|k| k.rebuffer_share),
        floats("stalls_per_hour", &|k| k.stalls_per_hour),
        floats("mean_bitrate_kbps", &|k| k.mean_bitrate_kbps),
        ints("peak_concurrent_views", &|k| count(k.peak_concurrent_views)),
        ints("peak_minute_ms", &|k| k.peak_minute_ms),
        floats("playback_success_score", &|k| k.playback_success_score),
        floats("startup_score", &|k| k.startup_score),
        floats("smoothness_score", &|k| k.smoothness_score),
        floats("experience_score", &|k| k.experience_score),
    ];
    write_table(&folder.join(KPI_TABLE), rows.len(), columns)?;
    if let Some(minutes) = &answer.minutes {
        let ints = |name: &str, f: &dyn Fn(&Minute) -> i64| {
            Column::new(name.into(), minutes.iter().map(f).collect::<Vec<_>>())
        };
        let floats = |name: &str, f: &dyn Fn(&Minute) -> Option<f64>| {
            Column::new(name.into(), minutes.iter().map(f).collect::<Vec<_>>())
        };
        let whole = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let none: Vec<Option<&str>> = vec![None; minutes.len()];
        let columns = vec![
            Column::new("dimension".into(), none.clone()),
            Column::new("value".into(), none),
            ints("minute_ms", &|m| m.minute_ms),
            ints("concurrent_views", &|m| whole(m.concurrent_views)),
            ints("requested_views", &|m| whole(m.requested_views)),
            ints("failures", &|m| whole(m.failures)),
            floats("startup_p50_ms", &|m| m.startup_p50_ms),
            floats("startup_p95_ms", &|m| m.startup_p95_ms),
            floats("rebuffer_share", &|m| m.rebuffer_share),
        ];
        write_table(&folder.join(MINUTE_TABLE), minutes.len(), columns)?;
    }
    Ok(())
}

fn write_table(path: &Path, height: usize, columns: Vec<Column>) -> Result<(), String> {
    let name = path.display().to_string();
    let mut frame = DataFrame::new(height, columns).map_err(|e| format!("{name}: {e}"))?;
    // Text columns all null would be typed Null; Spark and readers expect strings.
    for text in ["dimension", "value"] {
        let cast = frame
            .column(text)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(|e| format!("{name}: {e}"))?;
        frame
            .with_column(cast)
            .map_err(|e| format!("{name}: {e}"))?;
    }
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(&mut frame)
        .map_err(|e| format!("{name}: {e}"))?;
    streamlens_engine::files::atomic_write(path, &bytes).map_err(|e| format!("{name}: {e}"))
}
