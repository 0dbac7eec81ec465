//! Known answers for the features, the Welch PSD and chunking. Welch reference numbers come
//! from `scipy.signal.welch` (scipy 1.x, same window, segment, overlap and detrend), computed
//! once with python3 and pasted here.
// Exact comparisons: these values are sums of small integers, exact in f64.
#![allow(clippy::float_cmp)]

use super::chunk::{WindowParams, capture_chunks};
use super::features::{ChunkBins, FEATURE_NAMES, Features};
use super::series::CaptureSeries;
use super::spectral::{FINE_RATE_HZ, spectrum, welch};
use super::synth::{synth_capture, write_csv};
use super::{TrafficLabel, parse_capture};

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: {a} vs {b}"
    );
}

/// Ten seconds: download 0,10,0,0,30,20,0,0,0,40 bytes, each second's bytes in its first
/// 200 ms bin; four download packets (10, 30, 20, 40 bytes) and two 10-byte uploads.
fn hand_made() -> (Vec<f64>, Vec<f64>) {
    let down_1s = vec![0.0, 10.0, 0.0, 0.0, 30.0, 20.0, 0.0, 0.0, 0.0, 40.0];
    let mut fine = vec![0.0; 50];
    for (i, v) in down_1s.iter().enumerate() {
        fine[5 * i] = *v;
    }
    (down_1s, fine)
}

#[test]
fn time_domain_features_match_hand_computation() {
    let (down_1s, fine) = hand_made();
    let f = Features::compute(&ChunkBins {
        down_1s: &down_1s,
        down_fine: &fine,
        down_bytes: 100.0,
        up_bytes: 20.0,
        down_packets: 4.0,
        up_packets: 2.0,
        down_size_sq: 100.0 + 900.0 + 400.0 + 1600.0,
    });
    // Mean 10 B/s; spikes (> 10) at 4, 5, 9 → peaks [4–5] (max 30) and [9] (40), one gap of 3 s.
    close(f.active_ratio, 0.4, "active ratio");
    close(f.leisure_sum_s, 3.0, "leisure sum");
    close(f.leisure_mean_s, 3.0, "leisure mean");
    close(f.peak_count, 2.0, "peaks");
    close(f.peak_rate_per_min, 12.0, "peak rate");
    close(f.peak_height_mean, 3.5, "peak height mean");
    close(f.peak_height_max, 4.0, "peak height max");
    // Four isolated 200 ms bursts of 10, 30, 20, 40 bytes among 50 bins.
    close(f.empty_fine_share, 0.92, "empty share");
    close(f.burst_rate_per_min, 24.0, "burst rate");
    close(f.burst_mean_s, 2.5, "burst mean");
    close(f.burst_max_s, 4.0, "burst max");
    close(f.burst_cv, 125f64.sqrt() / 25.0, "burst cv");
    close(f.down_cv_1s, 200f64.sqrt() / 10.0, "1 s cv");
    close(f.up_down_ratio, 0.2, "up/down");
    close(f.down_packet_mean_bytes, 25.0, "down packet mean");
    close(f.down_packet_std_bytes, 125f64.sqrt(), "down packet std");
    close(f.up_packet_mean_bytes, 10.0, "up packet mean");
    // 50 samples → 32-sample segments, 2 of them (scipy nperseg=32, noverlap=16).
    close(f.dominant_freq_hz, 2.03125, "dominant");
    close(f.rel_power_0_1hz, 0.0, "0.1 Hz");
    close(f.rel_power_0_2hz, 0.102_402_245_072_934_63, "0.2 Hz");
    close(f.spectral_flatness, 0.864_687_849_004_498_8, "flatness");
    close(
        f.spectral_peak_prominence,
        1.830_950_137_957_655_6,
        "prominence",
    );
}

#[test]
fn empty_chunk_has_zero_features() {
    let zeros = vec![0.0; 300];
    let f = Features::compute(&ChunkBins {
        down_1s: &zeros[..60],
        down_fine: &zeros,
        down_bytes: 0.0,
        up_bytes: 0.0,
        down_packets: 0.0,
        up_packets: 0.0,
        down_size_sq: 0.0,
    });
    assert_eq!(f.empty_fine_share, 1.0);
    let mut v = f.values();
    v[7] = 0.0;
    assert!(v.iter().all(|&x| x == 0.0), "{v:?}");
}

