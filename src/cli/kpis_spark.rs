//! `kpis --engine spark`: the same KPIs computed by Apache Spark. streamlens carries a
//! Python job (`scripts/spark/`, built into the binary) and runs it with the user's Python
//! and pyspark, against a Spark Connect server (`--spark-remote sc://HOST:15002`) or a
//! classic master (`--spark-master`, default `local[2]`). The job writes `kpis.json` (the
//! local engine's JSON) and Parquet tables into a folder; the JSON is printed.
//! ARCHITECTURE.md says why a Python job and not a Rust Spark Connect client.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

/// What the job computes and where its outputs go.
#[derive(Debug)]
pub struct SparkJob<'a> {
    pub files: &'a [PathBuf],
    pub by: &'a [String],
    pub minutes: bool,
    /// Folder for kpis.json and the Parquet tables (a temporary one when `None`).
    pub out: Option<&'a Path>,
    /// Spark SQL settings, `KEY=VALUE`.
    pub conf: &'a [String],
}

/// The job's files, written next to each other before a run: `kpis_job.py` imports the
/// spark_*.py modules from its own folder.
const JOB_FILES: &[(&str, &str)] = &[
    (
        "kpis_job.py",
        include_str!("../../scripts/spark/kpis_job.py"),
    ),
    (
        "spark_common.py",
        include_str!("../../scripts/spark/spark_common.py"),
    ),
    (
        "spark_inputs.py",
        include_str!("../../scripts/spark/spark_inputs.py"),
    ),
    (
        "spark_values.py",
        include_str!("../../scripts/spark/spark_values.py"),
    ),
    (
        "spark_read.py",
        include_str!("../../scripts/spark/spark_read.py"),
    ),
    (
        "spark_rows.py",
        include_str!("../../scripts/spark/spark_rows.py"),
    ),
    (
        "spark_views.py",
        include_str!("../../scripts/spark/spark_views.py"),
    ),
    (
        "spark_kpis.py",
        include_str!("../../scripts/spark/spark_kpis.py"),
    ),
    (
        "spark_minutes.py",
        include_str!("../../scripts/spark/spark_minutes.py"),
    ),
    (
        "spark_output.py",
        include_str!("../../scripts/spark/spark_output.py"),
    ),
];

/// Where the job runs, and with which Python.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkTarget {
    pub remote: Option<String>,
    pub master: String,
    pub python: String,
}

/// Runs the job; prints the `kpis.json` it wrote.
pub fn run(args: &SparkJob, target: &SparkTarget) -> anyhow::Result<()> {
    let job_dir = tempfile::tempdir().context("cannot make a folder for the Spark job")?;
    for (name, text) in JOB_FILES {
        std::fs::write(job_dir.path().join(name), text).with_context(|| {
            format!(
                "cannot write the Spark job into {}",
                job_dir.path().display()
            )
        })?;
    }
    let scratch;
    let out: &Path = if let Some(dir) = args.out {
        dir
    } else {
        scratch = tempfile::tempdir().context("cannot make a folder for the Spark output")?;
        scratch.path()
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut command = Command::new(&target.python);
    command.arg(job_dir.path().join("kpis_job.py"));
    match &target.remote {
        Some(url) => command.args(["--remote", url]),
        None => command.args(["--master", &target.master]),
    };
    command.arg("--out").arg(out);
    if !args.by.is_empty() {
        command.args(["--by", &args.by.join(",")]);
    }
    if args.minutes {
        command.arg("--minutes");
    }
    for setting in args.conf {
        command.args(["--conf", setting]);
    }
    for path in args.files {
        command.arg(absolute(path)?);
    }
    let status = command.status().with_context(|| {
        format!(
            "cannot start `{}` for the Spark job: install Python 3 with `pip install \
             'pyspark[connect]==4.3.0'` and Java 17, or name the interpreter with --python",
            target.python
        )
    })?;
    anyhow::ensure!(
        status.success(),
        "the Spark job failed ({status}); its messages are above"
    );
    let json = out.join("kpis.json");
    let text = std::fs::read_to_string(&json)
        .with_context(|| format!("the Spark job wrote no {}", json.display()))?;
    print!("{text}");
    Ok(())
}

/// The job runs in another working directory: paths go to it whole.
fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path)
        .with_context(|| format!("{}: cannot resolve the path", path.display()))
}
