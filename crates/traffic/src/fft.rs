//! A small in-place radix-2 FFT: the Welch segments here are 128 samples, so a dependency would
//! buy nothing.

use std::f64::consts::PI;

/// Forward DFT `X[k] = Σ x[n]·e^{-2πikn/N}` in place on `(re, im)`.
///
/// # Panics
/// If the lengths differ or are not a power of two (callers pick the segment length).
pub fn fft_in_place(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    assert!(
        n == im.len() && n.is_power_of_two(),
        "FFT length must be a power of two"
    );
    // Bit-reversal permutation.
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = if bits == 0 {
            0
        } else {
            i.reverse_bits() >> (usize::BITS - bits)
        };
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let angle = -2.0 * PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (angle * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_direct_dft() {
        let x: Vec<f64> = (0..16).map(|i| f64::from(i * i % 7) - 2.5).collect();
        let (mut re, mut im) = (x.clone(), vec![0.0; 16]);
        fft_in_place(&mut re, &mut im);
        for k in 0..16 {
            let (mut er, mut ei) = (0.0, 0.0);
            for (n, v) in x.iter().enumerate() {
                let a = -2.0 * PI * (k * n) as f64 / 16.0;
                er += v * a.cos();
                ei += v * a.sin();
            }
            assert!(
                (re[k] - er).abs() < 1e-9 && (im[k] - ei).abs() < 1e-9,
                "bin {k}"
            );
        }
    }

    #[test]
    fn length_one_is_identity() {
        let (mut re, mut im) = (vec![3.0], vec![0.0]);
        fft_in_place(&mut re, &mut im);
        assert!((re[0] - 3.0).abs() < 1e-12 && im[0].abs() < 1e-12);
    }
}
