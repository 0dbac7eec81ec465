//! KPI result tables: what the local engine writes reads back exactly, Spark's folder of
//! part files reads as one table, and a damaged table is refused naming file and column.

use std::path::Path;

use polars::prelude::{Column, DataFrame, ParquetWriter};

use crate::result::{KPI_TABLE, MINUTE_TABLE, read_kpi_result, write_kpi_tables};
use crate::{Answer, Query, SessionSynthParams, Sessions, answer, generate_sessions};

fn simulated_answer() -> Answer {
    let params = SessionSynthParams {
        viewers: 300,
        webcasts: 1,
        minutes: 30,
        ..SessionSynthParams::default()
    };
    let mut csv = Vec::new();
    generate_sessions(&params, &mut csv, None).unwrap();
    let log = crate::read_player_events("synth", &csv, true).unwrap();
    let query = Query {
        by: vec!["country".into(), "device".into()],
        ..Query::default()
    };
    answer(&Sessions::new(log), &query).unwrap()
}

#[test]
fn a_written_result_reads_back_exactly() {
    let want = simulated_answer();
    assert!(want.minutes.as_ref().is_some_and(|m| m.len() > 10));
    let dir = tempfile::tempdir().unwrap();
    write_kpi_tables(&want, dir.path()).unwrap();
    for read_from in [dir.path().to_path_buf(), dir.path().join(KPI_TABLE)] {
        let got = read_kpi_result(&read_from).unwrap().answer;
        assert_eq!(got.kpis, want.kpis);
        assert_eq!(got.breakdowns, want.breakdowns);
        assert_eq!(got.minutes, want.minutes);
    }
}

fn write_parquet(path: &Path, mut frame: DataFrame) {
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut frame).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Spark writes each table as a folder of part files beside `_SUCCESS` and `.crc` files.
#[test]
fn a_folder_of_part_files_reads_as_one_table() {
    let want = simulated_answer();
    let written = tempfile::tempdir().unwrap();
    write_kpi_tables(&want, written.path()).unwrap();
    let spark = tempfile::tempdir().unwrap();
    for table in [KPI_TABLE, MINUTE_TABLE] {
        let bytes = std::fs::read(written.path().join(table)).unwrap();
        let frame = frame_of(&bytes);
        let folder = spark.path().join(table);
        std::fs::create_dir(&folder).unwrap();
        let half = frame.height() / 2;
        write_parquet(
            &folder.join("part-00001-a.snappy.parquet"),
            frame.slice(half as i64, frame.height() - half),
        );
        write_parquet(
            &folder.join("part-00000-a.snappy.parquet"),
            frame.slice(0, half),
        );
        std::fs::write(folder.join("_SUCCESS"), b"").unwrap();
        std::fs::write(folder.join(".part-00000-a.snappy.parquet.crc"), b"junk").unwrap();
    }
    let got = read_kpi_result(spark.path()).unwrap().answer;
    assert_eq!(got.kpis, want.kpis);
    assert_eq!(got.breakdowns, want.breakdowns);
    assert_eq!(got.minutes, want.minutes);
}

fn frame_of(bytes: &[u8]) -> DataFrame {
    streamlens_engine::io::parquet::read_all(&mut &bytes[..], "t")
        .unwrap()
        .frame
}

#[test]
fn a_damaged_result_is_refused_by_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_kpi_result(dir.path()).unwrap_err();
    assert!(err.contains("no kpis.parquet"), "{err}");

    write_kpi_tables(&simulated_answer(), dir.path()).unwrap();
    let path = dir.path().join(KPI_TABLE);
    let mut frame = frame_of(&std::fs::read(&path).unwrap());
    frame.drop_in_place("rebuffer_share").unwrap();
    write_parquet(&path, frame.clone());
    let err = read_kpi_result(dir.path()).unwrap_err();
    assert!(
        err.contains("kpis.parquet") && err.contains("`rebuffer_share`"),
        "{err}"
    );

    let text: Vec<&str> = vec!["many"; frame.height()];
    frame
        .with_column(Column::new("views".into(), text))
        .unwrap();
    frame
        .with_column(Column::new(
            "rebuffer_share".into(),
            vec![0.0; frame.height()],
        ))
        .unwrap();
    write_parquet(&path, frame.clone());
    let err = read_kpi_result(dir.path()).unwrap_err();
    assert!(
        err.contains("`views`") && err.contains("whole numbers"),
        "{err}"
    );

    let no_overall = frame.slice(1, frame.height() - 1);
    let views: Vec<i64> = vec![1; no_overall.height()];
    let mut no_overall = no_overall;
    no_overall
        .with_column(Column::new("views".into(), views))
        .unwrap();
    write_parquet(&path, no_overall);
    let err = read_kpi_result(dir.path()).unwrap_err();
    assert!(err.contains("no overall row"), "{err}");

    std::fs::write(&path, b"PAR1 not really").unwrap();
    let err = read_kpi_result(dir.path()).unwrap_err();
    assert!(err.contains("kpis.parquet"), "{err}");
}

#[test]
fn active_stretches_by_hand() {
    use crate::Minute;
    use crate::result::active_stretches;
    let minute = |i: i64, concurrent_views: u64| Minute {
        minute_ms: i * 60_000,
        concurrent_views,
        requested_views: 0,
        failures: 0,
        startup_p50_ms: None,
        startup_p95_ms: None,
        rebuffer_share: None,
    };
    let counts = [0, 3, 5, 0, 0, 2, 0, 1, 1];
    let minutes: Vec<Minute> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| minute(i as i64, c))
        .collect();
    assert_eq!(active_stretches(&minutes), vec![1..3, 5..6, 7..9]);
    assert!(active_stretches(&minutes[..1]).is_empty());
    assert!(active_stretches(&[]).is_empty());
}
