//! `streamlens kpis` on a tiny player log whose answers are worked out by hand.

use super::{run, run_ok};

/// Three views of two viewers and one session without a request (times in ms since
/// 1700000000000 = 2023-11-14T22:13:20Z).
const EVENTS: &str = "\
ts,session_id,viewer_id,event_id,event_type,bitrate_kbps,country
1700000000000,a,v7,w1,request,,SE
1700000001000,a,v7,w1,start,2000,SE
1700000030000,a,v7,w1,stall_start,,SE
1700000036000,a,v7,w1,stall_end,,SE
1700000060000,a,v7,w1,end,,SE
1700000061000,b,v7,w1,request,,NO
1700000064000,b,v7,w1,start,4000,NO
1700000181000,b,v7,w1,end,,NO
1700000010000,c,v9,w2,request,,SE
1700000020000,c,v9,w2,error,,SE
1700000005000,d,v9,w2,heartbeat,,SE
";

fn kpis_json(files: &[&std::path::Path], extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["kpis"];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    args.extend_from_slice(extra);
    args.push("--json");
    serde_json::from_slice(&run_ok(&args).stdout).expect("JSON")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn kpis_of_a_tiny_log_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "p.csv", EVENTS);
    let k = kpis_json(&[&file], &["--by", "country"]);
    assert_eq!(k["views"], 3);
    assert_eq!(k["sessions_without_request"], 1);
    assert_eq!(k["unique_viewers"], 2);
    assert_eq!(k["failure_share"].as_f64(), Some(1.0 / 3.0));
    assert_eq!(k["vsf_share"].as_f64(), Some(1.0 / 3.0));
    assert_eq!(k["startup_ms"]["p50"].as_f64(), Some(2000.0));
    assert_eq!(k["watch_time_s"].as_f64(), Some(190.0));
    assert_eq!(k["rebuffer_share"].as_f64(), Some(6.0 / 180.0));
    // 53 s at 2000 kbps (1 s → 60 s less the 6 s stall) and 117 s at 4000 kbps.
    let expected = (2000.0 * 53_000.0 + 4000.0 * 117_000.0) / 170_000.0;
    assert!((k["mean_bitrate_kbps"].as_f64().unwrap() - expected).abs() < 1e-9);
    assert_eq!(k["peak_concurrent_views"], 2);
    assert_eq!(k["peak_minute_ms"], 1_699_999_980_000_i64);
    // A view takes its first request's country: a and c in SE, b in NO.
    assert_eq!(k["by"]["country"]["SE"]["views"], 2);
    assert_eq!(k["by"]["country"]["NO"]["views"], 1);
    assert_eq!(
        k["by"]["country"]["NO"]["startup_ms"]["mean"].as_f64(),
        Some(3000.0)
    );
    // One event only.
    let w2 = kpis_json(&[&file], &["--event", "w2"]);
    assert_eq!(
        (w2["views"].as_u64(), w2["failure_share"].as_f64()),
        (Some(1), Some(1.0))
    );
}

#[test]
fn two_files_read_as_one_log() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<&str> = EVENTS.lines().collect();
    let first = write(&dir, "a.csv", &(lines[..5].join("\n") + "\n"));
    let second = write(
        &dir,
        "b.csv",
        &(format!("{}\n{}\n", lines[0], lines[5..].join("\n"))),
    );
    let whole = write(&dir, "p.csv", EVENTS);
    let split = kpis_json(&[&first, &second], &["--by", "country"]);
    assert_eq!(split, kpis_json(&[&whole], &["--by", "country"]));
}

