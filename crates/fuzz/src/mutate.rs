//! Mutations suited to the text formats streamlens reads (CSV, JSON, JSON Lines, plain
//! number columns) and still useful on binary ones (gzip, Parquet): bit and byte changes,
//! byte-range and line edits, number tokens replaced by edge values, delimiters, quotes,
//! line ends, NUL, BOM and invalid UTF-8 inserted, splices with another seed, truncation.
//! Outputs never exceed the mutator's byte cap.

use crate::rng::Rng;

/// Default cap on a mutated input: big enough for many rows, small enough that a reader
/// allocating far more than its input stands out.
pub const MAX_INPUT_BYTES: usize = 256 << 10;

/// Values that break naive number handling: zero and signs, NaN and infinities, overflow of
/// f64, i64, u64, u32 and i32, subnormals, huge digit strings, timestamps at calendar edges
/// (ms and s), and notations Rust's parsers reject.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-320",
    "5e-324",
    "1.7976931348623157e308",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "4294967295",
    "4294967296",
    "2147483648",
    "-2147483649",
    "",
    "1e18",
    "1e19",
    "-1e18",
    "253402300799999",
    "253402300800000",
    "-62135596800000",
    "99999999999999",
    "0.000000000000000000001",
    "0x10",
    "1_000",
    "+5",
    " 7 ",
    "1,5",
    "1.",
    ".5",
    "1e",
    "--1",
];

/// Bytes that delimit, quote, end lines or are not text.
const SPECIALS: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"\"",
    b"\"\"",
    b"'",
    b"\n",
    b"\r",
    b"\r\n",
    b"\0",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xe2\x80\xa8",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"true",
    b"\\u0000",
    b"\\ud800",
    b" ",
];

/// Applies 1–4 random mutations per call, deterministically from its seed.
#[derive(Debug, Clone)]
pub struct Mutator {
    rng: Rng,
    max_bytes: usize,
}

impl Mutator {
    #[must_use]
    pub fn new(seed: u64, max_bytes: usize) -> Self {
        Self {
            rng: Rng::new(seed),
            max_bytes: max_bytes.max(1),
        }
    }

    /// The generator, shared with the caller so that seed choice stays in one sequence.
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// A mutated copy of `input`; `other` (another seed) feeds splices. Half the time one
    /// mutation (most inputs should stay close enough to valid to pass the first checks),
    /// otherwise two to four stacked.
    pub fn mutate(&mut self, input: &[u8], other: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        out.truncate(self.max_bytes);
        let rounds = if self.rng.one_in(2) {
            1
        } else {
            2 + self.rng.below(3)
        };
        for _ in 0..rounds {
            self.once(&mut out, other);
            out.truncate(self.max_bytes);
        }
        out
    }

    fn once(&mut self, out: &mut Vec<u8>, other: &[u8]) {
        match self.rng.below(14) {
            0 => self.flip_bit(out),
            1 => self.set_byte(out),
            2 => self.insert_special(out),
            3 => self.insert_random(out),
            4 => self.delete_range(out),
            5 => self.duplicate_range(out),
            6 | 7 => self.replace_number(out),
            8 => self.line_edit(out),
            9 => self.splice_line(out, other),
            10 => self.crossover(out, other),
            11 => self.truncate(out),
            12 => self.blank_field(out),
            _ => self.long_digits(out),
        }
    }

    fn flip_bit(&mut self, out: &mut [u8]) {
        if !out.is_empty() {
            let at = self.rng.below(out.len());
            out[at] ^= 1 << self.rng.below(8);
        }
    }

    fn set_byte(&mut self, out: &mut [u8]) {
        if !out.is_empty() {
            let at = self.rng.below(out.len());
            out[at] = *self
                .rng
                .pick(&[0, 0xff, 0x7f, 0x80, b'"', b',', b'\n', b'-', b'9', b'.']);
        }
    }

    fn insert_special(&mut self, out: &mut Vec<u8>) {
        let at = self.rng.below(out.len() + 1);
        let token = *self.rng.pick(SPECIALS);
        out.splice(at..at, token.iter().copied());
    }

    fn insert_random(&mut self, out: &mut Vec<u8>) {
        let at = self.rng.below(out.len() + 1);
        let n = 1 + self.rng.below(8);
        let bytes: Vec<u8> = (0..n).map(|_| self.rng.next_u64() as u8).collect();
        out.splice(at..at, bytes);
    }

    /// A random range, short more often than long.
    fn range(&mut self, len: usize) -> (usize, usize) {
        let start = self.rng.below(len);
        let max = if self.rng.one_in(4) { len - start } else { 16 };
        let end = (start + 1 + self.rng.below(max)).min(len);
        (start, end)
    }

    fn delete_range(&mut self, out: &mut Vec<u8>) {
        if !out.is_empty() {
            let (a, b) = self.range(out.len());
            out.drain(a..b);
        }
    }

    fn duplicate_range(&mut self, out: &mut Vec<u8>) {
        if out.is_empty() {
            return;
        }
        let (a, b) = self.range(out.len());
        let piece = out[a..b].to_vec();
        let copies = if self.rng.one_in(8) {
            1 + self.rng.below(64)
        } else {
            1
        };
        let at = self.rng.below(out.len() + 1);
        let room = self.max_bytes.saturating_sub(out.len());
        let repeated: Vec<u8> = piece
            .iter()
            .copied()
            .cycle()
            .take((piece.len() * copies).min(room))
            .collect();
        out.splice(at..at, repeated);
    }

