//! Whole-app tests with `egui_kittest`: the window starts on the sample, filters
//! change the tiles, Reset restores them, dropped files load, bad files keep the
//! previous data.

use std::path::PathBuf;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use streamlens::app::App;
use streamlens::app::state::State;

/// A file "dropped" onto the window, as the platform integration would deliver it.
#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'static, App>, path: PathBuf) {
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(DroppedPath(path)));
}

fn harness_with(files: Vec<PathBuf>) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(move |cc| App::new(&cc.egui_ctx, State::default(), files, false))
}

/// Step frames until `done` holds (workers run on real threads).
fn wait_for(harness: &mut Harness<'static, App>, what: &str, done: impl Fn(&App) -> bool) {
    for _ in 0..3000 {
        harness.step();
        if done(harness.state()) {
            harness.step();
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "timed out waiting for {what}; messages: {:?}",
        harness.state().messages
    );
}

/// Click the button labelled `label` until the typed path dialog opens. A simulated click
/// is hit-tested against the previous frame's layout, so one that lands in the frame where
/// a background job's result changes the layout can miss; a user would click again.
fn open_path_dialog(h: &mut Harness<'static, App>, label: &str) {
    for _ in 0..5 {
        h.get_by_label(label).click();
        for _ in 0..50 {
            h.step();
            if h.state().path_dialog.is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    panic!(
        "clicking {label:?} did not open the path dialog; messages: {:?}",
        h.state().messages
    );
}

/// Type `path` into the path dialog that a click just opened, and press OK.
fn type_path_and_submit(h: &mut Harness<'static, App>, path: &std::path::Path) {
    // Several frames may pass before the click reaches the app when the machine is busy.
    for _ in 0..200 {
        h.step();
        if h.state().path_dialog.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let dialog = h
        .state_mut()
        .path_dialog
        .as_mut()
        .expect("the path dialog opens");
    dialog.text = path.to_string_lossy().into_owned();
    h.run_steps(2);
    h.get_by_label("OK").click();
}

fn ready(app: &App) -> bool {
    app.dataset.is_some() && !app.overview_is_stale() && app.jobs.loading.is_none()
}

/// Once the telemetry sample is ready: the Sessions view on its sample, typed-path dialogs.
fn open_sessions_view(h: &mut Harness<'static, App>) {
    wait_for(h, "the telemetry sample", ready);
    h.state_mut().use_native_dialogs = false;
    h.get_by_label("Sessions (player KPIs)").click();
    wait_for(h, "the session sample", |a| a.sessions.answer.is_some());
}

fn shown_rows(app: &App) -> u64 {
    app.current_overview().map_or(0, |o| o.summary.rows)
}

#[test]
fn starts_on_the_sample_with_filters_tiles_and_events() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    let app = h.state();
    let ds = app.dataset.as_ref().unwrap();
    assert!(ds.name.contains("built-in sample"));
    assert!(ds.rows() > 10_000);
    assert_eq!(shown_rows(app), ds.rows() as u64);
    h.get_by_label("Reset all");
    h.get_by_label("Median QoE");
    h.get_by_label_contains("Events (");
    h.get_by_label_contains("Customer (");
    h.get_by_label_contains("Viewer type (");
    // Filter lists carry row counts.
    h.get_by_label_contains("WFH  (");
}

#[test]
fn a_filter_click_changes_the_tiles_and_reset_restores_them() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    let total = shown_rows(h.state());
    let total_viewers = h.state().current_overview().unwrap().summary.viewers;

    h.get_by_label_contains("WFH  (").click();
    wait_for(&mut h, "the WFH filter", |a| {
        ready(a) && !a.state.filter.is_empty()
    });
    let filtered = shown_rows(h.state());
    assert!(filtered > 0 && filtered < total, "{filtered} of {total}");
    assert!(h.state().current_overview().unwrap().summary.viewers < total_viewers);
    // The chip shows the active filter and the viewers tile shows the new count.
    h.get_by_label("Viewer type: WFH ×");
    let viewers = h.state().current_overview().unwrap().summary.viewers;
    h.get_by_label(&streamlens::app::panels::menu::fmt_count(viewers));

    h.get_by_label("Reset all").click();
    wait_for(&mut h, "the reset", |a| {
        ready(a) && a.state.filter.is_empty()
    });
    assert_eq!(shown_rows(h.state()), total);
    assert!(h.query_by_label("Viewer type: WFH ×").is_none());
}

#[test]
fn clicking_an_event_row_filters_to_it() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    let first = h.state().current_overview().unwrap().events[0].clone();
    h.get_by_label(&first.event).click();
    wait_for(&mut h, "the event filter", |a| {
        ready(a) && !a.state.filter.is_empty()
    });
    let overview = h.state().current_overview().unwrap();
    assert_eq!(overview.events.len(), 1);
    assert_eq!(overview.summary.rows, first.rows);
}

#[test]
fn a_dropped_file_loads_and_a_broken_one_keeps_the_data() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    let good =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/good/aliases_semicolon.csv");
    drop_file(&mut h, good);
    wait_for(&mut h, "the dropped file", |a| {
        ready(a)
            && a.dataset
                .as_ref()
                .is_some_and(|d| d.name.contains("aliases_semicolon.csv"))
    });
    assert_eq!(shown_rows(h.state()), 3);

    let broken = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken/empty.csv");
    drop_file(&mut h, broken);
    wait_for(&mut h, "the error", |a| {
        !a.messages.is_empty() && a.jobs.loading.is_none()
    });
    let app = h.state();
    assert!(
        app.dataset
            .as_ref()
            .unwrap()
            .name
            .contains("aliases_semicolon.csv")
    );
    assert!(
        app.messages[0].text.contains("the file is empty"),
        "{:?}",
        app.messages
    );
    assert!(app.messages[0].text.contains("previous data is still open"));
    h.get_by_label_contains("the file is empty");
    h.get_by_label("×").click();
    h.step();
    assert!(h.state().messages.is_empty());
}

