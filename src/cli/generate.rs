//! `streamlens generate`: write seeded synthetic telemetry (CSV or Parquet) and its labels CSV.
//!
//! Parses arguments, picks the output format and writes both files atomically (a temporary
//! file in the same folder, fsync, rename). The data itself comes from [`streamlens_engine::synth`].

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::write_atomically;
use clap::{Args, Subcommand, ValueEnum};
use polars::prelude::ParquetWriter;

use streamlens_engine::synth::{self, Shape, SynthLabel, SynthParams, TelemetryBatch};

/// Rows per Parquet row group; batches are accumulated up to this before writing.
const PARQUET_ROW_GROUP_ROWS: usize = 1 << 19;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Csv,
    Parquet,
}

/// `--shape`: which world and text form to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// Our own shape: 8 large customers, events one after another, qoe with 3 decimals.
    Generator,
    /// Shaped like a real telemetry export: 177 customers, events interleaved by time,
    /// continuous qoe (6 decimals), 4 engagement levels.
    Export,
}

impl From<ShapeArg> for Shape {
    fn from(shape: ShapeArg) -> Self {
        match shape {
            ShapeArg::Generator => Self::Generator,
            ShapeArg::Export => Self::Export,
        }
    }
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: Option<GenerateWhat>,
    /// Number of events to generate [default: 12].
    #[arg(long, value_name = "N", conflicts_with = "rows", value_parser = parse_count)]
    pub events: Option<usize>,
    /// Generate events until about N rows are written (the event that crosses N is kept whole).
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub rows: Option<usize>,
    /// Share of events with one injected, labelled network anomaly (0 to 1).
    #[arg(long, value_name = "F", default_value_t = 0.25, value_parser = parse_rate)]
    pub anomaly_rate: f64,
    /// Shape of the data: our generator's own, or one like a real telemetry export.
    #[arg(long, value_enum, default_value_t = ShapeArg::Generator)]
    pub shape: ShapeArg,
    /// Hard mode for detectors: subtle anomalies (`QoE` drops of 0.03–0.10 over 3–10 minutes)
    /// and unlabelled benign dips where the whole audience steps away for a few minutes.
    #[arg(long)]
    pub subtle: bool,
    /// Random seed; the same seed and options write the same files.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
    /// Output format [default: parquet if --out ends in .parquet, else csv].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Telemetry file to write.
    #[arg(long, value_name = "PATH", required = true)]
    pub out: Option<PathBuf>,
    /// Labels CSV to write [default: <out stem>_labels.csv next to --out].
    #[arg(long, value_name = "PATH")]
    pub labels: Option<PathBuf>,
}

/// Other things to generate than telemetry.
#[derive(Debug, Subcommand)]
pub enum GenerateWhat {
    /// Player sessions (beacons as CSV) and, with --cdn, the CDN's log (JSON Lines).
    Sessions(super::generate_sessions::SessionsArgs),
}

impl GenerateArgs {
    /// `--out` (clap requires it unless a subcommand is given).
    fn out(&self) -> anyhow::Result<&Path> {
        self.out.as_deref().context("--out is required")
    }

    /// `--format`, else inferred from the `--out` extension.
    #[must_use]
    pub fn output_format(&self) -> OutputFormat {
        self.format.unwrap_or_else(|| {
            let parquet = self
                .out
                .as_deref()
                .and_then(Path::extension)
                .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
            if parquet {
                OutputFormat::Parquet
            } else {
                OutputFormat::Csv
            }
        })
    }

    /// `--labels`, else `<out stem>_labels.csv` in the directory of `--out`.
    pub fn labels_path(&self) -> anyhow::Result<PathBuf> {
        if let Some(path) = &self.labels {
            return Ok(path.clone());
        }
        let out = self.out()?;
        let stem = out
            .file_stem()
            .with_context(|| format!("--out {} does not name a file", out.display()))?;
        let mut name = stem.to_owned();
        name.push("_labels.csv");
        Ok(out.with_file_name(name))
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is outside 0..=1"))
    }
}

