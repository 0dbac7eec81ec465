//! Player-event files (CSV, gzip CSV, JSON Lines, Parquet) and CDN Edgecast JSON Lines
//! (plain or gzip), as `streamlens kpis` and `streamlens cdn` read them; the CDN records are
//! also summarised, as both commands do next.

use streamlens_sessions::{cdn_report, read_cdn_records, read_player_events};

use super::telemetry::to_parquet;
use super::{ReadFn, text, variant};
use crate::seeds::{gunzip, gzip, head, repo, shared_dir};

const JSON_LINES: &[u8] = b"{\"ts\": 1700000000, \"session_id\": \"s1\", \"viewer_id\": 7, \"event_id\": \"e1\", \"event_type\": \"request\", \"cdn\": \"A\"}
{\"ts\": 1700000002, \"session_id\": \"s1\", \"viewer_id\": 7, \"event_id\": \"e1\", \"event_type\": \"start\", \"bitrate_kbps\": 2500}
{\"ts\": 1700000009.5, \"session_id\": \"s1\", \"viewer_id\": 7, \"event_id\": \"e1\", \"event_type\": \"error\", \"error_code\": \"E42\"}
not json
";

pub(super) fn player_events() -> (Vec<Vec<u8>>, ReadFn) {
    let csv = repo("sample_data/sessions.csv.gz")
        .map(|gz| head(&gunzip(&gz, 1 << 20), 120))
        .unwrap_or_default();
    let mut seeds = vec![JSON_LINES.to_vec(), gzip(&csv)];
    seeds.extend(to_parquet(&head(&csv, 40)));
    seeds.push(csv);
    let read = |bytes: &[u8]| {
        let strict = variant(bytes) & 1 == 1;
        text(read_player_events("fuzz-events", bytes, strict)).map(|_| ())
    };
    (seeds, Box::new(read))
}

pub(super) fn cdn(shared: bool) -> (Vec<Vec<u8>>, ReadFn) {
    let jsonl = repo("sample_data/cdn.jsonl.gz")
        .map(|gz| head(&gunzip(&gz, 1 << 20), 60))
        .unwrap_or_default();
    let mut seeds = vec![gzip(&head(&jsonl, 10)), jsonl];
    if shared {
        seeds.extend(
            shared_dir("video-streaming-analytics", &[".json"])
                .iter()
                .map(|t| head(t, 200)),
        );
    }
    let read = |bytes: &[u8]| {
        let strict = variant(bytes) & 1 == 1;
        let (requests, report) = text(read_cdn_records("fuzz-cdn", bytes, strict))?;
        let _ = cdn_report(&requests, report);
        Ok(())
    };
    (seeds, Box::new(read))
}
