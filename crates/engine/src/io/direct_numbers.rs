//! Numbers in telemetry text read exactly as the polars path reads them: unsigned whole
//! numbers eight digits at a time, and decimals rounded to the nearest f64.

/// An unsigned whole number of 1 to `max_digits` digits at `pos`.
pub(super) fn digits(bytes: &[u8], pos: &mut usize, max_digits: usize) -> Option<u64> {
    let (value, count) = digit_run(bytes, pos);
    (count > 0 && count <= max_digits).then_some(value)
}

/// The run of ASCII digits at `pos` (moved past it) and its length; the value is exact
/// for runs of up to 19 digits. Eight bytes at a time: one word test finds where the
/// digits end, three multiplications combine them. Inlined: called for every field of
/// every row, mostly with one or two words.
#[inline(always)]
#[allow(clippy::inline_always)]
fn digit_run(bytes: &[u8], pos: &mut usize) -> (u64, usize) {
    let start = *pos;
    let mut value: u64 = 0;
    while let Some(word) = bytes.get(*pos..*pos + 8) {
        let word = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        let n = (non_digits(word).trailing_zeros() / 8) as usize;
        if n > 0 {
            let digits = word.wrapping_sub(ZEROS) & low_bytes(n);
            value = value
                .wrapping_mul(POWERS_OF_TEN[n])
                .wrapping_add(eight_digits(digits << (8 * (8 - n))));
            *pos += n;
        }
        if n < 8 {
            return (value, *pos - start);
        }
    }
    // Fewer than eight bytes left: one at a time.
    while let Some(&b) = bytes.get(*pos) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(u64::from(d));
        *pos += 1;
    }
    (value, *pos - start)
}

/// `'0'` in every byte.
const ZEROS: u64 = 0x3030_3030_3030_3030;

const POWERS_OF_TEN: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The high bit of every byte of `word` that is not an ASCII digit (exact up to the first
/// such byte, which is all callers use: borrows and carries only move towards later bytes).
#[inline]
fn non_digits(word: u64) -> u64 {
    let x = word.wrapping_sub(ZEROS);
    (x.wrapping_add(0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080
}

/// Mask of the `n` (1 to 8) lowest bytes.
#[inline]
fn low_bytes(n: usize) -> u64 {
    u64::MAX >> (8 * (8 - n))
}

/// Eight digit values (0–9), the most significant in the lowest byte, as one number.
#[inline]
fn eight_digits(d: u64) -> u64 {
    let d = (d.wrapping_mul(10) + (d >> 8)) & 0x00FF_00FF_00FF_00FF;
    let d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_FFFF_0000_FFFF;
    (d.wrapping_mul(10_000) + (d >> 32)) & 0xFFFF_FFFF
}

/// Powers of ten that f64 holds exactly.
const EXACT_POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A finite non-negative decimal at `pos`, rounded to the nearest f64 as any correct
/// parser rounds it. Plain `digits[.digits]` with at most 15 significant digits is an exact
/// integer divided by an exact power of ten — one correctly rounded division; anything
/// longer, or with an exponent, goes through the standard library's parser.
pub(super) fn decimal(bytes: &[u8], pos: &mut usize, separator: u8) -> Option<f64> {
    let start = *pos;
    let (whole, whole_digits) = digit_run(bytes, pos);
    let (mut mantissa, mut digit_count, mut fraction_digits) = (whole, whole_digits, 0);
    if bytes.get(*pos) == Some(&b'.') {
        *pos += 1;
        let (fraction, n) = digit_run(bytes, pos);
        if n <= 15 {
            let scale = POWERS_OF_TEN
                .get(n)
                .copied()
                .unwrap_or_else(|| 10_u64.pow(n as u32));
            mantissa = mantissa.wrapping_mul(scale).wrapping_add(fraction);
        }
        digit_count += n;
        fraction_digits = n;
    }
    let plain = matches!(bytes.get(*pos), Some(&b) if b == separator || b == b'\n' || b == b'\r');
    if digit_count > 0 && digit_count <= 15 && plain {
        return Some(mantissa as f64 / EXACT_POWERS[fraction_digits]);
    }
    // Exponents, long mantissas: the field up to its end, parsed by the standard library.
    let length = bytes[start..]
        .iter()
        .position(|&b| b == separator || b == b'\n' || b == b'\r')?;
    *pos = start + length;
    let text = std::str::from_utf8(&bytes[start..start + length]).ok()?;
    let first = *text.as_bytes().first()?;
    if !(first.is_ascii_digit() || first == b'.') {
        return None; // signs, spaces, inf, nan: the polars path decides
    }
    let value: f64 = text.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn digit_runs_read_as_one_digit_at_a_time(
            text in "[0-9]{0,25}[,.x\n]?[0-9]{0,3}",
            offset in 0usize..4,
        ) {
            let padded = format!("{}{text}", "7".repeat(offset));
            let bytes = padded.as_bytes();
            let mut pos = offset;
            let (value, count) = digit_run(bytes, &mut pos);
            let expected = text.bytes().take_while(u8::is_ascii_digit).count();
            proptest::prop_assert_eq!(count, expected);
            proptest::prop_assert_eq!(pos, offset + expected);
            if expected <= 19 && expected > 0 {
                proptest::prop_assert_eq!(value, text[..expected].parse::<u64>().unwrap());
            }
        }
    }
}