fn parse_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{text}` is not a positive whole number")),
    }
}

pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    if let Some(GenerateWhat::Sessions(sessions)) = &args.what {
        return super::generate_sessions::run(sessions);
    }
    let out = args.out()?;
    let labels_path = args.labels_path()?;
    anyhow::ensure!(
        labels_path != out,
        "--labels and --out must be different files"
    );
    let params = SynthParams {
        seed: args.seed,
        events: args.events,
        rows: args.rows,
        anomaly_rate: args.anomaly_rate,
        shape: args.shape.into(),
        subtle: args.subtle,
        ..SynthParams::default()
    };
    let mut rows = 0_usize;
    let labels = write_atomically(out, |w| match args.output_format() {
        OutputFormat::Csv => write_csv(w, &params, &mut rows),
        OutputFormat::Parquet => write_parquet(w, &params, &mut rows),
    })?;
    write_atomically(&labels_path, |mut w| {
        synth::write_labels_csv(&mut w, &labels)?;
        Ok(())
    })?;
    let anomalous = labels.iter().filter(|l| l.anomalous).count();
    eprintln!(
        "wrote {rows} rows in {} events ({anomalous} anomalous) to {}; labels to {}",
        labels.len(),
        out.display(),
        labels_path.display()
    );
    Ok(())
}

fn write_csv(
    mut w: &mut dyn Write,
    params: &SynthParams,
    rows: &mut usize,
) -> anyhow::Result<Vec<SynthLabel>> {
    writeln!(w, "{}", synth::TELEMETRY_CSV_HEADER)?;
    let labels = synth::generate(params, |batch| {
        *rows += batch.len();
        synth::write_csv_batch_shaped(&mut w, &batch, params.shape)
    })?;
    w.flush()?;
    Ok(labels)
}

fn write_parquet(
    out: &mut dyn Write,
    params: &SynthParams,
    rows: &mut usize,
) -> anyhow::Result<Vec<SynthLabel>> {
    let empty = synth::telemetry_frame(TelemetryBatch::default())?;
    let mut writer = ParquetWriter::new(out).batched(empty.schema())?;
    let mut pending = TelemetryBatch::default();
    let labels = synth::generate(params, |batch| -> anyhow::Result<()> {
        *rows += batch.len();
        pending.append(&batch);
        if pending.len() >= PARQUET_ROW_GROUP_ROWS {
            writer.write_batch(&synth::telemetry_frame(std::mem::take(&mut pending))?)?;
        }
        Ok(())
    })?;
    if !pending.is_empty() {
        writer.write_batch(&synth::telemetry_frame(pending)?)?;
    }
    writer.finish()?;
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use std::fs::{self, File};

    use clap::Parser;
    use polars::prelude::*;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: GenerateArgs,
    }

    fn parse(argv: &[&str]) -> Result<GenerateArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("generate").chain(argv.iter().copied())).map(|c| c.args)
    }

    #[test]
    fn arguments_are_validated_and_defaults_inferred() {
        let args = parse(&["--out", "dir/x.parquet"]).unwrap();
        assert_eq!(args.output_format(), OutputFormat::Parquet);
        assert_eq!(args.labels_path().unwrap(), Path::new("dir/x_labels.csv"));
        assert!((args.anomaly_rate - 0.25).abs() < 1e-12);
        assert_eq!(args.seed, 42);
        let args = parse(&["--out", "x.parquet", "--format", "csv", "--labels", "l.csv"]).unwrap();
        assert_eq!(args.output_format(), OutputFormat::Csv);
        assert_eq!(args.labels_path().unwrap(), Path::new("l.csv"));
        assert!(parse(&["--out", "x.csv", "--events", "3", "--rows", "10"]).is_err());
        assert!(parse(&["--out", "x.csv", "--anomaly-rate", "1.5"]).is_err());
        assert!(parse(&["--out", "x.csv", "--anomaly-rate", "NaN"]).is_err());
        assert!(parse(&["--out", "x.csv", "--events", "0"]).is_err());
        assert!(parse(&["--events", "3"]).is_err(), "--out is required");
    }

    #[test]
    fn writes_csv_and_parquet_with_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        let parquet = dir.path().join("t.parquet");
        let mut labels = Vec::new();
        for out in [&csv, &parquet] {
            let out = out.to_str().unwrap();
            run(&parse(&["--events", "2", "--seed", "5", "--out", out]).unwrap()).unwrap();
            labels.push(fs::read_to_string(dir.path().join("t_labels.csv")).unwrap());
        }
        assert_eq!(labels[0], labels[1], "same labels whatever the format");
        let text = fs::read_to_string(&csv).unwrap();
        assert_eq!(labels[0].lines().count(), 3);
        assert_eq!(text.lines().next(), Some(synth::TELEMETRY_CSV_HEADER));
        let df = ParquetReader::new(File::open(&parquet).unwrap())
            .finish()
            .unwrap();
        assert_eq!(df.height(), text.lines().count() - 1);
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(names, synth::TELEMETRY_COLUMNS);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary files remain");
    }
}