#[test]
fn feature_names_follow_the_struct_fields() {
    let json = serde_json::to_value(Features::default()).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut names = FEATURE_NAMES.to_vec();
    names.sort_unstable();
    let mut keys = keys.clone();
    keys.sort_unstable();
    assert_eq!(keys, names);
    let f = Features {
        burst_cv: 7.0,
        ..Features::default()
    };
    let i = FEATURE_NAMES.iter().position(|n| *n == "burst_cv").unwrap();
    assert_eq!(f.values()[i], 7.0);
}

/// `x[i] = (37·i mod 11) + 5·sin(2π·0.2·i/5)`, 300 samples at 5 Hz.
fn tone() -> Vec<f64> {
    (0..300)
        .map(|i| {
            f64::from(i * 37 % 11)
                + 5.0 * (2.0 * std::f64::consts::PI * 0.2 * f64::from(i) / 5.0).sin()
        })
        .collect()
}

#[test]
fn welch_matches_scipy() {
    let (f, p) = welch(&tone(), FINE_RATE_HZ, 128);
    assert_eq!(p.len(), 65);
    close(f[1], 0.039_062_5, "resolution");
    let want = [
        1.790_815_59e-1,
        7.287_186_53e-2,
        3.965_914_74e-3,
        5.346_195_31e-2,
        3.608_540_03e1,
        2.093_849_75e2,
    ];
    for (k, w) in want.iter().enumerate() {
        assert!(
            (p[k] - w).abs() < 1e-8 * w.max(1.0),
            "bin {k}: {} vs {w}",
            p[k]
        );
    }
    assert!((p.iter().sum::<f64>() - 576.254_486_475_488).abs() < 1e-8);
    close(p[64], 1.018_808_443_425_078_3e-5, "Nyquist bin");
    let (_, short) = welch(&tone()[..150], FINE_RATE_HZ, 128);
    assert!((short.iter().sum::<f64>() - 576.023_072_935_899_1).abs() < 1e-8);
}

#[test]
fn spectrum_of_a_tone_matches_scipy() {
    let s = spectrum(&tone(), FINE_RATE_HZ);
    close(s.dominant_freq_hz, 0.195_312_5, "dominant");
    assert!((s.rel_power_0_1hz - 9.968_810_921_286_199e-5).abs() < 1e-12);
    close(s.rel_power_0_2hz, 0.555_152_680_855_918_4, "0.2 Hz");
    assert!((s.flatness - 0.001_836_136_206_182_937_6).abs() < 1e-12);
    close(s.peak_prominence, 23.261_951_921_348_142, "prominence");
}

#[test]
fn windows_hops_and_their_limits() {
    let capture = synth_capture(TrafficLabel::Vod, 3, 130, 0);
    let mut text = Vec::new();
    write_csv(&capture, &mut text).unwrap();
    let parsed = parse_capture("x-streaming.csv", &text).unwrap();
    let series = CaptureSeries::new(&parsed);
    assert_eq!(series.second.len(), 130);
    assert_eq!(series.fine.len(), 650);
    let total: f64 = series.second.down_bytes.iter().sum();
    close(
        series.fine.down_bytes.iter().sum(),
        total,
        "fine sums to coarse",
    );
    let per_conn: f64 = series
        .per_connection
        .iter()
        .flat_map(|c| &c.down_bytes)
        .sum();
    close(per_conn, total, "connections sum to total");
    let starts = |w: u32, hop: Option<u32>| -> Vec<i64> {
        let p = WindowParams {
            window_secs: w,
            hop_secs: hop,
        };
        p.validate().unwrap();
        capture_chunks(&series, &p)
            .iter()
            .map(|c| (c.start_ms - series.second.start_ms) / 1000)
            .collect()
    };
    assert_eq!(starts(60, None), [0, 60]);
    assert_eq!(starts(60, Some(30)), [0, 30, 60]);
    assert!(starts(300, None).is_empty());
    for (w, hop) in [(29, None), (301, None), (60, Some(0)), (60, Some(61))] {
        let p = WindowParams {
            window_secs: w,
            hop_secs: hop,
        };
        assert!(p.validate().is_err(), "{w} {hop:?}");
    }
}
