use std::sync::Arc;

use super::train::{rewards, rotated};
use super::*;
use crate::players::testing::{ladder, state};
use crate::sim::{SimConfig, simulate};
use crate::synthetic::{self, Profile};
use crate::trace::{Step, Trace};

fn flat(kbps: f64) -> Trace {
    Trace::new(
        format!("flat-{kbps}"),
        vec![Step {
            duration_s: 100.0,
            bandwidth_kbps: kbps,
            latency_s: 0.0,
        }],
    )
    .unwrap()
}

#[test]
fn a_two_layer_network_computes_relu_then_linear_by_hand() {
    let mlp = Mlp {
        layers: vec![
            Dense {
                inputs: 2,
                outputs: 2,
                weights: vec![1.0, 2.0, -1.0, -1.0],
                bias: vec![0.5, 0.0],
            },
            Dense {
                inputs: 2,
                outputs: 1,
                weights: vec![3.0, 5.0],
                bias: vec![-1.0],
            },
        ],
    };
    mlp.validate().unwrap();
    // Hidden: relu(1 + 4 + 0.5) = 5.5 and relu(-1 - 2) = 0; output 3 · 5.5 − 1 = 15.5.
    let out = mlp
        .forward(&[1.0, 2.0], &mut mlp::Scratch::default())
        .to_vec();
    assert_eq!(out, vec![15.5]);
    let mut broken = mlp.clone();
    broken.layers[1].inputs = 3;
    assert!(broken.validate().is_err());
    let mut hollow = mlp.clone();
    hollow.layers[0].outputs = 0;
    hollow.layers[0].weights.clear();
    hollow.layers[0].bias.clear();
    hollow.layers[1].inputs = 0;
    hollow.layers[1].weights.clear();
    let e = hollow.validate().unwrap_err().to_string();
    assert!(e.contains("a layer needs both"), "{e}");
    broken = mlp;
    broken.layers[0].bias[1] = f32::NAN;
    assert!(
        broken
            .validate()
            .unwrap_err()
            .to_string()
            .contains("non-finite")
    );
}

#[test]
fn features_are_relative_to_the_top_bitrate_and_the_segment() {
    let m = ladder(); // top 4300 kbit/s, 4 s segments, 10 segments
    let thr = [2150.0, 4300.0];
    let mut s = state(&m, 12.5, Some(1), &thr);
    let took = [2.0, 8.0];
    s.downloads_s = &took;
    let mut f = Vec::new();
    observe(&s, &mut f);
    assert_eq!(f.len(), feature_count(6));
    let close = |a: f32, b: f64| (f64::from(a) - b).abs() < 1e-6;
    assert!(close(f[0], 750.0 / 4300.0));
    assert!(close(f[1], 1.25));
    assert!(close(f[2], 0.5));
    assert!(close(f[3], 8.0 / 10.0)); // segment index 2 of 10: 8 left
    assert!(close(f[4], 2.0 / 8.0));
    // Harmonic mean of 2150 and 4300 = 2 / (1/2150 + 1/4300) = 2866.67.
    assert!(close(f[5], 2.0 / (1.0 / 2150.0 + 1.0 / 4300.0) / 4300.0));
    assert!(close(f[6], 1.0) && close(f[7], 0.5) && close(f[8], 0.0));
    let t = 6 + HISTORY;
    assert!(close(f[t], 2.0) && close(f[t + 1], 0.5) && close(f[t + 2], 0.0));
    // Per rendition, 4 s of its bitrate downloaded at the harmonic mean, then at the lowest
    // recent throughput (2150), in tens of seconds.
    let at_mean = 6 + 2 * HISTORY;
    let hm = 2.0 / (1.0 / 2150.0 + 1.0 / 4300.0);
    assert!(close(f[at_mean], 4.0 * 300.0 / hm / 10.0));
    assert!(close(f[at_mean + 5], 4.0 * 4300.0 / hm / 10.0));
    assert!(close(f[at_mean + 6], 4.0 * 300.0 / 2150.0 / 10.0));
    assert!(close(f[at_mean + 11], 4.0 * 4300.0 / 2150.0 / 10.0));
}

#[test]
fn the_rewards_of_a_session_average_to_its_qoe_with_the_startup_as_rebuffering() {
    let m = synthetic::manifest(3, 40);
    let trace = synthetic::trace(Profile::Mobile3g, 7, 200);
    for algorithm in crate::Algorithm::ALL {
        let mut p = algorithm.player(&m, 25.0);
        let run = simulate(&trace, &m, p.as_mut(), &SimConfig::default());
        let startup = run.summary.startup_s;
        assert!(startup > 0.0);
        let r = rewards(&run.segments, startup);
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        let pensieve = run.summary.qoe_lin - 4.3 * startup / r.len() as f64;
        assert!((mean - pensieve).abs() < 1e-9, "{algorithm:?}");
    }
}

