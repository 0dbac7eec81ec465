//! Text that is not UTF-8 but says what it is: a UTF-16 or UTF-32 byte-order mark (as
//! spreadsheet programs write "Unicode text"). Such files are transcoded to UTF-8 as they
//! are read; without a mark, NUL bytes make a file binary and the message says how to fix it.

use std::io::Read;

/// A wide Unicode encoding announced by a byte-order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wide {
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Wide {
    /// The encoding whose byte-order mark `head` starts with, if any. `FF FE 00 00` is read
    /// as UTF-32 (a UTF-16 file cannot start with a NUL character after its mark).
    #[must_use]
    pub fn from_bom(head: &[u8]) -> Option<(Wide, usize)> {
        match head {
            [0xff, 0xfe, 0, 0, ..] => Some((Wide::Utf32Le, 4)),
            [0, 0, 0xfe, 0xff, ..] => Some((Wide::Utf32Be, 4)),
            [0xff, 0xfe, ..] => Some((Wide::Utf16Le, 2)),
            [0xfe, 0xff, ..] => Some((Wide::Utf16Be, 2)),
            _ => None,
        }
    }

    fn unit_bytes(self) -> usize {
        match self {
            Wide::Utf16Le | Wide::Utf16Be => 2,
            Wide::Utf32Le | Wide::Utf32Be => 4,
        }
    }
}

/// Why a file's text is not usable as it stands, from its first bytes: NUL bytes without a
/// byte-order mark (binary, or UTF-16 without a mark).
#[must_use]
pub fn binary_reason(head: &[u8]) -> Option<&'static str> {
    (Wide::from_bom(head).is_none() && head.contains(&0)).then_some(
        "has NUL bytes: a binary file, not text (UTF-16 text without a byte-order mark \
         also looks like this: save it as UTF-8)",
    )
}

/// `bytes` as UTF-8: transcoded when they start with a UTF-16/32 byte-order mark, without
/// a UTF-8 byte-order mark, else unchanged. An unpaired surrogate or a code point above
/// U+10FFFF is an error naming its byte offset.
pub fn to_utf8(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return Ok(rest.to_vec());
    }
    let Some((wide, skip)) = Wide::from_bom(&bytes) else {
        return Ok(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut decoder = Decoder::new(wide);
    decoder.feed(&bytes[skip..], &mut out)?;
    decoder.finish()?;
    Ok(out)
}

/// Decodes wide units into UTF-8, keeping a partial unit or a high surrogate between calls.
struct Decoder {
    wide: Wide,
    pending: Vec<u8>,
    high_surrogate: Option<u16>,
    offset: u64,
}

impl Decoder {
    fn new(wide: Wide) -> Self {
        Self {
            wide,
            pending: Vec::new(),
            high_surrogate: None,
            offset: 0,
        }
    }

    fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        let unit = self.wide.unit_bytes();
        self.pending.extend_from_slice(bytes);
        let whole = self.pending.len() / unit * unit;
        for chunk in self.pending[..whole].chunks_exact(unit) {
            let c = match self.wide {
                Wide::Utf16Le | Wide::Utf16Be => {
                    let u = if self.wide == Wide::Utf16Le {
                        u16::from_le_bytes([chunk[0], chunk[1]])
                    } else {
                        u16::from_be_bytes([chunk[0], chunk[1]])
                    };
                    match (self.high_surrogate.take(), u) {
                        (None, 0xd800..=0xdbff) => {
                            self.high_surrogate = Some(u);
                            self.offset += 2;
                            continue;
                        }
                        (Some(h), 0xdc00..=0xdfff) => char::from_u32(
                            0x10000 + ((u32::from(h) - 0xd800) << 10) + (u32::from(u) - 0xdc00),
                        ),
                        (None, _) => char::from_u32(u32::from(u)),
                        (Some(_), _) => None,
                    }
                }
                Wide::Utf32Le => char::from_u32(u32::from_le_bytes(chunk.try_into().unwrap())),
                Wide::Utf32Be => char::from_u32(u32::from_be_bytes(chunk.try_into().unwrap())),
            };
            let Some(c) = c else {
                return Err(format!(
                    "invalid {} text at byte {} (after the byte-order mark)",
                    self.name(),
                    self.offset
                ));
            };
            self.offset += unit as u64;
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        self.pending.drain(..whole);
        Ok(())
    }

    fn finish(&self) -> Result<(), String> {
        if self.pending.is_empty() && self.high_surrogate.is_none() {
            Ok(())
        } else {
            Err(format!(
                "the {} text ends in the middle of a character",
                self.name()
            ))
        }
    }

    fn name(&self) -> &'static str {
        match self.wide {
            Wide::Utf16Le | Wide::Utf16Be => "UTF-16",
            Wide::Utf32Le | Wide::Utf32Be => "UTF-32",
        }
    }
}

/// A reader of UTF-16/32 text (after its byte-order mark) that yields UTF-8, in bounded
/// memory: a large "Unicode text" export streams like any CSV.
pub struct ToUtf8<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> ToUtf8<R> {
    /// `inner` positioned just after the byte-order mark of `wide`.
    pub fn new(inner: R, wide: Wide) -> Self {
        Self {
            inner,
            decoder: Decoder::new(wide),
            raw: vec![0; 64 << 10],
            out: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let invalid = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
        while self.at == self.out.len() && !self.done {
            self.out.clear();
            self.at = 0;
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                self.done = true;
                self.decoder.finish().map_err(invalid)?;
            } else {
                self.decoder
                    .feed(&self.raw[..n], &mut self.out)
                    .map_err(invalid)?;
            }
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xff, 0xfe];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn byte_order_marks_are_transcoded() {
        let text = "timestamp,qoe\n1,0.5 – é 😀\n";
        assert_eq!(to_utf8(utf16le(text)).unwrap(), text.as_bytes());
        let mut be = vec![0xfe, 0xff];
        for u in text.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(to_utf8(be).unwrap(), text.as_bytes());
        let mut utf32 = vec![0xff, 0xfe, 0, 0];
        for c in text.chars() {
            utf32.extend_from_slice(&(c as u32).to_le_bytes());
        }
        assert_eq!(to_utf8(utf32).unwrap(), text.as_bytes());
        assert_eq!(to_utf8(b"\xef\xbb\xbfa,b".to_vec()).unwrap(), b"a,b");
        assert_eq!(to_utf8(b"a,b".to_vec()).unwrap(), b"a,b");
    }

    #[test]
    fn the_streaming_reader_matches_the_whole_file_decoder() {
        let text = "a,b\n".repeat(50_000) + "😀,ü\n";
        let bytes = utf16le(&text);
        // One byte at a time at the start: units and surrogate pairs split across reads.
        let mut reader = ToUtf8::new(std::io::Cursor::new(bytes[2..].to_vec()), Wide::Utf16Le);
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn broken_wide_text_is_an_error_with_its_offset() {
        // A lone low surrogate, then a truncated unit.
        let err = to_utf8(vec![0xff, 0xfe, b'a', 0, 0x00, 0xdc]).unwrap_err();
        assert!(err.contains("invalid UTF-16 text at byte 2"), "{err}");
        let err = to_utf8(vec![0xff, 0xfe, b'a', 0, b'b']).unwrap_err();
        assert!(err.contains("ends in the middle of a character"), "{err}");
        assert!(binary_reason(b"a\0b").is_some());
        assert!(binary_reason(&utf16le("ab")).is_none());
    }
}
