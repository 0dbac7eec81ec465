//! Network ▸ What-if: the players run on the synthetic traces by default, a player left out
//! reruns without it, a city from the sample telemetry sets the office's viewers, trace
//! files replace the synthetic ones, and a broken trace file is reported while the
//! previous results stay.

use super::{App, harness_with, open_path_dialog, ready, type_path_and_submit, wait_for};
use egui_kittest::kittest::Queryable;
use streamlens::app::state::Tab;
use streamlens_abr::Algorithm;
use streamlens_abr::synthetic::{Profile, trace};

/// The players' answer matches the current choices and nothing is running.
fn players_ready(app: &App) -> bool {
    app.whatif
        .players
        .answer
        .as_ref()
        .is_some_and(|(k, _)| *k == app.state.whatif.request())
        && !app.whatif_busy()
}

/// The office's answer matches the current choices and nothing is running.
fn office_ready(app: &App) -> bool {
    app.whatif
        .office
        .answer
        .as_ref()
        .is_some_and(|(k, _)| *k == app.state.whatif.office_request())
        && !app.whatif_busy()
}

#[test]
fn players_office_and_trace_files() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().use_native_dialogs = false;
    h.get_by_label("What-if (players, office link)").click();
    wait_for(&mut h, "the default what-if", players_ready);
    assert_eq!(h.state().state.tab, Tab::WhatIf);
    {
        let (_, r) = h.state().whatif.players.answer.as_ref().unwrap();
        assert_eq!(r.trace_names.len(), 20);
        assert_eq!(r.players.len(), 5);
        assert_eq!(r.evaluation.sessions.len(), 100);
    }
    h.get_by_label_contains("QoE_lin per player");
    h.get_by_label_contains("20 traces × 5 players = 100 sessions");
    h.get_by_label_contains("CDF of QoE_lin over sessions");
    h.get_by_label_contains("Best mean QoE_lin here:");
    h.get_by_label_contains("rendition, throughput");

    // Leaving MPC out runs four players.
    h.get_all_by_label("mpc").next().unwrap().click();
    wait_for(&mut h, "four players", |a| {
        players_ready(a) && a.state.whatif.algorithms.len() == 4
    });
    assert!(!h.state().state.whatif.algorithms.contains(&Algorithm::Mpc));

    // The next trace's session of the same player.
    h.get_by_label("Next").click();
    h.run_steps(3);
    assert_eq!(h.state().whatif.session, 4);

    // The office with its default viewers, then a city of the sample: its peak in-office
    // viewers become the office's viewers.
    h.get_by_label("Office link").click();
    wait_for(&mut h, "the default office", office_ready);
    h.get_by_label_contains("rebuffering by ladder cap");
    h.get_by_label_contains("Recommended: cap the ladder at");
    wait_for(&mut h, "the cities' peaks", |a| {
        a.whatif.peaks.is_some() && a.whatif.peaks_running.is_none()
    });
    let peaks = h.state().whatif.peaks.as_ref().unwrap().1.clone();
    assert!(!peaks.is_empty(), "the sample has in-office viewers");
    let busiest = peaks.iter().max_by_key(|p| p.viewers).unwrap().clone();
    h.get_by_label(&busiest.city).click();
    wait_for(&mut h, "the city chosen", |a| a.whatif.city.is_some());
    wait_for(&mut h, "the city's office", office_ready);
    let app = h.state();
    assert_eq!(app.whatif.city.as_deref(), Some(busiest.city.as_str()));
    assert_eq!(app.state.whatif.viewers as u64, busiest.viewers);
    let (_, advice) = app.whatif.office.answer.as_ref().unwrap();
    assert_eq!(advice.office.viewers as u64, busiest.viewers);
    assert_eq!(advice.outcomes.len(), 10);

    // Trace files replace the synthetic traces.
    h.get_by_label("Players on traces").click();
    h.run_steps(2);
    let dir = tempfile::tempdir().unwrap();
    for seed in [1, 2] {
        let t = trace(Profile::Lte, seed, 120);
        std::fs::write(dir.path().join(format!("{}.json", t.name)), t.to_json()).unwrap();
    }
    open_path_dialog(&mut h, "Open traces…");
    type_path_and_submit(&mut h, dir.path());
    wait_for(&mut h, "the trace files", |a| {
        players_ready(a)
            && a.whatif
                .players
                .answer
                .as_ref()
                .is_some_and(|(_, r)| r.trace_names.len() == 2)
    });

    // A broken trace: reported, not retried, and the two-trace results stay.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"not\": \"a trace\"").unwrap();
    open_path_dialog(&mut h, "Open traces…");
    type_path_and_submit(&mut h, &broken);
    wait_for(&mut h, "the error", |a| a.whatif.players.failed.is_some());
    h.run_steps(3);
    let app = h.state();
    assert!(
        app.messages
            .iter()
            .any(|m| m.is_error && m.text.contains("broken.json")),
        "{:?}",
        app.messages
    );
    let (_, r) = app.whatif.players.answer.as_ref().unwrap();
    assert_eq!(r.trace_names.len(), 2);
    assert!(app.whatif.players.running.is_none());
}

