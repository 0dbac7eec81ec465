//! `streamlens-fuzz`: the long fuzzing run. With one reader it fuzzes that reader in this
//! process; with several (or none: all) it starts one process per reader, in parallel, so an
//! abort or a runaway allocation ends only that reader's run, and it prints a table.
//!
//! ```text
//! streamlens-fuzz [--secs N] [--iterations N] [--seed S] [--out DIR] [--no-shared] [READER…]
//! streamlens-fuzz --replay FILE READER     # one input, once: its outcome, a panic's location
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use streamlens_fuzz::{Config, NAMES, Summary, fuzz, target};

struct Args {
    secs: u64,
    iterations: u64,
    seed: u64,
    out: PathBuf,
    shared: bool,
    readers: Vec<String>,
    replay: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        secs: 60,
        iterations: u64::MAX,
        seed: 1,
        out: PathBuf::from("target/fuzz"),
        shared: true,
        readers: Vec::new(),
        replay: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{v}: {e}"));
        match a.as_str() {
            "--secs" => args.secs = number(value("--secs")?)?,
            "--iterations" => args.iterations = number(value("--iterations")?)?,
            "--seed" => args.seed = number(value("--seed")?)?,
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--no-shared" => args.shared = false,
            "--replay" => args.replay = Some(PathBuf::from(value("--replay")?)),
            "--list" => args.readers.push("--list".into()),
            r if NAMES.contains(&r) => args.readers.push(a),
            "all" => args.readers.extend(NAMES.iter().map(|n| (*n).to_string())),
            _ => {
                return Err(format!(
                    "unknown argument `{a}`; readers: {}",
                    NAMES.join(", ")
                ));
            }
        }
    }
    if args.readers.is_empty() {
        args.readers = NAMES.iter().map(|n| (*n).to_string()).collect();
    }
    Ok(args)
}

fn summary_json(s: &Summary) -> serde_json::Value {
    serde_json::json!({
        "reader": s.target,
        "seed": s.seed,
        "iterations": s.iterations,
        "secs": s.elapsed.as_secs_f64(),
        "ok": s.ok,
        "errors": s.errors,
        "distinct_errors": s.distinct_errors,
        "corpus": s.corpus,
        "top_errors": s.top_errors,
        "crashes": s.crash_count(),
        "distinct_crashes": s.crashes.iter().map(|c| format!("iteration {} (x{}): {}", c.iteration, c.count, c.message)).collect::<Vec<_>>(),
        "slowest_ms": s.slowest.as_secs_f64() * 1000.0,
        "slowest_iteration": s.slowest_iteration,
        "notes": s.notes,
    })
}

/// Fuzzes one reader here; prints its summary as one JSON line.
fn run_one(name: &str, args: &Args) -> ExitCode {
    let Some(t) = target(name, args.shared) else {
        eprintln!("unknown reader {name}");
        return ExitCode::FAILURE;
    };
    let _ = std::fs::create_dir_all(&args.out);
    let config = Config {
        seed: args.seed,
        max_iterations: args.iterations,
        duration: Some(Duration::from_secs(args.secs)),
        save_dir: Some(args.out.clone()),
        last_input: Some(args.out.join(format!("{name}.last"))),
        memory: true,
    };
    eprintln!("{name}: {} seeds, {} s", t.seeds.len(), args.secs);
    let s = fuzz(&t, &config);
    println!("{}", summary_json(&s));
    ExitCode::SUCCESS
}

/// One child process per reader; a child that dies leaves its last input behind.
fn run_many(args: &Args) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot find this program: {e}");
            return ExitCode::FAILURE;
        }
    };
    let children: Vec<_> = args
        .readers
        .iter()
        .map(|r| {
            let child = Command::new(&exe)
                .args([
                    "--secs",
                    &args.secs.to_string(),
                    "--seed",
                    &args.seed.to_string(),
                ])
                .args(["--iterations", &args.iterations.to_string()])
                .arg("--out")
                .arg(&args.out)
                .args((!args.shared).then_some("--no-shared"))
                .arg(r)
                .stdout(Stdio::piped())
                .spawn();
            (r.clone(), child)
        })
        .collect();
    let mut rows = vec![
        "| reader | iterations | duration | errors (distinct kinds) | crashes | slowest call | notes |".to_string(),
        "|---|---:|---:|---:|---:|---:|---|".to_string(),
    ];
    let mut crashed = false;
    for (reader, child) in children {
        let output = child.and_then(std::process::Child::wait_with_output);
        let row = match output {
            Ok(o) if o.status.success() => {
                let line = String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .to_string();
                let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                crashed |= v["crashes"].as_u64() != Some(0);
                println!("{line}");
                table_row(&v)
            }
            Ok(o) => {
                crashed = true;
                let kept = keep_last_input(&args.out, &reader);
                format!(
                    "| {reader} | ? | ? | ? | process died ({}); input kept as {kept} | | |",
                    o.status
                )
            }
            Err(e) => {
                crashed = true;
                format!("| {reader} | | | | cannot start: {e} | | |")
            }
        };
        rows.push(row);
    }
    let table = rows.join("\n");
    println!("\n{table}");
    let _ = std::fs::write(args.out.join("summary.md"), table + "\n");
    if crashed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn table_row(v: &serde_json::Value) -> String {
    let crashes = v["distinct_crashes"]
        .as_array()
        .map_or_else(String::new, |c| {
            c.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        });
    let notes = v["notes"].as_array().map_or_else(String::new, |c| {
        c.iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    });
    format!(
        "| {} | {} | {:.0} s | {} ({}) | {} {crashes} | {:.0} ms | {notes} |",
        v["reader"].as_str().unwrap_or("?"),
        v["iterations"],
        v["secs"].as_f64().unwrap_or(0.0),
        v["errors"],
        v["distinct_errors"],
        v["crashes"],
        v["slowest_ms"].as_f64().unwrap_or(0.0),
    )
}

fn keep_last_input(out: &Path, reader: &str) -> String {
    let kept = out.join(format!("{reader}-abort.bin"));
    match std::fs::copy(out.join(format!("{reader}.last")), &kept) {
        Ok(_) => kept.display().to_string(),
        Err(_) => "(none)".into(),
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if args.readers.iter().any(|r| r == "--list") {
        println!("{}", NAMES.join("\n"));
        return ExitCode::SUCCESS;
    }
    match (args.readers.as_slice(), &args.replay) {
        ([one], Some(file)) => replay(one, file),
        (_, Some(_)) => {
            eprintln!("--replay needs exactly one reader");
            ExitCode::FAILURE
        }
        ([one], None) => run_one(one, &args),
        _ => run_many(&args),
    }
}

/// Reads `file` with reader `name` once and says what happened.
fn replay(name: &str, file: &Path) -> ExitCode {
    let (Some(t), Ok(bytes)) = (target(name, false), std::fs::read(file)) else {
        eprintln!("unknown reader {name} or unreadable {}", file.display());
        return ExitCode::FAILURE;
    };
    let _guard = streamlens_fuzz::panics::Guard::enter();
    match streamlens_fuzz::panics::catch(|| (t.read)(&bytes)) {
        Ok(Ok(())) => println!("read"),
        Ok(Err(message)) => println!("refused: {message}"),
        Err(panic) => {
            println!("PANIC: {panic}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
