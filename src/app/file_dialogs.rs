//! Every file dialog of the window in one table: what it asks for, which files it shows,
//! and what the typed-path fallback says. The native dialog runs on its own thread.

use std::path::PathBuf;

/// Which file the window is asking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKind {
    Open,
    SaveWorkspace,
    OpenWorkspace,
    /// Save the pending export (a chart, table or model) to a file.
    Export,
    /// Choose a folder for the pending report.
    ExportFolder,
    /// Captures for the Traffic view.
    OpenCaptures,
    /// A traffic model file.
    OpenModel,
    /// Event labels for the Anomalies view.
    OpenLabels,
    /// A saved event detector for the Anomalies view.
    OpenEventModel,
    /// A saved feature-table detector for the Anomalies view.
    OpenTableModel,
    /// Player-event files for the Sessions view.
    OpenSessions,
    /// CDN log files for the Sessions view.
    OpenCdn,
    /// A collector's folder for the Sessions view, read live.
    WatchCollector,
    /// A running collector's URL for the Sessions view, read live.
    WatchCollectorUrl,
    /// A KPI result folder (Parquet tables) for the Sessions view.
    OpenKpiResult,
    /// Throughput traces (files or folders) for the What-if view.
    OpenTraces,
    /// A video manifest for the What-if view.
    OpenManifest,
    /// Training traces of the What-if view's learned players.
    OpenTrainingTraces,
}

/// What the native dialog does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    PickFiles,
    PickFile,
    SaveFile,
    PickFolder,
    /// No file dialog: an address typed into the field.
    TypedAddress,
}

/// One row of [`DIALOGS`].
#[derive(Debug)]
pub struct DialogSpec {
    pub kind: DialogKind,
    pub mode: Mode,
    /// Window title of the typed-path fallback.
    pub title: &'static str,
    /// Hint in its path field.
    pub hint: &'static str,
    /// The file filter: its name and extensions (none: every file).
    pub filter: Option<(&'static str, &'static [&'static str])>,
    /// Offer "All files" besides the filter.
    pub any_file: bool,
    /// File name a save dialog proposes when the caller has none.
    pub default_name: &'static str,
}

const MODEL_HINT: &str = "Path of a model saved by streamlens (.json)";

pub static DIALOGS: [DialogSpec; 18] = [
    DialogSpec {
        kind: DialogKind::OpenSessions,
        mode: Mode::PickFiles,
        title: "Open player events",
        hint: "Player-event files (CSV, gzip CSV, JSON Lines, Parquet), separated by ;",
        filter: Some((
            "Player events",
            &["csv", "gz", "jsonl", "json", "ndjson", "parquet"],
        )),
        any_file: true,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenCdn,
        mode: Mode::PickFiles,
        title: "Open CDN log",
        hint: "Edgecast log files (JSON Lines, plain or gzip), separated by ;",
        filter: Some(("CDN log", &["jsonl", "json", "ndjson", "gz", "log"])),
        any_file: true,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenTraces,
        mode: Mode::PickFiles,
        title: "Open throughput traces",
        hint: "Trace files or folders of them (Sabre JSON or Pensieve text), separated by ;",
        filter: Some(("Throughput traces", &["json", "txt", "log"])),
        any_file: true,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenTrainingTraces,
        mode: Mode::PickFiles,
        title: "Open training traces",
        hint: "Traces the learned players are fitted on (files or folders), separated by ;",
        filter: Some(("Throughput traces", &["json", "txt", "log"])),
        any_file: true,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenManifest,
        mode: Mode::PickFile,
        title: "Open video manifest",
        hint: "A manifest (.json: segment duration, bitrates, each segment's sizes)",
        filter: Some(("Manifest", &["json"])),
        any_file: true,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::Open,
        mode: Mode::PickFiles,
        title: "Open files",
        hint: "Paths, separated by ; for several files",
        filter: Some(("Telemetry", &["csv", "tsv", "txt", "gz", "parquet", "pq"])),
        any_file: true,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::SaveWorkspace,
        mode: Mode::SaveFile,
        title: "Save workspace",
        hint: "Path of the workspace file (.json)",
        filter: Some(("Workspace", &["json"])),
        any_file: false,
        default_name: "workspace.streamlens.json",
    },
    DialogSpec {
        kind: DialogKind::OpenWorkspace,
        mode: Mode::PickFile,
        title: "Open workspace",
        hint: "Path of the workspace file (.json)",
        filter: Some(("Workspace", &["json"])),
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::Export,
        mode: Mode::SaveFile,
        title: "Export to file",
        hint: "Path of the file to write",
        filter: None,
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::WatchCollector,
        mode: Mode::PickFolder,
        title: "Watch a collector folder",
        hint: "The folder a running streamlens collect --dir writes into",
        filter: None,
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::WatchCollectorUrl,
        mode: Mode::TypedAddress,
        title: "Watch a running collector",
        hint: "http://host:7070 (a running streamlens collect)",
        filter: None,
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenKpiResult,
        mode: Mode::PickFolder,
        title: "Open a KPI result",
        hint: "The folder kpis --engine spark --out (or kpis --out) wrote, or its kpis.parquet",
        filter: None,
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::ExportFolder,
        mode: Mode::PickFolder,
        title: "Export report to folder",
        hint: "Folder to write the report into",
        filter: None,
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenCaptures,
        mode: Mode::PickFiles,
        title: "Add traffic captures",
        hint: "Paths, separated by ; for several files",
        filter: Some(("network-stats captures", &["csv"])),
        any_file: true,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenModel,
        mode: Mode::PickFile,
        title: "Open traffic model",
        hint: MODEL_HINT,
        filter: Some(("Traffic model", &["json"])),
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenLabels,
        mode: Mode::PickFile,
        title: "Open event labels",
        hint: "Path of a labels CSV (event_id,anomalous,kind,start_ms,end_ms,scope)",
        filter: Some(("Event labels", &["csv"])),
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenEventModel,
        mode: Mode::PickFile,
        title: "Open event model",
        hint: MODEL_HINT,
        filter: Some(("Event model", &["json"])),
        any_file: false,
        default_name: "",
    },
    DialogSpec {
        kind: DialogKind::OpenTableModel,
        mode: Mode::PickFile,
        title: "Open feature-table model",
        hint: MODEL_HINT,
        filter: Some(("Feature-table model", &["json"])),
        any_file: false,
        default_name: "",
    },
];

impl DialogKind {
    /// This dialog's row of [`DIALOGS`].
    #[must_use]
    pub fn spec(self) -> &'static DialogSpec {
        DIALOGS
            .iter()
            .find(|d| d.kind == self)
            .expect("every dialog kind has a row")
    }
}

/// What a dialog returned: the paths chosen (empty when cancelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    pub kind: DialogKind,
    pub paths: Vec<PathBuf>,
}

