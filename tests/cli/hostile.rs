//! The hostile-input corpus: every reader on files a customer might produce by accident —
//! `tests/hostile/` (small files, written by `scripts/make_hostile_corpus.py`) plus big and
//! special inputs made here. Each case asserts its exact outcome (loads, with which rows
//! dropped and why, or fails with a message naming file, row and column), that the process
//! answers within a minute (a debug build), that its message stays short, and that its peak
//! memory stays bounded.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{bin, root, run_ok, sample};
use cases::*;

#[path = "hostile_cases.rs"]
mod cases;

/// How a case ends: success or failure, and parts of what it prints (stdout and stderr).
pub enum Outcome {
    Loads(&'static [&'static str]),
    Fails(&'static [&'static str]),
}
use Outcome::{Fails, Loads};

/// Inputs made here: too big to commit, derived from a freshly written model, or not files.
fn made_cases(dir: &Path, fixtures: &Fixtures) -> Vec<(&'static [&'static str], PathBuf, Outcome)> {
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let header = "timestamp,customer_id,event_id,viewer_id,city_id,country_id,viewer_type,qoe,engagement,buffer_ms";
    let columns: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let wide = format!("{}\n{}\n", columns.join(","), vec!["0.5"; 10_000].join(","));
    let long_row = format!(
        "{header}\n1709550905995,7,1001,1,71,12,WFO,0.9,0.5,0\n1709550906000,7,1001,2,71,12,WFO,{},0.5,0\n",
        "9".repeat(1 << 20)
    );
    let event_model = std::fs::read_to_string(&fixtures.event_model).unwrap();
    let traffic_model = std::fs::read_to_string(&fixtures.traffic_model).unwrap();
    let spaces = vec![b' '; 100 << 20];
    let nul = vec![0u8; 2 << 20];
    let folder = dir.join("a-folder");
    std::fs::create_dir_all(&folder).unwrap();
    let looped = dir.join("loop");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    vec![
        (
            TELEMETRY,
            write("wide.csv", wide.as_bytes()),
            Fails(&["Columns found: c0, c1, c2", "… (68888 characters in all)"]),
        ),
        (
            TELEMETRY,
            write("long_row.csv", long_row.as_bytes()),
            Loads(&["\"rows\": 1,", "row 3, column `qoe`"]),
        ),
        (
            TELEMETRY,
            write("nul.csv", &nul),
            Fails(&["it is binary, not CSV text"]),
        ),
        (
            TELEMETRY,
            folder.clone(),
            Fails(&["a-folder: cannot read the file"]),
        ),
        (
            TELEMETRY,
            dir.join("missing.csv"),
            Fails(&["missing.csv", "No such file"]),
        ),
        (
            TELEMETRY,
            looped.clone(),
            Fails(&["Too many levels of symbolic links"]),
        ),
        (
            TABLE,
            write("wide_table.csv", wide.as_bytes()),
            Fails(&["column `a` not found", "characters in all"]),
        ),
        (
            TABLE,
            write("spaces_table.csv", &spaces),
            Fails(&["the file is empty"]),
        ),
        (LABELS, folder.clone(), Fails(&["is a folder, not a file"])),
        (
            EVENT_MODEL,
            write(
                "event_model_half.json",
                &event_model.as_bytes()[..event_model.len() / 2],
            ),
            Fails(&["event_model_half.json: not JSON (EOF while parsing"]),
        ),
        (
            EVENT_MODEL,
            write(
                "event_model_v9.json",
                event_model
                    .replace("streamlens-event-model/1", "streamlens-event-model/9")
                    .as_bytes(),
            ),
            Fails(&["format `streamlens-event-model/9`, expected `streamlens-event-model/1`"]),
        ),
        (
            EVENT_MODEL,
            write(
                "event_model_1e999.json",
                event_model
                    .replacen("\"threshold\":", "\"threshold\": 1e999, \"x\":", 1)
                    .as_bytes(),
            ),
            Fails(&["not JSON (number out of range"]),
        ),
        (
            EVENT_MODEL,
            write(
                "event_model_foreign.json",
                br#"{"name": "foo", "values": [1, 2, 3]}"#,
            ),
            Fails(&["not a streamlens event model"]),
        ),
        (
            EVENT_MODEL,
            write("event_model_spaces.json", &spaces),
            Fails(&["not JSON (EOF while parsing a value"]),
        ),
        (
            EVENT_MODEL,
            write("event_model_nul.json", &nul),
            Fails(&["has NUL bytes"]),
        ),
        (
            TRAFFIC_MODEL,
            write(
                "traffic_model_half.json",
                &traffic_model.as_bytes()[..traffic_model.len() / 2],
            ),
            Fails(&["traffic_model_half.json is not a traffic model: EOF while parsing"]),
        ),
        (
            TRAFFIC_MODEL,
            write("traffic_model_foreign.json", b"[1, 2, 3]"),
            Fails(&["is not a traffic model"]),
        ),
        (
            TRAFFIC_MODEL,
            write("traffic_model_spaces.json", &spaces),
            Fails(&["is not a traffic model: EOF while parsing a value"]),
        ),
        (
            CAPTURE,
            write("capture_spaces.csv", &spaces),
            Fails(&["not a network-stats capture", "characters in all"]),
        ),
        (
            CAPTURE,
            write("capture_wide.csv", wide.as_bytes()),
            Fails(&["column `Time` not found", "characters in all"]),
        ),
        (
            PLAYER_EVENTS,
            write("events_nul.csv", &nul),
            Fails(&["has NUL bytes"]),
        ),
        (
            PLAYER_EVENTS,
            write("events_wide.csv", wide.as_bytes()),
            Fails(&["no `ts` column", "characters in all"]),
        ),
        (CDN, write("cdn_nul.jsonl", &nul), Fails(&["has NUL bytes"])),
        (CDN, folder.clone(), Fails(&["is a folder, not a file"])),
        (
            TRACE,
            write("trace_nul.txt", &nul),
            Fails(&["has NUL bytes"]),
        ),
        (
            TRACE,
            write("trace_wide.txt", wide.as_bytes()),
            Fails(&["column 1 (time) is", "characters in all"]),
        ),
        (MANIFEST, folder, Fails(&["not a regular file"])),
    ]
}

