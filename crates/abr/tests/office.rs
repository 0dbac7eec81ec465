//! The office what-if against the single-session simulator, and its sharing rule.
// Caps are the ladder's own values, compared exactly.
#![allow(clippy::float_cmp)]

use streamlens_abr::Algorithm;
use streamlens_abr::capacity::advise;
use streamlens_abr::office::{Office, simulate_office};
use streamlens_abr::sim::{SimConfig, simulate};
use streamlens_abr::synthetic;
use streamlens_abr::trace::{Step, Trace};

fn office(viewers: usize, link_mbps: f64) -> Office {
    Office {
        viewers,
        link_mbps,
        latency_s: 0.05,
        buffer_cap_s: 25.0,
        join_s: 0.0,
        seed: 1,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Alone on the link, a viewer is a session on a flat trace of the link's bandwidth.
#[test]
fn one_viewer_is_one_session_on_a_flat_trace() {
    let manifest = synthetic::manifest(5, 40);
    let flat = Trace::new(
        "flat",
        vec![Step {
            duration_s: 1000.0,
            bandwidth_kbps: 2500.0,
            latency_s: 0.05,
        }],
    )
    .unwrap();
    for algorithm in Algorithm::ALL {
        let run = simulate_office(&manifest, algorithm, &office(1, 2.5));
        let mut player = algorithm.player(&manifest, 25.0);
        let alone = simulate(&flat, &manifest, player.as_mut(), &SimConfig::default());
        let (a, b) = (&run.viewers[0], &alone.summary);
        assert_eq!(a.switches, b.switches, "{}", algorithm.name());
        assert!(
            close(a.qoe_lin, b.qoe_lin),
            "{}: {a:?} vs {b:?}",
            algorithm.name()
        );
        assert!(close(a.rebuffer_s, b.rebuffer_s) && close(a.startup_s, b.startup_s));
        assert!(close(a.end_s, b.end_s), "{} vs {}", a.end_s, b.end_s);
    }
}

/// Viewers who join together and choose alike split the link evenly: each sees what one
/// viewer sees on its share.
#[test]
fn viewers_in_step_split_the_link_evenly() {
    let manifest = synthetic::manifest(6, 30);
    let alone = simulate_office(&manifest, Algorithm::RateBased, &office(1, 1.0));
    let four = simulate_office(&manifest, Algorithm::RateBased, &office(4, 4.0));
    for v in &four.viewers {
        assert!(close(v.qoe_lin, alone.viewers[0].qoe_lin));
        assert!(close(v.end_s, alone.viewers[0].end_s));
    }
}

#[test]
fn a_bigger_link_never_lowers_the_recommended_cap() {
    let manifest = synthetic::manifest(7, 40);
    let mut previous = 0.0;
    for link_mbps in [5.0, 20.0, 80.0, 400.0] {
        let mut o = office(40, link_mbps);
        o.join_s = 30.0;
        let advice = advise(&manifest, Algorithm::Bola, &o);
        assert_eq!(advice.outcomes.len(), manifest.renditions());
        let cap = advice.recommended_cap_kbps.unwrap_or(0.0);
        assert!(cap >= previous, "{link_mbps} Mbit/s: {cap} < {previous}");
        previous = cap;
        // The recommendation is the highest cap under the target, by definition.
        if let Some(cap) = advice.recommended_cap_kbps {
            let o = advice.outcomes.iter().find(|o| o.cap_kbps == cap).unwrap();
            assert!(o.rebuffer_ratio_mean < 0.01);
            assert!(
                advice
                    .outcomes
                    .iter()
                    .filter(|x| x.cap_kbps > cap)
                    .all(|x| x.rebuffer_ratio_mean >= 0.01)
            );
        }
    }
    // 40 viewers on 400 Mbit/s (10 Mbit/s each) carry the whole 6 Mbit/s ladder.
    assert_eq!(previous, 6000.0);
}