#[test]
fn unrecognised_columns_open_the_mapping_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.csv");
    std::fs::write(
        &path,
        "when,show,who,score,interest\n1709546400000,1,1,0.9,0.9\n1709546430000,1,1,0.7,0.1\n",
    )
    .unwrap();
    let mut h = harness_with(vec![path]);
    wait_for(&mut h, "the mapping dialog", |a| a.mapping_dialog.is_some());
    h.get_by_label("Map columns");
    // Map by editing the dialog's mapping as the combo boxes would.
    {
        use streamlens_engine::schema::Canonical;
        let dialog = h.state_mut().mapping_dialog.as_mut().unwrap();
        for (c, s) in [
            (Canonical::Timestamp, "when"),
            (Canonical::EventId, "show"),
            (Canonical::ViewerId, "who"),
            (Canonical::Qoe, "score"),
            (Canonical::Engagement, "interest"),
        ] {
            dialog.mapping.columns.insert(c, s.into());
        }
    }
    h.step();
    h.get_by_label("Load with this mapping").click();
    wait_for(&mut h, "the mapped file", |a| {
        ready(a)
            && a.dataset
                .as_ref()
                .is_some_and(|d| d.name.contains("odd.csv"))
    });
    assert_eq!(shown_rows(h.state()), 2);
    assert_eq!(
        h.state().state.mappings.len(),
        1,
        "the mapping is remembered"
    );
}

#[test]
fn the_time_slider_narrows_the_data() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    let total = shown_rows(h.state());
    h.get_by_label("Time range (UTC)").click();
    h.step();
    h.get_by_role_and_label(egui::accesskit::Role::Slider, "Start")
        .focus();
    h.step();
    // Keyboard steps move the start later, one minute per press.
    for _ in 0..30 {
        h.key_press(egui::Key::ArrowRight);
        h.step();
    }
    wait_for(&mut h, "the time filter", |a| {
        ready(a) && a.state.filter.time_from_ms.is_some()
    });
    let rows = shown_rows(h.state());
    assert!(rows < total, "{rows} of {total}");
    h.get_by_label_contains("Time: ");
}

#[test]
fn open_path_submits_on_enter_and_keeps_data_on_error() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().path_dialog = Some(streamlens::app::PathDialog {
        purpose: streamlens::app::file_dialogs::DialogKind::Open,
        text: String::new(),
        note: None,
    });
    // A new window is sized in its first frames before it shows.
    h.run_steps(3);
    let broken =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken/header_only.csv");
    h.get_by_label("Path").type_text(&broken.to_string_lossy());
    h.step();
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "the error", |a| {
        !a.messages.is_empty() && a.jobs.loading.is_none()
    });
    let app = h.state();
    assert!(app.path_dialog.is_none());
    assert!(
        app.dataset
            .as_ref()
            .unwrap()
            .name
            .contains("built-in sample")
    );
    let text = &app.messages[0].text;
    assert!(
        text.contains("header but no data rows. The previous data is still open."),
        "{text}"
    );
}