/// Files the readers' commands need beside the case: written once per test run.
struct Fixtures {
    _dir: tempfile::TempDir,
    traffic_model: PathBuf,
    capture: PathBuf,
    event_model: PathBuf,
    manifest: PathBuf,
    trace: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name);
        let s = |path: &Path| path.to_str().unwrap().to_string();
        run_ok(&[
            "traffic",
            "generate",
            "--out",
            &s(&p("caps")),
            "--seed",
            "3",
            "--captures",
            "4",
            "--duration-s",
            "60",
        ]);
        run_ok(&[
            "traffic",
            "train",
            &s(&p("caps")),
            "--out",
            &s(&p("traffic-model.json")),
        ]);
        run_ok(&[
            "detect-events",
            &s(&sample()),
            "--out",
            &s(&p("events")),
            "--save-model",
            &s(&p("event-model.json")),
        ]);
        run_ok(&["abr", "generate", "--out", &s(&p("abr")), "--seed", "1"]);
        let trace = std::fs::read_dir(p("abr/traces"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .min()
            .unwrap();
        Fixtures {
            traffic_model: p("traffic-model.json"),
            capture: p("caps/synth-live-00.csv"),
            event_model: p("event-model.json"),
            manifest: p("abr/manifest.json"),
            trace,
            _dir: dir,
        }
    })
}

/// Longest a case may take (a debug build, two cores, other tests beside it).
const DEADLINE: Duration = Duration::from_secs(90);
/// Most resident memory a case may reach: the inputs here are at most 100 MB.
const MAX_PEAK_BYTES: u64 = 700 << 20;
/// Longest message a case may print on stderr.
const MAX_STDERR_BYTES: usize = 2_500;

/// Runs `args` and checks `outcome`, the deadline, the message length and the peak memory.
fn check(args: &[&str], input: &Path, outcome: &Outcome, out_dir: &Path) {
    let f = fixtures();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let args: Vec<String> = args
        .iter()
        .map(|a| match *a {
            "{file}" => s(input),
            "{out}" => s(out_dir),
            "{sample}" => s(&sample()),
            "{tmodel}" => s(&f.traffic_model),
            "{capture}" => s(&f.capture),
            "{manifest}" => s(&f.manifest),
            "{trace}" => s(&f.trace),
            other => other.to_string(),
        })
        .collect();
    let (status, stdout, stderr, peak) = run_watched(&args);
    let case = format!("{args:?}");
    let text = format!("{stdout}\n{stderr}");
    let (want_ok, parts) = match outcome {
        Loads(parts) => (true, parts),
        Fails(parts) => (false, parts),
    };
    assert_eq!(
        status == Some(0),
        want_ok,
        "{case}: exit {status:?}\n{text}"
    );
    if !want_ok {
        assert_eq!(
            status,
            Some(1),
            "{case}: a failure exits 1, not a crash\n{text}"
        );
    }
    for part in *parts {
        assert!(text.contains(part), "{case}: `{part}` not in\n{text}");
    }
    assert!(!text.contains("panicked"), "{case}: {text}");
    assert!(
        stderr.len() <= MAX_STDERR_BYTES,
        "{case}: {} bytes of message",
        stderr.len()
    );
    if let Some(peak) = peak {
        assert!(peak <= MAX_PEAK_BYTES, "{case}: peak {} MiB", peak >> 20);
    }
}

/// Exit code, stdout, stderr and peak resident memory (Linux: the last `VmHWM` seen while
/// polling) of the binary run with `args`, killed at [`DEADLINE`].
fn run_watched(args: &[String]) -> (Option<i32>, String, String, Option<u64>) {
    let mut child = Command::new(bin().get_program())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status_file = format!("/proc/{}/status", child.id());
    let started = Instant::now();
    let mut peak = None;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = Some(kb << 10);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            child.kill().unwrap();
            panic!("{args:?} still running after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (
        status.code(),
        out.join().unwrap(),
        err.join().unwrap(),
        peak,
    )
}

#[test]
fn the_committed_hostile_files_get_their_exact_outcome() {
    let out = tempfile::tempdir().unwrap();
    for (i, (args, file, outcome)) in FILE_CASES.iter().enumerate() {
        let input = root().join("tests/hostile").join(file);
        assert!(input.exists(), "{file}: run scripts/make_hostile_corpus.py");
        check(args, &input, outcome, &out.path().join(i.to_string()));
    }
}

#[test]
fn big_derived_and_special_inputs_get_their_exact_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let cases = made_cases(dir.path(), fixtures());
    for (i, (args, input, outcome)) in cases.iter().enumerate() {
        check(args, input, outcome, &dir.path().join(format!("out{i}")));
    }
    // Every reader's command is used, at least sixty cases in all.
    let readers: std::collections::HashSet<String> = FILE_CASES
        .iter()
        .map(|c| c.0.join(" "))
        .chain(cases.iter().map(|c| c.0.join(" ")))
        .collect();
    assert_eq!(readers.len(), 11);
    assert!(FILE_CASES.len() + cases.len() >= 60);
}