#[test]
fn bad_input_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        &dir,
        "p.csv",
        &format!("{EVENTS}1700000070000,a,v7,w1,rewind,,SE\n"),
    );
    let out = run(&["kpis", file.to_str().unwrap(), "--strict"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 13, column `event_type`"), "{err}");
    assert!(err.contains("found `rewind`"), "{err}");
    let out = run(&["kpis", file.to_str().unwrap(), "--by", "device"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no dimension `device`; the file has: country"),
        "{err}"
    );
    let text = run_ok(&["kpis", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&text.stderr).contains("1 row dropped"));
    assert!(String::from_utf8_lossy(&text.stdout).contains("views: 3"));
}

/// Views requested in the first minute (a, c) against the later ones (b).
const FIRST_MINUTE_AGAINST_THE_REST: [&str; 6] = [
    "--to",
    "1700000059999",
    "--compare-from",
    "1700000060000",
    "--compare-to",
    "1800000000000",
];

#[test]
fn two_periods_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "p.csv", EVENTS);
    // First: views requested in the first minute (a, c); second: view b.
    let k = kpis_json(
        &[&file],
        &[
            "--to",
            "1700000059999",
            "--compare-from",
            "1700000060000",
            "--compare-to",
            "2024-01-01T00:00:00Z",
        ],
    );
    assert_eq!(k["views"], 2);
    let failure = &k["compare"]["failure_share"];
    assert_eq!(failure["first"].as_f64(), Some(0.5));
    assert_eq!(failure["second"].as_f64(), Some(0.0));
    assert_eq!(failure["test"], "two_proportion_z");
    // Pooled 1/3: z = 0.5 / √(1/3 · 2/3 · 3/2), p = erfc(z / √2).
    assert!((failure["p_value"].as_f64().unwrap() - 0.386_476_230_771_232_8).abs() < 1e-12);
    assert_eq!(k["compare"]["views"]["difference"].as_f64(), Some(-1.0));
    let mut args = vec!["kpis", file.to_str().unwrap()];
    args.extend(FIRST_MINUTE_AGAINST_THE_REST);
    let text = run_ok(&args);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.contains("the filter compared with 1700000060000 to 1800000000000"),
        "{stdout}"
    );
}

#[test]
fn two_files_side_by_side_equal_the_same_views_as_two_periods() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "p.csv", EVENTS);
    // This week: views a and c (and session d); last week: view b.
    let header = EVENTS.lines().next().unwrap();
    let of = |sessions: &[&str]| -> String {
        let rows = EVENTS.lines().skip(1).filter(|l| {
            let session = l.split(',').nth(1).unwrap();
            sessions.contains(&session)
        });
        std::iter::once(header)
            .chain(rows)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    };
    let this_week = write(&dir, "this.csv", &of(&["a", "c", "d"]));
    let last_week = write(&dir, "last.csv", &of(&["b"]));
    let files = kpis_json(
        &[&this_week],
        &["--compare-files", last_week.to_str().unwrap()],
    );
    let periods = kpis_json(&[&file], &FIRST_MINUTE_AGAINST_THE_REST);
    assert_eq!(files["compare"], periods["compare"]);
    assert_eq!(
        files["compare"]["failure_share"]["first"].as_f64(),
        Some(0.5)
    );
    let text = run_ok(&[
        "kpis",
        this_week.to_str().unwrap(),
        "--compare-files",
        last_week.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("this.csv compared with"), "{stdout}");
    assert!(stdout.contains("last.csv (second − first)"), "{stdout}");
    // Periods and files do not mix.
    let out = run(&[
        "kpis",
        this_week.to_str().unwrap(),
        "--compare-files",
        last_week.to_str().unwrap(),
        "--compare-from",
        "1",
        "--compare-to",
        "2",
    ]);
    assert!(!out.status.success());
}

#[test]
fn minutes_series() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "p.csv", EVENTS);
    let k = kpis_json(&[&file], &["--minutes"]);
    let minutes = k["minutes"].as_array().unwrap();
    // From the minute of the first request (…980 000) to that of the last event (+181 s).
    assert_eq!(minutes.len(), 4);
    assert_eq!(minutes[0]["minute_ms"], 1_699_999_980_000_i64);
    let concurrent: Vec<u64> = minutes
        .iter()
        .map(|m| m["concurrent_views"].as_u64().unwrap())
        .collect();
    assert_eq!(concurrent, [2, 2, 1, 1]);
    assert_eq!(minutes[0]["failures"], 1);
    let text = run_ok(&["kpis", file.to_str().unwrap(), "--minutes"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("2023-11-14T22:13:00Z"));
}