/// Show the native dialog of `kind` and wait for the user (call it off the UI thread).
/// `suggested_name` is the file name a save dialog proposes; its extension becomes the
/// filter when the table has none.
#[must_use]
pub fn pick(kind: DialogKind, suggested_name: &str) -> Picked {
    let spec = kind.spec();
    let mut dialog = rfd::FileDialog::new();
    if let Some((name, extensions)) = spec.filter {
        dialog = dialog.add_filter(name, extensions);
    } else if let Some((_, ext)) = suggested_name.rsplit_once('.') {
        dialog = dialog.add_filter(ext.to_uppercase(), &[ext]);
    }
    if spec.any_file {
        dialog = dialog.add_filter("All files", &["*"]);
    }
    let name = if suggested_name.is_empty() {
        spec.default_name
    } else {
        suggested_name
    };
    if !name.is_empty() {
        dialog = dialog.set_file_name(name);
    }
    let paths = match spec.mode {
        Mode::PickFiles => dialog.pick_files().unwrap_or_default(),
        Mode::PickFile => dialog.pick_file().into_iter().collect(),
        Mode::SaveFile => dialog.save_file().into_iter().collect(),
        Mode::PickFolder => dialog.pick_folder().into_iter().collect(),
        Mode::TypedAddress => Vec::new(),
    };
    Picked { kind, paths }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_exactly_one_row() {
        for spec in &DIALOGS {
            assert_eq!(DIALOGS.iter().filter(|d| d.kind == spec.kind).count(), 1);
            assert!(std::ptr::eq(spec.kind.spec(), spec));
        }
    }

    #[test]
    fn save_dialogs_propose_a_name_or_take_the_callers() {
        assert_eq!(
            DialogKind::SaveWorkspace.spec().default_name,
            "workspace.streamlens.json"
        );
        assert_eq!(DialogKind::Export.spec().mode, Mode::SaveFile);
        assert!(DialogKind::Export.spec().filter.is_none());
    }
}