#[test]
fn learned_players_are_fitted_on_other_traces_and_join_the_comparison() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().use_native_dialogs = false;
    h.get_by_label("What-if (players, office link)").click();
    wait_for(&mut h, "the default what-if", players_ready);
    // A short training keeps the test quick; the view's default is 1000 iterations.
    h.state_mut().state.whatif.learned.rl_iterations = 10;
    h.get_by_label("learned-mpc").click();
    h.get_all_by_label("rl").next().unwrap().click();
    wait_for(&mut h, "the learned players", |a| {
        players_ready(a)
            && a.whatif
                .players
                .answer
                .as_ref()
                .is_some_and(|(_, r)| r.players.len() == 7)
    });
    {
        let (_, r) = h.state().whatif.players.answer.as_ref().unwrap();
        assert_eq!(&r.players[5..], &["learned-mpc", "rl"]);
        assert_eq!(r.evaluation.summary.len(), 7);
        assert!(r.evaluation.summary[6].qoe_lin_mean.is_finite());
    }
    h.get_by_label_contains("20 traces × 7 players = 140 sessions");
    h.get_by_label_contains("40 synthetic traces");
    // The rl player's session of the first trace.
    h.get_all_by_label("rl").last().unwrap().click();
    h.run_steps(3);
    assert_eq!(h.state().whatif.session, 6);
    assert!(
        h.get_all_by_label_contains("rl on synthetic-3g-")
            .next()
            .is_some()
    );

    // Training traces that are also evaluated are refused, and the results stay.
    let dir = tempfile::tempdir().unwrap();
    let t = trace(Profile::Lte, 3, 120);
    let path = dir.path().join("t.json");
    std::fs::write(&path, t.to_json()).unwrap();
    open_path_dialog(&mut h, "Open traces…");
    type_path_and_submit(&mut h, &path);
    wait_for(&mut h, "the trace file", |a| {
        a.whatif.players.failed.is_none() && players_ready(a)
    });
    open_path_dialog(&mut h, "Open training traces…");
    type_path_and_submit(&mut h, &path);
    wait_for(&mut h, "the refusal", |a| a.whatif.players.failed.is_some());
    h.run_steps(3);
    let app = h.state();
    assert!(
        app.messages
            .iter()
            .any(|m| m.is_error && m.text.contains("never saw")),
        "{:?}",
        app.messages
    );
    let (_, r) = app.whatif.players.answer.as_ref().unwrap();
    assert_eq!(r.trace_names.len(), 1);
    // The kept results are not shown as updating: nothing newer is coming.
    assert!(h.query_by_label("updating…").is_none());
}

#[test]
fn rule_players_show_while_rl_trains_and_another_fit_stops_the_training() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("What-if (players, office link)").click();
    wait_for(&mut h, "the default what-if", players_ready);
    let rules = h
        .state()
        .whatif
        .players
        .answer
        .as_ref()
        .unwrap()
        .1
        .players
        .len();
    // A training far longer than the test: only stopping it lets the next request finish.
    h.state_mut().state.whatif.learned.rl_iterations = 20_000;
    h.get_all_by_label("rl").next().unwrap().click();
    wait_for(&mut h, "the rl training", |a| {
        a.whatif.rl_training().is_some()
    });
    // Meanwhile the rule players' results of this very request are shown, as updating.
    let wanted = h.state().state.whatif.request();
    let (shown, coming) = h.state_mut().whatif.players_for(&wanted).unwrap();
    assert_eq!(shown.players.len(), rules);
    assert!(coming);
    h.run_steps(2);
    h.get_by_label("updating…");
    // Another iteration count is another fit: the long training stops, a short one answers.
    // (10, the fewest the view takes.)
    h.state_mut().state.whatif.learned.rl_iterations = 10;
    wait_for(&mut h, "the short training", |a| {
        players_ready(a)
            && a.whatif.players.answer.as_ref().is_some_and(|(k, r)| {
                k.learned.rl_iterations == 10 && r.players.last() == Some(&"rl")
            })
    });
    let app = h.state();
    assert!(
        app.messages.iter().all(|m| !m.is_error),
        "a stopped training is not an error to report: {:?}",
        app.messages
    );
}