#[test]
fn cdn_quality_of_service() {
    let dir = tempfile::tempdir().unwrap();
    let records = "\
{\"timestamp\": 1700000000.5, \"pop\": \"ARN\", \"status_code\": 200, \"write_time\": 0.1, \"bytes_out\": 1000, \"cache_status\": \"TCP_HIT\"}
{\"timestamp\": 1700000010, \"pop\": \"ARN\", \"status_code\": 404, \"write_time\": 0.3, \"bytes_out\": 200, \"cache_status\": \"TCP_MISS\"}
{\"timestamp\": 1700000070, \"pop\": \"OSL\", \"status_code\": 304, \"write_time\": 0.0, \"bytes_out\": 0}
";
    let file = write(&dir, "c.jsonl", records);
    let out = run_ok(&["cdn", file.to_str().unwrap(), "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["requests"], 3);
    assert_eq!(json["error_share"].as_f64(), Some(1.0 / 3.0));
    assert_eq!(json["non_2xx_share"].as_f64(), Some(2.0 / 3.0));
    assert_eq!(json["by_pop"]["ARN"]["cache_hit_share"].as_f64(), Some(0.5));
    // 1200 bytes · 8 over 0.4 s.
    assert!((json["throughput_bps"].as_f64().unwrap() - 24_000.0).abs() < 1e-9);
    assert_eq!(json["minutes"]["1700000040000"]["OSL"]["requests"], 1);
    let text = run_ok(&["cdn", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("ARN"));
    let bad = write(&dir, "b.jsonl", "{\"timestamp\": 1, \"status_code\": 99}\n");
    let out = run(&["cdn", bad.to_str().unwrap(), "--strict"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 1, column `status_code`"));
}

#[test]
fn only_keeps_the_views_whose_first_request_carries_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "p.csv", EVENTS);
    // Views a and c start in SE, b in NO.
    let se = kpis_json(&[&file], &["--only", "country=SE"]);
    assert_eq!(se["views"], 2);
    let both = kpis_json(&[&file], &["--only", "country=SE", "--only", "country=NO"]);
    assert_eq!(both["views"], 3);
    let none = kpis_json(&[&file], &["--only", "country=DK"]);
    assert_eq!(none["views"], 0);
    let out = run(&["kpis", file.to_str().unwrap(), "--only", "device=phone"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no dimension `device`") && err.contains("country"),
        "{err}"
    );
    let out = run(&["kpis", file.to_str().unwrap(), "--only", "country"]);
    assert!(!out.status.success(), "a value is required");
}

#[test]
fn generated_sessions_make_a_report_folder_with_the_cdn_log() {
    let dir = tempfile::tempdir().unwrap();
    let beacons = dir.path().join("b.csv.gz");
    let cdn = dir.path().join("cdn.jsonl");
    let args = [
        "generate",
        "sessions",
        "--viewers",
        "200",
        "--minutes",
        "20",
        "--webcasts",
        "1",
        "--out",
        beacons.to_str().unwrap(),
        "--cdn",
        cdn.to_str().unwrap(),
    ];
    run_ok(&args);
    let first = std::fs::read(&beacons).unwrap();
    assert_eq!(&first[..2], b"\x1f\x8b", "gzip when the name ends in .gz");
    run_ok(&args);
    assert_eq!(
        std::fs::read(&beacons).unwrap(),
        first,
        "seeded: the same bytes"
    );
    let report = dir.path().join("report");
    let k = kpis_json(
        &[&beacons],
        &[
            "--by",
            "cdn",
            "--out",
            report.to_str().unwrap(),
            "--charts",
            "svg",
            "--cdn",
            cdn.to_str().unwrap(),
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("kpis.json")).unwrap()).unwrap();
    assert_eq!(json["kpis"]["views"], k["views"]);
    assert_eq!(
        json["by"]["cdn"]["Edgecast"]["views"],
        k["by"]["cdn"]["Edgecast"]["views"]
    );
    assert!(json["cdn"]["requests"].as_u64().unwrap() > 0);
    for file in [
        "report.html",
        "kpis.csv",
        "sessions_by_cdn.csv",
        "sessions_minutes.csv",
        "cdn_by_pop.csv",
        "sessions_concurrent_views.svg",
        "cdn_by_pop.svg",
        "kpis.parquet",
        "minutes.parquet",
    ] {
        assert!(report.join(file).exists(), "{file}");
    }
    // The result tables hold the numbers of the JSON.
    let result = streamlens_sessions::result::read_kpi_result(&report).unwrap();
    assert_eq!(Some(result.answer.kpis.views), k["views"].as_u64());
    let edgecast = &result.answer.breakdowns[0].1["Edgecast"];
    assert_eq!(
        Some(edgecast.views),
        k["by"]["cdn"]["Edgecast"]["views"].as_u64()
    );
    assert_eq!(
        result.answer.minutes.map(|m| m.len()),
        json["minutes"].as_array().map(Vec::len)
    );
}
