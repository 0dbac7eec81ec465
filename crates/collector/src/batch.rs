//! One POST body turned into a batch the write-ahead log stores: gunzipped, a JSON array
//! turned into JSON Lines, and every event checked against the KPI schema by the same
//! reader `streamlens kpis` uses (strict: one bad event refuses the whole batch).

use std::io::Read;

use streamlens_sessions::{ReadError, read_player_events};

/// The largest body, after gunzip, that one request may carry.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// A checked batch: the events as JSON Lines, one object per line, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub lines: Vec<u8>,
    pub events: usize,
}

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Over [`MAX_BODY_BYTES`] once unzipped (HTTP 413).
    TooLarge { bytes: usize },
    /// Not gzip, JSON, or events in the schema (HTTP 400): what to fix.
    Invalid(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooLarge { bytes } => write!(
                f,
                "the batch is larger than {MAX_BODY_BYTES} bytes unzipped (at least {bytes}); send fewer events per request"
            ),
            Self::Invalid(why) => f.write_str(why),
        }
    }
}

/// Checks `body` (JSON Lines or a JSON array of event objects, plain or gzip — told by its
/// first bytes, whatever the headers say) and returns it as JSON Lines.
///
/// # Errors
/// [`Refusal`] saying what is wrong and where: for JSON Lines the line, for an array the
/// element (both counted from 1), and the field.
pub fn check(body: &[u8]) -> Result<Batch, Refusal> {
    let plain = gunzip(body)?;
    let text = std::str::from_utf8(&plain)
        .map_err(|e| Refusal::Invalid(format!("the body is not UTF-8 text: {e}")))?;
    let lines = if text.trim_start().starts_with('[') {
        array_to_lines(text)?
    } else {
        text.as_bytes().to_vec()
    };
    if lines.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::Invalid(
            "the body holds no events: send JSON Lines or a JSON array of events".into(),
        ));
    }
    let log =
        read_player_events("batch", &lines, true).map_err(|e| Refusal::Invalid(explain(&e)))?;
    Ok(Batch {
        events: log.events.len(),
        lines,
    })
}

fn gunzip(body: &[u8]) -> Result<Vec<u8>, Refusal> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        if body.len() > MAX_BODY_BYTES {
            return Err(Refusal::TooLarge { bytes: body.len() });
        }
        return Ok(body.to_vec());
    }
    let mut out = Vec::new();
    let limit = MAX_BODY_BYTES as u64 + 1;
    flate2::read::MultiGzDecoder::new(body)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| Refusal::Invalid(format!("the gzip body cannot be unpacked: {e}")))?;
    if out.len() > MAX_BODY_BYTES {
        return Err(Refusal::TooLarge { bytes: out.len() });
    }
    Ok(out)
}

/// A JSON array of objects as JSON Lines (element N becomes line N).
fn array_to_lines(text: &str) -> Result<Vec<u8>, Refusal> {
    let items: Vec<serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| Refusal::Invalid(format!("the body is not a JSON array of events: {e}")))?;
    let mut lines = Vec::with_capacity(text.len());
    for (i, item) in items.iter().enumerate() {
        if !item.is_object() {
            return Err(Refusal::Invalid(format!(
                "element {} of the array is not an event object (found {})",
                i + 1,
                kind_of(item)
            )));
        }
        serde_json::to_writer(&mut lines, item).map_err(|e| Refusal::Invalid(e.to_string()))?;
        lines.push(b'\n');
    }
    Ok(lines)
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The reader's message, which names the row (line or element) and the column.
fn explain(error: &ReadError) -> String {
    format!("{error} (nothing of this batch was stored; fix it and send it again)")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = concat!(
        r#"{"ts": 1733400000000, "session_id": "s1", "viewer_id": "v1", "event_id": "w1", "event_type": "request", "city": "Oslo"}"#,
        "\n",
        r#"{"ts": 1733400001000, "session_id": "s1", "viewer_id": "v1", "event_id": "w1", "event_type": "start", "bitrate_kbps": 3000}"#,
        "\n"
    );

    #[test]
    fn json_lines_pass_and_count() {
        let batch = check(GOOD.as_bytes()).unwrap();
        assert_eq!(batch.events, 2);
        assert_eq!(batch.lines, GOOD.as_bytes());
    }

    #[test]
    fn an_array_becomes_lines_and_gzip_is_unpacked() {
        let array = format!("[{}]", GOOD.trim_end().replace('\n', ","));
        let mut zipped = Vec::new();
        let mut encoder = flate2::write::GzEncoder::new(&mut zipped, flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, array.as_bytes()).unwrap();
        encoder.finish().unwrap();
        let batch = check(&zipped).unwrap();
        assert_eq!(batch.events, 2);
        assert_eq!(String::from_utf8(batch.lines).unwrap().lines().count(), 2);
    }

    #[test]
    fn a_bad_event_refuses_the_batch_and_says_where() {
        let bad = format!(
            "{GOOD}{}\n",
            r#"{"ts": 1733400002000, "session_id": "s1", "viewer_id": "v1", "event_id": "w1", "event_type": "teleport"}"#
        );
        let Err(Refusal::Invalid(why)) = check(bad.as_bytes()) else {
            panic!("accepted");
        };
        assert!(why.contains('3') && why.contains("event_type"), "{why}");
        let Err(Refusal::Invalid(why)) = check(b"[1, 2]") else {
            panic!("accepted");
        };
        assert!(why.contains("element 1"), "{why}");
        assert!(matches!(check(b"  \n"), Err(Refusal::Invalid(_))));
        assert!(matches!(
            check(b"\x1f\x8bnot gzip"),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn a_gzip_bomb_is_too_large_not_unpacked_whole() {
        let mut zipped = Vec::new();
        let mut encoder = flate2::write::GzEncoder::new(&mut zipped, flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, &vec![b' '; MAX_BODY_BYTES + 10]).unwrap();
        encoder.finish().unwrap();
        assert!(zipped.len() < 1 << 20);
        assert!(matches!(check(&zipped), Err(Refusal::TooLarge { .. })));
    }
}
