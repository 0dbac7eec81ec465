//! A KPI result opened in the Sessions view: the Parquet tables `kpis --engine spark` (or
//! `kpis --out`) wrote, read on a thread of their own and shown read-only, with the same
//! tiles, charts and tables as a result computed here.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, TryRecvError, bounded};
use streamlens_report::chart::ChartSpec;
use streamlens_report::chart::sessions::minute_charts;
use streamlens_report::sessions_export::SessionsReport;
use streamlens_sessions::Query;
use streamlens_sessions::result::{active_stretches, read_kpi_result};

use super::App;
use super::nav::Tab;
use super::sessions::SessionAnswer;

/// A result on screen: where it came from and what the view draws.
#[derive(Debug)]
pub struct ResultView {
    pub source: PathBuf,
    pub shown: SessionAnswer,
    /// Index ranges of the minutes with active views (one per webcast, usually).
    pub stretches: Vec<Range<usize>>,
}

/// The Sessions view's KPI result, when one is open or opening.
#[derive(Debug, Default)]
pub struct KpiResultState {
    pub opening: Option<(PathBuf, Receiver<Result<ResultView, String>>)>,
    pub shown: Option<Arc<ResultView>>,
    /// The breakdown dimension shown.
    pub dimension: Option<String>,
    /// The minutes charted: one active stretch, or all of them (`None`).
    pub stretch: Option<usize>,
    /// The per-minute charts of the choice above, built when it changes.
    pub minute_charts: Option<(Option<usize>, Arc<Vec<ChartSpec>>)>,
}

/// Reads the result at `path` and builds its charts and tables (off the window's thread).
fn build(path: PathBuf) -> Result<ResultView, String> {
    let result = read_kpi_result(&path)?;
    let source = path.display().to_string();
    let report = SessionsReport {
        source: &source,
        filter: "",
        answer: &result.answer,
        cdn: None,
        charts: None,
    };
    let (charts, tables) = (report.charts(), report.tables());
    let stretches = result
        .answer
        .minutes
        .as_deref()
        .map(active_stretches)
        .unwrap_or_default();
    Ok(ResultView {
        source: path,
        stretches,
        shown: SessionAnswer {
            query: Query::default(),
            answer: result.answer,
            cdn: None,
            charts,
            tables,
            value_counts: Vec::new(),
            thresholds: None,
            alerts: Vec::new(),
        },
    })
}

impl App {
    /// Opens the KPI result at `path` (a result folder or its `kpis.parquet`).
    pub fn open_kpi_result(&mut self, path: PathBuf) {
        let (tx, rx) = bounded(1);
        let reading = path.clone();
        std::thread::spawn(move || {
            let _ = tx.send(build(reading));
        });
        self.kpi_result.opening = Some((path, rx));
        self.state.tab = Tab::Sessions;
    }

    /// Shows a result that finished reading; an unreadable one is an error message and
    /// what was on screen stays.
    pub(super) fn poll_kpi_result(&mut self) {
        let Some((path, rx)) = &self.kpi_result.opening else {
            return;
        };
        let read = match rx.try_recv() {
            Ok(read) => read,
            Err(TryRecvError::Empty) => return,
            // The reading thread ended without an answer (it panicked).
            Err(TryRecvError::Disconnected) => Err("reading it failed unexpectedly".into()),
        };
        let path = path.clone();
        self.kpi_result.opening = None;
        match read {
            Ok(view) => {
                let state = &mut self.kpi_result;
                state.dimension = view.shown.answer.breakdowns.first().map(|(d, _)| d.clone());
                // The latest webcast first, as the player events' view does.
                state.stretch = view.stretches.len().checked_sub(1);
                state.minute_charts = None;
                state.shown = Some(Arc::new(view));
            }
            Err(why) => self.error(format!(
                "Cannot open the KPI result {}: {why}",
                path.display()
            )),
        }
    }

    /// The per-minute charts of the chosen stretch (all minutes when none is chosen).
    pub fn result_minute_charts(&mut self) -> Arc<Vec<ChartSpec>> {
        let state = &mut self.kpi_result;
        if let Some((stretch, charts)) = &state.minute_charts
            && *stretch == state.stretch
        {
            return Arc::clone(charts);
        }
        let charts = state.shown.as_ref().map_or_else(Vec::new, |view| {
            let minutes = view.shown.answer.minutes.as_deref().unwrap_or_default();
            let range = state
                .stretch
                .and_then(|i| view.stretches.get(i).cloned())
                .unwrap_or(0..minutes.len());
            minute_charts(&minutes[range])
        });
        let charts = Arc::new(charts);
        state.minute_charts = Some((state.stretch, Arc::clone(&charts)));
        charts
    }

    /// Back from the result to the player events open before it.
    pub fn close_kpi_result(&mut self) {
        self.kpi_result.shown = None;
    }
}