    /// Spans of maximal runs of `[0-9.eE+-]` that hold a digit.
    fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
        let part = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-');
        let mut spans = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if part(text[i]) {
                let start = i;
                while i < text.len() && part(text[i]) {
                    i += 1;
                }
                if text[start..i].iter().any(u8::is_ascii_digit) {
                    spans.push((start, i));
                }
            } else {
                i += 1;
            }
        }
        spans
    }

    fn replace_number(&mut self, out: &mut Vec<u8>) {
        let spans = Self::numbers(out);
        if spans.is_empty() {
            return self.insert_special(out);
        }
        let (a, b) = *self.rng.pick(&spans);
        let value = *self.rng.pick(NUMBERS);
        out.splice(a..b, value.bytes());
    }

    fn long_digits(&mut self, out: &mut Vec<u8>) {
        let spans = Self::numbers(out);
        let (a, b) = spans
            .get(self.rng.below(spans.len()))
            .copied()
            .unwrap_or((0, 0));
        let n = 20 + self.rng.below(2_000);
        let digits: Vec<u8> = (0..n)
            .map(|i| if i == 0 { b'9' } else { b'0' + (i % 10) as u8 })
            .collect();
        out.splice(a..b, digits);
    }

    /// Line spans, each without its `\n`.
    fn lines(text: &[u8]) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let mut start = 0;
        for (i, &b) in text.iter().enumerate() {
            if b == b'\n' {
                spans.push((start, i));
                start = i + 1;
            }
        }
        if start < text.len() {
            spans.push((start, text.len()));
        }
        spans
    }

    /// Swap two lines, duplicate one (maybe many times) or drop one.
    fn line_edit(&mut self, out: &mut Vec<u8>) {
        let lines = Self::lines(out);
        if lines.len() < 2 {
            return self.duplicate_range(out);
        }
        let (i, j) = (self.rng.below(lines.len()), self.rng.below(lines.len()));
        let text = |(a, b): (usize, usize)| out[a..b].to_vec();
        let mut rows: Vec<Vec<u8>> = lines.iter().map(|&s| text(s)).collect();
        match self.rng.below(3) {
            0 => rows.swap(i, j),
            1 => {
                let copies = if self.rng.one_in(4) {
                    1 + self.rng.below(200)
                } else {
                    1
                };
                let row = rows[i].clone();
                for _ in 0..copies {
                    rows.insert(i, row.clone());
                }
            }
            _ => {
                rows.remove(i);
            }
        }
        *out = rows.join(&b'\n');
        out.push(b'\n');
    }

    fn splice_line(&mut self, out: &mut Vec<u8>, other: &[u8]) {
        let theirs = Self::lines(other);
        if theirs.is_empty() {
            return;
        }
        let (a, b) = *self.rng.pick(&theirs);
        let mine = Self::lines(out);
        let at = mine
            .get(self.rng.below(mine.len()))
            .map_or(out.len(), |&(s, _)| s);
        let mut line = other[a..b].to_vec();
        line.push(b'\n');
        out.splice(at..at, line);
    }

    /// This input's head followed by the other's tail.
    fn crossover(&mut self, out: &mut Vec<u8>, other: &[u8]) {
        let cut = self.rng.below(out.len() + 1);
        let from = self.rng.below(other.len() + 1);
        out.truncate(cut);
        out.extend_from_slice(&other[from..]);
    }

    fn truncate(&mut self, out: &mut Vec<u8>) {
        let at = self.rng.below(out.len() + 1);
        out.truncate(at);
    }

    /// Empties the text between two delimiters (a CSV cell or a JSON value's digits).
    fn blank_field(&mut self, out: &mut Vec<u8>) {
        let delimiter = |b: u8| matches!(b, b',' | b'\n' | b';' | b'\t' | b':' | b' ');
        let marks: Vec<usize> = (0..out.len()).filter(|&i| delimiter(out[i])).collect();
        if marks.len() < 2 {
            return self.delete_range(out);
        }
        let k = self.rng.below(marks.len() - 1);
        out.drain(marks[k] + 1..marks[k + 1]);
    }
}

#[cfg(test)]
mod tests {
    use super::Mutator;

    #[test]
    fn deterministic_bounded_and_changing() {
        let seed = b"a,b,c\n1,2.5,3\n4,5,6e3\n".as_slice();
        let (mut m1, mut m2) = (Mutator::new(9, 64), Mutator::new(9, 64));
        let mut changed = 0;
        for _ in 0..2_000 {
            let (x, y) = (
                m1.mutate(seed, b"x,y\n7,8\n"),
                m2.mutate(seed, b"x,y\n7,8\n"),
            );
            assert_eq!(x, y);
            assert!(x.len() <= 64);
            changed += usize::from(x != seed);
        }
        assert!(changed > 1_800, "{changed}");
        assert!(Mutator::new(1, 8).mutate(b"", b"").len() <= 8);
    }

    #[test]
    fn number_tokens_are_found() {
        assert_eq!(Mutator::numbers(b"a,-1.5e3,x2,.,+"), vec![(2, 8), (10, 11)]);
    }
}
