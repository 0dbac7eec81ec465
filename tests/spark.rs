//! `kpis --engine spark` on a real Spark: the KPIs, every breakdown and the per-minute
//! series equal the local engine's to 1e-9 (relative above magnitude 1, absolute below),
//! through a classic `local[2]` master and through a Spark Connect server started here.
//!
//! Needs Java 17 and `pip install 'pyspark[connect]==4.3.0'`; `.ci/run` installs them and
//! sets `STREAMLENS_SPARK=1`. Without it these tests say why they skip and pass, so the
//! README's plain `cargo test` never starts Java.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use streamlens_sessions::result::read_kpi_result;

const SAMPLE: &str = "sample_data/sessions.csv.gz";
const TOLERANCE: f64 = 1e-9;

fn enabled() -> bool {
    let on = std::env::var("STREAMLENS_SPARK").is_ok_and(|v| v == "1");
    if !on {
        eprintln!(
            "skipped: set STREAMLENS_SPARK=1 with Java 17 and pyspark 4.3 installed (.ci/run does)"
        );
    }
    on
}

fn streamlens(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_streamlens"))
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "streamlens {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every path where `a` and `b` differ: keys, nulls, lengths, or numbers beyond the tolerance.
fn differences(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let at = format!("{path}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => differences(p, q, &at, out),
                    _ => out.push(format!("{at}: only on one side")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                out.push(format!("{path}: {} items against {}", x.len(), y.len()));
            }
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (p, q) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if (p - q).abs() > TOLERANCE * p.abs().max(q.abs()).max(1.0) {
                out.push(format!("{path}: {p} against {q}"));
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: {a} against {b}")),
    }
}

/// Every dimension of the sample, breakdowns and minutes: the local engine's JSON.
const BY: &str = "customer_id,country,city,device,os,browser,player,cdn,isp";

fn local_answer() -> serde_json::Value {
    let out = streamlens(&["kpis", SAMPLE, "--by", BY, "--minutes", "--json"]);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_same_as_local(spark: &[u8]) {
    let spark: serde_json::Value = serde_json::from_slice(spark).unwrap();
    let mut found = Vec::new();
    differences(&local_answer(), &spark, "", &mut found);
    assert!(
        found.is_empty(),
        "{} differences:\n{}",
        found.len(),
        found.join("\n")
    );
    assert!(spark["by"]["city"].as_object().is_some_and(|c| c.len() > 3));
    assert!(spark["minutes"].as_array().is_some_and(|m| m.len() > 60));
}

#[test]
fn spark_local_master_gives_the_local_engines_kpis() {
    if !enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spark");
    let run = streamlens(&[
        "kpis",
        SAMPLE,
        "--engine",
        "spark",
        "--spark-master",
        "local[2]",
        "--by",
        BY,
        "--minutes",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_same_as_local(&run.stdout);
    assert!(out.join("kpis.json").is_file());
    assert!(
        out.join("kpis.parquet").exists(),
        "the KPI table as Parquet"
    );
    assert!(
        out.join("minutes.parquet").exists(),
        "the per-minute table as Parquet"
    );
    // The window opens Spark's tables as it opens the local engine's: the same numbers.
    let local = dir.path().join("local");
    streamlens(&["kpis", SAMPLE, "--by", BY, "--out", local.to_str().unwrap()]);
    let tables = |at: &Path| {
        let a = read_kpi_result(at).unwrap_or_else(|e| panic!("{e}")).answer;
        let by: std::collections::BTreeMap<_, _> = a.breakdowns.into_iter().collect();
        serde_json::json!({ "kpis": a.kpis, "by": by, "minutes": a.minutes })
    };
    let (spark, mut local) = (tables(&out), tables(&local));
    // The sample spans more than the window's two-day series: the report folder leaves the
    // minutes out, `kpis --minutes` computes them all as Spark does.
    assert!(local["minutes"].is_null());
    local["minutes"] = local_answer()["minutes"].clone();
    let mut found = Vec::new();
    differences(&local, &spark, "", &mut found);
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(spark["minutes"].as_array().is_some_and(|m| m.len() > 60));
}

/// A Spark Connect server on a free loopback port, stopped when dropped.
struct ConnectServer {
    sbin: std::path::PathBuf,
    env: Vec<(String, String)>,
    port: u16,
}

impl ConnectServer {
    fn start(scratch: &Path) -> Self {
        let python = std::env::var("STREAMLENS_PYTHON").unwrap_or_else(|_| "python3".into());
        let home = Command::new(&python)
            .args([
                "-c",
                "import pyspark, os; print(os.path.dirname(pyspark.__file__))",
            ])
            .output()
            .expect("python runs");
        let home = String::from_utf8(home.stdout).unwrap().trim().to_string();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let env = vec![
            ("SPARK_HOME".to_string(), home.clone()),
            (
                "SPARK_LOG_DIR".to_string(),
                scratch.join("logs").display().to_string(),
            ),
            (
                "SPARK_PID_DIR".to_string(),
                scratch.join("pids").display().to_string(),
            ),
            ("SPARK_LOCAL_IP".to_string(), "127.0.0.1".to_string()),
        ];
        let sbin = Path::new(&home).join("sbin");
        let started = Command::new(sbin.join("start-connect-server.sh"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(["--master", "local[2]", "--conf"])
            .arg(format!("spark.connect.grpc.binding.port={port}"))
            .args(["--conf", "spark.connect.grpc.binding.address=127.0.0.1"])
            .output()
            .expect("start-connect-server.sh runs");
        assert!(
            started.status.success(),
            "{}",
            String::from_utf8_lossy(&started.stderr)
        );
        let server = Self { sbin, env, port };
        let since = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                since.elapsed() < Duration::from_secs(180),
                "the Connect server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
        server
    }
}

impl Drop for ConnectServer {
    fn drop(&mut self) {
        let _ = Command::new(self.sbin.join("stop-connect-server.sh"))
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output();
    }
}

#[test]
fn spark_connect_gives_the_local_engines_kpis() {
    if !enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = ConnectServer::start(dir.path());
    let url = format!("sc://127.0.0.1:{}", server.port);
    let run = streamlens(&[
        "kpis",
        SAMPLE,
        "--engine",
        "spark",
        "--spark-remote",
        &url,
        "--by",
        BY,
        "--minutes",
    ]);
    assert_same_as_local(&run.stdout);
}

#[test]
fn spark_refuses_local_only_options_with_the_reason() {
    // No Spark needed: the refusal comes before any job starts.
    let out = Command::new(env!("CARGO_BIN_EXE_streamlens"))
        .args([
            "kpis",
            SAMPLE,
            "--engine",
            "spark",
            "--only",
            "country=Sweden",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && text.contains("--only") && text.contains("local engine"),
        "{text}"
    );
}