#[test]
fn a_rotated_trace_starts_later_and_keeps_every_second_and_bit() {
    let steps = |v: &[(f64, f64)]| {
        v.iter()
            .map(|&(d, b)| Step {
                duration_s: d,
                bandwidth_kbps: b,
                latency_s: 0.01,
            })
            .collect::<Vec<_>>()
    };
    let t = Trace::new("t", steps(&[(2.0, 100.0), (3.0, 200.0), (1.0, 50.0)])).unwrap();
    let r = rotated(&t, 3.5);
    assert_eq!(
        r.steps,
        steps(&[(1.5, 200.0), (1.0, 50.0), (2.0, 100.0), (1.5, 200.0)])
    );
    assert_eq!(rotated(&t, 0.0).steps, t.steps);
    assert_eq!(rotated(&t, 6.0).steps, t.steps);
    assert!((r.duration_s() - t.duration_s()).abs() < 1e-12);
}

#[test]
fn a_policy_for_another_ladder_or_a_broken_file_is_refused() {
    let m = synthetic::manifest(1, 20);
    let traces: Vec<Trace> = (0..2)
        .map(|s| synthetic::trace(Profile::Lte, s, 120))
        .collect();
    let options = RlOptions {
        iterations: 2,
        episodes: 2,
        hidden: 8,
        ..RlOptions::default()
    };
    let policy = train_policy(&traces, &m, &SimConfig::default(), &options, &mut |_| true).unwrap();
    policy.check(&m).unwrap();
    let other = ladder();
    let e = policy.check(&other).unwrap_err().to_string();
    assert!(
        e.contains("10 renditions") && e.contains("this manifest has 6"),
        "{e}"
    );
    // Same number of renditions, other bitrates.
    let rates: Vec<f64> = (1..=10).map(|r| f64::from(r) * 500.0).collect();
    let sizes = (0..20)
        .map(|_| rates.iter().map(|r| r * 3000.0).collect())
        .collect();
    let other_rates = crate::Manifest::new(3.0, rates, sizes).unwrap();
    let e = policy.check(&other_rates).unwrap_err().to_string();
    assert!(e.contains("train it on this manifest"), "{e}");
    let json = serde_json::to_string(&policy).unwrap();
    assert_eq!(RlPolicy::from_json(&json).unwrap(), policy);
    assert!(
        RlPolicy::from_json("{}")
            .unwrap_err()
            .to_string()
            .contains("not an rl policy")
    );
    let mut bad = policy;
    bad.actor.layers[0].weights.pop();
    let e = RlPolicy::from_json(&serde_json::to_string(&bad).unwrap()).unwrap_err();
    assert!(e.to_string().contains("layer 1"), "{e}");
}

#[test]
fn training_is_seeded_and_learns_the_best_steady_rendition_of_a_flat_link() {
    // Flat links of 1.0–1.6 Mbit/s on the Big Buck Bunny ladder (40 segments): the best is a
    // steady rendition under the link, a random player stalls and switches all the time.
    let m = synthetic::manifest(1, 40);
    let traces: Vec<Trace> = [1000.0, 1300.0, 1600.0, 1100.0, 1450.0]
        .into_iter()
        .map(flat)
        .collect();
    let options = RlOptions {
        iterations: 300,
        episodes: 8,
        hidden: 32,
        learning_rate: 3e-3,
        validate_every: 5,
        bandwidth_scale: (1.0, 1.0),
        ..RlOptions::default()
    };
    let config = SimConfig::default();
    let train = || train_policy(&traces, &m, &config, &options, &mut |_| true).unwrap();
    let policy = train();
    assert_eq!(policy, train(), "the same seed trains the same policy");
    let policy = Arc::new(policy);
    let (mut rl_mean, mut rate_mean) = (0.0, 0.0);
    for t in &traces {
        let run = simulate(t, &m, &mut RlPlayer::new(Arc::clone(&policy)), &config);
        rl_mean += pensieve_qoe(&run.summary);
        let mut rate = crate::Algorithm::RateBased.player(&m, 25.0);
        rate_mean += pensieve_qoe(&simulate(t, &m, rate.as_mut(), &config).summary);
    }
    rl_mean /= traces.len() as f64;
    rate_mean /= traces.len() as f64;
    assert!(policy.best_iteration > 0, "{:?}", policy.curve);
    let first = policy.curve[0].validation_qoe_mean;
    let best = policy
        .curve
        .iter()
        .map(|c| c.validation_qoe_mean)
        .fold(f64::MIN, f64::max);
    assert!(
        best > first,
        "validation {best} never beat its first {first}"
    );
    // On a flat link the rate rule is near optimal; the learned policy comes close.
    assert!(
        rl_mean > 0.8 * rate_mean,
        "rl {rl_mean} vs rate {rate_mean}"
    );
}