use streamlens_engine::analysis::suite::AnalysisKind;

/// The analysis of `kind` is computed for the current filter.
fn analysed(app: &App, kind: AnalysisKind) -> bool {
    ready(app)
        && app.analyses.get(&kind).is_some_and(|(key, _)| {
            key.filter == app.state.filter && key.params == app.state.params
        })
        && app.telemetry.analysing.is_none()
}

#[test]
fn analysis_tabs_follow_the_filter() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.get_by_label("Viewer types").click();
    wait_for(&mut h, "the viewer-type analysis", |a| {
        analysed(a, AnalysisKind::ViewerTypes)
    });
    let rows_of = |app: &App| app.analyses[&AnalysisKind::ViewerTypes].1.rows;
    let total = rows_of(h.state());
    assert_eq!(total, shown_rows(h.state()));
    h.get_by_label_contains("Metrics by viewer type");
    h.get_all_by_label("Export PNG…")
        .next()
        .expect("a chart export button");

    // A filter in the left panel changes this tab's numbers.
    h.get_by_label_contains("WFO  (").click();
    wait_for(&mut h, "the filtered analysis", |a| {
        !a.state.filter.is_empty() && analysed(a, AnalysisKind::ViewerTypes)
    });
    let filtered = rows_of(h.state());
    assert!(filtered > 0 && filtered < total, "{filtered} of {total}");
    let vt = h.state().analyses[&AnalysisKind::ViewerTypes]
        .1
        .viewer_types
        .clone();
    let groups: Vec<String> = vt.flatten().unwrap()[0].groups.keys().cloned().collect();
    assert_eq!(groups, vec!["WFO"]);

    // Every other tab computes on demand and shows its result.
    for kind in [
        AnalysisKind::Events,
        AnalysisKind::Correlations,
        AnalysisKind::Drivers,
    ] {
        h.get_by_label(kind.title()).click();
        wait_for(&mut h, kind.title(), |a| analysed(a, kind));
        assert_eq!(h.state().analyses[&kind].1.rows, filtered);
    }
    h.get_by_label_contains("Event engagement vs viewers");
    h.get_by_label_contains("What engagement goes with");
}

#[test]
fn a_chart_exports_to_png_and_svg() {
    let mut h = harness_with(Vec::new());
    wait_for(&mut h, "the sample", ready);
    h.state_mut().use_native_dialogs = false;
    h.get_by_label("Correlations").click();
    wait_for(&mut h, "the correlations", |a| {
        analysed(a, AnalysisKind::Correlations)
    });
    let dir = tempfile::tempdir().unwrap();
    for (button, name) in [("Export PNG…", "chart.png"), ("Export SVG…", "chart.svg")] {
        h.get_all_by_label(button)
            .next()
            .expect("an export button")
            .click();
        let path = dir.path().join(name);
        type_path_and_submit(&mut h, &path);
        // Until the export's notice is shown: it moves the layout, and a click aimed at the
        // old place would miss.
        wait_for(&mut h, name, |a| path.exists() && !a.jobs.busy());
        h.run_steps(2);
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 1000, "{name} has {} bytes", bytes.len());
    }
    let svg = std::fs::read_to_string(dir.path().join("chart.svg")).unwrap();
    assert!(svg.contains("correlation"));
    assert!(
        std::fs::read(dir.path().join("chart.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
}

#[path = "ui/traffic.rs"]
mod traffic;

#[path = "ui/anomalies.rs"]
mod anomalies;

#[path = "ui/feature_table.rs"]
mod feature_table;

#[path = "ui/navigation.rs"]
mod navigation;

#[path = "ui/sessions.rs"]
mod sessions;

#[path = "ui/sessions_live.rs"]
mod sessions_live;

#[path = "ui/whatif.rs"]
mod whatif;

#[path = "ui/segments.rs"]
mod segments;

#[path = "ui/kpi_result.rs"]
mod kpi_result;
