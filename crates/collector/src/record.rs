//! What one write-ahead batch holds: the checked JSON Lines, and the request's
//! `Idempotency-Key` with the time it was stored, when it had one.
//!
//! Layout: `K` · key length (u16 LE) · key · stored at (Unix ms, u64 LE) · lines, or `L` ·
//! lines. A batch starting with anything else is lines alone (segments written before keys
//! existed).

/// A decoded batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub key: Option<(&'a str, u64)>,
    pub lines: &'a [u8],
}

/// The longest key taken (bytes).
pub const MAX_KEY_BYTES: usize = 255;

/// Encodes `lines` with an optional `(key, stored_at_ms)`.
#[must_use]
pub fn encode(key: Option<(&str, u64)>, lines: &[u8]) -> Vec<u8> {
    let Some((key, at)) = key else {
        let mut out = Vec::with_capacity(1 + lines.len());
        out.push(b'L');
        out.extend_from_slice(lines);
        return out;
    };
    let key = &key.as_bytes()[..key.len().min(MAX_KEY_BYTES)];
    let mut out = Vec::with_capacity(1 + 2 + key.len() + 8 + lines.len());
    out.push(b'K');
    out.extend_from_slice(&(key.len() as u16).to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(&at.to_le_bytes());
    out.extend_from_slice(lines);
    out
}

/// Decodes a stored batch (`None`: a keyed header cut short or a key that is not UTF-8,
/// which this collector never writes).
#[must_use]
pub fn decode(batch: &[u8]) -> Option<Record<'_>> {
    match batch.first() {
        Some(b'K') => {
            let len = u16::from_le_bytes([*batch.get(1)?, *batch.get(2)?]) as usize;
            let key = std::str::from_utf8(batch.get(3..3 + len)?).ok()?;
            let at = u64::from_le_bytes(batch.get(3 + len..3 + len + 8)?.try_into().ok()?);
            Some(Record {
                key: Some((key, at)),
                lines: &batch[3 + len + 8..],
            })
        }
        Some(b'L') => Some(Record {
            key: None,
            lines: &batch[1..],
        }),
        _ => Some(Record {
            key: None,
            lines: batch,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_plain_and_old_batches_decode() {
        let keyed = encode(Some(("retry-7", 42)), b"{}\n");
        let record = decode(&keyed).unwrap();
        assert_eq!(record.key, Some(("retry-7", 42)));
        assert_eq!(record.lines, b"{}\n");
        let plain = encode(None, b"{}\n");
        assert_eq!(
            decode(&plain).unwrap(),
            Record {
                key: None,
                lines: b"{}\n"
            }
        );
        assert_eq!(decode(b"{}\n").unwrap().lines, b"{}\n");
        assert!(decode(b"K\x05\x00ab").is_none());
    }
}
