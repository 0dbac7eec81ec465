//! k-means with k by silhouette on blobs whose answer is known, purity by hand, names from
//! centroids, and the goal on generator data: incident kinds match the injected kinds.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::incidents::{IncidentKinds, describe, incident_kinds, kinds_of_flagged};
use super::kmeans::{Standardizer, cluster};
use proptest::prelude::*;
use streamlens_engine::Filter;
use streamlens_engine::progress::Progress;
use streamlens_engine::synth::{
    SynthParams, TELEMETRY_CSV_HEADER, generate, write_csv_batch, write_labels_csv,
};
use streamlens_engine::testutil::dataset;
use streamlens_events::incident::{Incident, Scope};
use streamlens_events::labels::parse_labels;
use streamlens_events::{EventDetectParams, detect_events};

/// Three tight blobs far apart, `per` points each, in the order blob 0, 1, 2.
fn blobs(per: usize) -> Vec<Vec<f64>> {
    let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
    let mut points = Vec::new();
    for c in centres {
        for i in 0..per {
            let jitter = (i as f64 * 0.37).sin() * 0.3;
            points.push(vec![c[0] + jitter, c[1] - jitter]);
        }
    }
    points
}

#[test]
fn three_separate_blobs_give_three_clusters_by_the_silhouette() {
    let points = blobs(20);
    let c = cluster(&points, 2, 2..=6, 1).unwrap();
    assert_eq!(c.k, 3, "{:?}", c.tried);
    for blob in 0..3 {
        let first = c.assignment[blob * 20];
        assert!(
            c.assignment[blob * 20..(blob + 1) * 20]
                .iter()
                .all(|&a| a == first)
        );
    }
    // Clusters are numbered by first appearance.
    assert_eq!(c.assignment[0], 0);
    assert_eq!(c.assignment[20], 1);
    assert!(c.silhouette.unwrap() > 0.9);
    // Every k from 2 to 6 was tried, and 3 scored best.
    assert_eq!(
        c.tried.iter().map(|t| t.k).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
}

#[test]
fn too_few_points_make_one_cluster_and_bad_points_are_refused() {
    let two = vec![vec![0.0], vec![1.0]];
    let c = cluster(&two, 1, 2..=6, 1).unwrap();
    assert_eq!((c.k, c.assignment, c.silhouette), (1, vec![0, 0], None));
    let bad = vec![vec![0.0], vec![f64::NAN], vec![2.0]];
    assert!(cluster(&bad, 1, 2..=6, 1).is_err());
}

proptest! {
    /// Standardised columns have mean 0 and standard deviation 1 (or are all 0 when constant).
    #[test]
    fn standardised_columns_have_mean_zero_and_unit_spread(
        rows in prop::collection::vec(prop::collection::vec(-1e3..1e3_f64, 3), 2..40)
    ) {
        let s = Standardizer::fit(&rows, 3);
        let z: Vec<Vec<f64>> = rows.iter().map(|r| s.apply(r)).collect();
        for j in 0..3 {
            let n = z.len() as f64;
            let mean = z.iter().map(|r| r[j]).sum::<f64>() / n;
            let var = z.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n;
            prop_assert!(mean.abs() < 1e-6);
            prop_assert!((var - 1.0).abs() < 1e-6 || var < 1e-12);
        }
    }
}

fn incident(id: &str, scope: Scope, office: f64, worsening: f64) -> Incident {
    Incident {
        event_id: id.into(),
        scope,
        unit: "u".into(),
        audience_share: if scope == Scope::Everybody { 0.9 } else { 0.2 },
        office_share: office,
        buffering_share: 0.5,
        qoe_drop: 0.3,
        duration_min: 12.0,
        worsening,
        start_hour: 9.0,
    }
}

#[test]
fn purity_counts_each_clusters_majority_kind() {
    // Clusters {a, b, c} and {d, e}; known kinds x, x, y | y, (unknown).
    let kinds = IncidentKinds {
        incidents: ["a", "b", "c", "d", "e"]
            .iter()
            .map(|id| incident(id, Scope::OneCity, 1.0, 0.0))
            .collect(),
        kind_of: vec![0, 0, 0, 1, 1],
        kinds: Vec::new(),
        silhouette: None,
        tried: Vec::new(),
        projection: Vec::new(),
    };
    let known: HashMap<String, String> = [("a", "x"), ("b", "x"), ("c", "y"), ("d", "y")]
        .iter()
        .map(|(e, k)| ((*e).to_string(), (*k).to_string()))
        .collect();
    // Majorities: 2 of {x, x, y} and 1 of {y}: 3 of the 4 known.
    assert_eq!(kinds.purity(&known), Some(0.75));
    assert_eq!(kinds.purity(&HashMap::new()), None);
}

#[test]
fn centroids_are_named_the_way_an_operator_reads_them() {
    let name = |c: &Incident| describe(&c.clustered(), c.scope).0;
    assert_eq!(
        name(&incident("a", Scope::Everybody, 0.5, 0.1)),
        "CDN degradation"
    );
    assert_eq!(
        name(&incident("b", Scope::OneCity, 1.0, 0.1)),
        "office congestion"
    );
    assert_eq!(
        name(&incident("c", Scope::OneCountrySegment, 0.0, 0.0)),
        "home ISP outage"
    );
    assert_eq!(
        name(&incident("d", Scope::OneCity, 1.0, 0.8)),
        "slow degradation"
    );
    let (_, words) = describe(
        &incident("e", Scope::OneCountrySegment, 0.0, 0.0).clustered(),
        Scope::OneCountrySegment,
    );
    assert!(words.contains("one country's home workers"), "{words}");
    assert!(words.contains("20 % of the audience"), "{words}");
    assert!(words.contains("12 min"), "{words}");
}

#[test]
fn kinds_of_distinct_incidents_are_separated_and_named() {
    let mut all = Vec::new();
    for i in 0..6 {
        let w = f64::from(i) * 0.01;
        all.push(incident(&format!("cdn{i}"), Scope::Everybody, 0.5, w));
        all.push(incident(
            &format!("isp{i}"),
            Scope::OneCountrySegment,
            0.0,
            w,
        ));
        all.push(incident(&format!("office{i}"), Scope::OneCity, 1.0, w));
    }
    let kinds = incident_kinds(all, 3).unwrap();
    assert_eq!(kinds.kinds.len(), 3);
    let names: Vec<&str> = ["cdn0", "isp0", "office0"]
        .iter()
        .map(|id| kinds.kind_name(id).unwrap())
        .collect();
    assert_eq!(
        names,
        ["CDN degradation", "home ISP outage", "office congestion"]
    );
    assert_eq!(kinds.projection.len(), 18);
    assert!(kinds.kinds.iter().all(|k| k.size == 6));
}

#[test]
fn incident_kinds_on_generator_data_match_the_injected_kinds() {
    let params = SynthParams {
        seed: 101,
        events: Some(120),
        anomaly_rate: 0.3,
        ..SynthParams::default()
    };
    let mut csv = format!("{TELEMETRY_CSV_HEADER}\n").into_bytes();
    let labels = generate(&params, |batch| write_csv_batch(&mut csv, &batch)).unwrap();
    let mut label_csv = Vec::new();
    write_labels_csv(&mut label_csv, &labels).unwrap();
    let d = dataset(std::str::from_utf8(&csv).unwrap());
    let labels = parse_labels("labels.csv", std::str::from_utf8(&label_csv).unwrap()).unwrap();
    let report = detect_events(
        &d,
        &Filter::default(),
        &EventDetectParams::default(),
        &Progress::new(),
    )
    .unwrap();
    let kinds = kinds_of_flagged(&report, report.threshold, 7).unwrap();
    let known: HashMap<String, String> = labels
        .iter()
        .filter(|l| l.anomalous)
        .map(|l| (l.event_id.clone(), l.kind.clone()))
        .collect();
    let judged = kinds
        .incidents
        .iter()
        .filter(|c| known.contains_key(&c.event_id))
        .count();
    assert!(judged >= 20, "only {judged} labelled incidents flagged");
    let purity = kinds.purity(&known).unwrap();
    assert!(purity >= 0.8, "purity {purity}: {:#?}", kinds.kinds);
    // No more kinds than half the incidents: clusters are kinds, not single events.
    assert!(kinds.kinds.len() <= kinds.incidents.len() / 2);
}

#[test]
fn our_silhouette_is_linfas_definition() {
    use linfa::DatasetBase;
    use linfa::metrics::SilhouetteScore;
    let points = blobs(7);
    let flat: Vec<f64> = points.iter().flatten().copied().collect();
    let array = ndarray::Array2::from_shape_vec((21, 2), flat).unwrap();
    // A deliberately imperfect labelling: blob 2 split between clusters 0 and 1.
    let labels: Vec<usize> = (0..21)
        .map(|i| {
            if i < 7 {
                0
            } else if i < 14 {
                1
            } else {
                i % 2
            }
        })
        .collect();
    let ours = super::kmeans::mean_silhouette(&array, &labels, 2);
    let theirs: f64 = DatasetBase::new(array, ndarray::Array1::from(labels))
        .silhouette_score()
        .unwrap();
    assert!((ours - theirs).abs() < 1e-12, "{ours} vs {theirs}");
}

/// Six well-served office viewers and six poorly served home viewers, three samples each.
fn two_audiences() -> streamlens_engine::dataset::Dataset {
    let mut csv = format!("{TELEMETRY_CSV_HEADER}\n");
    for v in 1..=12 {
        let good = v <= 6;
        for s in 0..3 {
            let (qoe, engagement, buffer, kind) = if good {
                (0.95, 0.8, 0, "WFO")
            } else {
                (0.6, 0.3, 3000, "WFH")
            };
            let country = if v % 2 == 0 { 1 } else { 2 };
            writeln!(
                csv,
                "{},1,1001,{v},5,{country},{kind},{qoe},{engagement},{buffer}",
                1_700_000_000_000_i64 + i64::from(s) * 60_000
            )
            .unwrap();
        }
    }
    dataset(&csv)
}

#[test]
fn two_audiences_make_two_segments_with_their_profiles() {
    use super::viewers::viewer_segments;
    let d = two_audiences();
    let s = viewer_segments(&d, &Filter::default(), 1, &Progress::new()).unwrap();
    assert_eq!(s.profiles.len(), 12);
    let label = |p: &super::viewers::ViewerProfile| {
        d.label(
            streamlens_engine::schema::Canonical::ViewerId.name(),
            p.viewer,
        )
    };
    let seven = s.profiles.iter().find(|p| label(p) == "7").unwrap();
    assert!((seven.qoe - 0.6).abs() < 1e-12);
    assert!((seven.engagement - 0.3).abs() < 1e-12);
    assert!((seven.bad_share - 1.0).abs() < 1e-12);
    assert!((seven.buffer_s - 3.0).abs() < 1e-12);
    assert_eq!(seven.samples, 3);
    assert_eq!(s.segments.len(), 2);
    assert!(s.segments.iter().all(|g| g.viewers == 6));
    let good = s.profiles.iter().position(|p| label(p) == "1").unwrap();
    let good_segment = &s.segments[s.segment_of[good]];
    assert_eq!(good_segment.name, "engaged, well served");
    let other = &s.segments[1 - good_segment.id];
    assert_eq!(other.name, "less engaged, poorly served");
    // Viewer type split: the good segment is all WFO, the other all WFH.
    let by_type = s
        .splits
        .iter()
        .find(|x| x.dimension == "viewer type")
        .unwrap();
    let wfo = by_type.values.iter().position(|v| v == "WFO").unwrap();
    assert_eq!(by_type.counts[good_segment.id][wfo], 6);
    assert_eq!(by_type.counts[other.id][wfo], 0);
    // Countries: three of each segment in each country.
    let by_country = s.splits.iter().find(|x| x.dimension == "country").unwrap();
    assert!(by_country.counts.iter().flatten().all(|&n| n == 3));
}
