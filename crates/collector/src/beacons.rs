//! Player events of a file turned back into beacons (JSON Lines in the KPI schema) for
//! `streamlens beacons replay`: in time order, every event carrying its view's viewer,
//! webcast, customer and dimensions (as players send them), shifted by whole minutes so
//! the replay happens now and per-minute series keep their shape, and given fresh session
//! ids on every pass over the file so that repeated passes make new views, not duplicates.

use std::fmt::Write as _;

use streamlens_sessions::{NOT_KEPT, PlayerLog};

/// The events of one log, ready to be stamped and sent.
pub struct Beacons {
    /// Per event in time order: the JSON object's text after `"ts":<ms>,"session_id":"<id>`.
    tails: Vec<String>,
    /// Per event: its time offset from the first event, in ms.
    offsets_ms: Vec<i64>,
    /// Per event: its session id.
    sessions: Vec<String>,
    /// The first event's time (unix ms).
    first_ms: i64,
    /// Time from the first event to the last, in ms.
    span_ms: i64,
}

const MINUTE_MS: i64 = 60_000;

impl Beacons {
    /// Builds the beacons of `log`, ordered by time (ties in file order).
    #[must_use]
    pub fn of(log: &PlayerLog) -> Self {
        let events = &log.events;
        // A view's viewer and dimensions come from its first request; players repeat
        // them on every beacon, and so does the replay.
        let mut request_of = vec![usize::MAX; log.sessions.labels.len()];
        for (i, e) in events.iter().enumerate() {
            let slot = &mut request_of[e.session as usize];
            if *slot == usize::MAX && e.viewer != NOT_KEPT {
                *slot = i;
            }
        }
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by_key(|&i| events[i].ts_ms);
        let first = order.first().map_or(0, |&i| events[i].ts_ms);
        let last = order.last().map_or(0, |&i| events[i].ts_ms);
        let mut tails = Vec::with_capacity(order.len());
        let mut offsets_ms = Vec::with_capacity(order.len());
        let mut sessions = Vec::with_capacity(order.len());
        for &i in &order {
            let e = &events[i];
            let request = request_of[e.session as usize];
            let mut tail = String::with_capacity(200);
            let text = |s: &str| serde_json::Value::from(s).to_string();
            let viewer = (request != usize::MAX)
                .then(|| &log.viewers.labels[events[request].viewer as usize]);
            let _ = write!(
                tail,
                r#","viewer_id":{},"event_id":{},"event_type":"{}""#,
                text(viewer.map_or("unknown", String::as_str)),
                text(&log.webcasts.labels[log.webcast_of[i] as usize]),
                e.kind.name()
            );
            if let Some(kbps) = e.bitrate_kbps {
                let _ = write!(tail, r#","bitrate_kbps":{kbps}"#);
            }
            if request != usize::MAX {
                if let Some(customers) = &log.customers {
                    let code = log.customer_of[request];
                    if code != NOT_KEPT {
                        let _ = write!(
                            tail,
                            r#","customer_id":{}"#,
                            text(&customers.labels[code as usize])
                        );
                    }
                }
                for d in &log.dimensions {
                    let code = d.codes[request];
                    if code != NOT_KEPT {
                        let _ = write!(
                            tail,
                            ",{}:{}",
                            text(&d.name),
                            text(&d.labels.labels[code as usize])
                        );
                    }
                }
            }
            tail.push('}');
            tails.push(tail);
            offsets_ms.push(e.ts_ms - first);
            sessions.push(log.sessions.labels[e.session as usize].clone());
        }
        Self {
            tails,
            offsets_ms,
            sessions,
            first_ms: first,
            span_ms: last - first,
        }
    }

    /// Number of events in one pass.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tails.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tails.is_empty()
    }

    /// The `n`-th beacon of the endless replay as one JSON line (no newline): event
    /// `n mod len` of pass `n / len`. The first pass is moved by the whole minutes from the
    /// first event to `start_ms`; each later pass starts whole minutes after the one before
    /// ended (at least one minute), with session ids suffixed `~pass`.
    #[must_use]
    pub fn line(&self, n: usize, start_ms: i64) -> String {
        let (pass, i) = (n / self.len(), n % self.len());
        let passes_before = i64::try_from(pass).unwrap_or(i64::MAX / 2);
        let shift = (start_ms - self.first_ms).div_euclid(MINUTE_MS) * MINUTE_MS;
        let pass_ms = (self.span_ms / MINUTE_MS + 2) * MINUTE_MS;
        let ts = self.first_ms + shift + self.offsets_ms[i] + passes_before * pass_ms;
        let session = if pass == 0 {
            self.sessions[i].clone()
        } else {
            format!("{}~{pass}", self.sessions[i])
        };
        let session = serde_json::Value::from(session).to_string();
        format!(r#"{{"ts":{ts},"session_id":{session}{}"#, self.tails[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use streamlens_sessions::read_player_file;

    /// The events' first whole minute (unix ms).
    const BASE: i64 = 1_733_400_000_000;

    #[test]
    fn replayed_beacons_read_back_as_the_same_views_moved_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("events.csv");
        std::fs::write(
            &csv,
            "ts,session_id,viewer_id,event_id,customer_id,event_type,bitrate_kbps,country\n\
             1733400001000,s2,v2,w,acme,request,,Sweden\n\
             1733400000500,s1,v1,w,acme,request,,\"Nor\"\"way\"\n\
             1733400002500,s1,v1,w,,start,3000,\n\
             1733400004000,s2,v2,w,,end,,\n",
        )
        .unwrap();
        let log = read_player_file(&csv, true).unwrap();
        let beacons = Beacons::of(&log);
        assert_eq!(beacons.len(), 4);
        // Moved by whole minutes (ten) toward a start 10.5 minutes after the first event.
        let now = BASE + 630_500;
        let first = beacons.line(0, now);
        let value: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert_eq!(value["ts"], BASE + 500 + 600_000);
        assert_eq!(value["session_id"], "s1");
        assert_eq!(value["country"], "Nor\"way");
        // The start carries its view's viewer and dimensions, and its bitrate.
        let start: serde_json::Value = serde_json::from_str(&beacons.line(2, now)).unwrap();
        assert_eq!(
            (
                start["ts"].as_i64(),
                start["viewer_id"].as_str(),
                start["bitrate_kbps"].as_f64()
            ),
            (Some(BASE + 602_500), Some("v1"), Some(3000.0))
        );
        assert_eq!(start["customer_id"], "acme");
        // The second pass: whole minutes later, past the span (3.5 s) and a minute more.
        let again: serde_json::Value = serde_json::from_str(&beacons.line(4, now)).unwrap();
        assert_eq!(again["ts"], BASE + 600_500 + 120_000);
        assert_eq!(again["session_id"], "s1~1");

        // Written out, the beacons read back as the same events, shifted.
        let lines: Vec<String> = (0..8).map(|n| beacons.line(n, now)).collect();
        let jsonl = dir.path().join("replayed.jsonl");
        std::fs::write(&jsonl, lines.join("\n")).unwrap();
        let back = read_player_file(&jsonl, true).unwrap();
        assert_eq!(back.events.len(), 8);
        assert_eq!(back.sessions.labels.len(), 4);
        let kinds: Vec<&str> = back.events.iter().take(4).map(|e| e.kind.name()).collect();
        assert_eq!(kinds, ["request", "request", "start", "end"]);
    }
}
